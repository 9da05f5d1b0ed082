package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/trail"
)

// Two versions side by side: what was taken out and put in within a
// clause, and the clauses added and removed, each said in words too.
func TestDocumentPagesCompare(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		staff := e.signIn(e.person("職員 一郎", 0, true))
		doc, v1 := e.publishedDoc(docInput(policy.Standard, "情報セキュリティ対策基準", standardText, policy.Staff), "2024-04-01")
		after := strings.Replace(standardText, "CISOを置く。", "CISOを置き、統括を補佐とする。", 1)
		after = strings.Replace(after, "### (1) 分類\n\n機密性、完全性及び可用性により分類する。\n", "", 1)
		after += "\n## 3 物理的セキュリティ\n\n管理区域を定める。\n"
		v2 := e.reviseDoc(doc.ID, after, "見直し")
		e.publishDoc(doc.ID, v2.ID, "2025-04-01")
		p := "/documents/" + itoa(doc.ID) + "/compare"

		body := e.page(p, staff, http.StatusOK) // the newest against the one before
		mustContain(t, "compare", body, e.ja("documentweb.compare_caption", 1, 2),
			"<ins><span class=\"visually-hidden\">"+e.ja("documentweb.ins_start")+"</span>",
			"<del><span class=\"visually-hidden\">"+e.ja("documentweb.del_start")+"</span>",
			"管理区域を定める。", "機密性、完全性及び可用性により分類する。", e.ja("documentweb.change.added"),
			e.ja("documentweb.change.removed"), e.ja("documentweb.change.changed"), e.ja("documentweb.change.same"),
			e.ja("documentweb.compare_summary", 1, 1, 1))
		body = e.page(p+"?from="+itoa(v1.ID)+"&to="+itoa(v2.ID)+"&only=changed", staff, http.StatusOK)
		mustNotContain(t, "changed only", body, `class="doc-change-same"`)
		mustContain(t, "changed only", body, `class="doc-change-added"`, e.ja("documentweb.show_all_clauses"))

		e.page(p+"?from=abc", staff, http.StatusNotFound)
		e.page(p+"?from=999999&to="+itoa(v2.ID), staff, http.StatusNotFound)

		// One version only: nothing to compare, said plainly.
		one, _ := e.publishedDoc(docInput(policy.Guideline, "手引", standardText, policy.Staff), "2025-04-01")
		body = e.page("/documents/"+itoa(one.ID)+"/compare", staff, http.StatusOK)
		mustContain(t, "one version", body, e.ja("documentweb.compare_one"))
	})
}

// The print view is the official document: organisation, title, number,
// version, the date in force in 和暦 and the approver, without the site's
// frame. The Markdown export is the text in force, named in UTF-8, and
// kept in the trail.
func TestDocumentPagesPrintAndExport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		staff := e.signIn(e.person("職員 一郎", 0, true))
		in := docInput(policy.Standard, "情報セキュリティ対策基準", standardText, policy.Staff)
		in.Number = "規程第1号"
		doc, v := e.publishedDoc(in, "2016-04-01")
		p := "/documents/" + itoa(doc.ID)

		body := e.page(p+"/versions/"+itoa(v.ID)+"/print", staff, http.StatusOK)
		mustContain(t, "print", body, e.org.Name, "情報セキュリティ対策基準", "規程第1号", e.ja("documentweb.version_no", 1),
			e.ja("documentweb.in_force_from", "平成28年4月1日"), "承認 花子", `id="c-2-(1)"`, "(1)", "doc-print")
		mustNotContain(t, "print", body, `class="site-nav"`, `class="site-header"`, e.ja("documentweb.print_draft", e.ja("policy.status.draft")))

		// A draft prints marked as such.
		v2 := e.reviseDoc(doc.ID, standardText+"\n## 3 追加\n\n追加する。\n", "追加")
		e.page(p+"/versions/"+itoa(v2.ID)+"/print", staff, http.StatusNotFound)
		director := e.signIn(e.person("統括 太郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))
		body = e.page(p+"/versions/"+itoa(v2.ID)+"/print", director, http.StatusOK)
		mustContain(t, "draft print", body, e.ja("documentweb.print_draft", e.ja("policy.status.draft")))

		before := e.head()
		w := e.do(http.MethodGet, p+"/export.md", staff, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("export: %d", w.Code)
		}
		if got := w.Body.String(); got != v.Body && got != v.Body+"\n" {
			t.Errorf("export is not the text in force:\n%s", got)
		}
		cd := w.Header().Get("Content-Disposition")
		if !strings.HasPrefix(cd, `attachment; filename="document-`+itoa(doc.ID)+`-v1.md"; filename*=UTF-8''`) ||
			!strings.Contains(cd, url.PathEscape("規程第1号_情報セキュリティ対策基準_第1版.md")) {
			t.Errorf("disposition %q", cd)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/markdown") {
			t.Errorf("content type %q", ct)
		}
		es, err := trail.List(e.ctx, e.d, e.sc, trail.Filter{Action: trail.Export, Limit: 1})
		if err != nil || len(es) != 1 || es[0].Seq <= before || es[0].ActorID != staff.personID || es[0].Entity != policy.EntityDocument ||
			es[0].EntityID != itoa(doc.ID) || !strings.Contains(es[0].After, itoa(v.ID)) {
			t.Errorf("export not in the trail: %+v %v", es, err)
		}

		// Nothing in force: nothing to export.
		draft, _ := e.newDoc(docInput(policy.Guideline, "手引（作成中）", standardText, policy.Staff))
		e.page("/documents/"+itoa(draft.ID)+"/export.md", director, http.StatusNotFound)
	})
}

// uploadDoc posts the new-document form with a file, as multipart.
func (e *adminEnv) uploadDoc(s *session, fields url.Values, name string, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", s.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			e.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/documents/import", &buf)
	r.RemoteAddr = "192.0.2.10:50000"
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
	return e.serve(r)
}

// A document's first draft from a file: Markdown or text becomes the
// draft; a file of another kind, or none, is refused beside the file
// field, in Japanese, with what was typed kept.
func TestDocumentPagesImport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		director := e.signIn(e.person("統括 太郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))

		w := e.uploadDoc(director, url.Values{"type": {"procedure"}, "number": {"手順第3号"}}, "サーバ室入退室手順.md",
			[]byte("# サーバ室入退室手順\n\n## 1 入退室\n\n記録する。\n"))
		if w.Code != http.StatusSeeOther {
			t.Fatalf("import: %d\n%s", w.Code, w.Body.String())
		}
		vp := w.Header().Get("Location")
		v := e.getVersion(docIDOf(t, vp), versionIDOf(t, vp))
		doc := e.getDoc(v.DocumentID)
		if doc.Title != "サーバ室入退室手順" || doc.Number != "手順第3号" || doc.Type != policy.Procedure ||
			doc.Visibility != policy.Restricted || !strings.Contains(v.Body, "記録する。") || v.Status != policy.Draft {
			t.Errorf("imported %+v %+v", doc, v)
		}

		w = e.uploadDoc(director, url.Values{"type": {"standard"}, "title": {"対策基準（取込）"}}, "基準.pdf", []byte("%PDF-1.4 binary"))
		if w.Code != http.StatusBadRequest {
			t.Fatalf("pdf: %d", w.Code)
		}
		mustContain(t, "pdf", w.Body.String(), `id="f-file-error"`, e.ja("documentweb.import_unsupported"), `value="対策基準（取込）"`,
			`<option value="standard" selected>`)

		w = e.uploadDoc(director, url.Values{"type": {"standard"}, "title": {"対策基準（取込）"}}, "壊れた.docx", []byte("PK\x03\x04 not a zip"))
		if w.Code != http.StatusBadRequest {
			t.Fatalf("broken docx: %d", w.Code)
		}
		mustContain(t, "broken docx", w.Body.String(), `id="f-file-error"`)

		w = e.uploadDoc(director, url.Values{"type": {"standard"}, "title": {"対策基準（取込）"}}, "", nil)
		mustContain(t, "no file", w.Body.String(), e.ja("documentweb.import_no_file"))

		// The plain form keeps what was typed too.
		body := e.post("/documents", director, url.Values{"title": {"題だけ"}, "body": {"# 本文\n"}}, http.StatusBadRequest)
		mustContain(t, "no type", body, `id="f-type-error"`, `value="題だけ"`, "# 本文")
	})
}

// Settings: a document made restricted to one person is then out of sight
// of everyone else; a stale form is told so.
func TestDocumentPagesSettings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		director := e.signIn(e.person("統括 太郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))
		reader := e.signIn(e.person("閲覧 許可", 0, true))
		other := e.signIn(e.person("閲覧 不可", 0, true))
		std, _ := e.publishedDoc(docInput(policy.Standard, "対策基準", standardText, policy.Staff), "2024-04-01")
		proc, _ := e.publishedDoc(docInput(policy.Procedure, "バックアップ手順", "# 手順\n\n## 1 取得\n\n毎日取得する。\n", policy.Staff), "2025-04-01")
		p := "/documents/" + itoa(proc.ID) + "/settings"

		body := e.page(p, director, http.StatusOK)
		mustContain(t, "settings", body, `value="バックアップ手順"`, `name="access_role"`, `name="access_person_add"`, "閲覧 許可",
			e.ja("documentweb.section_implements"), `value="`+itoa(std.ID)+`:2-(1)"`)
		lock := between(body, `name="lock_version" value="`, `">`)

		form := url.Values{"title": {"バックアップ手順"}, "number": {"手順第7号"}, "visibility": {"restricted"},
			"access_person_add": {itoa(reader.personID)}, "review_months": {"6"}, "lock_version": {lock},
			"implements": {itoa(std.ID) + ":2-(1)"}, "ack_required": {"1"}, "ack_categories": {"regular"}}
		e.post(p, director, form, http.StatusSeeOther)
		got := e.getDoc(proc.ID)
		if got.Visibility != policy.Restricted || got.Number != "手順第7号" || got.ReviewMonths != 6 || len(got.Implements) != 1 ||
			len(got.Access) != 1 || got.Access[0].Ref != itoa(reader.personID) {
			t.Errorf("settings saved %+v", got)
		}
		e.page("/documents/"+itoa(proc.ID), reader, http.StatusOK)
		e.page("/documents/"+itoa(proc.ID), other, http.StatusNotFound)
		body = e.page("/documents/"+itoa(proc.ID), director, http.StatusOK)
		mustContain(t, "settings shown", body, "閲覧 許可", "手順第7号", e.ja("documentweb.review_months", 6), e.ja("staff_category.regular"),
			`href="/documents/`+itoa(std.ID)+`#c-2-%281%29"`)

		// The same form again is stale.
		body = e.post(p, director, form, http.StatusConflict)
		mustContain(t, "stale", body, e.ja("documentweb.settings_conflict"))
		// A missing title stays beside its field, with the choices as typed.
		form.Set("title", "")
		form.Set("lock_version", itoa(got.Version))
		body = e.post(p, director, form, http.StatusBadRequest)
		mustContain(t, "no title", body, `id="f-title-error"`, `value="restricted" checked`)
	})
}
