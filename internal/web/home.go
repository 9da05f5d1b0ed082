package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// homePage is "あなたの対応事項": what this person has to do now, and who
// they are in the organisation.
type homePage struct {
	Name           string
	PreviousSignIn int64 // microseconds; 0 on a first sign-in
	Todos          []todo
	// AssetAttention is the 要対応 list of assets the person is
	// responsible for (nil when there is none).
	AssetAttention any
	Roles          []roleLine
	// TrailSeq and TrailHash are the chain head, for people who may read
	// the trail, to note down outside the system.
	ShowTrail bool
	TrailSeq  int64
	TrailHash string
	TrailAt   int64 // when the head entry was written
}

// todo is one thing the person should do, already in their language.
type todo struct {
	Title     string
	Text      string
	Href      string
	Link      string
	Attention bool // needs doing, rather than a recommendation
}

// roleLine is a role the person holds and what it covers.
type roleLine struct {
	Role  string
	Scope string
}

// passwordAge is when the home page suggests a new password.
const passwordAge = 365 * 24 * time.Hour

// recoveryLow is when the home page warns about running out of codes.
const recoveryLow = 3

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	t := s.cat.For(lang)
	data := homePage{Name: id.Person.Name}

	// The newest sign-in entry is this session's; the one before it is the
	// previous sign-in, which a person may not recognise.
	signins, err := trail.List(ctx, s.db, sc, trail.Filter{ActorID: id.Person.ID, Action: trail.SignIn, Entity: "session", Limit: 2})
	if err != nil {
		return err
	}
	if len(signins) > 1 {
		data.PreviousSignIn = signins[1].At
		failed, err := trail.List(ctx, s.db, sc, trail.Filter{Entity: "account", EntityID: strconv.FormatInt(id.Person.ID, 10),
			Action: trail.SignInFailed, From: signins[1].At + 1, Limit: 100})
		if err != nil {
			return err
		}
		if n := len(failed); n > 0 {
			data.Todos = append(data.Todos, todo{Title: t("home.todo.failed_signins", n), Text: t("home.todo.failed_signins_text"),
				Href: "/account/password", Link: t("account.change_password"), Attention: true})
		}
	}

	a := id.Account
	switch {
	case !a.MFAEnabled:
		data.Todos = append(data.Todos, todo{Title: t("home.todo.recommend_mfa"), Text: t("home.todo.setup_mfa_text"),
			Href: "/mfa/enrol", Link: t("account.setup_mfa")})
	case a.RecoveryCodesLeft <= recoveryLow:
		data.Todos = append(data.Todos, todo{Title: t("home.todo.recovery_low"), Text: t("home.todo.recovery_low_text", a.RecoveryCodesLeft),
			Attention: true})
	}
	if a.PasswordChangedAt != 0 && time.Since(db.Time(a.PasswordChangedAt)) > passwordAge {
		data.Todos = append(data.Todos, todo{Title: t("home.todo.change_password"), Text: t("home.todo.password_old_text"),
			Href: "/account/password", Link: t("account.change_password")})
	}
	if authz.CanSome(id.Principal, authz.ManageAccounts) {
		n, err := countPeopleWithoutAccount(ctx, s.db, sc)
		if err != nil {
			return err
		}
		if n > 0 {
			data.Todos = append(data.Todos, todo{Title: t("home.todo.no_account", n), Text: t("home.todo.no_account_text"),
				Href: "/people", Link: t("nav.people")})
		}
	}
	if authz.CanSome(id.Principal, authz.ViewTrail) {
		data.ShowTrail = true
		data.TrailSeq, data.TrailHash, err = trail.Head(ctx, s.db, id.Org.ID)
		if err != nil {
			return err
		}
		last, err := trail.List(ctx, s.db, sc, trail.Filter{BeforeSeq: data.TrailSeq + 1, Limit: 1})
		if err != nil {
			return err
		}
		if len(last) > 0 && last[0].Seq == data.TrailSeq {
			data.TrailAt = last[0].At
		}
	}

	if data.AssetAttention, err = s.assetAttention(r); err != nil {
		return err
	}
	// Each module adds what awaits this person in its own file
	// (home_*.go): acknowledgements and reviews, answers to give,
	// corrective actions due.
	for _, more := range []func(*http.Request) ([]todo, error){s.policyTodos, s.inspectionTodos, s.auditTodos} {
		items, err := more(r)
		if err != nil {
			return err
		}
		data.Todos = append(data.Todos, items...)
	}
	data.Roles, err = s.roleLines(ctx, sc, id, lang)
	if err != nil {
		return err
	}
	return s.render(w, r, "home", "home.title", data)
}

// roleLines lists the person's roles with what each covers, 職員等 last
// (everyone holds it).
func (s *Server) roleLines(ctx context.Context, sc scope.Scope, id *httpx.Identity, lang string) ([]roleLine, error) {
	as, err := org.ListAssignments(ctx, s.db, sc, id.Person.ID)
	if err != nil {
		return nil, err
	}
	var out []roleLine
	for _, a := range as {
		line := roleLine{Role: s.cat.T(lang, "role."+string(a.Role))}
		switch a.ScopeKind {
		case authz.ScopeDepartment:
			line.Scope = s.departmentLabel(ctx, sc, a.ScopeID)
		case authz.ScopeSystem:
			line.Scope = s.cat.T(lang, "scope.system") + " #" + strconv.FormatInt(a.ScopeID, 10)
		default:
			line.Scope = s.cat.T(lang, "scope.org")
		}
		out = append(out, line)
	}
	out = append(out, roleLine{Role: s.cat.T(lang, "role.staff"), Scope: s.cat.T(lang, "role.staff_scope")})
	return out, nil
}

// departmentLabel names a department with its 部局 ("総務部 総務課").
func (s *Server) departmentLabel(ctx context.Context, sc scope.Scope, deptID int64) string {
	d, err := org.GetDepartment(ctx, s.db, sc, deptID)
	if err != nil {
		return "#" + strconv.FormatInt(deptID, 10)
	}
	if d.ParentID != 0 {
		if p, err := org.GetDepartment(ctx, s.db, sc, d.ParentID); err == nil {
			return p.Name + " " + d.Name
		}
	}
	return d.Name
}

// countPeopleWithoutAccount counts active people who cannot sign in.
// TODO: belongs in package org (owned elsewhere) as a query of its own.
func countPeopleWithoutAccount(ctx context.Context, q db.Querier, sc scope.Scope) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p LEFT JOIN accounts a ON a.person_id = p.id
		WHERE p.org_id = ? AND p.active = TRUE AND a.person_id IS NULL`, sc.OrgID).Scan(&n)
	return n, err
}
