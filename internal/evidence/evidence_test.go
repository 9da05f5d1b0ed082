package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/evidence"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

var ctx = context.Background()

func file(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	pngHead  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	jpegHead = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}
	sjisCSV  = []byte{0x96, 0xbc, 0x8f, 0xcc, ',', 0x95, 0xaa, 0x97, 0xde, '\r', '\n', 0x8f, 0x5a, 0x96, 0xaf, ',', '3', '\r', '\n'} // 名称,分類 / 住民,3
)

// The type is worked out from the content alone.
func TestDetect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		data    []byte
		want    string // content type prefix when accepted
		refusal string
	}{
		{"pdf", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"), evidence.TypePDF, ""},
		{"png", pngHead, evidence.TypePNG, ""},
		{"jpeg", jpegHead, evidence.TypeJPEG, ""},
		{"xlsx", file(t, "book.xlsx"), evidence.TypeXLSX, ""},
		{"docx", file(t, "report.docx"), evidence.TypeDOCX, ""},
		{"utf-8 csv", []byte("名称,分類\n住民台帳,3\n"), "text/csv; charset=utf-8", ""},
		{"utf-8 csv with BOM", []byte("\xEF\xBB\xBF名称,分類\r\n住民台帳,3\r\n"), "text/csv; charset=utf-8", ""},
		{"shift_jis csv", sjisCSV, "text/csv; charset=shift_jis", ""},
		{"plain text", []byte("監査の記録です。\n二行目。\n"), "text/plain; charset=utf-8", ""},
		{"empty", nil, "", evidence.RefusedEmpty},
		{"windows exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...), "", evidence.RefusedExecutable},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00"), "", evidence.RefusedExecutable},
		{"shell script", []byte("#!/bin/sh\nrm -rf /\n"), "", evidence.RefusedExecutable},
		{"old office (ole2)", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "", evidence.RefusedExecutable},
		{"html", []byte("<!DOCTYPE html><html><body>hi</body></html>"), "", evidence.RefusedHTML},
		{"html in text", []byte("報告\n<script>alert(1)</script>\n"), "", evidence.RefusedHTML},
		{"svg with script", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", evidence.RefusedSVGScript},
		{"svg with handler", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect onload="x()"/></svg>`), "", evidence.RefusedSVGScript},
		{"plain svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>`), "", evidence.RefusedUnknown},
		{"macro workbook", file(t, "macro.xlsm"), "", evidence.RefusedMacro},
		{"plain zip", file(t, "plain.zip"), "", evidence.RefusedUnknown},
		{"gzip", []byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00}, "", evidence.RefusedUnknown},
		{"binary", []byte{0x00, 0x01, 0x02, 0x03, 0x04}, "", evidence.RefusedUnknown},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), "", evidence.RefusedUnknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ct, refusal := evidence.Detect(c.data)
			if refusal != c.refusal || !strings.HasPrefix(ct, c.want) || (c.want == "") != (ct == "") {
				t.Errorf("Detect = %q, %q; want %q, %q", ct, refusal, c.want, c.refusal)
			}
		})
	}
}

// Detect never panics, and accepts or refuses, never both.
func FuzzDetect(f *testing.F) {
	for _, s := range [][]byte{[]byte("%PDF-1.4"), pngHead, jpegHead, sjisCSV, []byte("a,b\n1,2\n"), []byte("<svg onload=x>"),
		[]byte("PK\x03\x04"), []byte("#!"), []byte("<html>")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, refusal := evidence.Detect(data)
		if (ct == "") == (refusal == "") {
			t.Fatalf("Detect(%q) = %q, %q", data, ct, refusal)
		}
	})
}

// env is an organisation with an uploader and an owner kind whose files
// only the uploader may read.
type env struct {
	d  *db.DB
	sc scope.Scope
	p  authz.Principal
}

func newEnv(t *testing.T, d *db.DB) env {
	t.Helper()
	var e env
	err := d.Transact(ctx, func(tx *db.Tx) error {
		o, err := org.Create(ctx, tx, "北海道市町村職員福祉協会")
		if err != nil {
			return err
		}
		e.sc = scope.Scope{OrgID: o.ID, ActorName: "テスト"}
		per, err := org.CreatePerson(ctx, tx, e.sc, org.PersonInput{Name: "証跡 太郎"})
		e.p = authz.Principal{PersonID: per.ID}
		e.sc.ActorID = per.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
	return e
}

func init() {
	evidence.RegisterOwner("test_owner", func(_ context.Context, _ db.Querier, _ scope.Scope, p authz.Principal, ref string) (bool, error) {
		return ref == "mine" && p.PersonID != 0, nil
	})
}

func (e env) store(name string, data []byte, limit int64) (evidence.File, error) {
	var f evidence.File
	err := e.d.Transact(ctx, func(tx *db.Tx) (err error) {
		f, err = evidence.Store(ctx, tx, e.sc, e.p, evidence.Owner{Kind: "test_owner", Ref: "mine"}, name, bytes.NewReader(data), limit)
		return err
	})
	if err != nil {
		if rerr := evidence.RecordRefusal(ctx, e.d, e.sc, err); rerr != nil {
			return f, rerr
		}
	}
	return f, err
}

func (e env) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM evidence_files WHERE org_id = ?`, e.sc.OrgID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e env) lastDenied(t *testing.T) string {
	t.Helper()
	es, err := trail.List(ctx, e.d, e.sc, trail.Filter{Action: trail.Denied, Entity: evidence.EntityFile, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 {
		return ""
	}
	return es[0].After
}

// A file is stored with its detected type and SHA-256 and read back whole;
// a refused one is not stored, and the refusal is in the trail.
func TestStore(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		pdf := []byte("%PDF-1.7\n%%EOF\n")
		f, err := e.store(`C:\Users\職員\報告書.pdf`, pdf, 0)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(pdf)
		if f.FileName != "報告書.pdf" || f.ContentType != evidence.TypePDF || f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(pdf)) {
			t.Errorf("stored %+v", f)
		}
		data, got, err := evidence.Open(ctx, d, e.sc, f.ID)
		if err != nil || !bytes.Equal(data, pdf) || got != f {
			t.Errorf("open: %+v %q %v", got, data, err)
		}
		if ok, err := evidence.CanRead(ctx, d, e.sc, e.p, f); !ok || err != nil {
			t.Errorf("owner's rule: %v %v", ok, err)
		}
		if ok, _ := evidence.CanRead(ctx, d, e.sc, e.p, evidence.File{Owner: evidence.Owner{Kind: "nobody_registered", Ref: "mine"}}); ok {
			t.Error("a kind nobody registered is readable")
		}
		// Another organisation does not find it.
		other := newEnv(t, d)
		if _, err := evidence.Get(ctx, d, other.sc, f.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("other organisation: %v", err)
		}

		cases := []struct {
			name  string
			data  []byte
			limit int64
			key   string
		}{
			{"over the limit", bytes.Repeat([]byte("a,b\n"), 300), 1024, evidence.RefusedTooLarge},
			{"html", []byte("<html><body>x</body></html>"), 0, evidence.RefusedHTML},
			{"executable", []byte("MZ\x90\x00"), 0, evidence.RefusedExecutable},
		}
		for _, c := range cases {
			before := e.count(t)
			_, err := e.store(c.name+".pdf", c.data, c.limit)
			ve, ok := validate.As(err)
			if !ok || ve["file"].Key != c.key {
				t.Errorf("%s: %v, want %s", c.name, err, c.key)
			}
			if e.count(t) != before {
				t.Errorf("%s: stored anyway", c.name)
			}
			if got := e.lastDenied(t); !strings.Contains(got, c.key) {
				t.Errorf("%s: trail %s", c.name, got)
			}
		}
		// The organisation's limit applies when none is given.
		if err := d.Transact(ctx, func(tx *db.Tx) error { return evidence.SetMaxBytes(ctx, tx, e.sc, 2048) }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store("big.csv", bytes.Repeat([]byte("a,b\n"), 600), 0); !strings.Contains(err.Error(), evidence.RefusedTooLarge) {
			t.Errorf("organisation limit: %v", err)
		}
		if r, ok := evidence.AsRefusal(err); ok && r.Args()[0] != "2 KB" {
			t.Errorf("limit shown as %v", r.Args())
		}
		err = d.Transact(ctx, func(tx *db.Tx) error { return evidence.SetMaxBytes(ctx, tx, e.sc, evidence.HardMaxBytes+1) })
		if ve, ok := validate.As(err); !ok || ve["evidence_max_bytes"].Key != "evidence.max_bytes_range" {
			t.Errorf("limit above the hard maximum: %v", err)
		}
	})
}

// The administrator's scan command sees every file on its standard input:
// exit 0 accepts, 1 refuses with a clear message, anything else is an
// error; either way a file not accepted is not stored.
func TestScanCommand(t *testing.T) {
	t.Parallel()
	script, err := filepath.Abs(filepath.Join("testdata", "scan.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s, err := evidence.NewScanner("/bin/sh '" + script + "'")
		if err != nil || s == nil {
			t.Fatalf("scanner: %v", err)
		}
		scanned := evidence.WithScanner(ctx, s)
		store := func(data string) error {
			return d.Transact(scanned, func(tx *db.Tx) error {
				_, err := evidence.Store(scanned, tx, e.sc, e.p, evidence.Owner{Kind: "test_owner", Ref: "mine"}, "f.txt", strings.NewReader(data), 0)
				return err
			})
		}
		if err := store("ふつうの報告書です。\n"); err != nil {
			t.Errorf("clean file: %v", err)
		}
		err = store("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n")
		r, ok := evidence.AsRefusal(err)
		if !ok || r.Key != evidence.RefusedByScan || !strings.Contains(r.Detail, "Eicar") {
			t.Errorf("infected file: %v", err)
		}
		if err := evidence.RecordRefusal(ctx, d, e.sc, err); err != nil {
			t.Fatal(err)
		}
		if got := e.lastDenied(t); !strings.Contains(got, "Eicar") {
			t.Errorf("scan refusal not in the trail: %s", got)
		}
		err = store("BROKEN\n")
		if err == nil {
			t.Error("a failing scanner accepted the file")
		} else if _, ok := evidence.AsRefusal(err); ok {
			t.Errorf("a failing scanner is an error, not a refusal: %v", err)
		}
		if n := e.count(t); n != 1 {
			t.Errorf("%d files stored, want 1", n)
		}
		// A command that does not exist is an error too.
		missing, _ := evidence.NewScanner("/nonexistent/clamdscan -")
		err = d.Transact(ctx, func(tx *db.Tx) error {
			c := evidence.WithScanner(ctx, missing)
			_, err := evidence.Store(c, tx, e.sc, e.p, evidence.Owner{Kind: "test_owner", Ref: "mine"}, "f.txt", strings.NewReader("x\n"), 0)
			return err
		})
		if err == nil {
			t.Error("a missing scanner accepted the file")
		}
	})
}

func TestNewScanner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		line string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"clamdscan --no-summary -", []string{"clamdscan", "--no-summary", "-"}, false},
		{`/opt/scan "a b" 'c d'`, []string{"/opt/scan", "a b", "c d"}, false},
		{`scan "open`, nil, true},
	}
	for _, c := range cases {
		s, err := evidence.NewScanner(c.line)
		if (err != nil) != c.bad {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		var got []string
		if s != nil {
			got = s.Args
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: %q, want %q", c.line, got, c.want)
		}
	}
}
