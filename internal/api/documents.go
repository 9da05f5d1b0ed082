package api

import (
	"errors"
	"net/http"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
	"mamori/internal/scope"
)

// Policy documents (seed §5, §8, §9, §10) under /documents: the list with
// search, a document with the version in effect, its versions and their
// life cycle. Need-to-know is package policy's: a document or version the
// caller may not read is 404, as for a missing one, on every route.

// registerDocumentRoutes registers /api/v1/documents. Every route
// answers a step the life-cycle rules refuse with the rule's message, kept
// in the trail (refusals).
func (s *Server) registerDocumentRoutes() {
	const get, post, patch = http.MethodGet, http.MethodPost, http.MethodPatch
	doc := func(method, pattern string, perm authz.Action, h HandlerFunc) {
		s.handle(method, Prefix+pattern, perm, s.refusals(h))
	}
	doc(get, "/documents", authz.ViewDocuments, s.documents)
	doc(post, "/documents", authz.EditDocuments, s.documentCreate)
	doc(get, "/documents/{id}", authz.ViewDocuments, s.documentGet)
	doc(patch, "/documents/{id}", authz.EditDocuments, s.documentUpdate)
	doc(get, "/documents/{id}/compare", authz.ViewDocuments, s.documentCompare)
	doc(get, "/documents/{id}/versions", authz.ViewDocuments, s.versions)
	doc(post, "/documents/{id}/versions", authz.EditDocuments, s.versionCreate)
	doc(get, "/documents/{id}/versions/{vid}", authz.ViewDocuments, s.versionGet)
	doc(patch, "/documents/{id}/versions/{vid}", authz.EditDocuments, s.versionUpdate)
	doc(post, "/documents/{id}/versions/{vid}/submit", authz.EditDocuments, s.versionSubmit)
	doc(post, "/documents/{id}/versions/{vid}/approve", authz.ApproveDocuments, s.versionApprove)
	doc(post, "/documents/{id}/versions/{vid}/vote", authz.VoteDocuments, s.versionVote)
	doc(post, "/documents/{id}/versions/{vid}/send-back", authz.ApproveDocuments, s.versionSendBack)
	doc(post, "/documents/{id}/versions/{vid}/publish", authz.PublishDocuments, s.versionPublish)
	doc(post, "/documents/{id}/versions/{vid}/acknowledge", authz.ViewDocuments, s.versionAcknowledge)
	doc(get, "/documents/{id}/versions/{vid}/comments", authz.ViewDocuments, s.comments)
	doc(post, "/documents/{id}/versions/{vid}/comments", authz.ReviewDocuments, s.commentCreate)
}

// documentView is a document as the API shows it: its settings and the
// version the caller reads (the one in effect; for those who work on
// documents, the newest when none is), with the text and its clauses.
type documentView struct {
	policy.Document
	VersionID     int64            `json:"version_id,string"`
	VersionNo     int              `json:"version"`
	Status        policy.Status    `json:"status"`
	EffectiveDate string           `json:"effective_date"`
	Body          string           `json:"body"` // Markdown
	ChangeSummary string           `json:"change_summary"`
	Clauses       []doctext.Clause `json:"clauses"` // read-only, parsed from body
	// DraftVersionID is the version being written after the one shown
	// (only for those who see drafts).
	DraftVersionID int64 `json:"draft_version_id,string,omitempty"`
	// Acknowledgement is the caller's own, on the version in effect.
	Acknowledgement *policy.AckState `json:"acknowledgement,omitempty"`
}

func viewDocument(d policy.Document, v policy.Version, draft int64) documentView {
	if d.Access == nil {
		d.Access = []policy.Access{}
	}
	out := documentView{Document: d, VersionID: v.ID, VersionNo: v.No, Status: v.Status, EffectiveDate: v.EffectiveDate,
		Body: v.Body, ChangeSummary: v.ChangeSummary, Clauses: v.Clauses, DraftVersionID: draft}
	if out.Clauses == nil {
		out.Clauses = []doctext.Clause{}
	}
	return out
}

// documentSettingsInput is what PATCH /documents/{id} changes: the
// settings, not the text (that is PATCH …/versions/{vid} on a draft).
type documentSettingsInput struct {
	Number         string             `json:"number"`
	Title          string             `json:"title"`
	ParentID       int64              `json:"parent_id,string"`
	Visibility     string             `json:"visibility"`
	Access         []policy.Access    `json:"access"`
	OwnerID        int64              `json:"owner_id,string"`
	ReviewMonths   int                `json:"review_months"`
	AckRequired    bool               `json:"ack_required"`
	AckCategories  []string           `json:"ack_categories"`
	AckDepartments policy.IDs         `json:"ack_departments"`
	Implements     []policy.ClauseRef `json:"implements"`
	Version        int64              `json:"lock_version"`
}

// publishInput puts an approved version into effect.
type publishInput struct {
	// EffectiveDate is YYYY-MM-DD (令和8年12月1日 and R8.12.1 are read too).
	EffectiveDate string `json:"effective_date"`
}

// sendBackInput returns a version in review to draft.
type sendBackInput struct {
	Reason string `json:"reason"`
}

// commentInput is a reviewer's comment on a clause (its id) or the whole.
type commentInput struct {
	Clause string `json:"clause"`
	Body   string `json:"body"`
}

// refusals answers a step refused by the life-cycle rules (approving one's
// own version, publishing without approval, editing a published version, …)
// with the rule's own message, 403 or 409, after keeping it in the trail
// as a denial. The denial is the domain's record (which rule, which
// version), so the request is not recorded a second time.
func (s *Server) refusals(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := h(w, r)
		ref, ok := policy.AsRefusal(err)
		if !ok {
			return err
		}
		_, sc := scopeOf(r)
		if rerr := policy.RecordRefusal(r.Context(), s.db, sc, err); rerr != nil {
			return errors.Join(err, rerr)
		}
		status, code := http.StatusConflict, "conflict"
		if ref.Forbidden {
			status, code = http.StatusForbidden, "forbidden"
		}
		s.log.Debug("api request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		s.writeJSON(w, r, status, errorBody{Error: errorDetail{Code: code, Message: s.text(s.lang(r), ref.Key)}})
		return nil
	}
}

// maxDocumentCursor bounds ?cursor= of the list: it carries the last
// row's document number.
const maxDocumentCursor = 400

// documents lists the documents the caller may read; ?q= searches their
// titles and text, ?type= narrows by type.
func (s *Server) documents(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	f := policy.ListFilter{Type: policy.Type(r.URL.Query().Get("type")), Limit: DefaultLimit}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return invalidQuery("limit", "error.out_of_range", 1, MaxLimit)
		}
		f.Limit = n
	}
	var err error
	if f.Cursor, err = queryText(r, "cursor", maxDocumentCursor); err != nil {
		return invalidQuery("cursor", "error.invalid_cursor")
	}
	if f.Q, err = queryText(r, "q", policy.MaxQuery); err != nil {
		return err
	}
	page, err := policy.ListDocuments(r.Context(), s.db, sc, id.Principal, f)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(page.Items, page.NextCursor))
}

// documentCreate creates a document with its first draft.
func (s *Server) documentCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	in := policy.NewDocumentInput()
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var d policy.Document
	var v policy.Version
	err := s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		d, v, err = policy.CreateDocument(ctx, tx, sc, id.Principal, in)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, viewDocument(d, v, 0))
}

// documentGet returns a document with the version the caller reads.
func (s *Server) documentGet(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := policy.GetDocument(ctx, s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	vs, err := policy.ListVersions(ctx, s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	shown, draft := vs[0].ID, int64(0)
	if d.CurrentVersionID != 0 {
		shown = d.CurrentVersionID
		if vs[0].Status.Unpublished() {
			draft = vs[0].ID
		}
	}
	v, err := policy.GetVersion(ctx, s.db, sc, id.Principal, docID, shown)
	if err != nil {
		return err
	}
	out := viewDocument(d, v, draft)
	if v.ID == d.CurrentVersionID {
		st, err := policy.MyAcknowledgement(ctx, s.db, sc, id.Principal, docID, v.ID)
		if err != nil {
			return err
		}
		out.Acknowledgement = &st
	}
	return s.respond(w, r, http.StatusOK, out)
}

// documentUpdate changes a document's settings; fields left out keep their
// values.
func (s *Server) documentUpdate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var d policy.Document
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := policy.GetDocument(ctx, tx, sc, id.Principal, docID)
		if err != nil {
			return err
		}
		cur := before.Input()
		in := documentSettingsInput{Number: cur.Number, Title: cur.Title, ParentID: cur.ParentID, Visibility: cur.Visibility,
			Access: cur.Access, OwnerID: cur.OwnerID, ReviewMonths: cur.ReviewMonths, AckRequired: cur.AckRequired,
			AckCategories: cur.AckCategories, AckDepartments: cur.AckDepartments, Implements: cur.Implements, Version: cur.Version}
		if err := decodeBody(body, &in); err != nil {
			return err
		}
		cur.Number, cur.Title, cur.ParentID, cur.Visibility, cur.Access, cur.OwnerID = in.Number, in.Title, in.ParentID, in.Visibility, in.Access, in.OwnerID
		cur.ReviewMonths, cur.AckRequired, cur.AckCategories, cur.AckDepartments, cur.Implements, cur.Version =
			in.ReviewMonths, in.AckRequired, in.AckCategories, in.AckDepartments, in.Implements, in.Version
		d, err = policy.UpdateDocument(ctx, tx, sc, id.Principal, docID, cur)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, d)
}

// versions lists a document's versions the caller may see, newest first,
// without their text.
func (s *Server) versions(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vs, err := policy.ListVersions(r.Context(), s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(vs, ""))
}

// versionCreate starts the next version as a draft copy of the newest.
func (s *Server) versionCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var v policy.Version
	err = s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		v, err = policy.NewDraft(ctx, tx, sc, id.Principal, docID)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, v)
}

// versionIDs reads {id} and {vid}.
func versionIDs(r *http.Request) (int64, int64, error) {
	docID, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	vid, err := pathID(r, "vid")
	return docID, vid, err
}

// seeVersion answers 404 for a version the caller may not see before a
// handler reads its body, so the answer about the record comes first (and
// a missing body never hints that it exists).
func (s *Server) seeVersion(r *http.Request) error {
	id, sc := scopeOf(r)
	docID, vid, err := versionIDs(r)
	if err != nil {
		return err
	}
	_, err = policy.GetVersion(r.Context(), s.db, sc, id.Principal, docID, vid)
	return err
}

// versionGet returns one version with its text and clauses.
func (s *Server) versionGet(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, vid, err := versionIDs(r)
	if err != nil {
		return err
	}
	v, err := policy.GetVersion(r.Context(), s.db, sc, id.Principal, docID, vid)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, v)
}

// versionUpdate changes a draft's text; fields left out keep their values.
func (s *Server) versionUpdate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, vid, err := versionIDs(r)
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var v policy.Version
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := policy.GetVersion(ctx, tx, sc, id.Principal, docID, vid)
		if err != nil {
			return err
		}
		in := before.Input()
		if err := decodeBody(body, &in); err != nil {
			return err
		}
		v, err = policy.UpdateDraft(ctx, tx, sc, id.Principal, docID, vid, in)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, v)
}

// versionStep runs one life-cycle step on a version and answers with it.
func (s *Server) versionStep(w http.ResponseWriter, r *http.Request, step func(ctx stepContext) (policy.Version, error)) error {
	id, sc := scopeOf(r)
	docID, vid, err := versionIDs(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var v policy.Version
	err = s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		v, err = step(stepContext{r: r, tx: tx, id: id, sc: sc, docID: docID, vid: vid})
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, v)
}

func (s *Server) versionSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.versionStep(w, r, func(c stepContext) (policy.Version, error) {
		return policy.Submit(c.r.Context(), c.tx, c.sc, c.id.Principal, c.docID, c.vid)
	})
}

func (s *Server) versionApprove(w http.ResponseWriter, r *http.Request) error {
	return s.versionStep(w, r, func(c stepContext) (policy.Version, error) {
		return policy.Approve(c.r.Context(), c.tx, c.sc, c.id.Principal, c.docID, c.vid)
	})
}

func (s *Server) versionVote(w http.ResponseWriter, r *http.Request) error {
	return s.versionStep(w, r, func(c stepContext) (policy.Version, error) {
		return policy.Vote(c.r.Context(), c.tx, c.sc, c.id.Principal, c.docID, c.vid)
	})
}

func (s *Server) versionSendBack(w http.ResponseWriter, r *http.Request) error {
	if err := s.seeVersion(r); err != nil {
		return err
	}
	var in sendBackInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.versionStep(w, r, func(c stepContext) (policy.Version, error) {
		return policy.SendBack(c.r.Context(), c.tx, c.sc, c.id.Principal, c.docID, c.vid, in.Reason)
	})
}

func (s *Server) versionPublish(w http.ResponseWriter, r *http.Request) error {
	if err := s.seeVersion(r); err != nil {
		return err
	}
	var in publishInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.versionStep(w, r, func(c stepContext) (policy.Version, error) {
		return policy.Publish(c.r.Context(), c.tx, c.sc, c.id.Principal, c.docID, c.vid, in.EffectiveDate)
	})
}

// versionAcknowledge records that the caller has read the version in
// effect (seed §5) and answers with their acknowledgement.
func (s *Server) versionAcknowledge(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, vid, err := versionIDs(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var st policy.AckState
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if err := policy.Acknowledge(ctx, tx, sc, id.Principal, docID, vid); errors.Is(err, policy.ErrAlreadyAcknowledged) {
			// Said as what it is, not as someone else's edit.
			return &apiError{status: http.StatusConflict, code: "conflict", key: "policyweb.ack_already"}
		} else if err != nil {
			return err
		}
		st, err = policy.MyAcknowledgement(ctx, tx, sc, id.Principal, docID, vid)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, st)
}

// comments lists the reviewers' comments on a version.
func (s *Server) comments(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, vid, err := versionIDs(r)
	if err != nil {
		return err
	}
	cs, err := policy.ListComments(r.Context(), s.db, sc, id.Principal, docID, vid)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, newList(cs, ""))
}

// commentCreate records a reviewer's comment on a version in review.
func (s *Server) commentCreate(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, vid, err := versionIDs(r)
	if err != nil {
		return err
	}
	if err := s.seeVersion(r); err != nil {
		return err
	}
	var in commentInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var c policy.Comment
	err = s.db.Transact(ctx, func(tx *db.Tx) (err error) {
		c, err = policy.AddComment(ctx, tx, sc, id.Principal, docID, vid, in.Clause, in.Body)
		return err
	})
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusCreated, c)
}

// documentCompare sets two versions side by side, clause by clause.
func (s *Server) documentCompare(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	docID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from, err := queryID(r, "from")
	if err != nil {
		return err
	}
	to, err := queryID(r, "to")
	if err != nil {
		return err
	}
	if from == 0 {
		return invalidQuery("from", "error.required")
	}
	if to == 0 {
		return invalidQuery("to", "error.required")
	}
	c, err := policy.Compare(r.Context(), s.db, sc, id.Principal, docID, from, to)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, c)
}

// stepContext is what a life-cycle step works with.
type stepContext struct {
	r          *http.Request
	tx         *db.Tx
	id         *httpx.Identity
	sc         scope.Scope
	docID, vid int64
}
