package inspection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// LoadedAnswers is one respondent's answers in a bulk load.
type LoadedAnswers struct {
	PersonID int64
	Answers  []AnswerInput // item, answer and comment; files are not loaded
}

// ErrAlreadyAnswered is returned when a bulk load names a respondent who
// has answered already: a load writes first answers only.
var ErrAlreadyAnswered = fmt.Errorf("inspection: respondent has answered already: %w", db.ErrConflict)

// ErrInvalidAnswer is returned when a bulk load holds an answer that is no
// valid choice, an item twice for one person, or too long a comment.
var ErrInvalidAnswer = errors.New("inspection: invalid answer in a load")

// LoadAnswers writes many respondents' first answers to an open campaign
// at once, as a data load does (the demo data; last year's results moved
// in from another system) where SaveAnswers would take a statement per
// answer. The rules are SaveAnswers': the campaign must be open, each
// respondent one it asks and each item one they are asked, each answer a
// valid choice; anything else refuses the whole load and nothing is
// written. The trail gets one entry per respondent, as a submission, and
// the tallies are counted again at the end. Only those who run campaigns
// may load answers.
func LoadAnswers(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, campaignID int64, in []LoadedAnswers) error {
	if !authz.CanSome(p, authz.ManageCampaigns) {
		return fmt.Errorf("cannot load answers of campaign %d: %w", campaignID, ErrForbidden)
	}
	c, err := loadCampaign(ctx, tx, sc, campaignID)
	if err != nil {
		return err
	}
	switch c.Status {
	case CampaignClosed:
		return &Refusal{Key: "campaign.refused.closed", Step: "answer", CampaignID: campaignID}
	case CampaignPlanned:
		return &Refusal{Key: "campaign.refused.not_open_yet", Step: "answer", CampaignID: campaignID}
	}
	items, err := listItems(ctx, tx, sc, c.ChecklistID, "")
	if err != nil {
		return err
	}
	byID := make(map[int64]Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	type respondent struct {
		dept     int64
		kinds    []Respondent
		answered int
	}
	resp := map[int64]respondent{}
	rows, err := tx.QueryContext(ctx, `SELECT person_id, COALESCE(department_id, 0), respondent_kinds, items_answered
		FROM campaign_respondents WHERE org_id = ? AND campaign_id = ?`, sc.OrgID, campaignID)
	if err != nil {
		return fmt.Errorf("cannot load respondents of campaign %d: %w", campaignID, err)
	}
	for rows.Next() {
		var id int64
		var r respondent
		var kinds string
		if err := rows.Scan(&id, &r.dept, &kinds, &r.answered); err != nil {
			rows.Close()
			return fmt.Errorf("cannot load respondents of campaign %d: %w", campaignID, err)
		}
		r.kinds = parseKinds(kinds)
		resp[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot load respondents of campaign %d: %w", campaignID, err)
	}

	now := db.Now()
	const perInsert = 100
	var vals []string
	var args []any
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO campaign_answers (org_id, campaign_id, item_id, person_id, department_id, answer, comment, answered_at) VALUES `+
			strings.Join(vals, ", "), args...)
		vals, args = vals[:0], args[:0]
		if err != nil {
			return fmt.Errorf("cannot load answers of campaign %d: %w", campaignID, err)
		}
		return nil
	}
	type submission struct {
		Answers []answerRecord `json:"answers"`
	}
	var changes []trail.Change
	for _, la := range in {
		r, ok := resp[la.PersonID]
		if !ok {
			return &Refusal{Key: "campaign.refused.not_respondent", Step: "answer", CampaignID: campaignID, Forbidden: true}
		}
		if r.answered != 0 {
			return fmt.Errorf("person %d in campaign %d: %w", la.PersonID, campaignID, ErrAlreadyAnswered)
		}
		r.answered = -1 // a person named twice is refused as answered
		resp[la.PersonID] = r
		var after []answerRecord
		seen := map[int64]bool{}
		for _, a := range la.Answers {
			it, ok := byID[a.ItemID]
			if !ok || !slices.Contains(r.kinds, it.Respondent) {
				return &Refusal{Key: "campaign.refused.not_your_item", Step: "answer", CampaignID: campaignID, ItemID: a.ItemID, Forbidden: true}
			}
			if seen[a.ItemID] || !Answer(a.Answer).IsValid() || len([]rune(a.Comment)) > maxComment {
				return fmt.Errorf("person %d, item %s of campaign %d: %w", la.PersonID, it.Code, campaignID, ErrInvalidAnswer)
			}
			seen[a.ItemID] = true
			vals = append(vals, "(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, sc.OrgID, campaignID, a.ItemID, la.PersonID, nullID(r.dept), a.Answer, a.Comment, now)
			if len(vals) == perInsert {
				if err := flush(); err != nil {
					return err
				}
			}
			after = append(after, answerRecord{ItemID: a.ItemID, Code: it.Code, Answer: Answer(a.Answer), Comment: a.Comment})
		}
		if len(after) > 0 {
			changes = append(changes, trail.Change{Action: trail.Update, Entity: EntityAnswers,
				EntityID: idText(campaignID) + ":" + idText(la.PersonID), After: submission{after}})
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := trail.RecordMany(ctx, tx, sc, changes); err != nil {
		return err
	}
	if err := Retally(ctx, tx, sc, campaignID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaign_respondents SET submitted_at = ?
		WHERE org_id = ? AND campaign_id = ? AND submitted_at IS NULL AND items_total > 0 AND items_answered >= items_total`,
		now, sc.OrgID, campaignID); err != nil {
		return fmt.Errorf("cannot mark submissions of campaign %d: %w", campaignID, err)
	}
	return nil
}
