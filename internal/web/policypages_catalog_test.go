package web

import (
	"os"
	"path"
	"regexp"
	"testing"

	"mamori/internal/i18n"
	"mamori/internal/policy"
)

// Every message key the acknowledgement, review and exception pages use
// exists in both languages, those written out and those built at run time.
func TestPolicyPagesCatalogueKeys(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"policy_ack.go", "policy_exceptions.go", "templates/_document_policy_panel.html", "templates/ack_overview.html",
		"templates/ack_progress.html", "templates/ack_review.html", "templates/exception_list.html", "templates/exception_form.html",
		"templates/exception_show.html"}
	key := regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	var keys []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			switch path.Ext(m[1]) {
			case ".xlsx", ".go", ".html":
				continue
			}
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 150 {
		t.Errorf("only %d keys found; the pattern is broken", len(keys))
	}
	for _, st := range policy.AckStatuses {
		keys = append(keys, "policyweb.ack_status."+st)
	}
	for _, f := range exceptionFormFields {
		keys = append(keys, "policyweb.field."+f)
	}
	for _, s := range policy.ExceptionStatuses {
		keys = append(keys, s.Key())
	}
	for _, k := range policy.TriggerKinds {
		keys = append(keys, k.Key())
	}
	for _, r := range append(policy.ReviewResults, policy.Requested) {
		keys = append(keys, r.Key())
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%q has no %s text", k, lang)
			}
		}
	}
}
