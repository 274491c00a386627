package bot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// Poison messages: a message that always fails is parked after a bounded number of tries and
// never holds up the others; invalid input is rejected without retries; retries do not count
// as flood. Each test runs on SQLite and on PostgreSQL.

// poisonKnowledge fails every question containing "racun": with a transient error, or a
// permanent one when the question also says "permanen". It counts the questions it failed.
type poisonKnowledge struct {
	bot.Knowledge
	mu    sync.Mutex
	tries map[string]int
	onAsk func(q string) // told of every question, in the order asked
}

func (p *poisonKnowledge) Ask(ctx context.Context, q string, opts ...knowledge.AskOption) (*knowledge.Result, error) {
	p.mu.Lock()
	onAsk := p.onAsk
	p.mu.Unlock()
	if onAsk != nil {
		onAsk(q)
	}
	if !strings.Contains(q, "racun") {
		return p.Knowledge.Ask(ctx, q, opts...)
	}
	p.mu.Lock()
	p.tries[q]++
	p.mu.Unlock()
	if strings.Contains(q, "permanen") {
		return nil, &bot.PermanentError{Err: errors.New("index refuses this question")}
	}
	return nil, errors.New("index unavailable")
}

func (p *poisonKnowledge) triesOf(q string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tries[q]
}

// ratingEscalator accepts ratings of ticket BLI-7 from chat "7" only; any other is invalid
// input, as the desk says. It counts the calls.
type ratingEscalator struct {
	fakeEscalator
	mu    sync.Mutex
	rates int
}

func (r *ratingEscalator) Rate(_ context.Context, chat balai.ChatRef, ticket string, n int) error {
	r.mu.Lock()
	r.rates++
	r.mu.Unlock()
	if ticket != "BLI-7" || chat.ID != "7" {
		return fmt.Errorf("rate %s: %w", ticket, bot.ErrInvalidInput)
	}
	return nil
}

func (r *ratingEscalator) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rates
}

// failingCommits is a real store whose Commit fails transiently the first times for each
// message (a busy database).
type failingCommits struct {
	*store.DB
	mu    sync.Mutex
	fails int           // how many times each message's commit fails
	seen  map[int64]int // commits tried per message
}

func (f *failingCommits) Commit(ctx context.Context, t bot.Turn) ([]bot.StoredOutgoing, error) {
	f.mu.Lock()
	f.seen[t.Inbound.ID]++
	fail := f.seen[t.Inbound.ID] <= f.fails
	f.mu.Unlock()
	if fail {
		return nil, errors.New("database is locked (SQLITE_BUSY)")
	}
	return f.DB.Commit(ctx, t)
}

type poisonRig struct {
	t      *testing.T
	db     *store.DB
	eng    *bot.Engine
	sender *fakeSender
	know   *poisonKnowledge
	clock  *storetest.Clock
	seq    int
}

// newPoisonRig starts an engine on a fresh store; tweak may replace the store the engine
// uses (wrapping db) and change the configuration.
func newPoisonRig(t *testing.T, open storetest.Opener, tweak func(db *store.DB, c *bot.Config)) *poisonRig {
	t.Helper()
	clk := storetest.NewClock(harnessNow())
	db := open(t, "poison", store.Options{Owner: "p", Now: clk.Now})
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	know := &poisonKnowledge{Knowledge: openIndex(t), tries: map[string]int{}}
	cfg := bot.Config{Store: db, Knowledge: know, Messages: msgs, Logger: quiet, Now: clk.Now, Escalator: &fakeEscalator{},
		MaxTries: 3, RetryBackoff: time.Millisecond}
	if tweak != nil {
		tweak(db, &cfg)
	}
	eng, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sender := &fakeSender{}
	eng.AddSender(balai.Telegram, sender, bot.Limits{}, true)
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		eng.Close(ctx)
	})
	return &poisonRig{t: t, db: db, eng: eng, sender: sender, know: know, clock: clk}
}

func tg(id string) balai.ChatRef { return balai.ChatRef{Channel: balai.Telegram, ID: id} }

// accept hands messages to the engine without waiting.
func (r *poisonRig) accept(ins ...bot.Inbound) {
	r.t.Helper()
	for i := range ins {
		r.seq++
		ins[i].Key = fmt.Sprintf("p%d", r.seq)
		ins[i].MessageID = fmt.Sprint(r.seq)
		if ins[i].Kind == "" {
			ins[i].Kind = bot.KindText
		}
	}
	if _, err := r.eng.Accept(context.Background(), ins...); err != nil {
		r.t.Fatal(err)
	}
}

func (r *poisonRig) deadLetters() []bot.DeadLetter {
	r.t.Helper()
	ds, err := r.db.DeadLetters(context.Background(), 100)
	if err != nil {
		r.t.Fatal(err)
	}
	return ds
}

// logged is what the message log kept of chat's inbound messages: decision and text.
func (r *poisonRig) logged(chat string) [][2]string {
	r.t.Helper()
	rows, err := r.db.SQL().QueryContext(context.Background(),
		`SELECT decision, text FROM message_log WHERE chat_id = $1 AND direction = 'in' ORDER BY id`, chat)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var d, text string
		if err := rows.Scan(&d, &text); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, [2]string{d, text})
	}
	return out
}

// waitFor waits until cond holds; it fails the test when it does not within 10 seconds
// (a bound against hanging, not a measure of speed).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPoisonIsParkedAfterItsTriesAndOthersAreAnswered(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			r := newPoisonRig(t, opener(t), nil)
			r.accept(
				bot.Inbound{Chat: tg("1"), Text: "racun ktp"},
				bot.Inbound{Chat: tg("1"), Text: "ktp saya hilang"},
				bot.Inbound{Chat: tg("2"), Text: "ktp saya hilang"},
				bot.Inbound{Chat: tg("3"), Text: "racun permanen"},
			)
			idle(t, r.eng)
			for _, chat := range []string{"1", "2"} {
				if got := r.sender.to(chat); len(got) != 1 || !strings.Contains(got[0].Text, "surat kehilangan") {
					t.Errorf("chat %s: real message not answered: %+v", chat, got)
				}
			}
			if got := r.sender.to("3"); len(got) != 0 {
				t.Errorf("the poison got a reply: %+v", got)
			}
			if n := r.know.triesOf("racun ktp"); n != 3 {
				t.Errorf("transient poison tried %d times, want MaxTries 3", n)
			}
			if n := r.know.triesOf("racun permanen"); n != 1 {
				t.Errorf("permanent poison tried %d times, want 1", n)
			}
			ds := r.deadLetters()
			if len(ds) != 2 {
				t.Fatalf("dead letters = %+v, want the two poisons", ds)
			}
			want := map[string]struct {
				attempts  int
				permanent bool
				err       string
			}{"1": {3, false, "index unavailable"}, "3": {1, true, "index refuses this question"}}
			for _, d := range ds {
				w, ok := want[d.Chat.ID]
				if !ok || d.Chat.Channel != balai.Telegram || d.Attempts != w.attempts || d.Permanent != w.permanent ||
					!strings.Contains(d.Error, w.err) || !strings.HasPrefix(d.Text, "racun") || d.Kind != bot.KindText ||
					d.ParkedAt.IsZero() || d.ReceivedAt.IsZero() {
					t.Errorf("dead letter %+v, want %+v", d, w)
				}
			}
			// Parked messages are not taken up again: not by a resync, not after a restart.
			pending, err := r.db.Pending(context.Background())
			if err != nil || len(pending) != 0 {
				t.Errorf("pending after parking = %+v, %v", pending, err)
			}
		})
	}
}

// While a failed message waits for its retry, the chat's next message waits behind it
// (per-chat order) while other chats are answered: the back-off holds no worker.
func TestRetryWaitHoldsOnlyItsChat(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			r := newPoisonRig(t, opener(t), func(_ *store.DB, c *bot.Config) { c.Workers, c.RetryBackoff = 1, time.Hour })
			r.accept(bot.Inbound{Chat: tg("1"), Text: "racun ktp"})
			r.accept(bot.Inbound{Chat: tg("1"), Text: "ktp saya hilang"}, bot.Inbound{Chat: tg("2"), Text: "ktp saya hilang"})
			// One worker, chat 1's message queued before chat 2's: by the time chat 2 is
			// answered, chat 1's message has been taken and put aside.
			waitFor(t, "the other chat answered", func() bool { return len(r.sender.to("2")) == 1 })
			if got := r.sender.to("1"); len(got) != 0 {
				t.Errorf("chat 1 answered while its earlier message waits for a retry: %+v", got)
			}
			if n := r.know.triesOf("racun ktp"); n != 1 {
				t.Errorf("poison tried %d times before its back-off ended", n)
			}
			// The wait is recorded: a resync or a restart sees the retry time and keeps the
			// chat's later message behind it.
			pending, err := r.db.Pending(context.Background())
			if err != nil || len(pending) != 2 || pending[0].Attempts != 1 || pending[0].NotBefore.IsZero() || pending[1].Text != "ktp saya hilang" {
				t.Errorf("pending during the back-off = %+v, %v; want the poison with its retry time, then the next message", pending, err)
			}
		})
	}
}

// A message that keeps failing is parked, and the chat's next message is answered only
// then: it is not overtaken silently, and the parked one no longer blocks its chat.
func TestParkedMessageReleasesItsChat(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			r := newPoisonRig(t, opener(t), func(_ *store.DB, c *bot.Config) { c.Workers = 1 })
			var order []string
			var mu sync.Mutex
			r.know.mu.Lock()
			r.know.onAsk = func(q string) { mu.Lock(); order = append(order, q); mu.Unlock() }
			r.know.mu.Unlock()
			r.accept(bot.Inbound{Chat: tg("1"), Text: "racun ktp"})
			r.accept(bot.Inbound{Chat: tg("1"), Text: "ktp saya hilang"})
			waitFor(t, "chat 1 answered", func() bool { return len(r.sender.to("1")) == 1 })
			idle(t, r.eng)
			mu.Lock()
			defer mu.Unlock()
			want := []string{"racun ktp", "racun ktp", "racun ktp", "ktp saya hilang"}
			if !slices.Equal(order, want) {
				t.Errorf("asked %q, want the poison's three tries before the next message", order)
			}
			if ds := r.deadLetters(); len(ds) != 1 {
				t.Errorf("dead letters = %+v, want the poison", ds)
			}
		})
	}
}

func TestForgedButtonsAreRejectedWithoutRetries(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			esc := &ratingEscalator{}
			r := newPoisonRig(t, opener(t), func(_ *store.DB, c *bot.Config) { c.Escalator = esc })
			presses := []struct {
				chat, data string
				rates      int // calls to Rate it makes
			}{
				{"1", "r:x:1", 1},        // no such ticket
				{"1", "r:BLI-7:1", 1},    // another chat's ticket
				{"1", "r:BLI-7:9", 0},    // no such rating
				{"1", "r:BLI-7", 0},      // malformed
				{"7", "r:BLI-7:5", 1},    // the chat's own: valid
				{"1", "r:\x00\xff:1", 1}, // garbage bytes: sanitised, still invalid
			}
			wantRates := 0
			for i, p := range presses {
				r.accept(bot.Inbound{Chat: tg(p.chat), Kind: bot.KindButton, Text: p.data, CallbackID: fmt.Sprint("cb", i)})
				wantRates += p.rates
			}
			idle(t, r.eng)
			if n := esc.calls(); n != wantRates {
				t.Errorf("Rate called %d times, want %d (no retries)", n, wantRates)
			}
			if ds := r.deadLetters(); len(ds) != 0 {
				t.Errorf("invalid input parked: %+v", ds)
			}
			got := r.sender.to("1")
			if len(got) != 5 {
				t.Fatalf("chat 1 got %d replies, want one per forged press: %+v", len(got), got)
			}
			for _, o := range got {
				if !strings.Contains(o.Text, "tombol itu tidak berlaku") {
					t.Errorf("reply to a forged button = %q", o.Text)
				}
			}
			if got := r.sender.to("7"); len(got) != 1 || !strings.Contains(got[0].Text, "5") || strings.Contains(got[0].Text, "tidak berlaku") {
				t.Errorf("valid rating reply = %+v", got)
			}
			acks := 0
			for _, o := range r.sender.all() {
				if o.Kind == bot.OutCallback {
					acks++
				}
			}
			if acks != len(presses) {
				t.Errorf("%d presses acknowledged, want all %d", acks, len(presses))
			}
			for _, l := range r.logged("1") {
				if l[0] != "invalid" {
					t.Errorf("forged press logged as %q", l[0])
				}
			}
		})
	}
}

// Commits that fail and are retried do not count as messages toward the flood limit.
func TestRetriesDoNotCountAsFlood(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			r := newPoisonRig(t, opener(t), func(db *store.DB, c *bot.Config) {
				c.Store = &failingCommits{DB: db, fails: 2, seen: map[int64]int{}}
				c.FloodMessages, c.FloodWindow = 3, time.Minute
			})
			for i := 0; i < 3; i++ {
				r.accept(bot.Inbound{Chat: tg("1"), Text: "ktp saya hilang"})
				idle(t, r.eng)
			}
			got := r.sender.to("1")
			if len(got) != 3 {
				t.Fatalf("got %d replies to 3 messages each committed on the third try: %+v", len(got), got)
			}
			for _, o := range got {
				if !strings.Contains(o.Text, "surat kehilangan") {
					t.Errorf("reply %q, want the answer (no flood notice)", o.Text)
				}
			}
			// The fourth new message is over the limit: the flood guard still works.
			r.accept(bot.Inbound{Chat: tg("1"), Text: "ktp saya hilang"})
			idle(t, r.eng)
			if got := r.sender.to("1"); len(got) != 4 || !strings.Contains(got[3].Text, "masuk sangat cepat") {
				t.Errorf("fourth message: %+v, want the flood notice", got[3:])
			}
		})
	}
}

// NUL bytes and invalid UTF-8 are cleaned when accepted: stored (PostgreSQL refuses NUL in
// text) and answered like the clean text.
func TestNULAndInvalidUTF8AreStoredAndAnswered(t *testing.T) {
	for name, opener := range stores {
		t.Run(name, func(t *testing.T) {
			r := newPoisonRig(t, opener(t), nil)
			cases := []struct{ chat, text, stored string }{
				{"1", "ktp saya\x00 hilang", "ktp saya hilang"},
				{"2", "ktp saya hilang\xff\xfe", "ktp saya hilang\uFFFD"},
				{"3", "\x00\x00ktp saya hilang\x00", "ktp saya hilang"},
			}
			for _, c := range cases {
				r.accept(bot.Inbound{Chat: tg(c.chat), Text: c.text, UserName: "Bu\x00di\xff"})
			}
			idle(t, r.eng)
			for _, c := range cases {
				if got := r.sender.to(c.chat); len(got) != 1 || !strings.Contains(got[0].Text, "surat kehilangan") {
					t.Errorf("%q: replies %+v, want the answer", c.text, got)
				}
				if l := r.logged(c.chat); len(l) != 1 || l[0][1] != c.stored {
					t.Errorf("%q: logged %q, want %q", c.text, l, c.stored)
				}
			}
			if ds := r.deadLetters(); len(ds) != 0 {
				t.Errorf("dead letters: %+v", ds)
			}
		})
	}
}
