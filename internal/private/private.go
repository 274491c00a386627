// Package private keeps files that hold citizens' data readable by Balai's user only:
// directories 0700, files 0600 (UU 27/2022).
package private

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Modes of private directories and files.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// Dir creates dir (and its parents) as 0700, or tightens it to 0700 when group or others may
// use it. It returns the mode it had when it tightened it, or 0.
func Dir(dir string) (was fs.FileMode, err error) {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return 0, fmt.Errorf("private dir %s: %w", dir, err)
	}
	return tighten(dir, DirMode)
}

// File creates path empty as 0600 if it does not exist, or tightens it to 0600 when group or
// others may read it. It returns the mode it had when it tightened it, or 0.
func File(path string) (was fs.FileMode, err error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, FileMode)
	if err != nil {
		return 0, fmt.Errorf("private file %s: %w", path, err)
	}
	f.Close()
	return tighten(path, FileMode)
}

// Existing tightens path to 0600 if it exists; it is File for files another program creates
// (SQLite's -wal and -shm).
func Existing(path string) (was fs.FileMode, err error) {
	was, err = tighten(path, FileMode)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	return was, err
}

func tighten(path string, mode fs.FileMode) (fs.FileMode, error) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	perm := info.Mode().Perm()
	if perm&^mode == 0 {
		return 0, nil
	}
	if err := os.Chmod(path, perm&mode); err != nil {
		return 0, fmt.Errorf("private %s: %w", path, err)
	}
	return perm, nil
}
