package bot_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// Per-chat order across processes: two engines on one database (two processes' worth: two
// store handles with different owners) accept messages of the same chats alternately, as
// two replicas behind a round-robin webhook do. Each test runs on SQLite and PostgreSQL.

// turnLog takes every chat over (a ChatHandler, as the desk does for the officers' chat)
// and records each message it handles ("chat/seq" texts), in order, shared by the engines.
// With block set, it hangs on every message until the turn's context ends and records
// nothing: the engine never finishes a message (a process that hangs, then is killed).
type turnLog struct {
	block bool
	mu    *sync.Mutex
	turns *[]string
	mine  []string
}

func (h *turnLog) Owns(bot.Inbound) bool { return true }

func (h *turnLog) Turn(ctx context.Context, in bot.StoredInbound) (bot.Turn, error) {
	if h.block {
		<-ctx.Done()
		return bot.Turn{}, ctx.Err()
	}
	h.mu.Lock()
	*h.turns = append(*h.turns, in.Text)
	h.mine = append(h.mine, in.Text)
	h.mu.Unlock()
	return bot.Turn{Log: bot.LogEntry{Decision: "test"}}, nil
}

func (h *turnLog) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), *h.turns...)
}

func (h *turnLog) own() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.mine)
}

// orderMsg is message seq of chat: its text names both.
func orderMsg(chat, seq int) bot.Inbound {
	return bot.Inbound{Chat: tg(strconv.Itoa(chat)), Kind: bot.KindText, Key: fmt.Sprintf("%d-%d", chat, seq),
		MessageID: strconv.Itoa(seq), Text: fmt.Sprintf("ktp hilang %d/%d", chat, seq)}
}

// checkOrder checks that asked (texts of orderMsg) holds every message of chats×perChat exactly once and each
// chat's in the order accepted.
func checkOrder(t *testing.T, asked []string, chats, perChat int) {
	t.Helper()
	next := map[int]int{}
	seen := map[string]int{}
	for _, q := range asked {
		seen[q]++
		var c, s int
		if _, err := fmt.Sscanf(strings.TrimPrefix(q, "ktp hilang "), "%d/%d", &c, &s); err != nil {
			t.Fatalf("unexpected question %q", q)
		}
		if s != next[c] {
			t.Errorf("chat %d: message %d handled when %d was next", c, s, next[c])
		}
		next[c] = s + 1
	}
	for q, n := range seen {
		if n != 1 {
			t.Errorf("%q handled %d times", q, n)
		}
	}
	for c := 0; c < chats; c++ {
		if next[c] != perChat {
			t.Errorf("chat %d: %d of %d messages handled", c, next[c], perChat)
		}
	}
}

// committed lists the texts of the messages the store recorded as handled, in the order
// their turns committed (the message log's ids).
func committed(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT text FROM message_log WHERE direction = 'in' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

type orderRig struct {
	engines []*bot.Engine
	dbs     []*store.DB
	turns   []*turnLog
	sender  *fakeSender
	clock   *storetest.Clock
}

// newOrderRig starts one engine per owner on one database; block[i] makes engine i hang on
// every message.
func newOrderRig(t *testing.T, open storetest.Opener, lease time.Duration, owners []string, block []bool) *orderRig {
	t.Helper()
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	ix := openIndex(t)
	r := &orderRig{sender: &fakeSender{}, clock: storetest.NewClock(harnessNow())}
	var mu sync.Mutex
	var turns []string
	for i, owner := range owners {
		db := open(t, "order", store.Options{Owner: owner, Lease: lease, Now: r.clock.Now})
		h := &turnLog{block: block[i], mu: &mu, turns: &turns}
		eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet, Now: r.clock.Now,
			Escalator: &fakeEscalator{}, Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		eng.AddSender(balai.Telegram, r.sender, bot.Limits{}, true)
		eng.AddHandler(h)
		if err := eng.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			eng.Close(ctx)
		})
		r.engines, r.dbs, r.turns = append(r.engines, eng), append(r.dbs, db), append(r.turns, h)
	}
	return r
}

// unhandled counts the database's messages neither handled nor parked.
func unhandled(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM inbound WHERE handled_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Messages of one chat accepted alternately by two live processes are handled in order,
// once each: the chat's holder takes what the other accepted when it has finished the chat's
// earlier messages, without waiting for a resync.
func TestChatOrderAcrossTwoProcesses(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			setResyncInterval(t, time.Hour) // no resync: the hand-over alone must do it
			const chats, perChat = 12, 12
			r := newOrderRig(t, opener(t), time.Hour, []string{"a", "b"}, []bool{false, false})
			var wg sync.WaitGroup
			for c := 0; c < chats; c++ {
				wg.Add(1)
				go func() { // the chats write at once; each chat's messages one after another
					defer wg.Done()
					for s := 0; s < perChat; s++ {
						if _, err := r.engines[(c+s)%2].Accept(context.Background(), orderMsg(c, s)); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			waitFor(t, "every message handled", func() bool { return unhandled(t, r.dbs[0]) == 0 })
			for _, eng := range r.engines {
				idle(t, eng)
			}
			checkOrder(t, r.turns[0].all(), chats, perChat)
			if r.turns[0].own() == 0 || r.turns[1].own() == 0 {
				t.Errorf("a handled %d, b %d messages: want both processes to have handled some", r.turns[0].own(), r.turns[1].own())
			}
		})
	}
}

// A process that dies with work in hand (it hangs and is stopped without giving its claims
// up) keeps its chats until its claims lapse by the clock; then the other process takes
// its work, and the messages it accepted itself for those chats, in order, none lost and
// none handled twice.
func TestDeadProcessWorkMovesAfterTheLease(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			setResyncInterval(t, 5*time.Millisecond)
			const chats, perChat, lease = 8, 6, 30 * time.Second
			r := newOrderRig(t, opener(t), lease, []string{"dead", "live"}, []bool{true, false})
			dead, live := r.engines[0], r.engines[1]
			for s := 0; s < perChat; s++ {
				for c := 0; c < chats; c++ {
					if _, err := r.engines[(c+s)%2].Accept(context.Background(), orderMsg(c, s)); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Killed: stopped without giving its claims up (Close gives up at once).
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			dead.Close(ctx)
			// The dead process took the first message of every even chat. Until its claims
			// lapse, none of those chats moves: the live process claims nothing of them.
			held := map[string]bool{}
			rows, err := r.dbs[1].SQL().QueryContext(context.Background(), `SELECT DISTINCT chat_id FROM inbound WHERE handled_at IS NULL AND owner = 'dead'`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var c string
				rows.Scan(&c)
				held[c] = true
			}
			rows.Close()
			for c := 0; c < chats; c += 2 {
				if !held[strconv.Itoa(c)] {
					t.Errorf("chat %d not held by the dead process", c)
				}
			}
			p, err := r.dbs[1].Pending(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p {
				if held[m.Chat.ID] {
					t.Errorf("message %q claimed before the dead process's claims lapsed", m.Text)
				}
			}
			r.clock.Add(lease + time.Second)
			waitFor(t, "the dead process's work taken over", func() bool { return unhandled(t, r.dbs[1]) == 0 })
			idle(t, live)
			// What counts is what was committed: a turn may run twice when a catch-up lists a
			// message that was finishing, but only one run commits (handled_at).
			checkOrder(t, committed(t, r.dbs[1]), chats, perChat)
		})
	}
}
