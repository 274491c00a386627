//go:build !unix

package main

import (
	"errors"
	"fmt"
)

// statDisk is not available here: the disk part of /healthz says unknown.
func statDisk(path string) (diskSpace, error) {
	return diskSpace{}, fmt.Errorf("statfs %s: %w", path, errors.ErrUnsupported)
}
