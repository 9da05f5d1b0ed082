package wareki

import (
	"errors"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, Location)
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{day(2025, 4, 1), "令和7年4月1日"},
		{day(2019, 5, 1), "令和元年5月1日"},
		{day(2019, 4, 30), "平成31年4月30日"},
		{day(2020, 1, 1), "令和2年1月1日"},
		{day(1989, 1, 7), "昭和64年1月7日"},
		{day(1989, 1, 8), "平成元年1月8日"},
		{day(2016, 4, 1), "平成28年4月1日"},
		{day(1926, 12, 24), "大正15年12月24日"},
		{day(1926, 12, 25), "昭和元年12月25日"},
		{day(1912, 7, 29), "明治45年7月29日"},
		{day(1912, 7, 30), "大正元年7月30日"},
		{day(1868, 1, 25), "明治元年1月25日"},
		{day(1873, 1, 1), "明治6年1月1日"},
		{day(1868, 1, 24), "1868年1月24日"},
		{day(1, 1, 1), "1年1月1日"},
		{day(9999, 12, 31), "令和7981年12月31日"},
		// Instants are read in Japan time: 15:00 UTC on 30 April 2019 is
		// already 1 May in Tokyo.
		{time.Date(2019, 4, 30, 15, 0, 0, 0, time.UTC), "令和元年5月1日"},
		{time.Date(2019, 4, 30, 14, 59, 59, 0, time.UTC), "平成31年4月30日"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatZeroTime(t *testing.T) {
	// Must not panic; the zero time is before 明治.
	if got := Format(time.Time{}); got == "" {
		t.Error("Format(time.Time{}) is empty")
	}
}

func TestFormatDateTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, 4, 1, 9, 5, 0, 0, Location), "令和7年4月1日 9:05"},
		{time.Date(2025, 4, 1, 0, 0, 0, 0, Location), "令和7年4月1日 0:00"},
		{time.Date(2025, 4, 1, 23, 59, 59, 0, Location), "令和7年4月1日 23:59"},
		{time.Date(2025, 4, 1, 0, 5, 0, 0, time.UTC), "令和7年4月1日 9:05"},
		{time.Date(2019, 4, 30, 15, 30, 0, 0, time.UTC), "令和元年5月1日 0:30"},
	}
	for _, tt := range tests {
		if got := FormatDateTime(tt.in); got != tt.want {
			t.Errorf("FormatDateTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLocation(t *testing.T) {
	_, off := time.Date(2025, 1, 1, 0, 0, 0, 0, Location).Zone()
	if off != 9*60*60 {
		t.Errorf("Location offset = %d, want %d", off, 9*60*60)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"令和7年4月1日", day(2025, 4, 1)},
		{"令和元年5月1日", day(2019, 5, 1)},
		{"令和1年5月1日", day(2019, 5, 1)},
		{"平成28年4月1日", day(2016, 4, 1)},
		{"平成31年4月30日", day(2019, 4, 30)},
		{"平成元年1月8日", day(1989, 1, 8)},
		{"昭和64年1月7日", day(1989, 1, 7)},
		{"大正15年12月24日", day(1926, 12, 24)},
		{"明治元年1月25日", day(1868, 1, 25)},
		{"R7.4.1", day(2025, 4, 1)},
		{"H28.4.1", day(2016, 4, 1)},
		{"h28.4.1", day(2016, 4, 1)},
		{"S64.1.7", day(1989, 1, 7)},
		{"T1.7.30", day(1912, 7, 30)},
		{"M45.7.29", day(1912, 7, 29)},
		{"R07.04.01", day(2025, 4, 1)},
		{"R7/4/1", day(2025, 4, 1)},
		{"R7-4-1", day(2025, 4, 1)},
		{"R元.5.1", day(2019, 5, 1)},
		{"令和7.4.1", day(2025, 4, 1)},
		{"2025-04-01", day(2025, 4, 1)},
		{"2025/4/1", day(2025, 4, 1)},
		{"2025.4.1", day(2025, 4, 1)},
		{"2025年4月1日", day(2025, 4, 1)},
		{"2024-02-29", day(2024, 2, 29)},
		{"1868-01-25", day(1868, 1, 25)},
		{"9999-12-31", day(9999, 12, 31)},
		// Full-width digits, letters and punctuation; spaces anywhere.
		{"令和７年４月１日", day(2025, 4, 1)},
		{"Ｒ７．４．１", day(2025, 4, 1)},
		{"２０２５－０４－０１", day(2025, 4, 1)},
		{"２０２５ー０４ー０１", day(2025, 4, 1)},
		{"  令和 7 年 4 月 1 日 ", day(2025, 4, 1)},
		{"令和　７年　４月　１日", day(2025, 4, 1)},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != Location {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"   ", ErrSyntax},
		{"令和", ErrSyntax},
		{"令和年4月1日", ErrSyntax},
		{"令和7年4月1", ErrSyntax},
		{"令和7年4月1日です", ErrSyntax},
		{"令和7年4月", ErrSyntax},
		{"令和0年5月1日", ErrSyntax},
		{"R7.4/1", ErrSyntax},
		{"R7.4.1.", ErrSyntax},
		{"R7.123.1", ErrSyntax},
		{"X7.4.1", ErrSyntax},
		{"7年4月1日", ErrSyntax},
		{"25-04-01", ErrSyntax},
		{"20250401", ErrSyntax},
		{"12025-04-01", ErrSyntax},
		{"2025-04-01T00:00:00Z", ErrSyntax},
		{"R12345.1.1", ErrSyntax},
		{"元年5月1日", ErrSyntax},
		{"2025年元月1日", ErrSyntax},
		{"\xff\xfe", ErrSyntax},
		{"令和7年2月29日", ErrRange},
		{"令和6年2月30日", ErrRange},
		{"2025-02-29", ErrRange},
		{"2025-13-01", ErrRange},
		{"2025-00-10", ErrRange},
		{"2025-04-00", ErrRange},
		{"2025-04-31", ErrRange},
		{"平成31年5月1日", ErrRange}, // that day is 令和元年5月1日
		{"平成32年1月1日", ErrRange},
		{"令和元年4月30日", ErrRange}, // still 平成
		{"昭和64年1月8日", ErrRange},
		{"平成元年1月7日", ErrRange},
		{"明治元年1月24日", ErrRange},
		{"明治46年1月1日", ErrRange},
		{"1868-01-24", ErrRange},
		{"0001-01-01", ErrRange},
		{"R7981.12.31", nil},
		{"R7982.1.1", ErrRange},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if tt.want == nil {
			if err != nil {
				t.Errorf("Parse(%q): %v", tt.in, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.want)
		}
	}
}

// Every day from 明治 to well past today formats to text Parse reads back.
// (Japan kept summer time from 1948 to 1951, so midnight did not exist on
// some days; compare dates, not instants.)
func TestRoundTrip(t *testing.T) {
	for i := 0; ; i++ {
		d := day(1868, 1, 25+i)
		if d.Year() >= 2100 {
			break
		}
		s := Format(d)
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(Format(%v) = %q): %v", d, s, err)
		}
		gy, gm, gd := got.Date()
		y, m, dd := d.Date()
		if gy != y || gm != m || gd != dd {
			t.Fatalf("Parse(Format(%v) = %q) = %v", d, s, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"令和7年4月1日", "令和元年5月1日", "R7.4.1", "H28.4.1", "平成28年4月1日",
		"2025-04-01", "令和７年４月１日", "Ｒ７．４．１", "昭和64年1月7日",
		"平成31年5月1日", "2025年4月1日", "R元.5.1", "", "令和", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("Parse(%q): unexpected error %v", s, err)
			}
			return
		}
		formatted := Format(got)
		again, err := Parse(formatted)
		if err != nil {
			t.Fatalf("Parse(%q) = %v, but Parse(Format = %q): %v", s, got, formatted, err)
		}
		if !again.Equal(got) {
			t.Fatalf("Parse(%q) = %v, but Parse(%q) = %v", s, got, formatted, again)
		}
		if y, _, _ := got.Date(); y < 1868 || y > 9999 {
			t.Fatalf("Parse(%q) = %v: year out of range", s, got)
		}
		_ = FormatDateTime(got)
	})
}
