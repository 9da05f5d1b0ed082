package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

// The list shows documents by type with their version, status and date in
// force, finds them by a word of their text, and pages with a cursor.
func TestDocumentPagesList(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		staff := e.signIn(e.person("職員 一郎", 0, true))
		director := e.signIn(e.person("統括 太郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))
		// First start put the organisation's basic policy in force.
		e.publishedDoc(docInput(policy.Standard, "情報セキュリティ対策基準", standardText+"\n## 3 様式\n\n点検には確認票甲を用いる。\n", policy.Staff), "2024-04-01")
		e.newDoc(docInput(policy.EmergencyPlan, "緊急時対応計画（案）", "# 計画\n\n## 1 初動\n\n連絡する。\n", policy.Staff))

		body := e.page("/documents", staff, http.StatusOK)
		mustContain(t, "list", body, basicPolicyTitle, "情報セキュリティ対策基準", e.ja("policy.type.basic_policy"),
			e.ja("policy.type.standard"), "平成28年4月1日", "令和6年4月1日", e.ja("documentweb.version_no", 1),
			e.ja("policy.status.published"), `href="/documents?type=procedure"`)
		mustNotContain(t, "list", body, "緊急時対応計画（案）", `href="/documents/new"`)
		if strings.Index(body, basicPolicyTitle) > strings.Index(body, ">情報セキュリティ対策基準<") {
			t.Error("the basic policy is not listed first")
		}
		// Editors see drafts in progress.
		body = e.page("/documents", director, http.StatusOK)
		mustContain(t, "editor list", body, "緊急時対応計画（案）", e.ja("policy.status.draft"), `href="/documents/new"`)

		body = e.page("/documents?q="+url.QueryEscape("確認票甲"), staff, http.StatusOK)
		mustContain(t, "search", body, "情報セキュリティ対策基準", e.ja("documentweb.results_for", "確認票甲"))
		mustNotContain(t, "search", body, basicPolicyTitle)
		body = e.page("/documents?q="+url.QueryEscape("存在しない語句"), staff, http.StatusOK)
		mustContain(t, "no result", body, e.ja("documentweb.no_results"))
		body = e.page("/documents?type=standard", staff, http.StatusOK)
		mustContain(t, "type", body, "情報セキュリティ対策基準")
		mustNotContain(t, "type", body, basicPolicyTitle)

		// The navigation leads here, marked as the current section.
		mustContain(t, "nav", body, `<a href="/documents" aria-current="page">`+e.ja("nav.documents")+`</a>`)
		body = e.page("/assets", staff, http.StatusOK)
		mustContain(t, "nav elsewhere", body, `<a href="/documents">`+e.ja("nav.documents")+`</a>`)

		// ISO dates for a reader who prefers them.
		e.tx(func(tx *db.Tx) error {
			return auth.SetPreferences(e.ctx, tx, e.sc, staff.personID, auth.LocaleJA, auth.DateStyleISO)
		})
		body = e.page("/documents", staff, http.StatusOK)
		mustContain(t, "iso", body, "2016-04-01", "2024-04-01")

		// Pages of the list follow a cursor.
		for i := 0; i < 52; i++ {
			e.publishedDoc(docInput(policy.Guideline, "手引"+itoa(int64(100+i)), "# 手引\n\n## 1 目的\n\n定める。\n", policy.Staff), "2025-01-01")
		}
		body = e.page("/documents?type=guideline", staff, http.StatusOK)
		mustContain(t, "first page", body, "手引100", `rel="next"`)
		mustNotContain(t, "first page", body, "手引151")
		j := strings.Index(body, `" rel="next"`)
		next := body[strings.LastIndex(body[:j], `href="`)+len(`href="`) : j]
		body = e.page(strings.ReplaceAll(next, "&amp;", "&"), staff, http.StatusOK)
		mustContain(t, "second page", body, "手引151", e.ja("documentweb.first_page"))
		mustNotContain(t, "second page", body, "手引100")
	})
}

// between returns the text after the first a up to the next b.
func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	rest := s[i+len(a):]
	j := strings.Index(rest, b)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// A document's page shows the version in force with its clauses anchored
// and listed, its particulars and its versions; editors may start a
// revision, and a reader sees only what is in force.
func TestDocumentPagesShow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		staff := e.signIn(e.person("職員 一郎", 0, true))
		director := e.signIn(e.person("統括 太郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))
		owner := e.person("所管 花子", 0, false)
		in := docInput(policy.Standard, "情報セキュリティ対策基準", standardText, policy.Staff)
		in.Number, in.OwnerID, in.ReviewMonths = "規程第2号", owner, 24
		doc, v1 := e.publishedDoc(in, "2024-04-01")
		p := "/documents/" + itoa(doc.ID)

		body := e.page(p, staff, http.StatusOK)
		mustContain(t, "show", body, "<h1>情報セキュリティ対策基準</h1>", "規程第2号", `id="c-1"`, `id="c-2-(1)"`,
			`href="#c-2-%281%29"`, "最高情報セキュリティ責任者", e.ja("documentweb.effective_on", "令和6年4月1日"),
			e.ja("documentweb.approved_by", "承認 花子"), "所管 花子", e.ja("documentweb.review_months", 24),
			p+"/versions/"+itoa(v1.ID)+"/print", p+"/export.md",
			e.ja("policy.visibility.staff"))
		mustNotContain(t, "show as staff", body, e.ja("documentweb.new_draft"), p+"/settings")

		body = e.page(p, director, http.StatusOK)
		mustContain(t, "show as editor", body, e.ja("documentweb.new_draft"), p+"/settings", `action="`+p+`/versions"`)

		// A revision in progress: editors see it and where it is; the
		// readers still read the version in force, and the draft's text
		// stays with the editors.
		v2 := e.reviseDoc(doc.ID, standardText+"\n## 3 物理的セキュリティ\n\n管理区域に入退室管理を行う。\n", "物理的セキュリティを追加")
		body = e.page(p, director, http.StatusOK)
		mustContain(t, "draft note", body, e.ja("documentweb.draft_in_progress", 2, e.ja("policy.status.draft")),
			p+"/versions/"+itoa(v2.ID), "/compare?from="+itoa(v1.ID)+"&amp;to="+itoa(v2.ID))
		mustNotContain(t, "draft note", body, `action="`+p+`/versions"`)
		body = e.page(p, staff, http.StatusOK)
		mustNotContain(t, "staff during revision", body, "管理区域に入退室管理", e.ja("documentweb.draft_in_progress", 2, e.ja("policy.status.draft")))
		e.page(p+"/versions/"+itoa(v2.ID), staff, http.StatusNotFound)

		// Starting a second revision while one is in progress is refused
		// with the reason.
		w := e.do(http.MethodPost, p+"/versions", director, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != p {
			t.Fatalf("second draft: %d %s", w.Code, w.Header().Get("Location"))
		}

		// A document not yet in force says so.
		draftDoc, _ := e.newDoc(docInput(policy.Guideline, "手引（作成中）", standardText, policy.Staff))
		body = e.page("/documents/"+itoa(draftDoc.ID), director, http.StatusOK)
		mustContain(t, "not in force", body, e.ja("documentweb.not_in_effect_note"))
		e.page("/documents/"+itoa(draftDoc.ID), staff, http.StatusNotFound)
		e.page("/documents/999999", staff, http.StatusNotFound)
		e.page("/documents/0", staff, http.StatusNotFound)
	})
}

// A version goes through its life on its page: the author writes and
// submits it; nobody approves their own; it cannot be put in force before
// approval; reviewers comment on clauses; the CISO sends it back with a
// reason, then approves; it is put in force on a date; a version in force
// cannot be edited. Each refusal is a page with the reason, not an error,
// and is kept in the trail.
func TestDocumentPagesLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		director := e.signIn(e.person("統括 太郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))
		cisoAuthor := e.signIn(e.person("最高 一郎", 0, true, org.AssignmentInput{Role: string(authz.CISO)}))
		ciso := e.signIn(e.person("最高 二郎", 0, true, org.AssignmentInput{Role: string(authz.CISO)}))
		officer := e.signIn(e.person("責任 三郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityOfficer), ScopeID: e.department("総務部", 0)}))

		// A new document through the form.
		form := url.Values{"type": {"standard"}, "number": {"規程第5号"}, "title": {"情報セキュリティ対策基準"},
			"body": {standardText}, "change_summary": {"初版"}}
		w := e.do(http.MethodPost, "/documents", cisoAuthor, form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", w.Code, w.Body.String())
		}
		vp := w.Header().Get("Location")
		if !strings.Contains(vp, "/versions/") {
			t.Fatalf("create goes to %s", vp)
		}
		body := e.page(vp, cisoAuthor, http.StatusOK)
		mustContain(t, "draft", body, e.ja("policy.status.draft"), e.ja("documentweb.submit"), vp+"/edit", `id="c-2-(1)"`)

		// Publishing a draft is refused with the reason.
		body = e.post(vp+"/publish", director, url.Values{"effective_date": {"2026-04-01"}}, http.StatusConflict)
		mustContain(t, "publish a draft", body, e.ja("documentweb.refused_title"), e.ja("policy.refused.not_approved"))

		e.post(vp+"/submit", cisoAuthor, nil, http.StatusSeeOther)
		body = e.page(vp, cisoAuthor, http.StatusOK)
		mustContain(t, "in review", body, e.ja("policy.status.in_review"), e.ja("documentweb.own_version_note"))
		mustNotContain(t, "in review", body, `action="`+vp+`/approve"`, vp+"/edit")

		// The author, a CISO, may not approve their own version.
		before := e.head()
		body = e.post(vp+"/approve", cisoAuthor, nil, http.StatusForbidden)
		mustContain(t, "own approval", body, e.ja("policy.refused.own_approval"))
		es, err := trail.List(e.ctx, e.d, e.sc, trail.Filter{ActorID: cisoAuthor.personID, Action: trail.Denied, Limit: 1})
		if err != nil || len(es) != 1 || es[0].Seq <= before || es[0].Entity != policy.EntityVersion {
			t.Errorf("own approval not in the trail: %+v %v", es, err)
		}
		// The 統括 has no approval at all.
		e.post(vp+"/approve", director, nil, http.StatusForbidden)

		// Reviewers comment on a clause; an empty comment stays on the page.
		body = e.post(vp+"/comments", officer, url.Values{"clause": {"2-(1)"}, "body": {""}}, http.StatusBadRequest)
		mustContain(t, "empty comment", body, `id="f-body-error"`, `<option value="2-(1)" selected>`)
		e.post(vp+"/comments", officer, url.Values{"clause": {"2-(1)"}, "body": {"分類の基準を例示してください。"}}, http.StatusSeeOther)
		body = e.page(vp, cisoAuthor, http.StatusOK)
		mustContain(t, "comment", body, "分類の基準を例示してください。", "責任 三郎", `href="#c-2-%281%29"`)

		// Sent back with a reason, which the author then reads.
		body = e.post(vp+"/send-back", ciso, url.Values{"reason": {""}}, http.StatusBadRequest)
		mustContain(t, "no reason", body, `id="f-reason-error"`)
		e.post(vp+"/send-back", ciso, url.Values{"reason": {"2の(1)に例を加えてください。"}}, http.StatusSeeOther)
		body = e.page(vp, cisoAuthor, http.StatusOK)
		mustContain(t, "sent back", body, e.ja("policy.status.draft"), "2の(1)に例を加えてください。",
			e.ja("documentweb.sent_back_title", "最高 二郎"))

		// Edit: preview without saving, then save.
		edit := e.page(vp+"/edit", cisoAuthor, http.StatusOK)
		lock := between(edit, `name="lock_version" value="`, `">`)
		revised := strings.Replace(standardText, "機密性、完全性及び可用性により分類する。", "機密性、完全性及び可用性により分類する（例：個人情報は機密性3）。", 1)
		body = e.post(vp, cisoAuthor, url.Values{"title": {"情報セキュリティ対策基準"}, "body": {revised}, "lock_version": {lock},
			"change_summary": {"例を追加"}, "preview": {"1"}}, http.StatusOK)
		mustContain(t, "preview", body, e.ja("documentweb.preview_title"), "（例：個人情報は機密性3）", e.ja("documentweb.preview_note", len(doctext.Parse(revised))))
		if v := e.getVersion(docIDOf(t, vp), versionIDOf(t, vp)); strings.Contains(v.Body, "個人情報は機密性3") {
			t.Error("the preview saved the draft")
		}
		e.post(vp, cisoAuthor, url.Values{"title": {"情報セキュリティ対策基準"}, "body": {revised}, "lock_version": {lock},
			"change_summary": {"例を追加"}}, http.StatusSeeOther)

		// Someone saving over it with the old lock is told, and keeps
		// their text.
		body = e.post(vp, director, url.Values{"title": {"情報セキュリティ対策基準"}, "body": {"# 別の案\n\n## 1 目的\n\n統括の案。\n"},
			"lock_version": {lock}}, http.StatusConflict)
		mustContain(t, "conflict", body, e.ja("documentweb.conflict_title"), "統括の案。", "（例：個人情報は機密性3）", e.ja("documentweb.save_mine"))

		// Submitted again, approved by the other CISO, put in force.
		e.post(vp+"/submit", cisoAuthor, nil, http.StatusSeeOther)
		e.post(vp+"/approve", ciso, nil, http.StatusSeeOther)
		body = e.page(vp, director, http.StatusOK)
		mustContain(t, "approved", body, e.ja("policy.status.approved"), "最高 二郎", `type="date"`, `name="effective_date"`,
			e.ja("documentweb.in_force_from", wareki.Format(time.Now()))) // the proposed date in 和暦
		body = e.post(vp+"/publish", director, url.Values{"effective_date": {"令和8年13月1日"}}, http.StatusBadRequest)
		mustContain(t, "bad date", body, `id="f-effective_date-error"`, e.ja("error.invalid_date"))
		e.post(vp+"/publish", director, url.Values{"effective_date": {"2026-04-01"}}, http.StatusSeeOther)
		body = e.page(vp, director, http.StatusOK)
		mustContain(t, "published", body, e.ja("policy.status.published"), "令和8年4月1日")
		mustNotContain(t, "published", body, vp+"/edit")

		// A version in force is not edited: the page says why.
		body = e.page(vp+"/edit", director, http.StatusConflict)
		mustContain(t, "edit published", body, e.ja("documentweb.not_draft"))
		body = e.post(vp, director, url.Values{"title": {"改ざん"}, "body": {"# 改ざん\n"}, "lock_version": {"1"}}, http.StatusConflict)
		mustContain(t, "update published", body, e.ja("policy.refused.published_immutable"), "# 改ざん")
	})
}

// basicPolicyTitle is the seeded basic policy's title, or enough of it.
const basicPolicyTitle = "協会情報セキュリティ基本方針"

func docIDOf(t *testing.T, versionPath string) int64 {
	t.Helper()
	return pathNumber(t, versionPath, 2)
}

func versionIDOf(t *testing.T, versionPath string) int64 {
	t.Helper()
	return pathNumber(t, versionPath, 4)
}

func pathNumber(t *testing.T, p string, i int) int64 {
	t.Helper()
	parts := strings.Split(p, "/")
	if len(parts) <= i {
		t.Fatalf("no part %d in %s", i, p)
	}
	var n int64
	for _, c := range parts[i] {
		if c < '0' || c > '9' {
			t.Fatalf("part %d of %s is not a number", i, p)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// Where the committee approves, its members vote on the version's page and
// see how far the votes are from the quorum; the version is approved when
// they reach it, as the committee, and the author never votes.
func TestDocumentPagesCommitteeVotes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		admin := authz.Principal{PersonID: e.admin.personID, Assignments: []authz.Assignment{{Role: authz.Admin, ScopeKind: authz.ScopeOrg}}}
		e.tx(func(tx *db.Tx) error { return policy.SetCommitteeQuorum(e.ctx, tx, e.sc, admin, 2) })
		a := e.signIn(e.person("委員 一郎", 0, true, org.AssignmentInput{Role: string(authz.Committee)}))
		b := e.signIn(e.person("委員 二郎", 0, true, org.AssignmentInput{Role: string(authz.Committee)}))
		author := e.person("委員 三郎", 0, true, org.AssignmentInput{Role: string(authz.Committee)}, org.AssignmentInput{Role: string(authz.SecurityDirector)})
		authorSession := e.signIn(author)
		form := url.Values{"type": {"guideline"}, "title": {"パスワードの手引"}, "body": {standardText}}
		w := e.do(http.MethodPost, "/documents", authorSession, form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("create: %d", w.Code)
		}
		vp := w.Header().Get("Location")
		e.post(vp+"/submit", authorSession, nil, http.StatusSeeOther)

		body := e.page(vp, a, http.StatusOK)
		mustContain(t, "votes", body, e.ja("documentweb.votes_progress", 0, 2), `action="`+vp+`/vote"`)
		body = e.page(vp, authorSession, http.StatusOK)
		mustNotContain(t, "author", body, `action="`+vp+`/vote"`)
		mustContain(t, "author", body, e.ja("documentweb.own_version_note"))
		body = e.post(vp+"/vote", authorSession, nil, http.StatusForbidden)
		mustContain(t, "own vote", body, e.ja("policy.refused.own_vote"))

		e.post(vp+"/vote", a, nil, http.StatusSeeOther)
		body = e.page(vp, b, http.StatusOK)
		mustContain(t, "one vote", body, e.ja("documentweb.votes_progress", 1, 2), "委員 一郎", e.ja("policy.status.in_review"))
		body = e.post(vp+"/vote", a, nil, http.StatusConflict)
		mustContain(t, "twice", body, e.ja("policy.refused.already_voted"))
		e.post(vp+"/vote", b, nil, http.StatusSeeOther)
		body = e.page(vp, b, http.StatusOK)
		mustContain(t, "approved", body, e.ja("policy.status.approved"), e.ja("documentweb.committee"), e.ja("documentweb.votes_progress", 2, 2))
	})
}
