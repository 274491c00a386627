package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/internal/lockfile"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

func TestInstanceNamesAreUniquePerProcessStart(t *testing.T) {
	a, b := store.InstanceName("balai-1"), store.InstanceName("balai-1")
	if a == b {
		t.Fatalf("two instances configured with one name share %q: they would take each other's work", a)
	}
	if !strings.HasPrefix(a, "balai-1-") {
		t.Errorf("InstanceName = %q, want the configured name first", a)
	}
	if store.InstanceName("") == "" {
		t.Error("empty instance name without configuration")
	}
}

// An Exclusive SQLite store is the only process: a second one is refused, and a restart
// takes over at once what the stopped process had claimed.
func TestExclusiveSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "balai.db")
	c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))

	// A process that stopped (kill -9) with a message and a reply claimed for an hour.
	dead, err := store.Open(ctx, path, store.Options{Owner: "dead", Lease: time.Hour, Now: c.Now, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, path, store.Options{Owner: "second", Exclusive: true}); !errors.Is(err, lockfile.ErrHeld) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a second process on the same SQLite database: err = %v, want it refused", err)
	}
	chat := balai.ChatRef{Channel: balai.Telegram, ID: "1"}
	if _, _, err := dead.Accept(ctx, []bot.Inbound{{Chat: chat, Key: "1", Kind: bot.KindText, Text: "halo"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Enqueue(ctx, []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "balasan"}}); err != nil {
		t.Fatal(err)
	}
	dead.Close()

	// Without Exclusive a new name waits for the claims to lapse...
	other, err := store.Open(ctx, path, store.Options{Owner: "other", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := other.Pending(ctx); len(p) != 0 {
		t.Fatalf("a non-exclusive process took %d live claims", len(p))
	}
	other.Close()

	// ...an Exclusive restart takes them at once, the clock not moved.
	restarted, err := store.Open(ctx, path, store.Options{Owner: "restarted", Now: c.Now, Exclusive: true})
	if err != nil {
		t.Fatalf("restart after the first process closed: %v", err)
	}
	defer restarted.Close()
	pending, err := restarted.Pending(ctx)
	if err != nil || len(pending) != 1 {
		t.Fatalf("restart took %d messages (%v), want the 1 left claimed", len(pending), err)
	}
	unsent, err := restarted.Unsent(ctx)
	if err != nil || len(unsent) != 1 || unsent[0].Text != "balasan" {
		t.Fatalf("restart took %+v (%v), want the reply left claimed", unsent, err)
	}
}
