package inspection_test

import (
	"bytes"
	"testing"

	"mamori/internal/inspection"
)

// FuzzParseTemplate feeds arbitrary files to the checklist template reader:
// it must never panic nor fail for data (only for a broken reader), and
// what it accepts must be valid items. The seed corpus in
// testdata/fuzz/FuzzParseTemplate holds a good workbook, one with every
// kind of row problem, a CSV in UTF-8 and in Shift_JIS, and broken zips.
func FuzzParseTemplate(f *testing.F) {
	f.Add(workbook(f, inspection.SheetItems, [][]string{header,
		{"1-1", "人的", "画面をロックしているか", "全職員", "", "○", "基本方針 6-(3)-①; 対策基準 2-(1)"}}))
	f.Add([]byte("番号,点検項目,回答者,重点\r\n1,施錠しているか,管理者,○\r\n"))
	f.Add([]byte("PK\x03\x04\x14\x00"))
	idx := testIndex()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"点検表.xlsx", "点検表.csv"} {
			rep, err := inspection.ParseTemplate(bytes.NewReader(data), name, int64(len(data)), idx)
			if err != nil {
				t.Fatalf("%s: an in-memory file failed the reader: %v", name, err)
			}
			if rep.Failed > rep.Rows || rep.ProblemCount < len(rep.Problems) || (rep.Failed > 0 && rep.ProblemCount == 0) {
				t.Fatalf("%s: inconsistent report %+v", name, rep)
			}
			if !rep.OK() {
				continue
			}
			if len(rep.Inputs()) != rep.Rows {
				t.Fatalf("%s: %d inputs for %d rows", name, len(rep.Inputs()), rep.Rows)
			}
			for _, in := range rep.Inputs() {
				if in.Question == "" || !inspection.Respondent(in.Respondent).IsValid() {
					t.Fatalf("%s: accepted an invalid item %+v", name, in)
				}
			}
		}
	})
}
