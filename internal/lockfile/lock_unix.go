//go:build unix

// Package lockfile keeps one process at a time on a resource: an exclusive advisory lock on a
// file, held while the file stays open and released when the process ends, however it ends.
package lockfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// ErrHeld is returned by Lock while another process holds the lock.
var ErrHeld = errors.New("held by another balai process")

// Lock takes an exclusive lock on path (created if missing) for as long as the returned
// file stays open; it fails at once while another process holds it.
func Lock(path string) (io.Closer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrHeld)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
