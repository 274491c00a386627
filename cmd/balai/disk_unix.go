//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// statDisk reads the free space of the file system holding path.
func statDisk(path string) (diskSpace, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return diskSpace{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	bs := uint64(st.Bsize)
	return diskSpace{Free: uint64(st.Bavail) * bs, Total: uint64(st.Blocks) * bs}, nil
}
