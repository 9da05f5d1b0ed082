package inspection

import (
	"fmt"
	"html"
	"strings"
)

// The dashboard's charts are drawn here as SVG, on the server: no script,
// no outside library, nothing fetched. Each chart is an image with a title
// and a description (role="img", aria-labelledby), and the page shows the
// same numbers in a table for anyone who does not see the chart. Colours
// are never the only carrier: every cell and point has its number written.

// HeatRow is a row of a heat map: a label and one cell per column.
type HeatRow struct {
	Label string
	Cells []*Counts
}

// ChartText is the wording of a chart, already in the reader's language.
type ChartText struct {
	ID     string // unique on the page, for aria-labelledby
	Title  string
	Desc   string
	NoData string // written in a cell without answers
}

// svgEscape escapes text for SVG (XML) content and attributes.
func svgEscape(s string) string { return html.EscapeString(s) }

// rateFill is a cell's colour by 実施率: light shades so dark text stays
// readable (contrast over 7:1 for #1b1b1b on each).
func rateFill(c *Counts) string {
	if c == nil || c.Rate() < 0 {
		return "#eeeeee"
	}
	switch r := c.Rate(); {
	case r >= 95:
		return "#b7e1c7"
	case r >= 80:
		return "#d9f0e1"
	case r >= 60:
		return "#fff1c2"
	case r >= 40:
		return "#ffd9b3"
	}
	return "#f8c4c4"
}

// clip shortens a label to n characters with an ellipsis.
func clipLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// HeatmapSVG draws rows × columns of 実施率, one cell per campaign.
func HeatmapSVG(t ChartText, columns []string, rows []HeatRow) string {
	const (
		labelW = 230
		cellW  = 96
		cellH  = 30
		headH  = 44
		pad    = 8
	)
	w := labelW + cellW*len(columns) + pad*2
	h := headH + cellH*len(rows) + pad*2
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="%[1]s-title %[1]s-desc" viewBox="0 0 %[2]d %[3]d" width="%[2]d" height="%[3]d" font-family="sans-serif" font-size="13">`,
		svgEscape(t.ID), w, h)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, svgEscape(t.ID), svgEscape(t.Title), svgEscape(t.ID), svgEscape(t.Desc))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, h)
	for i, c := range columns {
		x := pad + labelW + i*cellW + cellW/2
		lines := splitColumnLabel(c)
		for j, l := range lines {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#1b1b1b" font-size="12">%s</text>`, x, pad+16+j*15, svgEscape(clipLabel(l, 8)))
		}
	}
	for r, row := range rows {
		y := pad + headH + r*cellH
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#1b1b1b">%s</text>`, pad, y+cellH/2+5, svgEscape(clipLabel(row.Label, 17)))
		for i := range columns {
			var c *Counts
			if i < len(row.Cells) {
				c = row.Cells[i]
			}
			x := pad + labelW + i*cellW
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ffffff" stroke-width="2"/>`, x, y, cellW, cellH, rateFill(c))
			txt := RateText(c)
			if txt == "—" && t.NoData != "" {
				txt = t.NoData
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#1b1b1b">%s</text>`, x+cellW/2, y+cellH/2+5, svgEscape(txt))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// splitColumnLabel breaks a campaign label onto at most two lines at a
// space ("令和6年度 自己点検" → "令和6年度", "自己点検").
func splitColumnLabel(s string) []string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " 　"); i > 0 {
		first := s[:i]
		rest := strings.TrimSpace(s[i:])
		if rest != "" {
			return []string{first, rest}
		}
	}
	return []string{s}
}

// LineSVG draws the overall 実施率 campaign after campaign.
func LineSVG(t ChartText, columns []string, values []Counts) string {
	const (
		left   = 64
		right  = 64
		top    = 28
		bottom = 56
		stepW  = 140
		plotH  = 180
	)
	n := len(columns)
	w := left + right + max(stepW*(n-1), stepW)
	h := top + plotH + bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="%[1]s-title %[1]s-desc" viewBox="0 0 %[2]d %[3]d" width="%[2]d" height="%[3]d" font-family="sans-serif" font-size="13">`,
		svgEscape(t.ID), w, h)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, svgEscape(t.ID), svgEscape(t.Title), svgEscape(t.ID), svgEscape(t.Desc))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, w, h)
	for _, pct := range []int{0, 25, 50, 75, 100} {
		y := top + plotH - plotH*pct/100
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#d0d0d0" stroke-width="1"/>`, left, y, w-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#444444" font-size="12">%d%%</text>`, left-8, y+4, pct)
	}
	x := func(i int) int {
		if n == 1 {
			return left + (w-left-right)/2
		}
		return left + i*stepW
	}
	var pts []string
	for i := range values {
		if values[i].Rate() < 0 {
			continue
		}
		y := top + plotH - int(values[i].Rate()*float64(plotH)/100)
		pts = append(pts, fmt.Sprintf("%d,%d", x(i), y))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1f5fa8" stroke-width="3"/>`, strings.Join(pts, " "))
	}
	for i := range values {
		c := values[i]
		if c.Rate() >= 0 {
			y := top + plotH - int(c.Rate()*float64(plotH)/100)
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="5" fill="#1f5fa8"/>`, x(i), y)
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#1b1b1b" font-weight="bold">%s</text>`, x(i), max(y-10, 12), svgEscape(RateText(&c)))
		}
	}
	for i, c := range columns {
		for j, l := range splitColumnLabel(c) {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#1b1b1b" font-size="12">%s</text>`, x(i), top+plotH+20+j*15, svgEscape(clipLabel(l, 9)))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
