package web

import (
	"fmt"
	"net/http"

	"mamori/internal/action"
	"mamori/internal/audit"
	"mamori/internal/httpx"
)

// homeAuditLimit bounds each kind of item the home page lists.
const homeAuditLimit = 5

// auditTodos lists what audits and corrective actions await this person:
// evidence requests to answer, draft reports to respond to, actions due or
// overdue, actions to verify, reports to approve.
func (s *Server) auditTodos(r *http.Request) ([]todo, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	t := s.cat.For(s.lang(r))
	var out []todo

	own, verify, err := action.Responsible(ctx, s.db, sc, id.Principal, homeAuditLimit)
	if err != nil {
		return nil, err
	}
	for _, a := range own {
		due := formatDate(isoDay(a.DueOn), id.Account.DateStyle == "iso", false, s.lang(r))
		td := todo{Title: t("action.home.own", a.Title), Text: t("action.home.own_text", due),
			Href: fmt.Sprintf("/actions/%d", a.ID), Link: t("action.home.open")}
		if a.Overdue {
			td.Title, td.Text, td.Attention = t("action.home.overdue", a.Title), t("action.home.overdue_text", due), true
		}
		out = append(out, td)
	}
	for _, a := range verify {
		out = append(out, todo{Title: t("action.home.verify", a.Title), Text: t("action.home.verify_text"),
			Href: fmt.Sprintf("/actions/%d", a.ID), Link: t("action.home.open"), Attention: true})
	}

	reqs, err := audit.PendingRequests(ctx, s.db, sc, id.Principal, homeAuditLimit)
	if err != nil {
		return nil, err
	}
	for _, rq := range reqs {
		td := todo{Title: t("audit.home.request"), Text: clipText(rq.Request, 80),
			Href: fmt.Sprintf("/audits/%d#request-%d", rq.AuditID, rq.ID), Link: t("audit.home.reply"), Attention: true}
		if rq.DueOn != "" {
			td.Title = t("audit.home.request_due", formatDate(isoDay(rq.DueOn), id.Account.DateStyle == "iso", false, s.lang(r)))
		}
		out = append(out, td)
	}
	respond, approve, err := audit.Awaiting(ctx, s.db, sc, id.Principal, homeAuditLimit)
	if err != nil {
		return nil, err
	}
	for _, a := range respond {
		out = append(out, todo{Title: t("audit.home.respond", a.Title), Text: t("audit.home.respond_text"),
			Href: fmt.Sprintf("/audits/%d#report", a.ID), Link: t("audit.home.open"), Attention: true})
	}
	for _, a := range approve {
		out = append(out, todo{Title: t("audit.home.approve", a.Title), Text: t("audit.home.approve_text"),
			Href: fmt.Sprintf("/audits/%d#report", a.ID), Link: t("audit.home.open"), Attention: true})
	}
	return out, nil
}

// clipText shortens a text to n characters for a one-line summary.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
