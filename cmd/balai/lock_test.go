package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai/internal/lockfile"
)

// syncBuffer is a bytes.Buffer safe for a server's logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A second balai serve on the same data directory stops at once with a clear message
// (it used to wait on the index's lock, or share the SQLite database's claims).
func TestSecondServeOnOneDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"TELEGRAM_BOT_TOKEN", "WHATSAPP_ENABLED", "WHATSAPP_CLOUD_TOKEN", "DATABASE_URL", "BALAI_FAQ_DIR"} {
		t.Setenv(k, "")
	}
	t.Setenv("BALAI_DATA_DIR", dir)
	t.Setenv("BALAI_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("BALAI_RELOAD_INTERVAL", "0")
	ctx, cancel := context.WithCancel(context.Background())
	var firstLog syncBuffer
	first := make(chan int, 1)
	go func() { first <- runServe(ctx, nil, &firstLog, &firstLog) }()
	defer func() {
		cancel()
		select {
		case <-first:
		case <-time.After(30 * time.Second):
			t.Error("the first server did not stop")
		}
	}()
	// Wait until the first server holds the data directory and its database.
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(firstLog.String(), "Store ready") {
		if time.Now().After(deadline) {
			t.Fatalf("the first server did not start:\n%s", firstLog.String())
		}
		select {
		case code := <-first:
			t.Fatalf("the first server stopped (%d):\n%s", code, firstLog.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if l, err := lockfile.Lock(filepath.Join(dir, "balai.db.lock")); err == nil {
		l.Close()
		t.Fatal("the SQLite database is not locked by the running server")
	}

	var secondLog syncBuffer
	sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer scancel()
	if code := runServe(sctx, nil, &secondLog, &secondLog); code == exitOK || sctx.Err() != nil {
		t.Fatalf("second server: exit %d (context %v), want refused at once:\n%s", code, sctx.Err(), secondLog.String())
	}
	if !strings.Contains(secondLog.String(), "is in use") {
		t.Errorf("second server's message does not say the data directory is in use:\n%s", secondLog.String())
	}
}
