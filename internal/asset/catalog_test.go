package asset_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/i18n"
)

// Every message key this package can hand to the web, the API or an export
// is in both catalogues.
func TestCatalogueHasEveryKey(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range asset.Kinds {
		keys = append(keys, k.Key())
	}
	for _, g := range asset.Groups {
		keys = append(keys, g.Key)
	}
	for _, d := range asset.Domains {
		keys = append(keys, d.Key())
	}
	for _, s := range asset.Statuses {
		keys = append(keys, s.Key())
	}
	for _, f := range asset.Facts {
		keys = append(keys, f.Key())
	}
	for _, r := range asset.Relations {
		keys = append(keys, r.Key())
	}
	for _, a := range asset.Aspects {
		keys = append(keys, a.Key())
	}
	for _, s := range asset.Schemes {
		keys = append(keys, s.Key())
		for _, d := range asset.Dimensions {
			keys = append(keys, "asset.field."+string(d))
			for _, l := range asset.LevelsOf(s, d) {
				keys = append(keys, asset.LevelKey(d, l), asset.DefaultDescriptionKey(d, l))
			}
		}
	}
	for _, s := range asset.Sorts {
		keys = append(keys, "asset.sort."+string(s))
	}
	for _, r := range asset.HandlingTable {
		keys = append(keys, r.Key)
	}
	for _, domain := range asset.Domains {
		for _, kind := range asset.Kinds {
			for _, f := range []asset.Fact{asset.FactUnknown, asset.FactNo} {
				a := asset.Asset{Kind: kind, Domain: domain, MFAOnTerminals: f, TakeoutDisabled: f, IsolatedFromOtherDomains: f, TrafficMonitoring: f}
				for _, w := range asset.Warnings(a) {
					keys = append(keys, w.Key, "asset.field."+w.Field)
				}
			}
		}
	}
	for _, a := range authz.Actions {
		if strings.HasPrefix(string(a), "asset.") {
			keys = append(keys, "perm."+string(a))
		}
	}
	for _, e := range []string{asset.EntityAsset, asset.EntityLink, asset.EntityLevel, asset.EntityScheme} {
		keys = append(keys, "entity."+e)
	}
	// And every key written in the package's code.
	literal := regexp.MustCompile(`"((?:asset|handling|error|entity|perm)\.[a-z0-9_.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}
