package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestPostOnce: processes sharing a database race to post the same notice; exactly one
// queues it, a later call (a restart) queues nothing, and another key posts again.
func TestPostOnce(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testPostOnce(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testPostOnce(t, storetest.Postgres(t)) })
}

func testPostOnce(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC))
	a := open(t, "once", store.Options{Owner: "a", Now: c.Now})
	b := open(t, "once", store.Options{Owner: "b", Now: c.Now})
	notice := []bot.Outgoing{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "-100"}, Kind: bot.OutMessage, Text: "pemberitahuan"}}
	var mu sync.Mutex
	var firsts, queued int
	var wg sync.WaitGroup
	for i := range 16 {
		db := []*store.DB{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			items, first, err := db.PostOnce(ctx, "faq_review:2030-03-14", notice)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if first {
				firsts++
			}
			queued += len(items)
		}()
	}
	wg.Wait()
	if firsts != 1 || queued != 1 {
		t.Fatalf("%d callers posted %d items, want one and one", firsts, queued)
	}
	if items, first, err := a.PostOnce(ctx, "faq_review:2030-03-14", notice); err != nil || first || len(items) != 0 {
		t.Fatalf("posted again: %v %v %v", items, first, err)
	}
	if _, first, err := b.PostOnce(ctx, "faq_review:2030-03-15", notice); err != nil || !first {
		t.Fatalf("next key not posted: %v %v", first, err)
	}
	c.Add(time.Hour) // past the enqueuers' claims: every pending item is visible
	pending, err := a.Unsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 {
		t.Errorf("outbox holds %d items, want 2 (one per key)", len(pending))
	}
}
