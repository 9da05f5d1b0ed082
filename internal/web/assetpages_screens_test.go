package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mamori/internal/asset"
	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/httpx"
	"mamori/internal/org"
)

// assetScreensData fills a register the way a small foundation's looks.
type assetScreensData struct {
	somu, somuka, joho, jigyo, fukushi int64
	yamada, sato, suzuki               int64
	system, mynumber, masked, disposed int64
	auditor                            *session
}

func seedAssetScreens(e *adminEnv) assetScreensData {
	var x assetScreensData
	x.somu = e.department("総務部", 0)
	x.somuka = e.department("総務課", x.somu)
	x.joho = e.department("情報政策課", x.somu)
	x.jigyo = e.department("事業部", 0)
	x.fukushi = e.department("福祉事業課", x.jigyo)
	x.yamada = e.person("山田 太郎", x.somuka, true, roleInput(authz.SecurityOfficer, x.somu, 0))
	x.sato = e.person("佐藤 花子", x.joho, true, roleInput(authz.SecurityManager, 0, x.joho))
	x.suzuki = e.person("鈴木 一郎", x.fukushi, true)
	x.auditor = e.signIn(e.person("監査 次郎", x.fukushi, true, org.AssignmentInput{Role: string(authz.Auditor)}))
	x.system = e.newAsset(asset.Input{Name: "給与計算システム", Kind: "system", Description: "職員の給与・手当を計算するシステム。\n毎月20日に振込データを作成する。",
		DepartmentID: x.somuka, OwnerID: x.yamada, CustodianID: x.sato, Location: "本部3階サーバ室", ControlledArea: true,
		Domain: "lgwan", Confidentiality: "2", Integrity: "2", Availability: "2", RetentionYears: 5, Tags: []string{"個人情報 給与"},
		NextReviewDate: "2026-04-01"}).ID
	x.mynumber = e.newAsset(asset.Input{Name: "マイナンバー管理端末", Kind: "equipment", DepartmentID: x.somuka, OwnerID: x.yamada,
		Location: "総務課執務室", Domain: "mynumber", MFAOnTerminals: "yes", TakeoutDisabled: "no",
		Confidentiality: "3", Integrity: "2", Availability: "1", NextReviewDate: "2024-03-31"}).ID
	x.masked = e.newAsset(asset.Input{Name: "職員の健康診断結果", Kind: "information", Description: "産業医から受け取る健診結果の一覧",
		DepartmentID: x.somuka, OwnerID: x.yamada, Confidentiality: "3", Integrity: "2", Availability: "1", RetentionYears: asset.RetentionPermanent}).ID
	e.newAsset(asset.Input{Name: "ホームページ公開サーバ", Kind: "system", DepartmentID: x.joho, OwnerID: x.sato, Domain: "internet",
		Confidentiality: "1", Integrity: "2", Availability: "2"})
	e.newAsset(asset.Input{Name: "福祉事業申請書（紙）", Kind: "document", DepartmentID: x.fukushi, OwnerID: x.suzuki,
		Location: "福祉事業課書庫", Confidentiality: "2", Integrity: "1", Availability: "1", RetentionYears: 10})
	e.newAsset(asset.Input{Name: "ネットワーク構成図", Kind: "system_document", DepartmentID: x.joho, OwnerID: x.sato,
		Confidentiality: "2", Integrity: "1", Availability: "1"})
	x.disposed = e.newAsset(asset.Input{Name: "旧ファイルサーバのハードディスク", Kind: "media", DepartmentID: x.joho, OwnerID: x.sato,
		Confidentiality: "2", Integrity: "1", Availability: "1", Status: "disposed", DisposedOn: "2025-03-10",
		DisposalMethod: "専用ソフトで消去した後、物理破壊", DisposalWitnessID: x.yamada}).ID
	payroll := e.newAsset(asset.Input{Name: "給与支払データ", Kind: "information", DepartmentID: x.somuka, OwnerID: x.yamada,
		Confidentiality: "2", Integrity: "2", Availability: "1"}).ID
	e.tx(func(tx *db.Tx) error {
		_, err := asset.AddLink(e.ctx, tx, e.sc, e.ciso(), asset.LinkInput{FromID: x.system, ToID: payroll, Relation: "holds"})
		return err
	})
	// A change, so the history shows before → after.
	e.tx(func(tx *db.Tx) error {
		a, err := asset.Get(e.ctx, tx, e.sc, e.ciso(), x.system)
		if err != nil {
			return err
		}
		in := a.Input()
		in.Confidentiality, in.Location = "3", "本部3階サーバ室（ラックB）"
		_, err = asset.Update(e.ctx, tx, e.sc, e.ciso(), x.system, in)
		return err
	})
	return x
}

// TestAssetPagesScreens takes headless-Chromium screenshots of the asset
// register's pages, for a person to look at. It runs only when
// MAMORI_SCREENSHOTS names a folder to write them to.
func TestAssetPagesScreens(t *testing.T) {
	dir := os.Getenv("MAMORI_SCREENSHOTS")
	if dir == "" {
		t.Skip("MAMORI_SCREENSHOTS not set")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium")
	}
	d := dbtest.Open(t, db.SQLite)
	e := newAdminEnv(t, d)
	x := seedAssetScreens(e)
	admin := e.signIn(e.person("最高 情報子", x.somu, true, roleInput(authz.CISO, 0, 0)))

	as := func(s *session, lang string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
			r.Header.Set("Accept-Language", lang)
			if p, ok := strings.CutPrefix(r.URL.Path, "/_post"); ok {
				form := r.URL.Query()
				r2 := newRequest(http.MethodPost, p, s, form)
				r2.Header.Set("Accept-Language", lang)
				r = r2
			}
			httpx.SecurityHeaders(e.h).ServeHTTP(w, r)
		})
	}
	type shotAs struct {
		shot
		s *session
	}
	sys := fmt.Sprintf("/assets/%d", x.system)
	shots := []shotAs{
		{shot{"assets", "/assets", 1280, 1400}, admin},
		{shot{"assets_narrow", "/assets", 400, 3200}, admin},
		{shot{"assets_search", "/assets?q=" + url.QueryEscape("給与") + "&review_overdue=1", 1280, 0}, admin},
		{shot{"assets_auditor", "/assets", 1280, 1400}, x.auditor},
		{shot{"asset_new", "/assets/new", 1280, 4200}, admin},
		{shot{"asset_new_narrow", "/assets/new", 400, 7000}, admin},
		{shot{"asset_new_error", "/_post/assets?name=&kind=system&next_review_date=" + url.QueryEscape("令和7年13月1日") + "&retention_years=abc&department_id=" + itoa(x.somuka) + "&domain=mynumber", 1280, 4600}, admin},
		{shot{"asset_edit", sys + "/edit", 1280, 4200}, admin},
		{shot{"asset_show", sys, 1280, 3600}, admin},
		{shot{"asset_show_narrow", sys, 400, 7000}, admin},
		{shot{"asset_show_link", sys + "?link_q=" + url.QueryEscape("データ") + "#link-add", 1280, 3600}, admin},
		{shot{"asset_show_warnings", fmt.Sprintf("/assets/%d", x.mynumber), 1280, 3600}, admin},
		{shot{"asset_dispose_error", fmt.Sprintf("/_post/assets/%d/dispose?disposed_on=%s", x.mynumber, url.QueryEscape("明日")), 1280, 3600}, admin},
		{shot{"asset_disposed", fmt.Sprintf("/assets/%d", x.disposed), 1280, 2400}, admin},
		{shot{"asset_masked", fmt.Sprintf("/assets/%d", x.masked), 1280, 0}, x.auditor},
		{shot{"asset_label", sys + "/label", 900, 1400}, admin},
		{shot{"classification", "/settings/classification", 1280, 3600}, admin},
		{shot{"classification_narrow", "/settings/classification", 400, 6000}, admin},
		{shot{"classification_auditor", "/settings/classification", 1280, 2000}, x.auditor},
	}
	only := os.Getenv("MAMORI_SCREENSHOTS_ONLY") // names, comma-separated
	for _, lang := range []string{"ja", "en"} {
		if lang == "en" {
			// The reader's own choice wins over the browser's.
			for _, s := range []*session{admin, x.auditor} {
				e.tx(func(tx *db.Tx) error {
					return auth.SetPreferences(e.ctx, tx, e.sc, s.personID, auth.LocaleEN, auth.DateStyleISO)
				})
			}
		}
		for _, s := range shots {
			if lang == "en" && !slices.Contains([]string{"assets", "asset_show", "asset_new", "classification"}, s.name) {
				continue
			}
			if only != "" && !slices.Contains(strings.Split(only, ","), s.name) {
				continue
			}
			srv := httptest.NewServer(as(s.s, lang))
			out := filepath.Join(dir, fmt.Sprintf("%s-%s.png", lang, s.name))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--hide-scrollbars", "--user-data-dir="+t.TempDir(),
				fmt.Sprintf("--window-size=%d,%d", s.width, max(s.height, 1200)), "--screenshot="+out, srv.URL+s.path)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: %v\n%s", s.name, err, b)
			}
			cancel()
			srv.Close()
		}
	}
	for _, s := range []*session{admin, x.auditor} {
		e.tx(func(tx *db.Tx) error {
			return auth.SetPreferences(e.ctx, tx, e.sc, s.personID, auth.LocaleJA, auth.DateStyleWareki)
		})
	}
	// The label as it prints: the page in print media at the printable
	// width of A4 (210 mm less the 12 mm margins), and as a PDF, which must
	// be one page.
	srv := httptest.NewServer(as(admin, "ja"))
	defer srv.Close()
	actx, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(703, 1000))
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	defer cancel3()
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}),
		chromedp.Navigate(srv.URL+sys+"/label"),
	); err != nil {
		t.Fatalf("label in print: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("label screenshot: %v", err)
	}
	preferCSS := true
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69, PreferCSSPageSize: &preferCSS})
	if err != nil {
		t.Fatalf("label pdf: %v", err)
	}
	pdf := res.Data
	if err := os.WriteFile(filepath.Join(dir, "ja-asset_label_print.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ja-asset_label.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page\r")); n != 1 {
		t.Errorf("the label prints on %d pages, want 1", n)
	}
}
