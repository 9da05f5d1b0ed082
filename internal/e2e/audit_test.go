package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/wareki"
)

// The people of the audit walk. 山田 audits from 監査室; 次郎 is an
// auditor who sits in the audited 総務課 (and so may not audit it); 佐藤
// answers for 総務課 as its 情報セキュリティ管理者; 田中 works there and
// owns the corrective action.
const (
	auditDirectorLogin = "a-suzuki"
	auditCISOLogin     = "a-takahashi"
	auditorLogin       = "yamada"
	insiderLogin       = "jiro"
	auditManagerLogin  = "a-sato"
	auditOwnerLogin    = "a-tanaka"
)

// auditBudget bounds one engine's walk: six people, one browser.
const auditBudget = 360 * time.Second

// TestAuditWalkthrough is issue 5's "done when" for audits: an auditor
// from another department audits 総務課 — items, an evidence request the
// department answers (a disguised HTML file refused first), a finding —
// a corrective action is raised from the finding, completed by its owner
// and verified, the department responds to the draft report, the CISO
// approves the final report, and the finding opens a review of the
// policy clause it concerns. An auditor from the audited 課室 is refused
// on the way. In a real browser, on each database engine; screenshots of
// the audit page and the report's print view.
func TestAuditWalkthrough(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			cfg := dbtest.Config(t, engine)
			base, a := startApp(t, cfg.URL, cfg.DataDir, adminPassword)
			w := setUpAuditPeople(t, a.DB)
			ctx, cancel := context.WithTimeout(context.Background(), auditBudget)
			defer cancel()
			b := newBrowser(t, ctx, chromium, base, "audit-"+string(engine))
			walkAudit(t, b, a.DB, w)
			b.checkHygiene()
			t.Logf("%s: walked in %s", engine, time.Since(began).Round(100*time.Millisecond))
		})
	}
}

// auditWorld is what the set-up made.
type auditWorld struct {
	secrets     map[string]string
	orgID       int64
	docID       int64
	clause      string // a clause of the basic policy in force
	docTitle    string
	sectionName string
}

func setUpAuditPeople(t *testing.T, d *db.DB) auditWorld {
	t.Helper()
	ctx := context.Background()
	o, err := org.First(ctx, d)
	if err != nil {
		t.Fatalf("org.First: %v", err)
	}
	sc := scope.System(o.ID, "e2e set-up")
	w := auditWorld{secrets: map[string]string{}, orgID: o.ID, sectionName: "総務課"}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		bureau, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務部"})
		if err != nil {
			return err
		}
		section, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務課", ParentID: bureau.ID})
		if err != nil {
			return err
		}
		office, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "監査室"})
		if err != nil {
			return err
		}
		for _, x := range []struct {
			name, kana, login string
			dept              int64
			role              authz.Role
			scopeID           int64
			mfa               bool
		}{
			{"鈴木 一郎", "すずき いちろう", auditDirectorLogin, bureau.ID, authz.SecurityDirector, 0, true},
			{"高橋 花子", "たかはし はなこ", auditCISOLogin, 0, authz.CISO, 0, true},
			{"山田 太郎", "やまだ たろう", auditorLogin, office.ID, authz.Auditor, 0, false},
			{"監査 次郎", "かんさ じろう", insiderLogin, section.ID, authz.Auditor, 0, false},
			{"佐藤 花子", "さとう はなこ", auditManagerLogin, section.ID, authz.SecurityManager, section.ID, false},
			{"田中 三郎", "たなか さぶろう", auditOwnerLogin, section.ID, authz.Staff, 0, false},
		} {
			p, err := org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: x.name, NameKana: x.kana, DepartmentID: x.dept,
				StaffCategory: string(org.Regular)})
			if err != nil {
				return err
			}
			if err := auth.CreateAccount(ctx, tx, sc, p.ID, x.login, staffPassword, false); err != nil {
				return err
			}
			if x.role != authz.Staff {
				if _, err := org.Assign(ctx, tx, sc, p.ID, org.AssignmentInput{Role: string(x.role), ScopeID: x.scopeID}); err != nil {
					return err
				}
			}
			if x.mfa {
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
				w.secrets[x.login] = secret
			}
		}
		public, err := policy.ListPublic(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if len(public) == 0 {
			if _, err := policy.SeedBasicPolicy(ctx, tx, sc); err != nil {
				return fmt.Errorf("seed the basic policy: %w", err)
			}
			if public, err = policy.ListPublic(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		w.docID, w.docTitle = public[0].ID, public[0].Title
		// The clause on 情報資産の分類 (§6(2) of the basic policy), or the
		// first clause there is.
		return tx.QueryRowContext(ctx, `SELECT c.ident FROM document_clauses c JOIN documents d ON d.current_version_id = c.version_id
			WHERE d.org_id = ? AND d.id = ? ORDER BY CASE WHEN c.text LIKE '%分類%' OR c.heading LIKE '%分類%' THEN 0 ELSE 1 END, c.seq LIMIT 1`,
			o.ID, w.docID).Scan(&w.clause)
	})
	if err != nil {
		t.Fatalf("set up the audit walk: %v", err)
	}
	return w
}

// signOut leaves the session through the header's button.
func (b *browser) signOut() {
	b.t.Helper()
	b.clickAndLoad("sign out", `form[action="/signout"] button[type="submit"]`)
}

// forgetRefusal drops what the browser noted about a refused form (a
// 400 answer, logged twice), which the step expected.
func (b *browser) forgetRefusal() {
	b.forgetProblems("400")
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.problems[:0]
	for _, p := range b.problems {
		if !strings.Contains(p, "status of 400 (Bad Request)") {
			kept = append(kept, p)
		}
	}
	b.problems = kept
}

// openForms unfolds every form folded under what it changes.
func (b *browser) openForms() {
	b.t.Helper()
	run(b, "unfold the forms", evalBool(`(() => { document.querySelectorAll("details.audit-form").forEach(d => { d.open = true; }); return true; })()`))
}

// check ticks (or unticks) the checkbox whose label contains text.
func (b *browser) check(text string, on bool) {
	b.t.Helper()
	got := run(b, "tick "+text, evalString(fmt.Sprintf(`(() => {
		const want = %s, all = Array.from(document.querySelectorAll("label"));
		let l = all.filter(l => l.textContent.trim() === want);
		if (l.length === 0) l = all.filter(l => l.textContent.includes(want));
		if (l.length !== 1) return "!" + l.length + " labels";
		const i = document.getElementById(l[0].htmlFor);
		if (!i) return "!no input";
		i.checked = %v;
		return "ok";
	})()`, jsString(text), on)))
	if got != "ok" {
		b.fail("tick %q: %s", text, got)
	}
}

// follow opens the href of the first link matching css.
func (b *browser) follow(what, css string) {
	b.t.Helper()
	href := run(b, what, evalString(`(() => { const a = document.querySelector(`+jsString(css)+`); return a ? a.getAttribute("href") : "!"; })()`))
	if href == "!" {
		b.fail("%s: no link %s on %s", what, css, b.path())
	}
	b.open(href)
}

// wantText fails unless the page shows text.
func (b *browser) wantText(what, text string) {
	b.t.Helper()
	if !strings.Contains(b.pageText(), text) {
		b.fail("%s: the page at %s does not show %q", what, b.path(), text)
	}
}

func walkAudit(t *testing.T, b *browser, d *db.DB, w auditWorld) {
	ctx := context.Background()
	// 1. 統括 writes this year's plan and opens the engagement. An auditor
	// from the audited 総務課 is refused, with the reason beside the field.
	b.signInAs(auditDirectorLogin, w.secrets[auditDirectorLogin])
	b.open("/audits")
	b.openForms()
	b.fill("#plan-title", "令和7年度 情報セキュリティ監査計画")
	b.fill("#plan-year-from", "令和7年度")
	b.fill("#plan-body", "総務部から順に、情報資産の管理を重点項目として監査する。")
	b.submit("create the plan", `form[action="/audit-plans"] button[type="submit"]`)
	b.wantFlash("監査計画を登録しました")
	b.follow("new audit in the plan", `a[href^="/audits/new?plan="]`)
	b.fill("#f-title", "総務課 情報セキュリティ監査")
	b.fill("#f-starts", "令和7年10月1日")
	b.fill("#f-ends", "令和7年10月31日")
	b.fill("#f-objective", "情報資産の管理と資料の保管状況を確かめる。")
	b.check("総務部　総務課", true)
	b.check("山田 太郎（監査室）", true)
	b.check("監査 次郎（総務部　総務課）", true)
	b.clickAndLoad("create with an auditor of 総務課", `form[action="/audits"] button[type="submit"]`)
	if got := b.text(".field-error"); !strings.Contains(got, "監査 次郎さんは監査対象の部署") {
		b.fail("refusal of an auditor of 総務課: %q", got)
	}
	b.screenshot("refused-auditor")
	b.forgetRefusal()
	b.check("監査 次郎（総務部　総務課）", false)
	b.submit("create the audit", `form[action="/audits"] button[type="submit"]`)
	b.wantFlash("監査を登録しました")
	auditPath := b.path()
	b.signOut()

	// 2. 山田 starts the fieldwork, writes an item and asks 総務課 for the register.
	b.signInAs(auditorLogin, "")
	b.open(auditPath)
	b.submit("start the audit", `form[action$="/start"] button[type="submit"]`)
	b.wantFlash("監査を開始しました")
	b.openForms()
	b.fill("#it-item", "情報資産台帳が整備され、分類が記載されているか")
	b.fill("#it-criteria", "基本方針 "+w.clause+"：情報資産を分類し、管理すること")
	b.fill("#it-method", "台帳の閲覧、担当者への聞き取り")
	b.choose("#it-doc", w.docTitle)
	b.fill("#it-clause", w.clause)
	b.submit("add an item", `form[action$="/items"] button[type="submit"]`)
	b.openForms()
	b.choose("#rq-dept", "総務課")
	b.fill("#rq-text", "情報資産台帳の写し（最新のもの）を提出してください。")
	b.fill("#rq-due", wareki.Format(time.Now().AddDate(0, 0, 14)))
	b.submit("ask for evidence", `form[action$="/requests"] button[type="submit"]`)
	b.wantFlash("資料提出依頼を送りました")
	b.signOut()

	// 3. 佐藤 finds the request on her home page and answers it: a web
	// page saved as .pdf is refused for what it is; the CSV register is taken.
	b.signInAs(auditManagerLogin, "")
	b.wantText("home: the request", "監査の資料提出依頼")
	b.follow("open the request", `a[href*="#request-"]`)
	dir := t.TempDir()
	fake := filepath.Join(dir, "台帳.pdf")
	register := filepath.Join(dir, "情報資産台帳.csv")
	if err := os.WriteFile(fake, []byte("<!DOCTYPE html><html><body>台帳</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(register, []byte("名称,分類,管理責任者\n住民税課税台帳,機密性3,佐藤 花子\n文書管理規程集,機密性1,佐藤 花子\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.fill(`form[action$="/reply"] textarea[name="reply"]`, "台帳の写しを提出します。")
	b.do("choose the disguised file", chromedp.SetUploadFiles(chromedp.CSS(`form[action$="/reply"] input[type="file"]`), []string{fake}))
	b.clickAndLoad("reply with the disguised file", `form[action$="/reply"] button[type="submit"]`)
	if got := b.text(".field-error"); !strings.Contains(got, "HTMLファイルは受け付けられません") {
		b.fail("refusal of the disguised file: %q", got)
	}
	if v := run(b, "the reply kept", evalString(`document.querySelector('form[action$="/reply"] textarea[name="reply"]').value`)); v != "台帳の写しを提出します。" {
		b.t.Errorf("the refused form lost the reply: %q", v)
	}
	b.forgetRefusal()
	b.do("choose the register", chromedp.SetUploadFiles(chromedp.CSS(`form[action$="/reply"] input[type="file"]`), []string{register}))
	b.submit("reply with the register", `form[action$="/reply"] button[type="submit"]`)
	b.wantFlash("資料提出依頼に回答しました")
	b.wantText("the file is listed", "情報資産台帳.csv")
	b.signOut()

	// 4. 山田 records the result, a finding on the clause, the corrective
	// action, asks for the clause to be reviewed, and issues the draft report.
	b.signInAs(auditorLogin, "")
	b.open(auditPath)
	b.openForms()
	b.do("result: 不適合", chromedp.SetValue(chromedp.CSS(`form[action*="/items/"] select[name="result"]`), "nonconforming"))
	b.fill(`form[action*="/items/"] textarea[name="note"]`, "分類欄が空欄の資産が2件あった。")
	b.submit("record the result", `form[action*="/items/"] button[type="submit"]`)
	b.openForms()
	b.do("severity: 軽微", clickCSS("#fd-sev-minor"))
	b.fill("#fd-title", "情報資産台帳に分類が記載されていない資産がある")
	b.fill("#fd-desc", "住民税課税台帳ほか1件の分類欄が空欄であった。")
	b.choose("#fd-dept", "総務課")
	b.choose("#fd-doc", w.docTitle)
	b.fill("#fd-clause", w.clause)
	b.submit("record the finding", `form[action$="/findings"] button[type="submit"]`)
	b.wantFlash("指摘事項を登録しました")
	b.openForms()
	b.fill(`form[action="/actions"] input[name="title"]`, "台帳の分類欄をすべて記入する")
	b.fill(`form[action="/actions"] textarea[name="description"]`, "空欄の資産を洗い出し、分類基準に従って記入する。")
	b.choose(`form[action="/actions"] select[name="owner_id"]`, "田中 三郎")
	b.fill(`form[action="/actions"] input[name="due_on"]`, wareki.Format(time.Now().AddDate(0, 2, 0)))
	b.submit("raise the corrective action", `form[action="/actions"] button[type="submit"]`)
	b.wantFlash("是正処置を登録しました")
	b.fill(`form[action$="/review"] input[name="note"]`, "分類の記載を台帳の必須項目として明記するか検討されたい。")
	b.submit("request a review of the clause", `form[action$="/review"] button[type="submit"]`)
	b.wantFlash("見直しを依頼しました")
	b.fill("#rp-draft", "総務課の情報資産管理について監査した。指摘事項は軽微1件である。")
	b.submit("issue the draft report", `form[action$="/report/draft"] button[type="submit"]`)
	b.wantFlash("監査報告書（案）を発行しました")
	b.signOut()

	// 5. 田中 finds the action on his home page and reports it done.
	b.signInAs(auditOwnerLogin, "")
	b.wantText("home: the action", "担当の是正処置：台帳の分類欄をすべて記入する")
	b.follow("open the action", `a[href^="/actions/"]`)
	b.do("status: completed", clickCSS("#st-completed"))
	b.fill("#f-note", "空欄だった2件に分類を記入し、課内で確認した。")
	b.submit("report it done", `form[action$="/progress"] button[type="submit"]`)
	b.wantFlash("対応状況を保存しました")
	b.signOut()

	// 6. 山田 verifies it.
	b.signInAs(auditorLogin, "")
	b.wantText("home: to verify", "是正処置の確認")
	b.follow("open the action to verify", `a[href^="/actions/"]`)
	b.do("decision: verified", clickCSS("#dec-accept"))
	b.fill("#f-vnote", "台帳の記入を確認した。")
	b.submit("verify", `form[action$="/verify"] button[type="submit"]`)
	b.wantFlash("完了を確認しました")
	b.signOut()

	// 7. 佐藤 responds to the draft report.
	b.signInAs(auditManagerLogin, "")
	b.wantText("home: respond", "監査報告書（案）への回答")
	b.follow("open the report", `a[href$="#report"]`)
	b.fill("#rp-response", "指摘を受け、台帳の分類欄をすべて記入しました。今後は年1回台帳を点検します。")
	b.submit("respond", `form[action$="/report/response"] button[type="submit"]`)
	b.wantFlash("回答を送りました")
	b.signOut()

	// 8. 山田 submits the final report.
	b.signInAs(auditorLogin, "")
	b.open(auditPath)
	b.fill("#rp-final", "総務課の情報資産管理について監査した。軽微な指摘1件について是正を確認した。")
	b.submit("submit the final report", `form[action$="/report/final"] button[type="submit"]`)
	b.wantFlash("最終報告を提出しました")
	b.signOut()

	// 9. The CISO approves it from her home page.
	b.signInAs(auditCISOLogin, w.secrets[auditCISOLogin])
	b.wantText("home: approve", "最終報告の承認")
	b.follow("open the report to approve", `a[href$="#report"]`)
	b.confirmAndSubmit("approve", `form[action$="/report/approve"] button[type="submit"]`)
	b.wantFlash("最終報告を承認しました")
	b.wantText("approved", "承認済み")
	b.screenshot("audit-page")
	b.open(auditPath + "/report/print")
	b.wantText("print view", "監査報告書")
	for _, want := range []string{"総務課 情報セキュリティ監査", "情報資産台帳に分類が記載されていない資産がある", "台帳の分類欄をすべて記入する", "高橋 花子"} {
		b.wantText("print view", want)
	}
	if strings.Contains(b.pageText(), "案（") {
		b.t.Error("the approved report prints as a draft")
	}
	b.screenshot("report-print")

	// The finding opened a review of its clause, and the document's
	// review record says what prompted it.
	auditID, _ := strconv.ParseInt(strings.TrimPrefix(auditPath, "/audits/"), 10, 64)
	var findingID, reviewID int64
	var kind, ref, clause string
	err := d.SQL().QueryRowContext(ctx, d.Rebind(`SELECT f.id, f.review_id, r.trigger_kind, r.trigger_ref, r.clause_ident FROM findings f
		JOIN document_reviews r ON r.id = f.review_id WHERE f.org_id = ? AND f.audit_id = ?`), w.orgID, auditID).Scan(&findingID, &reviewID, &kind, &ref, &clause)
	if err != nil {
		t.Fatalf("the finding's review: %v", err)
	}
	if kind != "audit_finding" || ref != fmt.Sprintf("finding:%d", findingID) || clause != w.clause {
		t.Errorf("review %d: trigger %s %s on clause %q, want audit_finding finding:%d on %q", reviewID, kind, ref, clause, findingID, w.clause)
	}
	b.open(fmt.Sprintf("/documents/%d", w.docID))
	b.wantText("the document's review request", "見直しの依頼")
}
