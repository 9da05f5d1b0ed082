package assetfile_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// The same register as each kind of file offices send: Shift_JIS CSV as
// Excel in Japan saves it (CRLF), UTF-8 with BOM, and a workbook, with
// Japanese headers and values in Japanese words, codes, 和暦 and ISO.
func TestDryRunReadsRealFiles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		old := e.create(e.input("旧システム"))
		rows := [][]string{
			{"管理番号", "名称", "種別", "説明", "所属", "管理責任者", "管理者（保管者）", "設置場所", "管理区域", "ネットワーク領域",
				"機密性", "完全性", "可用性", "保存期間", "状態", "次回見直し日", "タグ", "備考"},
			{"", "人事給与システム", "情報システム", "給与計算と人事記録", "総務部／総務課", "hanako", "高橋 太郎", "サーバ室", "○", "LGWAN接続系",
				"機密性３", "2", "2", "5年", "使用中", "令和8年4月1日", "個人情報、給与", "メモ"},
			{"", "マイナンバー管理端末", "equipment", "", "S021", "鈴木 一郎（#" + fmt.Sprint(e.ichiro.ID) + "）", "", "", "いいえ", "mynumber",
				"3", "2", "1", "永年", "in_use", "2026-04-01", "", ""},
			{fmt.Sprint(old.ID), "旧システム（改称）", "情報（データ）", "", "人事課", "hanako", "", "", "", "",
				"2", "1", "1", "", "", "R8.3.31", "", ""},
		}
		csv := csvUTF8(rows...)
		files := []struct {
			name, format, encoding string
			data                   []byte
		}{
			{"台帳.csv", "CSV", "Shift_JIS", shiftJIS(t, csv)},
			{"台帳.csv", "CSV", "UTF-8 (BOM)", withBOM(csv)},
			{"台帳.xlsx", "XLSX", "", xlsx(t, rows...)},
		}
		for _, f := range files {
			t.Run(f.encoding+f.format, func(t *testing.T) {
				head, n := e.head(), e.count()
				rep := e.dryRun(e.ciso, f.data, assetfile.Options{FileName: f.name})
				if !rep.OK() || rep.Rows != 3 || rep.Created != 2 || rep.Updated != 1 || rep.Format != f.format || rep.Encoding != f.encoding {
					t.Fatalf("report: %s", dump(rep))
				}
				if got := []assetfile.Outcome{rep.Items[0].Outcome, rep.Items[1].Outcome, rep.Items[2].Outcome}; !slices.Equal(got,
					[]assetfile.Outcome{assetfile.Create, assetfile.Create, assetfile.Update}) || rep.Items[2].ID != old.ID || rep.Items[0].Row != 2 {
					t.Errorf("outcomes %v: %+v", got, rep.Items)
				}
				if !slices.Equal(rep.Ignored, []string{"備考"}) {
					t.Errorf("ignored columns %v", rep.Ignored)
				}
				if e.head() != head || e.count() != n {
					t.Errorf("a dry run wrote: trail %d→%d, assets %d→%d", head, e.head(), n, e.count())
				}
			})
		}
	})
}

// Every kind of bad input is named by row and column, and a dry run
// writes nothing whatever it finds.
func TestDryRunNamesEveryProblem(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		existing := e.create(e.input("既存の資産"))
		header := []string{"管理番号", "名称", "種別", "所属", "管理責任者", "機密性", "完全性", "可用性", "次回見直し日"}
		good := func(name string) []string {
			return []string{"", name, "情報", "人事課", "hanako", "2", "1", "1", ""}
		}
		with := func(col int, v string) []string {
			r := good("正しい資産")
			r[col] = v
			return r
		}
		type want struct {
			row      int
			column   string
			key      string
			text     string // the message in Japanese, when it matters word for word
			wholeRow bool   // a problem of the row, not of a column
		}
		tests := []struct {
			name  string
			p     authz.Principal
			file  []byte
			opts  assetfile.Options
			want  want
			file2 bool // the file as a whole cannot be read
		}{
			{name: "wrong level", file: csvUTF8(header, good("よい資産"), with(5, "4")),
				want: want{row: 3, column: "confidentiality", key: "assetfile.invalid_level", text: "3行目・機密性: 「4」は選べません（3, 2, 1のいずれか）"}},
			{name: "wrong integrity", file: csvUTF8(header, with(6, "3")),
				want: want{row: 2, column: "integrity", key: "assetfile.invalid_level", text: "2行目・完全性: 「3」は選べません（2, 1のいずれか）"}},
			{name: "wrong kind", file: csvUTF8(header, with(2, "パソコン")),
				want: want{row: 2, column: "kind", key: "assetfile.invalid_choice",
					text: "2行目・種別: 「パソコン」は選べません（ネットワーク、情報システム、設備・機器、電磁的記録媒体、ソフトウェア、外部サービス、情報（データ）、文書（印刷物）、システム関連文書のいずれか）"}},
			{name: "unknown department", file: csvUTF8(header, with(3, "経理部")),
				want: want{row: 2, column: "department", key: "assetfile.unknown_ref", text: "2行目・所属: 「経理部」は登録されていません"}},
			{name: "ambiguous department", file: csvUTF8(header, with(3, "総務課")),
				want: want{row: 2, column: "department", key: "assetfile.ambiguous_ref"}},
			{name: "ambiguous person", file: csvUTF8(header, with(4, "鈴木一郎")),
				want: want{row: 2, column: "owner", key: "assetfile.ambiguous_ref"}},
			{name: "missing name", file: csvUTF8(header, with(1, "  ")),
				want: want{row: 2, column: "name", key: "error.required"}},
			{name: "missing owner column", file: csvUTF8([]string{"名称", "種別", "所属", "機密性", "完全性", "可用性"}, []string{"資産", "情報", "人事課", "1", "1", "1"}),
				want: want{row: 2, column: "owner", key: "assetfile.column_missing"}},
			{name: "bad date", file: csvUTF8(header, with(8, "令和8年13月1日")),
				want: want{row: 2, column: "next_review_date", key: "assetfile.invalid_date"}},
			{name: "bad id", file: csvUTF8(header, with(0, "A-12")),
				want: want{row: 2, column: "id", key: "assetfile.invalid_id"}},
			{name: "unknown id", file: csvUTF8(header, with(0, "999999")),
				want: want{row: 2, column: "id", key: "assetfile.not_found"}},
			{name: "id twice", file: csvUTF8(header, with(0, fmt.Sprint(existing.ID)), with(0, fmt.Sprint(existing.ID))),
				want: want{row: 3, column: "id", key: "assetfile.duplicate_key", text: "3行目・管理番号: 2行目と同じ情報資産を指しています。1つの情報資産は1行にまとめてください"}},
			{name: "name twice matching by name", file: csvUTF8(header, good("同名"), good("同名")), opts: assetfile.Options{MatchBy: assetfile.MatchName},
				want: want{row: 3, column: "name", key: "assetfile.duplicate_key"}},
			{name: "department out of reach", p: e.manager, file: csvUTF8(header, with(3, "福祉事業課")),
				want: want{row: 2, column: "department", key: "assetfile.forbidden_department"}},
			{name: "too many cells", file: csvUTF8(header, good("よい資産"), append(good("長い行"), "余分")),
				want: want{row: 3, key: "tabular.extra_cells", wholeRow: true}},
			{name: "duplicated column", file: csvUTF8(append(header, "機密性"), append(good("資産"), "2")),
				want: want{key: "tabular.duplicate_header"}, file2: true},
			{name: "name column missing", file: csvUTF8([]string{"種別", "機密性"}, []string{"情報", "2"}),
				want: want{key: "tabular.missing_columns", text: "必要な列がありません: 名称。見出しの名前を確認してください。"}, file2: true},
			{name: "empty file", file: []byte{}, want: want{key: "tabular.empty_file"}, file2: true},
			{name: "file too large", file: csvUTF8(header, good("資産")), opts: assetfile.Options{MaxBytes: 64},
				want: want{key: "tabular.too_large"}, file2: true},
			{name: "stated size too large", file: csvUTF8(header, good("資産")), opts: assetfile.Options{Size: assetfile.MaxBytes + 1},
				want: want{key: "tabular.too_large", text: "ファイルが大きすぎます（上限 50 MB）。ファイルを分けて取り込んでください。"}, file2: true},
			{name: "UTF-16", file: append([]byte{0xFF, 0xFE}, []byte("n\x00a\x00")...), want: want{key: "tabular.utf16"}, file2: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := tt.p
				if p.PersonID == 0 {
					p = e.ciso
				}
				head, n := e.head(), e.count()
				rep := e.dryRun(p, tt.file, tt.opts)
				if e.head() != head || e.count() != n {
					t.Fatalf("a dry run wrote: trail %d→%d, assets %d→%d", head, e.head(), n, e.count())
				}
				if rep.OK() {
					t.Fatalf("no problem found: %s", dump(rep))
				}
				if tt.file2 != (rep.File != nil) {
					t.Fatalf("file problem %v, want %v: %s", rep.File, tt.file2, dump(rep))
				}
				var found *assetfile.Problem
				for i, pr := range rep.Problems {
					if pr.Key == tt.want.key && pr.Row == tt.want.row && pr.Column == tt.want.column {
						found = &rep.Problems[i]
					}
				}
				if found == nil {
					t.Fatalf("no problem %+v in %s", tt.want, dump(rep))
				}
				text := assetfile.Text(catalog, "ja", *found)
				if tt.want.text != "" && text != tt.want.text {
					t.Errorf("text %q, want %q", text, tt.want.text)
				}
				if strings.Contains(text, "%!") || strings.Contains(text, "assetfile.") {
					t.Errorf("text %q is not a sentence", text)
				}
				if en := assetfile.Text(catalog, "en", *found); strings.Contains(en, "%!") || en == text {
					t.Errorf("English text %q", en)
				}
				if tt.want.row > 0 && !tt.file2 {
					it := rep.Items[tt.want.row-2]
					if it.Row != tt.want.row || it.Outcome != assetfile.Failed || rep.Failed == 0 {
						t.Errorf("row %d reported as %+v", tt.want.row, it)
					}
				}
				if tt.want.column != "" && found.Cell == "" && tt.want.key != "assetfile.column_missing" {
					t.Errorf("problem %+v does not name the column's letter", found)
				}
			})
		}
	})
}

// The 2024 scheme lists its five levels.
func TestDryRunLevelsOfTheScheme(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := asset.SwitchScheme(ctx, tx, e.sc, e.ciso, asset.SchemeSwitch{To: "2024"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		file := shiftJIS(t, csvUTF8(
			[]string{"名称", "種別", "所属", "管理責任者", "機密性", "完全性", "可用性"},
			[]string{"人事記録", "情報", "人事課", "hanako", "３Ｂ", "2", "2"},
			[]string{"給与データ", "情報", "人事課", "hanako", "4", "2", "2"},
			[]string{"旧区分の資産", "情報", "人事課", "hanako", "3", "2", "2"},
		))
		rep := e.dryRun(e.ciso, file, assetfile.Options{})
		got := texts(rep)
		want := []string{
			"3行目・機密性: 「4」は選べません（3A, 3B, 3C, 2, 1のいずれか）",
			"4行目・機密性: 「3」は選べません（3A, 3B, 3C, 2, 1のいずれか）",
		}
		if !slices.Equal(got, want) || rep.Created != 1 {
			t.Errorf("problems %q, want %q\n%s", got, want, dump(rep))
		}
	})
}

// A report keeps the first MaxReported rows and problems and counts all.
func TestDryRunReportIsBounded(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	e := newEnv(t, d)
	var b bytes.Buffer
	b.WriteString("名称,種別,所属,管理責任者,機密性,完全性,可用性\r\n")
	n := assetfile.MaxReported + 300
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "資産%d,情報,人事課,hanako,9,1,1\r\n", i)
	}
	rep := e.dryRun(e.ciso, b.Bytes(), assetfile.Options{})
	if rep.Rows != n || rep.Failed != n || rep.ProblemCount != n || len(rep.Problems) != assetfile.MaxReported ||
		len(rep.Items) != assetfile.MaxReported || !rep.Truncated() {
		t.Errorf("rows %d failed %d problems %d kept %d/%d truncated %v", rep.Rows, rep.Failed, rep.ProblemCount,
			len(rep.Problems), len(rep.Items), rep.Truncated())
	}
}
