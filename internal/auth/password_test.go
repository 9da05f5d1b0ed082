package auth_test

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"mamori/internal/auth"
)

func TestHashAndVerifyPassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, pw string
	}{
		{"ascii", "correct-bucket-mountain-7"},
		{"japanese", "情報セキュリティ方針を守る"},
		{"empty", ""},
		{"max length", strings.Repeat("a", auth.MaxPasswordBytes)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, err := auth.HashPassword(c.pw)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
				t.Fatalf("hash not in PHC argon2id form with OWASP parameters: %s", h)
			}
			if !auth.VerifyPassword(h, c.pw) {
				t.Error("right password refused")
			}
			if auth.VerifyPassword(h, c.pw+"x") {
				t.Error("wrong password accepted")
			}
			if auth.NeedsRehash(h) {
				t.Error("fresh hash reported as needing rehash")
			}
			h2, _ := auth.HashPassword(c.pw)
			if h == h2 {
				t.Error("two hashes of one password are equal: salt not random")
			}
		})
	}
}

func TestVerifyPasswordRefusesMalformedHashes(t *testing.T) {
	t.Parallel()
	good, err := auth.HashPassword("a fine passphrase")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	cases := map[string]string{
		"empty":            "",
		"plain text":       "a fine passphrase",
		"argon2i":          strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":      strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":      strings.Replace(good, "m=19456", "m=4194304", 1),
		"zero time":        strings.Replace(good, "t=2", "t=0", 1),
		"zero threads":     strings.Replace(good, "p=1", "p=0", 1),
		"leading zero":     strings.Replace(good, "t=2", "t=02", 1),
		"bad salt":         strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"short key":        strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing key":      strings.Join(parts[:5], "$"),
		"extra field":      good + "$x",
		"params reordered": strings.Replace(good, "m=19456,t=2,p=1", "t=2,m=19456,p=1", 1),
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if auth.VerifyPassword(h, "a fine passphrase") {
				t.Errorf("accepted %q", h)
			}
			if !auth.NeedsRehash(h) {
				t.Errorf("malformed hash %q not flagged for rehash", h)
			}
		})
	}
}

func TestCheckPassphrase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, pw, login, person, want string
	}{
		{"good", "blue-kettle-under-rain", "yamada.taro", "山田 太郎", ""},
		{"good japanese", "春の小川はさらさら行くよ", "yamada.taro", "山田 太郎", ""},
		{"exactly 12 runes", "kettle-rain7", "abc", "", ""},
		{"11 runes", "kettle-rai7", "abc", "", auth.KeyPasswordTooShort},
		{"12 kana is long enough", "あいうえおかきくけこさし", "abc", "", ""},
		{"too short", "short", "abc", "", auth.KeyPasswordTooShort},
		{"empty", "", "abc", "", auth.KeyPasswordTooShort},
		{"too long", strings.Repeat("x", 257), "abc", "", auth.KeyPasswordTooLong},
		{"256 bytes is fine", strings.Repeat("xy", 128), "abc", "", ""},
		{"invalid utf8", "abcdefghijkl\xff", "abc", "", auth.KeyPasswordInvalidUTF8},
		{"common", "password1234", "abc", "", auth.KeyPasswordCommon},
		{"common any case", "PassWord1234", "abc", "", auth.KeyPasswordCommon},
		{"common keyboard", "qwertyuiop12", "abc", "", auth.KeyPasswordCommon},
		{"common romaji", "sakura123456", "abc", "", auth.KeyPasswordCommon},
		{"common phrase with spaces", "Correct Horse Battery Staple", "abc", "", auth.KeyPasswordCommon},
		{"not on the list", "reiwa2024reiwa", "abc", "", ""},
		{"contains login", "xx-yamada.taro-2024", "yamada.taro", "", auth.KeyPasswordContainsLogin},
		{"contains login any case", "XXYAMADA.TAROXX", "yamada.taro", "", auth.KeyPasswordContainsLogin},
		{"contains romaji name", "taroyamada-kettle", "t.y", "Taro Yamada", auth.KeyPasswordContainsName},
		{"contains name part", "my-yamada-kettle", "t.y", "Taro Yamada", auth.KeyPasswordContainsName},
		{"whole name joined", "山田太郎のやかんと雨が降る", "t.y", "山田 太郎", auth.KeyPasswordContainsName},
		{"two-kanji part alone is allowed", "山田のやかんと雨が降る午後", "t.y", "山田 太郎", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := auth.CheckPassphrase(c.pw, c.login, c.person)
			if c.want == "" {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				return
			}
			var ie *auth.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("want %s, got %v", c.want, err)
			}
			if ie.Key() != c.want || ie.Field != "password" {
				t.Fatalf("want %s, got %s (field %s)", c.want, ie.Key(), ie.Field)
			}
		})
	}
}

func TestCommonPasswordList(t *testing.T) {
	t.Parallel()
	f, err := os.Open("common-passwords.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		if line != strings.ToLower(line) || !utf8.ValidString(line) {
			t.Errorf("entry %q must be lower-case UTF-8", line)
		}
		if !auth.IsCommonPassword(strings.ToUpper(line)) {
			t.Errorf("entry %q not recognised", line)
		}
	}
	if n < 2000 {
		t.Errorf("only %d common passwords; want at least 2000", n)
	}
	for _, pw := range []string{"password1234", "qwertyuiop12", "1qaz2wsx3edc", "doraemon1234", "arigatou1234", "kanrisha1234"} {
		if !auth.IsCommonPassword(pw) {
			t.Errorf("%q should be on the list", pw)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		pw := auth.GeneratePassword()
		if len(pw) != auth.GeneratedPasswordLength {
			t.Fatalf("length %d: %q", len(pw), pw)
		}
		if strings.ContainsAny(pw, "0O1lIio") {
			t.Fatalf("ambiguous character in %q", pw)
		}
		if err := auth.CheckPassphrase(pw, "someone", "Some One"); err != nil {
			t.Fatalf("generated password %q fails the rules: %v", pw, err)
		}
		if seen[pw] {
			t.Fatalf("repeated password %q", pw)
		}
		seen[pw] = true
	}
}
