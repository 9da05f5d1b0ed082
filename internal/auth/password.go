package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters from the OWASP Password Storage Cheat Sheet: 19 MiB,
// two passes, one lane. Changing them makes NeedsRehash true for older
// hashes, which are then upgraded at the next successful sign-in.
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on parameters read back from a stored hash: the hash column is
// trusted less than the code, and a corrupted or planted value must not be
// able to make one verification take gigabytes or minutes.
const (
	maxArgonMemory  = 64 * 1024 // KiB
	maxArgonTime    = 10
	maxArgonThreads = 16
)

// Passphrase rules. The minimum follows NIST SP 800-63B's advice to favour
// length over composition rules; the maximum bounds hashing cost.
const (
	MinPasswordRunes = 12
	MaxPasswordBytes = 256
)

// Message keys returned by CheckPassphrase.
const (
	KeyPasswordTooShort      = "password.too_short"
	KeyPasswordTooLong       = "password.too_long"
	KeyPasswordCommon        = "password.common"
	KeyPasswordContainsLogin = "password.contains_login"
	KeyPasswordContainsName  = "password.contains_name"
	KeyPasswordInvalidUTF8   = "password.invalid_utf8"
)

var phc = base64.RawStdEncoding

// HashPassword returns an argon2id hash in PHC string form with a fresh
// random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("cannot make password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, phc.EncodeToString(salt), phc.EncodeToString(key)), nil
}

type argonHash struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// parseHash reads a PHC argon2id string, refusing anything outside the
// bounds above rather than passing it to argon2.
func parseHash(s string) (argonHash, bool) {
	var h argonHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, false
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, false
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return h, false
	}
	m, ok1 := param(params[0], "m=", 8, maxArgonMemory)
	t, ok2 := param(params[1], "t=", 1, maxArgonTime)
	p, ok3 := param(params[2], "p=", 1, maxArgonThreads)
	if !ok1 || !ok2 || !ok3 || m < 8*p {
		return h, false
	}
	salt, err := phc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return h, false
	}
	key, err := phc.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return h, false
	}
	h.memory, h.time, h.threads, h.salt, h.key = uint32(m), uint32(t), uint8(p), salt, key
	return h, true
}

func param(s, prefix string, lo, hi uint64) (uint64, bool) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// VerifyPassword reports whether pw matches a hash made by HashPassword. A
// malformed hash never matches.
func VerifyPassword(hash, pw string) bool {
	h, ok := parseHash(hash)
	if !ok {
		return false
	}
	key := argon2.IDKey([]byte(pw), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// NeedsRehash reports whether a stored hash was made with other parameters
// than the current ones, so it can be replaced while the password is known.
func NeedsRehash(hash string) bool {
	h, ok := parseHash(hash)
	return !ok || h.memory != argonMemory || h.time != argonTime || h.threads != argonThreads ||
		len(h.salt) != argonSaltLen || len(h.key) != argonKeyLen
}

// dummyHash is verified against when a login does not exist, so that an
// unknown login costs as much time as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("mamori-timing-equaliser")
	if err != nil {
		// Without randomness nothing else in sign-in works either; a fixed
		// salt keeps the timing equal regardless.
		key := argon2.IDKey([]byte("x"), make([]byte, argonSaltLen), argonTime, argonMemory, argonThreads, argonKeyLen)
		return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
			phc.EncodeToString(make([]byte, argonSaltLen)), phc.EncodeToString(key))
	}
	return h
})

//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords holds the embedded list in normalised form, built on
// first use so programs that never check a password do not pay for it.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[normalisePassphrase(line)] = struct{}{}
	}
	return m
})

// normalisePassphrase folds case and drops white space, so "Correct Horse
// Battery Staple" is caught by the entry "correcthorsebatterystaple".
func normalisePassphrase(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// IsCommonPassword reports whether pw is on the embedded list.
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[normalisePassphrase(pw)]
	return ok
}

// CheckPassphrase applies the passphrase rules for the account with the
// given login and person name. It returns nil or an *InputError whose Key
// names the first rule broken.
func CheckPassphrase(pw, login, name string) error {
	bad := func(key string) error { return &InputError{Field: "password", MsgKey: key} }
	if !utf8.ValidString(pw) {
		return bad(KeyPasswordInvalidUTF8)
	}
	if len(pw) > MaxPasswordBytes {
		return bad(KeyPasswordTooLong)
	}
	if utf8.RuneCountInString(pw) < MinPasswordRunes {
		return bad(KeyPasswordTooShort)
	}
	lower := strings.ToLower(pw)
	if l := strings.ToLower(strings.TrimSpace(login)); l != "" && strings.Contains(lower, l) {
		return bad(KeyPasswordContainsLogin)
	}
	if containsName(normalisePassphrase(pw), name) {
		return bad(KeyPasswordContainsName)
	}
	if IsCommonPassword(pw) {
		return bad(KeyPasswordCommon)
	}
	return nil
}

// containsName looks for the whole name and each part of it. Parts shorter
// than three characters are skipped: two-kanji family names such as 山田
// would otherwise forbid too much and add little.
func containsName(normPW, name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	parts := strings.Fields(strings.ToLower(name))
	if len(parts) > 1 {
		parts = append(parts, strings.Join(parts, ""))
	}
	for _, p := range parts {
		if utf8.RuneCountInString(p) >= 3 && strings.Contains(normPW, p) {
			return true
		}
	}
	return false
}

// passwordAlphabet leaves out characters that are easily confused when a
// generated password is read aloud or copied from paper: 0/O/o, 1/l/I/i.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratedPasswordLength gives about 114 bits from the 55-letter alphabet.
const GeneratedPasswordLength = 20

// GeneratePassword returns a random password for first sign-in or an
// administrator's reset.
func GeneratePassword() string {
	return randomString(passwordAlphabet, GeneratedPasswordLength)
}

// randomString draws n characters uniformly from alphabet.
func randomString(alphabet string, n int) string {
	max := big.NewInt(int64(len(alphabet)))
	b := make([]byte, n)
	for i := range b {
		// crypto/rand.Int rejects out-of-range values, so there is no
		// modulo bias; it only fails when the system has no randomness, in
		// which case nothing safe can be returned.
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("auth: no randomness: %v", err))
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
