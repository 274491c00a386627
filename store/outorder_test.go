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

// TestOutboxItemsOfAChatKeepOneOwner, on both databases: an item enqueued for a chat whose
// earlier item is pending and another process's joins that owner and is marked Elsewhere (not
// to be sent by the committer); an item of a chat with nothing pending, or only its own, is
// the committer's. A claim never takes a chat's later item while an earlier one is held by a
// live process, and takes the chat's items together, in order, once they all lapsed.
func TestOutboxItemsOfAChatKeepOneOwner(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			open := opener(t)
			ctx := context.Background()
			var mu sync.Mutex
			now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			const lease = 30 * time.Second
			a := open(t, "outorder", store.Options{Owner: "a", Lease: lease, Now: clk})
			b := open(t, "outorder", store.Options{Owner: "b", Lease: lease, Now: clk})
			chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
			other := balai.ChatRef{Channel: balai.Telegram, ID: "7"}
			msg := func(c balai.ChatRef, text string) bot.Outgoing {
				return bot.Outgoing{Chat: c, Kind: bot.OutMessage, Text: text}
			}
			enqueue := func(db *store.DB, items ...bot.Outgoing) []bot.StoredOutgoing {
				t.Helper()
				out, err := db.Enqueue(ctx, items)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			first := enqueue(a, msg(chat, "1"))
			if first[0].Elsewhere {
				t.Fatal("the first item of a chat is marked Elsewhere")
			}
			later := enqueue(b, msg(chat, "2"), msg(other, "x"))
			if !later[0].Elsewhere || later[1].Elsewhere {
				t.Fatalf("Elsewhere = %v, %v; want true (behind a's item), false (nothing pending)", later[0].Elsewhere, later[1].Elsewhere)
			}
			if own := enqueue(a, msg(chat, "3")); own[0].Elsewhere {
				t.Fatal("an item behind the process's own items is marked Elsewhere")
			}
			// The joined item is a's: a confirms it, b cannot.
			if ok, err := b.Confirm(ctx, later[0].ID); err != nil || ok {
				t.Fatalf("b confirms the item it gave to a: %v, %v", ok, err)
			}
			if ok, err := a.Confirm(ctx, later[0].ID); err != nil || !ok {
				t.Fatalf("a confirms the item it was given: %v, %v", ok, err)
			}
			// Item 1's claim outlives the later ones': they lapse, it does not.
			advance(20 * time.Second)
			if ok, err := a.Confirm(ctx, first[0].ID); err != nil || !ok {
				t.Fatalf("confirm: %v, %v", ok, err)
			}
			advance(15 * time.Second)
			got, err := b.Unsent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range got {
				if it.Chat == chat {
					t.Errorf("b claimed item %d (%q) while a still holds the chat's item 1", it.ID, it.Text)
				}
			}
			// Once item 1 lapsed too, the chat's items are claimed together, in order.
			advance(lease)
			got, err = b.Unsent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, it := range got {
				if it.Chat == chat {
					texts = append(texts, it.Text)
				}
			}
			if len(texts) != 3 || texts[0] != "1" || texts[1] != "2" || texts[2] != "3" {
				t.Errorf("claimed %v after the lapse, want [1 2 3]", texts)
			}
		})
	}
}
