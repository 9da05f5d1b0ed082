package org

import "testing"

// Cursors come back from browsers and API clients: decoding must never
// panic, and a cursor we made must decode to what we put in.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor("やまだ たろう", 42))
	f.Add("")
	f.Add("!!!")
	f.Add("AAAA")
	f.Add(encodeCursor("", 0))
	f.Fuzz(func(t *testing.T, c string) {
		kana, id, err := decodeCursor(c)
		if err != nil {
			return
		}
		if k2, id2, err := decodeCursor(encodeCursor(kana, id)); err != nil || k2 != kana || id2 != id {
			t.Fatalf("round trip of %q: %q %d %v", c, k2, id2, err)
		}
	})
}
