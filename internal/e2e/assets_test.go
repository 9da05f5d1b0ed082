package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// officerLogin and officerPassword sign in 佐藤 花子, the 情報セキュリティ
// 責任者 of 総務部, whom the test sets up in the database.
const (
	officerLogin    = "sato"
	officerPassword = "Aozora-ni-Ukabu-Shiroi-Kumo-8"
)

// TestAssetRegisterWalkthrough is issue 3's "done when": a person
// responsible for a department imports last year's Excel register, fixes
// the row the dry run flags, sees the handling rules and domain warnings of
// an asset, finds an asset by a fragment of its Japanese name, and exports
// the register back to Excel — in a real browser, on each database engine.
func TestAssetRegisterWalkthrough(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			cfg := dbtest.Config(t, engine)
			base, a := startApp(t, cfg.URL, cfg.DataDir, adminPassword)
			setUpOfficer(t, a.DB)
			ctx, cancel := context.WithTimeout(context.Background(), engineBudget)
			defer cancel()
			b := newBrowser(t, ctx, chromium, base, "assets-"+string(engine))
			walkAssets(t, b)
			b.checkHygiene()
			t.Logf("%s: walked in %s", engine, time.Since(began).Round(100*time.Millisecond))
		})
	}
}

// setUpOfficer creates 総務部／総務課 and 佐藤 花子 of 総務課, with a sign-in
// account and the role 情報セキュリティ責任者 of 総務部 (no MFA required).
func setUpOfficer(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	o, err := org.First(ctx, d)
	if err != nil {
		t.Fatalf("org.First: %v", err)
	}
	sc := scope.System(o.ID, "e2e set-up")
	err = d.Transact(ctx, func(tx *db.Tx) error {
		bureau, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務部"})
		if err != nil {
			return err
		}
		section, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務課", ParentID: bureau.ID})
		if err != nil {
			return err
		}
		p, err := org.CreatePerson(ctx, tx, sc, org.PersonInput{
			Name: "佐藤 花子", NameKana: "さとう はなこ", DepartmentID: section.ID, StaffCategory: string(org.Regular),
		})
		if err != nil {
			return err
		}
		if err := auth.CreateAccount(ctx, tx, sc, p.ID, officerLogin, officerPassword, false); err != nil {
			return err
		}
		_, err = org.Assign(ctx, tx, sc, p.ID, org.AssignmentInput{Role: string(authz.SecurityOfficer), ScopeID: bureau.ID})
		return err
	})
	if err != nil {
		t.Fatalf("set up 総務部, 総務課 and 佐藤 花子: %v", err)
	}
}

// registerRows is last year's register as a department kept it in Excel.
// The third row's 機密性 is the one the dry run must flag (row 4 of the
// sheet, under the header).
func registerRows(badLevel string) [][]any {
	return [][]any{
		{"名称", "種別", "説明", "所属", "管理責任者", "ネットワーク領域", "機密性", "完全性", "可用性", "タグ"},
		{"住民税課税台帳", "情報", "個人住民税の課税に用いる台帳", "総務課", "佐藤 花子", "マイナンバー利用事務系", "3", "2", "2", "税務"},
		{"マイナンバー管理端末", "設備・機器", "番号利用事務の端末", "総務課", "佐藤 花子", "マイナンバー利用事務系", "2", "2", "2", "端末"},
		{"文書管理規程集", "文書", "課の文書管理規程の綴り", "総務課", "佐藤 花子", "なし", badLevel, "1", "1", ""},
	}
}

// writeRegister writes the register to an XLSX file in dir.
func writeRegister(t *testing.T, path string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			t.Fatalf("write row %d: %v", i+1, err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatalf("save %s: %v", path, err)
	}
}

// clickAndLoad clicks and waits for the page it leads to, without judging
// what the page shows (a dry run with errors shows an error notice).
func (b *browser) clickAndLoad(what, css string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css)))); err != nil {
		b.fail("%s: click %s: %v (at %s)", what, css, err, b.location())
	}
}

func walkAssets(t *testing.T, b *browser) {
	dir := t.TempDir()
	file := filepath.Join(dir, "情報資産台帳_令和6年度.xlsx")
	checkButton := `form[action="/assets/import"] button[type="submit"]`

	// 1. Sign in as the 情報セキュリティ責任者: no second factor.
	b.open("/")
	b.wantPath("/signin")
	b.typeInto("#login", officerLogin)
	b.typeInto("#password", officerPassword)
	b.submit("sign in", `form[action="/signin"] button[type="submit"]`)
	b.wantPath("/")

	// 2. 情報資産 → 取り込み: the register with a wrong 機密性 in row 4.
	b.navTo("/assets", "情報資産")
	b.submit("open the import", `main .page-actions a[href="/assets/import"]`)
	b.wantPath("/assets/import")
	writeRegister(t, file, registerRows("4"))
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	b.do("match by name", clickCSS(`label[for="f-match-name"]`))
	b.clickAndLoad("dry run with an error", checkButton)
	b.wantPath("/assets/import")
	b.screenshot("import-dry-run-error")
	if n := run(b, "confirm button", evalBool(`!!document.querySelector('form[action$="/confirm"]')`)); n {
		b.fail("the dry run offers to import a file with an error")
	}
	result := b.text("#result")
	for _, want := range []string{"誤りのある行が1行", "4行目", "機密性", "「4」", "文書管理規程集"} {
		if !strings.Contains(result, want) {
			t.Errorf("the dry run does not show %q:\n%s", want, result)
		}
	}
	rows := run(b, "read the rows", chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll(
		"#result table tbody tr")).map(tr => Array.from(tr.children).map(c => c.innerText.trim()))`))
	var flagged bool
	for _, r := range rows {
		if len(r) >= 4 && r[0] == "4" && r[1] == "誤り" && strings.Contains(r[3], "機密性") {
			flagged = true
		}
	}
	if !flagged {
		t.Errorf("the dry run's table does not flag row 4's 機密性: %q", rows)
	}

	// 3. Fix the file and check again: nothing is wrong, so confirm.
	writeRegister(t, file, registerRows("2"))
	b.do("choose the fixed file", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	b.do("match by name", clickCSS(`label[for="f-match-name"]`))
	b.submit("dry run of the fixed file", checkButton)
	b.wantPath("/assets/import")
	if s := b.text("#result dl"); !strings.Contains(s, "新規登録 3件") || !strings.Contains(s, "誤り 0件") {
		t.Errorf("the dry run's counts read %q, want 3 new and no errors", s)
	}
	b.screenshot("import-dry-run-ok")
	b.submit("confirm the import", `form[action$="/confirm"] button[type="submit"]`)
	b.wantPath("/assets")
	b.wantFlash("取り込みました（新規登録 3件")
	list := b.text("#main table")
	for _, want := range []string{"住民税課税台帳", "マイナンバー管理端末", "文書管理規程集", "総務課"} {
		if !strings.Contains(list, want) {
			t.Errorf("the register lacks %q after the import:\n%s", want, list)
		}
	}
	b.screenshot("assets-imported")

	// 4. Find by a fragment of the Japanese name.
	b.fill("#q", "課税台")
	b.submit("search 課税台", `form[action="/assets"][role="search"] button[type="submit"]`)
	b.wantPath("/assets")
	names := run(b, "result names", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		"#main table tbody th a")).map(a => a.innerText.trim())`))
	if len(names) != 1 || names[0] != "住民税課税台帳" {
		t.Errorf("searching 課税台 finds %q, want just 住民税課税台帳", names)
	}
	b.screenshot("assets-search")

	// 5. The terminal's page: handling rules and the My Number warnings.
	b.open("/assets?q=" + url.QueryEscape("マイナンバー管理"))
	b.submit("open マイナンバー管理端末", `#main table tbody th a`)
	if h := b.text("main h1"); !strings.Contains(h, "マイナンバー管理端末") {
		b.fail("asset page heading %q, want マイナンバー管理端末", h)
	}
	if h := b.text("#handling-heading"); h != "この資産の取扱い" {
		t.Errorf("handling heading %q, want この資産の取扱い", h)
	}
	if n := run(b, "handling rules", evalString(`String(document.querySelectorAll("#handling dt").length)`)); n == "0" {
		t.Errorf("the asset shows no handling rules")
	}
	warnings := b.text("#warnings")
	for _, want := range []string{"要対応", "マイナンバー利用事務系", "多要素認証"} {
		if !strings.Contains(warnings, want) {
			t.Errorf("the warnings section does not say %q:\n%s", want, warnings)
		}
	}
	if n := run(b, "warnings", evalString(`String(document.querySelectorAll("#warnings li").length)`)); n == "0" {
		t.Errorf("the My Number terminal shows no domain warnings")
	}
	b.screenshot("asset-show")

	// 6. Export to Excel: fetch the link with the browser's cookies.
	b.navTo("/assets", "情報資産")
	href := run(b, "export link", evalString(`(() => { const a = Array.from(document.querySelectorAll("main .page-actions a"))
		.find(a => a.getAttribute("href").includes("format=xlsx")); return a ? a.href : ""; })()`))
	if href == "" {
		b.fail("no Excel export link on /assets")
	}
	ctx, cancel := b.step()
	defer cancel()
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.fail("read the browser's cookies: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, href, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", href, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %.200s", href, resp.Status, body)
	}
	if !bytes.HasPrefix(body, []byte("PK\x03\x04")) {
		t.Fatalf("the export is not an XLSX (zip) file: starts %q, Content-Type %q", body[:min(len(body), 16)], resp.Header.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("excelize cannot open the export: %v", err)
	}
	defer x.Close()
	sheetRows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatalf("read the export's first sheet: %v", err)
	}
	var found bool
	for _, r := range sheetRows {
		for _, c := range r {
			if c == "住民税課税台帳" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the export lacks 住民税課税台帳; %d rows: %q", len(sheetRows), sheetRows)
	}
}
