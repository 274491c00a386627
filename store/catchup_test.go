package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestCatchUpLeavesOutWhatItHolds: a catch-up (PendingExcept, UnsentExcept) lists what this
// process holds except what the engine reports it has, never takes another live process's
// work, and claims what lapsed — on both databases.
func TestCatchUpLeavesOutWhatItHolds(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			open := opener(t)
			a := open(t, "catchup", store.Options{Owner: "a", Lease: 10 * time.Second, Now: c.Now})
			b := open(t, "catchup", store.Options{Owner: "b", Lease: 10 * time.Second, Now: c.Now})
			chat := balai.ChatRef{Channel: balai.Telegram, ID: "7"}
			var in []bot.Inbound
			var out []bot.Outgoing
			for i := range 5 {
				in = append(in, bot.Inbound{Chat: chat, Key: fmt.Sprint(i), Kind: bot.KindText, Text: fmt.Sprint("tanya ", i)})
				out = append(out, bot.Outgoing{Chat: chat, Kind: bot.OutMessage, Text: fmt.Sprint("jawab ", i)})
			}
			stored, _, err := a.Accept(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			queued, err := a.Enqueue(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := a.Unsent(ctx); err != nil || len(got) != 5 {
				t.Fatalf("a's first catch-up of replies: %d, %v; want 5", len(got), err)
			}
			firstTwo := func(ids ...int64) func(int64) bool {
				return func(id int64) bool { return id == ids[0] || id == ids[1] }
			}
			all := func(int64) bool { return true }

			msgs, err := a.PendingExcept(ctx, firstTwo(stored[0].ID, stored[1].ID))
			if err != nil || len(msgs) != 3 || msgs[0].ID != stored[2].ID || msgs[0].Text != "tanya 2" || msgs[2].ID != stored[4].ID {
				t.Fatalf("a's catch-up knowing 2 of 5 messages: %+v, %v; want the other 3 in order", msgs, err)
			}
			if msgs, err := a.PendingExcept(ctx, all); err != nil || len(msgs) != 0 {
				t.Fatalf("a's catch-up knowing every message: %d, %v; want none", len(msgs), err)
			}
			if msgs, err := a.Pending(ctx); err != nil || len(msgs) != 5 {
				t.Fatalf("a's full catch-up: %d, %v; want its 5 messages", len(msgs), err)
			}
			items, err := a.UnsentExcept(ctx, firstTwo(queued[0].ID, queued[1].ID))
			if err != nil || len(items) != 3 || items[0].ID != queued[2].ID || items[0].Text != "jawab 2" {
				t.Fatalf("a's catch-up knowing 2 of 5 replies: %+v, %v; want the other 3 in order", items, err)
			}
			if items, err := a.UnsentExcept(ctx, all); err != nil || len(items) != 0 {
				t.Fatalf("a's catch-up knowing every reply: %d, %v; want none", len(items), err)
			}

			// b takes nothing while a is alive (a renews its claims)...
			c.Add(5 * time.Second)
			if err := a.RenewClaims(ctx); err != nil {
				t.Fatal(err)
			}
			c.Add(6 * time.Second)
			if msgs, err := b.PendingExcept(ctx, nil); err != nil || len(msgs) != 0 {
				t.Fatalf("b took %d of a's live messages (%v)", len(msgs), err)
			}
			if items, err := b.UnsentExcept(ctx, nil); err != nil || len(items) != 0 {
				t.Fatalf("b took %d of a's live replies (%v)", len(items), err)
			}
			// ...and everything once a's claims lapsed, even what b's engine would know.
			c.Add(11 * time.Second)
			if msgs, err := b.PendingExcept(ctx, all); err != nil || len(msgs) != 5 || msgs[0].ID != stored[0].ID {
				t.Fatalf("b after a's claims lapsed: %d messages, %v; want all 5", len(msgs), err)
			}
			if items, err := b.UnsentExcept(ctx, all); err != nil || len(items) != 5 || items[0].ID != queued[0].ID {
				t.Fatalf("b after a's claims lapsed: %d replies, %v; want all 5", len(items), err)
			}
			if msgs, err := a.Pending(ctx); err != nil || len(msgs) != 0 {
				t.Fatalf("a after b took its chat: %d messages, %v; want none", len(msgs), err)
			}
		})
	}
}

// BenchmarkCatchUpBacklog: a catch-up with nothing new while this process holds a backlog of
// 10,000 messages and 10,000 replies in 50 chats (a channel's long outage), as the engine
// runs it (the known ones left out: Except) and listing everything again (All).
func BenchmarkCatchUpBacklog(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{Owner: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for k := range 10 {
		var in []bot.Inbound
		var out []bot.Outgoing
		for i := range 1000 {
			chat := balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(i % 50)}
			in = append(in, bot.Inbound{Chat: chat, Key: fmt.Sprint(k, "-", i), Kind: bot.KindText, Text: "ktp saya hilang bagaimana cara mengurusnya"})
			out = append(out, bot.Outgoing{Chat: chat, Kind: bot.OutMessage, Text: "Silakan datang ke kantor Disdukcapil dengan membawa KK dan surat kehilangan dari kepolisian."})
		}
		if _, _, err := db.Accept(ctx, in); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Enqueue(ctx, out); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Pending(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Unsent(ctx); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name  string
		known func(int64) bool
	}{{"Except", func(int64) bool { return true }}, {"All", nil}} {
		b.Run(mode.name, func(b *testing.B) {
			for range b.N {
				if _, err := db.UnsentExcept(ctx, mode.known); err != nil {
					b.Fatal(err)
				}
				if _, err := db.PendingExcept(ctx, mode.known); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
