package web

import (
	"os"
	"regexp"
	"testing"

	"mamori/internal/i18n"
)

// Every message key the account pages use exists in both languages, so no
// page ever shows a bare key.
func TestAcctCatalogueKeys(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"signin.go", "mfa.go", "password.go", "account.go", "home.go", "language.go",
		"templates/signin.html", "templates/mfa.html", "templates/mfa_enrol.html", "templates/password.html",
		"templates/account.html", "templates/home.html"}
	key := regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			seen++
			for _, lang := range i18n.Languages {
				if !cat.Has(lang, m[1]) {
					t.Errorf("%s: %q has no %s text", f, m[1], lang)
				}
			}
		}
	}
	if seen < 100 {
		t.Errorf("only %d keys found; the pattern is broken", seen)
	}
	// Keys built at run time.
	for _, k := range []string{"role.admin", "role.staff", "role.ciso", "scope.org", "scope.system", "mfa.recovery.remaining"} {
		if !cat.Has("ja", k) || !cat.Has("en", k) {
			t.Errorf("%q missing", k)
		}
	}
}
