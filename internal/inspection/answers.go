package inspection

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// RespondentStatus is a person a campaign asks, with what they answer.
type RespondentStatus struct {
	CampaignID     int64        `json:"campaign_id,string"`
	PersonID       int64        `json:"person_id,string"`
	Name           string       `json:"name"`
	DepartmentID   int64        `json:"department_id,string,omitempty"`
	DepartmentName string       `json:"department_name"`
	Kinds          []Respondent `json:"respondent_kinds"`
	ItemsTotal     int          `json:"items_total"`
	ItemsAnswered  int          `json:"items_answered"`
	SubmittedAt    int64        `json:"submitted_at,omitempty"`
}

// Finished reports whether every item has an answer.
func (r RespondentStatus) Finished() bool { return r.ItemsAnswered >= r.ItemsTotal }

// Left is the number of items without an answer.
func (r RespondentStatus) Left() int { return max(r.ItemsTotal-r.ItemsAnswered, 0) }

// AnsweredItem is an item a respondent is asked, with their answer so far.
type AnsweredItem struct {
	Item
	Answer     Answer `json:"answer,omitempty"`
	Comment    string `json:"comment"`
	EvidenceID int64  `json:"evidence_id,string,omitempty"`
	AnsweredAt int64  `json:"answered_at,omitempty"`
}

// Sheet is what a respondent answers in a campaign: their items with their
// answers so far.
type Sheet struct {
	Campaign   Campaign         `json:"campaign"`
	Respondent RespondentStatus `json:"respondent"`
	Items      []AnsweredItem   `json:"items"`
}

// Open reports whether the sheet can still be answered.
func (s Sheet) Open() bool { return s.Campaign.Status == CampaignOpen }

func loadRespondent(ctx context.Context, q db.Querier, sc scope.Scope, campaignID, personID int64) (RespondentStatus, error) {
	var r RespondentStatus
	var kinds string
	err := q.QueryRowContext(ctx, `SELECT r.campaign_id, r.person_id, p.name, COALESCE(r.department_id, 0), COALESCE(d.name, ''),
		r.respondent_kinds, r.items_total, r.items_answered, COALESCE(r.submitted_at, 0)
		FROM campaign_respondents r JOIN people p ON p.id = r.person_id AND p.org_id = r.org_id
		LEFT JOIN departments d ON d.id = r.department_id AND d.org_id = r.org_id
		WHERE r.org_id = ? AND r.campaign_id = ? AND r.person_id = ?`, sc.OrgID, campaignID, personID).
		Scan(&r.CampaignID, &r.PersonID, &r.Name, &r.DepartmentID, &r.DepartmentName, &kinds, &r.ItemsTotal, &r.ItemsAnswered, &r.SubmittedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("respondent %d of campaign %d: %w", personID, campaignID, db.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("cannot load respondent %d of campaign %d: %w", personID, campaignID, err)
	}
	r.Kinds = parseKinds(kinds)
	return r, nil
}

// kindCondition is the SQL condition on an item's respondent for kinds.
func kindCondition(kinds []Respondent) (string, []any) {
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = string(k)
	}
	return "i.respondent IN (" + placeholders(len(kinds)) + ")", args
}

// MySheet returns what the person answers in a campaign. Someone the
// campaign does not ask is refused (a Refusal, for the trail); a campaign
// still planned has nothing to answer yet.
func MySheet(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, campaignID int64) (Sheet, error) {
	c, err := loadCampaign(ctx, q, sc, campaignID)
	if err != nil {
		return Sheet{}, err
	}
	r, err := loadRespondent(ctx, q, sc, campaignID, p.PersonID)
	if errors.Is(err, db.ErrNotFound) {
		if c.Status == CampaignPlanned {
			return Sheet{Campaign: c}, &Refusal{Key: "campaign.refused.not_open_yet", Step: "answer", CampaignID: campaignID}
		}
		return Sheet{Campaign: c}, &Refusal{Key: "campaign.refused.not_respondent", Step: "answer", CampaignID: campaignID, Forbidden: true}
	}
	if err != nil {
		return Sheet{}, err
	}
	return sheetOf(ctx, q, sc, c, r)
}

// SheetOf returns the answers of one respondent for a reader of the
// campaign's results whose reach covers the respondent's department.
func SheetOf(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, campaignID, personID int64) (Sheet, error) {
	if personID == p.PersonID {
		return MySheet(ctx, q, sc, p, campaignID)
	}
	c, err := loadCampaign(ctx, q, sc, campaignID)
	if err != nil {
		return Sheet{}, err
	}
	r, err := loadRespondent(ctx, q, sc, campaignID, personID)
	if err != nil {
		return Sheet{}, err
	}
	ok, err := readsDepartment(ctx, q, sc, p, r.DepartmentID)
	if err != nil {
		return Sheet{}, err
	}
	if !ok {
		return Sheet{}, fmt.Errorf("respondent %d of campaign %d: %w", personID, campaignID, db.ErrNotFound)
	}
	return sheetOf(ctx, q, sc, c, r)
}

func sheetOf(ctx context.Context, q db.Querier, sc scope.Scope, c Campaign, r RespondentStatus) (Sheet, error) {
	cond, args := kindCondition(r.Kinds)
	items, err := listItems(ctx, q, sc, c.ChecklistID, cond, args...)
	if err != nil {
		return Sheet{}, err
	}
	s := Sheet{Campaign: c, Respondent: r, Items: make([]AnsweredItem, len(items))}
	byID := make(map[int64]int, len(items))
	for i, it := range items {
		s.Items[i] = AnsweredItem{Item: it}
		byID[it.ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT item_id, answer, comment, COALESCE(evidence_id, 0), answered_at FROM campaign_answers
		WHERE org_id = ? AND campaign_id = ? AND person_id = ?`, sc.OrgID, c.ID, r.PersonID)
	if err != nil {
		return Sheet{}, fmt.Errorf("cannot list answers of person %d: %w", r.PersonID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AnsweredItem
		var ans string
		if err := rows.Scan(&a.ID, &ans, &a.Comment, &a.EvidenceID, &a.AnsweredAt); err != nil {
			return Sheet{}, fmt.Errorf("cannot read answer: %w", err)
		}
		if i, ok := byID[a.ID]; ok {
			s.Items[i].Answer, s.Items[i].Comment, s.Items[i].EvidenceID, s.Items[i].AnsweredAt = Answer(ans), a.Comment, a.EvidenceID, a.AnsweredAt
		}
	}
	return s, rows.Err()
}

// FileInput is an evidence file sent with an answer.
type FileInput struct {
	Name string
	R    io.Reader
}

// AnswerInput is one answer: the item, the answer and a comment, and
// optionally an evidence file.
type AnswerInput struct {
	ItemID  int64      `json:"item_id,string"`
	Answer  string     `json:"answer"`
	Comment string     `json:"comment"`
	File    *FileInput `json:"-"`
}

// maxComment bounds an answer's comment.
const maxComment = 2000

// answerRecord is what the trail keeps of one answer.
type answerRecord struct {
	ItemID     int64  `json:"item_id,string"`
	Code       string `json:"code,omitempty"`
	Answer     Answer `json:"answer"`
	Comment    string `json:"comment,omitempty"`
	EvidenceID int64  `json:"evidence_id,string,omitempty"`
}

// EvidenceKind is the evidence owner kind of an answer's files.
const EvidenceKind = "answer"

// EvidenceRefused is an evidence file refused with an answer (too large,
// of a refused type, refused by the scan command): the whole submission is
// refused. Err is the *evidence.Refusal, for evidence.RecordRefusal.
type EvidenceRefused struct {
	ItemID int64
	Err    error
}

func (e *EvidenceRefused) Error() string {
	return fmt.Sprintf("evidence of item %d: %v", e.ItemID, e.Err)
}
func (e *EvidenceRefused) Unwrap() error { return e.Err }

// Field is the form field the refusal concerns: "answers.<item id>.file".
func (e *EvidenceRefused) Field() string {
	return "answers." + strconv.FormatInt(e.ItemID, 10) + ".file"
}

// Problem is the refusal as a field problem, with its message arguments.
func (e *EvidenceRefused) Problem() validate.Problem {
	if rf, ok := evidence.AsRefusal(e.Err); ok {
		return validate.Problem{Key: rf.Key, Args: rf.Args()}
	}
	return validate.Problem{Key: "error.invalid_input"}
}

// EvidenceRef is the owner ref of an answer's evidence file.
func EvidenceRef(campaignID, itemID, personID int64) string {
	return fmt.Sprintf("%d:%d:%d", campaignID, itemID, personID)
}

// SaveAnswers saves the person's answers to a campaign, as one submission
// of the answer form: every answer or none. Answers with an empty answer
// and no file are skipped (items left unanswered). The campaign must be
// open and every item one the person is asked; otherwise the whole
// submission is refused with a Refusal and nothing is saved. Invalid
// fields come back as validate.Errors named "answers.<item id>.answer"
// and "answers.<item id>.comment". One trail entry records the submission.
func SaveAnswers(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, campaignID int64, in []AnswerInput) (RespondentStatus, error) {
	if !authz.CanSome(p, authz.AnswerCampaigns) {
		return RespondentStatus{}, fmt.Errorf("cannot answer campaign %d: %w", campaignID, ErrForbidden)
	}
	c, err := loadCampaign(ctx, tx, sc, campaignID)
	if err != nil {
		return RespondentStatus{}, err
	}
	r, err := loadRespondent(ctx, tx, sc, campaignID, p.PersonID)
	if errors.Is(err, db.ErrNotFound) {
		if c.Status == CampaignPlanned {
			return r, &Refusal{Key: "campaign.refused.not_open_yet", Step: "answer", CampaignID: campaignID}
		}
		return r, &Refusal{Key: "campaign.refused.not_respondent", Step: "answer", CampaignID: campaignID, Forbidden: true}
	}
	if err != nil {
		return r, err
	}
	switch c.Status {
	case CampaignClosed:
		return r, &Refusal{Key: "campaign.refused.closed", Step: "answer", CampaignID: campaignID}
	case CampaignPlanned:
		return r, &Refusal{Key: "campaign.refused.not_open_yet", Step: "answer", CampaignID: campaignID}
	}
	cond, args := kindCondition(r.Kinds)
	items, err := listItems(ctx, tx, sc, c.ChecklistID, cond, args...)
	if err != nil {
		return r, err
	}
	asked := make(map[int64]Item, len(items))
	for _, it := range items {
		asked[it.ID] = it
	}
	e := validate.Errors{}
	seen := map[int64]bool{}
	var todo []AnswerInput
	for _, a := range in {
		it, ok := asked[a.ItemID]
		if !ok {
			return r, &Refusal{Key: "campaign.refused.not_your_item", Step: "answer", CampaignID: campaignID, ItemID: a.ItemID, Forbidden: true}
		}
		prefix := "answers." + strconv.FormatInt(a.ItemID, 10) + "."
		if seen[a.ItemID] {
			e.Add(prefix+"answer", "campaign.answer_twice", it.Code)
			continue
		}
		seen[a.ItemID] = true
		a.Comment = e.Text(prefix+"comment", a.Comment, false, maxComment, true)
		if a.Answer == "" {
			switch {
			case a.File != nil:
				e.Add(prefix+"answer", "campaign.answer_for_file")
			case a.Comment != "":
				e.Add(prefix+"answer", "campaign.answer_for_comment")
			}
			continue
		}
		if !Answer(a.Answer).IsValid() {
			e.Add(prefix+"answer", "error.invalid_choice")
			continue
		}
		todo = append(todo, a)
	}
	if err := e.Err(); err != nil {
		return r, err
	}
	var before, after []answerRecord
	newly := 0
	now := db.Now()
	for _, a := range todo {
		var old struct {
			answer, comment string
			evidence        int64
		}
		err := tx.QueryRowContext(ctx, `SELECT answer, comment, COALESCE(evidence_id, 0) FROM campaign_answers
			WHERE org_id = ? AND campaign_id = ? AND item_id = ? AND person_id = ?`, sc.OrgID, campaignID, a.ItemID, p.PersonID).
			Scan(&old.answer, &old.comment, &old.evidence)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return r, fmt.Errorf("cannot load answer: %w", err)
		}
		ev := old.evidence
		if a.File != nil {
			f, err := evidence.Store(ctx, tx, sc, p, evidence.Owner{Kind: EvidenceKind, Ref: EvidenceRef(campaignID, a.ItemID, p.PersonID)},
				a.File.Name, a.File.R, 0)
			if _, refused := evidence.AsRefusal(err); refused {
				return r, &EvidenceRefused{ItemID: a.ItemID, Err: err}
			}
			if err != nil {
				return r, err
			}
			ev = f.ID
		}
		if exists && old.answer == a.Answer && old.comment == a.Comment && old.evidence == ev {
			continue
		}
		code := asked[a.ItemID].Code
		if exists {
			before = append(before, answerRecord{ItemID: a.ItemID, Code: code, Answer: Answer(old.answer), Comment: old.comment, EvidenceID: old.evidence})
			if _, err := tx.ExecContext(ctx, `UPDATE campaign_answers SET answer = ?, comment = ?, evidence_id = ?, answered_at = ?
				WHERE org_id = ? AND campaign_id = ? AND item_id = ? AND person_id = ?`, a.Answer, a.Comment, nullID(ev), now,
				sc.OrgID, campaignID, a.ItemID, p.PersonID); err != nil {
				return r, fmt.Errorf("cannot save answer: %w", err)
			}
			if old.answer != a.Answer {
				if err := tally(ctx, tx, sc, campaignID, a.ItemID, r.DepartmentID, Answer(old.answer), -1); err != nil {
					return r, err
				}
				if err := tally(ctx, tx, sc, campaignID, a.ItemID, r.DepartmentID, Answer(a.Answer), 1); err != nil {
					return r, err
				}
			}
		} else {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_answers (org_id, campaign_id, item_id, person_id, department_id, answer, comment, evidence_id, answered_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sc.OrgID, campaignID, a.ItemID, p.PersonID, nullID(r.DepartmentID), a.Answer, a.Comment,
				nullID(ev), now); err != nil {
				return r, fmt.Errorf("cannot save answer: %w", err)
			}
			if err := tally(ctx, tx, sc, campaignID, a.ItemID, r.DepartmentID, Answer(a.Answer), 1); err != nil {
				return r, err
			}
			newly++
		}
		after = append(after, answerRecord{ItemID: a.ItemID, Code: code, Answer: Answer(a.Answer), Comment: a.Comment, EvidenceID: ev})
	}
	if len(after) == 0 {
		return r, nil
	}
	if newly > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_respondents SET items_answered = items_answered + ?,
			submitted_at = CASE WHEN items_answered + ? >= items_total THEN ? ELSE submitted_at END
			WHERE org_id = ? AND campaign_id = ? AND person_id = ?`, newly, newly, now, sc.OrgID, campaignID, p.PersonID); err != nil {
			return r, fmt.Errorf("cannot count answers: %w", err)
		}
	}
	type submission struct {
		Answers []answerRecord `json:"answers"`
	}
	var b any
	if len(before) > 0 {
		b = submission{before}
	}
	if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityAnswers,
		EntityID: idText(campaignID) + ":" + idText(p.PersonID), Before: b, After: submission{after}}); err != nil {
		return r, err
	}
	return loadRespondent(ctx, tx, sc, campaignID, p.PersonID)
}

// tally moves a campaign's counts of an answer for an item and department:
// per item and department, per item, per department.
func tally(ctx context.Context, tx *db.Tx, sc scope.Scope, campaignID, itemID, deptID int64, a Answer, delta int) error {
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO campaign_tallies (org_id, campaign_id, item_id, department_id, answer, n) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (campaign_id, item_id, department_id, answer) DO UPDATE SET n = campaign_tallies.n + excluded.n`,
			[]any{sc.OrgID, campaignID, itemID, deptID, string(a), delta}},
		{`INSERT INTO campaign_item_tallies (org_id, campaign_id, item_id, answer, n) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (campaign_id, item_id, answer) DO UPDATE SET n = campaign_item_tallies.n + excluded.n`,
			[]any{sc.OrgID, campaignID, itemID, string(a), delta}},
		{`INSERT INTO campaign_department_tallies (org_id, campaign_id, department_id, answer, n) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (campaign_id, department_id, answer) DO UPDATE SET n = campaign_department_tallies.n + excluded.n`,
			[]any{sc.OrgID, campaignID, deptID, string(a), delta}},
	} {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("cannot count answer: %w", err)
		}
	}
	return nil
}

// refusalRecord is what the trail keeps of a refusal.
type refusalRecord struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
	ItemID int64  `json:"item_id,string,omitempty"`
}

// RecordRefusal writes a refusal to the trail as a denial, in its own
// transaction, when err carries a *Refusal; it does nothing otherwise.
// Call it after the refused step's transaction has been rolled back.
func RecordRefusal(ctx context.Context, d *db.DB, sc scope.Scope, err error) error {
	r, ok := AsRefusal(err)
	if !ok {
		return nil
	}
	return d.Transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Denied, Entity: EntityCampaign, EntityID: idText(r.CampaignID),
			After: refusalRecord{Step: r.Step, Reason: r.Key, ItemID: r.ItemID}})
	})
}

// ListAnswers is one page of a campaign's answers in a reader's reach, for
// the API: every answer for the whole organisation's readers, their
// departments' for a 部局 or 課室's, ordered by person and item.
type AnswerRow struct {
	PersonID     int64  `json:"person_id,string"`
	DepartmentID int64  `json:"department_id,string,omitempty"`
	ItemID       int64  `json:"item_id,string"`
	Answer       Answer `json:"answer"`
	Comment      string `json:"comment"`
	EvidenceID   int64  `json:"evidence_id,string,omitempty"`
	AnsweredAt   int64  `json:"answered_at"`
}

// AnswerPage is one page of answers.
type AnswerPage struct {
	Items      []AnswerRow
	NextCursor string
}

// ListAnswers lists the answers of a campaign a reader of results may
// see, a page at a time.
func ListAnswers(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, campaignID int64, cursor string, limit int) (AnswerPage, error) {
	if _, err := loadCampaign(ctx, q, sc, campaignID); err != nil {
		return AnswerPage{}, err
	}
	g := authz.GrantFor(p, authz.ViewCampaignResults)
	if !g.Any() {
		return AnswerPage{}, fmt.Errorf("cannot list answers of campaign %d: %w", campaignID, ErrForbidden)
	}
	var afterPerson, afterItem int64
	if cursor != "" {
		a, b, ok := strings.Cut(cursor, ".")
		var err1, err2 error
		afterPerson, err1 = strconv.ParseInt(a, 10, 64)
		afterItem, err2 = strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil || afterPerson <= 0 || afterItem <= 0 {
			return AnswerPage{}, invalidCursor()
		}
	}
	where := []string{"a.org_id = ?", "a.campaign_id = ?"}
	args := []any{sc.OrgID, campaignID}
	if !g.All {
		cond, cargs := deptCondition("a.department_id", sc.OrgID, g)
		where = append(where, cond)
		args = append(args, cargs...)
	}
	if cursor != "" {
		// A row value, so the index is searched from the cursor on.
		where = append(where, "(a.person_id, a.item_id) > (?, ?)")
		args = append(args, afterPerson, afterItem)
	}
	limit = limitOf(limit)
	rows, err := q.QueryContext(ctx, `SELECT a.person_id, COALESCE(a.department_id, 0), a.item_id, a.answer, a.comment, COALESCE(a.evidence_id, 0), a.answered_at
		FROM campaign_answers a WHERE `+strings.Join(where, " AND ")+` ORDER BY a.person_id, a.item_id LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return AnswerPage{}, fmt.Errorf("cannot list answers of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var page AnswerPage
	for rows.Next() {
		var a AnswerRow
		var ans string
		if err := rows.Scan(&a.PersonID, &a.DepartmentID, &a.ItemID, &ans, &a.Comment, &a.EvidenceID, &a.AnsweredAt); err != nil {
			return page, fmt.Errorf("cannot read answer: %w", err)
		}
		a.Answer = Answer(ans)
		page.Items = append(page.Items, a)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("cannot list answers of campaign %d: %w", campaignID, err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = idText(last.PersonID) + "." + idText(last.ItemID)
	}
	return page, nil
}

// MyStatuses returns the person's place in those of the campaigns they
// answer, by campaign id.
func MyStatuses(ctx context.Context, q db.Querier, sc scope.Scope, personID int64, campaignIDs []int64) (map[int64]RespondentStatus, error) {
	out := map[int64]RespondentStatus{}
	if len(campaignIDs) == 0 {
		return out, nil
	}
	args := []any{sc.OrgID, personID}
	for _, id := range campaignIDs {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, `SELECT campaign_id, respondent_kinds, items_total, items_answered, COALESCE(submitted_at, 0)
		FROM campaign_respondents WHERE org_id = ? AND person_id = ? AND campaign_id IN (`+placeholders(len(campaignIDs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot load the person's campaigns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r := RespondentStatus{PersonID: personID}
		var kinds string
		if err := rows.Scan(&r.CampaignID, &kinds, &r.ItemsTotal, &r.ItemsAnswered, &r.SubmittedAt); err != nil {
			return nil, fmt.Errorf("cannot read respondent: %w", err)
		}
		r.Kinds = parseKinds(kinds)
		out[r.CampaignID] = r
	}
	return out, rows.Err()
}

// Pending is a campaign awaiting a person's answers.
type Pending struct {
	CampaignID int64
	Title      string
	EndsOn     string
	Left       int
}

// PendingFor lists the open campaigns in which the person has items left
// to answer (the home page's to-do list).
func PendingFor(ctx context.Context, q db.Querier, sc scope.Scope, personID int64) ([]Pending, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.title, c.ends_on, r.items_total - r.items_answered FROM campaign_respondents r
		JOIN campaigns c ON c.id = r.campaign_id AND c.org_id = r.org_id
		WHERE r.org_id = ? AND r.person_id = ? AND c.status = ? AND r.items_answered < r.items_total ORDER BY c.ends_on, c.id LIMIT 20`,
		sc.OrgID, personID, string(CampaignOpen))
	if err != nil {
		return nil, fmt.Errorf("cannot list campaigns awaiting answers: %w", err)
	}
	defer rows.Close()
	var out []Pending
	for rows.Next() {
		var p Pending
		if err := rows.Scan(&p.CampaignID, &p.Title, &p.EndsOn, &p.Left); err != nil {
			return nil, fmt.Errorf("cannot read campaign: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Lagging is an open campaign with respondents who have not finished, or
// past its end date and still open.
type Lagging struct {
	CampaignID int64
	Title      string
	EndsOn     string
	Unfinished int
	Overdue    bool
}

// LaggingCampaigns lists open campaigns with unfinished respondents or
// past their end date, for their managers (the home page).
func LaggingCampaigns(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal) ([]Lagging, error) {
	if !canManage(p) {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.title, c.ends_on, (SELECT COUNT(*) FROM campaign_respondents r
		WHERE r.org_id = c.org_id AND r.campaign_id = c.id AND r.items_answered < r.items_total)
		FROM campaigns c WHERE c.org_id = ? AND c.status = ? ORDER BY c.ends_on, c.id LIMIT 20`, sc.OrgID, string(CampaignOpen))
	if err != nil {
		return nil, fmt.Errorf("cannot list open campaigns: %w", err)
	}
	defer rows.Close()
	var out []Lagging
	for rows.Next() {
		var l Lagging
		if err := rows.Scan(&l.CampaignID, &l.Title, &l.EndsOn, &l.Unfinished); err != nil {
			return nil, fmt.Errorf("cannot read campaign: %w", err)
		}
		l.Overdue = l.EndsOn < today()
		if l.Unfinished > 0 || l.Overdue {
			out = append(out, l)
		}
	}
	return out, rows.Err()
}
