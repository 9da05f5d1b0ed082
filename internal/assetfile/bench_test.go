package assetfile_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/trail"
)

// writeRegister writes a register of n rows as a Shift_JIS CSV (the
// heaviest format to read) to a file, a row at a time.
func writeRegister(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	header := "名称,種別,説明,所属,管理責任者,設置場所,管理区域,ネットワーク領域,機密性,完全性,可用性,保存期間,状態,次回見直し日,タグ\r\n"
	w.Write(shiftJIS(tb, []byte(header)))
	kinds := []string{"情報（データ）", "文書（印刷物）", "情報システム", "設備・機器", "電磁的記録媒体", "ソフトウェア"}
	depts := []string{"総務部／総務課", "人事課", "S021", "事業部"}
	domains := []string{"LGWAN接続系", "インターネット接続系", "該当なし", "マイナンバー利用事務系"}
	levels := []string{"3", "2", "1"}
	for i := 0; i < n; i++ {
		row := fmt.Sprintf("職員名簿データ第%06d号,%s,人事記録の写し（%d年度分）,%s,hanako,本部書庫 第%d棚,%s,%s,%s,%d,%d,%d年,使用中,令和%d年%d月1日,個人情報、紙媒体\r\n",
			i, kinds[i%len(kinds)], 2000+i%25, depts[i%len(depts)], i%40, []string{"はい", "いいえ"}[i%2],
			domains[i%len(domains)], levels[i%3], 1+i%2, 1+(i/2)%2, 1+i%10, 7+i%3, 1+i%12)
		w.Write(shiftJIS(tb, []byte(row)))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap samples the live heap while fn runs and returns its highest
// value above where it started.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				v := read()
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	if peak < base {
		return 0
	}
	return peak - base
}

// cpuTime is the CPU time the process has used so far (user and system,
// every thread): next to the wall time, it shows what a run costs when the
// machine is busy with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImport100k imports a register of 100,000 rows (Shift_JIS CSV)
// into an empty organisation on SQLite: one transaction, every row checked
// and written by asset.Batch with its trail entry. It reports the peak of
// the live heap above where it started (BenchmarkImport10k shows that it
// does not grow with the file) and the CPU time next to the wall time.
// After each import, outside the timing, it reports how long a search for
// a word no asset holds takes while the new assets' grams are still being
// written (the worst case then: every row is read), how long until they
// all are (index-ms), and the same search then; then how long the whole
// register takes to export as Excel and the peak heap meanwhile.
func BenchmarkImport100k(b *testing.B) { benchImport(b, 100_000) }

// BenchmarkImport10k is the same with a tenth of the rows.
func BenchmarkImport10k(b *testing.B) { benchImport(b, 10_000) }

func benchImport(b *testing.B, n int) {
	path := filepath.Join(b.TempDir(), "register.csv")
	writeRegister(b, path, n)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	var peak, exportPeak uint64
	var cpu, pendingSearch, indexing, indexedSearch, exporting time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := dbtest.Open(b, db.SQLite)
		e := newEnv(b, d)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var rep *assetfile.Report
		c0 := cpuTime()
		p := peakHeap(func() {
			rep, err = assetfile.Import(ctx, d, e.sc, e.ciso, f, assetfile.Options{MatchBy: assetfile.MatchID, Size: st.Size()})
		})
		cpu += cpuTime() - c0
		b.StopTimer()
		f.Close()
		if err != nil || rep.Created != n {
			b.Fatalf("import: %v %+v", err, rep.Problems)
		}
		peak = max(peak, p)
		search := func() time.Duration {
			t0 := time.Now()
			page, err := asset.List(ctx, d, e.sc, e.ciso, asset.Filter{Query: "該当なしの語"})
			if err != nil || len(page.Items) != 0 {
				b.Fatalf("search: %v %d", err, len(page.Items))
			}
			return time.Since(t0)
		}
		pendingSearch += search()
		t0 := time.Now()
		if _, err := asset.IndexPending(ctx, d, e.sc.OrgID); err != nil {
			b.Fatal(err)
		}
		indexing += time.Since(t0)
		indexedSearch += search()
		// The register back out as Excel: read a page at a time in one
		// snapshot into a temporary file, so memory stays flat too.
		t0 = time.Now()
		exportPeak = max(exportPeak, peakHeap(func() {
			file, err := assetfile.Export(ctx, d, e.sc, e.ciso, asset.Filter{}, assetfile.ExportOptions{Format: assetfile.XLSX, Lang: "ja"})
			if err != nil || file.Rows != n {
				b.Fatalf("export: %v", err)
			}
			file.Close()
		}))
		exporting += time.Since(t0)
		d.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/import")
	b.ReportMetric(float64(pendingSearch.Microseconds())/1000/float64(b.N), "search-pending-ms")
	b.ReportMetric(float64(indexing.Milliseconds())/float64(b.N), "index-ms")
	b.ReportMetric(float64(indexedSearch.Microseconds())/1000/float64(b.N), "search-ms")
	b.ReportMetric(float64(exporting.Milliseconds())/float64(b.N), "export-xlsx-ms")
	b.ReportMetric(float64(exportPeak)/(1<<20), "export-peak-heap-MB")
}

// BenchmarkDryRun100k checks the same register without writing: every
// row through asset.Batch's Check, the rules of asset.Check.
func BenchmarkDryRun100k(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "register.csv")
	writeRegister(b, path, n)
	d := dbtest.Open(b, db.SQLite)
	e := newEnv(b, d)
	b.ResetTimer()
	var peak uint64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var rep *assetfile.Report
		c0 := cpuTime()
		peak = max(peak, peakHeap(func() {
			rep, err = assetfile.DryRun(ctx, d, e.sc, e.ciso, f, assetfile.Options{})
		}))
		cpu += cpuTime() - c0
		f.Close()
		if err != nil || rep.Created != n {
			b.Fatalf("dry run: %v %+v", err, rep.Problems)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// The tests below import files longer than one batch of rows (500), so
// lookups, checks and writes run batch by batch, a batch being written
// while the next is checked. They sit here, next to the benchmarks of the
// same path.

// manyRows is a register of n new assets (rows without 管理番号) whose
// names are prefix and the row's place, after the given rows.
func manyRows(prefix string, n int, first ...[]string) [][]string {
	rows := [][]string{{"管理番号", "名称", "種別", "所属", "管理責任者", "機密性", "完全性", "可用性", "タグ"}}
	rows = append(rows, first...)
	for i := 0; i < n; i++ {
		rows = append(rows, []string{"", fmt.Sprintf("%s%04d", prefix, i), "情報", []string{"人事課", "総務部／総務課", "S021"}[i%3], "hanako",
			[]string{"3", "2", "1"}[i%3], "1", "2", []string{"個人情報", "", "紙媒体、委託"}[i%3]})
	}
	return rows
}

// A file of several batches is one transaction: a bad row in the last
// batch and nothing is written; corrected, every row is written with its
// trail entry, reported in file order with its id.
func TestImportOfManyBatches(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		early := e.create(e.input("既存の台帳（前）"))
		late := e.create(e.input("既存の台帳（後）"))
		rows := manyRows("一括台帳", 1300, []string{fmt.Sprint(early.ID), "既存の台帳（前・改）", "文書", "人事課", "hanako", "1", "1", "1", ""})
		rows = append(rows, []string{fmt.Sprint(late.ID), "既存の台帳（後・改）", "文書", "人事課", "hanako", "1", "1", "1", ""})
		rows[1200][3] = "経理部" // no such department: row 1201 of the file
		file := func() []byte { return shiftJIS(t, csvUTF8(rows...)) }
		head, n := e.head(), e.count()

		dry := e.dryRun(e.ciso, file(), assetfile.Options{})
		if dry.OK() || dry.Rows != 1302 || dry.Failed != 1 || dry.Created != 1299 || dry.Updated != 2 || dry.Problems[0].Row != 1201 {
			t.Fatalf("dry run: %+v", dump(dry))
		}
		rep, err := assetfile.Import(ctx, d, e.sc, e.ciso, bytes.NewReader(file()), assetfile.Options{})
		if !errors.Is(err, assetfile.ErrHasProblems) || rep.Applied || rep.Failed != 1 || rep.Created != 1299 || rep.Updated != 2 {
			t.Fatalf("import of a bad file: %v %+v", err, rep)
		}
		if e.head() != head || e.count() != n || e.get(early.ID).Name != early.Name {
			t.Fatalf("a refused import wrote: trail %d→%d, assets %d→%d", head, e.head(), n, e.count())
		}
		for _, it := range rep.Items {
			if it.Outcome == assetfile.Create && it.ID != 0 {
				t.Fatalf("row %d of a refused import names asset %d", it.Row, it.ID)
			}
		}

		rows[1200][3] = "福祉事業課"
		rep, err = assetfile.Import(ctx, d, e.sc, e.ciso, bytes.NewReader(file()), assetfile.Options{})
		if err != nil || !rep.Applied || rep.Created != 1300 || rep.Updated != 2 || rep.Rows != 1302 || len(rep.Items) != assetfile.MaxReported {
			t.Fatalf("import: %v %+v", err, rep.Problems)
		}
		if e.count() != n+1300 || e.head() != head+1302 {
			t.Errorf("import wrote %d assets and %d trail entries, want 1300 and 1302", e.count()-n, e.head()-head)
		}
		var prevID int64
		for i, it := range rep.Items {
			if it.Row != i+2 {
				t.Fatalf("item %d is row %d", i, it.Row)
			}
			if i == 0 {
				if it.Outcome != assetfile.Update || it.ID != early.ID {
					t.Errorf("first row: %+v", it)
				}
				continue
			}
			if it.Outcome != assetfile.Create || it.ID <= prevID {
				t.Fatalf("row %d: %+v after id %d", it.Row, it, prevID)
			}
			prevID = it.ID
			if i%97 == 0 || i == 499 || i == 500 {
				if a := e.get(it.ID); a.Name != it.Name || a.Name != rows[i+1][1] {
					t.Errorf("row %d created %d as %q, the row says %q", it.Row, it.ID, a.Name, rows[i+1][1])
				}
			}
		}
		if a := e.get(late.ID); a.Name != "既存の台帳（後・改）" || a.Version != 2 {
			t.Errorf("last row's update: %+v", a)
		}
		// Each row's entry, in file order.
		entries, err := trail.List(ctx, d, e.sc, trail.Filter{Entity: asset.EntityAsset, Limit: 3})
		if err != nil || len(entries) != 3 || entries[0].EntityID != fmt.Sprint(late.ID) || entries[0].Action != trail.Update ||
			entries[2].Action != trail.Create {
			t.Errorf("newest entries: %+v %v", entries, err)
		}
		if rep, err := trail.Verify(ctx, d); err != nil || len(rep.Problems) != 0 {
			t.Errorf("verify: %+v %v", rep, err)
		}

		// Search finds the new assets whether or not their grams are
		// written yet (Import started writing them when it committed), and
		// once they are.
		for _, when := range []string{"just imported", "indexed"} {
			for q, want := range map[string]int{"一括台帳1234": 1, "一括台帳12": 100, "前・改": 1} {
				got, err := asset.List(ctx, d, e.sc, e.ciso, asset.Filter{Query: q, Limit: asset.MaxLimit})
				if err != nil || len(got.Items) != want {
					t.Errorf("%s: %q finds %d, want %d (%v)", when, q, len(got.Items), want, err)
				}
			}
			if _, err := asset.IndexPending(ctx, d, e.sc.OrgID); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// Matching by name across batches: a name given twice is refused however
// far apart the rows are, and each row finds the asset of its name.
func TestImportMatchByNameOverManyBatches(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var existing []asset.Asset
		for _, i := range []int{3, 499, 500, 501, 1049} {
			existing = append(existing, e.create(e.input(fmt.Sprintf("名寄せ台帳%04d", i))))
		}
		twin := e.input("同名の台帳")
		e.create(twin)
		e.create(twin)
		rows := manyRows("名寄せ台帳", 1050)
		rows = append(rows, []string{"", "名寄せ台帳0002", "情報", "人事課", "hanako", "1", "1", "1", ""})
		rows = append(rows, []string{"", "同名の台帳", "情報", "人事課", "hanako", "1", "1", "1", ""})
		rep := e.dryRun(e.ciso, csvUTF8(rows...), assetfile.Options{MatchBy: assetfile.MatchName})
		if rep.Rows != 1052 || rep.Updated != len(existing) || rep.Created != 1050-len(existing) || rep.Failed != 2 {
			t.Fatalf("report: %+v", rep.Problems)
		}
		if p := rep.Problems; len(p) != 2 || p[0].Row != 1052 || p[0].Key != "assetfile.duplicate_key" || p[1].Row != 1053 || p[1].Key != "assetfile.name_ambiguous" {
			t.Errorf("problems: %+v", p)
		}
		for _, a := range existing {
			var i int
			fmt.Sscanf(a.Name, "名寄せ台帳%04d", &i)
			if i >= len(rep.Items) {
				continue // beyond what a report keeps
			}
			if it := rep.Items[i]; it.Outcome != assetfile.Update || it.ID != a.ID {
				t.Errorf("row for %q: %+v", a.Name, it)
			}
		}
		rows = rows[:len(rows)-2]
		head := e.head()
		rep, err := assetfile.Import(ctx, d, e.sc, e.ciso, bytes.NewReader(csvUTF8(rows...)), assetfile.Options{MatchBy: assetfile.MatchName})
		if err != nil || !rep.Applied || rep.Updated != len(existing) || rep.Created != 1050-len(existing) || e.head() != head+1050 {
			t.Fatalf("import: %v %+v", err, rep.Problems)
		}
		for _, a := range existing {
			if got := e.get(a.ID); got.Version != 2 || got.Name != a.Name {
				t.Errorf("%q after the import: %+v", a.Name, got)
			}
		}
	})
}
