package web

// Checklist templates (点検表): the list, a version with its items, the
// editing of a draft item by item, its life cycle (put into use, a new
// version, retire) and the Excel template.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/inspection"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// inspChecklistListPage is the list of checklist versions.
type inspChecklistListPage struct {
	Items   []inspection.Checklist
	NextURL string
	CanEdit bool
	Status  string
}

func (s *Server) checklistList(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	f := inspection.ChecklistFilter{Cursor: r.URL.Query().Get("cursor"), Limit: 50}
	st := r.URL.Query().Get("status")
	for _, x := range inspection.ChecklistStatuses {
		if st == string(x) {
			f.Status = x
		}
	}
	page, err := inspection.ListChecklists(r.Context(), s.db, sc, id.Principal, f)
	if _, bad := validate.As(err); bad {
		return db.ErrNotFound
	}
	if err != nil {
		return inspectionError(err, authz.ViewChecklists)
	}
	data := inspChecklistListPage{Items: page.Items, CanEdit: authz.CanSome(id.Principal, authz.EditChecklists), Status: string(f.Status)}
	if page.NextCursor != "" {
		q := url.Values{"cursor": {page.NextCursor}}
		if f.Status != "" {
			q.Set("status", string(f.Status))
		}
		data.NextURL = "/checklists?" + q.Encode()
	}
	return s.render(w, r, "checklists", "checklist.list_title", data)
}

// inspChecklistNewPage is the form of a new checklist.
type inspChecklistNewPage struct{}

func (s *Server) checklistNew(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "checklist_new", "checklist.new_title", inspChecklistNewPage{})
}

func (s *Server) checklistCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	in := inspection.ChecklistInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description")}
	var c inspection.Checklist
	err := s.transact(ctx, func(tx *db.Tx) (err error) {
		c, err = inspection.CreateChecklist(ctx, tx, sc, id.Principal, in)
		return err
	})
	if err != nil {
		return s.renderForm(w, r, "checklist_new", "checklist.new_title", inspChecklistNewPage{}, inspectionError(err, authz.EditChecklists))
	}
	return s.redirect(w, r, fmt.Sprintf("/checklists/%d", c.ID), "checklist.created")
}

// inspChecklistPage is one checklist version: its items, its versions and
// what the reader may do with it.
type inspChecklistPage struct {
	C           inspection.Checklist
	Items       []inspection.Item
	Versions    []inspection.Checklist
	Respondents []inspection.Respondent
	CanEdit     bool // edit checklists at all
	Editable    bool // this version's content may change
	CanPlan     bool // plan a campaign with it
	// ItemValues are the add form's values.
	ItemValues inspItemValues
}

// inspItemValues are an item form's starting values.
type inspItemValues struct {
	Code, Category, Question, Respondent, EvidenceExpected, ClauseText string
	Priority                                                           bool
}

func (s *Server) checklistData(r *http.Request, cid int64) (inspChecklistPage, error) {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	c, err := inspection.GetChecklist(ctx, s.db, sc, id.Principal, cid)
	if err != nil {
		return inspChecklistPage{}, inspectionError(err, authz.ViewChecklists)
	}
	items, err := inspection.Items(ctx, s.db, sc, cid)
	if err != nil {
		return inspChecklistPage{}, err
	}
	versions, err := inspection.Versions(ctx, s.db, sc, cid)
	if err != nil {
		return inspChecklistPage{}, err
	}
	canEdit := authz.CanSome(id.Principal, authz.EditChecklists)
	return inspChecklistPage{C: c, Items: items, Versions: versions, Respondents: inspection.Respondents, CanEdit: canEdit,
		Editable: canEdit && c.Editable(), CanPlan: c.Status == inspection.ChecklistActive && authz.CanSome(id.Principal, authz.ManageCampaigns),
		ItemValues: inspItemValues{Respondent: string(inspection.RespondAll)}}, nil
}

func (s *Server) checklistShow(w http.ResponseWriter, r *http.Request) error {
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.checklistData(r, cid)
	if err != nil {
		return err
	}
	return s.render(w, r, "checklist", "checklist.title", data)
}

// checklistUpdate changes a draft's title and description.
func (s *Server) checklistUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	in := inspection.HeadInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description")}
	err = s.transact(ctx, func(tx *db.Tx) error {
		_, err := inspection.UpdateChecklist(ctx, tx, sc, id.Principal, cid, in)
		return err
	})
	if _, invalid := validate.As(err); invalid {
		data, derr := s.checklistData(r, cid)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "checklist", "checklist.title", data, err)
	}
	if err != nil {
		return inspectionError(err, authz.EditChecklists)
	}
	return s.redirect(w, r, fmt.Sprintf("/checklists/%d", cid), "checklist.saved")
}

// inspItemInput reads the item form.
func inspItemInput(r *http.Request) inspection.ItemInput {
	return inspection.ItemInput{Code: r.PostFormValue("code"), Category: r.PostFormValue("category"), Question: r.PostFormValue("question"),
		Respondent: r.PostFormValue("respondent"), EvidenceExpected: r.PostFormValue("evidence_expected"),
		Priority: r.PostFormValue("priority") == "1", ClauseText: r.PostFormValue("clause_text")}
}

func (s *Server) checklistItemAdd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	in := inspItemInput(r)
	err = s.transact(ctx, func(tx *db.Tx) error {
		_, err := inspection.AddItem(ctx, tx, sc, id.Principal, cid, in)
		return err
	})
	if _, invalid := validate.As(err); invalid {
		data, derr := s.checklistData(r, cid)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "checklist", "checklist.title", data, err)
	}
	if err != nil {
		return inspectionError(err, authz.EditChecklists)
	}
	return s.redirect(w, r, fmt.Sprintf("/checklists/%d#items", cid), "checklist.item_added")
}

// inspChecklistItemPage is the form of one item of a draft.
type inspChecklistItemPage struct {
	C           inspection.Checklist
	Item        inspection.Item
	Respondents []inspection.Respondent
	ItemValues  inspItemValues
}

func (s *Server) checklistItemData(r *http.Request) (inspChecklistItemPage, error) {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return inspChecklistItemPage{}, err
	}
	iid, err := mustID(r, "item")
	if err != nil {
		return inspChecklistItemPage{}, err
	}
	c, err := inspection.GetChecklist(ctx, s.db, sc, id.Principal, cid)
	if err != nil {
		return inspChecklistItemPage{}, inspectionError(err, authz.ViewChecklists)
	}
	it, err := inspection.GetItem(ctx, s.db, sc, cid, iid)
	if err != nil {
		return inspChecklistItemPage{}, err
	}
	return inspChecklistItemPage{C: c, Item: it, Respondents: inspection.Respondents, ItemValues: inspItemValues{Code: it.Code,
		Category: it.Category, Question: it.Question, Respondent: string(it.Respondent), EvidenceExpected: it.EvidenceExpected,
		ClauseText: inspection.FormatClauses(it.Clauses), Priority: it.Priority}}, nil
}

func (s *Server) checklistItemEdit(w http.ResponseWriter, r *http.Request) error {
	data, err := s.checklistItemData(r)
	if err != nil {
		return err
	}
	if !data.C.Editable() {
		return fmt.Errorf("checklist %d: %w", data.C.ID, inspection.ErrState)
	}
	return s.render(w, r, "checklist_item", "checklist.item_edit_title", data)
}

func (s *Server) checklistItemUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	data, err := s.checklistItemData(r)
	if err != nil {
		return err
	}
	in := inspItemInput(r)
	err = s.transact(ctx, func(tx *db.Tx) error {
		_, err := inspection.UpdateItem(ctx, tx, sc, id.Principal, data.C.ID, data.Item.ID, in)
		return err
	})
	if _, invalid := validate.As(err); invalid {
		return s.renderForm(w, r, "checklist_item", "checklist.item_edit_title", data, err)
	}
	if err != nil {
		return inspectionError(err, authz.EditChecklists)
	}
	return s.redirect(w, r, fmt.Sprintf("/checklists/%d#item-%d", data.C.ID, data.Item.ID), "checklist.item_saved")
}

func (s *Server) checklistItemDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	iid, err := mustID(r, "item")
	if err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *db.Tx) error { return inspection.DeleteItem(ctx, tx, sc, id.Principal, cid, iid) })
	if err != nil {
		return inspectionError(err, authz.EditChecklists)
	}
	return s.redirect(w, r, fmt.Sprintf("/checklists/%d#items", cid), "checklist.item_deleted")
}

// checklistStep runs a life-cycle step and goes to the checklist it gives.
func (s *Server) checklistStep(w http.ResponseWriter, r *http.Request, flash string,
	step func(tx *db.Tx, cid int64) (inspection.Checklist, error)) error {
	ctx := r.Context()
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	var c inspection.Checklist
	err = s.transact(ctx, func(tx *db.Tx) (err error) {
		c, err = step(tx, cid)
		return err
	})
	if ve, invalid := validate.As(err); invalid {
		for _, p := range ve {
			s.setFlash(w, r, "error", s.cat.T(s.lang(r), p.Key, p.Args...))
			break
		}
		http.Redirect(w, r, fmt.Sprintf("/checklists/%d", cid), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return inspectionError(err, authz.EditChecklists)
	}
	return s.redirect(w, r, fmt.Sprintf("/checklists/%d", c.ID), flash)
}

func (s *Server) checklistActivate(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	return s.checklistStep(w, r, "checklist.activated", func(tx *db.Tx, cid int64) (inspection.Checklist, error) {
		return inspection.Activate(r.Context(), tx, sc, id.Principal, cid)
	})
}

func (s *Server) checklistNewVersion(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	return s.checklistStep(w, r, "checklist.versioned", func(tx *db.Tx, cid int64) (inspection.Checklist, error) {
		return inspection.NewVersion(r.Context(), tx, sc, id.Principal, cid, nil)
	})
}

func (s *Server) checklistRetire(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	return s.checklistStep(w, r, "checklist.retired", func(tx *db.Tx, cid int64) (inspection.Checklist, error) {
		return inspection.Retire(r.Context(), tx, sc, id.Principal, cid)
	})
}

// sendTemplate writes items as the Excel template, a download named for
// the checklist ("点検表_令和8年度自己点検表_v2.xlsx").
func (s *Server) inspSendTemplate(w http.ResponseWriter, r *http.Request, items []inspection.Item, name string) error {
	_, sc := inspectionCtx(r)
	idx, err := inspection.LoadClauseIndex(r.Context(), s.db, sc)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := inspection.WriteTemplate(&buf, items, idx.DocumentNames(), s.cat.For("ja")); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="checklist.xlsx"; filename*=UTF-8''%s`, url.PathEscape(name)))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	if err != nil {
		s.log.Debug("checklist template not sent whole", "err", err)
	}
	return nil
}

// checklistBlankTemplate sends an empty template to fill in by hand.
func (s *Server) checklistBlankTemplate(w http.ResponseWriter, r *http.Request) error {
	return s.inspSendTemplate(w, r, nil, s.cat.T("ja", "checklist.file_name_blank"))
}

// checklistExport sends a version's items as the template.
func (s *Server) checklistExport(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	c, err := inspection.GetChecklist(r.Context(), s.db, sc, id.Principal, cid)
	if err != nil {
		return inspectionError(err, authz.ViewChecklists)
	}
	items, err := inspection.Items(r.Context(), s.db, sc, cid)
	if err != nil {
		return err
	}
	name := s.cat.T("ja", "checklist.file_name", c.Title, c.VersionNo, time.Now().In(wareki.Location).Format("20060102"))
	return s.inspSendTemplate(w, r, items, name)
}
