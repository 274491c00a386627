//go:build !unix

package store

import "io"

// lockFile is a no-op where flock is not available: one process per SQLite database is then
// the operator's to ensure.
func lockFile(string) (io.Closer, error) { return io.NopCloser(nil), nil }
