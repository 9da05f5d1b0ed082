package web

// The audit report (監査報告書) as an A4 page to print — without the site's
// frame (templates/audit_print.html redefines "layout") — and as an Excel
// workbook: 概要, 監査項目, 指摘事項, 是正処置 and 資料提出依頼 on their own
// sheets, every cell a plain string (never a formula). The workbook is
// recorded in the trail as an export before the first byte goes out.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

// auditPrintPage is the report to print.
type auditPrintPage struct {
	auditShowPage
	Printed  string
	Draft    bool // not yet approved: printed as 案
	Period   string
	Approved string
	Auditors string
	Depts    string
	Clauses  string
	Systems  string
}

func (s *Server) auditReportPrint(w http.ResponseWriter, r *http.Request) error {
	base, err := s.auditShowData(r, auditFormState{})
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := auditPrintPage{auditShowPage: base, Draft: base.A.Status != audit.Final,
		Printed: s.reportDate(r, time.Now()), Period: s.reportDate(r, isoDay(base.A.StartsOn)) + "〜" + s.reportDate(r, isoDay(base.A.EndsOn))}
	if base.A.ApprovedAt != 0 {
		page.Approved = s.reportDate(r, db.Time(base.A.ApprovedAt))
	}
	page.Auditors, page.Depts, page.Clauses, page.Systems = s.scopeTexts(lang, base.A)
	return s.renderTitled(w, r, "audit_print", s.cat.T(lang, "audit.report.title_of", base.A.Title), page)
}

// reportDate writes a date as the reader prefers it.
func (s *Server) reportDate(r *http.Request, t time.Time) string {
	id := httpx.IdentityFrom(r.Context())
	return formatDate(t.In(wareki.Location), id != nil && id.Account.DateStyle == "iso", false, s.lang(r))
}

// scopeTexts lists an engagement's auditors and scope as lines of text.
func (s *Server) scopeTexts(lang string, a audit.Audit) (auditors, depts, clauses, systems string) {
	join := func(acc, v string) string {
		if acc == "" {
			return v
		}
		return acc + "、" + v
	}
	for _, x := range a.Auditors {
		name := x.Name
		if x.Lead {
			name += s.cat.T(lang, "audit.lead_suffix")
		}
		auditors = join(auditors, name)
	}
	for _, e := range a.Scope {
		switch e.Kind {
		case audit.ScopeDepartment:
			depts = join(depts, e.Label)
		case audit.ScopeClause:
			clauses = join(clauses, e.Label)
		case audit.ScopeSystem:
			systems = join(systems, e.Label)
		}
	}
	return
}

// exportRecordXLSX is what the trail keeps of a report download.
type auditExportRecord struct {
	AuditID  int64  `json:"audit_id,string"`
	Format   string `json:"format"`
	Findings int    `json:"findings"`
}

func (s *Server) auditReportXLSX(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	page, err := s.auditShowData(r, auditFormState{})
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	t := s.cat.For(lang)
	a := page.A

	f := excelize.NewFile()
	defer f.Close()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49,
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
		Border: []excelize.Border{{Type: "bottom", Color: "#8EA9DB", Style: 1}}})
	if err != nil {
		return fmt.Errorf("cannot style report: %w", err)
	}
	wrap, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("cannot style report: %w", err)
	}
	// sheet writes a table: a header row, then rows, every cell a string.
	sheet := func(name string, widths []float64, header []string, rows [][]string) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		all := append([][]string{header}, rows...)
		for i, row := range all {
			for j, v := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if err := f.SetCellStr(name, cell, v); err != nil {
					return err
				}
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(header), len(all))
		if err := f.SetCellStyle(name, "A2", last, wrap); err != nil && len(all) > 1 {
			return err
		}
		end, _ := excelize.CoordinatesToCellName(len(header), 1)
		if err := f.SetCellStyle(name, "A1", end, head); err != nil {
			return err
		}
		for j, wd := range widths {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColWidth(name, col, col, wd); err != nil {
				return err
			}
		}
		return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	auditors, depts, clauses, systems := s.scopeTexts(lang, a)
	period := s.reportDate(r, isoDay(a.StartsOn)) + "〜" + s.reportDate(r, isoDay(a.EndsOn))
	approved := ""
	if a.ApprovedAt != 0 {
		approved = s.reportDate(r, db.Time(a.ApprovedAt)) + " " + page.ApproverName
	}
	summary := [][]string{
		{t("audit.field.title"), a.Title},
		{t("audit.field.status"), t(a.Status.Key())},
		{t("audit.field.period"), period},
		{t("audit.field.objective"), a.Objective},
		{t("audit.scope_departments"), depts},
		{t("audit.scope_systems"), systems},
		{t("audit.scope_clauses"), clauses},
		{t("audit.auditors"), auditors},
		{t("audit.findings_count"), t("audit.findings_summary", page.Counts.Major, page.Counts.Minor, page.Counts.Observation)},
		{t("audit.report.draft"), a.DraftReport},
		{t("audit.report.response"), a.Response},
		{t("audit.report.final"), a.FinalReport},
		{t("audit.report.approved"), approved},
	}
	if err := sheet(t("audit.xlsx.summary"), []float64{24, 90}, []string{t("audit.xlsx.col_item"), t("audit.xlsx.col_value")}, summary); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	var items [][]string
	for _, it := range page.Items {
		items = append(items, []string{strconv.Itoa(it.I.Seq), it.I.Item, it.I.Criteria, it.I.Method, it.Clause, t(it.ResultKey), it.I.Note})
	}
	if err := sheet(t("audit.items"), []float64{6, 40, 30, 30, 24, 12, 30},
		[]string{t("audit.field.seq"), t("audit.field.item"), t("audit.field.criteria"), t("audit.field.method"), t("audit.field.clause"), t("audit.field.result"), t("audit.field.note")}, items); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	var findings, actions [][]string
	for i, fr := range page.Findings {
		findings = append(findings, []string{strconv.Itoa(i + 1), t(fr.F.Severity.Key()), fr.F.Title, fr.F.Description, fr.Department, fr.Clause})
		for _, ac := range fr.Actions {
			actions = append(actions, []string{strconv.Itoa(i + 1), fr.F.Title, ac.A.Title, ac.Owner,
				s.reportDate(r, isoDay(ac.A.DueOn)), t(ac.A.Status.Key())})
		}
	}
	if err := sheet(t("audit.findings"), []float64{6, 12, 36, 48, 20, 24},
		[]string{t("audit.field.no"), t("audit.field.severity"), t("audit.field.finding_title"), t("audit.field.description"), t("audit.field.department"), t("audit.field.clause")}, findings); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	if err := sheet(t("action.title"), []float64{10, 30, 36, 16, 16, 14},
		[]string{t("audit.xlsx.col_finding_no"), t("audit.field.finding_title"), t("action.field.title"), t("action.field.owner"), t("action.field.due_on"), t("action.field.status")}, actions); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	var reqs [][]string
	for _, rq := range page.Requests {
		reqs = append(reqs, []string{rq.Department, rq.R.Request, s.reportDate(r, isoDay(rq.R.DueOn)), rq.R.Reply, rq.R.ReplierName})
	}
	if err := sheet(t("audit.requests"), []float64{20, 40, 16, 40, 16},
		[]string{t("audit.field.department"), t("audit.field.request"), t("audit.field.due_on"), t("audit.field.reply"), t("audit.field.replied_by")}, reqs); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return fmt.Errorf("cannot write report: %w", err)
	}
	if err := s.transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Export, Entity: audit.EntityAudit, EntityID: strconv.FormatInt(a.ID, 10),
			After: auditExportRecord{AuditID: a.ID, Format: "xlsx", Findings: len(page.Findings)}})
	}); err != nil {
		return err
	}
	name := t("audit.xlsx.file_name", a.ID) + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%d.xlsx"; filename*=UTF-8''%s`, a.ID, url.PathEscape(name)))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}
