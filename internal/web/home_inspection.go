package web

import (
	"fmt"
	"net/http"

	"mamori/internal/inspection"
)

// inspectionTodos lists the self-inspections awaiting this person's
// answers, and for the campaigns' managers the open campaigns with
// respondents who have not finished.
func (s *Server) inspectionTodos(r *http.Request) ([]todo, error) {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	t := s.cat.For(s.lang(r))
	var out []todo
	pending, err := inspection.PendingFor(ctx, s.db, sc, id.Person.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		out = append(out, todo{Title: t("campaign.todo_answer", p.Title), Text: t("campaign.todo_answer_text", p.Left, s.inspDayText(r, p.EndsOn)),
			Href: fmt.Sprintf("/campaigns/%d/answer", p.CampaignID), Link: t("campaign.answer_now"), Attention: true})
	}
	lagging, err := inspection.LaggingCampaigns(ctx, s.db, sc, id.Principal)
	if err != nil {
		return nil, err
	}
	for _, l := range lagging {
		if l.Overdue {
			out = append(out, todo{Title: t("campaign.todo_overdue", l.Title), Text: t("campaign.todo_overdue_text", s.inspDayText(r, l.EndsOn), l.Unfinished),
				Href: fmt.Sprintf("/campaigns/%d", l.CampaignID), Link: t("campaign.todo_overdue_link"), Attention: true})
			continue
		}
		out = append(out, todo{Title: t("campaign.todo_unfinished", l.Title), Text: t("campaign.todo_unfinished_text", l.Unfinished, s.inspDayText(r, l.EndsOn)),
			Href: fmt.Sprintf("/campaigns/%d/unfinished", l.CampaignID), Link: t("campaign.unfinished_link")})
	}
	return out, nil
}
