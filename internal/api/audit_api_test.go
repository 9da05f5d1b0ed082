package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/trail"
)

// auditFixture opens an engagement of S1 in fieldwork whose auditor is
// the table's 監査人 (sitting in S3, so independent), with a finding and a
// corrective action owned by the fixture's person; for the verify route
// the action is already completed.
func (e *env) auditFixture(t *testing.T, route string, f fixture) (auditID, actionID int64) {
	t.Helper()
	ctx := context.Background()
	ciso := authz.Principal{PersonID: e.holder(t, authz.CISO).ID, Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
	auditor := authz.Principal{PersonID: e.holder(t, authz.Auditor).ID, Assignments: []authz.Assignment{{Role: authz.Auditor, ScopeKind: authz.ScopeOrg}}}
	owner := authz.Principal{PersonID: f.person}
	e.tx(t, func(tx *db.Tx) error {
		a, err := audit.Create(ctx, tx, e.sc, ciso, audit.Input{Title: "総務課の監査", StartsOn: "2025-10-01", EndsOn: "2025-10-31",
			Departments: audit.IDs{e.s1}, Auditors: audit.IDs{auditor.PersonID}})
		if err != nil {
			return err
		}
		auditID = a.ID
		if _, err := audit.Start(ctx, tx, e.sc, ciso, a.ID); err != nil {
			return err
		}
		fd, err := audit.AddFinding(ctx, tx, e.sc, auditor, audit.FindingInput{AuditID: a.ID, Severity: "minor", Title: "台帳が古い"})
		if err != nil {
			return err
		}
		ac, err := action.RaiseFromFinding(ctx, tx, e.sc, auditor, action.FindingInput{FindingID: fd.ID, Title: "台帳を更新する",
			OwnerID: f.person, DueOn: "2099-03-31"})
		if err != nil {
			return err
		}
		actionID = ac.ID
		if strings.HasSuffix(route, "/verify") {
			_, err = action.Progress(ctx, tx, e.sc, owner, ac.ID, action.ProgressInput{Status: "completed", Note: "更新した。"})
		}
		return err
	})
	return auditID, actionID
}

// The bodies of the audit rows of routeRoleTable.
func newAuditBody(e *env, f fixture) any {
	return map[string]any{"title": "新しい監査", "starts_on": "令和7年11月1日", "ends_on": "2025-11-30", "departments": []string{id(e.s1)}}
}
func newFindingBody(e *env, f fixture) any {
	return map[string]any{"audit_id": id(f.audit), "severity": "observation", "title": "記録の様式が統一されていない"}
}
func newActionBody(e *env, f fixture) any {
	var findingID int64
	if err := e.d.QueryRowContext(context.Background(), `SELECT id FROM findings WHERE org_id = ? AND audit_id = ?`, e.org.ID, f.audit).Scan(&findingID); err != nil {
		panic(err)
	}
	return map[string]any{"finding_id": id(findingID), "title": "手順書を改める", "owner_id": id(f.person), "due_on": "2099-01-31"}
}
func progressBody(e *env, f fixture) any {
	return map[string]any{"progress_note": "手順書の改訂案を作成中。"}
}
func verifyBody(e *env, f fixture) any {
	return map[string]any{"accept": true, "verification_note": "確認した。"}
}

// An auditor from another department audits S1 through the API: a
// dependent auditor and a finding without an engagement are refused with
// their reasons (in Japanese) and kept in the trail; a finding, an action
// raised from it, its completion and verification; the lists' filters.
func TestAuditAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "監査財団")
		director := e.holder(t, authz.SecurityDirector)
		auditor := e.holder(t, authz.Auditor)
		manager := e.holder(t, authz.SecurityManager)
		insider := e.newUser(t, "総務 監査人", e.s1, org.AssignmentInput{Role: "auditor"})

		// An auditor sitting in the audited 課室 is refused.
		before, _ := e.head(t)
		res := e.do(t, req{Method: "POST", Path: "/api/v1/audits", Token: director.Token, Body: map[string]any{
			"title": "総務課の監査", "starts_on": "2025-10-01", "ends_on": "2025-10-31",
			"departments": []string{id(e.s1)}, "auditors": []string{id(insider.ID)}}})
		if res.Status != http.StatusBadRequest || res.fieldCodes(t)["auditors"] != "audit.refused.auditor_in_audited_department" {
			t.Fatalf("dependent auditor: %d %s", res.Status, res.Body)
		}
		if !strings.Contains(string(res.Body), "監査対象の部署") {
			t.Errorf("the reason is not in Japanese: %s", res.Body)
		}
		if after, _ := e.head(t); after != before+1 || e.newest(t).Action != trail.Denied {
			t.Errorf("refusal not in the trail: %d→%d %+v", before, after, e.newest(t))
		}

		var a struct {
			ID          string            `json:"id"`
			Status      string            `json:"status"`
			Findings    []jsonFinding     `json:"findings"`
			Permissions audit.Permissions `json:"permissions"`
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/audits", Token: director.Token, Body: map[string]any{
			"title": "総務課の監査", "starts_on": "2025-10-01", "ends_on": "2025-10-31",
			"departments": []string{id(e.s1)}, "auditors": []string{id(auditor.ID)}, "lead": id(auditor.ID)}})
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		res.Decode(t, &a)
		if a.Status != "planned" || !a.Permissions.Manage || a.Findings == nil {
			t.Errorf("created %s", res.Body)
		}
		e.tx(t, func(tx *db.Tx) error {
			_, err := audit.Start(context.Background(), tx, e.sc, authz.Principal{PersonID: auditor.ID,
				Assignments: []authz.Assignment{{Role: authz.Auditor, ScopeKind: authz.ScopeOrg}}}, parseID(t, a.ID))
			return err
		})

		// A finding without an engagement.
		for _, body := range []map[string]any{{"severity": "major", "title": "x"}, {"audit_id": "999999", "severity": "major", "title": "x"}} {
			res = e.do(t, req{Method: "POST", Path: "/api/v1/findings", Token: auditor.Token, Body: body})
			if res.Status != http.StatusBadRequest || res.fieldCodes(t)["audit_id"] != "audit.refused.finding_without_audit" {
				t.Errorf("finding %v: %d %s", body, res.Status, res.Body)
			}
			if last := e.newest(t); last.Action != trail.Denied || !strings.Contains(last.After, "finding_without_audit") {
				t.Errorf("finding refusal not in the trail: %+v", last)
			}
		}
		var f jsonFinding
		res = e.do(t, req{Method: "POST", Path: "/api/v1/findings", Token: auditor.Token, Body: map[string]any{
			"audit_id": a.ID, "severity": "major", "title": "パスワードが共有されている"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("finding: %d %s", res.Status, res.Body)
		}
		res.Decode(t, &f)
		res = e.do(t, req{Method: "GET", Path: "/api/v1/audits/" + a.ID, Token: manager.Token})
		res.Decode(t, &a)
		if len(a.Findings) != 1 || a.Findings[0].ID != f.ID || !a.Permissions.Respond || a.Permissions.Conduct {
			t.Errorf("audit as the section's manager: %s", res.Body)
		}

		// The owner works where the finding is: a staff member of S1.
		staff := e.newUser(t, "総務 職員", e.s1)
		var act struct {
			ID          string             `json:"id"`
			Status      string             `json:"status"`
			Version     int64              `json:"version"`
			Permissions action.Permissions `json:"permissions"`
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/actions", Token: manager.Token, Body: map[string]any{
			"finding_id": f.ID, "title": "パスワードを個人ごとにする", "owner_id": id(staff.ID), "due_on": "令和2年1月31日"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("raise: %d %s", res.Status, res.Body)
		}
		res.Decode(t, &act)
		// Overdue (due in 2020) and open; the owner and an auditor find it.
		for _, q := range []struct {
			token, query string
			want         int
		}{
			{staff.Token, "", 1},
			{auditor.Token, "?overdue=true", 1},
			{auditor.Token, "?status=verified", 0},
			{director.Token, "?owner_id=" + id(staff.ID), 1},
			{director.Token, "?owner_id=" + id(manager.ID), 0},
			{director.Token, "?audit_id=" + a.ID, 1},
		} {
			var l struct{ Items []map[string]any }
			e.do(t, req{Method: "GET", Path: "/api/v1/actions" + q.query, Token: q.token}).Decode(t, &l)
			if len(l.Items) != q.want {
				t.Errorf("actions%s: %d items, want %d", q.query, len(l.Items), q.want)
			}
		}
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/actions?overdue=maybe", Token: auditor.Token}); res.Status != http.StatusBadRequest {
			t.Errorf("bad filter: %d", res.Status)
		}
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/actions/" + act.ID, Token: staff.Token, Body: map[string]any{
			"status": "completed", "progress_note": "個人のIDを発行した。", "version": act.Version}})
		if res.Status != http.StatusOK {
			t.Fatalf("complete: %d %s", res.Status, res.Body)
		}
		// A stale version is a conflict.
		if res := e.do(t, req{Method: "PATCH", Path: "/api/v1/actions/" + act.ID, Token: staff.Token, Body: map[string]any{
			"progress_note": "追記", "version": act.Version}}); res.Status != http.StatusConflict {
			t.Errorf("stale: %d %s", res.Status, res.Body)
		}
		// The owner may not verify; the auditor may.
		if res := e.do(t, req{Method: "POST", Path: "/api/v1/actions/" + act.ID + "/verify", Token: staff.Token, Body: map[string]any{"accept": true}}); res.Status != http.StatusForbidden {
			t.Errorf("verify by the owner: %d", res.Status)
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/actions/" + act.ID + "/verify", Token: auditor.Token, Body: map[string]any{"accept": true}})
		res.Decode(t, &act)
		if res.Status != http.StatusOK || act.Status != "verified" {
			t.Errorf("verify: %d %s", res.Status, res.Body)
		}

		// Another organisation's engagement and action are not found.
		other := newEnv(t, d, "別財団")
		od := other.holder(t, authz.SecurityDirector)
		for _, p := range []string{"/api/v1/audits/" + a.ID, "/api/v1/audits/" + a.ID + "/findings", "/api/v1/actions/" + act.ID} {
			if res := other.do(t, req{Method: "GET", Path: p, Token: od.Token}); res.Status != http.StatusNotFound {
				t.Errorf("%s from another organisation: %d", p, res.Status)
			}
		}
		var l struct{ Items []map[string]any }
		other.do(t, req{Method: "GET", Path: "/api/v1/audits", Token: od.Token}).Decode(t, &l)
		if len(l.Items) != 0 {
			t.Errorf("another organisation lists %d audits", len(l.Items))
		}
	})
}

// jsonFinding is a finding as the API writes it.
type jsonFinding struct {
	ID       string `json:"id"`
	AuditID  string `json:"audit_id"`
	Severity string `json:"severity"`
}

func parseID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("id %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
