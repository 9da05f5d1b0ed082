package web

// Self-inspection campaigns (自己点検): the list, planning one, its page
// with progress per department, opening and closing it.

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/inspection"
	"mamori/internal/org"
	"mamori/internal/validate"
)

// inspCampaignRow is a campaign in the list, with the reader's own progress
// when they answer it.
type inspCampaignRow struct {
	C            inspection.Campaign
	Starts, Ends string
	Mine         *inspection.RespondentStatus
}

type inspCampaignListPage struct {
	Rows         []inspCampaignRow
	NextURL      string
	CanManage    bool
	CanResults   bool
	CanChecklist bool
}

func (s *Server) campaignList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	page, err := inspection.ListCampaigns(ctx, s.db, sc, id.Principal, inspection.CampaignFilter{Cursor: r.URL.Query().Get("cursor"), Limit: 30})
	if _, bad := validate.As(err); bad {
		return db.ErrNotFound
	}
	if err != nil {
		return err
	}
	ids := make([]int64, len(page.Items))
	for i, c := range page.Items {
		ids[i] = c.ID
	}
	mine, err := inspection.MyStatuses(ctx, s.db, sc, id.Person.ID, ids)
	if err != nil {
		return err
	}
	data := inspCampaignListPage{CanManage: authz.CanSome(id.Principal, authz.ManageCampaigns),
		CanResults: authz.CanSome(id.Principal, authz.ViewCampaignResults), CanChecklist: authz.CanSome(id.Principal, authz.ViewChecklists)}
	for _, c := range page.Items {
		row := inspCampaignRow{C: c, Starts: s.inspDayText(r, c.StartsOn), Ends: s.inspDayText(r, c.EndsOn)}
		if m, ok := mine[c.ID]; ok {
			row.Mine = &m
		}
		data.Rows = append(data.Rows, row)
	}
	if page.NextCursor != "" {
		data.NextURL = "/campaigns?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	return s.render(w, r, "campaigns", "campaign.list_title", data)
}

// inspCampaignNewPage is the form of a new campaign.
type inspCampaignNewPage struct {
	Checklists  []inspection.Checklist
	Departments []inspCampaignDeptChoice
	Previous    []inspection.Campaign
	// Defaults of an empty form.
	ChecklistID int64
	PreviousID  int64
	NoPrevious  bool
	Checked     map[int64]bool
}

// inspCampaignDeptChoice is a department in the form's tree of checkboxes.
type inspCampaignDeptChoice struct {
	ID      int64
	Name    string
	Section bool // a 課室, indented under its 部局
}

func (s *Server) campaignNewData(r *http.Request) (inspCampaignNewPage, error) {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	var data inspCampaignNewPage
	if authz.CanSome(id.Principal, authz.ViewChecklists) {
		page, err := inspection.ListChecklists(ctx, s.db, sc, id.Principal, inspection.ChecklistFilter{Status: inspection.ChecklistActive, Limit: 200})
		if err != nil {
			return data, err
		}
		data.Checklists = page.Items
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return data, err
	}
	for _, d := range depts {
		data.Departments = append(data.Departments, inspCampaignDeptChoice{ID: d.ID, Name: d.Name, Section: d.ParentID != 0})
	}
	prev, err := inspection.ListCampaigns(ctx, s.db, sc, id.Principal, inspection.CampaignFilter{Limit: 50})
	if err != nil {
		return data, err
	}
	for _, c := range prev.Items {
		if c.Status != inspection.CampaignPlanned {
			data.Previous = append(data.Previous, c)
		}
	}
	if data.PreviousID, err = inspection.LatestClosed(ctx, s.db, sc); err != nil {
		return data, err
	}
	if v, err := strconv.ParseInt(r.URL.Query().Get("checklist_id"), 10, 64); err == nil {
		data.ChecklistID = v
	} else if len(data.Checklists) > 0 {
		data.ChecklistID = data.Checklists[0].ID
	}
	data.Checked = map[int64]bool{}
	if r.Method == http.MethodPost {
		for _, v := range r.PostForm["department_ids"] {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				data.Checked[n] = true
			}
		}
		data.ChecklistID, _ = strconv.ParseInt(r.PostFormValue("checklist_id"), 10, 64)
		data.PreviousID, _ = strconv.ParseInt(r.PostFormValue("previous_id"), 10, 64)
		data.NoPrevious = r.PostFormValue("previous_id") == "none"
	}
	return data, nil
}

func (s *Server) campaignNew(w http.ResponseWriter, r *http.Request) error {
	data, err := s.campaignNewData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "campaign_new", "campaign.new_title", data)
}

func (s *Server) campaignCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	in := inspection.CampaignInput{Title: r.PostFormValue("title"), StartsOn: r.PostFormValue("starts_on"), EndsOn: r.PostFormValue("ends_on")}
	e := validate.Errors{}
	if v := r.PostFormValue("checklist_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.Add("checklist_id", "error.invalid_choice")
		}
		in.ChecklistID = n
	}
	if v := r.PostFormValue("previous_id"); v == "none" {
		in.NoPrevious = true
	} else if v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.Add("previous_id", "error.invalid_choice")
		}
		in.PreviousID = n
	}
	for _, v := range r.PostForm["department_ids"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.Add("department_ids", "error.invalid_choice")
			continue
		}
		in.DepartmentIDs = append(in.DepartmentIDs, n)
	}
	var c inspection.Campaign
	err := e.Err()
	if err == nil {
		err = s.transact(ctx, func(tx *db.Tx) (err error) {
			c, err = inspection.CreateCampaign(ctx, tx, sc, id.Principal, in)
			return err
		})
	}
	if _, invalid := validate.As(err); invalid {
		data, derr := s.campaignNewData(r)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "campaign_new", "campaign.new_title", data, err)
	}
	if err != nil {
		return inspectionError(err, authz.ManageCampaigns)
	}
	return s.redirect(w, r, fmt.Sprintf("/campaigns/%d", c.ID), "campaign.created")
}

// inspCampaignPage is a campaign: what it is, the reader's own part in it,
// and for its managers and readers of results the progress.
type inspCampaignPage struct {
	C          inspection.Campaign
	StartsOn   string
	EndsOn     string
	Mine       *inspection.RespondentStatus
	CanManage  bool
	CanResults bool
	Planned    int // respondents if it opened now
	Progress   *inspection.Progress
	Previous   *inspection.Campaign
}

func (s *Server) campaignShow(w http.ResponseWriter, r *http.Request) error {
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
	data := inspCampaignPage{C: c, StartsOn: s.inspDayText(r, c.StartsOn), EndsOn: s.inspDayText(r, c.EndsOn),
		CanManage: authz.CanSome(id.Principal, authz.ManageCampaigns), CanResults: authz.CanSome(id.Principal, authz.ViewCampaignResults)}
	mine, err := inspection.MyStatuses(ctx, s.db, sc, id.Person.ID, []int64{cid})
	if err != nil {
		return err
	}
	if m, ok := mine[cid]; ok {
		data.Mine = &m
	}
	if c.PreviousID != 0 {
		if p, err := inspection.GetCampaign(ctx, s.db, sc, id.Principal, c.PreviousID); err == nil {
			data.Previous = &p
		}
	}
	switch {
	case c.Status == inspection.CampaignPlanned && data.CanManage:
		if data.Planned, err = inspection.PlannedRespondents(ctx, s.db, sc, id.Principal, cid); err != nil {
			return err
		}
	case c.Status != inspection.CampaignPlanned && data.CanResults:
		prog, err := inspection.CampaignProgress(ctx, s.db, sc, id.Principal, cid)
		if err != nil {
			return err
		}
		data.Progress = &prog
	}
	return s.render(w, r, "campaign", "campaign.title", data)
}

// campaignStatusStep opens or closes a campaign.
func (s *Server) campaignStatusStep(w http.ResponseWriter, r *http.Request, flash string,
	step func(tx *db.Tx, cid int64) (inspection.Campaign, error)) error {
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	err = s.transact(r.Context(), func(tx *db.Tx) error {
		_, err := step(tx, cid)
		return err
	})
	if handled, rerr := s.inspRefused(w, r, err); handled {
		return rerr
	}
	if ve, invalid := validate.As(err); invalid {
		for _, p := range ve {
			s.setFlash(w, r, "error", s.cat.T(s.lang(r), p.Key, p.Args...))
			break
		}
		http.Redirect(w, r, fmt.Sprintf("/campaigns/%d", cid), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return inspectionError(err, authz.ManageCampaigns)
	}
	return s.redirect(w, r, fmt.Sprintf("/campaigns/%d", cid), flash)
}

func (s *Server) campaignOpen(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	return s.campaignStatusStep(w, r, "campaign.opened", func(tx *db.Tx, cid int64) (inspection.Campaign, error) {
		return inspection.Open(r.Context(), tx, sc, id.Principal, cid)
	})
}

func (s *Server) campaignClose(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	return s.campaignStatusStep(w, r, "campaign.closed", func(tx *db.Tx, cid int64) (inspection.Campaign, error) {
		return inspection.Close(r.Context(), tx, sc, id.Principal, cid)
	})
}
