package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sendLog records the deliveries of several processes' senders in the order they happen.
type sendLog struct {
	mu   sync.Mutex
	sent []string // "process:text"
	got  chan string
}

func (l *sendLog) add(proc, text string) {
	l.mu.Lock()
	l.sent = append(l.sent, proc+":"+text)
	l.mu.Unlock()
	l.got <- proc + ":" + text
}

func (l *sendLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.sent...)
}

// gateSender is one process's sender: a text in block waits (Send started, then blocked)
// until the gate is opened or the send is abandoned.
type gateSender struct {
	proc    string
	log     *sendLog
	block   string
	started chan struct{}
	gate    chan struct{}
}

func (s *gateSender) Send(ctx context.Context, o bot.Outgoing) (string, error) {
	if s.block != "" && o.Text == s.block {
		close(s.started)
		select {
		case <-s.gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	s.log.add(s.proc, o.Text)
	return "", nil
}

// TestRepliesOfAChatStayInOrderAcrossProcesses: process A committed reply 1 of a chat and is
// still sending it when process B commits reply 2 of the same chat. B must not send reply 2
// itself: it joins A's claim and goes out after reply 1 — from A once A delivered (woken by
// LISTEN/NOTIFY, the resync being far off), or from B once A stopped and its claims lapsed
// (both items claimed together, in order). Each reply is delivered once.
func TestRepliesOfAChatStayInOrderAcrossProcesses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		aLapses bool // A never delivers: its claims lapse and B takes the chat
		want    []string
	}{
		{name: "owner delivers", want: []string{"a:balasan 1", "a:balasan 2", "a:balasan 3"}},
		{name: "owner's claim lapses", aLapses: true, want: []string{"b:balasan 1", "b:balasan 2", "b:balasan 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open := storetest.Postgres(t)
			setResyncInterval(t, time.Hour) // only wake-ups and explicit catch-ups
			msgs, _ := bot.LoadMessages("", "Dinas Uji")
			ix := openIndex(t)
			clk := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			log := &sendLog{got: make(chan string, 16)}
			const lease = 30 * time.Second
			chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
			reply := func(text string) bot.Outgoing {
				return bot.Outgoing{Chat: chat, Kind: bot.OutMessage, Text: text}
			}
			senders := map[string]*gateSender{
				"a": {proc: "a", log: log, block: "balasan 1", started: make(chan struct{}), gate: make(chan struct{})},
				"b": {proc: "b", log: log},
			}
			engines := map[string]*bot.Engine{}
			dbs := map[string]*store.DB{}
			heard := map[string]chan struct{}{"a": make(chan struct{}, 1), "b": make(chan struct{}, 1)}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for _, owner := range []string{"a", "b"} {
				db := open(t, "outorder", store.Options{Owner: owner, Lease: lease, Now: clk.Now})
				eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet, Now: clk.Now})
				if err != nil {
					t.Fatal(err)
				}
				eng.AddSender(balai.Telegram, senders[owner], bot.Limits{}, true)
				if err := eng.Start(ctx); err != nil {
					t.Fatal(err)
				}
				go db.Listen(ctx, func(kind, arg string) {
					if kind == store.WakeOutbox {
						eng.Wake()
						select {
						case heard[owner] <- struct{}{}:
						default:
						}
					}
				})
				dbs[owner] = db
				engines[owner] = eng
			}
			defer func() {
				for _, eng := range engines {
					c, stop := context.WithTimeout(context.Background(), 2*time.Second)
					eng.Close(c)
					stop()
				}
			}()

			// Listen has no ready signal: each process pokes the other (Unclaim of no item
			// wakes the others) until it is heard, so that no wake-up of the test is lost.
			for self, other := range map[string]string{"a": "b", "b": "a"} {
				for ready := false; !ready; {
					if err := dbs[other].Unclaim(ctx, 0); err != nil {
						t.Fatal(err)
					}
					select {
					case <-heard[self]:
						ready = true
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
			for _, eng := range engines {
				idle, stop := context.WithTimeout(ctx, 5*time.Second)
				eng.Idle(idle)
				stop()
			}

			if err := engines["a"].Deliver(ctx, reply("balasan 1")); err != nil {
				t.Fatal(err)
			}
			<-senders["a"].started // A is sending reply 1 and blocked
			for _, text := range []string{"balasan 2", "balasan 3"} {
				if err := engines["b"].Deliver(ctx, reply(text)); err != nil {
					t.Fatal(err)
				}
			}
			idle, stop := context.WithTimeout(ctx, 5*time.Second)
			if !engines["b"].Idle(idle) {
				t.Fatal("B's dispatcher did not settle")
			}
			stop()
			if got := log.all(); len(got) != 0 {
				t.Fatalf("sent while reply 1 was still being sent: %v", got)
			}

			if tc.aLapses {
				// A stops without finishing (as if it died): the send is abandoned and its
				// claims are not released, only lapse.
				c, stop := context.WithTimeout(ctx, 100*time.Millisecond)
				engines["a"].Close(c)
				stop()
				delete(engines, "a")
				clk.Add(lease + time.Second)
				engines["b"].Wake()
			} else {
				close(senders["a"].gate)
			}
			for range tc.want {
				select {
				case <-log.got:
				case <-time.After(10 * time.Second):
					t.Fatalf("delivered so far %v, want %v", log.all(), tc.want)
				}
			}
			// Nothing more is sent: both processes settle with nothing left.
			for _, eng := range engines {
				idle, stop := context.WithTimeout(ctx, 5*time.Second)
				eng.Wake()
				eng.Idle(idle)
				stop()
			}
			if got := log.all(); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("delivered %v, want %v", got, tc.want)
			}
		})
	}
}

// TestJoinedReplyIsNotOvertaken, on both databases: process A is sending reply 1 of a chat
// when process B commits reply 2, which joins A's claim (B does not send it); A is not woken
// (no LISTEN here, the resync far off), so reply 2 is not queued at A. A then commits reply
// 3, its own: A must take reply 2 up before it instead of sending 3 first (the drill's
// out-of-order replies: a reply committed by one replica overtaken by the other's next).
func TestJoinedReplyIsNotOvertaken(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			open := opener(t)
			setResyncInterval(t, time.Hour)
			msgs, _ := bot.LoadMessages("", "Dinas Uji")
			ix := openIndex(t)
			clk := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			log := &sendLog{got: make(chan string, 16)}
			chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
			reply := func(text string) bot.Outgoing {
				return bot.Outgoing{Chat: chat, Kind: bot.OutMessage, Text: text}
			}
			senders := map[string]*gateSender{
				"a": {proc: "a", log: log, block: "balasan 1", started: make(chan struct{}), gate: make(chan struct{})},
				"b": {proc: "b", log: log},
			}
			engines := map[string]*bot.Engine{}
			ctx := context.Background()
			for _, owner := range []string{"a", "b"} {
				db := open(t, "joined", store.Options{Owner: owner, Lease: time.Minute, Now: clk.Now})
				eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet, Now: clk.Now})
				if err != nil {
					t.Fatal(err)
				}
				eng.AddSender(balai.Telegram, senders[owner], bot.Limits{}, true)
				if err := eng.Start(ctx); err != nil {
					t.Fatal(err)
				}
				engines[owner] = eng
			}
			defer func() {
				close(senders["a"].gate)
				for _, eng := range engines {
					c, stop := context.WithTimeout(context.Background(), 2*time.Second)
					eng.Close(c)
					stop()
				}
			}()
			if err := engines["a"].Deliver(ctx, reply("balasan 1")); err != nil {
				t.Fatal(err)
			}
			<-senders["a"].started // A is sending reply 1 and blocked
			if err := engines["b"].Deliver(ctx, reply("balasan 2")); err != nil {
				t.Fatal(err)
			}
			if err := engines["a"].Deliver(ctx, reply("balasan 3")); err != nil {
				t.Fatal(err)
			}
			senders["a"].gate <- struct{}{} // reply 1 goes out
			want := []string{"a:balasan 1", "a:balasan 2", "a:balasan 3"}
			for range want {
				select {
				case <-log.got:
				case <-time.After(10 * time.Second):
					t.Fatalf("delivered so far %v, want %v", log.all(), want)
				}
			}
			if got := log.all(); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("delivered %v, want %v", got, want)
			}
		})
	}
}
