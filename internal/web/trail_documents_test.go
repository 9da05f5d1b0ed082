package web_test

import (
	"net/http"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
)

// trailSecret occurs only in a restricted procedure's text.
const trailSecret = "ミズナラ暗号"

// The trail page and its CSV export never show the text of a restricted
// document to a trail reader outside its access list (the administrator,
// an auditor), and do show it to one inside (the 統括).
func TestTrailHidesRestrictedDocuments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		principal := func(id int64) authz.Principal {
			var p authz.Principal
			e.tx(func(tx *db.Tx) (err error) {
				p, err = org.Principal(e.ctx, tx, e.sc, id)
				return err
			})
			return p
		}
		directorID := e.person("統括 太郎", 0, true, org.AssignmentInput{Role: string(authz.SecurityDirector)})
		director := principal(directorID)
		approver := principal(e.person("最高 次郎", 0, false, org.AssignmentInput{Role: string(authz.CISO)}))
		auditor := e.signIn(e.person("監査 三郎", 0, true, org.AssignmentInput{Role: string(authz.Auditor)}))
		in := policy.NewDocumentInput()
		in.Type, in.Title, in.Body, in.AckRequired = "procedure", "暗号鍵管理手順", "# 1 手順\n\n鍵は"+trailSecret+"で保管する。", false
		sc := e.sc
		sc.ActorID = directorID
		e.tx(func(tx *db.Tx) error {
			doc, v, err := policy.CreateDocument(e.ctx, tx, sc, director, in)
			if err != nil {
				return err
			}
			if _, err := policy.Submit(e.ctx, tx, sc, director, doc.ID, v.ID); err != nil {
				return err
			}
			if _, err := policy.Approve(e.ctx, tx, sc, approver, doc.ID, v.ID); err != nil {
				return err
			}
			_, err = policy.Publish(e.ctx, tx, sc, director, doc.ID, v.ID, "2026-04-01")
			return err
		})
		directorSession := e.signIn(directorID)
		for _, c := range []struct {
			name  string
			s     *session
			shows bool
		}{{"administrator", e.admin, false}, {"auditor", auditor, false}, {"統括", directorSession, true}} {
			for _, path := range []string{"/trail?entity=" + policy.EntityVersion, "/trail/export.csv?entity=" + policy.EntityVersion,
				"/trail?entity=" + policy.EntityDocument, "/trail/export.csv"} {
				w := e.do(http.MethodGet, path, c.s, nil)
				if w.Code != http.StatusOK {
					t.Fatalf("%s: %s: %d", c.name, path, w.Code)
				}
				body := w.Body.String()
				if strings.Contains(body, trailSecret) != c.shows && !(c.shows && strings.HasSuffix(path, "entity="+policy.EntityDocument)) {
					t.Errorf("%s: %s shows the restricted text: %v, want %v", c.name, path, !c.shows, c.shows)
				}
			}
		}
	})
}
