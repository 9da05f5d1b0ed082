package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// The people of the policy walk: the 統括 and the CISO sign in with a
// second factor (their roles demand it); the worker does not.
const (
	directorLogin = "suzuki"
	cisoLogin     = "takahashi"
	workerLogin   = "tanaka"
	staffPassword = "Yuki-no-Shita-no-Fukinotou-4"
)

// policyBudget bounds one engine's walk: three browsers and two
// documents through their whole life. It takes well under a minute on an
// idle machine; the bound leaves room for a busy one.
const policyBudget = 300 * time.Second

// TestPolicyDocumentsWalkthrough is issue 4's "done when" for the pages:
// the basic policy is on /public without signing in, numbered as written
// (6-(3)-①); a 統括 drafts a 対策基準 and a restricted 実施手順 and submits
// them; the CISO approves (the 統括 cannot: not even their own); the 統括
// puts them in force; a worker without access finds not a word of the
// procedure in the list or a search and cannot open it — in a real
// browser, on each database engine.
func TestPolicyDocumentsWalkthrough(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			cfg := dbtest.Config(t, engine)
			base, a := startApp(t, cfg.URL, cfg.DataDir, adminPassword)
			secrets := setUpPolicyPeople(t, a.DB)
			ctx, cancel := context.WithTimeout(context.Background(), policyBudget)
			defer cancel()
			prefix := "policy-" + string(engine)
			worker := newBrowser(t, ctx, chromium, base, prefix+"-worker")
			director := newBrowser(t, ctx, chromium, base, prefix+"-director")
			ciso := newBrowser(t, ctx, chromium, base, prefix+"-ciso")
			walkPolicy(t, worker, director, ciso, secrets)
			for _, b := range []*browser{worker, director, ciso} {
				b.checkHygiene()
			}
			t.Logf("%s: walked in %s", engine, time.Since(began).Round(100*time.Millisecond))
		})
	}
}

// setUpPolicyPeople creates 総務部／総務課 and 事業部; 鈴木 一郎 (統括) and
// 高橋 花子 (CISO), each with an authenticator enrolled; 田中 三郎, a worker
// of 事業部. It makes sure the organisation's basic policy is in force, as
// first start leaves it, and returns the two authenticator secrets.
func setUpPolicyPeople(t *testing.T, d *db.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	o, err := org.First(ctx, d)
	if err != nil {
		t.Fatalf("org.First: %v", err)
	}
	sc := scope.System(o.ID, "e2e set-up")
	secrets := map[string]string{}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		bureau, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務部"})
		if err != nil {
			return err
		}
		section, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務課", ParentID: bureau.ID})
		if err != nil {
			return err
		}
		other, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "事業部"})
		if err != nil {
			return err
		}
		for _, x := range []struct {
			name, kana, login string
			dept              int64
			role              authz.Role
		}{
			{"鈴木 一郎", "すずき いちろう", directorLogin, section.ID, authz.SecurityDirector},
			{"高橋 花子", "たかはし はなこ", cisoLogin, bureau.ID, authz.CISO},
			{"田中 三郎", "たなか さぶろう", workerLogin, other.ID, authz.Staff},
		} {
			p, err := org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: x.name, NameKana: x.kana, DepartmentID: x.dept,
				StaffCategory: string(org.Regular)})
			if err != nil {
				return err
			}
			if err := auth.CreateAccount(ctx, tx, sc, p.ID, x.login, staffPassword, false); err != nil {
				return err
			}
			if x.role == authz.Staff {
				continue
			}
			if _, err := org.Assign(ctx, tx, sc, p.ID, org.AssignmentInput{Role: string(x.role)}); err != nil {
				return err
			}
			// Enrolled with the previous step's code, so the sign-in's
			// code (this step's) is fresh and nobody waits 30 seconds.
			secret, _, err := auth.NewMFASecret("mamori", x.login)
			if err != nil {
				return err
			}
			code, err := totp.GenerateCode(secret, time.Now().Add(-30*time.Second))
			if err != nil {
				return err
			}
			if _, err := auth.EnableMFA(ctx, tx, sc, p.ID, secret, code); err != nil {
				return fmt.Errorf("enable MFA for %s: %w", x.login, err)
			}
			secrets[x.login] = secret
		}
		public, err := policy.ListPublic(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if len(public) == 0 {
			if _, err := policy.SeedBasicPolicy(ctx, tx, sc); err != nil {
				return fmt.Errorf("seed the basic policy: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("set up the policy walk: %v", err)
	}
	return secrets
}

// signInAs signs in, with the authenticator's code when there is one.
func (b *browser) signInAs(login, secret string) {
	b.t.Helper()
	b.open("/signin")
	b.typeInto("#login", login)
	b.typeInto("#password", staffPassword)
	b.submit("sign in as "+login, `form[action="/signin"] button[type="submit"]`)
	if secret != "" {
		b.wantPath("/mfa")
		code, _ := totpCode(b.t, secret)
		b.typeInto("#code", code)
		b.submit("second factor of "+login, `form[action="/mfa"] button[type="submit"]`)
	}
	b.wantPath("/")
}

// confirmAndSubmit presses a button that asks for confirmation (data-confirm)
// and answers yes, as the person would.
func (b *browser) confirmAndSubmit(what, css string) {
	b.t.Helper()
	msg := run(b, what+": confirmation text", evalString(`(() => { const e = document.querySelector(`+jsString(css)+`);
		return e ? (e.getAttribute("data-confirm") || "") : "!missing"; })()`))
	if msg == "!missing" {
		b.fail("%s: no %s on %s", what, css, b.path())
	}
	if msg == "" {
		b.t.Errorf("%s: the button asks for no confirmation", what)
	}
	run(b, what+": answer yes", evalBool(`(() => { window.confirm = () => true; return true; })()`))
	b.submit(what, css)
}

// docPath reads the document's path from a version's path
// ("/documents/12/versions/34" → "/documents/12").
func docPath(versionPath string) string {
	parts := strings.Split(versionPath, "/")
	if len(parts) < 3 {
		return versionPath
	}
	return strings.Join(parts[:3], "/")
}

const standardMarkdown = `# 情報セキュリティ対策基準

## 1 組織体制

### (1) 最高情報セキュリティ責任者

最高情報セキュリティ責任者（CISO）を置き、情報セキュリティに関する権限と責任を持たせる。

### (2) 統括情報セキュリティ責任者

CISOを補佐する統括情報セキュリティ責任者を置く。

## 2 情報資産の分類と管理

### (1) 分類

情報資産を機密性、完全性及び可用性により分類する。

### (2) 管理責任

情報資産の管理責任者を定め、台帳に登録する。
`

const procedureSecret = "入退室カードは総務課の金庫に保管する"

const procedureMarkdown = `# サーバ室入退室手順

## 1 入退室

### (1) 申請

入室の前日までに入退室申請書を提出する。

### (2) 鍵の管理

` + procedureSecret + `。

## 2 記録

入退室の記録を1年間保存する。
`

func walkPolicy(t *testing.T, worker, director, ciso *browser, secrets map[string]string) {
	// 1. Without signing in: the basic policy, numbered as written.
	worker.open("/public")
	text := worker.pageText()
	for _, want := range []string{"一般財団法人北海道市町村職員福祉協会", "情報セキュリティ基本方針", "平成28年4月1日施行"} {
		if !strings.Contains(text, want) {
			t.Errorf("/public lacks %q:\n%s", want, text)
		}
	}
	if n := run(worker, "application frame", evalString(`String(document.querySelectorAll(".site-nav, .user-menu, form").length)`)); n != "0" {
		t.Errorf("/public shows %s pieces of the application (menu, forms)", n)
	}
	worker.screenshot("public")
	worker.submit("open the basic policy", `main .public-list a`)
	clause := run(worker, "clause 6-(3)-①", evalString(`(() => {
		const el = document.getElementById("c-6-(3)-①");
		if (!el) return "";
		let s = el.textContent;
		for (let n = el.nextElementSibling, i = 0; n && i < 2; n = n.nextElementSibling, i++) s += "\n" + n.textContent;
		return s; })()`))
	if !strings.Contains(clause, "①") || !strings.Contains(clause, "マイナンバー事務系においては") {
		worker.fail("clause 6-(3)-① reads %q", clause)
	}
	if toc := run(worker, "contents", evalBool(`Array.from(document.querySelectorAll(".doc-toc a")).some(a => decodeURIComponent(a.hash) === "#c-6-(3)")`)); !toc {
		t.Errorf("the public page's contents do not list 6-(3)")
	}
	// (No screenshot of it: the whole basic policy is a page five
	// screens long, slow to capture on a busy machine.)

	// 2. The 統括 drafts a 対策基準.
	director.signInAs(directorLogin, secrets[directorLogin])
	director.navTo("/documents", "ポリシー文書")
	director.screenshot("documents")
	director.submit("new document", `main .page-actions a[href="/documents/new"]`)
	director.wantPath("/documents/new")
	director.choose("#f-type", "対策基準")
	director.fill("#f-number", "規程第2号")
	director.fill("#f-title", "情報セキュリティ対策基準")
	director.fill("#f-body", standardMarkdown)
	director.fill("#f-change_summary", "初版")
	director.submit("create the standard", `form[action="/documents"] .form-actions button.btn-primary`)
	director.wantFlash("文書を作成しました")
	standardVersion := director.path()
	standard := docPath(standardVersion)
	if got := director.text(".doc-steps [aria-current=step]"); !strings.Contains(got, "下書き") {
		t.Errorf("a new version's step reads %q, want 下書き", got)
	}
	director.confirmAndSubmit("submit the standard", `form[action$="/submit"] button`)
	director.wantFlash("審査に回しました")

	// … and a 実施手順, restricted by its type, readable by 総務部 only.
	director.open("/documents/new")
	director.choose("#f-type", "実施手順")
	director.fill("#f-number", "手順第1号")
	director.fill("#f-title", "サーバ室入退室手順")
	director.fill("#f-body", procedureMarkdown)
	director.submit("create the procedure", `form[action="/documents"] .form-actions button.btn-primary`)
	procedureVersion := director.path()
	procedure := docPath(procedureVersion)
	director.open(procedure + "/settings")
	if v := run(director, "visibility", evalString(`document.querySelector('input[name="visibility"]:checked').value`)); v != "restricted" {
		t.Errorf("a new procedure's visibility is %q, want restricted", v)
	}
	if !run(director, "let 総務部 read it", evalBool(`(() => {
		const l = Array.from(document.querySelectorAll('input[name="access_department"]')).find(i => i.labels[0].textContent.trim() === "総務部");
		if (!l) return false;
		l.checked = true; return true; })()`)) {
		director.fail("no 総務部 among the readers to choose")
	}
	director.submit("save the settings", `form[action$="/settings"] .form-actions button.btn-primary`)
	director.wantFlash("設定を保存しました")
	if !strings.Contains(director.pageText(), "総務部（配下を含む）") {
		t.Errorf("the procedure's page does not name 総務部 as a reader")
	}
	director.open(procedureVersion)
	director.confirmAndSubmit("submit the procedure", `form[action$="/submit"] button`)

	// The 統括 cannot approve, not even their own version: no button, and
	// the request itself is refused.
	director.open(standardVersion)
	if n := run(director, "approve button", evalString(`String(document.querySelectorAll('form[action$="/approve"]').length)`)); n != "0" {
		t.Errorf("the 統括 is offered %s approve buttons", n)
	}
	run(director, "post an approval", evalBool(`(() => {
		const f = document.createElement("form"); f.method = "post"; f.action = location.pathname + "/approve";
		const c = document.createElement("input"); c.type = "hidden"; c.name = "csrf";
		c.value = document.querySelector('input[name="csrf"]').value; f.appendChild(c);
		const b = document.createElement("button"); b.type = "submit"; b.id = "forced-approve"; b.textContent = "approve";
		f.appendChild(b); document.body.appendChild(f); return true; })()`))
	director.clickAndLoad("approve by the 統括", `#forced-approve`)
	if !strings.Contains(director.pageText(), "権限がありません") {
		t.Errorf("the 統括's approval was not refused:\n%s", director.pageText())
	}
	director.forgetProblems("403") // the refused request is the point

	// 3. The CISO reads, comments, approves both.
	ciso.signInAs(cisoLogin, secrets[cisoLogin])
	ciso.open(standardVersion)
	ciso.screenshot("version-in-review")
	ciso.choose("#f-clause", "2-(1)")
	ciso.fill("#f-body", "分類の例（個人情報は機密性3など）を加えると分かりやすい。")
	ciso.submit("comment", `form[action*="/comments"] button`)
	ciso.wantFlash("意見を記録しました")
	ciso.confirmAndSubmit("approve the standard", `form[action$="/approve"] button`)
	ciso.wantFlash("承認しました")
	ciso.open(procedureVersion)
	if !strings.Contains(ciso.pageText(), procedureSecret) {
		t.Errorf("the CISO cannot read the procedure")
	}
	ciso.confirmAndSubmit("approve the procedure", `form[action$="/approve"] button`)
	ciso.wantFlash("承認しました")

	// 4. The 統括 puts them in force; the date shows in 和暦 as chosen.
	for _, v := range []string{standardVersion, procedureVersion} {
		director.open(v)
		director.fill("#f-effective_date", "2026-04-01")
		run(director, "the date's input event", evalBool(`document.getElementById("f-effective_date").dispatchEvent(new Event("input", {bubbles: true}))`))
		if got := director.text("#f-effective_date-wareki"); got != "令和8年4月1日施行" {
			t.Errorf("the chosen date reads %q, want 令和8年4月1日施行", got)
		}
		if v == standardVersion {
			director.screenshot("version-approved")
		}
		director.confirmAndSubmit("publish", `form[action*="/publish"] .form-actions button`)
		director.wantFlash("施行しました")
	}
	director.open(standard)
	text = director.pageText()
	for _, want := range []string{"情報セキュリティ対策基準", "規程第2号", "令和8年4月1日施行", "承認：高橋 花子", "目次"} {
		if !strings.Contains(text, want) {
			t.Errorf("the standard's page lacks %q", want)
		}
	}
	director.screenshot("document")

	// A revision, to compare: the draft against the version in force.
	director.submit("start a revision", `form[action$="/versions"] button`)
	director.wantFlash("新しい版の下書きを作りました")
	director.fill("#f-body", strings.Replace(standardMarkdown, "台帳に登録する。", "台帳に登録し、年1回見直す。", 1)+
		"\n## 3 物理的セキュリティ\n\n### (1) 管理区域\n\nサーバ室を管理区域とし、入退室を管理する。\n")
	director.fill("#f-change_summary", "台帳の見直しと物理的セキュリティを追加")
	director.submit("preview", `button[name="preview"]`)
	if !strings.Contains(director.pageText(), "年1回見直す") {
		t.Errorf("the preview does not show the new text")
	}
	director.submit("save the draft", `.doc-edit-form .form-actions button.btn-primary`)
	director.wantFlash("下書きを保存しました")
	director.open(standard)
	director.submit("compare", `main .page-actions a[href*="/compare"]`)
	text = director.pageText()
	for _, want := range []string{"年1回見直す", "追加", "変更", "第1版", "第2版"} {
		if !strings.Contains(text, want) {
			t.Errorf("the comparison lacks %q", want)
		}
	}
	if n := run(director, "marks", evalString(`String(document.querySelectorAll("main ins").length) + "/" + String(document.querySelectorAll("main del").length)`)); n == "0/0" {
		t.Errorf("the comparison marks nothing inserted or deleted")
	}
	director.screenshot("compare")

	// The print view of the version in force.
	director.open(standard)
	director.submit("print view", `main .page-actions a[href$="/print"]`)
	text = director.pageText()
	for _, want := range []string{"一般財団法人北海道市町村職員福祉協会", "情報セキュリティ対策基準", "規程第2号", "令和8年4月1日施行", "高橋 花子"} {
		if !strings.Contains(text, want) {
			t.Errorf("the print view lacks %q", want)
		}
	}
	if n := run(director, "print chrome", evalString(`String(document.querySelectorAll(".site-nav, .site-header").length)`)); n != "0" {
		t.Errorf("the print view shows the site's frame")
	}
	director.screenshot("print")

	// 5. The worker: the standard is there; of the procedure not a word.
	worker.signInAs(workerLogin, "")
	worker.navTo("/documents", "ポリシー文書")
	text = worker.pageText()
	if !strings.Contains(text, "情報セキュリティ対策基準") {
		t.Errorf("the worker does not see the standard")
	}
	if strings.Contains(text, "サーバ室入退室手順") {
		t.Errorf("the worker sees the restricted procedure in the list")
	}
	for _, q := range []string{"金庫", "入退室", "サーバ室入退室手順"} {
		worker.typeInto("#q", q)
		worker.submit("search "+q, `form[role="search"] button[type="submit"]`)
		text = worker.pageText()
		if strings.Contains(text, "サーバ室入退室手順") || strings.Contains(text, procedureSecret) {
			t.Errorf("searching %q shows the restricted procedure", q)
		}
	}
	worker.open(procedure)
	if !strings.Contains(worker.pageText(), "見つかりません") {
		t.Errorf("the procedure opens for the worker:\n%s", worker.pageText())
	}
	if strings.Contains(worker.pageText(), procedureSecret) {
		t.Errorf("the 404 page shows the procedure")
	}
	worker.forgetProblems("404")
}

// forgetProblems drops what the browser reported of responses with the
// status (the response itself and the console's note of it), which a step
// expected.
func (b *browser) forgetProblems(status string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.problems[:0]
	for _, p := range b.problems {
		if !strings.HasPrefix(p, "HTTP "+status+" ") && !strings.Contains(p, "status of "+status+" ") {
			kept = append(kept, p)
		}
	}
	b.problems = kept
}
