package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// Two processes' handles on one PostgreSQL database take send slots together: no window
// grants more than its limit, whichever handle asks, and a refused chained slot takes nothing
// of the slots after it.
func TestTakeSlotsSharedByTwoHandles(t *testing.T) {
	open := storetest.Postgres(t)
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	a := open(t, "slots", store.Options{Owner: "a"})
	b := open(t, "slots", store.Options{Owner: "b"})
	if !a.SharesLimits() {
		t.Fatal("a PostgreSQL store must share limits")
	}
	ctx := context.Background()
	chan_ := func(at time.Time) bot.Slot {
		return bot.Slot{Key: "send:telegram", Limit: 5, Window: time.Second, At: at}
	}
	chat := func(id string, at time.Time) bot.Slot {
		return bot.Slot{Key: "chat:" + id, Limit: 1, Window: 3 * time.Second, At: at}
	}
	tests := []struct {
		name  string
		slots []bot.Slot
		want  bool
	}{
		{"chat 1 and channel", []bot.Slot{chat("1", t0), chan_(t0)}, true},
		{"chat 1 again in its window: refused", []bot.Slot{chat("1", t0.Add(2*time.Second)), chan_(t0.Add(2 * time.Second))}, false},
		{"chat 2", []bot.Slot{chat("2", t0.Add(100*time.Millisecond)), chan_(t0.Add(100 * time.Millisecond))}, true},
		{"chat 3", []bot.Slot{chat("3", t0.Add(200*time.Millisecond)), chan_(t0.Add(200 * time.Millisecond))}, true},
		{"chat 4", []bot.Slot{chat("4", t0.Add(300*time.Millisecond)), chan_(t0.Add(300 * time.Millisecond))}, true},
		{"chat 5", []bot.Slot{chat("5", t0.Add(400*time.Millisecond)), chan_(t0.Add(400 * time.Millisecond))}, true},
		{"chat 6: the channel's second is full", []bot.Slot{chat("6", t0.Add(500*time.Millisecond)), chan_(t0.Add(500 * time.Millisecond))}, false},
		{"the channel alone, the next second", []bot.Slot{chan_(t0.Add(time.Second))}, true},
		{"chat 1 in its next window", []bot.Slot{chat("1", t0.Add(3*time.Second)), chan_(t0.Add(3 * time.Second))}, true},
		{"a zero limit takes nothing", []bot.Slot{{Key: "zero", Limit: 0, Window: time.Second, At: t0}}, false},
	}
	for i, tc := range tests {
		db := []*store.DB{a, b}[i%2]
		got, err := db.TakeSlots(ctx, tc.slots...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: took %v, want %v", tc.name, got, tc.want)
		}
	}
	// chat 6 was taken, the channel refused: chat 6's slot is used (wasted), not the channel's.
	if ok, _ := b.TakeSlots(ctx, chat("6", t0.Add(600*time.Millisecond))); ok {
		t.Error("chat 6 took a second slot in its window")
	}
}

// Many goroutines on two handles race for one window: exactly the limit is granted.
func TestTakeSlotsRaceGrantsTheLimit(t *testing.T) {
	open := storetest.Postgres(t)
	dbs := []*store.DB{open(t, "race", store.Options{Owner: "a"}), open(t, "race", store.Options{Owner: "b"})}
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	const limit, tries = 30, 100
	var mu sync.Mutex
	granted := 0
	var wg sync.WaitGroup
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := dbs[i%2].TakeSlots(context.Background(),
				bot.Slot{Key: fmt.Sprintf("chat:%d", i), Limit: 1, Window: time.Second, At: at},
				bot.Slot{Key: "send:telegram", Limit: limit, Window: time.Second, At: at})
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if granted != limit {
		t.Errorf("%d sends granted in one second, want %d", granted, limit)
	}
}

// Windows that ended more than a minute ago are pruned: the table holds only recent windows
// (a replica whose clock is a little behind still finds the windows it counts in).
func TestRateWindowsArePruned(t *testing.T) {
	db := storetest.Postgres(t)(t, "prune", store.Options{Owner: "a"})
	ctx := context.Background()
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	for i := 0; i < 50; i++ {
		if _, err := db.TakeSlots(ctx, bot.Slot{Key: fmt.Sprintf("chat:%d", i), Limit: 1, Window: time.Second, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	// 30 seconds later: nothing is pruned yet; two minutes later every window of t0 is.
	for _, at := range []time.Duration{30 * time.Second, 2 * time.Minute} {
		if _, err := db.TakeSlots(ctx, bot.Slot{Key: "send:telegram", Limit: 30, Window: time.Second, At: t0.Add(at)}); err != nil {
			t.Fatal(err)
		}
		if at == 30*time.Second {
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM rate_windows`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 51 {
				t.Errorf("%d rate windows after 30 s, want 51 (none pruned yet)", n)
			}
		}
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM rate_windows`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d rate windows kept, want 1 (the current one: the others ended over a minute ago)", n)
	}
}

// The flood rank counts a chat's messages accepted by both handles within the window that
// ends with each message.
func TestFloodRankCountsBothHandles(t *testing.T) {
	open := storetest.Postgres(t)
	clock := storetest.NewClock(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC))
	dbs := []*store.DB{open(t, "flood", store.Options{Owner: "a", Now: clock.Now}), open(t, "flood", store.Options{Owner: "b", Now: clock.Now})}
	ctx := context.Background()
	chat := balai.ChatRef{Channel: balai.Telegram, ID: "77"}
	other := balai.ChatRef{Channel: balai.Telegram, ID: "78"}
	var ids []int64
	for i := 0; i < 6; i++ {
		if i == 4 {
			clock.Add(61 * time.Second) // messages 0..3 fall out of the window of 4 and 5
		}
		for _, c := range []balai.ChatRef{chat, other} {
			st, fresh, err := dbs[i%2].Accept(ctx, []bot.Inbound{{Chat: c, Kind: bot.KindText, Key: fmt.Sprintf("%s-%d", c.ID, i), Text: "x", Time: clock.Now()}})
			if err != nil || !fresh[0] {
				t.Fatal(err, fresh)
			}
			if c == chat {
				ids = append(ids, st[0].ID)
			}
		}
	}
	want := []int{1, 2, 3, 4, 1, 2}
	for i, id := range ids {
		n, err := dbs[(i+1)%2].FloodRank(ctx, chat, id, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if n != want[i] {
			t.Errorf("message %d: rank %d, want %d", i, n, want[i])
		}
	}
}
