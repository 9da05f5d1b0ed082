package web

// One version of a document and its life: draft → in review → approved →
// published → superseded. The page shows the text and, to those whose
// role takes part, the step the version waits for as a button: submit
// (draft), comments by clause, approval by the CISO or the committee's
// votes, sending back with a reason (in review), publication on an
// effective date (approved). Package policy decides every step; when it
// says no (an author approving their own version, publishing a version
// nobody approved, editing a published one) the page says why, in the
// reader's words, and the refusal is kept in the trail.

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

// versionPage is one version's page.
type versionPage struct {
	Document policy.Document
	Version  policy.Version
	Badge    string
	Body     template.HTML
	TOC      []documentClause
	// Clauses are the choices of the comment form's clause select.
	Clauses  []documentClause
	Comments []versionComment

	Effective string
	Submitted int64
	Approved  int64
	IsAuthor  bool
	InEffect  bool // this is the document's version in effect

	CanEdit     bool
	CanSubmit   bool
	CanComment  bool
	CanApprove  bool
	CanVote     bool
	CanSendBack bool
	CanPublish  bool
	// OwnVersion is set for an approver or committee member who wrote
	// this version and so may not approve it.
	OwnVersion bool
	// PublishDate is the effective date the publish form proposes.
	PublishDate string
	// PublishWareki is PublishDate in 和暦, for Japanese readers
	// (static/documents.js keeps it in step with the input).
	PublishWareki string
	CompareURL    string

	// Quorum is how many committee votes approve a version (0: the
	// committee does not approve); Votes are those cast, shown while the
	// version is in review or was approved by the committee.
	Quorum    int
	Votes     []policy.Voter
	ShowVotes bool
	// SentBack is why the version was last sent back to draft, when it
	// was and is a draft again.
	SentBack   string
	SentBackBy string
	SentBackAt int64

	// Refusal is why a step was refused, in the reader's words; Refused
	// names the form whose fields carry the problems ("comment",
	// "send_back", "publish").
	Refusal string
	Refused string
}

// versionComment is one reviewer's comment.
type versionComment struct {
	C      policy.Comment
	Clause string // the clause as the reader reads it, "" for the whole
	Anchor string
}

// documentRefusalStatus is the status of a page that refuses a step.
func documentRefusalStatus(ref *policy.Refusal) int {
	if ref.Forbidden {
		return http.StatusForbidden
	}
	return http.StatusConflict
}

func (s *Server) versionShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.versionPageData(r)
	if err != nil {
		return err
	}
	return s.renderTitled(w, r, "document_version", s.versionTitle(r, page.Document, page.Version), page)
}

// versionTitle names a version: "情報セキュリティ基本方針 第2版".
func (s *Server) versionTitle(r *http.Request, d policy.Document, v policy.Version) string {
	return s.cat.T(s.lang(r), "documentweb.version_title", documentTitle(d), v.No)
}

// versionPageData gathers a version's page.
func (s *Server) versionPageData(r *http.Request) (versionPage, error) {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return versionPage{}, err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	d, err := policy.GetDocument(ctx, s.db, sc, p, docID)
	if err != nil {
		return versionPage{}, err
	}
	v, err := policy.GetVersion(ctx, s.db, sc, p, docID, vid)
	if err != nil {
		return versionPage{}, err
	}
	perm := policy.PermissionsOf(p)
	page := versionPage{Document: d, Version: v, Badge: documentStatusBadge(v.Status), Body: documentBody(v),
		TOC: documentTOC(v.Clauses), Effective: s.documentDateText(r, v.EffectiveDate), Submitted: v.SubmittedAt,
		Approved: v.ApprovedAt, IsAuthor: v.AuthorID != 0 && v.AuthorID == id.Person.ID, InEffect: v.ID == d.CurrentVersionID}
	for _, c := range v.Clauses {
		page.Clauses = append(page.Clauses, documentClause{Ident: c.Ident, Anchor: "c-" + c.Ident, Number: c.Number,
			Heading: clauseLabel(c), Depth: c.Depth})
	}
	switch v.Status {
	case policy.Draft:
		page.CanEdit, page.CanSubmit = perm.Edit, perm.Edit
	case policy.InReview:
		page.CanComment = perm.Review
		page.CanSendBack = perm.Approve
		page.CanApprove = perm.Approve && !page.IsAuthor
		page.CanVote = perm.Vote && !page.IsAuthor
		page.OwnVersion = page.IsAuthor && (perm.Approve || perm.Vote)
	case policy.Approved:
		// An approved version may still go back to its author.
		page.CanPublish, page.CanSendBack = perm.Publish, perm.Approve
		page.PublishDate = time.Now().In(wareki.Location).Format("2006-01-02")
		if day, ok := policy.ParseDate(r.PostFormValue("effective_date")); ok {
			page.PublishDate = day
		}
		if lang == "ja" {
			page.PublishWareki = documentWareki(lang, page.PublishDate)
		}
	}
	if perm.Drafts {
		comments, err := policy.ListComments(ctx, s.db, sc, p, docID, vid)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return page, err
		}
		labels := map[string]string{}
		for _, c := range v.Clauses {
			labels[c.Ident] = s.clauseName(lang, c.Ident, clauseLabel(c))
		}
		for _, c := range comments {
			vc := versionComment{C: c}
			if c.Clause != "" {
				vc.Clause, vc.Anchor = labels[c.Clause], "c-"+c.Clause
				if vc.Clause == "" {
					vc.Clause = s.clauseName(lang, c.Clause, "")
				}
			}
			page.Comments = append(page.Comments, vc)
		}
	}
	if perm.Drafts && (v.Status == policy.InReview || v.ApprovalKind == "committee") {
		if page.Quorum, err = policy.CommitteeQuorum(ctx, s.db, sc); err != nil {
			return page, err
		}
		if page.Quorum > 0 {
			if page.Votes, err = policy.ListVotes(ctx, s.db, sc, p, docID, vid); err != nil {
				return page, err
			}
			page.ShowVotes = true
		}
	}
	if !page.ShowVotes {
		page.CanVote = false
	}
	if perm.Drafts && v.Status == policy.Draft && v.No > 0 {
		if err := s.versionSentBack(r, sc, &page); err != nil {
			return page, err
		}
	}
	// Compare with the version in effect, or with the one before.
	if d.CurrentVersionID != 0 && d.CurrentVersionID != v.ID && v.Status != policy.Superseded {
		page.CompareURL = compareURL(d.ID, d.CurrentVersionID, v.ID)
	} else if v.No > 1 {
		versions, err := policy.ListVersions(ctx, s.db, sc, p, docID)
		if err != nil {
			return page, err
		}
		for _, o := range versions {
			if o.No < v.No {
				page.CompareURL = compareURL(d.ID, o.ID, v.ID)
				break
			}
		}
	}
	return page, nil
}

// versionSentBack finds, in the trail, why a draft was last sent back:
// the reason recorded with the step (policy.SendBack), if the draft's most
// recent step was one.
func (s *Server) versionSentBack(r *http.Request, sc scope.Scope, page *versionPage) error {
	entries, err := trail.List(r.Context(), s.db, sc, trail.Filter{Entity: policy.EntityVersion,
		EntityID: strconv.FormatInt(page.Version.ID, 10), Action: trail.Update, Limit: 50})
	if err != nil {
		return err
	}
	for _, e := range entries {
		var before, after struct {
			Status policy.Status `json:"status"`
			Reason string        `json:"reason"`
		}
		if json.Unmarshal([]byte(e.Before), &before) != nil || json.Unmarshal([]byte(e.After), &after) != nil {
			continue
		}
		if after.Status != policy.Draft || before.Status == policy.Draft {
			continue // an edit of the draft, not a step
		}
		page.SentBack, page.SentBackBy, page.SentBackAt = after.Reason, e.ActorName, e.At
		return nil
	}
	return nil
}

// clauseName is a clause as a select or a comment names it: "6-(3)-①
// 組織体制".
func (s *Server) clauseName(lang, ident, label string) string {
	if label == "" {
		return s.cat.T(lang, "documentweb.clause_ident", ident)
	}
	return s.cat.T(lang, "documentweb.clause_named", ident, label)
}

// versionAgain shows a version's page again after one of its steps was
// refused: the rule's reason at the top, or the form's problems beside its
// fields, with what was typed.
func (s *Server) versionAgain(w http.ResponseWriter, r *http.Request, form string, err error) error {
	ref, refused := policy.AsRefusal(err)
	errs, invalid := s.fieldErrors(r, err)
	if !refused && !invalid {
		return err
	}
	page, derr := s.versionPageData(r)
	if derr != nil {
		return derr
	}
	page.Refused = form
	p := s.newPage(r, "", page)
	p.Title = s.versionTitle(r, page.Document, page.Version)
	p.Form = r.PostForm
	status := http.StatusBadRequest
	if refused {
		page.Refusal = s.cat.T(p.Lang, ref.Key)
		status = documentRefusalStatus(ref)
	} else {
		p.Errors = errs
		p.Flash = &Flash{Kind: "error", Text: s.cat.T(p.Lang, "error.invalid_input")}
	}
	p.Data = page
	return s.renderPage(w, r, status, "document_version", p)
}

// versionStep runs one life-cycle step on a version the person may see,
// then shows the version with a notice, or again with why it was refused.
func (s *Server) versionStep(w http.ResponseWriter, r *http.Request, form string, perm authz.Action, done string,
	step func(tx *db.Tx, sc scope.Scope, p authz.Principal, docID, vid int64) error) error {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	// The version must be one the person may see before anything they
	// sent is read: otherwise it does not exist for them.
	if _, err := policy.GetVersion(ctx, s.db, sc, id.Principal, docID, vid); err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *db.Tx) error { return step(tx, sc, id.Principal, docID, vid) })
	if err != nil {
		if _, ok := policy.AsRefusal(err); ok {
			s.recordRefusal(r, sc, err)
		}
		return s.versionAgain(w, r, form, documentDenied(err, perm))
	}
	return s.redirect(w, r, versionURL(docID, vid), done)
}

func (s *Server) versionSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.versionStep(w, r, "submit", authz.EditDocuments, "documentweb.submitted",
		func(tx *db.Tx, sc scope.Scope, p authz.Principal, docID, vid int64) error {
			_, err := policy.Submit(r.Context(), tx, sc, p, docID, vid)
			return err
		})
}

func (s *Server) versionComment(w http.ResponseWriter, r *http.Request) error {
	clause, body := strings.TrimSpace(r.PostFormValue("clause")), r.PostFormValue("body")
	return s.versionStep(w, r, "comment", authz.ReviewDocuments, "documentweb.commented",
		func(tx *db.Tx, sc scope.Scope, p authz.Principal, docID, vid int64) error {
			_, err := policy.AddComment(r.Context(), tx, sc, p, docID, vid, clause, body)
			return err
		})
}

func (s *Server) versionApprove(w http.ResponseWriter, r *http.Request) error {
	return s.versionStep(w, r, "approve", authz.ApproveDocuments, "documentweb.approved",
		func(tx *db.Tx, sc scope.Scope, p authz.Principal, docID, vid int64) error {
			_, err := policy.Approve(r.Context(), tx, sc, p, docID, vid)
			return err
		})
}

func (s *Server) versionVote(w http.ResponseWriter, r *http.Request) error {
	return s.versionStep(w, r, "vote", authz.VoteDocuments, "documentweb.voted",
		func(tx *db.Tx, sc scope.Scope, p authz.Principal, docID, vid int64) error {
			_, err := policy.Vote(r.Context(), tx, sc, p, docID, vid)
			return err
		})
}

func (s *Server) versionSendBack(w http.ResponseWriter, r *http.Request) error {
	reason := r.PostFormValue("reason")
	return s.versionStep(w, r, "send_back", authz.ApproveDocuments, "documentweb.sent_back",
		func(tx *db.Tx, sc scope.Scope, p authz.Principal, docID, vid int64) error {
			_, err := policy.SendBack(r.Context(), tx, sc, p, docID, vid, reason)
			return err
		})
}

// versionPublish puts an approved version in force. The date comes from a
// date input (2026-04-01); where a browser shows a text box instead, a
// person may type 令和8年4月1日 or R8.4.1, which policy.Publish reads too.
func (s *Server) versionPublish(w http.ResponseWriter, r *http.Request) error {
	typed := strings.TrimSpace(r.PostFormValue("effective_date"))
	return s.versionStep(w, r, "publish", authz.PublishDocuments, "documentweb.published",
		func(tx *db.Tx, sc scope.Scope, p authz.Principal, docID, vid int64) error {
			_, err := policy.Publish(r.Context(), tx, sc, p, docID, vid, typed)
			return err
		})
}
