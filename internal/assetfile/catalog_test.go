package assetfile

import (
	"os"
	"regexp"
	"testing"

	"mamori/internal/i18n"
)

// Every message key of the register's files, in this package and in the
// pages and API built on it, has a text in both languages, and so do the
// keys the result page builds from codes.
func TestCatalogueHasEveryKey(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"assetfile.go", "row.go", "run.go", "refs.go", "export.go", "upload.go", "filter.go",
		"../web/asset_import.go", "../web/asset_export.go", "../web/templates/asset_import.html", "../api/assets.go"}
	key := regexp.MustCompile(`"(assetfile\.[a-z_]+(?:\.[a-z_]+)*)"`)
	var keys []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 40 {
		t.Fatalf("only %d keys found; the pattern is broken", len(keys))
	}
	for _, o := range []Outcome{Create, Update, Unchanged, Failed} {
		keys = append(keys, "assetfile.outcome."+string(o))
	}
	for _, m := range Matches {
		keys = append(keys, "assetfile.match_by."+string(m), "assetfile.match_by_hint."+string(m))
	}
	for _, k := range append(keys, string(refUnknown), string(refAmbiguous)) {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%s has no %s text", k, lang)
			}
		}
	}
}
