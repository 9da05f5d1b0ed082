package auth_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"mamori/internal/auth"
)

func FuzzCheckPassphrase(f *testing.F) {
	f.Add("blue-kettle-under-rain", "yamada.taro", "山田 太郎")
	f.Add("password1234", "abc", "")
	f.Fuzz(func(t *testing.T, pw, login, name string) {
		err := auth.CheckPassphrase(pw, login, name)
		if err == nil {
			if !utf8.ValidString(pw) || len(pw) > auth.MaxPasswordBytes || utf8.RuneCountInString(pw) < auth.MinPasswordRunes {
				t.Fatalf("accepted %q", pw)
			}
			if l := strings.ToLower(strings.TrimSpace(login)); l != "" && strings.Contains(strings.ToLower(pw), l) {
				t.Fatalf("accepted %q containing login %q", pw, login)
			}
			if auth.IsCommonPassword(pw) {
				t.Fatalf("accepted common %q", pw)
			}
			return
		}
		var ie *auth.InputError
		if !errors.As(err, &ie) || !strings.HasPrefix(ie.Key(), "password.") {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func FuzzVerifyPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNoZmFrZWg", "pw")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		// Only the absence of a panic matters here: a hash read from
		// storage or an import can be anything.
		_ = auth.VerifyPassword(hash, pw)
		_ = auth.NeedsRehash(hash)
	})
}
