package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
)

// testDeadLetters: a failing message waits for its retry time, is parked after its last try
// (at once when permanent), leaves the queue, and comes back with RetryDeadLetter or goes for
// good with DropDeadLetter.
func testDeadLetters(t *testing.T, open Opener) {
	clk := NewClock(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	db := open(t, "dead", store.Options{Owner: "a", Now: clk.Now})
	stored, _, err := db.Accept(ctx(), []bot.Inbound{
		{Chat: chat, Key: "1", Kind: bot.KindText, Text: "racun"},
		{Chat: chat, Key: "2", Kind: bot.KindButton, Text: "r:x:1"},
		{Chat: chat, Key: "3", Kind: bot.KindText, Text: "halo"},
	})
	if err != nil {
		t.Fatal(err)
	}
	transient, permanent := stored[0], stored[1]
	fail := func(in bot.StoredInbound, perm bool) bool {
		t.Helper()
		parked, err := db.Fail(ctx(), bot.Failure{Inbound: in, Error: "index unavailable", Permanent: perm, RetryAt: clk.Now().Add(time.Minute), MaxTries: 3})
		if err != nil {
			t.Fatal(err)
		}
		return parked
	}
	pendingIDs := func() []int64 {
		t.Helper()
		p, err := db.Pending(ctx())
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, s := range p {
			ids = append(ids, s.ID)
		}
		return ids
	}
	for try := 1; try <= 2; try++ {
		if fail(transient, false) {
			t.Fatalf("parked after try %d of 3", try)
		}
		// Waiting for its retry, the message stays claimed, with its retry time: it keeps
		// its chat's later messages behind it (per-chat order).
		if p, _ := db.Pending(ctx()); len(p) != 3 || p[0].ID != transient.ID || !p[0].NotBefore.Equal(clk.Now().Add(time.Minute)) || !p[1].NotBefore.IsZero() {
			t.Fatalf("pending before the retry time = %+v, want all three, the failed one with its retry time", p)
		}
		clk.Add(2 * time.Minute)
		p, _ := db.Pending(ctx())
		if len(p) != 3 || p[0].ID != transient.ID || p[0].Attempts != try {
			t.Fatalf("pending after the retry time = %+v, want the message with %d attempts", p, try)
		}
	}
	if !fail(transient, false) {
		t.Fatal("not parked after its last try")
	}
	if !fail(permanent, true) {
		t.Fatal("permanent failure not parked at once")
	}
	if ids := pendingIDs(); len(ids) != 1 || ids[0] != stored[2].ID {
		t.Fatalf("pending = %v, want only the healthy message", ids)
	}
	// A failure recorded after the message was parked (a late worker) changes nothing.
	if fail(transient, false) {
		t.Error("a parked message parked again")
	}
	ds, err := db.DeadLetters(ctx(), 10)
	if err != nil || len(ds) != 2 {
		t.Fatalf("dead letters = %+v, %v", ds, err)
	}
	if d := ds[0]; d.ID != transient.ID || d.Chat != chat || d.Kind != bot.KindText || d.Attempts != 3 || d.Permanent ||
		d.Error != "index unavailable" || d.Text != "racun" || d.ParkedAt.IsZero() || d.ReceivedAt.IsZero() {
		t.Errorf("transient dead letter = %+v", d)
	}
	if d := ds[1]; d.ID != permanent.ID || d.Kind != bot.KindButton || d.Attempts != 1 || !d.Permanent {
		t.Errorf("permanent dead letter = %+v", d)
	}
	if n, err := db.CountDeadLetters(ctx()); err != nil || n != 2 {
		t.Errorf("count = %d, %v", n, err)
	}
	// Retry: back in the queue with its tries reset; drop: gone for good.
	if err := db.RetryDeadLetter(ctx(), transient.ID); err != nil {
		t.Fatal(err)
	}
	p, _ := db.Pending(ctx())
	if len(p) != 2 || p[0].ID != transient.ID || p[0].Attempts != 0 || p[0].Text != "racun" {
		t.Fatalf("pending after retry = %+v", p)
	}
	if err := db.DropDeadLetter(ctx(), permanent.ID); err != nil {
		t.Fatal(err)
	}
	if ids := pendingIDs(); len(ids) != 2 {
		t.Errorf("a dropped message came back: %v", ids)
	}
	for _, op := range []func(int64) error{
		func(id int64) error { return db.RetryDeadLetter(ctx(), id) },
		func(id int64) error { return db.DropDeadLetter(ctx(), id) },
	} {
		for _, id := range []int64{transient.ID, permanent.ID, 999} {
			if err := op(id); !errors.Is(err, store.ErrNoDeadLetter) {
				t.Errorf("id %d not parked: err = %v, want ErrNoDeadLetter", id, err)
			}
		}
	}
	if n, _ := db.CountDeadLetters(ctx()); n != 0 {
		t.Errorf("count after retry and drop = %d", n)
	}
	// A parked message whose text is no longer kept cannot be retried: the dead letter goes
	// and the queue gets nothing.
	gone, _, err := db.Accept(ctx(), []bot.Inbound{{Chat: chat, Key: "gone", Kind: bot.KindText, Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if parked, err := db.Fail(ctx(), bot.Failure{Inbound: gone[0], Error: "boom", Permanent: true, RetryAt: time.Unix(0, 0), MaxTries: 5}); err != nil || !parked {
		t.Fatalf("park: %v %v", parked, err)
	}
	if _, err := db.SQL().Exec(`DELETE FROM inbound WHERE id = $1`, gone[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RetryDeadLetter(ctx(), gone[0].ID); !errors.Is(err, store.ErrDeadLetterGone) {
		t.Errorf("retry of a message no longer kept: %v, want ErrDeadLetterGone", err)
	}
	if n, _ := db.CountDeadLetters(ctx()); n != 0 {
		t.Errorf("the dead letter of a message no longer kept stays: count %d", n)
	}
	if ids := pendingIDs(); len(ids) != 2 {
		t.Errorf("pending after retrying a gone message: %v", ids)
	}
}

// testRefusedDataIsPermanent: text the database refuses (PostgreSQL: NUL, SQLSTATE 22021)
// fails the commit as a permanent error, so the engine parks the message at once instead of
// retrying it; SQLite stores it.
func testRefusedDataIsPermanent(t *testing.T, open Opener) {
	db := open(t, "refused", store.Options{Owner: "a"})
	stored, _, err := db.Accept(ctx(), []bot.Inbound{{Chat: chat, Key: "1", Kind: bot.KindText, Text: "ktp\x00hilang"}})
	if err != nil {
		t.Fatalf("accept (the payload is JSON, NUL escaped): %v", err)
	}
	_, err = db.Commit(ctx(), bot.Turn{Inbound: stored[0], Log: bot.LogEntry{Decision: "answer"}})
	switch db.Dialect() {
	case store.Postgres:
		if err == nil || !bot.IsPermanent(err) || !strings.Contains(err.Error(), "22021") {
			t.Fatalf("commit of NUL text on PostgreSQL: %v, want a permanent SQLSTATE 22021", err)
		}
	default:
		if err != nil {
			t.Fatalf("commit on SQLite: %v", err)
		}
	}
}
