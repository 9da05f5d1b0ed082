package web

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mamori/internal/i18n"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
)

// Every message key the document pages use exists in both languages,
// those written out and those built at run time; and every key of their
// catalogue (documentweb.*) is used, so none lingers after a page changes.
func TestDocumentPagesCatalogueKeys(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("documents*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, glob := range []string{"templates/document*.html", "templates/public*.html", "templates/_document_parts.html"} {
		more, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, more...)
	}
	files = append(files, "public.go", "templates/layout.html")
	key := regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			switch path.Ext(m[1]) {
			case ".css", ".js", ".svg", ".md":
				continue // a file, not a message key
			}
			if strings.HasPrefix(m[1], "document.") {
				continue // a permission ("document.view"), not a message key
			}
			used[m[1]] = true
		}
	}
	if len(used) < 150 {
		t.Errorf("only %d keys found; the pattern is broken", len(used))
	}
	// Keys built at run time: by prefix and a value.
	for _, ty := range policy.Types {
		used[ty.Key()] = true
	}
	for _, st := range policy.Statuses {
		used[st.Key()] = true
	}
	for _, v := range policy.Visibilities {
		used[v.Key()] = true
		used["documentweb.visibility_hint."+string(v)] = true
	}
	for _, k := range []doctext.ChangeKind{doctext.Same, doctext.Added, doctext.Removed, doctext.Changed} {
		used["documentweb.change."+string(k)] = true
	}
	for _, f := range slices.Concat(documentNewFields, documentSettingsFields) {
		used["documentweb.field."+f] = true
	}
	for k := range used {
		if strings.HasSuffix(k, ".") {
			continue
		}
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%q has no %s text", k, lang)
			}
		}
	}

	// Every documentweb key is used somewhere.
	for _, lang := range i18n.Languages {
		b, err := os.ReadFile("../i18n/catalog/" + lang + ".documentweb.json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if !strings.HasPrefix(k, "documentweb.") {
				t.Errorf("%s.documentweb.json holds %q, outside its prefix", lang, k)
			}
			if !used[k] {
				t.Errorf("%s.documentweb.json: %q is not used by any document page", lang, k)
			}
		}
	}
}
