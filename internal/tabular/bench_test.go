package tabular

import (
	"bytes"
	"io"
	"testing"
)

// bigFile is the large test table written by w.
func bigFile(b *testing.B, w func(io.Writer) (Writer, error)) []byte {
	b.Helper()
	var buf bytes.Buffer
	wr, err := w(&buf)
	if err != nil {
		b.Fatal(err)
	}
	if err := wr.WriteRow(bigHeader); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= bigRows; i++ {
		if err := wr.WriteRow(bigRow(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func benchRead(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	iters := 0
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		r, err := Open(bytes.NewReader(data), "", int64(len(data)), Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != bigRows {
			b.Fatalf("%d rows", n)
		}
		iters++
	}
	b.ReportMetric(float64(iters*bigRows)/b.Elapsed().Seconds(), "rows/s")
	if cpu1, ok := cpuTime(); ok && cpuOK && cpu1 > cpu0 {
		// Garbage collection on other threads included.
		b.ReportMetric(float64(iters*bigRows)/(cpu1-cpu0).Seconds(), "rows/cpu-s")
	}
}

func BenchmarkReadCSV100k(b *testing.B) {
	benchRead(b, bigFile(b, func(w io.Writer) (Writer, error) { return NewCSVWriter(w, UTF8BOM) }))
}

func BenchmarkReadCSV100kShiftJIS(b *testing.B) {
	benchRead(b, bigFile(b, func(w io.Writer) (Writer, error) { return NewCSVWriter(w, ShiftJIS) }))
}

func BenchmarkReadXLSX100k(b *testing.B) {
	benchRead(b, bigFile(b, func(w io.Writer) (Writer, error) { return NewXLSXWriter(w, "") }))
}

func benchWrite(b *testing.B, newW func(io.Writer) (Writer, error)) {
	rows := make([][]string, bigRows)
	for i := range rows {
		rows[i] = bigRow(i + 1)
	}
	b.ReportAllocs()
	iters := 0
	for b.Loop() {
		w, err := newW(io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.WriteRow(bigHeader); err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if err := w.WriteRow(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		iters++
	}
	b.ReportMetric(float64(iters*bigRows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkWriteXLSX100k(b *testing.B) {
	benchWrite(b, func(w io.Writer) (Writer, error) { return NewXLSXWriter(w, "") })
}

func BenchmarkWriteCSV100kShiftJIS(b *testing.B) {
	benchWrite(b, func(w io.Writer) (Writer, error) { return NewCSVWriter(w, ShiftJIS) })
}
