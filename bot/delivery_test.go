package bot_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// Exactly-once delivery: each test breaks one step between sending a reply and recording it,
// and checks that the reply reaches the citizen once.

var stores = map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres}

// flakyStore is a real store whose resyncs can list an item again after it was delivered
// (the list was read before the delivery finished) and whose MarkSent can fail.
type flakyStore struct {
	*store.DB
	mu         sync.Mutex
	replay     []bot.StoredOutgoing // added to the next Unsent lists
	resyncs    chan struct{}        // told after each Unsent that returned the replay
	markFails  int                  // MarkSent fails this many more times
	markCalled int
}

func (f *flakyStore) Unsent(ctx context.Context) ([]bot.StoredOutgoing, error) {
	items, err := f.DB.Unsent(ctx)
	f.mu.Lock()
	replay := f.replay
	f.mu.Unlock()
	if err == nil && replay != nil {
		items = append(items, replay...)
		defer func() {
			select {
			case f.resyncs <- struct{}{}:
			default:
			}
		}()
	}
	return items, err
}

func (f *flakyStore) MarkSent(ctx context.Context, id int64, ext string, at time.Time) error {
	f.mu.Lock()
	f.markCalled++
	fail := f.markFails > 0
	if fail {
		f.markFails--
	}
	f.mu.Unlock()
	if fail {
		return errors.New("connection refused (database restarting)")
	}
	return f.DB.MarkSent(ctx, id, ext, at)
}

// startEngine starts an engine on st whose clock is c, delivering to sender.
func startEngine(t *testing.T, st bot.Store, c *storetest.Clock, sender bot.Sender) *bot.Engine {
	t.Helper()
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	eng, err := bot.New(bot.Config{Store: st, Knowledge: openIndex(t), Messages: msgs, Logger: quiet, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	eng.AddSender(balai.Telegram, sender, bot.Limits{}, true)
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		eng.Close(ctx)
	})
	return eng
}

func idle(t *testing.T, eng *bot.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !eng.Idle(ctx) {
		t.Fatal("engine not idle after 10s")
	}
}

func reply(chat, text string) bot.Outgoing {
	return bot.Outgoing{Chat: balai.ChatRef{Channel: balai.Telegram, ID: chat}, Kind: bot.OutMessage, Text: text}
}

// A resync reads the outbox, this process delivers an item and forgets it, then the resync
// queues the list it read: the item must not go out again.
func TestResyncListedAfterDeliveryIsNotSentAgain(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			setResyncInterval(t, 5*time.Millisecond)
			c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			st := &flakyStore{DB: opener(t)(t, "resync", store.Options{Owner: "a", Now: c.Now}), resyncs: make(chan struct{}, 1)}
			sender := &fakeSender{}
			eng := startEngine(t, st, c, sender)
			if err := eng.Deliver(context.Background(), reply("1", "balasan")); err != nil {
				t.Fatal(err)
			}
			idle(t, eng)
			if n := len(sender.to("1")); n != 1 {
				t.Fatalf("delivered %d times before the stale resync, want 1", n)
			}
			// The stale list: the item as a resync read it while it was still pending.
			sent := sender.to("1")[0]
			st.mu.Lock()
			st.replay = []bot.StoredOutgoing{{ID: sent.ID, Outgoing: reply("1", "balasan")}}
			st.mu.Unlock()
			for range 3 {
				select {
				case <-st.resyncs:
				case <-time.After(10 * time.Second):
					t.Fatal("no resync")
				}
			}
			idle(t, eng)
			if n := len(sender.to("1")); n != 1 {
				t.Fatalf("delivered %d times, want 1", n)
			}
		})
	}
}

// A delivery whose record fails (the database restarting) is recorded once the database is
// back and never sent again, by this process's resyncs or after a restart.
func TestFailedRecordOfADeliveryDoesNotResend(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			setResyncInterval(t, 5*time.Millisecond)
			c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			open := opener(t)
			st := &flakyStore{DB: open(t, "mark", store.Options{Owner: "a", Now: c.Now}), markFails: 3}
			sender := &fakeSender{}
			eng := startEngine(t, st, c, sender)
			for i := range 3 {
				if err := eng.Deliver(context.Background(), reply("1", "balasan "+strconv.Itoa(i))); err != nil {
					t.Fatal(err)
				}
			}
			idle(t, eng)
			if got := len(sender.to("1")); got != 3 {
				t.Fatalf("delivered %d messages, want 3 once each", got)
			}
			st.mu.Lock()
			calls := st.markCalled
			st.mu.Unlock()
			if calls != 6 {
				t.Errorf("MarkSent called %d times, want 6 (3 failures, then each of 3 recorded)", calls)
			}
			// A restart on the same database finds nothing left to send.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			eng.Close(ctx)
			cancel()
			restarted := startEngine(t, open(t, "mark", store.Options{Owner: "a", Now: c.Now}), c, sender)
			idle(t, restarted)
			if got := len(sender.to("1")); got != 3 {
				t.Fatalf("after a restart %d messages were delivered, want still 3", got)
			}
		})
	}
}

// slowSubmitStore holds Enqueue's return until a resync has delivered what it committed:
// the commit's own submit then arrives after the delivery.
type slowSubmitStore struct {
	*store.DB
	delivered chan struct{}
}

func (s *slowSubmitStore) Enqueue(ctx context.Context, out []bot.Outgoing) ([]bot.StoredOutgoing, error) {
	items, err := s.DB.Enqueue(ctx, out)
	if err == nil {
		select {
		case <-s.delivered:
		case <-time.After(10 * time.Second):
		}
	}
	return items, err
}

// signalSender tells when it has sent something.
type signalSender struct {
	fakeSender
	sent chan struct{}
}

func (s *signalSender) Send(ctx context.Context, o bot.Outgoing) (string, error) {
	id, err := s.fakeSender.Send(ctx, o)
	select {
	case s.sent <- struct{}{}:
	default:
	}
	return id, err
}

// A resync finds a committed reply and delivers it before the commit's own submit arrives:
// the late submit sends nothing.
func TestLateSubmitAfterResyncDeliveryIsNotSentAgain(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			setResyncInterval(t, 5*time.Millisecond)
			c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			sender := &signalSender{sent: make(chan struct{}, 1)}
			st := &slowSubmitStore{DB: opener(t)(t, "late", store.Options{Owner: "a", Now: c.Now}), delivered: sender.sent}
			eng := startEngine(t, st, c, sender)
			if err := eng.Deliver(context.Background(), reply("1", "balasan")); err != nil {
				t.Fatal(err)
			}
			idle(t, eng)
			if n := len(sender.to("1")); n != 1 {
				t.Fatalf("delivered %d times, want 1", n)
			}
		})
	}
}

// gatedSender blocks the delivery of items whose text is gate until released.
type gatedSender struct {
	fakeSender
	gate    string
	entered chan struct{}
	release chan struct{}
}

func (g *gatedSender) Send(ctx context.Context, o bot.Outgoing) (string, error) {
	if o.Text == g.gate {
		g.entered <- struct{}{}
		<-g.release
	}
	return g.fakeSender.Send(ctx, o)
}

// An item that waited in this process longer than its claim lasts (behind a slow send) may
// have been taken by another process meanwhile: it is confirmed before sending, and not sent
// when the other process has it.
func TestLapsedClaimIsConfirmedBeforeSending(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			open := opener(t)
			a := open(t, "lapse", store.Options{Owner: "a", Lease: time.Minute, Now: c.Now})
			b := open(t, "lapse", store.Options{Owner: "b", Lease: time.Minute, Now: c.Now})
			sender := &gatedSender{gate: "pertama", entered: make(chan struct{}, 1), release: make(chan struct{})}
			eng := startEngine(t, a, c, sender)
			if err := eng.Deliver(context.Background(), reply("1", "pertama"), reply("1", "kedua")); err != nil {
				t.Fatal(err)
			}
			<-sender.entered // "kedua" waits behind "pertama" in this process
			c.Add(2 * time.Minute)
			taken, err := b.Unsent(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var took bool
			for _, it := range taken {
				if it.Text == "kedua" {
					took = true
					if err := b.MarkSent(context.Background(), it.ID, "by-b", c.Now()); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !took {
				t.Fatalf("the other process could not take the lapsed item: %+v", taken)
			}
			close(sender.release)
			idle(t, eng)
			for _, o := range sender.to("1") {
				if o.Text == "kedua" {
					t.Fatal(`"kedua" was sent by this process after the other process took and delivered it`)
				}
			}
		})
	}
}
