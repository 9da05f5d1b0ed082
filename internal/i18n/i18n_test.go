package i18n

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"mamori/internal/authz"
	"mamori/internal/trail"
)

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	c := mustLoad(t)
	base := c.Keys(Default)
	if len(base) < 200 {
		t.Errorf("%s has only %d keys", Default, len(base))
	}
	for _, lang := range Languages {
		for _, k := range base {
			if !c.Has(lang, k) {
				t.Errorf("%q is in %s.json but not in %s.json", k, Default, lang)
			}
		}
		for _, k := range c.Keys(lang) {
			if !c.Has(Default, k) {
				t.Errorf("%q is in %s.json but not in %s.json", k, lang, Default)
			}
		}
	}
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

func TestTexts(t *testing.T) {
	c := mustLoad(t)
	for _, lang := range Languages {
		for _, k := range c.Keys(lang) {
			if !keyPattern.MatchString(k) {
				t.Errorf("%s: key %q is not of the form group.name", lang, k)
			}
			s := c.texts[lang][k]
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\t") {
				t.Errorf("%s: %q has invalid UTF-8 or a control character", lang, k)
			}
		}
	}
}

// verbs finds the fmt verbs of a text, in order, ignoring "%%".
var verbs = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?\d*(\.\d+)?[a-zA-Z%]`)

func verbList(s string) []string {
	var out []string
	for _, v := range verbs.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

// The same key takes the same arguments in every language.
func TestVerbsAgree(t *testing.T) {
	c := mustLoad(t)
	for _, k := range c.Keys(Default) {
		want := verbList(c.texts[Default][k])
		for _, v := range want {
			if strings.Contains(v, "[") {
				t.Errorf("%s: %q uses an indexed verb %s", Default, k, v)
			}
		}
		for _, lang := range Languages[1:] {
			if got := verbList(c.texts[lang][k]); !slices.Equal(got, want) {
				t.Errorf("%q: %s has verbs %v, %s has %v", k, Default, want, lang, got)
			}
		}
	}
}

// encoding/json keeps the last of two equal keys; a hand-edited file must
// not have any.
func TestNoDuplicateKeys(t *testing.T) {
	names, err := fs.Glob(files, "catalog/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			k := tok.(string)
			if seen[k] {
				t.Errorf("%s: %q appears twice", name, k)
			}
			seen[k] = true
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Keys other packages produce or the UI is built from must all be there.
func TestKnownKeys(t *testing.T) {
	c := mustLoad(t)
	var want []string
	for _, r := range authz.Catalogue {
		want = append(want, "role."+string(r.Code), "role_desc."+string(r.Code), "scope."+string(r.Scope))
	}
	for _, a := range trail.Actions {
		want = append(want, "action."+string(a))
	}
	for _, s := range []string{"regular", "temporary_appointed", "dispatched", "contract", "temporary"} {
		want = append(want, "staff_category."+s)
	}
	for _, e := range []string{"department", "person", "account", "role_assignment", "organisation", "api_token", "session"} {
		want = append(want, "entity."+e)
	}
	want = append(want,
		"nav.home", "nav.departments", "nav.people", "nav.roles", "nav.settings", "nav.trail", "nav.account", "nav.signout",
		"layout.skip_to_main", "signin.title", "login.invalid", "signin.locked", "mfa.invalid_code",
		"error.required", "error.too_long", "error.invalid_utf8", "error.control_character", "error.invalid_choice",
		"error.not_found", "error.forbidden", "error.csrf", "error.conflict", "error.internal", "error.invalid_date",
		"password.too_short", "password.too_long", "password.common", "password.contains_login",
		"password.invalid_utf8", "password.mismatch",
		"scope.org", "scope.department", "scope.system",
	)
	for _, k := range want {
		for _, lang := range Languages {
			if !c.Has(lang, k) {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
}

func TestT(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"ja", "nav.home", nil, "ホーム"},
		{"en", "nav.home", nil, "Home"},
		{"fr", "nav.home", nil, "ホーム"},
		{"", "nav.home", nil, "ホーム"},
		{"ja", "error.too_long", []any{100}, "100文字以内で入力してください。"},
		{"en", "error.too_long", []any{100}, "Use no more than 100 characters."},
		{"ja", "error.internal", []any{"abc123"}, "処理中にエラーが発生しました。時間をおいて再度お試しください。（お問い合わせ番号: abc123）"},
		{"ja", "signin.locked", []any{"令和7年4月1日 9:05"}, "サインインの試行が続いたため、しばらくお待ちください（令和7年4月1日 9:05以降に再試行できます）。"},
		{"ja", "no.such_key", nil, "no.such_key"},
		{"en", "no.such_key", []any{1}, "no.such_key"},
		{"ja", "role.ciso", nil, "最高情報セキュリティ責任者"},
		{"ja", "staff_category.temporary_appointed", nil, "臨時的任用職員"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%q, %q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
	if got := c.For("en")("nav.signout"); got != "Sign out" {
		t.Errorf("For(en)(nav.signout) = %q", got)
	}
	var nilCat *Catalog
	if got := nilCat.T("ja", "nav.home"); got != "nav.home" {
		t.Errorf("nil catalogue T = %q", got)
	}
}

func TestFallbackToDefault(t *testing.T) {
	c, err := load(fstest.MapFS{
		"catalog/ja.json": {Data: []byte(`{"a.b": "日本語だけ", "a.c": "両方"}`)},
		"catalog/en.json": {Data: []byte(`{"a.c": "both"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("en", "a.b"); got != "日本語だけ" {
		t.Errorf("T(en, a.b) = %q", got)
	}
	if got := c.T("en", "a.c"); got != "both" {
		t.Errorf("T(en, a.c) = %q", got)
	}
}

func TestSplitFiles(t *testing.T) {
	c, err := load(fstest.MapFS{
		"catalog/ja.json":       {Data: []byte(`{"a.b": "一"}`)},
		"catalog/ja.extra.json": {Data: []byte(`{"x.y": "二"}`)},
		"catalog/en.json":       {Data: []byte(`{"a.b": "one", "x.y": "two"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("ja", "x.y"); got != "二" {
		t.Errorf("T(ja, x.y) = %q", got)
	}
	if got := c.T("en", "x.y"); got != "two" {
		t.Errorf("T(en, x.y) = %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	good := []byte(`{"a.b": "x"}`)
	for name, fsys := range map[string]fstest.MapFS{
		"bad json": {"catalog/ja.json": {Data: []byte(`{"a.b": "x",}`)}, "catalog/en.json": {Data: good}},
		"not flat": {"catalog/ja.json": {Data: good}, "catalog/en.json": {Data: []byte(`{"a": {"b": "x"}}`)}},
		"missing":  {"catalog/ja.json": {Data: good}},
		"array":    {"catalog/ja.json": {Data: []byte(`["x"]`)}, "catalog/en.json": {Data: good}},
		"twice": {
			"catalog/ja.json": {Data: good}, "catalog/ja.extra.json": {Data: good},
			"catalog/en.json": {Data: good},
		},
		"bad part": {
			"catalog/ja.json": {Data: good}, "catalog/ja.extra.json": {Data: []byte(`{`)},
			"catalog/en.json": {Data: good},
		},
		"only a part": {"catalog/ja.extra.json": {Data: good}, "catalog/en.json": {Data: good}},
	} {
		if _, err := load(fsys); err == nil {
			t.Errorf("%s: load succeeded", name)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "ja"},
		{"ja", "ja"},
		{"en", "en"},
		{"en-US,en;q=0.9", "en"},
		{"EN-gb", "en"},
		{"ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja"},
		{"en-US,en;q=0.9,ja;q=0.8", "en"},
		{"fr-FR,fr;q=0.9,en;q=0.8,ja;q=0.7", "en"},
		{"fr, de", "ja"},
		{"en;q=0.5, ja;q=0.8", "ja"},
		{"en;q=0.5, ja;q=0.5", "en"},
		{"en;q=0", "ja"},
		{"en;q=abc", "ja"},
		{"*", "ja"},
		{"fr, *;q=0.5, en;q=0.4", "ja"},
		{"zh-Hant-TW, en ; q=0.3", "en"},
		{";;;,,,", "ja"},
	}
	for _, tt := range tests {
		if got := Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestSupported(t *testing.T) {
	if !Supported("ja") || !Supported("en") || Supported("fr") || Supported("") {
		t.Error("Supported is wrong")
	}
}
