package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every message key written in the code or the templates exists in the
// catalogue, so no page ever shows a raw key. Keys built at run time
// ("role." + code) are covered by the catalogue's own tests.
func TestEveryKeyUsedExists(t *testing.T) {
	t.Parallel()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	prefixes := `(?:error|password|login|mfa|department|role|roles|person|people|api|signin|account|token|trail|settings|home|nav|flash|perm|action|entity|staff_category|scope|button|common|pagination|layout)`
	goKey := regexp.MustCompile(`"(` + prefixes + `\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)
	tmplKey := regexp.MustCompile(`\{\{-?\s*t\s+"([a-z0-9_.]+)"`)
	root := ".."
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// authz holds action codes ("person.view"), not message keys.
			if d.Name() == "testdata" || d.Name() == "authz" {
				return filepath.SkipDir
			}
			return nil
		}
		isGo := strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")
		isHTML := strings.HasSuffix(path, ".html")
		if !isGo && !isHTML {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		re := goKey
		if isHTML {
			re = tmplKey
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			key := m[1]
			if strings.HasSuffix(key, ".") || strings.HasSuffix(key, ".go") || strings.HasSuffix(key, ".html") || strings.HasSuffix(key, ".json") {
				continue
			}
			if !c.Has("ja", key) || !c.Has("en", key) {
				t.Errorf("%s uses message key %q, which the catalogue lacks", path, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
