package assetfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/tabular"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// export runs an export and returns its rows.
func (e *env) export(p authz.Principal, f asset.Filter, opts assetfile.ExportOptions) ([][]string, []byte) {
	e.t.Helper()
	file, err := assetfile.Export(ctx, e.d, e.sc, p, f, opts)
	if err != nil {
		e.t.Fatalf("export: %v", err)
	}
	defer file.Close()
	var b bytes.Buffer
	n, err := file.WriteTo(&b)
	if err != nil || n != file.Size {
		e.t.Fatalf("send export: %d of %d: %v", n, file.Size, err)
	}
	if opts.Format == assetfile.XLSX {
		return readXLSX(e.t, b.Bytes()), b.Bytes()
	}
	rd, err := tabular.Open(bytes.NewReader(b.Bytes()), "x.csv", 0, tabular.Options{})
	if err != nil {
		e.t.Fatalf("read export: %v", err)
	}
	defer rd.Close()
	rows := [][]string{rd.Header()}
	for {
		r, err := rd.Next()
		if err != nil {
			break
		}
		rows = append(rows, r.Cells)
	}
	if len(rows)-1 != file.Rows {
		e.t.Errorf("export says %d rows, file has %d", file.Rows, len(rows)-1)
	}
	return rows, b.Bytes()
}

// An export holds what the reader may export under the filters, masked as
// the list masks it, cells neutralised, in the reader's language; and it
// is in the trail with its filters.
func TestExportHonoursFiltersPermissionsAndMasking(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		formula := e.input("=1+1")
		formula.Description = "@SUM(A1)"
		e.create(formula)
		secret := e.input("秘密の台帳")
		secret.DepartmentID, secret.OwnerID, secret.Confidentiality, secret.Location = e.fukushi.ID, e.ichiro2.ID, "3", "金庫"
		s := e.create(secret)
		other := e.input("事業部の資料")
		other.DepartmentID, other.Confidentiality = e.jigyo.ID, "1"
		e.create(other)

		// The officer of 総務部 exports 総務部's assets only.
		rows, raw := e.export(e.officer, asset.Filter{}, assetfile.ExportOptions{Format: assetfile.CSV, Lang: "ja"})
		if !bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) || !bytes.Contains(raw, []byte("\r\n")) {
			t.Errorf("CSV is not UTF-8 with BOM and CRLF")
		}
		if rows[0][0] != "管理番号" || rows[0][1] != "名称" || !slices.Contains(rows[0], "機密性") || len(rows) != 2 {
			t.Fatalf("officer's export: %q", rows)
		}
		if !bytes.Contains(raw, []byte(",'=1+1,")) || !bytes.Contains(raw, []byte(",'@SUM(A1),")) {
			t.Errorf("formula cells not neutralised: %s", raw)
		}
		last, err := trail.List(ctx, d, e.sc, trail.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		var after struct {
			Format string       `json:"format"`
			Rows   int          `json:"rows"`
			Filter asset.Filter `json:"filter"`
		}
		if err := json.Unmarshal([]byte(last[0].After), &after); err != nil || last[0].Action != trail.Export ||
			last[0].Entity != asset.EntityAsset || after.Format != "csv" || after.Rows != 1 {
			t.Errorf("export not in the trail: %+v %v", last[0], err)
		}

		// The auditor sees every asset, the restricted one masked.
		rows, raw = e.export(e.auditor, asset.Filter{}, assetfile.ExportOptions{Format: assetfile.XLSX, Lang: "en"})
		if len(rows) != 4 || rows[0][0] != "ID" || rows[0][1] != "Name" {
			t.Fatalf("auditor's export: %q", rows)
		}
		masked := rows[len(rows)-1]
		if masked[1] != asset.MaskedName || strings.Contains(strings.Join(masked, "|"), "金庫") || masked[0] == "" {
			t.Errorf("restricted row not masked: %q", masked)
		}
		if strings.Contains(string(raw), "秘密の台帳") {
			t.Errorf("the masked name is in the workbook")
		}
		wb, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		for r := 2; r <= len(rows); r++ {
			cell, _ := excelize.CoordinatesToCellName(2, r)
			if f, _ := wb.GetCellFormula("Information assets", cell); f != "" {
				t.Errorf("cell %s is a formula: %q", cell, f)
			}
		}
		wb.Close()

		// Filters: the level, a department, a search.
		for _, tt := range []struct {
			f    asset.Filter
			want []string
		}{
			{asset.Filter{Confidentiality: "1"}, []string{"事業部の資料"}},
			{asset.Filter{DepartmentID: e.somu.ID}, []string{"=1+1"}},
			{asset.Filter{Query: "台帳"}, nil}, // the restricted one is masked: a search never finds it
		} {
			rows, _ := e.export(e.auditor, tt.f, assetfile.ExportOptions{Format: assetfile.XLSX, Lang: "ja"})
			var names []string
			for _, r := range rows[1:] {
				names = append(names, r[1])
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("filter %+v: %q, want %q", tt.f, names, tt.want)
			}
		}
		// The CISO sees it in full.
		rows, _ = e.export(e.ciso, asset.Filter{Query: "秘密"}, assetfile.ExportOptions{Format: assetfile.CSV})
		if len(rows) != 2 || rows[1][1] != "秘密の台帳" || rows[1][0] != fmt.Sprint(s.ID) {
			t.Errorf("CISO's export: %q", rows)
		}

		// A bad filter is refused before anything is written.
		head := e.head()
		_, err = assetfile.Export(ctx, d, e.sc, e.ciso, asset.Filter{Kind: "pc"}, assetfile.ExportOptions{Format: assetfile.CSV})
		if ve, ok := validate.As(err); !ok || ve["kind"].Key != "error.invalid_choice" || e.head() != head {
			t.Errorf("bad filter: %v", err)
		}
		// Nobody without asset.export exports anything.
		if _, err := assetfile.Export(ctx, d, e.sc, e.staff, asset.Filter{}, assetfile.ExportOptions{}); !errors.Is(err, asset.ErrForbidden) {
			t.Errorf("staff export: %v", err)
		}
	})
}

func TestFileNameAndDisposition(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 4, 1, 20, 0, 0, 0, time.UTC) // 2 April in Japan
	name, ascii := assetfile.FileName(assetfile.XLSX, "ja", now)
	if name != "情報資産台帳-20250402.xlsx" || ascii != "assets-20250402.xlsx" {
		t.Errorf("names %q %q", name, ascii)
	}
	got := assetfile.ContentDisposition(name, ascii)
	want := `attachment; filename="assets-20250402.xlsx"; filename*=UTF-8''%E6%83%85%E5%A0%B1%E8%B3%87%E7%94%A3%E5%8F%B0%E5%B8%B3-20250402.xlsx`
	if got != want {
		t.Errorf("disposition %s", got)
	}
}
