package store_test

import (
	"context"
	"fmt"
	"strings"
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

// TestOutboxTakeOverWaitsForAChatsLastClaim, on both databases: a dead process's claims
// lapse one by one (an item claimed after its last renewal lapses later). Another process
// takes none of a chat's items while one of them is still held — it would split the chat:
// the chat's next reply joins the oldest pending item's owner, and would go out from the new
// owner before the dead one's later item — and takes them all, in order, once the last lapsed.
// A reply committed meanwhile joins the dead process's claim.
func TestOutboxTakeOverWaitsForAChatsLastClaim(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			open := opener(t)
			ctx := context.Background()
			clk := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			const lease = 30 * time.Second
			a := open(t, "takeover", store.Options{Owner: "a", Lease: lease, Now: clk.Now})
			b := open(t, "takeover", store.Options{Owner: "b", Lease: lease, Now: clk.Now})
			chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
			enqueue := func(db *store.DB, text string) bot.StoredOutgoing {
				t.Helper()
				out, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: text}})
				if err != nil {
					t.Fatal(err)
				}
				return out[0]
			}
			claimed := func(db *store.DB) []string {
				t.Helper()
				got, err := db.Unsent(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var texts []string
				for _, it := range got {
					texts = append(texts, it.Text)
				}
				return texts
			}
			enqueue(b, "1")
			clk.Add(10 * time.Second)
			enqueue(b, "2") // b's own: claimed until 10 s after item 1's claim ends
			// b dies (no renewal). Item 1's claim lapses, item 2's does not yet.
			clk.Add(25 * time.Second)
			if got := claimed(a); len(got) != 0 {
				t.Fatalf("a claimed %v while b still holds the chat's item 2", got)
			}
			if third := enqueue(a, "3"); !third.Elsewhere {
				t.Fatal("a reply committed while b still holds the chat's items is a's to send")
			}
			clk.Add(10 * time.Second) // item 2's claim lapses too
			if got := claimed(a); strings.Join(got, " ") != "1 2 3" {
				t.Fatalf("a claimed %v once every claim lapsed, want [1 2 3]", got)
			}
		})
	}
}

// TestOutboxItemListsTheChatsEarlierItems, on both databases: an item this process is to
// deliver lists the chat's earlier pending items it holds (After), including one another
// process joined to its claim, so that the dispatcher takes those up first; Claimed returns
// such items to their holder only.
func TestOutboxItemListsTheChatsEarlierItems(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			open := opener(t)
			ctx := context.Background()
			clk := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			a := open(t, "after", store.Options{Owner: "a", Lease: time.Minute, Now: clk.Now})
			b := open(t, "after", store.Options{Owner: "b", Lease: time.Minute, Now: clk.Now})
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
			first := enqueue(a, msg(chat, "1"))[0]
			if len(first.After) != 0 {
				t.Fatalf("the chat's first item lists %v before it", first.After)
			}
			joined := enqueue(b, msg(chat, "2"))[0]
			if !joined.Elsewhere || len(joined.After) != 0 {
				t.Fatalf("b's item: Elsewhere %v, After %v; want true, none", joined.Elsewhere, joined.After)
			}
			third := enqueue(a, msg(chat, "3"), msg(chat, "4"), msg(other, "x"))
			if fmt.Sprint(third[0].After) != fmt.Sprint([]int64{first.ID, joined.ID}) {
				t.Errorf("a's item 3 lists %v before it, want [%d %d]", third[0].After, first.ID, joined.ID)
			}
			if len(third[1].After) != 0 || len(third[2].After) != 0 {
				t.Errorf("item 4 (behind 3 in the same commit) lists %v, the other chat's item %v; want none", third[1].After, third[2].After)
			}
			got, err := a.Claimed(ctx, []int64{joined.ID, third[2].ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].ID != joined.ID || got[0].Text != "2" || got[1].Text != "x" {
				t.Errorf("a.Claimed = %+v, want items 2 and x", got)
			}
			if got, err := b.Claimed(ctx, []int64{joined.ID}); err != nil || len(got) != 0 {
				t.Errorf("b.Claimed of the item it gave to a = %v, %v; want none", got, err)
			}
		})
	}
}

// TestOutboxClaimsDoNotInterleave (PostgreSQL): process a's claim of a dead process's chat
// (here a transaction that took Unsent's lock and claimed the chat's item 1) is being
// committed when b commits the chat's item 2 and claims. b's claim must wait for
// a's and then see the chat held by a: a statement that read the claims before a's commit
// would skip item 1 (a's by then) and take item 2, splitting the chat between a and b.
func TestOutboxClaimsDoNotInterleave(t *testing.T) {
	open := storetest.Postgres(t)
	ctx := context.Background()
	clk := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	const lease = 30 * time.Second
	a := open(t, "interleave", store.Options{Owner: "a", Lease: lease, Now: clk.Now})
	b := open(t, "interleave", store.Options{Owner: "b", Lease: lease, Now: clk.Now})
	dead := open(t, "interleave", store.Options{Owner: "dead", Lease: lease, Now: clk.Now})
	chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
	enqueue := func(db *store.DB, text string) bot.StoredOutgoing {
		t.Helper()
		out, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: text}})
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	first := enqueue(dead, "1")
	clk.Add(lease + time.Second) // the dead process's claim lapses

	// a's claim, in progress: Unsent's lock taken, item 1 claimed, not committed yet.
	tx, err := a.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var pid int
	if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, store.UnsentLock); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET owner = 'a', lease_until = $1 WHERE id = $2`,
		clk.Now().Add(lease).UnixMilli(), first.ID); err != nil {
		t.Fatal(err)
	}
	// b commits the chat's item 2: it joins item 1's claim as last committed (the dead
	// process's, lapsed).
	if second := enqueue(b, "2"); !second.Elsewhere {
		t.Fatal("b's item 2 is not behind item 1")
	}

	type result struct {
		items []bot.StoredOutgoing
		err   error
	}
	done := make(chan result, 1)
	go func() {
		items, err := b.Unsent(ctx)
		done <- result{items, err}
	}()
	// b's claim waits for a's transaction (on Unsent's lock; without it, on item 1's row).
	for waiting := false; !waiting; {
		if err := dead.SQL().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)))`, pid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-done:
			t.Fatalf("b's claim did not wait for a's: %v, %v", r.items, r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, it := range r.items {
		t.Errorf("b claimed item %q of the chat a was taking over", it.Text)
	}
	got, err := a.Unsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Text != "1" || got[1].Text != "2" {
		t.Errorf("a claimed %v, want items 1 and 2", got)
	}
}

// TestRenewClaimsSkipsHeldRows (PostgreSQL): renewing never waits for a row another
// transaction holds (that wait, in another lock order than the claims', ended in deadlocks
// under load); the held rows keep their lease, the others are renewed.
func TestRenewClaimsSkipsHeldRows(t *testing.T) {
	open := storetest.Postgres(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := storetest.NewClock(now)
	const lease = 30 * time.Second
	db := open(t, "renewskip", store.Options{Owner: "a", Lease: lease, Now: clk.Now})
	var in []bot.Inbound
	var out []bot.Outgoing
	for _, id := range []string{"1", "2"} {
		chat := balai.ChatRef{Channel: balai.Telegram, ID: id}
		in = append(in, bot.Inbound{Chat: chat, Key: id + "/1", Kind: bot.KindText, Text: "halo", Time: now})
		out = append(out, bot.Outgoing{Chat: chat, Kind: bot.OutMessage, Text: "balasan"})
	}
	stored, _, err := db.Accept(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := db.Enqueue(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	lease0 := now.Add(lease).UnixMilli()
	clk.Add(lease / 2)
	now = clk.Now()

	// Another transaction holds the first message and the first reply.
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []struct {
		table string
		id    int64
	}{{"inbound", stored[0].ID}, {"outbox", sent[0].ID}} {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM `+q.table+` WHERE id = $1 FOR UPDATE`, q.id); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second) // a wait would end here, as an error
	defer cancel()
	if err := db.RenewClaims(rctx); err != nil {
		t.Fatalf("RenewClaims waited for the held rows: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	leaseOf := func(table string, id int64) int64 {
		t.Helper()
		var v int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT lease_until FROM `+table+` WHERE id = $1`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	renewed := now.Add(lease).UnixMilli()
	for _, c := range []struct {
		table string
		id    int64
		want  int64
	}{{"inbound", stored[0].ID, lease0}, {"inbound", stored[1].ID, renewed}, {"outbox", sent[0].ID, lease0}, {"outbox", sent[1].ID, renewed}} {
		if got := leaseOf(c.table, c.id); got != c.want {
			t.Errorf("%s %d: lease until %d, want %d", c.table, c.id, got, c.want)
		}
	}
}
