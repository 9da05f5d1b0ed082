// Package inspection owns self-inspection (自己点検, seed §6(9), §7):
// checklist templates (点検表) whose items are tied to clauses of the basic
// policy and the standards, their exchange as Excel workbooks, campaigns
// that ask departments and people to answer them, the answers, progress,
// results per item, department and clause compared with the previous
// campaign, the reports and the dashboard built on them, and the steps that
// lead on from a result: a corrective action for a 未実施 answer and a §8
// review request for a clause.
//
// Every function takes the organisation scope and filters by it; who may
// do what comes from package authz. Every write records a trail entry in
// its own transaction. Counters kept on every write (a respondent's items
// answered, the campaign_tallies per item, department and answer) let the
// progress and results pages answer with GROUP BY queries over a few
// thousand rows, whatever the number of answers.
package inspection

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/wareki"
)

// Trail entity names of this package.
const (
	EntityChecklist = "checklist"
	EntityItem      = "checklist_item" // entity id: the item
	EntityCampaign  = "campaign"
	EntityAnswers   = "campaign_answers" // entity id: "campaignID:personID"
)

// ErrForbidden is returned when the role table does not allow a step; it
// matches authz.ErrForbidden.
var ErrForbidden = fmt.Errorf("inspection: %w", authz.ErrForbidden)

// ErrState is returned for a step the record's status does not allow
// (changing an active checklist, opening a closed campaign); it matches
// db.ErrConflict too.
var ErrState = fmt.Errorf("inspection: not allowed in this status: %w", db.ErrConflict)

// Respondent says who answers an item.
type Respondent string

const (
	RespondAll         Respondent = "all"          // every worker (職員等)
	RespondManager     Respondent = "manager"      // 情報セキュリティ責任者・管理者
	RespondSystemAdmin Respondent = "system_admin" // 情報システム管理者
)

// Respondents lists them in display order.
var Respondents = []Respondent{RespondAll, RespondManager, RespondSystemAdmin}

// IsValid reports whether r is known.
func (r Respondent) IsValid() bool { return slices.Contains(Respondents, r) }

// Key is the message key of r's name.
func (r Respondent) Key() string { return "checklist.respondent." + string(r) }

// ShortKey is the message key of r's short name, for tables.
func (r Respondent) ShortKey() string { return "checklist.respondent_short." + string(r) }

// Answer is a respondent's answer to an item.
type Answer string

const (
	Done    Answer = "done"     // 実施している
	Partial Answer = "partial"  // 一部実施
	NotDone Answer = "not_done" // 未実施
	NA      Answer = "na"       // 該当なし
)

// Answers lists them in display order.
var Answers = []Answer{Done, Partial, NotDone, NA}

// IsValid reports whether a is known.
func (a Answer) IsValid() bool { return slices.Contains(Answers, a) }

// Key is the message key of a's name.
func (a Answer) Key() string { return "campaign.answer." + string(a) }

// ChecklistStatus is where a checklist version is in its life: a draft is
// edited, an active version is used by campaigns and never changes, a
// retired one is kept for the campaigns that used it.
type ChecklistStatus string

const (
	ChecklistDraft   ChecklistStatus = "draft"
	ChecklistActive  ChecklistStatus = "active"
	ChecklistRetired ChecklistStatus = "retired"
)

// ChecklistStatuses lists them in display order.
var ChecklistStatuses = []ChecklistStatus{ChecklistDraft, ChecklistActive, ChecklistRetired}

// Key is the message key of s's name.
func (s ChecklistStatus) Key() string { return "checklist.status." + string(s) }

// CampaignStatus is where a campaign is: planned (respondents not yet
// fixed), open (answers come in), closed (answers locked).
type CampaignStatus string

const (
	CampaignPlanned CampaignStatus = "planned"
	CampaignOpen    CampaignStatus = "open"
	CampaignClosed  CampaignStatus = "closed"
)

// CampaignStatuses lists them in display order.
var CampaignStatuses = []CampaignStatus{CampaignPlanned, CampaignOpen, CampaignClosed}

// Key is the message key of s's name.
func (s CampaignStatus) Key() string { return "campaign.status." + string(s) }

// Refusal is a step refused by the rules of a campaign: answering after it
// closed, an item one is not asked, a campaign one does not answer. It says
// which rule (Key, a message key) and matches ErrForbidden (about the
// person) or ErrState (about the campaign's status). The step's transaction
// is rolled back, so nothing is half-saved; the edge then calls
// RecordRefusal, which keeps the refusal in the trail.
type Refusal struct {
	Key        string
	Step       string // answer, open, close, raise_action, request_review, edit
	CampaignID int64
	ItemID     int64
	Forbidden  bool
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("campaign %d item %d: %s refused (%s)", r.CampaignID, r.ItemID, r.Step, r.Key)
}

// Unwrap lets errors.Is match the refusal's kind.
func (r *Refusal) Unwrap() error {
	if r.Forbidden {
		return ErrForbidden
	}
	return ErrState
}

// AsRefusal returns the refusal in err's chain, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// idText writes an id for a trail entity id.
func idText(id int64) string { return strconv.FormatInt(id, 10) }

// today is the date in Japan, "YYYY-MM-DD".
func today() string { return time.Now().In(wareki.Location).Format("2006-01-02") }

// parseDate reads a date as people type it (令和7年4月1日, R7.4.1,
// 2025-04-01) and returns it as "YYYY-MM-DD".
func parseDate(s string) (string, bool) {
	t, err := wareki.Parse(s)
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, 0, n*3)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}
