// Package i18n owns the message catalogue: every text the web UI shows, in
// Japanese (the default) and English, under stable keys grouped by prefix
// ("nav.home", "signin.title", "error.required", "role.ciso", …).
//
// The texts live in catalog/ja.json and catalog/en.json, flat objects of key
// → text embedded in the binary; an area may keep its own texts in further
// files beside them (catalog/ja.account.json, catalog/en.account.json, …),
// which Load merges, refusing a key defined in two files. Both languages
// hold the same keys; the tests fail otherwise, and when a text is empty or
// the two languages disagree on their fmt verbs. Keys are part of the interface between packages (package
// validate returns them, the API sends them in error bodies), so rename a
// key only together with every use of it.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Languages are the display languages, the default first.
var Languages = []string{"ja", "en"}

// Default is the language used when nothing else is known.
const Default = "ja"

//go:embed catalog/*.json
var files embed.FS

// Catalog holds the texts of every language. It is read-only once loaded
// and safe for concurrent use.
type Catalog struct {
	texts map[string]map[string]string // lang → key → text
}

// Load reads the embedded catalogues. It fails when a file is missing or is
// not a flat JSON object of strings.
func Load() (*Catalog, error) {
	return load(files)
}

func load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{texts: make(map[string]map[string]string, len(Languages))}
	for _, lang := range Languages {
		// A language's texts may be split over several files
		// (ja.json, ja.account.json, …) so each area keeps its own; a key
		// defined twice is an error rather than a silent override.
		names, err := fs.Glob(fsys, "catalog/"+lang+".*json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		if !slices.Contains(names, "catalog/"+lang+".json") {
			return nil, fmt.Errorf("i18n: catalog/%s.json is missing", lang)
		}
		all := map[string]string{}
		for _, name := range names {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("i18n: %w", err)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", name, err)
			}
			for k, v := range m {
				if _, dup := all[k]; dup {
					return nil, fmt.Errorf("i18n: %s: key %q is defined in another %s file too", name, k, lang)
				}
				all[k] = v
			}
		}
		c.texts[lang] = all
	}
	return c, nil
}

// T returns the text of key in lang, formatted with fmt.Sprintf when args
// are given. An unknown language is read as Default; a key missing from the
// language falls back to Default's text, and a key unknown everywhere is
// returned as it is, so it stands out on the page and in tests.
func (c *Catalog) T(lang, key string, args ...any) string {
	if c == nil {
		return key
	}
	m, ok := c.texts[lang]
	if !ok {
		m = c.texts[Default]
	}
	s, ok := m[key]
	if !ok {
		if s, ok = c.texts[Default][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// For returns T bound to one language, the shape of the template func "t".
func (c *Catalog) For(lang string) func(key string, args ...any) string {
	return func(key string, args ...any) string { return c.T(lang, key, args...) }
}

// Has reports whether lang has a text for key.
func (c *Catalog) Has(lang, key string) bool {
	if c == nil {
		return false
	}
	_, ok := c.texts[lang][key]
	return ok
}

// Keys returns the keys of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	if c == nil {
		return nil
	}
	keys := make([]string, 0, len(c.texts[lang]))
	for k := range c.texts[lang] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	return slices.Contains(Languages, lang)
}

// Match picks the display language for an Accept-Language header: the
// supported language the browser prefers most (by q value, then by order),
// matching on the primary subtag ("en-GB" is "en"). It returns Default when
// the header names none of them.
func Match(acceptLanguage string) string {
	best, bestQ := Default, 0.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q <= bestQ {
			continue
		}
		primary, _, _ := strings.Cut(tag, "-")
		switch {
		case Supported(primary):
			best, bestQ = primary, q
		case tag == "*":
			best, bestQ = Default, q
		}
	}
	return best
}
