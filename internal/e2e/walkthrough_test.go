package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"mamori/internal/dbtest"
)

// adminPassword is the first administrator's passphrase: long and not on
// any list of common passwords, so first start accepts it as given.
const adminPassword = "Shizukana-Kohan-no-Mori-7"

// engineBudget bounds one engine's walk; most of it is the wait for a new
// TOTP step (up to 30 s).
const engineBudget = 85 * time.Second

// TestNewUserWalkthrough is the "done when": a new user signs in,
// enrols MFA, adds a department and a person with a role, and sees all of
// it in the trail — in a real browser, on each database engine.
func TestNewUserWalkthrough(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			cfg := dbtest.Config(t, engine)
			base, _ := startApp(t, cfg.URL, cfg.DataDir, adminPassword)
			ctx, cancel := context.WithTimeout(context.Background(), engineBudget)
			defer cancel()
			b := newBrowser(t, ctx, chromium, base, string(engine))
			walk(t, ctx, b)
			b.checkHygiene()
			t.Logf("%s: walked in %s", engine, time.Since(began).Round(100*time.Millisecond))
		})
	}
}

var personPath = regexp.MustCompile(`^/people/[0-9]+$`)

func walk(t *testing.T, ctx context.Context, b *browser) {
	const (
		bureau    = "総務部"
		section   = "情報政策課"
		name      = "山田 太郎"
		kana      = "やまだ たろう"
		roleLabel = "情報セキュリティ管理者"
		roleCode  = "security_manager"
	)
	signinButton := `form[action="/signin"] button[type="submit"]`

	// 1. First sign-in: the admin role requires MFA, so enrolment follows.
	b.open("/")
	b.wantPath("/signin")
	if h := b.text("main h1"); h != "サインイン" {
		b.fail("sign-in heading %q, want サインイン (is the page in Japanese?)", h)
	}
	b.screenshot("signin")
	b.typeInto("#login", "admin")
	b.typeInto("#password", adminPassword)
	b.submit("sign in", signinButton)
	b.wantPath("/mfa/enrol")
	if !strings.Contains(b.pageText(), "二要素認証") {
		t.Errorf("the enrolment page does not mention 二要素認証")
	}
	if ok := run(b, "QR code", evalBool(`(() => { const i = document.querySelector('img[src="/mfa/qr.png"]');
		return !!i && i.complete && i.naturalWidth > 0; })()`)); !ok {
		t.Errorf("the QR code image did not load")
	}
	b.screenshot("mfa-enrol")
	secret := spaces.ReplaceAllString(b.text("#mfa-secret"), "")
	if !regexp.MustCompile(`^[A-Z2-7]{16,}=*$`).MatchString(secret) {
		b.fail("setup key %q is not base32", secret)
	}
	code, enrolStep := totpCode(t, secret)
	b.typeInto("#code", code)
	b.submit("confirm the first code", `form[action="/mfa/enrol"] button[type="submit"]`)
	recovery := strings.Fields(b.text("#recovery-codes"))
	if len(recovery) != 10 {
		b.fail("%d recovery codes shown, want 10: %q", len(recovery), recovery)
	}
	b.wantFlash("")
	b.screenshot("recovery-codes")
	continueLink := `main .form-actions a.btn-primary`
	if got := b.text(continueLink); got != "保管しました" {
		t.Errorf("continue link reads %q, want 保管しました", got)
	}
	b.submit("continue after the recovery codes", continueLink)
	b.wantPath("/")
	b.screenshot("home")

	// 2. Sign out, sign in again: now a fresh code is asked for.
	b.submit("sign out", `header form[action="/signout"] button[type="submit"]`)
	b.wantPath("/signin")
	b.wantFlash("サインアウトしました")
	b.typeInto("#login", "admin")
	b.typeInto("#password", adminPassword)
	b.submit("sign in again", signinButton)
	b.wantPath("/mfa")
	b.screenshot("mfa-challenge")
	waitForStepAfter(t, ctx, enrolStep)
	code, _ = totpCode(t, secret)
	b.typeInto("#code", code)
	b.submit("second factor", `form[action="/mfa"] button[type="submit"]`)
	b.wantPath("/")

	// 3. 部局・課室: a bureau and a section under it.
	b.navTo("/departments", "部局・課室")
	b.fill("#f-name", bureau)
	// No parent: the first option, which makes a 部局, is the default.
	if v := run(b, "parent default", evalString(`document.getElementById("f-parent").value`)); v != "" {
		t.Errorf("the parent select defaults to %q, want none (a 部局)", v)
	}
	b.submit("add the bureau", `form[action="/departments"] button[type="submit"]`)
	b.wantPath("/departments")
	b.wantFlash("部局・課室を追加しました")
	b.fill("#f-name", section)
	b.choose("#f-parent", bureau)
	b.submit("add the section", `form[action="/departments"] button[type="submit"]`)
	b.wantPath("/departments")
	b.wantFlash("部局・課室を追加しました")
	table := b.text("#main table")
	for _, want := range []string{bureau, section, "部局", "課室"} {
		if !strings.Contains(table, want) {
			t.Errorf("departments table lacks %q:\n%s", want, table)
		}
	}
	b.screenshot("departments")

	// 4. 職員等: a new person in the section, then a role scoped to it.
	b.navTo("/people", "職員等")
	b.submit("new person", `main .page-actions a[href="/people/new"]`)
	b.wantPath("/people/new")
	b.fill("#f-name", name)
	b.fill("#f-kana", kana)
	b.choose("#f-dept", section)
	if got := b.text(`label[for="f-cat-regular"]`); got != "職員" {
		t.Errorf("staff category 'regular' is labelled %q, want 職員", got)
	}
	b.do("choose 職員", clickCSS(`label[for="f-cat-regular"]`))
	if !run(b, "職員 checked", evalBool(`document.getElementById("f-cat-regular").checked`)) {
		b.fail("clicking the 職員 label did not check it")
	}
	b.screenshot("person-new")
	b.submit("save the person", `form[action="/people"] button[type="submit"]`)
	if p := b.path(); !personPath.MatchString(p) {
		b.fail("after saving the person at %s, want /people/{id}", p)
	}
	b.wantFlash("職員等を登録しました")
	if h := b.text("main h1"); h != name {
		t.Errorf("person page heading %q, want %q", h, name)
	}
	if v := b.choose("#a-dept-role", roleLabel); v != roleCode {
		t.Errorf("%s has the value %q, want %q", roleLabel, v, roleCode)
	}
	b.choose("#a-dept-scope", section)
	b.submit("assign the role", `form:has(#a-dept-role) button[type="submit"]`)
	b.wantFlash("役割を割り当てました")
	roles := b.text("#roles table")
	for _, want := range []string{roleLabel, section} {
		if !strings.Contains(roles, want) {
			t.Errorf("the person's roles table lacks %q:\n%s", want, roles)
		}
	}
	b.screenshot("person-role")
	b.navTo("/people", "職員等")
	list := b.text("#main table")
	for _, want := range []string{name, kana, section, roleLabel} {
		if !strings.Contains(list, want) {
			t.Errorf("people list lacks %q:\n%s", want, list)
		}
	}
	b.screenshot("people")

	// 5. 監査証跡: every change above, and the sign-ins, with the head hash.
	b.navTo("/trail", "監査証跡")
	if h := b.text("#head-hash"); !hex64.MatchString(h) {
		t.Errorf("head hash %q is not 64 hex digits", h)
	}
	b.screenshot("trail")
	rows := b.trailRows() // opens every 変更内容 <details>, as a reader would
	b.screenshot("trail-details")
	// The table may be wider than its frame; the frame scrolls sideways.
	if over := run(b, "trail table width", evalString(`(() => { const w = document.querySelector("#main .table-wrap");
		if (!w || w.scrollWidth <= w.clientWidth) return "";
		const s = w.scrollWidth + "px table in a " + w.clientWidth + "px frame";
		w.scrollLeft = w.scrollWidth; return s; })()`)); over != "" {
		t.Logf("the trail table overflows its frame (%s); see the trail-details-right screenshot", over)
		b.screenshot("trail-details-right")
	}
	for _, c := range []struct {
		what, action, entity string
		texts                []string
	}{
		{"the bureau's creation", "登録", "部局・課室", []string{bureau}},
		{"the section's creation", "登録", "部局・課室", []string{section}},
		{"the person's creation", "登録", "職員等", []string{name}},
		{"the role assignment", "登録", "役割の割り当て", nil},
	} {
		r, ok := findRow(rows, c.action, c.entity, c.texts...)
		if !ok {
			t.Errorf("trail has no %s (%s, %s, mentioning %q)", c.what, c.action, c.entity, c.texts)
			continue
		}
		if r.Actor != "管理者" {
			t.Errorf("%s was done by %q, want 管理者", c.what, r.Actor)
		}
		if c.entity == "役割の割り当て" && !strings.Contains(r.Changes, roleCode) && !strings.Contains(r.Changes, roleLabel) {
			t.Errorf("the role assignment's entry does not name the role:\n%s", r.Changes)
		}
	}
	signins := 0
	for _, r := range rows {
		if r.Action == "サインイン" {
			signins++
		}
	}
	if signins < 2 {
		t.Errorf("trail shows %d sign-ins, want at least 2", signins)
	}
	if t.Failed() {
		for _, r := range rows {
			t.Logf("trail: %s | %s | %s | %s | %s", r.Seq, r.Actor, r.Action, r.Entity, strings.ReplaceAll(r.Changes, "\n", " ⏎ "))
		}
	}
}

// navTo follows the side menu's link to href, checking its label.
func (b *browser) navTo(href, label string) {
	b.t.Helper()
	css := `nav.site-nav a[href="` + href + `"]`
	if got := b.text(css); got != label {
		b.t.Errorf("menu link %s reads %q, want %q", href, got, label)
	}
	b.submit("menu: "+label, css)
	b.wantPath(href)
	if cur := run(b, "current menu item", evalString(`(() => { const a = document.querySelector('nav.site-nav a[aria-current="page"]');
		return a ? a.getAttribute("href") : ""; })()`)); cur != href {
		b.t.Errorf("on %s the menu marks %q as current", href, cur)
	}
}
