package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"mamori/internal/app"
)

// Environment variables the browser tests read.
const (
	envChromium     = "MAMORI_CHROMIUM"    // the browser binary; default defaultChromium
	envScreenshots  = "MAMORI_SCREENSHOTS" // a folder for full-page screenshots; unset: none
	defaultChromium = "/usr/bin/chromium"
)

// stepTimeout bounds one step (a click and the page it leads to, a query),
// so a missing element fails the test quickly with the step's name instead
// of hanging until the whole test's deadline.
const stepTimeout = 15 * time.Second

// chromiumPath returns the browser to drive. A missing browser fails under
// CI, where it must be installed, and skips the test elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv(envChromium)
	if p == "" {
		p = defaultChromium
	}
	if _, err := exec.LookPath(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not found at %s (%v); CI must run the browser tests (set %s)", p, err, envChromium)
		}
		t.Skipf("chromium not found at %s (%v); install it (apt-get install chromium) or set %s", p, err, envChromium)
	}
	return p
}

// startApp runs mamori in-process on a new database and returns its base
// URL ("http://127.0.0.1:port"). It stops with the test.
func startApp(t *testing.T, databaseURL, dataDir, password string) (string, *app.App) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{
		DataDir: dataDir, DatabaseURL: databaseURL, Addr: "127.0.0.1:0", AdminPassword: password,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stderr: io.Discard, Version: "e2e",
	})
	if err != nil {
		cancel()
		t.Fatalf("app.Open: %v", err)
	}
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, func(addr string) { ready <- addr }) }()
	// Registered after dbtest.Config's cleanup, so this runs first: the
	// server and its connections are gone before the database is dropped.
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		_ = a.Close()
	})
	select {
	case addr := <-ready:
		return "http://" + addr, a
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready after 10 s")
	}
	return "", nil
}

// browser is one headless Chromium with one tab, and what it saw.
type browser struct {
	t      *testing.T
	ctx    context.Context // the tab; lives as long as the test
	base   string          // the server, "http://127.0.0.1:port"
	prefix string          // screenshot file name prefix (the engine)
	shots  string          // screenshot folder, "" for none
	shotN  int

	mu       sync.Mutex
	requests []string // every URL the page asked for
	problems []string // console errors, exceptions, CSP reports, HTTP errors
}

// newBrowser starts Chromium with a fresh profile and opens a tab that
// records every request and every console problem.
func newBrowser(t *testing.T, ctx context.Context, chromium, base, prefix string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
		chromedp.WindowSize(1280, 900),
		// The pages follow Accept-Language for a signed-out visitor; the
		// users are Japanese office workers.
		chromedp.Flag("lang", "ja-JP"),
		chromedp.Flag("accept-lang", "ja-JP,ja"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)

	b := &browser{t: t, ctx: tctx, base: base, prefix: prefix, shots: os.Getenv(envScreenshots)}
	if b.shots != "" {
		if err := os.MkdirAll(b.shots, 0o755); err != nil {
			t.Fatalf("screenshot folder: %v", err)
		}
	}
	// Listen starts the browser and the tab. chromedp enables the network,
	// runtime and log domains itself; enabling network again is harmless
	// and makes the test's dependence on it explicit.
	if err := chromedp.Listen(tctx, b.record); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(tctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("Network.enable: %v", err)
	}
	return b
}

// record runs on chromedp's read loop: it only notes things down.
func (b *browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if e.Request != nil {
			b.requests = append(b.requests, e.Request.URL)
		}
	case *network.EventResponseReceived:
		if r := e.Response; r != nil && r.Status >= 400 {
			b.problems = append(b.problems, fmt.Sprintf("HTTP %d for %s", r.Status, r.URL))
		}
	case *network.EventLoadingFailed:
		if !e.Canceled {
			b.problems = append(b.problems, fmt.Sprintf("loading failed (%s): %s %s", e.Type, e.ErrorText, e.BlockedReason))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert ||
			e.Type == runtime.ConsoleAPICalledTypeWarning {
			var parts []string
			for _, a := range e.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(parts, " ")))
		}
	case *cdplog.EventEntryAdded:
		en := e.Entry
		// CSP violations arrive here (source "security"); so do failed
		// loads and deprecations.
		if en.Level == cdplog.EntryLevelError || en.Source == cdplog.EntrySourceSecurity ||
			en.Level == cdplog.EntryLevelWarning && en.Source != cdplog.EntrySourceIntervention {
			b.problems = append(b.problems, fmt.Sprintf("log %s/%s: %s (%s:%d)", en.Source, en.Level, en.Text, en.URL, en.LineNumber+1))
		}
	}
}

// step returns a context for one step, bounded by stepTimeout.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// fail stops the test, after a screenshot of where it stopped.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	b.screenshot("FAILED")
	b.t.Fatalf(format, args...)
}

// do runs actions that return nothing.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("%s: %v (at %s)", what, err, b.location())
	}
}

// run runs one action that returns a value.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail("%s: %v (at %s)", what, err, b.location())
	}
	return v
}

// location is the tab's address, for messages.
func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// path is the tab's address without the server part, with the query.
func (b *browser) path() string {
	loc := b.location()
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.RequestURI()
}

// open loads a page of the server.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// submit clicks a button or link and waits for the page it leads to, then
// fails on a page that shows form errors or an error notice.
func (b *browser) submit(what, css string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css))))
	if err != nil {
		b.fail("%s: click %s: %v (at %s)", what, css, err, b.location())
	}
	errs := run(b, what+": look for errors", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		'.field-error, .notice-error, [aria-invalid="true"]')).map(e => (e.id || e.className) + ": " + e.innerText.trim())`))
	if len(errs) > 0 {
		b.fail("%s: the page at %s shows errors: %q", what, b.path(), errs)
	}
}

// text is the visible text of the first element matching css.
func (b *browser) text(css string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "read "+css, chromedp.Text(chromedp.CSS(css))))
}

// pageText is the visible text of the whole page.
func (b *browser) pageText() string {
	b.t.Helper()
	return run(b, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
}

// wantPath fails unless the tab is at path (the query is ignored).
func (b *browser) wantPath(path string) {
	b.t.Helper()
	got := b.path()
	if p, _, _ := strings.Cut(got, "?"); p != path {
		b.fail("at %s, want %s", got, path)
	}
}

// wantFlash fails unless the page shows the success notice text.
func (b *browser) wantFlash(text string) {
	b.t.Helper()
	if got := b.text(".notice-success"); !strings.Contains(got, text) {
		b.fail("notice %q, want %q", got, text)
	}
}

// typeInto types text into an input, as a keyboard would.
func (b *browser) typeInto(css, text string) {
	b.t.Helper()
	b.do("type into "+css, chromedp.Clear(chromedp.CSS(css)), chromedp.SendKeys(chromedp.CSS(css), text))
}

// fill sets an input's value, as an IME commits Japanese text.
func (b *browser) fill(css, text string) {
	b.t.Helper()
	b.do("fill "+css, chromedp.SetValue(chromedp.CSS(css), text))
}

// choose selects the option of a <select> whose text is label (ignoring
// the indentation the pages put before sections), or failing that the one
// option whose text contains it; it returns the option's value.
func (b *browser) choose(css, label string) string {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
		const sel = document.querySelector(%s), want = %s;
		if (!sel) return "!no such select";
		const opts = Array.from(sel.options);
		let o = opts.find(o => o.textContent.trim() === want);
		if (!o) {
			const some = opts.filter(o => o.textContent.includes(want));
			if (some.length !== 1) return "!" + some.length + " options match among: " + opts.map(o => o.textContent.trim()).join(" | ");
			o = some[0];
		}
		sel.value = o.value;
		sel.dispatchEvent(new Event("input", {bubbles: true}));
		sel.dispatchEvent(new Event("change", {bubbles: true}));
		return o.value;
	})()`, jsString(css), jsString(label))
	v := run(b, "choose "+label+" in "+css, chromedp.Evaluate[string](js))
	if strings.HasPrefix(v, "!") || v == "" {
		b.fail("choose %q in %s: %s", label, css, strings.TrimPrefix(v, "!"))
	}
	return v
}

// screenshot saves a full-page PNG when MAMORI_SCREENSHOTS is set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	b.shotN++
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(b.shots, fmt.Sprintf("%s-%02d-%s.png", b.prefix, b.shotN, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// checkHygiene fails on requests to anything but the server, and on
// console errors, exceptions and CSP reports seen so far.
func (b *browser) checkHygiene() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.requests) == 0 {
		b.t.Error("no network requests were recorded; the listener is not working")
	}
	for _, u := range b.requests {
		if !strings.HasPrefix(u, b.base+"/") && !strings.HasPrefix(u, "data:") {
			b.t.Errorf("request to another host: %s", u)
		}
	}
	for _, p := range b.problems {
		b.t.Errorf("browser reported: %s", p)
	}
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// totpCode is the authenticator app: the code for the secret now, and the
// 30-second step it belongs to.
func totpCode(t *testing.T, secret string) (string, int64) {
	t.Helper()
	now := time.Now()
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatalf("totp.GenerateCode: %v", err)
	}
	return code, now.Unix() / 30
}

// waitForStepAfter waits until the 30-second TOTP step after used begins: a
// code cannot be used twice, so the second sign-in needs a new one.
func waitForStepAfter(t *testing.T, ctx context.Context, used int64) {
	t.Helper()
	next := time.Unix((used+1)*30, 0)
	d := time.Until(next)
	if d <= 0 {
		return
	}
	t.Logf("waiting %.1f s for the next TOTP step", d.Seconds())
	select {
	case <-time.After(d + 50*time.Millisecond):
	case <-ctx.Done():
		t.Fatalf("waiting for the next TOTP step: %v", ctx.Err())
	}
}

var (
	hex64  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	spaces = regexp.MustCompile(`\s+`)
)

// trailRow is one row of the 監査証跡 table as shown, details opened.
type trailRow struct {
	Seq, At, Actor, Action, Entity, Changes string
}

func (b *browser) trailRows() []trailRow {
	b.t.Helper()
	cells := run(b, "read the trail", chromedp.Evaluate[[][]string](`(() => {
		document.querySelectorAll("#main details").forEach(d => { d.open = true; });
		return Array.from(document.querySelectorAll("#main .table-wrap > table > tbody > tr")).map(
			tr => Array.from(tr.children).map(c => c.innerText.trim()));
	})()`))
	var rows []trailRow
	for _, c := range cells {
		if len(c) < 6 {
			b.fail("trail row with %d cells: %q", len(c), c)
		}
		rows = append(rows, trailRow{Seq: c[0], At: c[1], Actor: c[2], Action: c[3], Entity: c[4], Changes: c[5]})
	}
	return rows
}

// findRow returns the first row with the action and entity label whose
// entity or changes columns mention every one of texts.
func findRow(rows []trailRow, action, entity string, texts ...string) (trailRow, bool) {
	for _, r := range rows {
		if r.Action != action || !strings.HasPrefix(r.Entity, entity) {
			continue
		}
		shown := r.Entity + "\n" + r.Changes
		if !slices.ContainsFunc(texts, func(s string) bool { return !strings.Contains(shown, s) }) {
			return r, true
		}
	}
	return trailRow{}, false
}

func evalBool(js string) chromedp.Action[bool]     { return chromedp.Evaluate[bool](js) }
func evalString(js string) chromedp.Action[string] { return chromedp.Evaluate[string](js) }
func clickCSS(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(css))
}
