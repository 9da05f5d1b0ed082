package web

// A campaign's results (per item, department and clause, compared with the
// previous campaign), who has not finished, the summary as an Excel
// workbook and as an A4 print view, and the steps that lead on from a
// result: a corrective action for 未実施 answers, a §8 review request.

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mamori/internal/action"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/inspection"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// inspResultRates are the columns every results table shows.
type inspResultRates struct {
	ShowPrev  bool // the campaign is compared with a previous one
	C         inspection.Counts
	Rate      string
	RateClass string
	Prev      string // the previous campaign's 実施率, "" without one
	Delta     string
	DeltaUp   bool
	DeltaDown bool
}

func inspRates(c, prev inspection.Counts, has bool, d *float64) inspResultRates {
	r := inspResultRates{C: c, Rate: inspection.RateText(&c), RateClass: inspRateClass(c)}
	if has {
		r.Prev = inspection.RateText(&prev)
	}
	r.Delta = inspDeltaText(d)
	if d != nil {
		r.DeltaUp, r.DeltaDown = *d > 0, *d < 0
	}
	return r
}

type inspResultItem struct {
	inspection.Item
	Clauses string
	R       inspResultRates
}

type inspResultDept struct {
	inspection.DeptLine
	R inspResultRates
}

type inspResultClause struct {
	inspection.ClauseLine
	R inspResultRates
}

// inspNotDoneRow is a 未実施 cell with its action form.
type inspNotDoneRow struct {
	inspection.NotDoneCell
	Due     string // the raised action's due date, as the reader reads dates
	OwnerID int64
	Owners  []inspOwnerChoice
	Title   string
}

type inspOwnerChoice struct {
	ID   int64
	Name string
}

// inspReviewChoice is an item × clause a review may be asked for.
type inspReviewChoice struct {
	Value string // "itemID:documentID:ident"
	Label string
}

type inspResultsPage struct {
	Res         inspection.Results
	C           inspection.Campaign
	StartsOn    string
	EndsOn      string
	Total       inspResultRates
	Items       []inspResultItem
	Departments []inspResultDept
	Clauses     []inspResultClause
	NotDone     []inspNotDoneRow
	MoreNotDone int
	Reviews     []inspReviewRequestRow
	ReviewPairs []inspReviewChoice
	CanManage   bool
	OrgWide     bool
	HasPrev     bool
	DueDefault  string
	Printed     time.Time
}

type inspReviewRequestRow struct {
	inspection.ReviewRequest
	Label string
	Item  string
	When  int64
}

// inspMaxNotDoneForms bounds the action forms one results page shows.
const inspMaxNotDoneForms = 200

func (s *Server) inspResultsData(r *http.Request, cid int64) (inspResultsPage, error) {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	if _, err := inspection.GetCampaign(ctx, s.db, sc, id.Principal, cid); err != nil {
		return inspResultsPage{}, err
	}
	res, err := inspection.CampaignResults(ctx, s.db, sc, id.Principal, cid)
	if err != nil {
		return inspResultsPage{}, inspectionError(err, authz.ViewCampaignResults)
	}
	reach, _ := inspection.ReachOf(id.Principal)
	t := s.cat.For(s.lang(r))
	p := inspResultsPage{Res: res, C: res.Campaign, StartsOn: s.inspDayText(r, res.Campaign.StartsOn), EndsOn: s.inspDayText(r, res.Campaign.EndsOn),
		Total: inspRates(res.Total, res.PrevTotal, res.Previous != nil, res.Delta), CanManage: authz.CanSome(id.Principal, authz.ManageCampaigns),
		OrgWide: reach.All, Printed: time.Now()}
	for _, l := range res.Items {
		p.Items = append(p.Items, inspResultItem{Item: l.Item, Clauses: inspection.FormatClauses(l.Item.Clauses), R: inspRates(l.Counts, l.Previous, l.HasPrevious, l.Delta)})
		for _, cl := range l.Item.Clauses {
			p.ReviewPairs = append(p.ReviewPairs, inspReviewChoice{Value: fmt.Sprintf("%d:%d:%s", l.Item.ID, cl.DocumentID, cl.Ident),
				Label: t("campaign.review_pair", l.Item.Code, inspClipRunes(l.Item.Question, 30), cl.Label, inspection.RateText(&l.Counts))})
		}
	}
	for _, l := range res.Departments {
		if l.Name == "" {
			l.Name = s.cat.T(s.lang(r), "campaign.no_department")
		}
		p.Departments = append(p.Departments, inspResultDept{DeptLine: l, R: inspRates(l.Counts, l.Previous, l.HasPrevious, l.Delta)})
	}
	for _, l := range res.Clauses {
		p.Clauses = append(p.Clauses, inspResultClause{ClauseLine: l, R: inspRates(l.Counts, l.Previous, l.HasPrevious, l.Delta)})
	}
	p.HasPrev = res.Previous != nil
	p.Total.ShowPrev = p.HasPrev
	for i := range p.Items {
		p.Items[i].R.ShowPrev = p.HasPrev
	}
	for i := range p.Departments {
		p.Departments[i].R.ShowPrev = p.HasPrev
	}
	for i := range p.Clauses {
		p.Clauses[i].R.ShowPrev = p.HasPrev
	}
	if p.CanManage {
		cells := res.NotDone
		if len(cells) > inspMaxNotDoneForms {
			cells = cells[:inspMaxNotDoneForms]
		}
		p.MoreNotDone = res.NotDoneTotal - len(cells)
		people := map[int64][]inspOwnerChoice{}
		items := map[int64]inspection.Item{}
		for _, l := range res.Items {
			items[l.Item.ID] = l.Item
		}
		active := true
		for _, c := range cells {
			row := inspNotDoneRow{NotDoneCell: c, Title: inspection.DefaultActionTitle(t, items[c.ItemID]), Due: s.inspDayText(r, c.ActionDueOn)}
			if c.ActionID == 0 {
				if row.OwnerID, err = inspection.DefaultOwner(ctx, s.db, sc, c.DepartmentID); err != nil {
					return p, err
				}
				choices, ok := people[c.DepartmentID]
				if !ok {
					pp, err := org.ListPeople(ctx, s.db, sc, authz.Grant{All: true}, 0,
						org.PersonFilter{DepartmentID: c.DepartmentID, Active: &active, Limit: 100})
					if err != nil {
						return p, err
					}
					for _, x := range pp.Items {
						choices = append(choices, inspOwnerChoice{ID: x.ID, Name: x.Name})
					}
					people[c.DepartmentID] = choices
				}
				row.Owners = choices
				if row.OwnerID != 0 && !inspContainsOwner(choices, row.OwnerID) {
					if op, err := org.GetPerson(ctx, s.db, sc, row.OwnerID); err == nil {
						row.Owners = append([]inspOwnerChoice{{ID: op.ID, Name: op.Name}}, choices...)
					}
				}
			}
			p.NotDone = append(p.NotDone, row)
		}
		p.DueDefault = s.inspDayText(r, time.Now().In(wareki.Location).AddDate(0, 3, 0).Format("2006-01-02"))
		reqs, err := inspection.ReviewRequests(ctx, s.db, sc, cid)
		if err != nil {
			return p, err
		}
		labels := map[string]string{}
		for _, l := range res.Clauses {
			labels[fmt.Sprintf("%d:%s", l.Clause.DocumentID, l.Clause.Ident)] = l.Clause.Label
		}
		for _, q := range reqs {
			row := inspReviewRequestRow{ReviewRequest: q, Label: labels[fmt.Sprintf("%d:%s", q.DocumentID, q.Clause)], When: q.CreatedAt}
			if it, ok := items[q.ItemID]; ok {
				row.Item = it.Code
			}
			p.Reviews = append(p.Reviews, row)
		}
	}
	return p, nil
}

func inspContainsOwner(cs []inspOwnerChoice, id int64) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) campaignResults(w http.ResponseWriter, r *http.Request) error {
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.inspResultsData(r, cid)
	if err != nil {
		return err
	}
	return s.render(w, r, "campaign_results", "campaign.results_title", data)
}

// campaignPrint is the summary on A4 paper.
func (s *Server) campaignPrint(w http.ResponseWriter, r *http.Request) error {
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.inspResultsData(r, cid)
	if err != nil {
		return err
	}
	_, sc := inspectionCtx(r)
	if err := s.transact(r.Context(), func(tx *db.Tx) error {
		return inspection.RecordReportExport(r.Context(), tx, sc, cid, "print")
	}); err != nil {
		return err
	}
	return s.render(w, r, "campaign_print", "campaign.print_title", data)
}

// campaignReportXLSX sends the summary as a workbook, recorded in the
// trail before it is sent.
func (s *Server) campaignReportXLSX(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	if _, err := inspection.GetCampaign(ctx, s.db, sc, id.Principal, cid); err != nil {
		return err
	}
	rep, err := inspection.CampaignReport(ctx, s.db, sc, id.Principal, cid)
	if err != nil {
		return inspectionError(err, authz.ViewCampaignResults)
	}
	var buf bytes.Buffer
	if err := inspection.WriteReport(&buf, rep, s.cat.For(s.lang(r)), func(v string) string { return s.inspDayText(r, v) }); err != nil {
		return err
	}
	if err := s.transact(ctx, func(tx *db.Tx) error { return inspection.RecordReportExport(ctx, tx, sc, cid, "xlsx") }); err != nil {
		return err
	}
	name := s.cat.T(s.lang(r), "campaign.report_file_name", rep.Results.Campaign.Title, time.Now().In(wareki.Location).Format("20060102"))
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d.xlsx"; filename*=UTF-8''%s`, cid, url.PathEscape(name)))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.log.Debug("campaign report not sent whole", "err", err)
	}
	return nil
}

// inspUnfinishedPage lists the respondents who have not finished.
type inspUnfinishedPage struct {
	C           inspection.Campaign
	Items       []inspection.RespondentStatus
	NextURL     string
	Departments []deptOption
	Department  int64
}

func (s *Server) campaignUnfinished(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	c, err := inspection.GetCampaign(ctx, s.db, sc, id.Principal, cid)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := inspection.UnfinishedFilter{Cursor: q.Get("cursor"), Limit: 100}
	if v := q.Get("department_id"); v != "" {
		if f.DepartmentID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return db.ErrNotFound
		}
	}
	page, err := inspection.Unfinished(ctx, s.db, sc, id.Principal, cid, f)
	if _, bad := validate.As(err); bad {
		return db.ErrNotFound
	}
	if err != nil {
		return inspectionError(err, authz.ViewCampaignResults)
	}
	data := inspUnfinishedPage{C: c, Items: page.Items, Department: f.DepartmentID}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, d := range depts {
		names[d.ID] = d.Name
		if d.ParentID != 0 {
			names[d.ID] = names[d.ParentID] + " " + d.Name
		}
	}
	data.Departments = deptChoices(depts, names)
	if page.NextCursor != "" {
		v := url.Values{"cursor": {page.NextCursor}}
		if f.DepartmentID != 0 {
			v.Set("department_id", strconv.FormatInt(f.DepartmentID, 10))
		}
		data.NextURL = fmt.Sprintf("/campaigns/%d/unfinished?%s", cid, v.Encode())
	}
	return s.render(w, r, "campaign_unfinished", "campaign.unfinished_title", data)
}

// campaignRaiseAction raises the corrective action for a 未実施 cell and
// goes back to the results.
func (s *Server) campaignRaiseAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	in := inspection.ActionInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), DueOn: r.PostFormValue("due_on")}
	e := validate.Errors{}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"item_id", &in.ItemID}, {"department_id", &in.DepartmentID}, {"owner_id", &in.OwnerID}} {
		if v := r.PostFormValue(f.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				e.Add(f.name, "error.invalid_choice")
			}
			*f.v = n
		}
	}
	var a action.Action
	err = e.Err()
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) (err error) {
			a, err = inspection.RaiseAction(ctx, tx, sc, id.Principal, cid, in)
			return err
		})
	}
	if handled, rerr := s.inspRefused(w, r, err); handled {
		return rerr
	}
	if errors.Is(err, action.ErrForbidden) {
		return deniedError{authz.ManageCampaigns}
	}
	if ve, invalid := validate.As(err); invalid {
		lang := s.lang(r)
		msg := ""
		for f, p := range ve {
			msg = s.cat.T(lang, "campaign.action_problem", s.cat.T(lang, "campaign.action_field."+inspActionField(f)), s.cat.T(lang, p.Key, p.Args...))
			break
		}
		s.setFlash(w, r, "error", msg)
		http.Redirect(w, r, fmt.Sprintf("/campaigns/%d/results#not-done", cid), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return inspectionError(err, authz.ManageCampaigns)
	}
	s.setFlash(w, r, "success", s.cat.T(s.lang(r), "campaign.action_raised", a.ID))
	http.Redirect(w, r, fmt.Sprintf("/campaigns/%d/results#not-done", cid), http.StatusSeeOther)
	return nil
}

// inspActionField names the field of an action problem for the message.
func inspActionField(f string) string {
	switch f {
	case "due_on", "owner_id", "title", "description", "item_id", "department_id":
		return f
	}
	return "other"
}

// campaignRequestReview opens a §8 review request for a clause an item
// checks and goes back to the results.
func (s *Server) campaignRequestReview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	in := inspection.ReviewInput{Note: r.PostFormValue("note")}
	var item, doc int64
	var ident string
	if _, perr := fmt.Sscanf(r.PostFormValue("pair"), "%d:%d:%s", &item, &doc, &ident); perr == nil {
		in.ItemID, in.DocumentID, in.Clause = item, doc, ident
	}
	err = s.transact(ctx, func(tx *db.Tx) error {
		_, err := inspection.RequestClauseReview(ctx, tx, sc, id.Principal, cid, in)
		return err
	})
	if handled, rerr := s.inspRefused(w, r, err); handled {
		return rerr
	}
	if errors.Is(err, policy.ErrForbidden) && !errors.Is(err, inspection.ErrForbidden) {
		return deniedError{authz.ManageCampaigns}
	}
	if ve, invalid := validate.As(err); invalid {
		lang := s.lang(r)
		msg := ""
		for _, p := range ve {
			msg = s.cat.T(lang, "campaign.review_problem", s.cat.T(lang, p.Key, p.Args...))
			break
		}
		s.setFlash(w, r, "error", msg)
		http.Redirect(w, r, fmt.Sprintf("/campaigns/%d/results#reviews", cid), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return inspectionError(err, authz.ManageCampaigns)
	}
	return s.redirect(w, r, fmt.Sprintf("/campaigns/%d/results#reviews", cid), "campaign.review_requested")
}
