package policy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/i18n"
	"mamori/internal/policy"
)

// Every message key this package can hand to the web, the API or the
// command line is in both catalogues: the names of types, visibilities,
// statuses and access kinds, and every key written in its code
// (refusals, validation).
func TestCatalogueHasEveryKey(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, x := range policy.Types {
		keys = append(keys, x.Key())
	}
	for _, x := range policy.Visibilities {
		keys = append(keys, x.Key())
	}
	for _, x := range policy.Statuses {
		keys = append(keys, x.Key())
	}
	for _, x := range policy.AccessKinds {
		keys = append(keys, x.Key())
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`"((?:policy|error)\.[a-z_]+(?:\.[a-z_]+)*)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
}
