// Package e2e holds browser tests: the real application started in-process
// on each database engine and driven through headless Chromium, the way an
// office worker would use it.
//
// The tests need Chromium (MAMORI_CHROMIUM, else /usr/bin/chromium). Without
// it they are skipped locally and fail under CI. PostgreSQL comes from
// MAMORI_TEST_POSTGRES as for every storage test (see internal/dbtest).
// Set MAMORI_SCREENSHOTS to a folder to keep full-page screenshots of the
// key steps:
//
//	MAMORI_SCREENSHOTS=/tmp/e2e-shots go test ./internal/e2e -v -count=1
//
// The package has no code besides its tests.
package e2e
