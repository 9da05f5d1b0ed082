package web

import (
	"os"
	"path"
	"regexp"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/i18n"
)

// Every message key the asset register's pages use exists in both
// languages, those written out and those built at run time.
func TestAssetPagesCatalogueKeys(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"assets.go", "asset_form.go", "asset_show.go", "asset_label.go", "asset_attention.go", "classification.go",
		"templates/assets.html", "templates/asset_form.html", "templates/asset_show.html", "templates/asset_label.html",
		"templates/classification.html", "templates/_asset_fields.html", "templates/_asset_attention.html"}
	key := regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	var keys []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			if path.Ext(m[1]) == ".css" || path.Ext(m[1]) == ".js" || path.Ext(m[1]) == ".svg" {
				continue // {{static "app.css"}}: a file, not a message key
			}
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 150 {
		t.Errorf("only %d keys found; the pattern is broken", len(keys))
	}
	for _, d := range []asset.Domain{asset.DomainMyNumber, asset.DomainInternet} {
		keys = append(keys, "assetweb.facts."+string(d), "assetweb.facts_hint."+string(d))
	}
	for _, f := range []string{"mfa_on_terminals", "takeout_disabled", "isolated_from_other_domains", "traffic_monitoring"} {
		keys = append(keys, "assetweb.fact_question."+f)
	}
	for _, r := range asset.Relations {
		keys = append(keys, "assetweb.link."+string(r)+".in", "assetweb.link."+string(r)+".out", r.Key())
	}
	for _, s := range asset.Schemes {
		keys = append(keys, "assetweb.switch_lead."+string(s), "assetweb.scheme_short."+string(s), s.Key())
		for _, d := range asset.Dimensions {
			for _, l := range asset.LevelsOf(s, d) {
				keys = append(keys, asset.LevelKey(d, l), asset.DefaultDescriptionKey(d, l))
			}
		}
	}
	for _, f := range assetFormFields {
		keys = append(keys, "asset.field."+f)
	}
	for _, k := range asset.Kinds {
		keys = append(keys, k.Key())
	}
	for _, s := range asset.Statuses {
		keys = append(keys, s.Key())
	}
	for _, s := range asset.Sorts {
		keys = append(keys, "asset.sort."+string(s))
	}
	for _, a := range asset.Aspects {
		keys = append(keys, a.Key())
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%q has no %s text", k, lang)
			}
		}
	}
}
