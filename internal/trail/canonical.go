package trail

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// appendCanonical appends the canonical form of an entry that Hash hashes:
// fixed field order, one field per line, text quoted as strconv.Quote
// quotes it, so no field can bleed into another.
func appendCanonical(b []byte, prev string, e *Entry) []byte {
	b = append(b, prev...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, e.OrgID, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, e.At, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, e.ActorID, 10)
	for _, s := range [...]string{e.ActorName, string(e.Action), e.Entity, e.EntityID, e.Before, e.After, e.RequestID, e.ClientAddr} {
		b = append(b, '\n')
		b = appendQuoted(b, s)
	}
	return b
}

// hashMatches reports whether the entry's stored hash is the hash of its
// content after prev, reusing buf; it returns the buffer for the next call.
func hashMatches(buf []byte, prev string, e *Entry) (bool, []byte) {
	buf = appendCanonical(buf[:0], prev, e)
	sum := sha256.Sum256(buf)
	var hexSum [sha256.Size * 2]byte
	hex.Encode(hexSum[:], sum[:])
	return string(hexSum[:]) == e.Hash, buf
}

// appendQuoted is strconv.AppendQuote, byte for byte, made fast for the
// text a trail holds: Japanese, which strconv checks rune by rune against
// its printable tables. A string holding only printable runes (looked up
// in a table of the Basic Multilingual Plane built once from
// strconv.IsPrint) and no quote, backslash or control character is quoted
// as it is; anything else goes to strconv.
func appendQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
				return strconv.AppendQuote(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r > 0xFFFF || bmpPrintable[r>>6]&(1<<(r&63)) == 0 {
			return strconv.AppendQuote(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// bmpPrintable has a bit set for each rune of the Basic Multilingual Plane
// that strconv.IsPrint accepts.
var bmpPrintable = func() *[1024]uint64 {
	var t [1024]uint64
	for r := rune(0); r <= 0xFFFF; r++ {
		if strconv.IsPrint(r) {
			t[r>>6] |= 1 << (r & 63)
		}
	}
	return &t
}()
