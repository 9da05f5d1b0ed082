package web

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"mamori/internal/authz"
	"mamori/internal/i18n"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

func TestAdminCSVSafe(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"山田 太郎", "山田 太郎"},
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+81-3-1234", "'+81-3-1234"},
		{"-2+3", "'-2+3"},
		{"@cmd", "'@cmd"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"＝全角", "'＝全角"},
		{"a=b", "a=b"},
		{"{\"name\":\"=x\"}", "{\"name\":\"=x\"}"},
		{"12", "12"},
	}
	for _, tt := range tests {
		if got := csvSafe(tt.in); got != tt.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAdminDiffJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		before, after string
		want          []fieldChange
	}{
		{"nothing", "", "", nil},
		{"create", "", `{"name":"総務部","sort_order":1}`, []fieldChange{{"name", "", "総務部"}, {"sort_order", "", "1"}}},
		{"delete", `{"name":"総務部"}`, "", []fieldChange{{"name", "総務部", ""}}},
		{"only changed", `{"name":"総務部","code":"A","active":true}`, `{"name":"総務課","code":"A","active":false}`,
			[]fieldChange{{"active", "true", "false"}, {"name", "総務部", "総務課"}}},
		{"same value, other spacing", `{"a": [1, 2]}`, `{"a":[1,2]}`, nil},
		{"nested", `{"a":{"b":1}}`, `{"a":{"b":2}}`, []fieldChange{{"a", `{"b":1}`, `{"b":2}`}}},
		{"not an object", `"text"`, `[1]`, []fieldChange{{"", `"text"`, `[1]`}}},
	}
	for _, tt := range tests {
		if got := diffJSON(tt.before, tt.after); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAdminParseTrailQuery(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) int64 {
		return time.Date(y, m, d, 0, 0, 0, 0, wareki.Location).UnixMicro()
	}
	tests := []struct {
		query  string
		want   trail.Filter
		errors []string
	}{
		{"", trail.Filter{}, nil},
		{"actor=１２&action=export&entity=trail&before=99", trail.Filter{ActorID: 12, Action: trail.Export, Entity: "trail", BeforeSeq: 99}, nil},
		{"from=" + url.QueryEscape("令和7年4月1日") + "&to=R7.4.30", trail.Filter{From: day(2025, 4, 1), To: day(2025, 5, 1)}, nil},
		{"from=" + url.QueryEscape("平成28年4月1日"), trail.Filter{From: day(2016, 4, 1)}, nil},
		{"from=2025-04-02&to=2025-04-01", trail.Filter{}, []string{"to"}},
		{"from=x&to=y&action=z&actor=-1&before=0", trail.Filter{}, []string{"from", "to", "action", "actor", "before"}},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.query)
		q, errs := parseTrailQuery(v)
		if q.Filter != tt.want {
			t.Errorf("%q: filter %+v, want %+v", tt.query, q.Filter, tt.want)
		}
		var fields []string
		for f := range errs {
			fields = append(fields, f)
		}
		slices.Sort(fields)
		want := slices.Clone(tt.errors)
		slices.Sort(want)
		if !slices.Equal(fields, want) {
			t.Errorf("%q: problems with %v, want %v", tt.query, fields, want)
		}
	}
}

// The pages built from the permission table need a text for every action
// and reach in it, in both languages.
func TestAdminCatalogueKeys(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range authz.Actions {
		keys = append(keys, "perm."+string(a))
	}
	for _, r := range authz.Table {
		keys = append(keys, "reach."+string(r.Reach))
	}
	for _, c := range trailCSVColumns {
		keys = append(keys, "trail.csv."+c)
	}
	for _, e := range trailEntities {
		keys = append(keys, "entity."+e)
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}
