package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestOutboxBacklogAndFailingSince, on both databases: the backlog counts undelivered items
// by channel and state with the oldest's time; the first failure of a delivery is kept
// (the horizon counts from it) and a release from a hold forgets it; a message that went
// out as several combined notices answers for a ticket only when they all were about it.
func TestOutboxBacklogAndFailingSince(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := storetest.NewClock(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
			db := opener(t)(t, "backlog", store.Options{Owner: "a", Now: c.Now})
			tg := balai.ChatRef{Channel: balai.Telegram, ID: "5"}
			wa := balai.ChatRef{Channel: balai.WhatsApp, ID: "6281"}
			t0 := c.Now()
			items, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: tg, Kind: bot.OutMessage, Text: "a"}, {Chat: wa, Kind: bot.OutMessage, Text: "b"}})
			if err != nil {
				t.Fatal(err)
			}
			c.Add(time.Minute)
			more, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: tg, Kind: bot.OutMessage, Text: "c"}, {Chat: wa, Kind: bot.OutMessage, Text: "d"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MarkHeld(ctx, items[1].ID, "window"); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkSent(ctx, more[1].ID, "x", c.Now()); err != nil {
				t.Fatal(err)
			}
			// First failure at t0+1m, second at t0+2m: failing since stays at the first.
			if err := db.MarkFailed(ctx, items[0].ID, "502", false, c.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			c.Add(time.Minute)
			if err := db.MarkFailed(ctx, items[0].ID, "502", false, c.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			got, err := db.OutboxBacklog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []bot.OutboxState{
				{Channel: balai.Telegram, State: "pending", Items: 2, Oldest: t0},
				{Channel: balai.WhatsApp, State: "held", Items: 1, Oldest: t0},
			}
			if len(got) != len(want) {
				t.Fatalf("backlog = %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i].Channel != want[i].Channel || got[i].State != want[i].State || got[i].Items != want[i].Items || !got[i].Oldest.Equal(want[i].Oldest) {
					t.Errorf("backlog[%d] = %+v, want %+v", i, got[i], want[i])
				}
			}
			unsent, err := db.Unsent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var failing time.Time
			for _, u := range unsent {
				if u.ID == items[0].ID {
					failing = u.FailingSince
				}
			}
			if !failing.Equal(t0.Add(time.Minute)) {
				t.Errorf("failing since = %v, want the first failure %v", failing, t0.Add(time.Minute))
			}
			// A held item released when the citizen writes starts afresh.
			released, err := db.ReleaseHeld(ctx, wa)
			if err != nil || len(released) != 1 || !released[0].FailingSince.IsZero() || !released[0].NotBefore.IsZero() {
				t.Fatalf("released = %+v %v, want one with no failure time", released, err)
			}

			// Combined notices share the message id of the one message they went out as.
			officers := balai.ChatRef{Channel: balai.Telegram, ID: "-100"}
			n, err := db.Enqueue(ctx, []bot.Outgoing{
				{Chat: officers, Kind: bot.OutMessage, Text: "x", Ref: desk.NoticeRef(1)},
				{Chat: officers, Kind: bot.OutMessage, Text: "y", Ref: desk.NoticeRef(1)},
				{Chat: officers, Kind: bot.OutMessage, Text: "z", Ref: desk.NoticeRef(2)},
				{Chat: officers, Kind: bot.OutMessage, Text: "w", Ref: desk.NoticeRef(2)},
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, ext := range []string{"77", "77", "78", "78"} {
				db.MarkSent(ctx, n[i].ID, ext, c.Now())
			}
			if id, err := db.TicketByCard(ctx, officers, "77"); err != nil || id != 1 {
				t.Errorf("notices about one ticket: ticket %d %v, want 1", id, err)
			}
			db.MarkSent(ctx, n[3].ID, "77", c.Now()) // now 77 also carries a notice about ticket 2
			if _, err := db.TicketByCard(ctx, officers, "77"); !errors.Is(err, desk.ErrNotFound) {
				t.Errorf("notices about two tickets: %v, want ErrNotFound (the message names no one ticket)", err)
			}
		})
	}
}
