package inspection

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// Report is what the campaign summary shows, in XLSX or on paper: the
// results with their comparison, and who has not finished.
type Report struct {
	Results    Results
	Unfinished []RespondentStatus
	// More is set when the unfinished list was cut at MaxReportUnfinished.
	More bool
}

// MaxReportUnfinished bounds the unfinished list of a report.
const MaxReportUnfinished = 5000

// CampaignReport gathers a campaign's summary for a reader of results.
func CampaignReport(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, campaignID int64) (Report, error) {
	res, err := CampaignResults(ctx, q, sc, p, campaignID)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Results: res}
	f := UnfinishedFilter{Limit: 200}
	for {
		page, err := Unfinished(ctx, q, sc, p, campaignID, f)
		if err != nil {
			return rep, err
		}
		rep.Unfinished = append(rep.Unfinished, page.Items...)
		if page.NextCursor == "" {
			break
		}
		if len(rep.Unfinished) >= MaxReportUnfinished {
			rep.More = true
			break
		}
		f.Cursor = page.NextCursor
	}
	return rep, nil
}

// RecordReportExport keeps the download of a campaign's summary in the trail.
func RecordReportExport(ctx context.Context, tx *db.Tx, sc scope.Scope, campaignID int64, format string) error {
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Export, Entity: EntityCampaign, EntityID: idText(campaignID),
		After: map[string]string{"report": format}})
}

func pct(c Counts) string { return RateText(&c) }

func deltaText(d *float64) string {
	if d == nil {
		return ""
	}
	s := strconv.FormatFloat(*d, 'f', 1, 64)
	if *d > 0 {
		s = "+" + s
	}
	return s
}

// WriteReport writes a campaign's summary as a workbook: 概要 (the
// campaign and the totals), then the results per item, department and
// clause with the previous campaign's 実施率 beside them, and who has not
// finished. t is the catalogue in the reader's language; date writes a
// "YYYY-MM-DD" date as the reader prefers.
func WriteReport(w io.Writer, rep Report, t func(key string, args ...any) string, date func(string) string) error {
	res := rep.Results
	c := res.Campaign
	counts := func(x Counts) []string {
		return []string{strconv.Itoa(x.Done), strconv.Itoa(x.Partial), strconv.Itoa(x.NotDone), strconv.Itoa(x.NA), pct(x)}
	}
	countHead := []string{t("campaign.answer.done"), t("campaign.answer.partial"), t("campaign.answer.not_done"), t("campaign.answer.na"), t("campaign.rate")}
	prevHead := []string{t("campaign.previous_rate"), t("campaign.delta")}
	prev := func(has bool, x Counts, d *float64) []string {
		if !has {
			return []string{"", ""}
		}
		return []string{pct(x), deltaText(d)}
	}
	prevTitle := ""
	if res.Previous != nil {
		prevTitle = res.Previous.Title
	}
	summary := [][]string{
		{t("campaign.report.field"), t("campaign.report.value")},
		{t("campaign.field.title"), c.Title},
		{t("campaign.field.checklist"), t("campaign.checklist_version", c.ChecklistTitle, c.ChecklistVersion)},
		{t("campaign.field.period"), date(c.StartsOn) + " 〜 " + date(c.EndsOn)},
		{t("campaign.field.status"), t(c.Status.Key())},
		{t("campaign.respondents"), strconv.Itoa(c.Respondents)},
		{t("campaign.finished"), strconv.Itoa(c.Finished)},
		{t("campaign.items_answered"), t("campaign.items_of", c.ItemsAnswered, c.ItemsTotal)},
		{t("campaign.answer.done"), strconv.Itoa(res.Total.Done)},
		{t("campaign.answer.partial"), strconv.Itoa(res.Total.Partial)},
		{t("campaign.answer.not_done"), strconv.Itoa(res.Total.NotDone)},
		{t("campaign.answer.na"), strconv.Itoa(res.Total.NA)},
		{t("campaign.rate"), pct(res.Total)},
		{t("campaign.field.previous"), prevTitle},
		{t("campaign.previous_rate"), prev(res.Previous != nil, res.PrevTotal, res.Delta)[0]},
		{t("campaign.delta"), deltaText(res.Delta)},
		{"", ""},
		{t("campaign.rate_note"), ""},
	}
	items := [][]string{append(append([]string{t("checklist.col.code"), t("checklist.col.category"), t("checklist.col.question"),
		t("checklist.col.respondent"), t("checklist.col.priority"), t("checklist.col.clauses")}, countHead...), prevHead...)}
	for _, l := range res.Items {
		prio := ""
		if l.Item.Priority {
			prio = priorityMark
		}
		row := []string{l.Item.Code, l.Item.Category, l.Item.Question, t(l.Item.Respondent.Key()), prio, FormatClauses(l.Item.Clauses)}
		items = append(items, append(append(row, counts(l.Counts)...), prev(l.HasPrevious, l.Previous, l.Delta)...))
	}
	depts := [][]string{append(append([]string{t("campaign.col.department"), t("campaign.respondents"), t("campaign.finished"),
		t("campaign.items_answered")}, countHead...), prevHead...)}
	for _, l := range res.Departments {
		name := l.Name
		if name == "" {
			name = t("campaign.no_department")
		}
		if l.Bureau {
			name = t("campaign.bureau_total", name)
		}
		row := []string{name, strconv.Itoa(l.Respondents), strconv.Itoa(l.Finished), t("campaign.items_of", l.ItemsAnswered, l.ItemsTotal)}
		depts = append(depts, append(append(row, counts(l.Counts)...), prev(l.HasPrevious, l.Previous, l.Delta)...))
	}
	clauses := [][]string{append(append([]string{t("campaign.col.clause"), t("campaign.col.items")}, countHead...), prevHead...)}
	for _, l := range res.Clauses {
		row := []string{l.Clause.Label, strconv.Itoa(l.Items)}
		clauses = append(clauses, append(append(row, counts(l.Counts)...), prev(l.HasPrevious, l.Previous, l.Delta)...))
	}
	unfinished := [][]string{{t("campaign.col.department"), t("campaign.col.person"), t("campaign.items_answered"), t("campaign.col.left")}}
	for _, r := range rep.Unfinished {
		unfinished = append(unfinished, []string{r.DepartmentName, r.Name, t("campaign.items_of", r.ItemsAnswered, r.ItemsTotal), strconv.Itoa(r.Left())})
	}
	if rep.More {
		unfinished = append(unfinished, []string{t("campaign.report.more", MaxReportUnfinished)})
	}
	wb := workbook{sheets: []sheet{
		{name: t("campaign.sheet.summary"), rows: summary},
		{name: t("campaign.sheet.items"), rows: items},
		{name: t("campaign.sheet.departments"), rows: depts},
		{name: t("campaign.sheet.clauses"), rows: clauses},
		{name: t("campaign.sheet.unfinished"), rows: unfinished},
	}}
	if err := wb.write(w); err != nil {
		return fmt.Errorf("cannot write report of campaign %d: %w", c.ID, err)
	}
	return nil
}
