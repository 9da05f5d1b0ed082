package tabular

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// The tests here measure the live heap, which other tests running at the
// same time would disturb, so they do not call t.Parallel: Go runs them
// before resuming the parallel tests.

const bigRows = 100_000

var bigHeader = []string{"管理番号", "名称", "所属", "設置場所", "取得日", "数量", "備考", "区分"}

// bigRow is row i of the large test table: mostly distinct values, as in
// a real register.
func bigRow(i int) []string {
	n := strconv.Itoa(i)
	return []string{
		"A-" + n,
		"ノートパソコン" + n,
		[]string{"総務課", "情報政策課", "財政課", "市民課"}[i%4],
		"本庁舎" + strconv.Itoa(i%12+1) + "階 書庫①",
		"2025/4/" + strconv.Itoa(i%28+1),
		strconv.Itoa(i % 7),
		"髙橋 様より移管、\"至急\", 点検済み" + n,
		"=区分" + strconv.Itoa(i%3),
	}
}

// csvGen produces a CSV of n rows on the fly, so that the test holds no
// file in memory: whatever the heap grows by is the Reader's.
type csvGen struct {
	w    *CSVWriter
	buf  bytes.Buffer
	i, n int
}

func newCSVGen(n int, enc Encoding) *csvGen {
	g := &csvGen{n: n}
	g.w, _ = NewCSVWriter(&g.buf, enc)
	_ = g.w.WriteRow(bigHeader)
	return g
}

func (g *csvGen) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i < g.n {
		g.i++
		_ = g.w.WriteRow(bigRow(g.i))
		_ = g.w.Flush()
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// readMeasured reads every row, taking the live heap after the first
// tenth of the rows and at the end; it returns the two and the peak of
// HeapInuse seen along the way (sampled every 1,000 rows).
func readMeasured(t *testing.T, r *Reader) (early, late, peak uint64) {
	t.Helper()
	var m runtime.MemStats
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if len(row.Cells) != len(r.header) || row.Cells[0] != "A-"+strconv.Itoa(n) {
			t.Fatalf("row %d: %q", row.Number, row.Cells)
		}
		if n%1000 == 0 {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
		}
		switch n {
		case bigRows / 10:
			early = liveHeap()
		case bigRows:
			late = liveHeap()
		}
	}
	if n != bigRows {
		t.Fatalf("%d rows, want %d", n, bigRows)
	}
	return early, late, peak
}

// maxGrowth is how much the live heap may grow between a tenth of the
// rows and all of them. A reader holding the rows it has read would grow
// by tens of megabytes over 90,000 rows.
const maxGrowth = 1 << 20

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func TestReadCSVMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	for _, enc := range []Encoding{UTF8BOM, ShiftJIS} {
		t.Run(enc.String(), func(t *testing.T) {
			before := liveHeap()
			g := newCSVGen(bigRows, enc)
			r, err := Open(g, "big.csv", -1, Options{UnescapeFormula: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			early, late, peak := readMeasured(t, r)
			if r.Encoding() != enc {
				t.Errorf("read as %v", r.Encoding())
			}
			t.Logf("%d rows: live heap %s before, %s at 10%%, %s at 100%%; peak HeapInuse %s",
				bigRows, mib(before), mib(early), mib(late), mib(peak))
			if late > early+maxGrowth {
				t.Errorf("live heap grew by %s from 10%% to 100%% of the rows", mib(late-early))
			}
		})
	}
}

// xlsxMemCols is how many of the large table's columns the XLSX memory
// test uses: excelize decodes a cell in about 4 µs, so all eight would
// make the test twice as long without measuring anything more.
const xlsxMemCols = 4

// writeBigXLSX writes the large table with NewXLSXWriter to a file,
// measuring the writer's heap the same way.
func writeBigXLSX(t *testing.T, path string) (early, late uint64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewXLSXWriter(f, "台帳")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(bigHeader[:xlsxMemCols]); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= bigRows; i++ {
		if err := w.WriteRow(bigRow(i)[:xlsxMemCols]); err != nil {
			t.Fatal(err)
		}
		switch i {
		// excelize keeps up to 16 MiB of rows in memory before it
		// moves them to a temporary file, so the writer's heap is
		// flat only from there: some 55,000 rows of this table.
		case bigRows * 3 / 4:
			early = liveHeap()
		case bigRows:
			late = liveHeap()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return early, late
}

func TestXLSXMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	path := filepath.Join(t.TempDir(), "big.xlsx")
	early, late := writeBigXLSX(t, path)
	fi, _ := os.Stat(path)
	t.Logf("wrote %d rows, %s: live heap %s at 75%%, %s at 100%%", bigRows, mib(uint64(fi.Size())), mib(early), mib(late))
	if late > early+maxGrowth {
		t.Errorf("writer: live heap grew by %s from 75%% to 100%% of the rows", mib(late-early))
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before := liveHeap()
	r, err := Open(f, "big.xlsx", fi.Size(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	opened := liveHeap()
	early, late, peak := readMeasured(t, r)
	t.Logf("read %d rows: live heap %s before, %s open, %s at 10%%, %s at 100%%; peak HeapInuse %s",
		bigRows, mib(before), mib(opened), mib(early), mib(late), mib(peak))
	if late > early+maxGrowth {
		t.Errorf("reader: live heap grew by %s from 10%% to 100%% of the rows", mib(late-early))
	}
	if opened > before+8<<20 {
		t.Errorf("opening took %s of heap", mib(opened-before))
	}
}

// TestShiftJISGenerator checks the generator the memory test relies on.
func TestShiftJISGenerator(t *testing.T) {
	t.Parallel()
	b, err := io.ReadAll(newCSVGen(3, ShiftJIS))
	if err != nil {
		t.Fatal(err)
	}
	s, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	want := "管理番号,名称,所属,設置場所,取得日,数量,備考,区分\r\n" +
		"A-1,ノートパソコン1,情報政策課,本庁舎2階 書庫①,2025/4/2,1,\"髙橋 様より移管、\"\"至急\"\", 点検済み1\",'=区分1\r\n"
	if got := string(s); got[:len(want)] != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
