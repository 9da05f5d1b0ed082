package asset_test

import (
	"fmt"
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

// A restricted asset's details never reach a trail reader who may not see
// them, even after it was lowered to a public level.
func TestRedactTrail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		secret := e.input("職員の懲戒処分記録")
		secret.Description = "極秘の内容"
		secret.Confidentiality = "3"
		a := e.create(secret)
		lowered := a.Input()
		lowered.Confidentiality = "2"
		if _, err := e.update(e.ciso, a.ID, lowered); err != nil {
			t.Fatal(err)
		}
		open := e.create(e.input("公開資料一覧"))

		list := func() []trail.Entry {
			es, err := trail.List(ctx, d, e.sc, trail.Filter{Entity: asset.EntityAsset, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		cases := []struct {
			name       string
			p          authz.Principal
			seesSecret bool
		}{
			{"ciso", e.ciso, true},
			{"officer of the bureau", e.officer, true},
			{"owner", e.staffAlice, true},
			{"auditor", e.auditor, false},
			{"officer of another bureau", e.otherOfficer, false},
			{"technical administrator", authz.Principal{PersonID: 9500, Assignments: []authz.Assignment{{Role: authz.Admin, ScopeKind: authz.ScopeOrg}}}, false},
		}
		for _, c := range cases {
			es := list()
			if err := asset.RedactTrail(ctx, d, e.sc, c.p, es); err != nil {
				t.Fatal(err)
			}
			for _, en := range es {
				text := en.Before + en.After
				switch en.EntityID {
				case fmt.Sprint(a.ID):
					if got := strings.Contains(text, "極秘の内容") || strings.Contains(text, "懲戒"); got != c.seesSecret {
						t.Errorf("%s: sees the restricted asset's details = %v", c.name, got)
					}
				case fmt.Sprint(open.ID):
					if !strings.Contains(text, "公開資料一覧") {
						t.Errorf("%s: an ordinary asset's entry was hidden", c.name)
					}
				}
			}
		}
	})
}
