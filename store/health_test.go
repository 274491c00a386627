package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestProbeWriteAndBacklog: the write probe writes (and fails on a closed database); the
// backlog counts unhandled messages and undelivered replies with the time of the oldest of
// each, and forgets them once handled and delivered.
func TestProbeWriteAndBacklog(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testProbeWriteAndBacklog(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testProbeWriteAndBacklog(t, storetest.Postgres(t)) })
}

func testProbeWriteAndBacklog(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	start := time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC)
	c := storetest.NewClock(start)
	db := open(t, "health", store.Options{Owner: "a", Now: c.Now})
	other := open(t, "health", store.Options{Owner: "b", Now: c.Now})
	for _, d := range []*store.DB{db, db, other} { // a second probe of one process updates its row
		if err := d.ProbeWrite(ctx); err != nil {
			t.Fatal(err)
		}
	}
	probes := func() int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM health_probe`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := probes(); n != 2 {
		t.Errorf("probe rows = %d, want one per process", n)
	}
	c.Add(25 * time.Hour) // b stopped a day ago: a's next probe deletes its row
	if err := db.ProbeWrite(ctx); err != nil {
		t.Fatal(err)
	}
	if n := probes(); n != 1 {
		t.Errorf("probe rows after a day = %d, want 1", n)
	}

	b, err := db.Backlog(ctx)
	if err != nil || b != (store.Backlog{}) {
		t.Fatalf("empty backlog = %+v, %v", b, err)
	}
	chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
	first := c.Now()
	stored, _, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: "1", Kind: bot.KindText, Text: "halo", Time: first}})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	if _, _, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: "2", Kind: bot.KindText, Text: "halo lagi", Time: c.Now()}}); err != nil {
		t.Fatal(err)
	}
	queued := c.Now()
	items, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "balasan"}, {Chat: chat, Kind: bot.OutMessage, Text: "kedua"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err = db.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Inbound != 2 || !b.OldestInbound.Equal(first) || b.Outbox != 2 || !b.OldestOutbox.Equal(queued) {
		t.Errorf("backlog = %+v, want 2 messages since %v and 2 deliveries since %v", b, first, queued)
	}
	// A failed delivery waiting for its retry still counts; a delivered one does not.
	if err := db.MarkFailed(ctx, items[0].ID, "500", false, c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSent(ctx, items[1].ID, "x", c.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(ctx, bot.Turn{Inbound: stored[0]}); err != nil {
		t.Fatal(err)
	}
	b, err = db.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Inbound != 1 || b.OldestInbound.Equal(first) || b.Outbox != 1 || !b.OldestOutbox.Equal(queued) {
		t.Errorf("backlog after handling one and delivering one = %+v", b)
	}

	db.Close()
	if err := db.ProbeWrite(ctx); err == nil {
		t.Error("write probe on a closed database succeeded")
	}
}
