package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
)

// A restricted procedure never reaches anyone outside its access list: not
// its page, a version, a comparison, the print view or the Markdown file
// (each a 404, as for a document that does not exist), and neither its
// title in the list nor a word of it in a search.
func TestDocumentPagesNeedToKnow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		bureau := e.department("総務部", 0)
		section := e.department("総務課", bureau)
		other := e.department("事業部", 0)
		insider := e.signIn(e.person("総務 課員", section, true))
		outsider := e.signIn(e.person("事業 部員", other, true))
		officer := e.signIn(e.person("事業 責任者", other, true, org.AssignmentInput{Role: string(authz.SecurityOfficer), ScopeID: other}))

		e.publishedDoc(docInput(policy.Standard, "情報セキュリティ対策基準", standardText, policy.Staff), "2024-04-01")
		const secret = "サーバ室の入退室カードは金庫に保管する"
		body := "# サーバ室入退室手順\n\n## 1 入退室\n\n" + secret + "。\n\n## 2 記録\n\n入退室を記録する。\n"
		proc, v1 := e.publishedDoc(docInput(policy.Procedure, "サーバ室入退室手順", body, policy.Restricted,
			policy.Access{Kind: policy.AccessDepartment, Ref: itoa(bureau)}), "2025-04-01")
		v2 := e.reviseDoc(proc.ID, body+"\n## 3 点検\n\n毎月点検する。\n", "点検を追加")
		e.publishDoc(proc.ID, v2.ID, "2025-10-01")

		paths := []string{
			"/documents/" + itoa(proc.ID),
			"/documents/" + itoa(proc.ID) + "/versions/" + itoa(v1.ID),
			"/documents/" + itoa(proc.ID) + "/versions/" + itoa(v2.ID),
			"/documents/" + itoa(proc.ID) + "/compare",
			"/documents/" + itoa(proc.ID) + "/compare?from=" + itoa(v1.ID) + "&to=" + itoa(v2.ID),
			"/documents/" + itoa(proc.ID) + "/versions/" + itoa(v1.ID) + "/print",
			"/documents/" + itoa(proc.ID) + "/export.md",
		}
		for _, s := range []*session{outsider, officer} {
			for _, p := range paths {
				w := e.do(http.MethodGet, p, s, nil)
				if w.Code != http.StatusNotFound {
					t.Errorf("GET %s without access: status %d, want 404", p, w.Code)
				}
				mustNotContain(t, p, w.Body.String(), "サーバ室入退室手順", secret)
			}
			list := e.page("/documents", s, http.StatusOK)
			mustContain(t, "list", list, "情報セキュリティ対策基準")
			mustNotContain(t, "list", list, "サーバ室入退室手順")
			for _, q := range []string{"金庫", "入退室カード", "サーバ室", "手順"} {
				found := e.page("/documents?q="+url.QueryEscape(q), s, http.StatusOK)
				mustNotContain(t, "search "+q, found, "サーバ室入退室手順", secret, "/documents/"+itoa(proc.ID)+`"`)
			}
			found := e.page("/documents?type=procedure", s, http.StatusOK)
			mustNotContain(t, "procedures", found, "サーバ室入退室手順")
			// A refusal of a change says nothing either.
			w := e.do(http.MethodPost, "/documents/"+itoa(proc.ID)+"/versions/"+itoa(v2.ID)+"/comments", s, url.Values{"body": {"意見"}})
			if s == officer && w.Code != http.StatusNotFound {
				t.Errorf("comment without access: status %d, want 404", w.Code)
			}
		}

		// The access list's department covers its 課室.
		for _, p := range paths {
			e.page(p, insider, http.StatusOK)
		}
		found := e.page("/documents?q="+url.QueryEscape("金庫"), insider, http.StatusOK)
		mustContain(t, "insider search", found, "サーバ室入退室手順")
		mustNotContain(t, "insider search", found, "情報セキュリティ対策基準")
		page := e.page("/documents/"+itoa(proc.ID), insider, http.StatusOK)
		mustContain(t, "insider page", page, secret, e.ja("policy.visibility.restricted"))
		mustNotContain(t, "insider page", page, e.ja("documentweb.settings"), e.ja("documentweb.new_draft"))

		// An unknown type in the filter is a bad request, not an empty list.
		e.page("/documents?type=secret", insider, http.StatusBadRequest)
		e.page("/documents?cursor=xyz", insider, http.StatusBadRequest)
	})
}
