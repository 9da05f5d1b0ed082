package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"github.com/xuri/excelize/v2"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/wareki"
)

// The people of the self-inspection walk: the 統括 signs in with a second
// factor (the role demands it); the workers and the 総務課's
// 情報セキュリティ管理者 do not.
const (
	inspDirectorLogin = "kato"
	inspPassword      = "Aki-no-Yuuhi-ni-Teru-Yama-5"
)

// inspWorkers are the people who answer: login, name, department.
var inspWorkers = []struct{ login, name, kana, dept string }{
	{"ito", "伊藤 由美", "いとう ゆみ", "総務課"},
	{"ogawa", "小川 健一", "おがわ けんいち", "総務課"},
	{"mori", "森 直子", "もり なおこ", "企画課"},
	{"hayashi", "林 修", "はやし おさむ", "福祉課"},
}

// inspBudget bounds one engine's walk: two browsers, five sign-ins.
const inspBudget = 240 * time.Second

// TestSelfInspectionWalkthrough is issue 5's "done when": a 統括 imports
// an Excel checklist (the dry run flags a row first), runs a campaign over
// three departments, the answers come in through the browser (one with an
// evidence file), and after closing the 未実施 answers become corrective
// actions; the results page and the dashboard show it — in a real browser,
// on each database engine. Screenshots of the answer form, the results and
// the dashboard go to MAMORI_SCREENSHOTS.
func TestSelfInspectionWalkthrough(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			cfg := dbtest.Config(t, engine)
			base, a := startApp(t, cfg.URL, cfg.DataDir, adminPassword)
			secret := setUpInspectionPeople(t, a.DB)
			ctx, cancel := context.WithTimeout(context.Background(), inspBudget)
			defer cancel()
			prefix := "inspection-" + string(engine)
			director := newBrowser(t, ctx, chromium, base, prefix+"-director")
			staff := newBrowser(t, ctx, chromium, base, prefix+"-staff")
			walkInspection(t, director, staff, secret)
			for _, b := range []*browser{director, staff} {
				b.checkHygiene()
			}
			t.Logf("%s: walked in %s", engine, time.Since(began).Round(100*time.Millisecond))
		})
	}
}

// setUpInspectionPeople creates 総務部／総務課, 企画部／企画課 and
// 福祉部／福祉課, the 統括 (with an authenticator), the 情報セキュリティ
// 管理者 of 総務課 and four workers, and returns the 統括's TOTP secret.
func setUpInspectionPeople(t *testing.T, d *db.DB) string {
	t.Helper()
	ctx := context.Background()
	o, err := org.First(ctx, d)
	if err != nil {
		t.Fatalf("org.First: %v", err)
	}
	sc := scope.System(o.ID, "e2e set-up")
	var secret string
	err = d.Transact(ctx, func(tx *db.Tx) error {
		sections := map[string]int64{}
		for _, pair := range [][2]string{{"総務部", "総務課"}, {"企画部", "企画課"}, {"福祉部", "福祉課"}} {
			bu, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: pair[0]})
			if err != nil {
				return err
			}
			s, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: pair[1], ParentID: bu.ID})
			if err != nil {
				return err
			}
			sections[pair[1]] = s.ID
		}
		person := func(login, name, kana string, dept int64) (org.Person, error) {
			p, err := org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: name, NameKana: kana, DepartmentID: dept, StaffCategory: string(org.Regular)})
			if err != nil {
				return p, err
			}
			return p, auth.CreateAccount(ctx, tx, sc, p.ID, login, inspPassword, false)
		}
		dir, err := person(inspDirectorLogin, "加藤 統括", "かとう とうかつ", sections["総務課"])
		if err != nil {
			return err
		}
		if _, err := org.Assign(ctx, tx, sc, dir.ID, org.AssignmentInput{Role: string(authz.SecurityDirector)}); err != nil {
			return err
		}
		// Enrolled with the previous step's code, so the sign-in's code
		// (this step's) is fresh.
		if secret, _, err = auth.NewMFASecret("mamori", inspDirectorLogin); err != nil {
			return err
		}
		code, err := totp.GenerateCode(secret, time.Now().Add(-30*time.Second))
		if err != nil {
			return err
		}
		if _, err := auth.EnableMFA(ctx, tx, sc, dir.ID, secret, code); err != nil {
			return fmt.Errorf("enable MFA: %w", err)
		}
		mgr, err := person("nakamura", "中村 管理者", "なかむら かんりしゃ", sections["総務課"])
		if err != nil {
			return err
		}
		if _, err := org.Assign(ctx, tx, sc, mgr.ID, org.AssignmentInput{Role: string(authz.SecurityManager), ScopeID: sections["総務課"]}); err != nil {
			return err
		}
		for _, w := range inspWorkers {
			if _, err := person(w.login, w.name, w.kana, sections[w.dept]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("set up the self-inspection walk: %v", err)
	}
	return secret
}

// inspChecklistRows is the office's checklist as kept in Excel; with bad
// set, row 4 names a respondent mamori does not know.
func inspChecklistRows(bad bool) [][]string {
	respondent := "全職員"
	if bad {
		respondent = "課長"
	}
	return [][]string{
		{"番号", "分類", "点検項目", "回答者", "確認する証跡", "重点", "関連条項"},
		{"1-1", "人的セキュリティ", "離席するときは、パソコンの画面をロックしているか", "全職員", "", "○", "基本方針 6-(5)"},
		{"1-2", "人的セキュリティ", "パスワードを他人に教えたり、付箋に書いて貼ったりしていないか", "全職員", "", "○", "基本方針 5; 6-(5)"},
		{"1-3", "物理的セキュリティ", "書類や USB メモリを机の上に置いたままにせず、施錠できる場所に保管しているか", respondent, "", "", "基本方針 6-(4)"},
		{"2-1", "組織体制", "課の情報資産台帳を年1回以上見直しているか", "管理者", "情報資産台帳（見直し日の記録）", "○", "基本方針 6-(2)"},
	}
}

func inspWriteChecklist(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "点検表"); err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := f.SetSheetRow("点検表", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatalf("save %s: %v", path, err)
	}
}

// inspSignIn signs in with the walk's password (and the code, if any).
func (b *browser) inspSignIn(login, secret string) {
	b.t.Helper()
	b.open("/signin")
	b.typeInto("#login", login)
	b.typeInto("#password", inspPassword)
	b.submit("sign in as "+login, `form[action="/signin"] button[type="submit"]`)
	if secret != "" {
		b.wantPath("/mfa")
		code, _ := totpCode(b.t, secret)
		b.typeInto("#code", code)
		b.submit("second factor of "+login, `form[action="/mfa"] button[type="submit"]`)
	}
	b.wantPath("/")
}

func (b *browser) inspSignOut() {
	b.t.Helper()
	b.submit("sign out", `form[action="/signout"] button[type="submit"]`)
}

// answerItem chooses an answer for the item whose question contains text,
// and writes the comment when given.
func (b *browser) inspAnswerItem(text, answerLabel, comment string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
		const fs = Array.from(document.querySelectorAll("fieldset[id^=item-]")).find(f => f.querySelector("legend").innerText.includes(%s));
		if (!fs) return "!no item " + %s;
		const label = Array.from(fs.querySelectorAll(".choice label")).find(l => l.innerText.trim() === %s);
		if (!label) return "!no answer " + %s;
		label.click();
		return fs.id;
	})()`, jsString(text), jsString(text), jsString(answerLabel), jsString(answerLabel))
	id := run(b, "answer "+text, evalString(js))
	if strings.HasPrefix(id, "!") {
		b.fail("%s", id[1:])
	}
	if comment != "" {
		b.fill("#"+strings.Replace(id, "item-", "c-", 1), comment)
	}
}

func walkInspection(t *testing.T, director, staff *browser, secret string) {
	dir := t.TempDir()
	file := filepath.Join(dir, "令和8年度 情報セキュリティ自己点検表.xlsx")
	checkButton := `form[action="/checklists/import"] button[type="submit"]`

	// 1. The 統括 imports the office's checklist: the dry run flags row 4.
	director.inspSignIn(inspDirectorLogin, secret)
	director.navTo("/checklists", "点検表")
	director.submit("open the import", `main .page-actions a[href="/checklists/import"]`)
	inspWriteChecklist(t, file, inspChecklistRows(true))
	director.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	director.clickAndLoad("dry run with a mistake", checkButton)
	result := director.text("#result")
	for _, want := range []string{"4行目", "回答者", "「課長」", "誤りのある行が1行"} {
		if !strings.Contains(result, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, result)
		}
	}
	if run(director, "confirm button", evalBool(`!!document.querySelector('form[action^="/checklists/import/confirm/"]')`)) {
		director.fail("the dry run offers to import a file with a mistake")
	}
	director.screenshot("import-dry-run-error")
	inspWriteChecklist(t, file, inspChecklistRows(false))
	director.do("choose the fixed file", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	director.submit("dry run of the fixed file", checkButton)
	if s := director.text("#result"); !strings.Contains(s, "4件の点検項目を読み取りました") || !strings.Contains(s, "令和8年度 情報セキュリティ自己点検表") {
		t.Errorf("the dry run of the fixed file reads:\n%s", s)
	}
	director.submit("confirm the import", `form[action^="/checklists/import/confirm/"] button[type="submit"]`)
	director.wantFlash("4件の点検項目を取り込みました")
	if items := director.text("#items"); !strings.Contains(items, "基本方針 6-(5)") || !strings.Contains(items, "管理者") {
		t.Errorf("the checklist's items read:\n%s", items)
	}
	director.confirmAndSubmit("put the checklist into use", `form[action$="/activate"] button[type="submit"]`)
	director.wantFlash("使用を開始しました")

	// 2. A campaign over 総務部, 企画部 and 福祉部, opened at once.
	director.submit("plan a campaign", `main .page-actions a[href^="/campaigns/new"]`)
	director.fill("#f-title", "令和8年度 情報セキュリティ自己点検")
	// The period runs from today for a month, written in 和暦 as an
	// office would type it.
	today := time.Now().In(wareki.Location)
	director.fill("#f-starts", wareki.Format(today))
	director.fill("#f-ends", wareki.Format(today.AddDate(0, 1, 0)))
	for _, bureau := range []string{"総務部", "企画部", "福祉部"} {
		js := `(() => { const l = Array.from(document.querySelectorAll("label[for^=f-dept-]")).find(l => l.innerText.trim() === ` + jsString(bureau) + `);
			if (!l) return false; l.click(); return true; })()`
		if !run(director, "tick "+bureau, evalBool(js)) {
			director.fail("no department %s on the form", bureau)
		}
	}
	director.submit("plan", `form[action="/campaigns"] button[type="submit"]`)
	director.wantFlash("自己点検を計画しました")
	if s := director.text("#main"); !strings.Contains(s, "6 人が回答者") {
		t.Errorf("the planned campaign does not say who answers:\n%s", s)
	}
	director.confirmAndSubmit("open the campaign", `form[action$="/open"] button[type="submit"]`)
	director.wantFlash("点検を開始しました")
	campaignPath := director.path()
	director.screenshot("campaign-opened")

	// 3. The answers come in: each person finds the request on the home
	// page and answers; 森 attaches evidence; 伊藤 and 森 answer 未実施.
	evidence := filepath.Join(dir, "施錠保管庫の写真.png")
	if err := os.WriteFile(evidence, inspPNG, 0o644); err != nil {
		t.Fatal(err)
	}
	answers := []struct {
		login   string
		notDone string // the item answered 未実施
		comment string
		file    bool
	}{
		{"ito", "書類や USB メモリ", "鍵付きの保管庫が足りず、机上に置くことがある", false},
		{"ogawa", "", "", false},
		{"nakamura", "", "", false},
		{"mori", "パスワードを他人に教えたり", "共有端末のパスワードを係内で共有している", true},
		{"hayashi", "", "", false},
	}
	for i, a := range answers {
		staff.inspSignIn(a.login, "")
		home := staff.text("#main")
		if !strings.Contains(home, "自己点検「令和8年度 情報セキュリティ自己点検」に回答してください") {
			t.Errorf("%s's home page does not ask for answers:\n%s", a.login, home)
		}
		staff.submit("open the answer form", `#main .card a[href$="/answer"]`)
		form := staff.text("#main")
		if a.login == "nakamura" != strings.Contains(form, "情報資産台帳を年1回以上") {
			t.Errorf("%s's form has the managers' item: %v", a.login, a.login == "nakamura")
		}
		for _, q := range []string{"離席するときは", "パスワードを他人に教えたり", "書類や USB メモリ", "情報資産台帳を年1回以上"} {
			if !strings.Contains(form, q) {
				continue
			}
			label := "実施している"
			comment := ""
			if q == a.notDone {
				label, comment = "未実施", a.comment
			}
			staff.inspAnswerItem(q, label, comment)
		}
		if a.file {
			id := run(staff, "evidence input", evalString(`(() => { const fs = Array.from(document.querySelectorAll("fieldset[id^=item-]"))
				.find(f => f.querySelector("legend").innerText.includes("パスワードを他人に教えたり")); return fs ? fs.id.replace("item-", "e-") : ""; })()`))
			staff.do("attach evidence", chromedp.SetUploadFiles(chromedp.CSS("#"+id), []string{evidence}))
		}
		if i == 0 {
			staff.screenshot("answer-form")
		}
		staff.submit("save the answers", `form[action$="/answer"] button[type="submit"]`)
		staff.wantFlash("すべての項目に回答しました")
		staff.inspSignOut()
	}

	// 4. The 統括 answers too (they sit in 総務課), sees everyone has
	// answered, closes, and reads the results.
	director.navTo("/campaigns", "自己点検")
	if s := director.text("#main table"); !strings.Contains(s, "令和8年度 情報セキュリティ自己点検") || !strings.Contains(s, "回答する") {
		t.Errorf("the campaign list does not offer the 統括 to answer:\n%s", s)
	}
	director.open(campaignPath + "/answer")
	for _, q := range []string{"離席するときは", "パスワードを他人に教えたり", "書類や USB メモリ"} {
		director.inspAnswerItem(q, "実施している", "")
	}
	director.submit("the 統括's answers", `form[action$="/answer"] button[type="submit"]`)
	director.wantFlash("すべての項目に回答しました")
	director.open(campaignPath)
	if s := director.text("#main"); !strings.Contains(s, "6 / 6 人が回答済み") {
		t.Errorf("the campaign page does not show everyone finished:\n%s", s)
	}
	director.confirmAndSubmit("close the campaign", `form[action$="/close"] button[type="submit"]`)
	director.wantFlash("点検を終了しました")
	director.submit("open the results", `main .page-actions a[href$="/results"]`)
	results := director.text("#main")
	for _, want := range []string{"総務部 総務課", "企画部 企画課", "福祉部 福祉課", "基本方針 6-(4)", "総務部 総務課：未実施 1件", "企画部 企画課：未実施 1件"} {
		if !strings.Contains(results, want) {
			t.Errorf("the results do not show %q", want)
		}
	}
	director.screenshot("results")

	// 5. The 未実施 answers become corrective actions: 総務課's goes to its
	// 情報セキュリティ管理者 by default; 企画課 has none, so someone is chosen.
	cards := run(director, "not-done cards", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#not-done .card")).map(c => c.innerText)`))
	if len(cards) != 2 {
		director.fail("%d 未実施 cards, want 2: %q", len(cards), cards)
	}
	raise := func(dept, owner string) {
		t.Helper()
		js := `(() => { const c = Array.from(document.querySelectorAll("#not-done .card")).find(c => c.innerText.includes(` + jsString(dept+"：") + `));
			if (!c) return ""; const f = c.querySelector("form"); if (!f) return "";
			const sel = f.querySelector("select[name=owner_id]"); return sel.id; })()`
		sel := run(director, "card of "+dept, evalString(js))
		if sel == "" {
			director.fail("no action form for %s", dept)
		}
		director.choose("#"+sel, owner)
		director.submit("raise the action for "+dept, "form:has(#"+sel+") button[type=submit]")
		director.wantFlash("是正処置 #")
	}
	raise("総務部 総務課", "中村 管理者")
	raise("企画部 企画課", "森 直子")
	if n := run(director, "actions raised", evalString(`String(document.querySelectorAll("#not-done a[href^='/actions/']").length)`)); n != "2" {
		t.Errorf("%s corrective actions linked on the results, want 2", n)
	}
	director.screenshot("results-actions")

	// 6. The A4 summary, then the dashboard: the campaign's 実施率 as a
	// chart and a table.
	director.submit("open the print view", `main .page-actions a[href$="/print"]`)
	if h := director.text("main h1"); !strings.Contains(h, "自己点検結果報告") {
		t.Errorf("the print view's heading reads %q", h)
	}
	director.screenshot("print")
	director.submit("back to the results", `main .page-actions a[href$="/results"]`)
	director.submit("open the dashboard", `main .page-actions a[href="/inspection/dashboard"]`)
	dash := director.text("#main")
	for _, want := range []string{"全体の実施率の推移", "部局別の実施率", "総務部", "企画部", "福祉部"} {
		if !strings.Contains(dash, want) {
			t.Errorf("the dashboard does not show %q", want)
		}
	}
	if !run(director, "chart title", evalBool(`!!document.querySelector('svg[role="img"] title') && !!document.querySelector('svg[role="img"] desc')`)) {
		t.Errorf("the dashboard's chart has no title and description")
	}
	director.screenshot("dashboard")
}

// pngBytes is a 1×1 PNG, evidence that looks like a photo to the upload.
var inspPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
