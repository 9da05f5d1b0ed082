// Package auth owns sign-in: password hashing and rules, lockout, TOTP MFA
// with recovery codes, server-side sessions and API tokens.
//
// Secrets never reach storage or the trail in a form that can be replayed:
// passwords are stored as argon2id hashes, session ids, API tokens and
// recovery codes as SHA-256 hashes of high-entropy random values. Only the
// TOTP secret is stored as it is, because the server must compute codes
// from it.
package auth
