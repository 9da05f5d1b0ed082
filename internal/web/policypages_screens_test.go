package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/httpx"
	"mamori/internal/policy"
)

// TestPolicyPagesScreens takes headless-Chromium screenshots of the
// acknowledgement, review and exception pages, wide and at 400 px, for a
// person to look at. It runs only when MAMORI_SCREENSHOTS names a folder.
func TestPolicyPagesScreens(t *testing.T) {
	dir := os.Getenv("MAMORI_SCREENSHOTS")
	if dir == "" {
		t.Skip("MAMORI_SCREENSHOTS not set")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium")
	}
	d := dbtest.Open(t, db.SQLite)
	e := newAdminEnv(t, d)
	o := newPolOrg(e)
	in := docInput(policy.Standard, "情報セキュリティ対策基準", standardText, policy.Staff)
	in.AckRequired, in.Number = true, "規程第3号"
	doc, v := e.publishedDoc(in, "2020-04-01")
	base := fmt.Sprintf("/documents/%d/versions/%d", doc.ID, v.ID)
	for _, p := range []int64{o.sectStaff, o.officer} {
		e.post(base+"/acknowledge", o.s[p], nil, http.StatusSeeOther)
	}
	e.post(fmt.Sprintf("/documents/%d/reviews", doc.ID), o.s[o.director], url.Values{"reviewed_on": {"2025-04-01"}, "result": {"revise"},
		"trigger_kind": {"audit_finding"}, "trigger_ref": {"finding:12"}, "reason": {"分類基準が令和6年改定のガイドラインと合っていないため、改定する。"}}, http.StatusSeeOther)
	x := e.polException(o.sectStaff, doc.ID, v.Clauses[len(v.Clauses)-1].Ident)
	e.polException(o.manager, doc.ID, v.Clauses[0].Ident)
	s := o.s[o.ciso]

	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
		r.Header.Set("Accept-Language", "ja")
		if p, ok := strings.CutPrefix(r.URL.Path, "/_post"); ok {
			form := r.URL.Query()
			form.Set("csrf", s.csrf)
			r = newRequest(http.MethodPost, p, s, form)
		}
		httpx.SecurityHeaders(e.h).ServeHTTP(w, r)
	})
	srv := httptest.NewServer(front)
	defer srv.Close()
	shots := []shot{
		{"policy_document", fmt.Sprintf("/documents/%d", doc.ID), 1280, 4000},
		{"policy_document_narrow", fmt.Sprintf("/documents/%d", doc.ID), 400, 7000},
		{"policy_progress", base + "/acknowledgements", 1280, 0},
		{"policy_progress_narrow", base + "/acknowledgements", 400, 3000},
		{"policy_overview", "/acknowledgements", 1280, 0},
		{"policy_review_error", fmt.Sprintf("/_post/documents/%d/reviews?result=no_change&trigger_ref=x", doc.ID), 400, 2400},
		{"policy_exceptions", "/exceptions", 1280, 0},
		{"policy_exceptions_narrow", "/exceptions", 400, 2400},
		{"policy_exception_new_error", fmt.Sprintf("/_post/exceptions?document_id=%d&clause=9&scope=x&starts_on=2030-04-01&ends_on=2030-03-01", doc.ID), 400, 3200},
		{"policy_exception", fmt.Sprintf("/exceptions/%d", x.ID), 400, 2400},
		{"policy_home", "/", 400, 3000},
	}
	for _, sh := range shots {
		out := filepath.Join(dir, sh.name+".png")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
			"--hide-scrollbars", "--user-data-dir="+t.TempDir(),
			fmt.Sprintf("--window-size=%d,%d", sh.width, max(sh.height, 1800)), "--screenshot="+out, srv.URL+sh.path)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", sh.name, err, b)
		}
		cancel()
	}
}
