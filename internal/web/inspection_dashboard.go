package web

// The self-inspection dashboard: compliance campaign after campaign,
// overall, per 部局 and per clause, drawn as SVG on the server, with the
// same numbers in tables.

import (
	"html/template"
	"net/http"

	"mamori/internal/authz"
	"mamori/internal/inspection"
)

type inspDashboardRow struct {
	Label string
	Cells []string
}

type inspDashboardPage struct {
	T           inspection.Trend
	Columns     []string
	Overall     []string
	Departments []inspDashboardRow
	Clauses     []inspDashboardRow
	LineSVG     template.HTML
	DeptSVG     template.HTML
	ClauseSVG   template.HTML
	OrgWide     bool
	// Tables are the per-部局 and per-clause numbers under the charts.
	Tables []inspTrendTable
}

// inspTrendTable is a table of 実施率 by row and campaign.
type inspTrendTable struct {
	ID, Caption, Head string
	Columns           []string
	Rows              []inspDashboardRow
}

func inspTrendRows(rows []inspection.TrendRow) ([]inspDashboardRow, []inspection.HeatRow) {
	var out []inspDashboardRow
	var heat []inspection.HeatRow
	for _, r := range rows {
		d := inspDashboardRow{Label: r.Label}
		for _, c := range r.Cells {
			d.Cells = append(d.Cells, inspection.RateText(c))
		}
		out = append(out, d)
		heat = append(heat, inspection.HeatRow{Label: r.Label, Cells: r.Cells})
	}
	return out, heat
}

func (s *Server) inspectionDashboard(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	tr, err := inspection.CampaignTrend(r.Context(), s.db, sc, id.Principal, inspection.MaxTrend)
	if err != nil {
		return inspectionError(err, authz.ViewCampaignResults)
	}
	reach, _ := inspection.ReachOf(id.Principal)
	t := s.cat.For(s.lang(r))
	data := inspDashboardPage{T: tr, OrgWide: reach.All}
	for i, c := range tr.Campaigns {
		data.Columns = append(data.Columns, c.Title)
		data.Overall = append(data.Overall, inspection.RateText(&tr.Overall[i]))
	}
	var deptHeat, clauseHeat []inspection.HeatRow
	data.Departments, deptHeat = inspTrendRows(tr.Departments)
	data.Clauses, clauseHeat = inspTrendRows(tr.Clauses)
	if len(tr.Campaigns) > 0 {
		// The SVG is built by package inspection from escaped text only.
		data.LineSVG = template.HTML(inspection.LineSVG(inspection.ChartText{ID: "chart-overall", Title: t("inspection.chart_overall_title"),
			Desc: t("inspection.chart_overall_desc", len(tr.Campaigns))}, data.Columns, tr.Overall))
		data.DeptSVG = template.HTML(inspection.HeatmapSVG(inspection.ChartText{ID: "chart-departments", Title: t("inspection.chart_departments_title"),
			Desc: t("inspection.chart_heat_desc"), NoData: "—"}, data.Columns, deptHeat))
		if len(clauseHeat) > 0 {
			data.ClauseSVG = template.HTML(inspection.HeatmapSVG(inspection.ChartText{ID: "chart-clauses", Title: t("inspection.chart_clauses_title"),
				Desc: t("inspection.chart_heat_desc"), NoData: "—"}, data.Columns, clauseHeat))
		}
	}
	data.Tables = []inspTrendTable{
		{ID: "dept-table", Caption: t("inspection.table_departments"), Head: t("inspection.col.bureau"), Columns: data.Columns, Rows: data.Departments},
		{ID: "clause-table", Caption: t("inspection.table_clauses"), Head: t("campaign.col.clause"), Columns: data.Columns, Rows: data.Clauses},
	}
	return s.render(w, r, "inspection_dashboard", "inspection.dashboard_title", data)
}
