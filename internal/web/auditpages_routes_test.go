package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
)

// auditRouteCases are the route × role rows of the audit, corrective
// action and evidence pages (audit_pages.go and the files it registers).
//
// The fixture (auditFixtureFor) is an engagement of the route fixture's
// 課室 in fieldwork, whose auditor is the table's 監査人; it has an item,
// an evidence request answered by the 課室's manager with a file, a
// finding, and a corrective action owned by the route fixture's target.
// So the 部局's officer and the 課室's manager are the audited
// department; the CISO and 統括 manage; the committee only reads.
var auditRouteCases = []routeCase{
	{"GET /audits", fixed("/audits"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"POST /audit-plans", fixed("/audit-plans"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /audit-plans/{id}", onAuditFixture(func(x *auditFixture) string { return fmt.Sprintf("/audit-plans/%d", x.plan) }),
		only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"POST /audit-plans/{id}", onAuditFixture(func(x *auditFixture) string { return fmt.Sprintf("/audit-plans/%d", x.plan) }),
		only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /audits/new", fixed("/audits/new"), only(http.StatusOK, rCISO, rDirector)},
	{"POST /audits", fixed("/audits"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /audits/settings", fixed("/audits/settings"), only(http.StatusOK, rCISO, rDirector)},
	{"POST /audits/settings", fixed("/audits/settings"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"GET /audits/{id}", onAudit(""), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"POST /audits/{id}", onAudit(""), only(http.StatusBadRequest, rCISO, rDirector)},
	{"POST /audits/{id}/scope", onAudit("/scope"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"POST /audits/{id}/scope/delete", onAudit("/scope/delete"), only(http.StatusBadRequest, rCISO, rDirector)},
	{"POST /audits/{id}/auditors", onAudit("/auditors"), only(http.StatusBadRequest, rCISO, rDirector)},
	// Nobody of that id is an auditor of it.
	{"POST /audits/{id}/auditors/{pid}/delete", onAuditFixture(func(x *auditFixture) string {
		return fmt.Sprintf("/audits/%d/auditors/%d/delete", x.audit, x.notAuditor)
	}), only(http.StatusNotFound, rCISO, rDirector)},
	// In fieldwork already: those who may start it are told it has moved
	// on; the audited department and the committee may not start it.
	{"POST /audits/{id}/start", onAudit("/start"), only(http.StatusSeeOther, rCISO, rDirector, rAuditor)},
	// Each role cancels an engagement of its own.
	{"POST /audits/{id}/cancel", func(e *adminEnv, f *routeFixture) string {
		return fmt.Sprintf("/audits/%d/cancel", e.plannedAudit(f))
	}, only(http.StatusSeeOther, rCISO, rDirector)},
	{"POST /audits/{id}/items", onAudit("/items"), only(http.StatusBadRequest, rAuditor)},
	// An empty result clears it: a change like any other.
	{"POST /audits/{id}/items/{iid}", onAuditFixture(func(x *auditFixture) string { return fmt.Sprintf("/audits/%d/items/%d", x.audit, x.item) }),
		only(http.StatusSeeOther, rAuditor)},
	{"POST /audits/{id}/requests", onAudit("/requests"), only(http.StatusBadRequest, rAuditor)},
	{"POST /audits/{id}/requests/{rid}/reply", onAuditFixture(func(x *auditFixture) string {
		return fmt.Sprintf("/audits/%d/requests/%d/reply", x.audit, x.request)
	}), only(http.StatusBadRequest, rOfficer, rManager)},
	{"POST /audits/{id}/notes", onAudit("/notes"), only(http.StatusBadRequest, rAuditor)},
	{"POST /audits/{id}/findings", onAudit("/findings"), only(http.StatusBadRequest, rAuditor)},
	// The finding names no clause: those who may open a review are told so.
	{"POST /audits/{id}/findings/{fid}/review", onAuditFixture(func(x *auditFixture) string {
		return fmt.Sprintf("/audits/%d/findings/%d/review", x.audit, x.finding)
	}), only(http.StatusBadRequest, rCISO, rDirector, rAuditor)},
	{"POST /audits/{id}/report/draft", onAudit("/report/draft"), only(http.StatusBadRequest, rAuditor)},
	{"POST /audits/{id}/report/response", onAudit("/report/response"), only(http.StatusBadRequest, rOfficer, rManager)},
	{"POST /audits/{id}/report/final", onAudit("/report/final"), only(http.StatusBadRequest, rAuditor)},
	// Nothing awaits approval yet: the CISO is told the audit moved on.
	{"POST /audits/{id}/report/approve", onAudit("/report/approve"), only(http.StatusSeeOther, rCISO)},
	{"GET /audits/{id}/report/print", onAudit("/report/print"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},
	{"GET /audits/{id}/report.xlsx", onAudit("/report.xlsx"), only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor, rCommitee)},

	{"GET /actions", fixed("/actions"), everyone(http.StatusOK)},
	// No finding named: a bad request for everyone (all see their own actions).
	{"POST /actions", fixed("/actions"), everyone(http.StatusBadRequest)},
	{"GET /actions/{id}", onAction(""), actionSeen(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor)},
	{"POST /actions/{id}/progress", onAction("/progress"),
		actionSeen(http.StatusSeeOther, rCISO, rDirector, rOfficer, rManager).with(rAuditor, http.StatusForbidden)},
	{"POST /actions/{id}/files", onAction("/files"),
		actionSeen(http.StatusBadRequest, rCISO, rDirector, rOfficer, rManager).with(rAuditor, http.StatusForbidden)},
	{"POST /actions/{id}/verify", onAction("/verify"), only(http.StatusBadRequest, rDirector, rAuditor)},

	// The reply's file: the engagement's auditor, its managers and the
	// audited department; a refusal for anyone else.
	{"GET /evidence/{id}", onAuditFixture(func(x *auditFixture) string { return fmt.Sprintf("/evidence/%d", x.file) }),
		only(http.StatusOK, rCISO, rDirector, rOfficer, rManager, rAuditor)},
}

// statusMap is a role → status row that can be adjusted.
type statusMap map[authz.Role]int

func (m statusMap) with(r authz.Role, status int) map[authz.Role]int {
	m[r] = status
	return m
}

// actionSeen: the listed roles get status; everyone else finds no such
// action (every role passes the route, since everyone sees their own).
func actionSeen(status int, roles ...authz.Role) statusMap {
	m := statusMap(everyone(http.StatusNotFound))
	for _, r := range roles {
		m[r] = status
	}
	return m
}

// auditFixture is what the audit rows refer to.
type auditFixture struct {
	plan, audit, item, request, finding, action, file int64
	auditor, manager, notAuditor                      int64
}

var (
	auditFixturesMu sync.Mutex
	auditFixtures   = map[*adminEnv]*auditFixture{}
)

// holder finds the person the route table signed in for a role.
func (e *adminEnv) holder(r authz.Role) int64 {
	e.t.Helper()
	hs, err := org.ListHolders(e.ctx, e.d, e.sc, r)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, h := range hs {
		if strings.HasPrefix(h.PersonName, "役割 ") {
			return h.Assignment.PersonID
		}
	}
	e.t.Fatalf("nobody signed in as %s", r)
	return 0
}

// auditFixtureFor builds the fixture once per environment.
func (e *adminEnv) auditFixtureFor(f *routeFixture) *auditFixture {
	e.t.Helper()
	auditFixturesMu.Lock()
	defer auditFixturesMu.Unlock()
	if x, ok := auditFixtures[e]; ok {
		return x
	}
	x := &auditFixture{auditor: e.holder(authz.Auditor), manager: e.holder(authz.SecurityManager), notAuditor: f.target}
	ciso := e.ciso()
	auditor := authz.Principal{PersonID: x.auditor, Assignments: []authz.Assignment{{Role: authz.Auditor, ScopeKind: authz.ScopeOrg}}}
	manager := authz.Principal{PersonID: x.manager, Assignments: []authz.Assignment{{Role: authz.SecurityManager, ScopeKind: authz.ScopeDepartment, ScopeID: f.section}}}
	e.tx(func(tx *db.Tx) error {
		p, err := audit.CreatePlan(e.ctx, tx, e.sc, ciso, audit.PlanInput{Kind: "yearly", Title: "令和7年度監査計画", YearFrom: 2025})
		if err != nil {
			return err
		}
		x.plan = p.ID
		a, err := audit.Create(e.ctx, tx, e.sc, ciso, audit.Input{PlanID: p.ID, Title: "総務課の情報セキュリティ監査", StartsOn: "2025-10-01", EndsOn: "2025-10-31",
			Departments: []int64{f.section}, Auditors: []int64{x.auditor}, Lead: x.auditor})
		if err != nil {
			return err
		}
		x.audit = a.ID
		if _, err := audit.Start(e.ctx, tx, e.sc, ciso, a.ID); err != nil {
			return err
		}
		it, err := audit.AddItem(e.ctx, tx, e.sc, auditor, a.ID, audit.ItemInput{Item: "情報資産台帳が整備されているか"})
		if err != nil {
			return err
		}
		x.item = it.ID
		rq, err := audit.AddRequest(e.ctx, tx, e.sc, auditor, a.ID, audit.RequestInput{DepartmentID: f.section, Request: "台帳の写し"})
		if err != nil {
			return err
		}
		x.request = rq.ID
		if _, err := audit.Reply(e.ctx, tx, e.sc, manager, a.ID, rq.ID, audit.ReplyInput{Reply: "提出します。",
			FileName: "台帳.csv", File: strings.NewReader("名称,分類\n住民台帳,3\n")}); err != nil {
			return err
		}
		fd, err := audit.AddFinding(e.ctx, tx, e.sc, auditor, audit.FindingInput{AuditID: a.ID, Severity: "minor", Title: "台帳が古い"})
		if err != nil {
			return err
		}
		x.finding = fd.ID
		ac, err := action.RaiseFromFinding(e.ctx, tx, e.sc, auditor, action.FindingInput{FindingID: fd.ID, Title: "台帳を更新する",
			OwnerID: f.target, DueOn: "2099-03-31"})
		if err != nil {
			return err
		}
		x.action = ac.ID
		return tx.QueryRowContext(e.ctx, `SELECT id FROM evidence_files WHERE org_id = ? AND owner_ref = ?`, e.org.ID, fmt.Sprint(rq.ID)).Scan(&x.file)
	})
	auditFixtures[e] = x
	return x
}

func onAuditFixture(path func(x *auditFixture) string) func(*adminEnv, *routeFixture) string {
	return func(e *adminEnv, f *routeFixture) string { return path(e.auditFixtureFor(f)) }
}

func onAudit(suffix string) func(*adminEnv, *routeFixture) string {
	return onAuditFixture(func(x *auditFixture) string { return fmt.Sprintf("/audits/%d%s", x.audit, suffix) })
}

func onAction(suffix string) func(*adminEnv, *routeFixture) string {
	return onAuditFixture(func(x *auditFixture) string { return fmt.Sprintf("/actions/%d%s", x.action, suffix) })
}

// plannedAudit opens a new planned engagement of the 課室.
func (e *adminEnv) plannedAudit(f *routeFixture) int64 {
	e.t.Helper()
	var a audit.Audit
	e.tx(func(tx *db.Tx) (err error) {
		a, err = audit.Create(e.ctx, tx, e.sc, e.ciso(), audit.Input{Title: "中止用の監査", StartsOn: "2025-11-01", EndsOn: "2025-11-30",
			Departments: []int64{f.section}})
		return err
	})
	return a.ID
}
