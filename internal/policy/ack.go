package policy

// Acknowledgement (seed §5): every worker is bound by the policy, so each
// published version asks the people in its document's acknowledgement
// scope to confirm they have read it (「確認しました」).
//
//   - Who is asked is decided once, when the version is published
//     (requestAcknowledgements, in Publish's transaction): the active people
//     of the document's staff categories (none = every category) and
//     departments (none = every department; a 部局 covers its 課室), and of
//     a restricted document only those who may read it — the same rule as
//     the visibility condition, written from the person's side (readersOf).
//     One INSERT … SELECT, however many people there are.
//   - The row keeps the person's department at that moment: progress is
//     counted per department as it was when they were asked.
//   - A person acknowledges the version in effect of a document they can
//     read, once (Acknowledge). Asking again answers ErrAlreadyAcknowledged;
//     a version they were not asked about, or one no longer in effect, is
//     refused with a *Refusal (recorded in the trail by the edge).
//   - Who has (not) acknowledged is shown to those with
//     document.track_acks, within their reach (a 部局's officer sees the
//     people asked in their 部局 and its 課室), and only for documents they
//     may read themselves.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// ErrAlreadyAcknowledged is returned when a person acknowledges a version
// a second time; nothing is written. It matches db.ErrConflict.
var ErrAlreadyAcknowledged = fmt.Errorf("policy: already acknowledged: %w", db.ErrConflict)

// StepAcknowledge is the Refusal.Step of a refused acknowledgement.
const StepAcknowledge = "acknowledge"

// requestAcknowledgements asks everyone in the document's acknowledgement
// scope (active people of its staff categories and departments, and of a
// restricted document only its readers) to acknowledge a version just
// published, in Publish's transaction. It returns how many were asked.
// Publish records the count in the version's trail entry.
func requestAcknowledgements(ctx context.Context, tx *db.Tx, sc scope.Scope, d Document, v Version) (int, error) {
	if !d.AckRequired {
		return 0, nil
	}
	where := []string{"p.org_id = ?", "p.active = TRUE"}
	args := []any{v.ID, db.Now(), sc.OrgID}
	if len(d.AckCategories) > 0 {
		where = append(where, "p.staff_category IN ("+placeholders(len(d.AckCategories))+")")
		for _, c := range d.AckCategories {
			args = append(args, c)
		}
	}
	if len(d.AckDepartments) > 0 {
		c, a := org.SubtreeCondition("p.department_id", sc.OrgID, d.AckDepartments)
		where = append(where, c)
		args = append(args, a...)
	}
	if d.Visibility == Restricted {
		c, a := readersOf(sc.OrgID, d.Access)
		where = append(where, c)
		args = append(args, a...)
	}
	// SQLite needs the WHERE before ON CONFLICT to read the SELECT right.
	res, err := tx.ExecContext(ctx, `INSERT INTO acknowledgements (org_id, version_id, person_id, department_id, requested_at)
		SELECT p.org_id, ?, p.id, p.department_id, ? FROM people p WHERE `+strings.Join(where, " AND ")+`
		ON CONFLICT (version_id, person_id) DO NOTHING`, args...)
	if err != nil {
		return 0, fmt.Errorf("cannot ask for acknowledgements of version %d: %w", v.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("cannot count acknowledgements asked of version %d: %w", v.ID, err)
	}
	if n > 0 {
		if err := retally(ctx, tx, sc.OrgID, v.ID); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// retally counts a version's acknowledgements again into ack_tallies, after
// many of them changed at once (asked at publication, recorded in bulk): a
// grouped count of one version's rows, a few thousand at most.
func retally(ctx context.Context, tx *db.Tx, orgID, versionID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ack_tallies WHERE org_id = ? AND version_id = ?`, orgID, versionID); err != nil {
		return fmt.Errorf("cannot count acknowledgements of version %d: %w", versionID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ack_tallies (org_id, version_id, department_id, asked, done)
		SELECT org_id, version_id, COALESCE(department_id, 0), COUNT(*), COUNT(acknowledged_at)
		FROM acknowledgements WHERE org_id = ? AND version_id = ?
		GROUP BY org_id, version_id, COALESCE(department_id, 0)`, orgID, versionID); err != nil {
		return fmt.Errorf("cannot count acknowledgements of version %d: %w", versionID, err)
	}
	return nil
}

// readersOf is the condition, on people aliased p, that the person may read
// a restricted document with the given access list: the visibility rule
// (reader.cond) seen from the person's side. A person reads it when they
// hold a role that reads every restricted document (document.view_restricted
// over the organisation: the CISO and 統括), a role the list names (職員等
// names everyone), a department the list names or one below it, or when
// the list names them. The role table is read, not copied, so a change to
// it changes both sides.
func readersOf(orgID int64, access []Access) (string, []any) {
	var roles []string
	for _, r := range authz.Table {
		if r.Action == authz.ViewRestrictedDocuments && r.Reach == authz.ReachOrg && !slices.Contains(roles, string(r.Role)) {
			roles = append(roles, string(r.Role))
		}
	}
	var people, depts []int64
	for _, a := range access {
		switch a.Kind {
		case AccessRole:
			if a.Ref == string(authz.Staff) {
				return "1 = 1", nil
			}
			if !slices.Contains(roles, a.Ref) {
				roles = append(roles, a.Ref)
			}
		case AccessPerson:
			if n, err := strconv.ParseInt(a.Ref, 10, 64); err == nil {
				people = append(people, n)
			}
		case AccessDepartment:
			if n, err := strconv.ParseInt(a.Ref, 10, 64); err == nil {
				depts = append(depts, n)
			}
		}
	}
	parts := []string{"p.id IN (SELECT ra.person_id FROM role_assignments ra WHERE ra.org_id = ? AND ra.role IN (" + placeholders(len(roles)) + "))"}
	args := []any{orgID}
	for _, r := range roles {
		args = append(args, r)
	}
	if len(people) > 0 {
		parts = append(parts, "p.id IN ("+placeholders(len(people))+")")
		for _, id := range people {
			args = append(args, id)
		}
	}
	if len(depts) > 0 {
		c, a := org.SubtreeCondition("p.department_id", orgID, depts)
		parts = append(parts, "(p.department_id IS NOT NULL AND "+c+")")
		args = append(args, a...)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// AckState is one person's acknowledgement of one version.
type AckState struct {
	// Asked: the person was asked to acknowledge this version.
	Asked          bool  `json:"asked"`
	RequestedAt    int64 `json:"requested_at,omitempty"`
	AcknowledgedAt int64 `json:"acknowledged_at,omitempty"`
}

// Done reports whether the person has acknowledged.
func (s AckState) Done() bool { return s.AcknowledgedAt != 0 }

// MyAcknowledgement returns the principal's own acknowledgement state of
// a version of a document they may read.
func MyAcknowledgement(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) (AckState, error) {
	if _, err := GetDocument(ctx, q, sc, p, docID); err != nil {
		return AckState{}, err
	}
	var st AckState
	var at sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT a.requested_at, a.acknowledged_at FROM acknowledgements a
		JOIN document_versions v ON v.org_id = a.org_id AND v.id = a.version_id
		WHERE a.org_id = ? AND a.version_id = ? AND v.document_id = ? AND a.person_id = ?`,
		sc.OrgID, versionID, docID, p.PersonID).Scan(&st.RequestedAt, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return AckState{}, nil
	}
	if err != nil {
		return AckState{}, fmt.Errorf("cannot load acknowledgement of version %d: %w", versionID, err)
	}
	st.Asked, st.AcknowledgedAt = true, at.Int64
	return st, nil
}

// ackRecord is what the trail keeps of an acknowledgement.
type ackRecord struct {
	DocumentID     int64 `json:"document_id,string"`
	VersionID      int64 `json:"version_id,string"`
	VersionNo      int   `json:"version"`
	PersonID       int64 `json:"person_id,string"`
	AcknowledgedAt int64 `json:"acknowledged_at"`
}

// Acknowledge records that the principal has read the version in effect
// of a document: once, with the time, and in the trail. A document they
// may not read is not found; a version not in effect, or one they were not
// asked to acknowledge, is refused (*Refusal matching ErrForbidden); a
// second acknowledgement is ErrAlreadyAcknowledged.
func Acknowledge(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, docID, versionID int64) error {
	d, err := GetDocument(ctx, tx, sc, p, docID)
	if err != nil {
		return err
	}
	var v Version
	var status string
	err = tx.QueryRowContext(ctx, `SELECT id, document_id, version_no, status FROM document_versions WHERE org_id = ? AND document_id = ? AND id = ?`,
		sc.OrgID, docID, versionID).Scan(&v.ID, &v.DocumentID, &v.No, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("version %d of document %d: %w", versionID, docID, db.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("cannot load version %d of document %d: %w", versionID, docID, err)
	}
	v.Status = Status(status)
	if v.Status != Published || d.CurrentVersionID != v.ID {
		return refuse(StepAcknowledge, "ack.refused.not_in_effect", v, true)
	}
	var at sql.NullInt64
	var dept int64
	err = tx.QueryRowContext(ctx, `SELECT acknowledged_at, COALESCE(department_id, 0) FROM acknowledgements WHERE org_id = ? AND version_id = ? AND person_id = ?`,
		sc.OrgID, versionID, p.PersonID).Scan(&at, &dept)
	if errors.Is(err, sql.ErrNoRows) {
		return refuse(StepAcknowledge, "ack.refused.out_of_scope", v, true)
	}
	if err != nil {
		return fmt.Errorf("cannot load acknowledgement of version %d: %w", versionID, err)
	}
	if at.Valid {
		return ErrAlreadyAcknowledged
	}
	now := db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE acknowledgements SET acknowledged_at = ?
		WHERE org_id = ? AND version_id = ? AND person_id = ? AND acknowledged_at IS NULL`, now, sc.OrgID, versionID, p.PersonID)
	if err != nil {
		return fmt.Errorf("cannot record acknowledgement of version %d: %w", versionID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("cannot record acknowledgement of version %d: %w", versionID, err)
	} else if n == 0 {
		return ErrAlreadyAcknowledged
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ack_tallies SET done = done + 1 WHERE org_id = ? AND version_id = ? AND department_id = ?`,
		sc.OrgID, versionID, dept); err != nil {
		return fmt.Errorf("cannot count acknowledgement of version %d: %w", versionID, err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityAcknowledgment,
		EntityID: fmt.Sprintf("%d:%d", versionID, p.PersonID),
		After:    ackRecord{DocumentID: docID, VersionID: versionID, VersionNo: v.No, PersonID: p.PersonID, AcknowledgedAt: now}})
}

// PendingAck is a version awaiting the person's acknowledgement.
type PendingAck struct {
	DocumentID    int64  `json:"document_id,string"`
	VersionID     int64  `json:"version_id,string"`
	Number        string `json:"number"`
	Title         string `json:"title"`
	VersionNo     int    `json:"version"`
	EffectiveDate string `json:"effective_date"`
	RequestedAt   int64  `json:"requested_at"`
}

// MaxPendingAcks bounds the home page's list of versions to acknowledge.
const MaxPendingAcks = 50

// PendingAcknowledgements lists the versions in effect the principal was
// asked to acknowledge and has not, oldest request first: only of
// documents they may read now (an access list may have changed since).
func PendingAcknowledgements(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) ([]PendingAck, error) {
	c, cargs, err := readable(ctx, q, sc, p)
	if err != nil {
		return nil, err
	}
	args := append([]any{sc.OrgID, p.PersonID}, cargs...)
	args = append(args, MaxPendingAcks)
	rows, err := q.QueryContext(ctx, `SELECT d.id, v.id, d.number, d.title, v.version_no, v.effective_date, a.requested_at
		FROM acknowledgements a
		JOIN document_versions v ON v.org_id = a.org_id AND v.id = a.version_id
		JOIN documents d ON d.org_id = v.org_id AND d.id = v.document_id AND d.current_version_id = v.id
		WHERE a.org_id = ? AND a.person_id = ? AND a.acknowledged_at IS NULL AND v.status = 'published' AND `+c+`
		ORDER BY a.requested_at, d.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list pending acknowledgements: %w", err)
	}
	defer rows.Close()
	var out []PendingAck
	for rows.Next() {
		var x PendingAck
		if err := rows.Scan(&x.DocumentID, &x.VersionID, &x.Number, &x.Title, &x.VersionNo, &x.EffectiveDate, &x.RequestedAt); err != nil {
			return nil, fmt.Errorf("cannot read pending acknowledgement: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// DepartmentProgress counts the people of one department asked to
// acknowledge a version, and those who have. DepartmentID 0 is people
// without a department.
type DepartmentProgress struct {
	DepartmentID int64 `json:"department_id,string"`
	Asked        int   `json:"asked"`
	Done         int   `json:"done"`
}

// Pending is how many have not acknowledged.
func (d DepartmentProgress) Pending() int { return d.Asked - d.Done }

// Progress is the acknowledgement of one version within a tracker's reach.
type Progress struct {
	DocumentID    int64                `json:"document_id,string"`
	VersionID     int64                `json:"version_id,string"`
	Number        string               `json:"number"`
	Title         string               `json:"title"`
	VersionNo     int                  `json:"version"`
	Status        Status               `json:"status"`
	EffectiveDate string               `json:"effective_date"`
	PublishedAt   int64                `json:"published_at"`
	Asked         int                  `json:"asked"`
	Done          int                  `json:"done"`
	Departments   []DepartmentProgress `json:"departments"`
}

// Pending is how many have not acknowledged.
func (p Progress) Pending() int { return p.Asked - p.Done }

// Percent is the share acknowledged, rounded down (100 when nobody was
// asked).
func (p Progress) Percent() int {
	if p.Asked == 0 {
		return 100
	}
	return p.Done * 100 / p.Asked
}

// tracker is a principal's reach over acknowledgements, as an SQL
// condition on acknowledgements aliased a.
func tracker(sc scope.Scope, p authz.Principal) (string, []any, error) {
	g := authz.GrantFor(p, authz.TrackAcknowledgements)
	switch {
	case g.All:
		return "1 = 1", nil, nil
	case len(g.Departments) > 0:
		c, args := org.SubtreeCondition("a.department_id", sc.OrgID, g.Departments)
		return c, args, nil
	}
	return "", nil, fmt.Errorf("cannot track acknowledgements: %w", ErrForbidden)
}

// AckProgress counts, per department within the principal's reach, who
// was asked to acknowledge a published (or since superseded) version of a
// document they may read, and who has.
func AckProgress(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) (Progress, error) {
	tc, targs, err := tracker(sc, p)
	if err != nil {
		return Progress{}, err
	}
	d, err := GetDocument(ctx, q, sc, p, docID)
	if err != nil {
		return Progress{}, err
	}
	pr := Progress{DocumentID: d.ID, Number: d.Number, Title: d.Title}
	var status string
	var published sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT id, version_no, status, effective_date, published_at FROM document_versions
		WHERE org_id = ? AND document_id = ? AND id = ? AND status IN ('published', 'superseded')`, sc.OrgID, docID, versionID).
		Scan(&pr.VersionID, &pr.VersionNo, &status, &pr.EffectiveDate, &published)
	if errors.Is(err, sql.ErrNoRows) {
		return Progress{}, fmt.Errorf("version %d of document %d: %w", versionID, docID, db.ErrNotFound)
	}
	if err != nil {
		return Progress{}, fmt.Errorf("cannot load version %d of document %d: %w", versionID, docID, err)
	}
	pr.Status, pr.PublishedAt = Status(status), published.Int64
	rows, err := q.QueryContext(ctx, `SELECT a.department_id, SUM(a.asked), SUM(a.done)
		FROM ack_tallies a WHERE a.org_id = ? AND a.version_id = ? AND `+tc+`
		GROUP BY a.department_id`, append([]any{sc.OrgID, versionID}, targs...)...)
	if err != nil {
		return Progress{}, fmt.Errorf("cannot count acknowledgements of version %d: %w", versionID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var dp DepartmentProgress
		if err := rows.Scan(&dp.DepartmentID, &dp.Asked, &dp.Done); err != nil {
			return Progress{}, fmt.Errorf("cannot read acknowledgement counts: %w", err)
		}
		pr.Asked += dp.Asked
		pr.Done += dp.Done
		pr.Departments = append(pr.Departments, dp)
	}
	if err := rows.Err(); err != nil {
		return Progress{}, fmt.Errorf("cannot count acknowledgements of version %d: %w", versionID, err)
	}
	sortProgress(pr.Departments)
	return pr, nil
}

// AckOverview lists the versions in effect of the documents the principal
// may read that ask for acknowledgement, with their progress per
// department within the principal's reach, by type and number.
func AckOverview(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) ([]Progress, error) {
	tc, targs, err := tracker(sc, p)
	if err != nil {
		return nil, err
	}
	c, cargs, err := readable(ctx, q, sc, p)
	if err != nil {
		return nil, err
	}
	args := append([]any{sc.OrgID}, cargs...)
	rows, err := q.QueryContext(ctx, `SELECT d.id, v.id, d.number, d.title, v.version_no, v.effective_date, COALESCE(v.published_at, 0)
		FROM documents d JOIN document_versions v ON v.org_id = d.org_id AND v.id = d.current_version_id
		WHERE d.org_id = ? AND d.ack_required = TRUE AND v.status = 'published' AND `+c+`
		ORDER BY d.doc_type, d.number, d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list versions in effect: %w", err)
	}
	var out []Progress
	byVersion := map[int64]int{}
	for rows.Next() {
		var pr Progress
		if err := rows.Scan(&pr.DocumentID, &pr.VersionID, &pr.Number, &pr.Title, &pr.VersionNo, &pr.EffectiveDate, &pr.PublishedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot read version in effect: %w", err)
		}
		pr.Status = Published
		byVersion[pr.VersionID] = len(out)
		out = append(out, pr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list versions in effect: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// One grouped count for all of them; the visibility condition is
	// applied again so no count of an unreadable document is read.
	args = append([]any{sc.OrgID}, targs...)
	args = append(args, cargs...)
	rows, err = q.QueryContext(ctx, `SELECT a.version_id, a.department_id, SUM(a.asked), SUM(a.done)
		FROM ack_tallies a
		JOIN document_versions v ON v.org_id = a.org_id AND v.id = a.version_id
		JOIN documents d ON d.org_id = v.org_id AND d.id = v.document_id AND d.current_version_id = v.id
		WHERE a.org_id = ? AND `+tc+` AND d.ack_required = TRUE AND `+c+`
		GROUP BY a.version_id, a.department_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot count acknowledgements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var vid int64
		var dp DepartmentProgress
		if err := rows.Scan(&vid, &dp.DepartmentID, &dp.Asked, &dp.Done); err != nil {
			return nil, fmt.Errorf("cannot read acknowledgement counts: %w", err)
		}
		i, ok := byVersion[vid]
		if !ok {
			continue
		}
		out[i].Asked += dp.Asked
		out[i].Done += dp.Done
		out[i].Departments = append(out[i].Departments, dp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot count acknowledgements: %w", err)
	}
	for i := range out {
		sortProgress(out[i].Departments)
	}
	return out, nil
}

func sortProgress(ds []DepartmentProgress) {
	slices.SortFunc(ds, func(a, b DepartmentProgress) int { return cmp.Compare(a.DepartmentID, b.DepartmentID) })
}

// AckFilter narrows the people asked to acknowledge a version.
type AckFilter struct {
	// DepartmentID: this department and those below it (within reach).
	DepartmentID int64
	// Status: "pending" (default), "done" or "all".
	Status string
	Cursor string
	Limit  int
}

// AckStatuses are the values of AckFilter.Status.
var AckStatuses = []string{"pending", "done", "all"}

// AckPerson is one person asked to acknowledge a version.
type AckPerson struct {
	PersonID       int64  `json:"person_id,string"`
	Name           string `json:"name"`
	NameKana       string `json:"name_kana"`
	StaffCategory  string `json:"staff_category"`
	Active         bool   `json:"active"`
	DepartmentID   int64  `json:"department_id,string,omitempty"`
	RequestedAt    int64  `json:"requested_at"`
	AcknowledgedAt int64  `json:"acknowledged_at,omitempty"`
}

// AckPeoplePage is one page of people.
type AckPeoplePage struct {
	Items      []AckPerson `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

// MaxAckPage bounds a page of people.
const MaxAckPage = 500

// ackPeopleQuery checks the request and writes the query of the people
// asked to acknowledge a version, by kana then id, without paging.
func ackPeopleQuery(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64, f AckFilter) (string, []any, error) {
	tc, targs, err := tracker(sc, p)
	if err != nil {
		return "", nil, err
	}
	if f.Status == "" {
		f.Status = "pending"
	}
	if !slices.Contains(AckStatuses, f.Status) {
		return "", nil, validate.Errors{"status": {Key: "error.invalid_choice"}}
	}
	if _, err := trackedVersion(ctx, q, sc, p, docID, versionID); err != nil {
		return "", nil, err
	}
	where := []string{"a.org_id = ?", "a.version_id = ?", tc}
	args := append([]any{sc.OrgID, versionID}, targs...)
	switch f.Status {
	case "pending":
		where = append(where, "a.acknowledged_at IS NULL")
	case "done":
		where = append(where, "a.acknowledged_at IS NOT NULL")
	}
	if f.DepartmentID != 0 {
		c, a := org.SubtreeCondition("a.department_id", sc.OrgID, []int64{f.DepartmentID})
		where = append(where, c)
		args = append(args, a...)
	}
	return `SELECT p.id, p.name, p.name_kana, p.staff_category, p.active, COALESCE(a.department_id, 0), a.requested_at, COALESCE(a.acknowledged_at, 0)
		FROM acknowledgements a JOIN people p ON p.org_id = a.org_id AND p.id = a.person_id
		WHERE ` + strings.Join(where, " AND "), args, nil
}

// trackedVersion checks that the version is a published (or since
// superseded) version of a document the principal may read, and returns
// its number.
func trackedVersion(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64) (int, error) {
	if _, err := GetDocument(ctx, q, sc, p, docID); err != nil {
		return 0, err
	}
	var no int
	err := q.QueryRowContext(ctx, `SELECT version_no FROM document_versions
		WHERE org_id = ? AND document_id = ? AND id = ? AND status IN ('published', 'superseded')`, sc.OrgID, docID, versionID).Scan(&no)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("version %d of document %d: %w", versionID, docID, db.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("cannot load version %d of document %d: %w", versionID, docID, err)
	}
	return no, nil
}

func scanAckPerson(rows *sql.Rows) (AckPerson, error) {
	var x AckPerson
	err := rows.Scan(&x.PersonID, &x.Name, &x.NameKana, &x.StaffCategory, &x.Active, &x.DepartmentID, &x.RequestedAt, &x.AcknowledgedAt)
	return x, err
}

// ListAckPeople lists, a page at a time by kana, the people within the
// principal's reach asked to acknowledge a version (by default those who
// have not yet).
func ListAckPeople(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64, f AckFilter) (AckPeoplePage, error) {
	query, args, err := ackPeopleQuery(ctx, q, sc, p, docID, versionID, f)
	if err != nil {
		return AckPeoplePage{}, err
	}
	if f.Cursor != "" {
		kana, id, err := decodeKanaCursor(f.Cursor)
		if err != nil {
			return AckPeoplePage{}, validate.Errors{"cursor": {Key: "error.invalid_cursor"}}
		}
		query += " AND (p.name_kana > ? OR (p.name_kana = ? AND p.id > ?))"
		args = append(args, kana, kana, id)
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxAckPage {
		limit = 50
	}
	args = append(args, limit+1)
	rows, err := q.QueryContext(ctx, query+" ORDER BY p.name_kana, p.id LIMIT ?", args...)
	if err != nil {
		return AckPeoplePage{}, fmt.Errorf("cannot list people asked to acknowledge version %d: %w", versionID, err)
	}
	defer rows.Close()
	page := AckPeoplePage{Items: []AckPerson{}}
	for rows.Next() {
		x, err := scanAckPerson(rows)
		if err != nil {
			return AckPeoplePage{}, fmt.Errorf("cannot read person asked: %w", err)
		}
		page.Items = append(page.Items, x)
	}
	if err := rows.Err(); err != nil {
		return AckPeoplePage{}, fmt.Errorf("cannot list people asked to acknowledge version %d: %w", versionID, err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = encodeKanaCursor(last.NameKana, last.PersonID)
	}
	return page, nil
}

// WalkAckPeople calls fn for every person ListAckPeople would list under
// the filter (its cursor and limit aside), in department order then by
// kana, for an export. Run it in a read snapshot for one consistent state.
func WalkAckPeople(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, docID, versionID int64, f AckFilter, fn func(AckPerson) error) error {
	query, args, err := ackPeopleQuery(ctx, q, sc, p, docID, versionID, f)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY COALESCE(a.department_id, 0), p.name_kana, p.id", args...)
	if err != nil {
		return fmt.Errorf("cannot list people asked to acknowledge version %d: %w", versionID, err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scanAckPerson(rows)
		if err != nil {
			return fmt.Errorf("cannot read person asked: %w", err)
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ackExportRecord is what the trail keeps of an export of the list.
type ackExportRecord struct {
	DocumentID   int64  `json:"document_id,string"`
	VersionID    int64  `json:"version_id,string"`
	Status       string `json:"status"`
	DepartmentID int64  `json:"department_id,string,omitempty"`
	Format       string `json:"format"`
	Rows         int    `json:"rows"`
}

// RecordAckExport writes the export of a version's list of people to the
// trail: which list, under which filter, in which format, how many rows.
func RecordAckExport(ctx context.Context, tx *db.Tx, sc scope.Scope, docID, versionID int64, f AckFilter, format string, rows int) error {
	if f.Status == "" {
		f.Status = "pending"
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Export, Entity: EntityAcknowledgment,
		EntityID: strconv.FormatInt(versionID, 10),
		After:    ackExportRecord{DocumentID: docID, VersionID: versionID, Status: f.Status, DepartmentID: f.DepartmentID, Format: format, Rows: rows}})
}

func encodeKanaCursor(kana string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kana + "\x00" + strconv.FormatInt(id, 10)))
}

func decodeKanaCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, err
	}
	kana, idText, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return "", 0, errors.New("malformed cursor")
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	return kana, id, err
}
