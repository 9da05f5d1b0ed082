package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/tabular"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

// polOrg is a small organisation for the policy pages: two 部局 (the first
// with a 課室), and signed-in people in them.
type polOrg struct {
	bureau, sect, other              int64
	ciso, director                   int64 // organisation-wide, sitting in 総務部
	officer                          int64 // 情報セキュリティ責任者 of 総務部
	manager                          int64 // 情報セキュリティ管理者 of 総務課
	sectStaff, bureauStaff, outsider int64
	s                                map[int64]*session
}

func newPolOrg(e *adminEnv) *polOrg {
	o := &polOrg{s: map[int64]*session{}}
	o.bureau = e.department("総務部", 0)
	o.sect = e.department("総務課", o.bureau)
	o.other = e.department("事業部", 0)
	add := func(name string, dept int64, roles ...org.AssignmentInput) int64 {
		id := e.person(name, dept, true, roles...)
		o.s[id] = e.signIn(id)
		return id
	}
	o.ciso = add("最高 責任者", o.bureau, org.AssignmentInput{Role: string(authz.CISO)})
	o.director = add("統括 一郎", o.bureau, org.AssignmentInput{Role: string(authz.SecurityDirector)})
	o.officer = add("責任 三郎", o.bureau, org.AssignmentInput{Role: string(authz.SecurityOfficer), ScopeID: o.bureau})
	o.manager = add("管理 四郎", o.sect, org.AssignmentInput{Role: string(authz.SecurityManager), ScopeID: o.sect})
	o.sectStaff = add("職員 課子", o.sect)
	o.bureauStaff = add("職員 部子", o.bureau)
	o.outsider = add("部外 者", o.other)
	return o
}

// polFlash is the catalogue key of the notice a response leaves for the
// next page, and its kind.
func polFlash(w *httptest.ResponseRecorder) (kind, key string) {
	for _, c := range w.Result().Cookies() {
		if c.Name != "mamori_flash" || c.Value == "" {
			continue
		}
		b, err := base64.RawURLEncoding.DecodeString(c.Value)
		if err != nil {
			return "", ""
		}
		kind, key, _ = strings.Cut(string(b), ":")
		return kind, key
	}
	return "", ""
}

// Acknowledging from the document's page: the button for those asked,
// once; a second time says so; someone outside the scope is told why and
// the refusal is in the trail.
func TestPolicyPagesAcknowledge(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		o := newPolOrg(e)
		in := docInput(policy.Standard, "総務部の対策基準", standardText, policy.Staff)
		in.AckRequired, in.AckDepartments = true, policy.IDs{o.bureau}
		doc, v := e.publishedDoc(in, "2025-04-01")
		docPath := "/documents/" + itoa(doc.ID)
		ackPath := docPath + "/versions/" + itoa(v.ID) + "/acknowledge"

		body := e.page(docPath, o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "document page", body, e.ja("policyweb.ack_button"), `action="`+ackPath+`"`, e.ja("policyweb.panel.ack_lead"))
		before := e.head()
		w := e.do(http.MethodPost, ackPath, o.s[o.sectStaff], nil)
		if w.Code != http.StatusSeeOther || !strings.HasSuffix(w.Header().Get("Location"), "#acknowledgement") {
			t.Fatalf("acknowledge: %d %s", w.Code, w.Header().Get("Location"))
		}
		if kind, key := polFlash(w); kind != "success" || key != "policyweb.acknowledged" {
			t.Errorf("flash: %s %s", kind, key)
		}
		if e.head() != before+1 {
			t.Errorf("trail entries: %d", e.head()-before)
		}
		body = e.page(docPath, o.s[o.sectStaff], http.StatusOK)
		mustNotContain(t, "acknowledged page", body, `action="`+ackPath+`"`)
		mustContain(t, "acknowledged page", body, "確認済みです")

		// Twice: told, nothing recorded.
		before = e.head()
		w = e.do(http.MethodPost, ackPath, o.s[o.sectStaff], nil)
		if _, key := polFlash(w); w.Code != http.StatusSeeOther || key != "policyweb.ack_already" || e.head() != before {
			t.Errorf("second time: %d %s, %d entries", w.Code, key, e.head()-before)
		}

		// Outside the scope: the page says so, no button; a forged POST is
		// refused with the reason and kept in the trail.
		body = e.page(docPath, o.s[o.outsider], http.StatusOK)
		mustContain(t, "outsider's page", body, e.ja("policyweb.panel.ack_not_asked"))
		mustNotContain(t, "outsider's page", body, `action="`+ackPath+`"`)
		w = e.do(http.MethodPost, ackPath, o.s[o.outsider], nil)
		if kind, key := polFlash(w); w.Code != http.StatusSeeOther || kind != "error" || key != "ack.refused.out_of_scope" {
			t.Errorf("outsider: %d %s %s", w.Code, kind, key)
		}
		got, ok := e.lastDenied(o.outsider)
		if !ok || got.Entity != policy.EntityVersion || got.EntityID != itoa(v.ID) || !strings.Contains(got.After, "ack.refused.out_of_scope") {
			t.Errorf("refusal in the trail: %+v", got)
		}
		// A version that does not exist, or another document's, is not found.
		e.post(docPath+"/versions/999999/acknowledge", o.s[o.bureauStaff], nil, http.StatusNotFound)
	})
}

// The progress page and its export: counts per department within the
// tracker's reach, who has not acknowledged, the Excel file read back,
// and the export in the trail.
func TestPolicyPagesAckProgress(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		o := newPolOrg(e)
		in := docInput(policy.Standard, "全員向けの対策基準", standardText, policy.Staff)
		in.AckRequired = true
		doc, v := e.publishedDoc(in, "2025-04-01")
		base := "/documents/" + itoa(doc.ID) + "/versions/" + itoa(v.ID)
		for _, p := range []int64{o.sectStaff, o.officer} {
			e.post(base+"/acknowledge", o.s[p], nil, http.StatusSeeOther)
		}

		// The officer of 総務部 sees 総務部 and 総務課, not 事業部.
		body := e.page(base+"/acknowledgements", o.s[o.officer], http.StatusOK)
		mustContain(t, "officer's progress", body, "総務部", "総務部　総務課", "統括 一郎", "職員 部子", "管理 四郎")
		mustNotContain(t, "officer's progress", body, "事業部", "部外 者", "職員 課子")
		// Filtered to the 課室, and to those who have acknowledged.
		body = e.page(base+"/acknowledgements?status=done&department="+itoa(o.sect), o.s[o.officer], http.StatusOK)
		mustContain(t, "section, done", body, "職員 課子")
		mustNotContain(t, "section, done", body, "管理 四郎", "職員 部子")
		e.page(base+"/acknowledgements?status=everything", o.s[o.officer], http.StatusBadRequest)
		e.page(base+"/acknowledgements?cursor=%21%21", o.s[o.officer], http.StatusBadRequest)
		// The CISO sees every department.
		body = e.page(base+"/acknowledgements", o.s[o.ciso], http.StatusOK)
		mustContain(t, "CISO's progress", body, "事業部", "部外 者")
		// Workers have no such page.
		e.page(base+"/acknowledgements", o.s[o.sectStaff], http.StatusForbidden)

		// The export: the officer's reach, every status, read back.
		before := e.head()
		w := e.do(http.MethodGet, base+"/acknowledgements.xlsx?status=all", o.s[o.officer], nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", w.Code, w.Header())
		}
		rd, err := tabular.Open(bytes.NewReader(w.Body.Bytes()), "acks.xlsx", int64(w.Body.Len()), tabular.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		if h := rd.Header(); len(h) != 8 || h[0] != "部局" || h[2] != "氏名" || h[5] != "確認状況" {
			t.Errorf("header: %q", h)
		}
		rows := map[string][]string{}
		for {
			row, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			rows[row.Cells[2]] = row.Cells
		}
		// 総務部: ciso, director, officer, bureauStaff (and the admin? no:
		// the bootstrap administrator has no department); 総務課: manager,
		// sectStaff.
		if len(rows) != 6 {
			t.Errorf("rows: %v", rows)
		}
		if r := rows["職員 課子"]; len(r) != 8 || r[0] != "総務部" || r[1] != "総務課" || r[5] != "確認済み" || r[6] == "" {
			t.Errorf("acknowledged row: %q", r)
		}
		if r := rows["職員 部子"]; len(r) != 8 || r[0] != "総務部" || r[1] != "" || r[5] != "未確認" || r[6] != "" {
			t.Errorf("pending row: %q", r)
		}
		if _, ok := rows["部外 者"]; ok {
			t.Error("the export reaches past the officer's 部局")
		}
		if e.head() != before+1 {
			t.Fatalf("export entries: %d", e.head()-before)
		}
		es, err := trail.List(e.ctx, e.d, e.sc, trail.Filter{Limit: 1})
		if err != nil || es[0].Action != trail.Export || es[0].Entity != policy.EntityAcknowledgment || es[0].ActorID != o.officer {
			t.Errorf("export entry: %+v %v", es, err)
		}
		var rec struct{ Rows int }
		if err := json.Unmarshal([]byte(es[0].After), &rec); err != nil || rec.Rows != 6 {
			t.Errorf("export entry rows: %s", es[0].After)
		}

		// The overview: this version with its counts.
		body = e.page("/acknowledgements", o.s[o.manager], http.StatusOK)
		mustContain(t, "overview", body, "全員向けの対策基準", base+"/acknowledgements", "総務部　総務課")
		mustNotContain(t, "manager's overview", body, "事業部")

		// The document's page shows a tracker the progress in their reach.
		body = e.page("/documents/"+itoa(doc.ID), o.s[o.manager], http.StatusOK)
		mustContain(t, "tracker's panel", body, e.ja("policyweb.panel.progress", 1, 2, 50))
	})
}

// Recording a review on the document's page: no change moves the next
// review date; bad input comes back with what was typed; a revision offers
// editors the next version.
func TestPolicyPagesReview(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		o := newPolOrg(e)
		in := docInput(policy.Standard, "見直し対象の基準", standardText, policy.Staff)
		in.ReviewMonths = 12
		doc, _ := e.publishedDoc(in, "2020-04-01")
		path := "/documents/" + itoa(doc.ID)

		body := e.page(path, o.s[o.director], http.StatusOK)
		mustContain(t, "director's panel", body, `action="`+path+`/reviews"`, e.ja("policyweb.review_overdue"))
		body = e.page(path, o.s[o.sectStaff], http.StatusOK)
		mustNotContain(t, "worker's panel", body, `action="`+path+`/reviews"`)

		// Refused: a future date and no reason; what was typed stays.
		tomorrow := time.Now().In(wareki.Location).AddDate(0, 0, 1).Format("2006-01-02")
		body = e.post(path+"/reviews", o.s[o.director], url.Values{"reviewed_on": {tomorrow}, "result": {"no_change"},
			"trigger_kind": {"law_change"}, "trigger_ref": {"個人情報保護法改正"}}, http.StatusBadRequest)
		mustContain(t, "refused review", body, e.ja("ack.review.future"), e.ja("error.required"), `value="個人情報保護法改正"`,
			`value="law_change" selected`, `value="no_change" checked`)

		today := time.Now().In(wareki.Location)
		w := e.do(http.MethodPost, path+"/reviews", o.s[o.director], url.Values{"reviewed_on": {wareki.Format(today)}, "result": {"no_change"},
			"trigger_kind": {"schedule"}, "reason": {"変更の必要なし"}})
		if _, key := polFlash(w); w.Code != http.StatusSeeOther || key != "policyweb.review_recorded" {
			t.Fatalf("review: %d %s", w.Code, key)
		}
		want := today.AddDate(1, 0, 0).Format("2006-01-02")
		if got := e.getDoc(doc.ID).NextReviewDate; got != want && today.Day() <= 28 {
			t.Errorf("next review %s, want %s", got, want)
		}
		body = e.page(path, o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "reviews", body, "変更の必要なし", e.ja("ack.review_result.no_change"), "統括 一郎")
		mustNotContain(t, "reviews", body, e.ja("policyweb.review_overdue"))

		// A revision offers the CISO (an editor) the next version.
		e.post(path+"/reviews", o.s[o.ciso], url.Values{"reviewed_on": {today.Format("2006-01-02")}, "result": {"revise"},
			"trigger_kind": {"audit_finding"}, "trigger_ref": {"finding:3"}, "reason": {"分類基準を改める"}}, http.StatusSeeOther)
		body = e.page(path, o.s[o.ciso], http.StatusOK)
		mustContain(t, "after revise", body, e.ja("policyweb.panel.offer_draft"), "finding:3")

		// An open review request from another module shows on the page.
		sc := e.sc
		sc.ActorID = o.officer
		e.tx(func(tx *db.Tx) error {
			_, err := policy.RequestReview(e.ctx, tx, sc, doc.ID, "", policy.Trigger{Kind: policy.TriggerIncident, Ref: "incident:7"}, "インシデントを踏まえて見直す")
			return err
		})
		body = e.page(path, o.s[o.ciso], http.StatusOK)
		mustContain(t, "open request", body, e.ja("policyweb.panel.open_requests", 1), "インシデントを踏まえて見直す", `value="incident:7"`)
	})
}

// The home page: what awaits each person.
func TestPolicyPagesHome(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		o := newPolOrg(e)
		in := docInput(policy.Standard, "確認待ちの基準", standardText, policy.Staff)
		in.AckRequired = true
		doc, v := e.publishedDoc(in, "2025-04-01")
		old := docInput(policy.Guideline, "期限切れの手引", standardText, policy.Staff)
		old.OwnerID = o.bureauStaff
		overdue, _ := e.publishedDoc(old, "2020-04-01")

		body := e.page("/", o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "worker's home", body, e.ja("policyweb.home.ack_title", "確認待ちの基準"), "/documents/"+itoa(doc.ID)+"#acknowledgement")
		mustNotContain(t, "worker's home", body, "期限切れの手引")
		e.post("/documents/"+itoa(doc.ID)+"/versions/"+itoa(v.ID)+"/acknowledge", o.s[o.sectStaff], nil, http.StatusSeeOther)
		body = e.page("/", o.s[o.sectStaff], http.StatusOK)
		mustNotContain(t, "worker's home after", body, e.ja("policyweb.home.ack_title", "確認待ちの基準"))

		// The owner and the CISO see the overdue review.
		for _, p := range []int64{o.bureauStaff, o.ciso} {
			body = e.page("/", o.s[p], http.StatusOK)
			mustContain(t, "overdue review", body, e.ja("policyweb.home.review_overdue", "期限切れの手引"), "/documents/"+itoa(overdue.ID)+"#reviews")
		}
		// Trackers see how many have not acknowledged.
		body = e.page("/", o.s[o.officer], http.StatusOK)
		mustContain(t, "officer's home", body, "/acknowledgements")

		// Exceptions: the requester's awaits a decision; the CISO is asked
		// to decide; approved and ending soon, the requester is warned.
		x := e.polException(o.sectStaff, doc.ID, v.Clauses[0].Ident)
		body = e.page("/", o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "requester's home", body, e.ja("policyweb.home.exception_requested_text"), "/exceptions/"+itoa(x.ID))
		body = e.page("/", o.s[o.ciso], http.StatusOK)
		mustContain(t, "CISO's home", body, e.ja("policyweb.home.exceptions_to_decide", 1), "/exceptions?status=requested")
		e.post("/exceptions/"+itoa(x.ID)+"/decide", o.s[o.ciso], url.Values{"decision": {"approve"}, "version": {itoa(x.Version)}}, http.StatusSeeOther)
		body = e.page("/", o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "requester's home, expiring", body, e.ja("policyweb.home.exception_link"), "card-attention")
		body = e.page("/", o.s[o.ciso], http.StatusOK)
		mustContain(t, "CISO's home, expiring", body, e.ja("policyweb.home.exceptions_expiring", 1))
		mustNotContain(t, "CISO's home, decided", body, e.ja("policyweb.home.exceptions_to_decide", 1))
	})
}
