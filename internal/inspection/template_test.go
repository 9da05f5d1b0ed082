package inspection_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/i18n"
	"mamori/internal/inspection"
)

// workbook writes rows to the first sheet (named sheet) of an XLSX file.
func workbook(t testing.TB, sheet string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			t.Fatal(err)
		}
	} else {
		sheet = "Sheet1"
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var header = []string{"番号", "分類", "点検項目", "回答者", "確認する証跡", "重点", "関連条項"}

// testIndex is the clause index of the env's documents, held in memory.
func testIndex() *inspection.ClauseIndex {
	return inspection.NewClauseIndex([]inspection.IndexDocument{
		{ID: 1, Type: "basic_policy", Title: "情報セキュリティ基本方針", Clauses: []string{"6", "6-(3)", "6-(3)-①", "6-(4)", "8"}},
		{ID: 2, Type: "standard", Title: "情報セキュリティ対策基準", Clauses: []string{"2", "2-(1)", "2-(2)", "2-(10)"}},
	})
}

func TestTemplateRows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		row  []string
		// want is "" for a good row, else "COLUMN KEY" of the first problem.
		want string
	}{
		{"complete", []string{"1-1", "組織", "画面をロックしているか", "全職員", "なし", "○", "基本方針 6-(3)-①; 対策基準 2-(1)"}, ""},
		{"blank respondent is everyone", []string{"1-2", "", "施錠しているか", "", "", "", ""}, ""},
		{"manager words", []string{"1-3", "", "台帳を更新しているか", "情報セキュリティ責任者・管理者", "", "◯", ""}, ""},
		{"system admin", []string{"1-4", "", "ログを確認しているか", "情報システム管理者", "", "1", "基本方針 6-(4)"}, ""},
		{"unknown respondent", []string{"2-1", "", "q", "課長", "", "", ""}, "respondent checklist.file.bad_respondent"},
		{"unknown priority mark", []string{"2-2", "", "q", "", "", "たぶん", ""}, "priority checklist.file.bad_priority"},
		{"no question", []string{"2-3", "組織", "", "全職員", "", "", ""}, "question error.required"},
		{"unknown clause", []string{"2-4", "", "q", "", "", "", "基本方針 9-(9)"}, "clauses checklist.clause_unknown"},
		{"unknown document", []string{"2-5", "", "q", "", "", "", "運用要領 1"}, "clauses checklist.clause_unknown_document"},
		{"code too long", []string{strings.Repeat("9", 30), "", "q", "", "", "", ""}, "code error.too_long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			data := workbook(t, inspection.SheetItems, [][]string{header, c.row})
			rep, err := inspection.ParseTemplate(bytes.NewReader(data), "点検表.xlsx", int64(len(data)), testIndex())
			if err != nil {
				t.Fatal(err)
			}
			if rep.File != nil || rep.Rows != 1 {
				t.Fatalf("file problem %+v, rows %d", rep.File, rep.Rows)
			}
			if c.want == "" {
				if !rep.OK() || len(rep.Inputs()) != 1 {
					t.Fatalf("problems %+v", rep.Problems)
				}
				return
			}
			if rep.OK() || len(rep.Items[0].Problems) == 0 {
				t.Fatalf("no problem found in %v", c.row)
			}
			p := rep.Items[0].Problems[0]
			if got := p.Column + " " + p.Key; got != c.want || p.Row != 2 || p.Cell == "" {
				t.Fatalf("problem %+v, want %s at row 2", p, c.want)
			}
		})
	}
}

func TestTemplateFiles(t *testing.T) {
	t.Parallel()
	good := [][]string{header, {"1-1", "", "画面をロックしているか", "", "", "", ""}}
	cases := []struct {
		name string
		data []byte
		file string // the file problem's key, "" for none
		rows int
	}{
		{"not a workbook", []byte("PK\x03\x04 this is no zip"), "tabular.malformed_xlsx", 0},
		{"old excel", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "tabular.old_excel", 0},
		{"empty", nil, "tabular.empty_file", 0},
		{"no question column", workbook(t, "", [][]string{{"番号", "分類"}, {"1", "x"}}), "tabular.missing_columns", 0},
		{"a column twice", workbook(t, "", [][]string{{"点検項目", "点検内容"}, {"a", "b"}}), "tabular.duplicate_header", 0},
		{"header only", workbook(t, inspection.SheetItems, [][]string{header}), "checklist.file.no_rows", 0},
		{"first sheet when there is no 点検表", workbook(t, "Sheet1", good), "", 1},
		{"English headers", workbook(t, "", [][]string{{"code", "question", "respondent", "priority", "clauses"},
			{"A-1", "Lock the screen", "all", "yes", "基本方針 6-(3)-①"}}), "", 1},
		{"CSV as Excel saves it", []byte("番号,点検項目,回答者\r\n1,画面をロックしているか,全職員\r\n"), "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			name := "点検表.xlsx"
			if strings.HasPrefix(c.name, "CSV") {
				name = "点検表.csv"
			}
			rep, err := inspection.ParseTemplate(bytes.NewReader(c.data), name, int64(len(c.data)), testIndex())
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.file == "" && rep.File != nil:
				t.Fatalf("file problem %+v", rep.File)
			case c.file != "" && (rep.File == nil || rep.File.Key != c.file):
				t.Fatalf("file problem %+v, want %s", rep.File, c.file)
			}
			if rep.Rows != c.rows {
				t.Fatalf("rows %d, want %d", rep.Rows, c.rows)
			}
		})
	}
	t.Run("duplicate codes", func(t *testing.T) {
		t.Parallel()
		data := workbook(t, "", [][]string{header, {"1-1", "", "a"}, {"1-1", "", "b"}})
		rep, err := inspection.ParseTemplate(bytes.NewReader(data), "x.xlsx", 0, testIndex())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed != 1 || rep.Items[1].Problems[0].Key != "checklist.file.duplicate_code" || rep.Items[1].Problems[0].Row != 3 {
			t.Fatalf("report %+v", rep.Items)
		}
	})
	t.Run("too many rows", func(t *testing.T) {
		t.Parallel()
		rows := [][]string{header}
		for i := 0; i <= inspection.MaxItems; i++ {
			rows = append(rows, []string{"", "", "q"})
		}
		data := workbook(t, "", rows)
		rep, err := inspection.ParseTemplate(bytes.NewReader(data), "x.xlsx", 0, testIndex())
		if err != nil {
			t.Fatal(err)
		}
		if rep.File == nil || rep.File.Key != "tabular.too_many_rows" {
			t.Fatalf("file problem %+v", rep.File)
		}
	})
}

// The exported template reads back as the same items, and says how to
// fill it in on a sheet of its own.
func TestTemplateRoundTrip(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "往復財団")
		c := e.checklist("点検表", items())
		its, err := inspection.Items(ctx, d, e.sc, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		idx, err := inspection.LoadClauseIndex(ctx, d, e.sc)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := inspection.WriteTemplate(&buf, its, idx.DocumentNames(), cat.For("ja")); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		sheets := f.GetSheetList()
		guide, _ := f.GetCellValue(inspection.SheetGuide, "A1")
		head, _ := f.GetRows(inspection.SheetItems)
		f.Close()
		if strings.Join(sheets, ",") != inspection.SheetItems+","+inspection.SheetGuide || guide == "" || strings.HasPrefix(guide, "checklist.") {
			t.Fatalf("sheets %v, guide %q", sheets, guide)
		}
		if strings.Join(head[0], ",") != strings.Join(header, ",") || head[2][5] != "○" || head[2][6] != "基本方針 6-(3)-①; 対策基準 2-(1)" {
			t.Fatalf("sheet %v", head)
		}
		rep, err := inspection.ReadTemplate(ctx, d, e.sc, e.pDirector, bytes.NewReader(buf.Bytes()), "点検表.xlsx", int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || len(rep.Inputs()) != 4 {
			t.Fatalf("re-read: %+v", rep.Problems)
		}
		for i, in := range rep.Inputs() {
			it := its[i]
			if in.Code != it.Code || in.Question != it.Question || in.Respondent != string(it.Respondent) || in.Priority != it.Priority ||
				in.ClauseText != inspection.FormatClauses(it.Clauses) || in.Category != it.Category {
				t.Errorf("row %d: %+v, want %+v", i+2, in, it)
			}
		}
		// An empty template has the header and the guide only.
		buf.Reset()
		if err := inspection.WriteTemplate(&buf, nil, idx.DocumentNames(), cat.For("ja")); err != nil {
			t.Fatal(err)
		}
		rep, _ = inspection.ParseTemplate(bytes.NewReader(buf.Bytes()), "x.xlsx", 0, nil)
		if rep.File == nil || rep.File.Key != "checklist.file.no_rows" {
			t.Fatalf("empty template: %+v", rep.File)
		}
	})
}

// An import writes every row or none, and its targets: a new checklist, a
// draft's items, a new version of an active checklist.
func TestImportTemplate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "取込財団")
		good := workbook(t, inspection.SheetItems, [][]string{header,
			{"1-1", "人的", "画面をロックしているか", "全職員", "", "○", "基本方針 6-(3)-①"},
			{"1-2", "人的", "パスワードを共有していないか", "", "", "", "対策基準 2-(1)"}})
		bad := workbook(t, inspection.SheetItems, [][]string{header,
			{"1-1", "人的", "画面をロックしているか", "全職員", "", "○", "基本方針 6-(3)-①"},
			{"1-2", "人的", "パスワードを共有していないか", "課長", "", "", "対策基準 2-(1)"}})

		before := e.head()
		err := d.Transact(ctx, func(tx *db.Tx) error {
			_, _, err := inspection.ImportTemplate(ctx, tx, e.sc, e.pDirector, bytes.NewReader(bad), "bad.xlsx", int64(len(bad)),
				inspection.ImportTarget{Title: "取り込み"})
			return err
		})
		if !errors.Is(err, inspection.ErrTemplateProblems) {
			t.Fatalf("bad file: %v", err)
		}
		if n := e.count(`SELECT COUNT(*) FROM checklist_items WHERE org_id = ?`, e.sc.OrgID); n != 0 || e.head() != before {
			t.Fatalf("a refused file wrote %d items and %d trail entries", n, e.head()-before)
		}
		err = d.Transact(ctx, func(tx *db.Tx) error {
			_, _, err := inspection.ImportTemplate(ctx, tx, e.sc, e.pDirector, bytes.NewReader(good), "good.xlsx", int64(len(good)), inspection.ImportTarget{})
			return err
		})
		wantField(t, err, "title", "error.required")

		var c inspection.Checklist
		e.tx(func(tx *db.Tx) (err error) {
			_, c, err = inspection.ImportTemplate(ctx, tx, e.sc, e.pDirector, bytes.NewReader(good), "good.xlsx", int64(len(good)),
				inspection.ImportTarget{Title: "令和8年度 点検表"})
			return err
		})
		if c.ItemCount != 2 || c.Status != inspection.ChecklistDraft {
			t.Fatalf("imported %+v", c)
		}
		// Into the draft again: its items are replaced.
		e.tx(func(tx *db.Tx) (err error) {
			_, c, err = inspection.ImportTemplate(ctx, tx, e.sc, e.pDirector, bytes.NewReader(good), "good.xlsx", 0,
				inspection.ImportTarget{ChecklistID: c.ID})
			return err
		})
		if c.ItemCount != 2 {
			t.Fatalf("replaced %+v", c)
		}
		e.tx(func(tx *db.Tx) (err error) {
			c, err = inspection.Activate(ctx, tx, e.sc, e.pDirector, c.ID)
			return err
		})
		var v2 inspection.Checklist
		e.tx(func(tx *db.Tx) (err error) {
			_, v2, err = inspection.ImportTemplate(ctx, tx, e.sc, e.pDirector, bytes.NewReader(good), "good.xlsx", 0,
				inspection.ImportTarget{ChecklistID: c.ID})
			return err
		})
		if v2.PreviousID != c.ID || v2.VersionNo != 2 {
			t.Fatalf("new version %+v", v2)
		}
		// Someone who may not edit checklists cannot even check a file.
		if _, err := inspection.ReadTemplate(ctx, d, e.sc, e.pOfficer, bytes.NewReader(good), "x.xlsx", 0); !errors.Is(err, inspection.ErrForbidden) {
			t.Fatalf("officer reads a template: %v", err)
		}
	})
}

func TestProblemText(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ja := cat.For("ja")
	p := inspection.TemplateProblem{Row: 3, Header: "回答者", Cell: "D", Key: "checklist.file.bad_respondent", Args: []any{"課長"}}
	if got := inspection.ProblemText(ja, p); !strings.HasPrefix(got, "3行目・回答者: ") || !strings.Contains(got, "課長") {
		t.Fatalf("text %q", got)
	}
	for _, lang := range i18n.Languages {
		for _, k := range []string{"checklist.file.bad_respondent", "checklist.file.bad_priority", "checklist.file.duplicate_code",
			"checklist.file.no_rows", "checklist.file.at_cell", "checklist.file.at_row", "checklist.clause_unknown",
			"checklist.clause_unknown_document", "checklist.clause_ambiguous_document", "checklist.clause_no_version",
			"checklist.clause_no_document", "checklist.clause_missing", "checklist.too_many_items", "checklist.no_items"} {
			if !cat.Has(lang, k) {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
	}
}
