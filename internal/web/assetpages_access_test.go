package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
)

// A restricted asset (機密性3) shows nothing of itself to a reader without
// asset.view_restricted over it — in the list, a search, its page, its
// label, another asset's links and history — and a search for a word of its
// description finds nothing.
func TestAssetPagesMasked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		b := e.department("総務部", 0)
		sec := e.department("総務課", b)
		owner := e.person("山田 太郎", sec, true)
		auditor := e.signIn(e.person("監査 次郎", 0, true, org.AssignmentInput{Role: string(authz.Auditor)}))
		ciso := e.signIn(e.person("最高 責任者", sec, true, roleInput(authz.CISO, 0, 0)))
		secret := e.newAsset(asset.Input{Name: "職員の健康診断結果", Kind: "information", Description: "産業医から受け取る受診結果の一覧",
			DepartmentID: sec, OwnerID: owner, Confidentiality: "3", Tags: []string{"健診"}, Location: "保健室の金庫"})
		other := e.person("佐藤 花子", sec, false)
		system := e.newAsset(asset.Input{Name: "健康管理システム", Kind: "system", DepartmentID: sec, OwnerID: other, Confidentiality: "2"})
		e.tx(func(tx *db.Tx) error {
			_, err := asset.AddLink(e.ctx, tx, e.sc, e.ciso(), asset.LinkInput{FromID: system.ID, ToID: secret.ID, Relation: "holds"})
			return err
		})
		hidden := []string{"職員の健康診断結果", "産業医", "受診結果", "健診", "保健室の金庫", "山田 太郎"}

		body := e.page("/assets", auditor, http.StatusOK)
		mustContain(t, "auditor's list", body, e.ja("assetweb.masked_name"), "健康管理システム")
		mustNotContain(t, "auditor's list", body, hidden...)
		for _, q := range []string{"産業医", "健康診断", "健診"} {
			body = e.page("/assets?q="+url.QueryEscape(q), auditor, http.StatusOK)
			if rows := rowsOf(body); len(rows) != 0 {
				t.Errorf("auditor's search for %s: rows %v", q, rows)
			}
			mustNotContain(t, "auditor's search for "+q, body, e.ja("assetweb.masked_name"), "職員の健康診断結果")
		}
		for _, p := range []string{"/assets/" + itoa(secret.ID), "/assets/" + itoa(secret.ID) + "/label"} {
			body = e.page(p, auditor, http.StatusOK)
			mustContain(t, p, body, e.ja("asset.masked_note"))
			mustNotContain(t, p, body, hidden...)
		}
		// The other end of a link, and the history entry of the link.
		body = e.page("/assets/"+itoa(system.ID), auditor, http.StatusOK)
		mustContain(t, "linked system", body, e.ja("assetweb.history.link_added", e.ja("assetweb.link.holds.out"), e.ja("assetweb.masked_name")))
		mustNotContain(t, "linked system", body, "職員の健康診断結果", "産業医")

		// Those who handle it see it.
		body = e.page("/assets?q="+url.QueryEscape("産業医"), ciso, http.StatusOK)
		if rows := rowsOf(body); strings.Join(rows, "|") != "職員の健康診断結果" {
			t.Errorf("CISO's search: %v", rows)
		}
		body = e.page("/assets/"+itoa(secret.ID), ciso, http.StatusOK)
		mustContain(t, "CISO's view", body, "職員の健康診断結果", "産業医から受け取る受診結果の一覧", "保健室の金庫")
		owners := e.signIn(owner)
		body = e.page("/assets/"+itoa(secret.ID), owners, http.StatusOK)
		mustContain(t, "owner's view", body, "職員の健康診断結果")
	})
}

// Each role reaches what the role table gives it: a 部局's officer edits
// that 部局's assets and is refused another's (recorded in the trail);
// every worker sees the assets they are responsible for and nothing else.
func TestAssetPagesReach(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		b1 := e.department("総務部", 0)
		s1 := e.department("総務課", b1)
		b2 := e.department("事業部", 0)
		s2 := e.department("福祉事業課", b2)
		officer1 := e.signIn(e.person("総務 責任者", s1, true, roleInput(authz.SecurityOfficer, b1, 0)))
		officer2id := e.person("事業 責任者", s2, true, roleInput(authz.SecurityOfficer, b2, 0))
		officer2 := e.signIn(officer2id)
		manager := e.signIn(e.person("総務 管理者", s1, true, roleInput(authz.SecurityManager, 0, s1)))
		staffID := e.person("職員 一郎", s1, true)
		staff := e.signIn(staffID)
		colleague := e.person("職員 二郎", s1, false)
		mine := e.newAsset(asset.Input{Name: "一郎の担当する名簿", DepartmentID: s1, OwnerID: colleague, CustodianID: staffID})
		theirs := e.newAsset(asset.Input{Name: "二郎だけの台帳", DepartmentID: s1, OwnerID: colleague})
		away := e.newAsset(asset.Input{Name: "事業部の申請書", DepartmentID: s2, OwnerID: officer2id})

		// The officer of the other 部局 is refused the change, and the
		// refusal is in the trail; the asset's page is not found for them.
		edit := "/assets/" + itoa(mine.ID) + "/edit"
		e.page(edit, officer2, http.StatusForbidden)
		if got, ok := e.lastDenied(officer2.personID); !ok || got.EntityID != "GET "+edit {
			t.Errorf("refusal not recorded: %+v", got)
		}
		form := assetForm(s1, colleague, "書き換え")
		form.Set("version", itoa(mine.Version))
		e.post("/assets/"+itoa(mine.ID), officer2, form, http.StatusForbidden)
		e.post("/assets/"+itoa(mine.ID)+"/delete", officer2, nil, http.StatusForbidden)
		e.page("/assets/"+itoa(mine.ID), officer2, http.StatusNotFound)
		if got := e.getAsset(mine.ID); got.Name != mine.Name {
			t.Errorf("changed by another 部局's officer: %+v", got)
		}
		// Nor may they move their own asset into the other 部局.
		form = assetForm(s1, officer2id, "事業部の申請書")
		form.Set("kind", "information")
		form.Set("version", itoa(away.Version))
		e.post("/assets/"+itoa(away.ID), officer2, form, http.StatusForbidden)
		// Nor register one there; the form offers only their own.
		e.post("/assets", officer2, assetForm(s1, officer2id, "越境"), http.StatusForbidden)
		body := e.page("/assets/new", officer2, http.StatusOK)
		mustContain(t, "officer's form", body, "事業部")
		mustNotContain(t, "officer's form", body, ">総務部　総務課<")

		// The 部局's officer and the 課室's manager may.
		e.page(edit, officer1, http.StatusOK)
		e.page(edit, manager, http.StatusOK)
		body = e.page("/assets", officer1, http.StatusOK)
		if rows := strings.Join(rowsOf(body), "|"); rows != "一郎の担当する名簿|二郎だけの台帳" {
			t.Errorf("officer's list: %s", rows)
		}

		// A worker sees what they are custodian of, and only that.
		body = e.page("/assets", staff, http.StatusOK)
		if rows := strings.Join(rowsOf(body), "|"); rows != "一郎の担当する名簿" {
			t.Errorf("worker's list: %s", rows)
		}
		mustContain(t, "worker's list", body, e.ja("assetweb.self_only"))
		mustNotContain(t, "worker's list", body, `href="/assets/new"`, "/assets/export")
		e.page("/assets/"+itoa(mine.ID), staff, http.StatusOK)
		e.page("/assets/"+itoa(theirs.ID), staff, http.StatusNotFound)
		e.page("/assets/"+itoa(theirs.ID)+"/label", staff, http.StatusNotFound)
		e.page(edit, staff, http.StatusForbidden)

		// Neither the owner filter nor the form's people look anyone up
		// by id outside the reader's reach.
		body = e.page("/assets?owner_id="+itoa(officer2id), staff, http.StatusOK)
		mustNotContain(t, "owner filter", body, "事業 責任者")
		refresh := assetForm(s2, officer2id, "途中")
		refresh.Set("refresh", "1")
		refresh.Set("custodian_id", itoa(officer2id))
		body = e.post("/assets", officer1, refresh, http.StatusOK)
		mustNotContain(t, "refreshed form", body, "事業 責任者", "福祉事業課")
	})
}
