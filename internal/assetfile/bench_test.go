package assetfile_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"mamori/internal/assetfile"
	"mamori/internal/db"
	"mamori/internal/dbtest"
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

// BenchmarkImport100k imports a register of 100,000 rows (Shift_JIS CSV)
// into an empty organisation on SQLite: one transaction, every row through
// asset.Create with its trail entry. It reports the peak of the live heap
// above where it started; BenchmarkImport10k shows that it does not grow
// with the file.
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
	var peak uint64
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
		p := peakHeap(func() {
			rep, err = assetfile.Import(ctx, d, e.sc, e.ciso, f, assetfile.Options{MatchBy: assetfile.MatchID, Size: st.Size()})
		})
		b.StopTimer()
		f.Close()
		if err != nil || rep.Created != n {
			b.Fatalf("import: %v %+v", err, rep.Problems)
		}
		peak = max(peak, p)
		d.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
}

// BenchmarkDryRun100k checks the same register without writing: one
// asset.Check per row.
func BenchmarkDryRun100k(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "register.csv")
	writeRegister(b, path, n)
	d := dbtest.Open(b, db.SQLite)
	e := newEnv(b, d)
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var rep *assetfile.Report
		peak = max(peak, peakHeap(func() {
			rep, err = assetfile.DryRun(ctx, d, e.sc, e.ciso, f, assetfile.Options{})
		}))
		f.Close()
		if err != nil || rep.Created != n {
			b.Fatalf("dry run: %v %+v", err, rep.Problems)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
