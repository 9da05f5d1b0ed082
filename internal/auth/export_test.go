package auth

import "golang.org/x/crypto/argon2"

// WeakHashForTest makes a hash with older, weaker parameters.
func WeakHashForTest(pw string) string {
	salt := []byte("saltsaltsaltsalt")
	key := argon2.IDKey([]byte(pw), salt, 1, 8192, 1, argonKeyLen)
	return "$argon2id$v=19$m=8192,t=1,p=1$" + phc.EncodeToString(salt) + "$" + phc.EncodeToString(key)
}
