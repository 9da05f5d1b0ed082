// Package wareki formats dates as Japanese offices read them: 和暦.
//
// Format gives "令和7年4月1日" (and "令和元年5月1日" for the first year of an
// era), FormatDateTime adds the time of day ("令和7年4月1日 9:05"), and Parse
// reads back what people type into a date field: the 和暦 form, the short
// form used on paper forms ("R7.4.1", "H28.4.1"), 西暦 ("2025年4月1日") and
// ISO 8601 ("2025-04-01"), with full-width digits and letters accepted.
//
// Everything is in Japan time: Format and FormatDateTime convert the instant
// to Asia/Tokyo before reading its date, and Parse returns midnight in
// Asia/Tokyo. So a time stored in UTC shows the date a person in the office
// saw on the calendar, and Format(Parse(s)) names the same day as s.
package wareki

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the server may run on a machine without tzdata
	"unicode"
)

// Location is Japan time (Asia/Tokyo). Japan has had no daylight saving time
// since 1951, so the fixed UTC+9 fallback only differs for older instants.
var Location = loadTokyo()

func loadTokyo() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*60*60)
}

// era is one Japanese era: its name, the letter used in short forms and
// the day (in Japan) it began.
type era struct {
	name   string
	letter byte
	year   int // Gregorian year, month and day of its first day
	month  time.Month
	day    int
}

// eras lists the modern eras, oldest first. 明治 counts from 1868-01-25 (慶応4年
// 1月1日 in the old calendar), since the change of era was made retroactive to
// the start of that year; the others begin on the day after the last day of
// the previous one.
var eras = []era{
	{"明治", 'M', 1868, time.January, 25},
	{"大正", 'T', 1912, time.July, 30},
	{"昭和", 'S', 1926, time.December, 25},
	{"平成", 'H', 1989, time.January, 8},
	{"令和", 'R', 2019, time.May, 1},
}

// after reports whether the date y-m-d is on or after the first day of e.
func (e era) after(y int, m time.Month, d int) bool {
	return y > e.year || y == e.year && (m > e.month || m == e.month && d >= e.day)
}

// eraOf returns the index of the era y-m-d falls in, or -1 before 明治.
func eraOf(y int, m time.Month, d int) int {
	for i := len(eras) - 1; i >= 0; i-- {
		if eras[i].after(y, m, d) {
			return i
		}
	}
	return -1
}

// Format returns the date of t in Japan as 和暦, for example "令和7年4月1日".
// The first year of an era is written 元年: "令和元年5月1日". Dates before
// 明治 (1868-01-25) have no 和暦 here and are written with the Gregorian
// year, as "1867年12月31日".
func Format(t time.Time) string {
	y, m, d := t.In(Location).Date()
	i := eraOf(y, m, d)
	if i < 0 {
		return fmt.Sprintf("%d年%d月%d日", y, int(m), d)
	}
	ey := y - eras[i].year + 1
	year := "元"
	if ey != 1 {
		year = strconv.Itoa(ey)
	}
	return fmt.Sprintf("%s%s年%d月%d日", eras[i].name, year, int(m), d)
}

// FormatDateTime returns the date and time of t in Japan, for example
// "令和7年4月1日 9:05" (24-hour clock, hour without a leading zero).
func FormatDateTime(t time.Time) string {
	lt := t.In(Location)
	return fmt.Sprintf("%s %d:%02d", Format(lt), lt.Hour(), lt.Minute())
}

// ErrSyntax is returned (wrapped) by Parse when the text is in none of the
// forms it reads; ErrRange when it is, but names no such day: "2月30日",
// "平成32年" (平成 ended in its 31st year), or a day before 明治.
var (
	ErrSyntax = errors.New("wareki: not a date")
	ErrRange  = errors.New("wareki: no such date")
)

// Parse reads a date and returns midnight of that day in Japan time. It
// accepts
//
//	令和7年4月1日   令和元年5月1日   平成28年4月1日
//	R7.4.1   H28.4.1   r7/4/1   R07-04-01
//	2025年4月1日   2025-04-01   2025/4/1
//
// with the eras 明治 (M), 大正 (T), 昭和 (S), 平成 (H) and 令和 (R).
// Full-width digits, letters and punctuation ("令和７年４月１日", "Ｒ７．４．１")
// are read as their ASCII forms, and spaces anywhere are ignored. A 和暦
// date must fall within its era: "平成31年5月1日" is refused, since that day
// is 令和元年5月1日. Dates before 明治 and after the year 9999 are refused.
func Parse(s string) (time.Time, error) {
	n := normalise(s)
	y, m, d, err := parse(n)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", err, s)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, Location), nil
}

// normalise maps full-width ASCII to ASCII and drops white space.
func normalise(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '！' && r <= '～': // U+FF01..U+FF5E: full-width ASCII
			r -= '！' - '!'
		case r == '．' || r == '。':
			r = '.'
		case r == '－' || r == '‐' || r == '―' || r == '−' || r == 'ー':
			r = '-'
		}
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func parse(s string) (y int, m time.Month, d int, err error) {
	if e, rest, ok := eraPrefix(s); ok {
		ey, rest, ok := number(rest, 4, true)
		if !ok || ey < 1 {
			return 0, 0, 0, ErrSyntax
		}
		mm, dd, ok := monthDay(rest)
		if !ok {
			return 0, 0, 0, ErrSyntax
		}
		y = eras[e].year + ey - 1
		if !valid(y, mm, dd) || eraOf(y, time.Month(mm), dd) != e {
			return 0, 0, 0, ErrRange
		}
		return y, time.Month(mm), dd, nil
	}
	if len(s) < 4 || !isDigits(s[:4]) {
		return 0, 0, 0, ErrSyntax
	}
	y, _ = strconv.Atoi(s[:4])
	mm, dd, ok := monthDay(s[4:])
	if !ok {
		return 0, 0, 0, ErrSyntax
	}
	if !valid(y, mm, dd) || eraOf(y, time.Month(mm), dd) < 0 {
		return 0, 0, 0, ErrRange
	}
	return y, time.Month(mm), dd, nil
}

// eraPrefix reads an era name or letter at the start of s.
func eraPrefix(s string) (int, string, bool) {
	for i, e := range eras {
		if rest, ok := strings.CutPrefix(s, e.name); ok {
			return i, rest, true
		}
	}
	if s == "" {
		return 0, "", false
	}
	c := s[0]
	if 'a' <= c && c <= 'z' {
		c -= 'a' - 'A'
	}
	for i, e := range eras {
		if c == e.letter {
			return i, s[1:], true
		}
	}
	return 0, "", false
}

// monthDay reads "年M月D日" or, after the same separator twice, ".M.D",
// "/M/D" or "-M-D", and nothing after it.
func monthDay(s string) (int, int, bool) {
	if rest, ok := strings.CutPrefix(s, "年"); ok {
		m, rest, ok := number(rest, 2, false)
		if !ok {
			return 0, 0, false
		}
		if rest, ok = strings.CutPrefix(rest, "月"); !ok {
			return 0, 0, false
		}
		d, rest, ok := number(rest, 2, false)
		if !ok || rest != "日" {
			return 0, 0, false
		}
		return m, d, true
	}
	if s == "" || (s[0] != '.' && s[0] != '/' && s[0] != '-') {
		return 0, 0, false
	}
	sep := s[:1]
	m, rest, ok := number(s[1:], 2, false)
	if !ok {
		return 0, 0, false
	}
	if rest, ok = strings.CutPrefix(rest, sep); !ok {
		return 0, 0, false
	}
	d, rest, ok := number(rest, 2, false)
	if !ok || rest != "" {
		return 0, 0, false
	}
	return m, d, true
}

// number reads 1 to max ASCII digits (or 元, meaning 1, when gannen is set).
func number(s string, max int, gannen bool) (int, string, bool) {
	if gannen {
		if rest, ok := strings.CutPrefix(s, "元"); ok {
			return 1, rest, true
		}
	}
	i := 0
	for i < len(s) && i < max && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == 0 || (i < len(s) && '0' <= s[i] && s[i] <= '9') {
		return 0, s, false
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:], true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// valid reports whether y-m-d is a day of the Gregorian calendar within the
// years 1 to 9999.
func valid(y, m, d int) bool {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
