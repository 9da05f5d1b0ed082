package assetfile

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"mamori/internal/asset"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/tabular"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// fuzzDirectory is a small organisation without storage: two 総務課 under
// different 部局, and two people of one name.
func fuzzDirectory() *directory {
	return newDirectory([]org.Department{
		{ID: 1, Kind: org.Bureau, Code: "B01", Name: "総務部"},
		{ID: 2, ParentID: 1, Kind: org.Section, Code: "S011", Name: "総務課"},
		{ID: 3, ParentID: 1, Kind: org.Section, Name: "人事課"},
		{ID: 4, Kind: org.Bureau, Name: "事業部"},
		{ID: 5, ParentID: 4, Kind: org.Section, Name: "総務課"},
	}, []org.Person{
		{ID: 11, Name: "佐藤 花子", Login: "hanako", Active: true},
		{ID: 12, Name: "鈴木 一郎", Active: true},
		{ID: 13, Name: "鈴木 一郎", Active: true},
		{ID: 14, Name: "高橋 太郎", Active: true},
	})
}

// assetOf is the asset a valid input describes (as package asset stores it).
func assetOf(in asset.Input) asset.Asset {
	return asset.Asset{ID: 7, Name: in.Name, Kind: asset.Kind(in.Kind), Description: in.Description, DepartmentID: in.DepartmentID,
		OwnerID: in.OwnerID, CustodianID: in.CustodianID, Location: in.Location, ControlledArea: in.ControlledArea,
		Domain: asset.Domain(in.Domain), Confidentiality: asset.Confidentiality(in.Confidentiality), Integrity: asset.Integrity(in.Integrity),
		Availability: asset.Availability(in.Availability), RetentionYears: in.RetentionYears, Status: asset.Status(in.Status),
		DisposedOn: in.DisposedOn, DisposalMethod: in.DisposalMethod, DisposalWitnessID: in.DisposalWitnessID,
		NextReviewDate: in.NextReviewDate, Tags: in.Tags, MFAOnTerminals: asset.Fact(in.MFAOnTerminals),
		TakeoutDisabled: asset.Fact(in.TakeoutDisabled), IsolatedFromOtherDomains: asset.Fact(in.IsolatedFromOtherDomains),
		TrafficMonitoring: asset.Fact(in.TrafficMonitoring)}
}

// FuzzParseRow feeds rows of every column (cells separated by "|") to the
// value reader. It must not panic; every problem names the row and a
// known column and reads as a sentence in both languages; what it reads
// without a problem is a valid code; and a row that makes a valid asset
// is written back by the exporter as cells that read back the same.
func FuzzParseRow(f *testing.F) {
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	dir := fuzzDirectory()
	var header []string
	for _, c := range Columns {
		header = append(header, c.JA)
	}
	l, _, err := newLayout(header)
	if err != nil {
		f.Fatal(err)
	}
	exportHeader := (&formatter{cols: exportColumns(), lang: "ja"}).header()
	el, _, err := newLayout(exportHeader)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"||人事給与システム|情報システム|給与|総務部／総務課||hanako||高橋 太郎||サーバ室|○|LGWAN接続系|機密性３|2|2|5年|使用中||||||令和8年4月1日|個人情報、給与|はい|×|未確認|",
		"12|x|system||S011||鈴木 一郎（#12）||||||mynumber|3|1|1|永年|in_use||||||2026-04-01||yes|no|unknown|yes",
		"#3|廃棄USB|媒体||人事課|11|||||いいえ||none|2|2|1||廃棄済み|R7.3.31|物理破壊|hanako||||||||",
		"A-1|=HYPERLINK(\"x\")|パソコン||総務課|鈴木一郎|99||#99||はい?|マイナンバー|4|3|0|百年|壊れた|2025-02-30||||||令和元年4月1日||||",
		"|名称|情報|説明\r\n2行目|総務部/総務課||高橋　太郎|||場所|  |  |  | | | | | |||||||タグ1 タグ1 タグ2||||",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, scheme := range asset.Schemes {
			rp := newRowParser(l, dir, scheme)
			cells := strings.Split(line, "|")
			for len(cells) < len(header) {
				cells = append(cells, "")
			}
			cells = cells[:len(header)]
			row := tabular.Row{Number: 5, Cells: cells}
			if _, p := rp.matchID(row); p != nil && (p.Row != 5 || p.Column != ColID) {
				t.Fatalf("id problem %+v", p)
			}
			var in asset.Input
			probs := rp.apply(row, &in)
			for _, p := range probs {
				if _, ok := columnByKey(p.Column); !ok || p.Row != 5 || p.Key == "" || p.Cell == "" {
					t.Fatalf("problem %+v does not say where", p)
				}
				for _, lang := range i18n.Languages {
					text := Text(cat, lang, p)
					if strings.Contains(text, "%!") || strings.HasPrefix(text, "assetfile.") || !utf8.ValidString(text) && utf8.ValidString(line) {
						t.Fatalf("problem %+v reads %q", p, text)
					}
				}
			}
			bad := func(col string) bool {
				return slices.ContainsFunc(probs, func(p Problem) bool { return p.Column == col })
			}
			if in.Kind != "" && !asset.Kind(in.Kind).IsValid() {
				t.Fatalf("kind %q", in.Kind)
			}
			if in.Domain != "" && !asset.Domain(in.Domain).IsValid() {
				t.Fatalf("domain %q", in.Domain)
			}
			if in.Confidentiality != "" && !asset.Confidentiality(in.Confidentiality).In(scheme) {
				t.Fatalf("confidentiality %q in %s", in.Confidentiality, scheme)
			}
			for _, d := range []string{in.NextReviewDate, in.DisposedOn} {
				if d != "" {
					if _, err := wareki.Parse(d); err != nil || len(d) != 10 {
						t.Fatalf("date %q", d)
					}
				}
			}
			for col, id := range map[string]int64{ColDepartment: in.DepartmentID} {
				if _, ok := dir.depts[id]; id != 0 && !ok && !bad(col) {
					t.Fatalf("department %d", id)
				}
			}
			for _, id := range []int64{in.OwnerID, in.CustodianID, in.DisposalWitnessID} {
				if _, ok := dir.people[id]; id != 0 && !ok {
					t.Fatalf("person %d", id)
				}
			}
			if len(probs) > 0 {
				continue
			}
			valid := in
			if valid.Validate() != nil {
				continue
			}
			// Written back and read again, the row is the same asset.
			for _, lang := range i18n.Languages {
				fm := &formatter{dir: dir, lang: lang, cols: exportColumns()}
				out := fm.cells(assetOf(valid), nil)
				var back asset.Input
				if probs := newRowParser(el, dir, scheme).apply(tabular.Row{Number: 2, Cells: out}, &back); len(probs) > 0 {
					t.Fatalf("%s: %q read back with problems %+v", lang, out, probs)
				}
				if !sameInput(back, valid) {
					t.Fatalf("%s: %q read back as\n%+v\nwant\n%+v", lang, out, back, valid)
				}
			}
		}
	})
}

// FuzzFilterFromQuery reads a listing's query string: it must not panic,
// and a filter it accepts is written back by FilterQuery as parameters
// that read the same filter.
func FuzzFilterFromQuery(f *testing.F) {
	for _, s := range []string{
		"confidentiality=2&domain=mynumber&q=%E5%8F%B0%E5%B8%B3",
		"kind=system&department_id=12&owner_id=%EF%BC%91%EF%BC%92&review_overdue=on&sort=updated&desc=true",
		"department_id=-1&review_overdue=maybe",
		"confidentiality=3a&tag=PC&status=in_use",
		"q=%ff%fe&department_id=99999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		got, err := FilterFromQuery(v)
		if err != nil {
			if _, ok := err.(validate.Errors); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		back, err := FilterFromQuery(FilterQuery(got))
		if err != nil {
			t.Fatalf("%q: written back as %q: %v", query, FilterQuery(got).Encode(), err)
		}
		if got.Sort == asset.SortName {
			got.Sort = ""
		}
		if back != got {
			t.Fatalf("%q: %+v read back as %+v", query, got, back)
		}
	})
}
