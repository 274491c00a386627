package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

type wakeUp struct{ kind, arg string }

// listen runs db.Listen until the test ends and returns what it receives; it returns once
// the listener hears a probe (a wake-up from probe), and drains the probes.
func listen(t *testing.T, db, probe *store.DB, suffix string) <-chan wakeUp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan wakeUp, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := db.Listen(ctx, func(kind, arg string) {
			if strings.HasSuffix(arg, suffix) { // other tests' wake-ups share the database
				got <- wakeUp{kind, arg}
			}
		}); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	guard := time.After(10 * time.Second) // hang guard, not a timing assertion
	for {
		if err := probe.Unclaim(context.Background(), -1); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			for len(got) > 0 {
				<-got
			}
			time.Sleep(20 * time.Millisecond) // late probes
			for len(got) > 0 {
				<-got
			}
			return got
		case <-time.After(20 * time.Millisecond):
		case <-guard:
			t.Fatal("the listener never heard a probe")
		}
	}
}

func next(t *testing.T, got <-chan wakeUp) wakeUp {
	t.Helper()
	select {
	case w := <-got:
		return w
	case <-time.After(10 * time.Second): // hang guard
		t.Fatal("no wake-up")
		return wakeUp{}
	}
}

// Replicas on PostgreSQL wake each other: a message accepted for a chat another process
// holds, a delivery given up to another process, and a sent web reply each reach the other
// process's listener, with payloads that hold no message text.
func TestReplicasWakeEachOther(t *testing.T) {
	open := storetest.Postgres(t)
	ctx := context.Background()
	// Notifications are database-wide: owners unique to this run keep other tests' out.
	u := strconv.FormatInt(time.Now().UnixNano(), 36)
	a := open(t, "wake", store.Options{Owner: "a" + u, Lease: time.Hour})
	b := open(t, "wake", store.Options{Owner: "b" + u, Lease: time.Hour})
	probe := open(t, "wake", store.Options{Owner: "probe" + u, Lease: time.Hour})
	got := listen(t, b, probe, u)

	chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
	// b holds the chat (its message is unhandled): a's message for it is b's to handle.
	if _, _, err := b.Accept(ctx, []bot.Inbound{{Chat: chat, Kind: bot.KindText, Key: "1", Text: "ktp hilang"}}); err != nil {
		t.Fatal(err)
	}
	st, _, err := a.Accept(ctx, []bot.Inbound{{Chat: chat, Kind: bot.KindText, Key: "2", Text: "ktp hilang lagi"}})
	if err != nil {
		t.Fatal(err)
	}
	if !st[0].Elsewhere {
		t.Fatal("a's message not left to b")
	}
	if w := next(t, got); w != (wakeUp{store.WakeInbound, a.Owner()}) {
		t.Errorf("after a's accept: got %+v", w)
	}

	// a gives a delivery up (its channel is held elsewhere).
	items, err := a.Enqueue(ctx, []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "jawaban"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Unclaim(ctx, items[0].ID); err != nil {
		t.Fatal(err)
	}
	if w := next(t, got); w != (wakeUp{store.WakeOutbox, a.Owner()}) {
		t.Errorf("after a's unclaim: got %+v", w)
	}

	// a delivers a Telegram reply (no wake-up) and then a web reply (the web chat's id).
	if err := a.MarkSent(ctx, items[0].ID, "x", time.Now()); err != nil {
		t.Fatal(err)
	}
	web := balai.ChatRef{Channel: balai.Web, ID: "sesi-acak-" + u}
	wi, err := a.Enqueue(ctx, []bot.Outgoing{{Chat: web, Kind: bot.OutMessage, Text: "jawaban web"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.MarkSent(ctx, wi[0].ID, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if w := next(t, got); w != (wakeUp{store.WakeWeb, web.ID}) {
		t.Errorf("after a's web delivery: got %+v", w)
	}

	// A process is not woken by its own wake-ups.
	if err := b.Unclaim(ctx, -1); err != nil {
		t.Fatal(err)
	}
	if err := probe.Unclaim(ctx, -1); err != nil {
		t.Fatal(err)
	}
	if w := next(t, got); w != (wakeUp{store.WakeOutbox, probe.Owner()}) {
		t.Errorf("b heard its own wake-up: %+v", w)
	}
}

// SQLite has one process per database: Listen returns at once.
func TestListenOnSQLiteReturns(t *testing.T) {
	db := storetest.SQLite(t)(t, "one", store.Options{})
	done := make(chan error, 1)
	go func() { done <- db.Listen(context.Background(), func(string, string) { t.Error("wake-up on SQLite") }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second): // hang guard
		t.Fatal("Listen on SQLite did not return")
	}
}
