package store_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
)

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// TestSQLiteFilesArePrivate: a new database, its folder and its -wal and -shm are readable by
// Balai's user only; a database left world-readable is tightened on open, with a log line.
func TestSQLiteFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "new", "data")
	path := filepath.Join(dir, "balai.db")
	db, err := store.Open(ctx, path, store.Options{Owner: "a"})
	if err != nil {
		t.Fatal(err)
	}
	// A write makes sure the WAL exists.
	if _, _, err := db.Accept(ctx, []bot.Inbound{{Chat: balai.ChatRef{Channel: balai.Web, ID: "s"}, Key: "1", Kind: bot.KindText, Text: "halo"}}); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("database folder %v, want 0700", got)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if got := mode(t, p); got != 0o600 {
			t.Errorf("%s: %v, want 0600", filepath.Base(p), got)
		}
	}
	db.Close()

	// An older Balai left the files 0644.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			os.Chmod(p, 0o644)
		}
	}
	var logs bytes.Buffer
	db, err = store.Open(ctx, path, store.Options{Owner: "a", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Stat(p); err == nil && mode(t, p) != 0o600 {
			t.Errorf("%s: %v after reopening, want 0600", filepath.Base(p), mode(t, p))
		}
	}
	if !strings.Contains(logs.String(), "Made a database file private") || !strings.Contains(logs.String(), "was=-rw-r--r--") {
		t.Errorf("no log line about the tightened file:\n%s", logs.String())
	}
}
