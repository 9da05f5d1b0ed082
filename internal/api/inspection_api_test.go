package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/inspection"
	"mamori/internal/trail"
)

// inspDirector may do anything to self-inspection (set-up only).
func (e *env) inspDirector(t *testing.T) authz.Principal {
	return authz.Principal{PersonID: e.holder(t, authz.SecurityDirector).ID,
		Assignments: []authz.Assignment{{Role: authz.SecurityDirector, ScopeKind: authz.ScopeOrg}}}
}

func inspItemsInput() []inspection.ItemInput {
	return []inspection.ItemInput{
		{Code: "1-1", Category: "人的セキュリティ", Question: "離席時に画面をロックしているか", Respondent: "all", Priority: true},
		{Code: "1-2", Question: "パスワードを他人に教えていないか", Respondent: "all"},
		{Code: "2-1", Question: "課内の情報資産台帳を更新しているか", Respondent: "manager"},
	}
}

// inspChecklists keeps one active checklist per environment.
var inspChecklists sync.Map // *env → inspection.Checklist

func (e *env) inspChecklist(t *testing.T) inspection.Checklist {
	t.Helper()
	if c, ok := inspChecklists.Load(e); ok {
		return c.(inspection.Checklist)
	}
	var c inspection.Checklist
	e.tx(t, func(tx *db.Tx) (err error) {
		c, err = inspection.CreateChecklist(context.Background(), tx, e.sc, e.inspDirector(t), inspection.ChecklistInput{Title: "点検表", Items: inspItemsInput()})
		if err != nil {
			return err
		}
		c, err = inspection.Activate(context.Background(), tx, e.sc, e.inspDirector(t), c.ID)
		return err
	})
	inspChecklists.Store(e, c)
	t.Cleanup(func() { inspChecklists.Delete(e) })
	return c
}

// inspCampaign plans a campaign over 総務課 and 情報部 (where every role
// holder sits, so all of them answer it), open unless planned.
func (e *env) inspCampaign(t *testing.T, planned bool) inspection.Campaign {
	t.Helper()
	var c inspection.Campaign
	e.tx(t, func(tx *db.Tx) (err error) {
		ctx := context.Background()
		c, err = inspection.CreateCampaign(ctx, tx, e.sc, e.inspDirector(t), inspection.CampaignInput{Title: fmt.Sprintf("自己点検 %d", bodySeq.Add(1)),
			ChecklistID: e.inspChecklist(t).ID, StartsOn: "2026-04-01", EndsOn: "2026-04-30", DepartmentIDs: inspection.IDs{e.s1, e.b2}})
		if err != nil || planned {
			return err
		}
		c, err = inspection.Open(ctx, tx, e.sc, e.inspDirector(t), c.ID)
		return err
	})
	return c
}

// inspectionFixture is what a self-inspection route of the route × role
// table works on: the active checklist, a campaign (planned for /open,
// open otherwise) and its first item.
func (e *env) inspectionFixture(t *testing.T, route string) (checklist, campaign, item int64) {
	t.Helper()
	c := e.inspChecklist(t)
	items, err := inspection.Items(context.Background(), e.d, e.sc, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(route, "/campaigns/") {
		campaign = e.inspCampaign(t, strings.HasSuffix(route, "/open")).ID
	}
	return c.ID, campaign, items[0].ID
}

func newChecklistBody(e *env, f fixture) any {
	return map[string]any{"title": fmt.Sprintf("点検表 %d", bodySeq.Add(1)), "items": []map[string]any{
		{"code": "1", "question": "施錠しているか", "respondent": "all"}}}
}

func newCampaignBody(e *env, f fixture) any {
	return map[string]any{"title": fmt.Sprintf("点検 %d", bodySeq.Add(1)), "checklist_id": id(f.checklist),
		"starts_on": "令和8年4月1日", "ends_on": "2026-04-30", "department_ids": []string{id(e.s1)}}
}

func answerBody(e *env, f fixture) any {
	return map[string]any{"answer": "done", "comment": "確認済み"}
}

func checklistXLSX(rows [][]string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", inspection.SheetItems)
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		_ = f.SetSheetRow(inspection.SheetItems, cell, &vals)
	}
	var buf bytes.Buffer
	_ = f.Write(&buf)
	return buf.Bytes()
}

var checklistHeader = []string{"番号", "分類", "点検項目", "回答者", "確認する証跡", "重点", "関連条項"}

func importChecklistBody(e *env, f fixture) any {
	return uploadOf("点検表.xlsx", checklistXLSX([][]string{checklistHeader, {"1-1", "人的", "施錠しているか", "全職員", "", "○", ""}}))
}

func TestInspectionAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "自己点検API財団")
		dir := e.holder(t, authz.SecurityDirector)
		// A staff member of 総務課 who answers.
		staffTok := e.newUser(t, "職員 太郎", e.s1).Token
		decode := func(res response, v any) {
			t.Helper()
			if err := json.Unmarshal(res.Body, v); err != nil {
				t.Fatalf("decode %s: %v", res.Body, err)
			}
		}

		// Import: a dry run names the row and column of a mistake and
		// writes nothing; a good file becomes a checklist.
		bad := checklistXLSX([][]string{checklistHeader, {"1-1", "", "施錠しているか", "課長", "", "", ""}})
		res := e.send(t, req{Method: http.MethodPost, Path: "/api/v1/checklists/import?dry_run=true", Token: dir.Token, Body: uploadOf("x.xlsx", bad)})
		var rep struct {
			Rows, Error int
			Problems    []struct {
				Row                   int
				Column, Code, Message string
			}
		}
		decode(res, &rep)
		if res.Status != 200 || rep.Error != 1 || rep.Problems[0].Row != 2 || rep.Problems[0].Column != "respondent" || !strings.Contains(rep.Problems[0].Message, "2行目") {
			t.Fatalf("dry run: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: http.MethodPost, Path: "/api/v1/checklists/import?title=" + "%E7%82%B9%E6%A4%9C%E8%A1%A8", Token: dir.Token, Body: uploadOf("x.xlsx", bad)})
		if res.Status != 400 || res.errorCode(t) != "invalid_input" || !strings.Contains(string(res.Body), "rows.2.respondent") {
			t.Fatalf("import of a bad file: %d %s", res.Status, res.Body)
		}
		if last := e.newest(t); last.Action != trail.Denied || last.Entity != inspection.EntityTemplate {
			t.Fatalf("the refused file is not in the trail: %+v", last)
		}
		good := checklistXLSX([][]string{checklistHeader, {"1-1", "人的", "施錠しているか", "全職員", "", "○", ""},
			{"1-2", "人的", "パスワードを教えていないか", "", "", "", ""}})
		res = e.send(t, req{Method: http.MethodPost, Path: "/api/v1/checklists/import?title=" + "%E7%82%B9%E6%A4%9C%E8%A1%A8", Token: dir.Token, Body: uploadOf("x.xlsx", good)})
		var imported struct {
			Applied   bool
			Checklist struct {
				ID    string
				Items []struct{ ID, Code string }
			}
		}
		decode(res, &imported)
		if res.Status != 200 || !imported.Applied || len(imported.Checklist.Items) != 2 {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}

		// Create with items and put into use; plan and open a campaign.
		res = e.send(t, req{Method: http.MethodPost, Path: "/api/v1/checklists", Token: dir.Token, Body: map[string]any{
			"title": "API点検表", "activate": true, "items": []map[string]any{
				{"code": "1", "question": "施錠しているか"}, {"code": "2", "question": "台帳を更新しているか", "respondent": "manager"}}}})
		var cl struct {
			ID     string
			Status string
			Items  []struct{ ID, Code string }
		}
		decode(res, &cl)
		if res.Status != 201 || cl.Status != "active" || len(cl.Items) != 2 {
			t.Fatalf("create checklist: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: http.MethodPost, Path: "/api/v1/campaigns", Token: dir.Token, Body: map[string]any{
			"title": "API点検", "checklist_id": cl.ID, "starts_on": "令和8年4月1日", "ends_on": "2026-04-30", "department_ids": []string{id(e.s1)}, "open": true}})
		var camp struct {
			ID          string
			Status      string
			Respondents int
		}
		decode(res, &camp)
		if res.Status != 201 || camp.Status != "open" || camp.Respondents < 1 {
			t.Fatalf("create campaign: %d %s", res.Status, res.Body)
		}

		// The staff member answers their item; a manager's item is refused
		// and kept in the trail; after closing nothing changes.
		res = e.send(t, req{Method: http.MethodGet, Path: "/api/v1/campaigns/" + camp.ID + "/answers", Token: staffTok})
		var mine struct {
			Items []struct {
				ItemID       string `json:"item_id"`
				Code, Answer string
			}
		}
		decode(res, &mine)
		if res.Status != 200 || len(mine.Items) != 1 || mine.Items[0].Code != "1" || mine.Items[0].Answer != "" {
			t.Fatalf("own answers: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: http.MethodPut, Path: "/api/v1/campaigns/" + camp.ID + "/answers/" + mine.Items[0].ItemID, Token: staffTok,
			Body: map[string]any{"answer": "not_done", "comment": "共有端末は未対応"}})
		if res.Status != 200 || !strings.Contains(string(res.Body), `"answer":"not_done"`) {
			t.Fatalf("answer: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: http.MethodPut, Path: "/api/v1/campaigns/" + camp.ID + "/answers/" + mine.Items[0].ItemID, Token: staffTok,
			Body: map[string]any{"answer": "maybe"}})
		if res.Status != 400 || !strings.Contains(string(res.Body), `"answer"`) {
			t.Fatalf("bad answer: %d %s", res.Status, res.Body)
		}
		before, _ := e.head(t)
		res = e.send(t, req{Method: http.MethodPut, Path: "/api/v1/campaigns/" + camp.ID + "/answers/" + cl.Items[1].ID, Token: staffTok,
			Body: map[string]any{"answer": "done"}})
		if res.Status != 403 || res.errorCode(t) != "forbidden" || !strings.Contains(string(res.Body), "保存していません") {
			t.Fatalf("a manager's item: %d %s", res.Status, res.Body)
		}
		if after, _ := e.head(t); after != before+1 || e.newest(t).Action != trail.Denied || e.newest(t).Entity != inspection.EntityCampaign {
			t.Fatalf("refusal in the trail: %+v", e.newest(t))
		}
		res = e.send(t, req{Method: http.MethodGet, Path: "/api/v1/campaigns/" + camp.ID + "/answers?scope=managed", Token: dir.Token})
		if res.Status != 200 || !strings.Contains(string(res.Body), `"answer":"not_done"`) {
			t.Fatalf("managed answers: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: http.MethodGet, Path: "/api/v1/campaigns/" + camp.ID + "/answers?scope=managed", Token: staffTok})
		if res.Status != 403 {
			t.Fatalf("staff reads every answer: %d", res.Status)
		}
		res = e.send(t, req{Method: http.MethodPost, Path: "/api/v1/campaigns/" + camp.ID + "/close", Token: dir.Token})
		if res.Status != 200 || !strings.Contains(string(res.Body), `"status":"closed"`) {
			t.Fatalf("close: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: http.MethodPut, Path: "/api/v1/campaigns/" + camp.ID + "/answers/" + mine.Items[0].ItemID, Token: staffTok,
			Body: map[string]any{"answer": "done"}})
		if res.Status != 409 || res.errorCode(t) != "conflict" {
			t.Fatalf("answer after closing: %d %s", res.Status, res.Body)
		}
		res = e.send(t, req{Method: http.MethodPost, Path: "/api/v1/campaigns/" + camp.ID + "/close", Token: dir.Token})
		if res.Status != 409 {
			t.Fatalf("close twice: %d %s", res.Status, res.Body)
		}
		// Lists page with a cursor.
		res = e.send(t, req{Method: http.MethodGet, Path: "/api/v1/checklists?limit=1", Token: dir.Token})
		var page struct {
			Items      []map[string]any
			NextCursor string `json:"next_cursor"`
		}
		decode(res, &page)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("checklists page: %s", res.Body)
		}
		res = e.send(t, req{Method: http.MethodGet, Path: "/api/v1/checklists?limit=1&cursor=" + page.NextCursor, Token: dir.Token})
		if res.Status != 200 || strings.Contains(string(res.Body), fmt.Sprintf(`"id":"%v"`, page.Items[0]["id"])) {
			t.Fatalf("second page: %s", res.Body)
		}
	})
}
