package web_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/httpx"
	"mamori/internal/org"
)

// assetFilesEnv is an organisation with a register to import into.
type assetFilesEnv struct {
	*adminEnv
	somu, jinji, fukushi int64
	ciso, ciso2, manager *session
	auditor, staff       *session
}

func newAssetFilesEnv(t *testing.T, d *db.DB) *assetFilesEnv {
	t.Helper()
	e := &assetFilesEnv{adminEnv: newAdminEnv(t, d)}
	e.somu = e.department("総務部", 0)
	e.jinji = e.department("人事課", e.somu)
	jigyo := e.department("事業部", 0)
	e.fukushi = e.department("福祉事業課", jigyo)
	e.person("佐藤 花子", e.jinji, false)
	e.ciso = e.signIn(e.person("最高 責任者", e.somu, true, org.AssignmentInput{Role: string(authz.CISO)}))
	e.ciso2 = e.signIn(e.person("統括 責任者", e.somu, true, org.AssignmentInput{Role: string(authz.SecurityDirector)}))
	e.manager = e.signIn(e.person("人事 管理者", e.jinji, true, org.AssignmentInput{Role: string(authz.SecurityManager), ScopeID: e.jinji}))
	e.auditor = e.signIn(e.person("監査 人", e.somu, true, org.AssignmentInput{Role: string(authz.Auditor)}))
	e.staff = e.signIn(e.person("職員 太郎", e.jinji, true))
	return e
}

// upload posts a file to the import form as a browser does.
func (e *assetFilesEnv) upload(s *session, name string, content []byte, matchBy string) *httptest.ResponseRecorder {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", s.csrf)
	if matchBy != "" {
		_ = mw.WriteField("match_by", matchBy)
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/assets/import", &b)
	r.RemoteAddr = "192.0.2.10:50000"
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.cookie})
	return e.serve(r)
}

func (e *assetFilesEnv) assets() int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, e.org.ID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func sjisCSV(t *testing.T, lines ...string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func workbook(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var confirmAction = regexp.MustCompile(`action="(/assets/import/([0-9a-f]{32})/confirm)"`)

// The import: a form that says what it takes, a dry run that names every
// problem and writes nothing, and a confirmation that imports everything
// at once and only for the person who checked the file.
func TestAssetFilesImportPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAssetFilesEnv(t, d)

		w := e.do(http.MethodGet, "/assets/import", e.ciso, nil)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, "Shift_JIS") ||
			!strings.Contains(body, html.EscapeString(e.ja("assetfile.nothing_written"))) || !strings.Contains(body, `name="match_by" value="name"`) {
			t.Fatalf("import form: %d\n%s", w.Code, snippetOf(body))
		}

		// A Shift_JIS CSV as Excel saves it, with a wrong level on row 3.
		head, n := e.head(), e.assets()
		bad := sjisCSV(t, "名称,種別,所属,管理責任者,機密性,完全性,可用性",
			"人事記録,情報,人事課,佐藤 花子,3,2,2",
			"給与明細,文書,人事課,佐藤 花子,4,1,1")
		w = e.upload(e.ciso, "台帳.csv", bad, "id")
		body = w.Body.String()
		if w.Code != 200 || !strings.Contains(body, html.EscapeString("3行目・機密性: 「4」は選べません（3, 2, 1のいずれか）")) {
			t.Fatalf("dry run of a bad file: %d\n%s", w.Code, snippetOf(body))
		}
		if confirmAction.MatchString(body) || !strings.Contains(body, html.EscapeString(e.ja("assetfile.has_errors", 1))) {
			t.Errorf("a file with problems can be confirmed")
		}
		if !strings.Contains(body, "Shift_JIS") || !strings.Contains(body, html.EscapeString(e.ja("assetfile.counts", 2, 1, 0, 0, 1))) {
			t.Errorf("the result does not say what was read")
		}
		if e.head() != head || e.assets() != n || e.uploads() != 0 {
			t.Errorf("a dry run wrote: trail %d→%d, assets %d→%d, uploads %d", head, e.head(), n, e.assets(), e.uploads())
		}

		// A workbook without problems: a confirm button, still nothing written.
		good := workbook(t, []string{"名称", "種別", "所属", "管理責任者", "機密性", "完全性", "可用性", "ネットワーク領域"},
			[]string{"人事給与システム", "情報システム", "人事課", "佐藤 花子", "3", "2", "2", "LGWAN接続系"},
			[]string{"職員名簿", "情報（データ）", "総務部", "佐藤 花子", "2", "1", "1", ""})
		w = e.upload(e.ciso, "台帳.xlsx", good, "name")
		body = w.Body.String()
		m := confirmAction.FindStringSubmatch(body)
		if !strings.Contains(body, "XLSX") || !strings.Contains(body, html.EscapeString(e.ja("assetfile.match_by.name"))) {
			t.Errorf("the result does not say what was read")
		}
		if w.Code != 200 || m == nil {
			t.Fatalf("dry run of a good file: %d\n%s", w.Code, snippetOf(body))
		}
		if e.head() != head || e.assets() != n || e.uploads() != 1 {
			t.Errorf("a dry run wrote: trail %d→%d, assets %d→%d", head, e.head(), n, e.assets())
		}

		// Only the person who checked it may confirm it.
		if w := e.do(http.MethodPost, m[1], e.ciso2, nil); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), html.EscapeString(e.ja("assetfile.upload_gone"))) {
			t.Errorf("someone else confirmed: %d", w.Code)
		}
		w = e.do(http.MethodPost, m[1], e.ciso, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/assets" {
			t.Fatalf("confirm: %d %q\n%s", w.Code, w.Header().Get("Location"), snippetOf(w.Body.String()))
		}
		if flash := flashText(t, w); flash != e.ja("assetfile.imported", 2, 0, 0) {
			t.Errorf("flash %q", flash)
		}
		if e.assets() != n+2 || e.head() != head+2 || e.uploads() != 0 {
			t.Errorf("confirmed import: assets %d→%d, trail %d→%d, uploads %d", n, e.assets(), head, e.head(), e.uploads())
		}
		if w := e.do(http.MethodPost, m[1], e.ciso, nil); w.Code != http.StatusNotFound {
			t.Errorf("confirmed twice: %d", w.Code)
		}
		list := e.serve(newRequest(http.MethodGet, "/assets", e.ciso, nil, &http.Cookie{Name: "mamori_flash", Value: flashCookie(w)}))
		if !strings.Contains(list.Body.String(), html.EscapeString(e.ja("assetfile.imported", 2, 0, 0))) {
			t.Errorf("the register does not show the counts")
		}

		// Re-importing the same rows by name changes nothing.
		w = e.upload(e.ciso, "台帳.xlsx", good, "name")
		if body := w.Body.String(); !strings.Contains(body, html.EscapeString(e.ja("assetfile.counts", 2, 0, 0, 2, 0))) {
			t.Errorf("re-import: %s", snippetOf(body))
		}

		// No file, a bad choice, a department out of reach.
		if w := e.upload(e.ciso, "", nil, ""); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), html.EscapeString(e.ja("assetfile.file_required"))) {
			t.Errorf("no file: %d", w.Code)
		}
		if w := e.upload(e.ciso, "a.csv", bad, "kana"); w.Code != http.StatusBadRequest {
			t.Errorf("bad match_by: %d", w.Code)
		}
		w = e.upload(e.manager, "台帳.csv", sjisCSV(t, "名称,種別,所属,管理責任者,機密性,完全性,可用性", "他部署の資産,情報,福祉事業課,佐藤 花子,2,1,1"), "")
		if !strings.Contains(w.Body.String(), html.EscapeString("2行目・所属: "+e.ja("assetfile.forbidden_department"))) {
			t.Errorf("department out of reach not named: %s", snippetOf(w.Body.String()))
		}
		// An empty file and a file that is no table.
		for name, content := range map[string][]byte{"empty.csv": {}, "台帳.xlsx": []byte("not a workbook")} {
			if w := e.upload(e.ciso, name, content, ""); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), html.EscapeString(e.ja("assetfile.file_problem"))) {
				t.Errorf("%s: %d", name, w.Code)
			}
		}
		// In English too, with no message key left untranslated.
		e.tx(func(tx *db.Tx) error {
			return auth.SetPreferences(e.ctx, tx, e.sc, e.ciso.personID, auth.LocaleEN, auth.DateStyleISO)
		})
		for _, w := range []*httptest.ResponseRecorder{e.do(http.MethodGet, "/assets/import", e.ciso, nil), e.upload(e.ciso, "台帳.csv", bad, ""),
			e.upload(e.ciso, "台帳.xlsx", good, "id")} {
			body := w.Body.String()
			if strings.Contains(body, "assetfile.") || !strings.Contains(body, "Import the asset register") {
				t.Errorf("English page:\n%s", snippetOf(body))
			}
		}
		if body := e.upload(e.ciso, "台帳.csv", bad, "").Body.String(); !strings.Contains(body, html.EscapeString("Row 3, 機密性: “4” is not a choice (one of 3, 2, 1)")) {
			t.Errorf("English problem:\n%s", snippetOf(body))
		}

		// People without asset.import never reach the page.
		for _, s := range []*session{e.auditor, e.staff} {
			if w := e.upload(s, "a.csv", bad, ""); w.Code != http.StatusForbidden {
				t.Errorf("import without permission: %d", w.Code)
			}
		}
	})
}

// A file checked without problems but changed before its confirmation
// (here its owner has left) is refused whole and shown again.
func TestAssetFilesImportChangedBeforeConfirmation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAssetFilesEnv(t, d)
		w := e.upload(e.ciso, "台帳.csv", sjisCSV(t, "名称,種別,所属,管理責任者,機密性,完全性,可用性",
			"人事記録,情報,人事課,佐藤 花子,2,1,1", "職員名簿,情報,人事課,佐藤 花子,2,1,1"), "")
		m := confirmAction.FindStringSubmatch(w.Body.String())
		if m == nil {
			t.Fatalf("dry run: %s", snippetOf(w.Body.String()))
		}
		people, err := org.ListPeople(e.ctx, d, e.sc, authz.Grant{All: true}, 0, org.PersonFilter{Query: "佐藤"})
		if err != nil || len(people.Items) != 1 {
			t.Fatal(people, err)
		}
		e.tx(func(tx *db.Tx) error {
			_, err := org.SetActive(e.ctx, tx, e.sc, people.Items[0].ID, false)
			return err
		})
		head, n := e.head(), e.assets()
		w = e.do(http.MethodPost, m[1], e.ciso, nil)
		body := w.Body.String()
		if w.Code != http.StatusConflict || !strings.Contains(body, html.EscapeString("2行目・管理責任者: "+e.ja("asset.person_inactive"))) || confirmAction.MatchString(body) {
			t.Errorf("changed file confirmed: %d\n%s", w.Code, snippetOf(body))
		}
		if e.head() != head || e.assets() != n || e.uploads() != 0 {
			t.Errorf("a refused confirmation wrote: trail %d→%d, assets %d→%d, uploads %d", head, e.head(), n, e.assets(), e.uploads())
		}
	})
}

// A file over 50 MB is refused with a clear message, nothing kept.
func TestAssetFilesImportTooLarge(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAssetFilesEnv(t, d)
		big := bytes.Repeat([]byte("名称,種別\r\n"), (50<<20)/12+1)
		w := e.upload(e.ciso, "big.csv", big, "")
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), html.EscapeString(e.ja("assetfile.too_large", 50))) {
			t.Errorf("over-size file: %d\n%s", w.Code, snippetOf(w.Body.String()))
		}
		if e.uploads() != 0 {
			t.Errorf("an over-size file was kept")
		}
	})
}

func (e *assetFilesEnv) uploads() int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM uploads`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// flashCookie is the notice cookie a response sets.
func flashCookie(w *httptest.ResponseRecorder) string {
	for _, c := range w.Result().Cookies() {
		if c.Name == "mamori_flash" {
			return c.Value
		}
	}
	return ""
}

// flashText is the notice a response leaves for the next page.
func flashText(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == "mamori_flash" {
			b, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil {
				t.Fatal(err)
			}
			_, text, _ := strings.Cut(string(b), ":")
			return text
		}
	}
	return ""
}

func snippetOf(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000]
	}
	return s
}
