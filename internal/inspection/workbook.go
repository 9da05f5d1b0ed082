package inspection

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"mamori/internal/tabular"
)

// sheet is one worksheet of a workbook this package writes.
type sheet struct {
	name string
	rows [][]string
	// lists offers a drop-down of words in a column (0-based) below the
	// header, for a sheet people fill in by hand.
	lists map[int][]string
	// plain sheets (explanations) have no header row styling.
	plain  bool
	widths []float64
}

// workbook writes several sheets. The first goes through
// tabular.XLSXWriter (text cells, formula neutralisation, a frozen header,
// widths from the content); the others are added to that workbook, their
// cells plain text too.
type workbook struct{ sheets []sheet }

// maxListRows is how far down a drop-down reaches.
const maxListRows = 2000

func (wb workbook) write(w io.Writer) error {
	if len(wb.sheets) == 0 {
		return fmt.Errorf("workbook without sheets")
	}
	var buf bytes.Buffer
	first := wb.sheets[0]
	xw, err := tabular.NewXLSXWriter(&buf, first.name)
	if err != nil {
		return fmt.Errorf("cannot start workbook: %w", err)
	}
	for _, row := range first.rows {
		if err := xw.WriteRow(row); err != nil {
			_ = xw.Close()
			return fmt.Errorf("cannot write sheet %s: %w", first.name, err)
		}
	}
	if err := xw.Close(); err != nil {
		return fmt.Errorf("cannot write sheet %s: %w", first.name, err)
	}
	if len(wb.sheets) == 1 && len(first.lists) == 0 && len(first.widths) == 0 {
		_, err := w.Write(buf.Bytes())
		return err
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		return fmt.Errorf("cannot reopen workbook: %w", err)
	}
	defer f.Close()
	// Widths asked for (a sheet people fill in by hand needs room even
	// when it is empty).
	for c, wd := range first.widths {
		name := tabular.ColumnName(c)
		if err := f.SetColWidth(first.name, name, name, wd); err != nil {
			return fmt.Errorf("cannot size sheet %s: %w", first.name, err)
		}
	}
	for col, words := range first.lists {
		dv := excelize.NewDataValidation(true)
		name := tabular.ColumnName(col)
		dv.Sqref = name + "2:" + name + strconv.Itoa(maxListRows)
		if err := dv.SetDropList(words); err != nil {
			return fmt.Errorf("cannot add a list to sheet %s: %w", first.name, err)
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, "", "")
		if err := f.AddDataValidation(first.name, dv); err != nil {
			return fmt.Errorf("cannot add a list to sheet %s: %w", first.name, err)
		}
	}
	header, err := f.NewStyle(&excelize.Style{
		Font:   &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
		Border: []excelize.Border{{Type: "bottom", Color: "#8EA9DB", Style: 1}},
		NumFmt: 49,
	})
	if err != nil {
		return fmt.Errorf("cannot style workbook: %w", err)
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("cannot style workbook: %w", err)
	}
	for _, s := range wb.sheets[1:] {
		if _, err := f.NewSheet(s.name); err != nil {
			return fmt.Errorf("cannot add sheet %s: %w", s.name, err)
		}
		widths := make([]int, 0, 8)
		for i, row := range s.rows {
			for c, v := range row {
				cell, err := excelize.CoordinatesToCellName(c+1, i+1)
				if err != nil {
					return err
				}
				// SetCellStr stores text as text: nothing is ever a formula.
				if err := f.SetCellStr(s.name, cell, v); err != nil {
					return fmt.Errorf("cannot write sheet %s: %w", s.name, err)
				}
				st := text
				if i == 0 && !s.plain {
					st = header
				}
				if err := f.SetCellStyle(s.name, cell, cell, st); err != nil {
					return fmt.Errorf("cannot style sheet %s: %w", s.name, err)
				}
				for len(widths) <= c {
					widths = append(widths, 0)
				}
				widths[c] = max(widths[c], textWidth(v))
			}
		}
		for c, wd := range widths {
			width := float64(min(max(wd+2, 8), 60))
			if c < len(s.widths) {
				width = s.widths[c]
			}
			name := tabular.ColumnName(c)
			if err := f.SetColWidth(s.name, name, name, width); err != nil {
				return fmt.Errorf("cannot size sheet %s: %w", s.name, err)
			}
		}
		if !s.plain && len(s.rows) > 1 {
			if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
				return fmt.Errorf("cannot freeze sheet %s: %w", s.name, err)
			}
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// textWidth is a text's widest line in half-width cells, a full-width
// character counting two.
func textWidth(s string) int {
	widest, n := 0, 0
	for _, r := range s {
		switch {
		case r == '\n':
			widest, n = max(widest, n), 0
		case r >= 0x1100:
			n += 2
		default:
			n++
		}
	}
	return max(widest, n)
}
