package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

// An exception from request to decision through the pages: the form in
// two steps, problems shown beside their fields with what was typed kept,
// the CISO's decision (never on their own request), withdrawal by the
// requester only.
func TestPolicyPagesExceptionLifeCycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		o := newPolOrg(e)
		doc, v := e.publishedDoc(docInput(policy.Standard, "例外対象の基準", standardText, policy.Staff), "2025-04-01")
		clause := v.Clauses[len(v.Clauses)-1].Ident

		// Step one chooses the document; step two offers its clauses.
		body := e.page("/exceptions/new", o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "new, step one", body, "例外対象の基準", `name="document"`)
		body = e.page("/exceptions/new?document="+itoa(doc.ID)+"&clause="+url.QueryEscape(clause), o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "new, step two", body, `name="document_id" value="`+itoa(doc.ID)+`"`, `value="`+clause+`" selected`, `name="compensating"`)

		today := time.Now().In(wareki.Location)
		form := url.Values{"document_id": {itoa(doc.ID)}, "clause": {"9-(9)"}, "reason": {""}, "scope": {"給与システム"},
			"compensating": {"手作業で二重に確認する"}, "starts_on": {wareki.Format(today.AddDate(0, 0, 10))}, "ends_on": {today.Format("2006-01-02")}}
		body = e.post("/exceptions", o.s[o.sectStaff], form, http.StatusBadRequest)
		mustContain(t, "refused request", body, e.ja("ack.clause_unknown"), e.ja("error.required"), e.ja("ack.exception.ends_before_start"),
			"給与システム", "手作業で二重に確認する", `aria-invalid="true"`, `href="#ex-reason"`)

		form.Set("clause", clause)
		form.Set("reason", "旧システムが対応していない")
		form.Set("ends_on", wareki.Format(today.AddDate(0, 1, 0)))
		w := e.do(http.MethodPost, "/exceptions", o.s[o.sectStaff], form)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/exceptions/") {
			t.Fatalf("request: %d %s", w.Code, w.Body.String())
		}
		xpath := w.Header().Get("Location")
		xid, err := strconv.ParseInt(strings.TrimPrefix(xpath, "/exceptions/"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}

		body = e.page(xpath, o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "requester's view", body, "旧システムが対応していない", e.ja("ack.exception_status.requested"), xpath+"/withdraw")
		mustNotContain(t, "requester's view", body, xpath+"/decide")
		body = e.page(xpath, o.s[o.ciso], http.StatusOK)
		mustContain(t, "CISO's view", body, xpath+"/decide")
		mustNotContain(t, "CISO's view", body, xpath+"/withdraw")
		// The document's page lists it under its clause.
		body = e.page("/documents/"+itoa(doc.ID), o.s[o.manager], http.StatusOK)
		mustContain(t, "document's exceptions", body, xpath, `href="#c-`)

		// Someone else's withdrawal is refused and kept in the trail.
		w = e.do(http.MethodPost, xpath+"/withdraw", o.s[o.manager], nil)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), e.ja("ack.refused.not_requester")) {
			t.Errorf("manager withdrawing: %d", w.Code)
		}
		if got, ok := e.lastDenied(o.manager); !ok || got.EntityID != "POST "+xpath+"/withdraw" {
			t.Errorf("refusal in the trail: %+v", got)
		}
		// A rejection needs a reason; the choice is kept.
		body = e.post(xpath+"/decide", o.s[o.ciso], url.Values{"decision": {"reject"}}, http.StatusBadRequest)
		mustContain(t, "rejection without a note", body, e.ja("error.required"), `value="reject" checked`)
		w = e.do(http.MethodPost, xpath+"/decide", o.s[o.ciso], url.Values{"decision": {"approve"}, "note": {"3か月以内に改修すること"}})
		if _, key := polFlash(w); w.Code != http.StatusSeeOther || key != "policyweb.exception_approved" {
			t.Fatalf("approve: %d %s", w.Code, key)
		}
		body = e.page(xpath, o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "approved", body, e.ja("ack.exception_status.approved"), "3か月以内に改修すること", "最高 責任者")
		mustNotContain(t, "approved", body, xpath+"/withdraw")
		// Deciding again is refused with the reason.
		w = e.do(http.MethodPost, xpath+"/decide", o.s[o.ciso], url.Values{"decision": {"reject"}, "note": {"やはり不可"}})
		if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), e.ja("ack.refused.exception_decided")) {
			t.Errorf("deciding twice: %d", w.Code)
		}

		// The CISO's own request: no form, and a forged decision is refused.
		own := e.polException(o.ciso, doc.ID, clause)
		opath := "/exceptions/" + itoa(own.ID)
		body = e.page(opath, o.s[o.ciso], http.StatusOK)
		mustContain(t, "own request", body, e.ja("policyweb.own_request_note"))
		mustNotContain(t, "own request", body, opath+"/decide")
		w = e.do(http.MethodPost, opath+"/decide", o.s[o.ciso], url.Values{"decision": {"approve"}})
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), e.ja("ack.refused.own_exception")) {
			t.Errorf("deciding one's own: %d", w.Code)
		}
		if got, ok := e.lastDenied(o.ciso); !ok || got.EntityID != "POST "+opath+"/decide" {
			t.Errorf("own decision refusal in the trail: %+v", got)
		}
		// The requester withdraws their own.
		w = e.do(http.MethodPost, opath+"/withdraw", o.s[o.ciso], url.Values{"version": {itoa(own.Version)}})
		if _, key := polFlash(w); w.Code != http.StatusSeeOther || key != "policyweb.exception_withdrawn" {
			t.Errorf("withdraw: %d %s", w.Code, key)
		}

		// Expired by itself: shown as 期限切れ, listed as expired.
		if _, err := d.ExecContext(e.ctx, `UPDATE policy_exceptions SET starts_on = '2024-01-01', ends_on = '2024-06-30' WHERE org_id = ? AND id = ?`,
			e.org.ID, xid); err != nil {
			t.Fatal(err)
		}
		body = e.page(xpath, o.s[o.sectStaff], http.StatusOK)
		mustContain(t, "expired", body, e.ja("ack.exception_status.expired"))
		body = e.page("/exceptions?status=expired", o.s[o.ciso], http.StatusOK)
		mustContain(t, "expired list", body, xpath)
		mustNotContain(t, "expired list", body, opath)
		e.page("/exceptions?status=lost", o.s[o.ciso], http.StatusBadRequest)
	})
}

// An exception on a restricted document is seen only by those who may
// read the document: not in an outsider's list, page or home, even with
// an organisation-wide exception.view.
func TestPolicyPagesExceptionVisibility(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		o := newPolOrg(e)
		auditor := e.person("監査 人", o.other, true, roleInput(rAuditor, 0, 0))
		o.s[auditor] = e.signIn(auditor)
		access := policy.Access{Kind: policy.AccessDepartment, Ref: itoa(o.sect)}
		doc, v := e.publishedDoc(docInput(policy.Procedure, "秘匿の実施手順", standardText, policy.Restricted, access), "2025-04-01")
		x := e.polException(o.sectStaff, doc.ID, v.Clauses[0].Ident)
		xpath := "/exceptions/" + itoa(x.ID)

		for _, p := range []int64{o.sectStaff, o.manager, o.ciso} {
			body := e.page("/exceptions", o.s[p], http.StatusOK)
			mustContain(t, "reader's list", body, xpath, "秘匿の実施手順")
			e.page(xpath, o.s[p], http.StatusOK)
		}
		// The auditor sees every exception but cannot read this document;
		// the 部局's officer sits outside the access list.
		for _, p := range []int64{auditor, o.officer, o.outsider} {
			body := e.page("/exceptions", o.s[p], http.StatusOK)
			mustNotContain(t, "outsider's list", body, xpath, "秘匿の実施手順")
			e.page(xpath, o.s[p], http.StatusNotFound)
			e.post(xpath+"/withdraw", o.s[p], nil, http.StatusNotFound)
			body = e.page("/", o.s[p], http.StatusOK)
			mustNotContain(t, "outsider's home", body, xpath, "秘匿の実施手順")
		}
		// The outsider cannot ask for one on it either.
		body := e.post("/exceptions", o.s[o.outsider], url.Values{"document_id": {itoa(doc.ID)}, "clause": {v.Clauses[0].Ident},
			"reason": {"x"}, "scope": {"x"}, "compensating": {"x"}, "starts_on": {"2030-01-01"}, "ends_on": {"2030-02-01"}}, http.StatusBadRequest)
		mustNotContain(t, "outsider's refused request", body, "秘匿の実施手順")
		// Nothing about it reached the trail as a read.
		es, err := trail.List(e.ctx, e.d, e.sc, trail.Filter{ActorID: o.outsider, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range es {
			if strings.Contains(en.After, "秘匿の実施手順") {
				t.Errorf("trail entry names the document: %+v", en)
			}
		}
	})
}
