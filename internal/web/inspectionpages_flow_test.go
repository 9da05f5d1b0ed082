package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/httpx"
	"mamori/internal/inspection"
	"mamori/internal/org"
	"mamori/internal/trail"
)

// inspPost sends a multipart form (fields, and files by field name) as
// the session, as a browser sends the import and answer forms.
func (e *adminEnv) inspPost(path string, s *session, fields url.Values, files map[string][2]string) *httptest.ResponseRecorder {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", s.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		fw, err := mw.CreateFormFile(field, f[0])
		if err != nil {
			e.t.Fatal(err)
		}
		_, _ = fw.Write([]byte(f[1]))
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, path, &b)
	r.RemoteAddr = "192.0.2.10:50000"
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
	return e.serve(r)
}

// inspWorkbook writes rows to the sheet 点検表 of a workbook.
func inspWorkbook(t *testing.T, rows [][]string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", inspection.SheetItems); err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := f.SetSheetRow(inspection.SheetItems, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var inspHeader = []string{"番号", "分類", "点検項目", "回答者", "確認する証跡", "重点", "関連条項"}

var inspConfirmAction = regexp.MustCompile(`action="(/checklists/import/confirm/[0-9a-f]{32})"`)

// The path of issue 5 through the pages: a 統括 imports a checklist from
// Excel (a mistake shown by row and column first), plans and opens a
// campaign, people answer, a refused answer is kept in the trail, the
// results and the dashboard show it, and a 未実施 answer becomes a
// corrective action.
func TestInspectionPagesFlow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		bureau := e.department("総務部", 0)
		section := e.department("総務課", bureau)
		dirID := e.person("統括 一郎", section, true, org.AssignmentInput{Role: string(authz.SecurityDirector)})
		dir := e.signIn(dirID)
		managerID := e.person("管理 花子", section, true, org.AssignmentInput{Role: string(authz.SecurityManager), ScopeID: section})
		manager := e.signIn(managerID)
		staffID := e.person("職員 太郎", section, true)
		staff := e.signIn(staffID)
		outsider := e.signIn(e.person("他部 次郎", 0, true))

		// 1. A file with a mistake: the dry run names row 3, column 回答者;
		// nothing is written.
		bad := inspWorkbook(t, [][]string{inspHeader,
			{"1-1", "人的", "離席時に画面をロックしているか", "全職員", "", "○", ""},
			{"1-2", "人的", "パスワードを他人に教えていないか", "課長", "", "", ""}})
		w := e.inspPost("/checklists/import", dir, url.Values{"target": {"new"}, "title": {"令和8年度 自己点検表"}}, map[string][2]string{"file": {"点検表.xlsx", bad}})
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, "3行目・回答者") && !strings.Contains(body, "回答者: 「課長」") || inspConfirmAction.MatchString(body) {
			t.Fatalf("dry run of a bad file: %d\n%s", w.Code, body)
		}
		if n := e.inspCount(`SELECT COUNT(*) FROM checklists WHERE org_id = ?`); n != 0 {
			t.Fatalf("a dry run wrote %d checklists", n)
		}
		if last := e.inspNewest(); last.Action != trail.Denied || last.Entity != inspection.EntityTemplate || last.ActorID != dirID ||
			!strings.Contains(last.After, "checklist.file.bad_respondent") {
			t.Fatalf("the refused file is not in the trail: %+v", last)
		}
		// 2. The corrected file, confirmed.
		good := inspWorkbook(t, [][]string{inspHeader,
			{"1-1", "人的", "離席時に画面をロックしているか", "全職員", "", "○", ""},
			{"1-2", "人的", "パスワードを他人に教えていないか", "全職員", "", "", ""},
			{"2-1", "組織", "課内の情報資産台帳を更新しているか", "管理者", "情報資産台帳", "", ""}})
		w = e.inspPost("/checklists/import", dir, url.Values{"target": {"new"}, "title": {"令和8年度 自己点検表"}}, map[string][2]string{"file": {"点検表.xlsx", good}})
		m := inspConfirmAction.FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusOK || m == nil {
			t.Fatalf("dry run of a good file: %d\n%s", w.Code, w.Body.String())
		}
		w = e.do(http.MethodPost, m[1], dir, nil)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/checklists/") {
			t.Fatalf("confirm: %d %s", w.Code, w.Header().Get("Location"))
		}
		checklistPath := w.Header().Get("Location")
		if w := e.do(http.MethodPost, m[1], dir, nil); w.Code != http.StatusNotFound {
			t.Fatalf("a second confirmation: %d", w.Code)
		}
		e.post(checklistPath+"/activate", dir, nil, http.StatusSeeOther)
		var checklistID int64
		fmt.Sscanf(checklistPath, "/checklists/%d", &checklistID)

		// 3. A campaign over 総務部, kept as typed when refused.
		form := url.Values{"title": {"令和8年度 自己点検"}, "checklist_id": {fmt.Sprint(checklistID)}, "starts_on": {"令和8年4月1日"},
			"ends_on": {"R8.3.1"}, "department_ids": {fmt.Sprint(bureau)}}
		body = e.post("/campaigns", dir, form, http.StatusBadRequest)
		if !strings.Contains(body, e.ja("campaign.ends_before_start")) || !strings.Contains(body, `value="令和8年4月1日"`) {
			t.Fatalf("refused campaign form:\n%s", body)
		}
		form.Set("ends_on", "R8.4.30")
		w = e.do(http.MethodPost, "/campaigns", dir, form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("plan: %d %s", w.Code, w.Body.String())
		}
		campaignPath := w.Header().Get("Location")
		e.post(campaignPath+"/open", dir, nil, http.StatusSeeOther)
		var campaignID int64
		fmt.Sscanf(campaignPath, "/campaigns/%d", &campaignID)

		// 4. The home page asks the staff member to answer.
		home := e.page("/", staff, http.StatusOK)
		if !strings.Contains(home, e.ja("campaign.todo_answer", "令和8年度 自己点検")) || !strings.Contains(home, campaignPath+"/answer") {
			t.Fatalf("home page lacks the request to answer:\n%s", home)
		}
		items, err := inspection.Items(e.ctx, d, e.sc, checklistID)
		if err != nil || len(items) != 3 {
			t.Fatalf("items %v %v", items, err)
		}
		i11, i12, i21 := items[0].ID, items[1].ID, items[2].ID
		answerForm := e.page(campaignPath+"/answer", staff, http.StatusOK)
		if !strings.Contains(answerForm, "離席時に画面をロックしているか") || strings.Contains(answerForm, "課内の情報資産台帳") {
			t.Fatalf("staff answer form:\n%s", answerForm)
		}

		// 5. Answers: a bad one keeps what was typed; a refused one (an
		// item for managers) saves nothing and is in the trail.
		w = e.inspPost(campaignPath+"/answer", staff, url.Values{fmt.Sprintf("answer_%d", i11): {"done"},
			fmt.Sprintf("comment_%d", i12): {"共有PCのため"}}, nil)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "共有PCのため") || !strings.Contains(w.Body.String(), e.ja("campaign.answer_for_comment")) {
			t.Fatalf("comment without answer: %d\n%s", w.Code, w.Body.String())
		}
		before := e.head()
		w = e.inspPost(campaignPath+"/answer", staff, url.Values{fmt.Sprintf("answer_%d", i11): {"done"}, fmt.Sprintf("answer_%d", i21): {"done"}}, nil)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), e.ja("campaign.refused.not_your_item")) {
			t.Fatalf("answering a manager's item: %d\n%s", w.Code, w.Body.String())
		}
		if last := e.inspNewest(); e.head() != before+1 || last.Action != trail.Denied || last.ActorID != staffID {
			t.Fatalf("refusal not in the trail: %+v", last)
		}
		w = e.inspPost(campaignPath+"/answer", outsider, url.Values{fmt.Sprintf("answer_%d", i11): {"done"}}, nil)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), e.ja("campaign.refused.not_respondent")) {
			t.Fatalf("an outsider answers: %d", w.Code)
		}
		w = e.inspPost(campaignPath+"/answer", staff, url.Values{fmt.Sprintf("answer_%d", i11): {"done"},
			fmt.Sprintf("answer_%d", i12): {"not_done"}, fmt.Sprintf("comment_%d", i12): {"共有PCのため"}}, nil)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("answers: %d %s", w.Code, w.Body.String())
		}
		w = e.inspPost(campaignPath+"/answer", manager, url.Values{fmt.Sprintf("answer_%d", i11): {"done"},
			fmt.Sprintf("answer_%d", i12): {"done"}}, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != campaignPath+"/answer" {
			t.Fatalf("manager's partial answers: %d %s", w.Code, w.Header().Get("Location"))
		}

		// 6. Progress, who has not finished, results and the print view.
		page := e.page(campaignPath, dir, http.StatusOK)
		if !strings.Contains(page, e.ja("campaign.progress_title")) {
			t.Fatalf("campaign page:\n%s", page)
		}
		unfinished := e.page(campaignPath+"/unfinished", dir, http.StatusOK)
		if !strings.Contains(unfinished, "管理 花子") || strings.Contains(unfinished, "職員 太郎") {
			t.Fatalf("unfinished:\n%s", unfinished)
		}
		results := e.page(campaignPath+"/results", dir, http.StatusOK)
		if !strings.Contains(results, e.ja("campaign.not_done_in", "総務部 総務課", 1)) || !strings.Contains(results, "75%") {
			t.Fatalf("results:\n%s", results)
		}
		if p := e.page(campaignPath+"/print", dir, http.StatusOK); !strings.Contains(p, e.ja("campaign.print_heading", "令和8年度 自己点検")) {
			t.Fatalf("print:\n%s", p)
		}
		xw := e.do(http.MethodGet, campaignPath+"/report.xlsx", dir, nil)
		if xw.Code != http.StatusOK || !bytes.HasPrefix(xw.Body.Bytes(), []byte("PK")) {
			t.Fatalf("report: %d", xw.Code)
		}

		// 7. Closing locks the answers.
		e.post(campaignPath+"/close", dir, nil, http.StatusSeeOther)
		w = e.inspPost(campaignPath+"/answer", manager, url.Values{fmt.Sprintf("answer_%d", i21): {"done"}}, nil)
		if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), e.ja("campaign.refused.closed")) {
			t.Fatalf("answering a closed campaign: %d", w.Code)
		}
		if f := e.page(campaignPath+"/answer", staff, http.StatusOK); !strings.Contains(f, e.ja("campaign.answers_locked")) || !strings.Contains(f, " disabled") {
			t.Fatalf("closed answer form:\n%s", f)
		}

		// 8. The 未実施 answer becomes a corrective action, once.
		w = e.do(http.MethodPost, campaignPath+"/actions", dir, url.Values{"item_id": {fmt.Sprint(i12)}, "department_id": {fmt.Sprint(section)},
			"owner_id": {fmt.Sprint(managerID)}, "due_on": {"令和8年6月30日"}, "title": {"パスワード管理の徹底"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("raise: %d %s", w.Code, w.Body.String())
		}
		results = e.page(campaignPath+"/results", dir, http.StatusOK)
		if !strings.Contains(results, e.ja("campaign.action_exists")) {
			t.Fatalf("results after raising:\n%s", results)
		}
		if n := e.inspCount(`SELECT COUNT(*) FROM corrective_actions WHERE org_id = ? AND campaign_id IS NOT NULL`); n != 1 {
			t.Fatalf("%d corrective actions", n)
		}

		// 9. The dashboard draws the campaign with its numbers in a table.
		dash := e.page("/inspection/dashboard", dir, http.StatusOK)
		for _, want := range []string{`role="img"`, `<title id="chart-overall-title">`, `<desc id="chart-overall-desc">`, "総務部", "75%"} {
			if !strings.Contains(dash, want) {
				t.Fatalf("dashboard lacks %q:\n%s", want, dash)
			}
		}
	})
}

func (e *adminEnv) inspCount(q string) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(e.ctx, q, e.org.ID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *adminEnv) inspNewest() trail.Entry {
	e.t.Helper()
	es, err := trail.List(e.ctx, e.d, e.sc, trail.Filter{Limit: 1})
	if err != nil || len(es) == 0 {
		e.t.Fatalf("trail %v %v", es, err)
	}
	return es[0]
}
