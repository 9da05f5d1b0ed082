package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
)

// rowsOf returns the names (or the masked stand-in) of the list's rows.
var rowName = regexp.MustCompile(`<th scope="row"[^>]*><a href="/assets/\d+">([^<]*)</a>`)

func rowsOf(body string) []string {
	var out []string
	for _, m := range rowName.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// The list searches by a fragment of a Japanese name, filters, counts per
// level and pages by cursor.
func TestAssetPagesList(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		b := e.department("総務部", 0)
		sec := e.department("総務課", b)
		other := e.department("事業部", 0)
		owner := e.person("山田 太郎", sec, true)
		ciso := e.signIn(e.person("最高 責任者", sec, true, roleInput(authz.CISO, 0, 0)))
		for i := range 52 {
			e.newAsset(asset.Input{Name: fmt.Sprintf("文書%02d", i), Kind: "document", DepartmentID: sec, OwnerID: owner})
		}
		e.newAsset(asset.Input{Name: "住民情報システム", Kind: "system", DepartmentID: sec, OwnerID: owner, Confidentiality: "2"})
		e.newAsset(asset.Input{Name: "給与計算システム", Kind: "system", DepartmentID: other, OwnerID: owner, Confidentiality: "2",
			Description: "職員の給与を計算する"})
		e.newAsset(asset.Input{Name: "旧サーバの記録媒体", Kind: "media", DepartmentID: sec, OwnerID: owner, Status: "disposed",
			DisposedOn: "2025-03-10", DisposalMethod: "物理破壊", DisposalWitnessID: owner})
		e.newAsset(asset.Input{Name: "見直し待ちの名簿", Kind: "information", DepartmentID: sec, OwnerID: owner, NextReviewDate: "2020-04-01",
			Tags: []string{"名簿"}})

		list := func(q string) []string {
			t.Helper()
			return rowsOf(e.page("/assets?"+q, ciso, http.StatusOK))
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"q=" + url.QueryEscape("システム"), []string{"住民情報システム", "給与計算システム"}},
			{"q=" + url.QueryEscape("住民"), []string{"住民情報システム"}},
			{"q=" + url.QueryEscape("給与を計算"), []string{"給与計算システム"}}, // the description
			{"q=" + url.QueryEscape("名簿"), []string{"見直し待ちの名簿"}},
			{"kind=system", []string{"住民情報システム", "給与計算システム"}},
			{"confidentiality=2&department_id=" + itoa(b), []string{"住民情報システム"}},
			{"department_id=" + itoa(other), []string{"給与計算システム"}},
			{"status=disposed", []string{"旧サーバの記録媒体"}},
			{"review_overdue=1", []string{"見直し待ちの名簿"}},
			{"owner_id=" + itoa(owner) + "&kind=media", []string{"旧サーバの記録媒体"}},
			{"q=" + url.QueryEscape("存在しない言葉"), nil},
		} {
			if got := list(c.query); strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("%s: rows %v, want %v", c.query, got, c.want)
			}
		}

		// The counts bar counts every level under the other conditions.
		body := e.page("/assets?kind=system&confidentiality=1", ciso, http.StatusOK)
		mustContain(t, "counts", body, e.ja("assetweb.level_count", "機密性2", 2)+"</a>", e.ja("assetweb.level_count", "機密性1", 0)+"</a>",
			e.ja("assetweb.level_count", e.ja("asset.counts_total"), 2))

		// Fifty rows a page, then 次へ with a cursor; the export links carry
		// the filter.
		body = e.page("/assets?sort=name", ciso, http.StatusOK)
		first := rowsOf(body)
		if len(first) != 50 {
			t.Fatalf("first page has %d rows", len(first))
		}
		mustContain(t, "list", body, `href="/assets/export?format=csv&amp;sort=name"`, `href="/assets/export?format=xlsx&amp;sort=name"`,
			`href="/assets/import"`, `href="/assets/new"`)
		next := regexp.MustCompile(`<a href="(/assets\?[^"]*cursor=[^"]*)" rel="next">`).FindStringSubmatch(body)
		if next == nil {
			t.Fatal("no next page link")
		}
		body = e.page(html.UnescapeString(next[1]), ciso, http.StatusOK)
		second := rowsOf(body)
		if len(first)+len(second) != 56 || strings.Contains(strings.Join(first, "|"), second[0]) {
			t.Errorf("pages: %d + %d rows, second starts with %q", len(first), len(second), second[0])
		}
		mustContain(t, "second page", body, e.ja("assetweb.first_page"))

		// Values no form offers, and a forged cursor, are bad requests.
		for _, q := range []string{"kind=spaceship", "confidentiality=9", "department_id=x", "review_overdue=maybe", "sort=size",
			"cursor=forged"} {
			if w := e.do(http.MethodGet, "/assets?"+q, ciso, nil); w.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d", q, w.Code)
			}
		}
	})
}
