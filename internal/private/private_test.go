package private_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/balai-id/balai/internal/private"
)

func perm(t *testing.T, p string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestDir(t *testing.T) {
	base := t.TempDir()
	tests := []struct {
		name    string
		before  fs.FileMode // 0: does not exist
		wantWas fs.FileMode
	}{
		{"created", 0, 0},
		{"world-readable tightened", 0o755, 0o755},
		{"group-writable tightened", 0o770, 0o770},
		{"private kept", 0o700, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(base, tt.name, "data")
			if tt.before != 0 {
				os.MkdirAll(dir, 0o700)
				os.Chmod(dir, tt.before)
			}
			was, err := private.Dir(dir)
			if err != nil || was != tt.wantWas {
				t.Fatalf("Dir = %v, %v; want %v", was, err, tt.wantWas)
			}
			if got := perm(t, dir); got != 0o700 {
				t.Errorf("mode %v, want 0700", got)
			}
		})
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "balai.db")
	if was, err := private.File(p); err != nil || was != 0 || perm(t, p) != 0o600 {
		t.Fatalf("new file: %v %v %v", was, err, perm(t, p))
	}
	os.Chmod(p, 0o644)
	if was, err := private.File(p); err != nil || was != 0o644 || perm(t, p) != 0o600 {
		t.Fatalf("loose file: %v %v %v", was, err, perm(t, p))
	}
	if was, err := private.Existing(filepath.Join(dir, "balai.db-wal")); err != nil || was != 0 {
		t.Fatalf("missing file: %v %v", was, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "balai.db-wal")); err == nil {
		t.Error("Existing created a file")
	}
}
