package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/evidence"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/trail"
)

// auditPeople is an organisation for the audit pages: 総務部 ── 総務課 is
// audited; 山田 audits from 監査室; 次郎 is an auditor sitting in 総務課;
// 佐藤 manages 総務課; 田中 works there; the CISO, 統括 and a committee
// member read.
type auditPeople struct {
	bureau, section, office                                     int64
	director, ciso, auditor, insider, manager, owner, committee *session
}

func newAuditPeople(e *adminEnv) auditPeople {
	e.t.Helper()
	var p auditPeople
	p.bureau = e.department("総務部", 0)
	p.section = e.department("総務課", p.bureau)
	p.office = e.department("監査室", 0)
	role := func(r authz.Role, scope int64) org.AssignmentInput {
		return org.AssignmentInput{Role: string(r), ScopeID: scope}
	}
	p.director = e.signIn(e.person("鈴木 一郎", 0, true, role(authz.SecurityDirector, 0)))
	p.ciso = e.signIn(e.person("高橋 花子", 0, true, role(authz.CISO, 0)))
	p.auditor = e.signIn(e.person("山田 太郎", p.office, true, role(authz.Auditor, 0)))
	p.insider = e.signIn(e.person("監査 次郎", p.section, true, role(authz.Auditor, 0)))
	p.manager = e.signIn(e.person("佐藤 花子", p.section, true, role(authz.SecurityManager, p.section)))
	p.owner = e.signIn(e.person("田中 三郎", p.section, true))
	p.committee = e.signIn(e.person("委員 次子", 0, true, role(authz.Committee, 0)))
	return p
}

// principal is what the role table sees of a signed-in person.
func (e *adminEnv) principal(s *session) authz.Principal {
	e.t.Helper()
	p, err := org.Principal(e.ctx, e.d, e.sc, s.personID)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// auditInFieldwork opens an engagement of 総務課 audited by 山田, in
// fieldwork, with an evidence request to 総務課.
func (e *adminEnv) auditInFieldwork(p auditPeople) (audit.Audit, audit.Request) {
	e.t.Helper()
	var a audit.Audit
	var rq audit.Request
	e.tx(func(tx *db.Tx) (err error) {
		a, err = audit.Create(e.ctx, tx, e.sc, e.principal(p.director), audit.Input{Title: "総務課の監査", StartsOn: "2025-10-01",
			EndsOn: "2025-10-31", Departments: audit.IDs{p.section}, Auditors: audit.IDs{p.auditor.personID}})
		if err != nil {
			return err
		}
		if a, err = audit.Start(e.ctx, tx, e.sc, e.principal(p.auditor), a.ID); err != nil {
			return err
		}
		rq, err = audit.AddRequest(e.ctx, tx, e.sc, e.principal(p.auditor), a.ID, audit.RequestInput{DepartmentID: p.section, Request: "台帳の写し"})
		return err
	})
	return a, rq
}

// upload posts a multipart form with a file.
func (e *adminEnv) upload(path string, s *session, fields url.Values, fileName string, content []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields.Set("csrf", s.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			e.t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.RemoteAddr = "192.0.2.10:50000"
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
	return e.serve(r)
}

// newestEntry is the newest trail entry of an entity and action.
func (e *adminEnv) newestEntry(entity string, action trail.Action) (trail.Entry, bool) {
	e.t.Helper()
	es, err := trail.List(e.ctx, e.d, e.sc, trail.Filter{Entity: entity, Action: action, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(es) == 0 {
		return trail.Entry{}, false
	}
	return es[0], true
}

// Opening an engagement: an auditor of the audited 課室 is refused beside
// the field, with what was typed kept, nothing saved and the refusal in
// the trail; without him it is created. The 年度 of a plan is read as
// offices write it.
func TestAuditPagesCreate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		p := newAuditPeople(e)

		for _, c := range []struct {
			year string
			want int
			err  string
		}{
			{"令和7年度", 2025, ""}, {"R7", 2025, ""}, {"２０２４", 2024, ""}, {"平成31年度", 2019, ""}, {"令和元年", 2019, ""},
			{"来年", 0, e.ja("audit.fiscal_year_invalid")},
		} {
			w := e.do(http.MethodPost, "/audit-plans", p.director, url.Values{"kind": {"yearly"}, "title": {"計画 " + c.year}, "year_from": {c.year}})
			if c.err != "" {
				if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), c.err) || !strings.Contains(w.Body.String(), "計画 "+c.year) {
					t.Errorf("year %q: %d, want the error and the typed title", c.year, w.Code)
				}
				continue
			}
			if w.Code != http.StatusSeeOther {
				t.Errorf("year %q: %d %s", c.year, w.Code, w.Body.String())
				continue
			}
			pid, _ := strconv.ParseInt(strings.TrimPrefix(w.Header().Get("Location"), "/audit-plans/"), 10, 64)
			plan, err := audit.GetPlan(e.ctx, d, e.sc, e.principal(p.director), pid)
			if err != nil || plan.YearFrom != c.want {
				t.Errorf("year %q: plan %+v %v, want %d", c.year, plan, err, c.want)
			}
		}

		form := url.Values{"title": {"総務課の情報セキュリティ監査"}, "starts_on": {"令和7年10月1日"}, "ends_on": {"令和7年10月31日"},
			"departments": {fmt.Sprint(p.section)}, "auditors": {fmt.Sprint(p.auditor.personID), fmt.Sprint(p.insider.personID)}}
		w := e.do(http.MethodPost, "/audits", p.director, form)
		body := w.Body.String()
		if w.Code != http.StatusBadRequest || !strings.Contains(body, "監査 次郎さんは監査対象の部署（総務部　総務課）に所属している") ||
			!strings.Contains(body, `value="総務課の情報セキュリティ監査"`) || !strings.Contains(body, `value="令和7年10月1日"`) {
			t.Fatalf("dependent auditor: %d\n%s", w.Code, body)
		}
		if ent, ok := e.lastDenied(p.director.personID); !ok || ent.Entity != audit.EntityAudit || !strings.Contains(ent.After, "auditor_in_audited_department") {
			t.Errorf("refusal not in the trail: %+v", ent)
		}
		page, err := audit.List(e.ctx, d, e.sc, e.principal(p.director), audit.Filter{})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("a refused engagement was saved: %+v %v", page.Items, err)
		}
		form["auditors"] = []string{fmt.Sprint(p.auditor.personID)}
		w = e.do(http.MethodPost, "/audits", p.director, form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("create: %d %s", w.Code, w.Body.String())
		}
		aPath := w.Header().Get("Location")
		show := e.page(aPath, p.director, http.StatusOK)
		for _, want := range []string{"総務課の情報セキュリティ監査", "山田 太郎", "主任監査人", "令和7年10月1日"} {
			if !strings.Contains(show, want) {
				t.Errorf("the audit page lacks %q", want)
			}
		}
		// Widening the scope later to 山田's own 監査室 is refused.
		w = e.do(http.MethodPost, aPath+"/scope", p.director, url.Values{"kind": {"department"}, "department_id": {fmt.Sprint(p.office)}})
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "監査人の山田 太郎さんが所属する部署（監査室）") {
			t.Errorf("widening to the auditor's department: %d", w.Code)
		}
	})
}

// The department answers an evidence request with a file: a refused type
// or a file over the organisation's limit is refused beside the field,
// nothing is stored and the refusal is in the trail; a CSV is taken. The
// file is downloaded by those entitled, every download in the trail; a
// committee member is refused.
func TestAuditPagesEvidence(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		p := newAuditPeople(e)
		a, rq := e.auditInFieldwork(p)
		reply := fmt.Sprintf("/audits/%d/requests/%d/reply", a.ID, rq.ID)
		files := func() int {
			fs, err := evidence.ListByOwner(e.ctx, d, e.sc, evidence.Owner{Kind: audit.OwnerRequest, Ref: fmt.Sprint(rq.ID)})
			if err != nil {
				t.Fatal(err)
			}
			return len(fs)
		}
		e.tx(func(tx *db.Tx) error { return evidence.SetMaxBytes(e.ctx, tx, e.sc, 2048) })
		for _, c := range []struct {
			name, file string
			content    []byte
			want       string
		}{
			{"html named .pdf", "台帳.pdf", []byte("<html><body>x</body></html>"), e.ja("evidence.refused.html")},
			{"executable", "台帳.xlsx", append([]byte("MZ\x90\x00"), make([]byte, 100)...), e.ja("evidence.refused.executable")},
			{"over the limit", "台帳.csv", bytes.Repeat([]byte("名称,分類\n"), 300), e.ja("evidence.refused.too_large", "2 KB")},
		} {
			w := e.upload(reply, p.manager, url.Values{"reply": {"提出します。"}}, c.file, c.content)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), c.want) || !strings.Contains(w.Body.String(), "提出します。") {
				t.Errorf("%s: %d, want %q and the typed reply", c.name, w.Code, c.want)
			}
			if ent, ok := e.newestEntry(evidence.EntityFile, trail.Denied); !ok || !strings.Contains(ent.After, c.file) {
				t.Errorf("%s: refusal not in the trail: %+v", c.name, ent)
			}
		}
		if n := files(); n != 0 {
			t.Fatalf("%d refused files stored", n)
		}
		got, _, _ := audit.Get(e.ctx, d, e.sc, e.principal(p.manager), a.ID)
		if rs, _ := audit.ListRequests(e.ctx, d, e.sc, got.ID); rs[0].Answered() {
			t.Error("a refused reply was half saved")
		}
		w := e.upload(reply, p.manager, url.Values{"reply": {"提出します。"}}, "台帳.csv", []byte("名称,分類\n住民台帳,3\n"))
		if w.Code != http.StatusSeeOther || files() != 1 {
			t.Fatalf("reply: %d, %d files", w.Code, files())
		}
		fs, _ := evidence.ListByOwner(e.ctx, d, e.sc, evidence.Owner{Kind: audit.OwnerRequest, Ref: fmt.Sprint(rq.ID)})
		path := fmt.Sprintf("/evidence/%d", fs[0].ID)
		for _, s := range []*session{p.auditor, p.manager, p.director} {
			w := e.do(http.MethodGet, path, s, nil)
			if w.Code != http.StatusOK || w.Body.String() != "名称,分類\n住民台帳,3\n" ||
				!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("download by %d: %d %q", s.personID, w.Code, w.Header())
			}
			if ent, ok := e.newestEntry(evidence.EntityFile, trail.Export); !ok || ent.ActorID != s.personID {
				t.Errorf("download by %d not in the trail: %+v", s.personID, ent)
			}
		}
		for _, s := range []*session{p.committee, p.owner, p.insider} {
			if w := e.do(http.MethodGet, path, s, nil); w.Code != http.StatusForbidden {
				t.Errorf("download by %d: %d, want 403", s.personID, w.Code)
			}
			if ent, ok := e.lastDenied(s.personID); !ok || ent.EntityID != "GET "+path {
				t.Errorf("refused download by %d not in the trail", s.personID)
			}
		}
		// The settings page takes the limit in MB.
		if w := e.do(http.MethodPost, "/audits/settings", p.ciso, url.Values{"max_mb": {"たくさん"}}); w.Code != http.StatusBadRequest ||
			!strings.Contains(w.Body.String(), `value="たくさん"`) {
			t.Errorf("bad limit: %d", w.Code)
		}
		if w := e.do(http.MethodPost, "/audits/settings", p.ciso, url.Values{"max_mb": {"５"}}); w.Code != http.StatusSeeOther {
			t.Errorf("limit: %d %s", w.Code, w.Body.String())
		}
		if n, _ := evidence.MaxBytes(e.ctx, d, e.sc); n != 5<<20 {
			t.Errorf("limit %d, want 5 MB", n)
		}
	})
}

// The report: the home pages show each person's turn; the Excel workbook
// is the report's, kept in the trail as an export; the print view marks a
// report not yet approved as 案.
func TestAuditPagesReport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		p := newAuditPeople(e)
		a, _ := e.auditInFieldwork(p)
		aPath := fmt.Sprintf("/audits/%d", a.ID)
		if home := e.page("/", p.manager, http.StatusOK); !strings.Contains(home, e.ja("audit.home.request")) {
			t.Error("the manager's home page does not show the evidence request")
		}
		e.post(aPath+"/findings", p.auditor, url.Values{"severity": {"major"}, "title": {"=HYPERLINK(\"http://x\")"}, "department_id": {fmt.Sprint(p.section)}}, http.StatusSeeOther)
		fs, _ := audit.ListFindings(e.ctx, d, e.sc, a.ID)
		e.post("/actions", p.auditor, url.Values{"finding_id": {fmt.Sprint(fs[0].ID)}, "title": {"パスワードを変更する"},
			"owner_id": {fmt.Sprint(p.owner.personID)}, "due_on": {"2020-01-31"}}, http.StatusSeeOther)
		if home := e.page("/", p.owner, http.StatusOK); !strings.Contains(home, e.ja("action.home.overdue", "パスワードを変更する")) {
			t.Error("the owner's home page does not show the overdue action")
		}
		// A refused action form comes back under its finding.
		body := e.post("/actions", p.auditor, url.Values{"finding_id": {fmt.Sprint(fs[0].ID)}, "title": {"期限なし"},
			"owner_id": {fmt.Sprint(p.owner.personID)}}, http.StatusBadRequest)
		if !strings.Contains(body, `value="期限なし"`) || !strings.Contains(body, e.ja("error.required")) {
			t.Error("the refused action form lost what was typed or its problem")
		}
		e.post(aPath+"/report/draft", p.auditor, url.Values{"text": {"指摘事項1件。"}}, http.StatusSeeOther)
		if home := e.page("/", p.manager, http.StatusOK); !strings.Contains(home, e.ja("audit.home.respond", "総務課の監査")) {
			t.Error("the manager's home page does not ask for a response")
		}
		print := e.page(aPath+"/report/print", p.committee, http.StatusOK)
		if !strings.Contains(print, "案（") || !strings.Contains(print, "指摘事項1件。") {
			t.Error("the print view of a draft is not marked 案")
		}
		w := e.do(http.MethodGet, aPath+"/report.xlsx", p.committee, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("xlsx: %d %q", w.Code, w.Header())
		}
		f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if sheets := f.GetSheetList(); len(sheets) != 5 || sheets[0] != "概要" || sheets[2] != "指摘事項" {
			t.Errorf("sheets %q", sheets)
		}
		cell, _ := f.GetCellValue("指摘事項", "C2")
		formula, _ := f.GetCellFormula("指摘事項", "C2")
		if cell != `=HYPERLINK("http://x")` || formula != "" {
			t.Errorf("finding title cell %q formula %q: a formula got through", cell, formula)
		}
		if ent, ok := e.newestEntry(audit.EntityAudit, trail.Export); !ok || ent.ActorID != p.committee.personID {
			t.Errorf("export not in the trail: %+v", ent)
		}
	})
}
