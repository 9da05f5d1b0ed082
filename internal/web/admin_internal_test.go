package web

import (
	"encoding/json"
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

// The trail shows stored fields and values as a reader says them.
func TestAdminTrailWords(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cat: cat}
	names := trailNames{people: map[string]string{"7": "山田 太郎"}, depts: map[string]string{"3": "総務部　総務課"}}
	obj := func(js string) map[string]json.RawMessage {
		m, ok := jsonObject(js)
		if !ok {
			t.Fatalf("not an object: %s", js)
		}
		return m
	}
	tests := []struct {
		entity, field, raw, side, want string
	}{
		{"person", "active", `true`, ``, "はい"},
		{"account", "mfa_enabled", `false`, ``, "いいえ"},
		{"person", "staff_category", `"regular"`, ``, "職員"},
		{"person", "department_id", `"3"`, ``, "総務部　総務課"},
		{"person", "department_id", `"99"`, ``, "番号 99"},
		{"role_assignment", "role", `"security_manager"`, ``, "情報セキュリティ管理者"},
		{"role_assignment", "scope_kind", `"department"`, ``, "部局・課室"},
		{"role_assignment", "scope_id", `"3"`, `{"scope_kind":"department","scope_id":"3"}`, "総務部　総務課"},
		{"role_assignment", "scope_id", `"12"`, `{"scope_kind":"system","scope_id":"12"}`, "情報システム 12番"},
		{"role_assignment", "person_id", `"7"`, ``, "山田 太郎"},
		{"department", "kind", `"bureau"`, ``, "部局"},
		{"session", "method", `"totp"`, ``, "認証アプリ"},
		{"request", "permission", `"trail.view"`, ``, "監査証跡の閲覧"},
		{"trail", "action", `"create"`, ``, "登録"},
		{"person", "name", `"高橋 美咲"`, ``, "高橋 美咲"},
		{"asset", "kind", `"server"`, ``, "server"}, // unknown: as stored
		{"person", "email", `""`, ``, ""},
		{"person", "email", `null`, ``, ""},
	}
	for _, tt := range tests {
		side := obj(tt.side)
		if got := s.trailValue("ja", tt.entity, tt.field, json.RawMessage(tt.raw), side, names); got != tt.want {
			t.Errorf("%s.%s = %s: %q, want %q", tt.entity, tt.field, tt.raw, got, tt.want)
		}
	}
	labels := []struct{ entity, field, want string }{
		{"person", "name", "氏名"},
		{"department", "name", "名称"},
		{"person", "department_id", "所属"},
		{"session", "second_factor_pending", "二要素認証の確認待ち"},
		{"asset", "owner_code", "owner_code"}, // unknown: the stored name
	}
	for _, tt := range labels {
		if got := s.trailFieldLabel("ja", tt.entity, tt.field); got != tt.want {
			t.Errorf("label of %s.%s: %q, want %q", tt.entity, tt.field, got, tt.want)
		}
	}
	// Every field the page orders has a label in both languages.
	for _, f := range append(slices.Clone(trailFieldOrder), "id") {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, "trail.field."+f) {
				t.Errorf("%s lacks trail.field.%s", lang, f)
			}
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
