package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

// assetJSON is an asset as the API sends it.
type assetJSON struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	Confidentiality string `json:"confidentiality"`
	Integrity       string `json:"integrity"`
	Availability    string `json:"availability"`
	Domain          string `json:"domain"`
	DepartmentID    string `json:"department_id"`
	OwnerID         string `json:"owner_id"`
	Location        string `json:"location"`
	Status          string `json:"status"`
	Version         int64  `json:"version"`
	Masked          bool   `json:"masked"`
	Handling        []struct {
		Aspect, Dimension, Level, Key, Text string
	} `json:"handling"`
	Warnings []struct{ Field, Key, Text string } `json:"warnings"`
}

func (a assetJSON) rule(aspect string) string {
	for _, h := range a.Handling {
		if h.Aspect == aspect {
			return h.Key
		}
	}
	return ""
}

// The register through the API: create (201), read, change, delete, with
// the field names, computed handling and warnings, and 400 with
// field errors for bad input.
func TestAssetsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "台帳財団")
		owner := e.newPerson(t, "佐藤 花子", "さとう はなこ", e.s1)
		ciso := e.holder(t, authz.CISO).Token
		officer := e.holder(t, authz.SecurityOfficer).Token // B1

		res := e.do(t, req{Method: "POST", Path: "/api/v1/assets", Token: ciso, Body: map[string]any{
			"name": " マイナンバー管理システム ", "kind": "system", "department_id": id(e.s1), "owner_id": id(owner),
			"confidentiality": "3", "integrity": "2", "availability": "2", "domain": "mynumber", "location": "サーバ室",
			"next_review_date": "令和8年4月1日", "tags": []string{"個人番号"}, "mfa_on_terminals": "yes"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var a assetJSON
		res.Decode(t, &a)
		if a.ID == "" || a.Name != "マイナンバー管理システム" || a.Kind != "system" || a.DepartmentID != id(e.s1) || a.OwnerID != id(owner) ||
			a.Domain != "mynumber" || a.Status != "in_use" || a.rule("terminal") != "handling.terminal.issued_only" || len(a.Warnings) != 2 ||
			a.Warnings[0].Text == "" || a.Handling[0].Text == "" {
			t.Fatalf("created asset: %s", res.Body)
		}
		if last := e.newest(t); last.Action != trail.Create || last.Entity != "asset" || last.EntityID != a.ID {
			t.Errorf("trail: %+v", last)
		}

		// Bad input names its fields.
		for _, tt := range []struct {
			body   map[string]any
			status int
			fields map[string]string
		}{
			{map[string]any{"name": "", "kind": "pc", "department_id": id(e.s1), "owner_id": id(owner), "confidentiality": "4", "integrity": "2", "availability": "1"},
				400, map[string]string{"name": "error.required", "kind": "error.invalid_choice", "confidentiality": "error.invalid_choice"}},
			{map[string]any{"name": "x", "kind": "system", "department_id": "999999", "owner_id": id(owner), "confidentiality": "2", "integrity": "2", "availability": "1"},
				400, map[string]string{"department_id": "error.invalid_choice"}},
			{map[string]any{"name": "x", "kind": "system", "department_id": id(e.s1), "owner_id": id(owner), "confidentiality": "3A", "integrity": "2", "availability": "1"},
				400, map[string]string{"confidentiality": "asset.level_not_in_scheme"}},
			{map[string]any{"name": "x", "owner_id": 12}, 400, map[string]string{"owner_id": "api.expected_id"}},
			{map[string]any{"name": "x", "colour": "red"}, 400, map[string]string{"colour": "api.unknown_field"}},
		} {
			res := e.do(t, req{Method: "POST", Path: "/api/v1/assets", Token: ciso, Body: tt.body})
			got := res.fieldCodes(t)
			if res.Status != tt.status {
				t.Errorf("%v: %d %s", tt.body, res.Status, res.Body)
			}
			for f, k := range tt.fields {
				if got[f] != k {
					t.Errorf("%v: field %s = %q, want %q (%s)", tt.body, f, got[f], k, res.Body)
				}
			}
		}
		// Outside the caller's reach: 403, in the trail.
		res = e.do(t, req{Method: "POST", Path: "/api/v1/assets", Token: officer, Body: map[string]any{
			"name": "他部局の資産", "kind": "information", "department_id": id(e.s3), "owner_id": id(owner),
			"confidentiality": "2", "integrity": "1", "availability": "1"}})
		if res.Status != http.StatusForbidden || e.newest(t).Action != trail.Denied {
			t.Errorf("create outside reach: %d %s", res.Status, res.Body)
		}

		// Read and change one field: the handling follows the level.
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/assets/" + a.ID, Token: officer, Body: map[string]any{"confidentiality": "2"}})
		var b assetJSON
		res.Decode(t, &b)
		if res.Status != 200 || b.Confidentiality != "2" || b.Name != a.Name || b.Location != "サーバ室" || b.rule("terminal") == "handling.terminal.issued_only" {
			t.Errorf("patch: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/assets/" + a.ID, Token: officer, Body: map[string]any{"location": "別室", "version": a.Version}})
		if res.Status != http.StatusConflict {
			t.Errorf("stale version: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/assets/" + a.ID, Token: officer, Body: map[string]any{"status": "gone"}})
		if res.Status != 400 || res.fieldCodes(t)["status"] != "error.invalid_choice" {
			t.Errorf("bad status: %d %s", res.Status, res.Body)
		}
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/assets/" + a.ID, Token: e.holder(t, authz.Staff).Token}); res.Status != 404 {
			t.Errorf("staff read someone else's asset: %d", res.Status)
		}
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/assets/abc", Token: ciso}); res.Status != 404 {
			t.Errorf("bad id: %d", res.Status)
		}

		// Delete.
		if res := e.do(t, req{Method: "DELETE", Path: "/api/v1/assets/" + a.ID, Token: officer}); res.Status != http.StatusNoContent {
			t.Errorf("delete: %d %s", res.Status, res.Body)
		}
		if res := e.do(t, req{Method: "GET", Path: "/api/v1/assets/" + a.ID, Token: ciso}); res.Status != 404 {
			t.Errorf("deleted asset: %d", res.Status)
		}
	})
}

// The list takes the UI's filters by their field names; a restricted
// asset is masked for a reader who may not see it, in the list and alone.
func TestAssetsAPIList(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "一覧財団")
		owner := e.newPerson(t, "佐藤 花子", "さとう はなこ", e.s1)
		secret := e.newAsset(t, asset.Input{Name: "秘密の台帳", DepartmentID: e.s1, OwnerID: owner, Confidentiality: "3", Location: "金庫"})
		e.newAsset(t, asset.Input{Name: "マイナンバー端末", Kind: "equipment", DepartmentID: e.s1, OwnerID: owner, Confidentiality: "2", Domain: "mynumber"})
		for i := 0; i < 5; i++ {
			e.newAsset(t, asset.Input{Name: fmt.Sprintf("会議録 %d", i), DepartmentID: e.s3, OwnerID: owner, Confidentiality: "1"})
		}
		auditor := e.holder(t, authz.Auditor).Token
		list := func(token, query string) (int, []assetJSON, string, response) {
			t.Helper()
			res := e.do(t, req{Method: "GET", Path: "/api/v1/assets" + query, Token: token})
			var l struct {
				Items      []assetJSON `json:"items"`
				NextCursor *string     `json:"next_cursor"`
			}
			res.Decode(t, &l)
			if res.Status == 200 && (l.Items == nil || l.NextCursor == nil) {
				t.Errorf("%s: not a list: %s", query, res.Body)
			}
			next := ""
			if l.NextCursor != nil {
				next = *l.NextCursor
			}
			return res.Status, l.Items, next, res
		}
		_, items, _, _ := list(auditor, "?confidentiality=2&domain=mynumber&q="+url.QueryEscape("マイナンバー"))
		if len(items) != 1 || items[0].Name != "マイナンバー端末" || len(items[0].Warnings) != 3 {
			t.Errorf("filtered list: %+v", items)
		}
		_, items, _, res := list(auditor, "?department_id="+id(e.s1))
		if len(items) != 2 || !items[1].Masked || items[1].Name != asset.MaskedName || items[1].ID != id(secret.ID) ||
			items[1].Location != "" || strings.Contains(string(res.Body), "金庫") {
			t.Errorf("masked in the list: %s", res.Body)
		}
		res = e.do(t, req{Method: "GET", Path: "/api/v1/assets/" + id(secret.ID), Token: auditor})
		if res.Status != 200 || strings.Contains(string(res.Body), "秘密") || !strings.Contains(string(res.Body), `"masked":true`) {
			t.Errorf("masked alone: %s", res.Body)
		}
		// Pages.
		_, items, next, _ := list(auditor, "?limit=3&q="+url.QueryEscape("会議録"))
		_, more, last, _ := list(auditor, "?limit=3&q="+url.QueryEscape("会議録")+"&cursor="+url.QueryEscape(next))
		if len(items) != 3 || next == "" || len(more) != 2 || last != "" || more[0].Name != "会議録 3" {
			t.Errorf("pages: %v %q %v %q", items, next, more, last)
		}
		// Bad filters name their parameters.
		for q, field := range map[string]string{"?kind=pc": "kind", "?confidentiality=9": "confidentiality", "?department_id=x": "department_id",
			"?review_overdue=maybe": "review_overdue", "?limit=0": "limit", "?cursor=%21%21": "cursor", "?sort=colour": "sort"} {
			status, _, _, res := list(auditor, q)
			if status != 400 || res.fieldCodes(t)[field] == "" {
				t.Errorf("%s: %d %s", q, status, res.Body)
			}
		}
	})
}

// Import and export through the API.
func TestAssetsAPIFiles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "取込財団")
		owner := e.newPerson(t, "佐藤 花子", "さとう はなこ", e.s1)
		ciso := e.holder(t, authz.CISO).Token
		csv := func(lines ...string) []byte {
			b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n") + "\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		header := "名称,種別,所属,管理責任者,機密性,完全性,可用性"
		bad := csv(header, "人事記録,情報,総務課,佐藤 花子,2,1,1", "給与明細,文書,総務課,佐藤 花子,4,1,1")
		head, _ := e.head(t)

		res := e.send(t, req{Method: "POST", Path: "/api/v1/assets/import?dry_run=true", Token: ciso, Body: uploadOf("台帳.csv", bad)})
		var rep struct {
			DryRun   bool   `json:"dry_run"`
			Applied  bool   `json:"applied"`
			Encoding string `json:"encoding"`
			Rows     int    `json:"rows"`
			Create   int    `json:"create"`
			Error    int    `json:"error"`
			Problems []struct {
				Row                        int
				Column, Header, Code, Cell string
				Message                    string
			} `json:"problems"`
			Items []struct {
				Row     int    `json:"row"`
				Outcome string `json:"outcome"`
			} `json:"items"`
		}
		res.Decode(t, &rep)
		if res.Status != 200 || !rep.DryRun || rep.Applied || rep.Encoding != "Shift_JIS" || rep.Rows != 2 || rep.Create != 1 || rep.Error != 1 ||
			len(rep.Problems) != 1 || rep.Problems[0].Row != 3 || rep.Problems[0].Column != "confidentiality" || rep.Problems[0].Cell != "E" ||
			rep.Problems[0].Message != "3行目・機密性: 「4」は選べません（3, 2, 1のいずれか）" || rep.Items[1].Outcome != "error" {
			t.Fatalf("dry run: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: "POST", Path: "/api/v1/assets/import", Token: ciso, Body: uploadOf("台帳.csv", bad)})
		if res.Status != 400 || res.fieldCodes(t)["rows.3.confidentiality"] != "assetfile.invalid_level" {
			t.Errorf("import of a bad file: %d %s", res.Status, res.Body)
		}
		if h, _ := e.head(t); h != head {
			t.Errorf("a refused import wrote %d trail entries", h-head)
		}
		good := csv(header, "人事記録,情報,総務課,佐藤 花子,2,1,1", "給与明細,文書,総務課,#"+id(owner)+",1,1,1")
		res = e.send(t, req{Method: "POST", Path: "/api/v1/assets/import?match_by=name", Token: ciso, Body: uploadOf("台帳.csv", good)})
		res.Decode(t, &rep)
		if res.Status != 200 || rep.DryRun || !rep.Applied || rep.Create != 2 {
			t.Errorf("import: %d %s", res.Status, res.Body)
		}
		for _, tt := range []struct {
			q      req
			status int
			field  string
		}{
			{req{Method: "POST", Path: "/api/v1/assets/import", Body: []byte(good), ContentType: "text/csv"}, 415, ""},
			{req{Method: "POST", Path: "/api/v1/assets/import?dry_run=perhaps", Body: uploadOf("a.csv", good)}, 400, "dry_run"},
			{req{Method: "POST", Path: "/api/v1/assets/import?match_by=kana", Body: uploadOf("a.csv", good)}, 400, "match_by"},
			{req{Method: "POST", Path: "/api/v1/assets/import", Body: uploadOf("a.csv", nil)}, 400, "file"},
			{req{Method: "POST", Path: "/api/v1/assets/import", Body: formWithout()}, 400, "file"},
			{req{Method: "POST", Path: "/api/v1/assets/import?dry_run=1", Body: uploadOf("a.csv", csv("種別,機密性", "情報,2"))}, 400, "file"},
		} {
			tt.q.Token = ciso
			res := e.send(t, tt.q)
			if res.Status != tt.status || tt.field != "" && res.fieldCodes(t)[tt.field] == "" {
				t.Errorf("%s %s: %d %s", tt.q.Method, tt.q.Path, res.Status, res.Body)
			}
		}

		// Export.
		res = e.send(t, req{Method: "GET", Path: "/api/v1/assets/export?format=csv&confidentiality=1", Token: ciso, Header: map[string]string{"Accept-Language": "en"}})
		if res.Status != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), `filename="assets-`) {
			t.Fatalf("export: %d %q", res.Status, res.Header)
		}
		lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(string(res.Body), "\uFEFF"), "\r\n"), "\r\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID,Name,Kind,") || !strings.Contains(lines[1], "給与明細") {
			t.Errorf("export: %q", lines)
		}
		var after map[string]any
		if last := e.newest(t); last.Action != trail.Export || last.Entity != "asset" || json.Unmarshal([]byte(last.After), &after) != nil {
			t.Errorf("export not in the trail: %+v", last)
		}
		if res := e.send(t, req{Method: "GET", Path: "/api/v1/assets/export?format=pdf", Token: ciso}); res.Status != 400 || res.fieldCodes(t)["format"] == "" {
			t.Errorf("bad format: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: "GET", Path: "/api/v1/assets/export", Token: ciso})
		if res.Status != 200 || !bytes.HasPrefix(res.Body, []byte("PK")) {
			t.Errorf("default xlsx: %d", res.Status)
		}
	})
}
