package assetfile_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

var ctx = context.Background()

// env is an organisation with a register to import into:
//
//	総務部 (部局) ── 総務課, 人事課
//	事業部 (部局) ── 福祉事業課, 総務課 (a second 総務課)
//
// Hanako (login hanako) works in 総務部 総務課; Ichiro in 事業部; two
// people are called 鈴木 一郎 (one of them Ichiro).
type env struct {
	t                        testing.TB
	d                        *db.DB
	sc                       scope.Scope
	somu, somuka, jinji      org.Department
	jigyo, fukushi, jigyoSom org.Department
	hanako, ichiro, ichiro2  org.Person
	taro                     org.Person

	ciso, officer, manager, otherOfficer, auditor, staff authz.Principal
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		o, err := org.Create(ctx, tx, "一般財団法人テスト協会")
		if err != nil {
			return err
		}
		e.sc = scope.Scope{OrgID: o.ID, ActorID: 0, ActorName: "テスト"}
		dep := func(name, code string, parent int64) org.Department {
			if err != nil {
				return org.Department{}
			}
			var dd org.Department
			dd, err = org.CreateDepartment(ctx, tx, e.sc, org.DepartmentInput{Name: name, Code: code, ParentID: parent})
			return dd
		}
		e.somu = dep("総務部", "B01", 0)
		e.somuka = dep("総務課", "S011", e.somu.ID)
		e.jinji = dep("人事課", "S012", e.somu.ID)
		e.jigyo = dep("事業部", "B02", 0)
		e.fukushi = dep("福祉事業課", "S021", e.jigyo.ID)
		e.jigyoSom = dep("総務課", "S022", e.jigyo.ID)
		if err != nil {
			return err
		}
		person := func(name string, dept int64) org.Person {
			if err != nil {
				return org.Person{}
			}
			var p org.Person
			p, err = org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: name, DepartmentID: dept})
			return p
		}
		e.hanako = person("佐藤 花子", e.somuka.ID)
		e.ichiro = person("鈴木 一郎", e.jigyo.ID)
		e.ichiro2 = person("鈴木 一郎", e.fukushi.ID)
		e.taro = person("高橋 太郎", e.somu.ID)
		if err != nil {
			return err
		}
		if err := auth.CreateAccount(ctx, tx, e.sc, e.hanako.ID, "hanako", "tsuki-ga-kirei-desu-ne-2025", false); err != nil {
			return err
		}
		e.hanako.Login = "hanako"
		return nil
	})
	if err != nil {
		t.Fatalf("set up: %v", err)
	}
	as := func(id int64, r authz.Role, k authz.ScopeKind, scopeID int64) authz.Principal {
		return authz.Principal{PersonID: id, Assignments: []authz.Assignment{{Role: r, ScopeKind: k, ScopeID: scopeID}}}
	}
	e.ciso = as(9001, authz.CISO, authz.ScopeOrg, 0)
	e.officer = as(9002, authz.SecurityOfficer, authz.ScopeDepartment, e.somu.ID)
	e.manager = as(9003, authz.SecurityManager, authz.ScopeDepartment, e.somuka.ID)
	e.otherOfficer = as(9004, authz.SecurityOfficer, authz.ScopeDepartment, e.jigyo.ID)
	e.auditor = as(9005, authz.Auditor, authz.ScopeOrg, 0)
	e.staff = authz.Principal{PersonID: e.hanako.ID}
	return e
}

// create registers an asset as the CISO.
func (e *env) create(in asset.Input) asset.Asset {
	e.t.Helper()
	var a asset.Asset
	err := e.d.Transact(ctx, func(tx *db.Tx) (err error) {
		a, err = asset.Create(ctx, tx, e.sc, e.ciso, in)
		return err
	})
	if err != nil {
		e.t.Fatalf("create %q: %v", in.Name, err)
	}
	return a
}

// input is a valid asset of 総務課 owned by Hanako.
func (e *env) input(name string) asset.Input {
	return asset.Input{Name: name, Kind: "information", DepartmentID: e.somuka.ID, OwnerID: e.hanako.ID,
		Confidentiality: "2", Integrity: "1", Availability: "1"}
}

// head is the trail's sequence number.
func (e *env) head() int64 {
	e.t.Helper()
	seq, _, err := trail.Head(ctx, e.d, e.sc.OrgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// count is how many assets the organisation has.
func (e *env) count() int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets WHERE org_id = ?`, e.sc.OrgID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) get(id int64) asset.Asset {
	e.t.Helper()
	a, err := asset.Get(ctx, e.d, e.sc, e.ciso, id)
	if err != nil {
		e.t.Fatalf("get %d: %v", id, err)
	}
	return a
}

func (e *env) dryRun(p authz.Principal, file []byte, opts assetfile.Options) *assetfile.Report {
	e.t.Helper()
	rep, err := assetfile.DryRun(ctx, e.d, e.sc, p, bytes.NewReader(file), opts)
	if err != nil {
		e.t.Fatalf("dry run: %v", err)
	}
	return rep
}

// Files as offices make them.

// csvUTF8 joins rows as a CSV with CRLF, quoting cells that need it.
func csvUTF8(rows ...[]string) []byte {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(c, ",\"\r\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

// withBOM is what Excel writes for 「CSV UTF-8（コンマ区切り）」.
func withBOM(b []byte) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, b...) }

// shiftJIS is what Excel in Japan writes for 「CSV（コンマ区切り）」.
func shiftJIS(t testing.TB, b []byte) []byte {
	t.Helper()
	out, err := japanese.ShiftJIS.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatalf("encode Shift_JIS: %v", err)
	}
	return out
}

// xlsx makes a workbook with excelize, as another program would.
func xlsx(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readXLSX reads every row of a workbook's first sheet.
func readXLSX(t testing.TB, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var catalog = func() *i18n.Catalog {
	c, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return c
}()

// texts are a report's problems in Japanese.
func texts(rep *assetfile.Report) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, assetfile.Text(catalog, "ja", p))
	}
	return out
}

func dump(rep *assetfile.Report) string {
	return fmt.Sprintf("%+v\n%s", *rep, strings.Join(texts(rep), "\n"))
}
