package web

// Acknowledgements and reviews (seed §5, §8): the 確認しました button and the
// review records on a document's page (the "document_policy_panel"
// partial), the acknowledgement progress of a version per department, its
// list of who has not acknowledged and that list as Excel, the overview of
// every version in effect, and what awaits each person on their home page.
// Who may see what is decided by package policy.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/tabular"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

func init() {
	documentPolicyPanel = func(s *Server, r *http.Request, d policy.Document, v policy.Version) (any, error) {
		return s.policyPanel(r, d, v)
	}
}

// ackPageSize is how many people one page of the list shows.
const ackPageSize = 50

// policyPanel is what a document's page shows of acknowledgements,
// reviews and exceptions.
type policyPanel struct {
	DocID     int64
	VersionID int64
	InEffect  bool

	// Acknowledgement of the version in effect.
	AckRequired bool
	Ack         policy.AckState
	AckURL      string
	// Progress within the viewer's reach, for trackers (nil otherwise).
	Progress    *policy.Progress
	ProgressURL string

	// Reviews.
	NextReview    string
	ReviewOverdue bool
	Reviews       []reviewLine
	OpenRequests  []reviewLine
	CanReview     bool
	Review        reviewForm
	// OfferDraft: the newest review says the document must be revised and
	// the viewer may start the next version.
	OfferDraft bool
	DraftURL   string

	// Exceptions not ended, under their clause.
	Clauses        []clauseExceptions
	CanRequest     bool
	NewURL         string
	ExceptionsURL  string
	ExceptionCount int
}

// reviewLine is one review or request as the reader reads it.
type reviewLine struct {
	R          policy.Review
	ReviewedOn string
	Result     string
	Trigger    string
	Clause     string
	Badge      string
}

// reviewForm is the form that records a review; it is shown in the panel
// and, after a refused submission, on a page of its own.
type reviewForm struct {
	CSRF     string
	Action   string
	Today    string
	Triggers []reviewChoice
	Results  []reviewChoice
	Clauses  []clauseChoice
	// Defaults when answering an open request.
	Trigger    string
	TriggerRef string
	Clause     string
	// Values and Errors are a refused submission's, shown again.
	Values url.Values
	Errors map[string]string
}

// reviewChoice is one radio or option.
type reviewChoice struct {
	Value string
	Label string
}

// clauseChoice is a clause of the version in effect as an option.
type clauseChoice struct {
	Ident string
	Label string
}

// clauseExceptions are the exceptions of one clause.
type clauseExceptions struct {
	Clause     string
	Anchor     string
	Exceptions []exceptionLine
}

// policyPanel gathers the panel of a document's page.
func (s *Server) policyPanel(r *http.Request, d policy.Document, v policy.Version) (*policyPanel, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	panel := &policyPanel{DocID: d.ID, VersionID: v.ID, InEffect: v.ID != 0 && v.Status == policy.Published,
		AckRequired: d.AckRequired, NextReview: s.documentDateText(r, d.NextReviewDate),
		ExceptionsURL: "/exceptions?document=" + strconv.FormatInt(d.ID, 10)}
	if d.NextReviewDate != "" && d.NextReviewDate < policyToday() {
		panel.ReviewOverdue = true
	}
	if panel.InEffect {
		panel.AckURL = versionURL(d.ID, v.ID) + "/acknowledge"
		var err error
		if panel.Ack, err = policy.MyAcknowledgement(ctx, s.db, sc, p, d.ID, v.ID); err != nil {
			return nil, err
		}
		if d.AckRequired && authz.CanSome(p, authz.TrackAcknowledgements) {
			pr, err := policy.AckProgress(ctx, s.db, sc, p, d.ID, v.ID)
			if err != nil {
				return nil, err
			}
			panel.Progress = &pr
			panel.ProgressURL = versionURL(d.ID, v.ID) + "/acknowledgements"
		}
	}

	reviews, err := policy.ListReviews(ctx, s.db, sc, p, d.ID)
	if err != nil {
		return nil, err
	}
	clauseNames := map[string]string{}
	for _, c := range v.Clauses {
		clauseNames[c.Ident] = s.clauseName(lang, c.Ident, clauseLabel(c))
	}
	clauseText := func(ident string) string {
		if ident == "" {
			return ""
		}
		if n, ok := clauseNames[ident]; ok {
			return n
		}
		return ident
	}
	for _, rv := range reviews {
		line := s.reviewLineOf(r, rv, clauseText(rv.Clause))
		if rv.IsRequest() {
			if rv.Open {
				panel.OpenRequests = append(panel.OpenRequests, line)
			}
			continue
		}
		panel.Reviews = append(panel.Reviews, line)
	}
	panel.CanReview = panel.InEffect && authz.CanSome(p, authz.RecordReviews)
	if panel.CanReview {
		panel.Review = s.newReviewForm(r, d.ID, v)
		if len(panel.OpenRequests) > 0 {
			oldest := panel.OpenRequests[len(panel.OpenRequests)-1].R
			panel.Review.Trigger, panel.Review.TriggerRef, panel.Review.Clause = string(oldest.Trigger.Kind), oldest.Trigger.Ref, oldest.Clause
		}
	}
	// The newest review asked for a revision after this version came into
	// effect: an editor may start the next version from here.
	if len(panel.Reviews) > 0 && panel.Reviews[0].R.Result == policy.Revise && panel.Reviews[0].R.VersionID == v.ID &&
		authz.CanSome(p, authz.EditDocuments) {
		panel.OfferDraft = true
		panel.DraftURL = documentURL(d.ID) + "/versions"
	}

	exceptions, err := policy.DocumentExceptions(ctx, s.db, sc, p, d.ID)
	if err != nil {
		return nil, err
	}
	panel.ExceptionCount = len(exceptions)
	byClause := map[string]int{}
	for _, x := range exceptions {
		i, ok := byClause[x.Clause]
		if !ok {
			i = len(panel.Clauses)
			byClause[x.Clause] = i
			panel.Clauses = append(panel.Clauses, clauseExceptions{Clause: clauseText(x.Clause), Anchor: "c-" + x.Clause})
		}
		panel.Clauses[i].Exceptions = append(panel.Clauses[i].Exceptions, s.exceptionLineOf(r, x))
	}
	panel.CanRequest = panel.InEffect && authz.CanSome(p, authz.RequestExceptions)
	panel.NewURL = "/exceptions/new?document=" + strconv.FormatInt(d.ID, 10)
	return panel, nil
}

// reviewLineOf puts a review in the reader's words.
func (s *Server) reviewLineOf(r *http.Request, rv policy.Review, clause string) reviewLine {
	lang := s.lang(r)
	line := reviewLine{R: rv, ReviewedOn: s.documentDateText(r, rv.ReviewedOn), Result: s.cat.T(lang, rv.Result.Key()),
		Trigger: s.cat.T(lang, rv.Trigger.Kind.Key()), Clause: clause}
	switch rv.Result {
	case policy.NoChange:
		line.Badge = "badge-success"
	case policy.Revise:
		line.Badge = "badge-warning"
	default:
		line.Badge = "badge-info"
	}
	return line
}

// newReviewForm is an empty review form for a document's version in
// effect: today's date, the triggers and results, the clauses.
func (s *Server) newReviewForm(r *http.Request, docID int64, v policy.Version) reviewForm {
	lang := s.lang(r)
	f := reviewForm{CSRF: httpx.IdentityFrom(r.Context()).Session.CSRFToken, Action: documentURL(docID) + "/reviews", Today: s.documentDateText(r, policyToday()),
		Trigger: string(policy.TriggerSchedule)}
	for _, k := range policy.TriggerKinds {
		f.Triggers = append(f.Triggers, reviewChoice{Value: string(k), Label: s.cat.T(lang, k.Key())})
	}
	for _, res := range policy.ReviewResults {
		f.Results = append(f.Results, reviewChoice{Value: string(res), Label: s.cat.T(lang, res.Key())})
	}
	for _, c := range v.Clauses {
		f.Clauses = append(f.Clauses, clauseChoice{Ident: c.Ident, Label: s.clauseName(lang, c.Ident, clauseLabel(c))})
	}
	return f
}

// policyToday is today's date in Japan as YYYY-MM-DD.
func policyToday() string { return time.Now().In(wareki.Location).Format("2006-01-02") }

func (s *Server) versionAcknowledge(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	err = s.transact(ctx, func(tx *db.Tx) error {
		return policy.Acknowledge(ctx, tx, sc, id.Principal, docID, vid)
	})
	back := documentURL(docID) + "#acknowledgement"
	switch ref, refused := policy.AsRefusal(err); {
	case refused:
		// Out of scope or no longer in effect: said plainly, and kept in
		// the trail as a denial.
		s.recordRefusal(r, sc, err)
		s.setFlash(w, r, "error", ref.Key)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	case errors.Is(err, policy.ErrAlreadyAcknowledged):
		s.setFlash(w, r, "success", "policyweb.ack_already")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	return s.redirect(w, r, back, "policyweb.acknowledged")
}

// ackProgressPage is one version's acknowledgement within the viewer's
// reach: counts per department and the people, a page at a time.
type ackProgressPage struct {
	Document    policy.Document
	P           policy.Progress
	Effective   string
	DocURL      string
	Departments []ackDeptRow
	Filter      policy.AckFilter
	Statuses    []reviewChoice
	DeptChoices []deptOption
	People      []ackPersonRow
	NextURL     string
	FirstURL    string
	ExportURL   string
	ListURL     string
}

// ackDeptRow is one department's counts.
type ackDeptRow struct {
	Name    string
	Depth   int
	D       policy.DepartmentProgress
	Percent int
	URL     string
}

// ackPersonRow is one person asked.
type ackPersonRow struct {
	P          policy.AckPerson
	Department string
	Category   string
}

func (s *Server) ackProgress(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	f, err := ackFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	f.Limit = ackPageSize
	pr, err := policy.AckProgress(ctx, s.db, sc, p, docID, vid)
	if err != nil {
		return documentDenied(err, authz.TrackAcknowledgements)
	}
	d := policy.Document{ID: pr.DocumentID, Number: pr.Number, Title: pr.Title}
	people, err := policy.ListAckPeople(ctx, s.db, sc, p, docID, vid, f)
	if ve, ok := validate.As(err); ok {
		return &httpx.BadRequest{Key: "error.invalid_cursor", Err: ve}
	}
	if err != nil {
		return documentDenied(err, authz.TrackAcknowledgements)
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	names := departmentNames(depts)
	base := versionURL(docID, vid) + "/acknowledgements"
	page := ackProgressPage{Document: d, P: pr, Effective: s.documentDateText(r, pr.EffectiveDate), DocURL: documentURL(docID),
		Filter: f, ListURL: base}
	page.Departments = s.ackDeptRows(lang, depts, names, pr.Departments, func(dept int64) string {
		q := url.Values{"status": {f.Status}}
		if dept != 0 {
			q.Set("department", strconv.FormatInt(dept, 10))
		}
		return base + "?" + q.Encode() + "#people"
	})
	for _, st := range policy.AckStatuses {
		page.Statuses = append(page.Statuses, reviewChoice{Value: st, Label: s.cat.T(lang, "policyweb.ack_status."+st)})
	}
	for _, row := range page.Departments {
		if row.D.DepartmentID != 0 {
			page.DeptChoices = append(page.DeptChoices, deptOption{ID: row.D.DepartmentID, Label: row.Name})
		}
	}
	for _, x := range people.Items {
		page.People = append(page.People, s.ackPersonRowOf(lang, x, names))
	}
	q := url.Values{"status": {f.Status}}
	if f.DepartmentID != 0 {
		q.Set("department", strconv.FormatInt(f.DepartmentID, 10))
	}
	page.ExportURL = base + ".xlsx?" + q.Encode()
	if people.NextCursor != "" {
		next := url.Values{"status": q["status"], "department": q["department"], "cursor": {people.NextCursor}}
		if f.DepartmentID == 0 {
			next.Del("department")
		}
		page.NextURL = base + "?" + next.Encode() + "#people"
	}
	if f.Cursor != "" {
		page.FirstURL = base + "?" + q.Encode() + "#people"
	}
	p2 := s.newPage(r, "", page)
	p2.Title = s.cat.T(lang, "policyweb.progress_title", documentTitle(d), pr.VersionNo)
	return s.renderPage(w, r, http.StatusOK, "ack_progress", p2)
}

// ackFilterOf reads the list's conditions; a value no form offers is a bad
// request.
func ackFilterOf(q url.Values) (policy.AckFilter, error) {
	f := policy.AckFilter{Status: q.Get("status"), Cursor: q.Get("cursor")}
	if f.Status == "" {
		f.Status = "pending"
	}
	valid := false
	for _, st := range policy.AckStatuses {
		valid = valid || st == f.Status
	}
	if !valid {
		return f, &httpx.BadRequest{Key: "error.bad_request"}
	}
	if v := q.Get("department"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, &httpx.BadRequest{Key: "error.bad_request", Err: err}
		}
		f.DepartmentID = n
	}
	return f, nil
}

// ackDeptRows orders a version's department counts as the tree is
// ordered, people without a department last.
func (s *Server) ackDeptRows(lang string, depts []org.Department, names map[int64]string, counts []policy.DepartmentProgress, link func(int64) string) []ackDeptRow {
	byID := map[int64]policy.DepartmentProgress{}
	for _, c := range counts {
		byID[c.DepartmentID] = c
	}
	var out []ackDeptRow
	row := func(c policy.DepartmentProgress, name string, depth int) ackDeptRow {
		pct := 100
		if c.Asked > 0 {
			pct = c.Done * 100 / c.Asked
		}
		return ackDeptRow{Name: name, Depth: depth, D: c, Percent: pct, URL: link(c.DepartmentID)}
	}
	for _, d := range depts {
		if c, ok := byID[d.ID]; ok {
			out = append(out, row(c, names[d.ID], d.Depth))
			delete(byID, d.ID)
		}
	}
	if c, ok := byID[0]; ok {
		out = append(out, row(c, s.cat.T(lang, "person.department_none"), 0))
		delete(byID, 0)
	}
	// A department deleted since the request is shown by its number.
	for _, c := range counts {
		if _, ok := byID[c.DepartmentID]; ok {
			out = append(out, row(c, s.cat.T(lang, "trail.number", strconv.FormatInt(c.DepartmentID, 10)), 0))
		}
	}
	return out
}

func (s *Server) ackPersonRowOf(lang string, x policy.AckPerson, names map[int64]string) ackPersonRow {
	row := ackPersonRow{P: x, Department: names[x.DepartmentID], Category: s.cat.T(lang, "staff_category."+x.StaffCategory)}
	if x.DepartmentID == 0 {
		row.Department = s.cat.T(lang, "person.department_none")
	}
	return row
}

// ackExport sends the list (under the page's filter) as an Excel file:
// the people asked, their department, whether and when they acknowledged.
// The export is recorded in the trail before the first byte goes out.
func (s *Server) ackExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	lang := s.lang(r)
	iso := id.Account.DateStyle == "iso"
	f, err := ackFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	f.Cursor = ""
	tmp, err := os.CreateTemp("", "mamori-acks-*.xlsx")
	if err != nil {
		return fmt.Errorf("cannot create export file: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	var versionNo, rows int
	var title string
	err = s.db.ReadSnapshot(ctx, func(tx *db.Tx) error {
		pr, err := policy.AckProgress(ctx, tx, sc, p, docID, vid)
		if err != nil {
			return err
		}
		versionNo, title = pr.VersionNo, documentTitle(policy.Document{Number: pr.Number, Title: pr.Title})
		depts, err := org.ListDepartments(ctx, tx, sc)
		if err != nil {
			return err
		}
		byID := map[int64]org.Department{}
		for _, dep := range depts {
			byID[dep.ID] = dep
		}
		xw, err := tabular.NewXLSXWriter(tmp, s.cat.T(lang, "policyweb.export.sheet"))
		if err != nil {
			return fmt.Errorf("cannot start export: %w", err)
		}
		t := s.cat.For(lang)
		header := []string{t("policyweb.export.col.bureau"), t("policyweb.export.col.section"), t("person.name"), t("person.name_kana"),
			t("person.staff_category"), t("policyweb.export.col.status"), t("policyweb.export.col.acknowledged_at"), t("policyweb.export.col.requested_at")}
		if err := xw.WriteRow(header); err != nil {
			return errors.Join(fmt.Errorf("cannot write export: %w", err), xw.Close())
		}
		err = policy.WalkAckPeople(ctx, tx, sc, p, docID, vid, f, func(x policy.AckPerson) error {
			rows++
			bureau, section := "", ""
			if dep, ok := byID[x.DepartmentID]; ok {
				bureau = dep.Name
				if parent, ok := byID[dep.ParentID]; ok {
					bureau, section = parent.Name, dep.Name
				}
			}
			status := t("policyweb.ack_status.pending")
			if x.AcknowledgedAt != 0 {
				status = t("policyweb.ack_status.done")
			}
			return xw.WriteRow([]string{bureau, section, x.Name, x.NameKana, t("staff_category." + x.StaffCategory), status,
				formatDate(x.AcknowledgedAt, iso, true, lang), formatDate(x.RequestedAt, iso, true, lang)})
		})
		if err != nil {
			_ = xw.Close()
			return err
		}
		if err := xw.Close(); err != nil {
			return fmt.Errorf("cannot finish export: %w", err)
		}
		return nil
	})
	if err != nil {
		return documentDenied(err, authz.TrackAcknowledgements)
	}
	st, err := tmp.Stat()
	if err != nil {
		return fmt.Errorf("cannot size export: %w", err)
	}
	if err := s.transact(ctx, func(tx *db.Tx) error {
		return policy.RecordAckExport(ctx, tx, sc, docID, vid, f, "xlsx", rows)
	}); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return fmt.Errorf("cannot read export: %w", err)
	}
	day := time.Now().In(wareki.Location).Format("20060102")
	ascii := fmt.Sprintf("acknowledgements-%d-v%d-%s.xlsx", docID, versionNo, day)
	name := s.cat.T(lang, "policyweb.export.file", safeFileName(title), versionNo, day)
	h := w.Header()
	h.Set("Content-Type", assetfile.XLSX.ContentType())
	h.Set("Content-Disposition", assetfile.ContentDisposition(name, ascii))
	h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := tmp.WriteTo(w); err != nil {
		s.log.Info("acknowledgement export not sent whole", "request_id", httpx.RequestID(ctx), "err", err)
	}
	return nil
}

// safeFileName drops what a file name may not hold.
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`\/:*?"<>|`, r) || r < 0x20 {
			return -1
		}
		if r == '　' || r == ' ' {
			return '_'
		}
		return r
	}, s)
	return cutText(s, 40)
}

// ackOverviewPage is every version in effect with its progress.
type ackOverviewPage struct {
	Rows []ackOverviewRow
	// Pending is how many people in the viewer's reach have not
	// acknowledged, in all.
	Pending int
}

// ackOverviewRow is one version in effect.
type ackOverviewRow struct {
	P           policy.Progress
	Title       string
	Effective   string
	URL         string
	DocURL      string
	Departments []ackDeptRow
}

func (s *Server) ackOverview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	list, err := policy.AckOverview(ctx, s.db, sc, id.Principal)
	if err != nil {
		return documentDenied(err, authz.TrackAcknowledgements)
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	names := departmentNames(depts)
	var page ackOverviewPage
	for _, pr := range list {
		base := versionURL(pr.DocumentID, pr.VersionID) + "/acknowledgements"
		row := ackOverviewRow{P: pr, Title: documentTitle(policy.Document{Number: pr.Number, Title: pr.Title}),
			Effective: s.documentDateText(r, pr.EffectiveDate), URL: base, DocURL: documentURL(pr.DocumentID)}
		row.Departments = s.ackDeptRows(lang, depts, names, pr.Departments, func(dept int64) string {
			if dept == 0 {
				return base + "#people"
			}
			return base + "?department=" + strconv.FormatInt(dept, 10) + "#people"
		})
		page.Pending += pr.Pending()
		page.Rows = append(page.Rows, row)
	}
	return s.render(w, r, "ack_overview", "policyweb.overview_title", page)
}

// reviewPage is the review form on a page of its own, after a refused
// submission.
type reviewPage struct {
	Document policy.Document
	DocURL   string
	Form     reviewForm
}

func (s *Server) reviewCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, _, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	p := id.Principal
	d, err := policy.GetDocument(ctx, s.db, sc, p, docID)
	if err != nil {
		return err
	}
	in := policy.ReviewInput{ReviewedOn: r.PostFormValue("reviewed_on"), Result: r.PostFormValue("result"), Reason: r.PostFormValue("reason"),
		TriggerKind: r.PostFormValue("trigger_kind"), TriggerRef: r.PostFormValue("trigger_ref"), Clause: r.PostFormValue("clause")}
	var rv policy.Review
	err = s.transact(ctx, func(tx *db.Tx) (err error) {
		rv, err = policy.RecordReview(ctx, tx, sc, p, docID, in)
		return err
	})
	if ref, ok := policy.AsRefusal(err); ok {
		s.recordRefusal(r, sc, err)
		s.setFlash(w, r, "error", ref.Key)
		http.Redirect(w, r, documentURL(docID)+"#reviews", http.StatusSeeOther)
		return nil
	}
	if _, invalid := validate.As(err); invalid {
		var v policy.Version
		if d.CurrentVersionID != 0 {
			var verr error
			if v, verr = policy.GetVersion(ctx, s.db, sc, p, docID, d.CurrentVersionID); verr != nil {
				return verr
			}
		}
		page := reviewPage{Document: d, DocURL: documentURL(docID), Form: s.newReviewForm(r, docID, v)}
		page.Form.Values = r.PostForm
		page.Form.Errors, _ = s.fieldErrors(r, err)
		return s.renderForm(w, r, "ack_review", "policyweb.review_title", page, err)
	}
	if err != nil {
		return documentDenied(err, authz.RecordReviews)
	}
	flash := "policyweb.review_recorded"
	if rv.Result == policy.Revise {
		flash = "policyweb.review_revise_recorded"
	}
	return s.redirect(w, r, documentURL(docID)+"#reviews", flash)
}

// policyTodos lists what awaits this person about documents: versions to
// acknowledge, reviews due, their exception requests, requests to decide
// and exceptions about to end, and for trackers who has not acknowledged.
func (s *Server) policyTodos(r *http.Request) ([]todo, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	t := s.cat.For(s.lang(r))
	h, err := policy.HomeFor(ctx, s.db, sc, id.Principal)
	if err != nil {
		return nil, err
	}
	var out []todo
	const shown = 5
	for i, a := range h.Acknowledge {
		if i == shown {
			out = append(out, todo{Title: t("policyweb.home.ack_more", len(h.Acknowledge)-shown), Text: t("policyweb.home.ack_more_text"),
				Href: "/documents", Link: t("policyweb.home.documents_link"), Attention: true})
			break
		}
		out = append(out, todo{Title: t("policyweb.home.ack_title", documentTitle(policy.Document{Number: a.Number, Title: a.Title})),
			Text: t("policyweb.home.ack_text", a.VersionNo, s.documentDateText(r, a.EffectiveDate)),
			Href: documentURL(a.DocumentID) + "#acknowledgement", Link: t("policyweb.home.ack_link"), Attention: true})
	}
	for _, rv := range h.Reviews {
		title := documentTitle(policy.Document{Number: rv.Number, Title: rv.Title})
		td := todo{Href: documentURL(rv.DocumentID) + "#reviews", Link: t("policyweb.home.review_link"), Attention: true}
		switch {
		case rv.Overdue:
			td.Title = t("policyweb.home.review_overdue", title)
			td.Text = t("policyweb.home.review_overdue_text", s.documentDateText(r, rv.NextReviewDate))
		default:
			td.Title = t("policyweb.home.review_requested", title)
		}
		if rv.OpenRequests > 0 {
			td.Text = strings.TrimSpace(td.Text + " " + t("policyweb.home.review_requests_text", rv.OpenRequests))
		}
		out = append(out, td)
	}
	day := policyToday()
	for _, x := range h.Exceptions.Mine {
		td := todo{Title: t("policyweb.home.exception_mine", documentTitle(policy.Document{Number: x.DocumentNumber, Title: x.DocumentTitle}), x.Clause),
			Href: exceptionURL(x.ID), Link: t("policyweb.home.exception_link")}
		switch {
		case x.Status == policy.ExceptionRequested:
			td.Text = t("policyweb.home.exception_requested_text")
		case x.Expiring(day):
			td.Text = t("policyweb.home.exception_expiring_text", s.documentDateText(r, x.EndsOn))
			td.Attention = true
		default:
			td.Text = t("policyweb.home.exception_approved_text", s.documentDateText(r, x.EndsOn))
		}
		out = append(out, td)
	}
	if n := h.Exceptions.ToDecide; n > 0 {
		out = append(out, todo{Title: t("policyweb.home.exceptions_to_decide", n), Text: t("policyweb.home.exceptions_to_decide_text"),
			Href: "/exceptions?status=requested", Link: t("policyweb.home.exceptions_link"), Attention: true})
	}
	if n := h.Exceptions.Expiring; n > 0 {
		out = append(out, todo{Title: t("policyweb.home.exceptions_expiring", n), Text: t("policyweb.home.exceptions_expiring_text", policy.ExpiringDays),
			Href: "/exceptions?status=expiring", Link: t("policyweb.home.exceptions_link")})
	}
	if h.Tracked && h.TrackPending > 0 {
		out = append(out, todo{Title: t("policyweb.home.track_pending", h.TrackPending), Text: t("policyweb.home.track_pending_text", h.TrackVersions),
			Href: "/acknowledgements", Link: t("policyweb.home.track_link")})
	}
	return out, nil
}
