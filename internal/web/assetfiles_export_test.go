package web_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/trail"
)

// The export: the list's filters, the reader's permissions (restricted
// assets masked), a file name in Japanese with an ASCII fallback, cells
// neutralised, and an entry in the trail.
func TestAssetFilesExport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAssetFilesEnv(t, d)
		owner, err := org.ListPeople(context.Background(), d, e.sc, authz.Grant{All: true}, 0, org.PersonFilter{Query: "佐藤"})
		if err != nil || len(owner.Items) != 1 {
			t.Fatalf("owner: %v %v", owner, err)
		}
		ciso := authz.Principal{PersonID: 1, Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
		for _, in := range []asset.Input{
			{Name: "=cmd|' /C calc'!A0", Kind: "information", Confidentiality: "2"},
			{Name: "職員名簿", Kind: "information", Confidentiality: "1"},
			{Name: "人事記録（秘）", Kind: "information", Confidentiality: "3", Location: "金庫"},
		} {
			in.DepartmentID, in.OwnerID, in.Integrity, in.Availability = e.jinji, owner.Items[0].ID, "1", "1"
			e.tx(func(tx *db.Tx) error {
				_, err := asset.Create(e.ctx, tx, e.sc, ciso, in)
				return err
			})
		}

		w := e.do(http.MethodGet, "/assets/export?format=csv&confidentiality=2", e.ciso, nil)
		body := w.Body.String()
		cd := w.Header().Get("Content-Disposition")
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(body, "\uFEFF管理番号,名称,") {
			t.Fatalf("export: %d %q\n%s", w.Code, w.Header(), body)
		}
		if !strings.HasPrefix(cd, `attachment; filename="assets-`) || !strings.Contains(cd, `.csv"; filename*=UTF-8''%E6%83%85%E5%A0%B1%E8%B3%87%E7%94%A3%E5%8F%B0%E5%B8%B3-`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if strings.Count(body, "\r\n") != 2 || !strings.Contains(body, ",'=cmd|' /C calc'!A0,") || strings.Contains(body, "職員名簿") {
			t.Errorf("filtered, neutralised CSV:\n%s", body)
		}
		last, err := trail.List(e.ctx, d, e.sc, trail.Filter{Limit: 1})
		if err != nil || last[0].Action != trail.Export || last[0].Entity != asset.EntityAsset || last[0].ActorID != e.ciso.personID ||
			!strings.Contains(last[0].After, `"confidentiality":"2"`) || !strings.Contains(last[0].After, `"rows":1`) {
			t.Errorf("trail: %+v %v", last, err)
		}

		// The auditor sees the restricted asset masked, in a workbook.
		w = e.do(http.MethodGet, "/assets/export", e.auditor, nil)
		if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("auditor's export: %d", w.Code)
		}
		wb, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := wb.GetRows(wb.GetSheetList()[0])
		wb.Close()
		if err != nil || len(rows) != 4 || rows[3][1] != asset.MaskedName || strings.Contains(strings.Join(rows[3], ","), "金庫") {
			t.Errorf("auditor's rows: %q %v", rows, err)
		}
		if bytes.Contains(w.Body.Bytes(), []byte("人事記録")) {
			t.Errorf("the restricted asset's name is in the workbook")
		}

		// A bad filter or format is refused; staff may not export at all.
		head := e.head()
		for _, q := range []string{"?format=pdf", "?kind=pc", "?department_id=abc"} {
			if w := e.do(http.MethodGet, "/assets/export"+q, e.ciso, nil); w.Code != http.StatusBadRequest {
				t.Errorf("%s: %d", q, w.Code)
			}
		}
		if e.head() != head {
			t.Errorf("a refused export is in the trail")
		}
		if w := e.do(http.MethodGet, "/assets/export", e.staff, nil); w.Code != http.StatusForbidden {
			t.Errorf("staff export: %d", w.Code)
		}
	})
}
