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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// TestDocumentPagesScreens takes headless-Chromium screenshots of the
// document pages, wide and 400 px narrow, for a person to look at. It runs
// only when MAMORI_SCREENSHOTS names a folder to write them to
// (MAMORI_SCREENSHOTS_ONLY=name,… narrows it).
func TestDocumentPagesScreens(t *testing.T) {
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
	bureau := e.department("総務部", 0)
	e.department("総務課", bureau)
	director := e.signIn(e.person("鈴木 一郎", bureau, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))
	reviewer := e.signIn(e.person("委員 花子", bureau, true, org.AssignmentInput{Role: string(authz.Committee)}))

	in := docInput(policy.Standard, "情報セキュリティ対策基準", standardText, policy.Staff)
	in.Number = "規程第2号"
	doc, v1 := e.publishedDoc(in, "2024-04-01")
	after := strings.Replace(standardText, "CISOを置く。", "CISOを置き、統括情報セキュリティ責任者を補佐とする。", 1)
	after = strings.Replace(after, "### (1) 分類\n\n機密性、完全性及び可用性により分類する。\n", "", 1)
	after += "\n## 3 物理的セキュリティ\n\n### (1) 管理区域\n\nサーバ室を管理区域とし、入退室を記録する。\n"
	v2 := e.reviseDoc(doc.ID, after, "物理的セキュリティを追加し、分類を削除")
	e.submitDoc(doc.ID, v2.ID)
	e.docStep(e.docApprover(), func(tx *db.Tx, sc scope.Scope, p authz.Principal) error {
		_, err := policy.AddComment(e.ctx, tx, sc, p, doc.ID, v2.ID, "1-(1)", "統括の役割も書き加えてください。")
		return err
	})
	proc, pv := e.newDoc(docInput(policy.Procedure, "サーバ室入退室手順", "# サーバ室入退室手順\n\n## 1 入退室\n\n入退室カードは金庫に保管する。\n", policy.Restricted))
	p := fmt.Sprintf("/documents/%d", doc.ID)
	v1p, v2p := fmt.Sprintf("%s/versions/%d", p, v1.ID), fmt.Sprintf("%s/versions/%d", p, v2.ID)
	draft := fmt.Sprintf("/documents/%d/versions/%d", proc.ID, pv.ID)

	as := func(s *session, lang string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s != nil {
				r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
			}
			r.Header.Set("Accept-Language", lang)
			if rest, ok := strings.CutPrefix(r.URL.Path, "/_post"); ok {
				r2 := newRequest(http.MethodPost, rest, s, r.URL.Query())
				r2.Header.Set("Accept-Language", lang)
				r = r2
			}
			httpx.SecurityHeaders(e.h).ServeHTTP(w, r)
		})
	}
	type shotAs struct {
		shot
		s *session
	}
	shots := []shotAs{
		{shot{"documents", "/documents", 1280, 1000}, director},
		{shot{"documents_narrow", "/documents", 400, 2400}, director},
		{shot{"documents_search", "/documents?q=" + url.QueryEscape("管理区域"), 1280, 900}, director},
		{shot{"document_new", "/documents/new", 1280, 2600}, director},
		{shot{"document_new_error", "/_post/documents?title=" + url.QueryEscape("題だけ"), 1280, 2600}, director},
		{shot{"document_show", p, 1280, 2600}, director},
		{shot{"document_show_narrow", p, 400, 5000}, director},
		{shot{"version_review", v2p, 1280, 3000}, director},
		{shot{"version_review_committee", v2p, 1280, 3000}, reviewer},
		{shot{"version_review_narrow", v2p, 400, 6000}, director},
		{shot{"version_refused", "/_post" + v2p + "/publish?effective_date=2026-04-01", 1280, 1400}, director},
		{shot{"version_draft", draft, 1280, 1600}, director},
		{shot{"draft_edit", draft + "/edit", 1280, 1800}, director},
		{shot{"draft_preview", "/_post" + draft + "?preview=1&lock_version=1&title=" + url.QueryEscape("サーバ室入退室手順") +
			"&body=" + url.QueryEscape("# サーバ室入退室手順\n\n## 1 入退室\n\n### (1) 申請\n\n前日までに申請する。\n"), 1280, 2400}, director},
		{shot{"draft_conflict", "/_post" + draft + "?lock_version=0&title=" + url.QueryEscape("サーバ室入退室手順") +
			"&body=" + url.QueryEscape("# 私の案\n"), 1280, 2000}, director},
		{shot{"document_settings", fmt.Sprintf("/documents/%d/settings", proc.ID), 1280, 3400}, director},
		{shot{"document_settings_narrow", fmt.Sprintf("/documents/%d/settings", proc.ID), 400, 7000}, director},
		{shot{"compare", p + "/compare", 1280, 1800}, director},
		{shot{"compare_narrow", p + "/compare", 400, 3600}, director},
		{shot{"print", v1p + "/print", 900, 1800}, director},
		{shot{"public", "/public", 1280, 900}, nil},
		{shot{"public_narrow", "/public", 400, 900}, nil},
	}
	only := os.Getenv("MAMORI_SCREENSHOTS_ONLY")
	for _, lang := range []string{"ja", "en"} {
		if lang == "en" {
			// The reader's own choice wins over the browser's.
			for _, s := range []*session{director, reviewer} {
				e.tx(func(tx *db.Tx) error {
					return auth.SetPreferences(e.ctx, tx, e.sc, s.personID, auth.LocaleEN, auth.DateStyleISO)
				})
			}
		}
		for _, s := range shots {
			if lang == "en" && !slices.Contains([]string{"documents", "document_show", "version_review", "compare"}, s.name) {
				continue
			}
			if only != "" && !slices.Contains(strings.Split(only, ","), s.name) {
				continue
			}
			srv := httptest.NewServer(as(s.s, lang))
			out := filepath.Join(dir, fmt.Sprintf("%s-%s.png", lang, s.name))
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
			cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--hide-scrollbars", "--user-data-dir="+t.TempDir(), "--lang="+lang,
				fmt.Sprintf("--window-size=%d,%d", s.width, max(s.height, 900)), "--screenshot="+out, srv.URL+s.path)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: %v\n%s", s.name, err, b)
			}
			cancel()
			srv.Close()
		}
	}
	for _, s := range []*session{director, reviewer} {
		e.tx(func(tx *db.Tx) error {
			return auth.SetPreferences(e.ctx, tx, e.sc, s.personID, auth.LocaleJA, auth.DateStyleWareki)
		})
	}
	// The print view as it prints: print media at A4's printable width, and
	// as a PDF on A4.
	if only != "" && !slices.Contains(strings.Split(only, ","), "print_pdf") {
		return
	}
	srv := httptest.NewServer(as(director, "ja"))
	defer srv.Close()
	actx, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(718, 1000))
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 120*time.Second)
	defer cancel3()
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}),
		chromedp.Navigate(srv.URL+v1p+"/print"),
	); err != nil {
		t.Fatalf("print view in print: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("print screenshot: %v", err)
	}
	preferCSS := true
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69, PreferCSSPageSize: &preferCSS})
	if err != nil {
		t.Fatalf("print pdf: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ja-print_media.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ja-print.pdf"), res.Data, 0o644); err != nil {
		t.Fatal(err)
	}
}
