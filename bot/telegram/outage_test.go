package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// Deliveries under Bot API faults, on both databases: an outage of any length within the
// horizon loses nothing, a permanent refusal ends at once and is reported, and the horizon
// ends retrying for good. Balai's clock is a storetest.Clock the test moves; back-off waits
// are cut to milliseconds so that minutes of outage take no time.

var outageStores = map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres}

type outageRig struct {
	fake   *tgfake.Server
	eng    *bot.Engine
	db     *store.DB
	clock  *storetest.Clock
	reg    *prometheus.Registry
	mu     sync.Mutex
	failed []error // told to OnDeliveryFailed
}

func newOutageRig(t *testing.T, open storetest.Opener, horizon time.Duration) *outageRig {
	t.Helper()
	r := &outageRig{fake: tgfake.New(token), clock: storetest.NewClock(time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)), reg: prometheus.NewRegistry()}
	api := httptest.NewServer(r.fake)
	t.Cleanup(api.Close)
	ctx := context.Background()
	r.db = open(t, "outage", store.Options{Owner: "outage-test", Now: r.clock.Now})
	c, ps, err := knowledge.LoadCorpus(testCorpus(t))
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	r.eng, err = bot.New(bot.Config{Store: r.db, Knowledge: ix, Messages: msgs, Logger: quiet, Now: r.clock.Now,
		Metrics: bot.NewMetrics(r.reg), DeliveryHorizon: horizon, DeliveryBackoff: time.Millisecond, MaxDeliveryBackoff: 4 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r.reg.MustRegister(bot.NewBacklogCollector(r.db, r.clock.Now, quiet))
	ad, err := telegram.New(telegram.Config{Token: token, APIURL: api.URL, Logger: quiet, PollTimeout: 2 * time.Second}, r.eng)
	if err != nil {
		t.Fatal(err)
	}
	r.eng.AddSender(balai.Telegram, ad, bot.Limits{}, true)
	r.eng.OnDeliveryFailed(func(_ context.Context, _ bot.StoredOutgoing, err error) {
		r.mu.Lock()
		r.failed = append(r.failed, err)
		r.mu.Unlock()
	})
	if err := r.eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		r.eng.Close(cctx)
	})
	return r
}

func (r *outageRig) deliver(t *testing.T, chat int64, texts ...string) {
	t.Helper()
	var out []bot.Outgoing
	for _, s := range texts {
		out = append(out, bot.Outgoing{Chat: balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(chat, 10)}, Kind: bot.OutMessage, Text: s, Lang: bot.LangID})
	}
	if err := r.eng.Deliver(context.Background(), out...); err != nil {
		t.Fatal(err)
	}
}

func (r *outageRig) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !r.eng.Idle(ctx) {
		t.Fatal("deliveries still waiting (parked) 20 s after the fault ended")
	}
}

func (r *outageRig) failures() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.failed...)
}

// gauge reads one series of the registry (-1 when absent).
func (r *outageRig) gauge(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			if m.Gauge != nil {
				return m.Gauge.GetValue()
			}
			return m.Counter.GetValue()
		}
	}
	return -1
}

// TestFourMinuteOutageLosesNothing: the Bot API answers 500 for four minutes of Balai's
// clock (each chat's first reply failing many times meanwhile, far past the 12 attempts
// that used to give up); nothing is given up, the backlog and its age show on /metrics, and
// when the API is back every reply arrives once, in order.
func TestFourMinuteOutageLosesNothing(t *testing.T) {
	for name, opener := range outageStores {
		t.Run(name, func(t *testing.T) {
			r := newOutageRig(t, opener(t), 24*time.Hour)
			r.fake.Outage(http.StatusInternalServerError)
			chats := []int64{501, 502, 503, 504, 505, 506, 507, 508}
			for _, c := range chats {
				r.deliver(t, c, fmt.Sprint("balasan 1 untuk ", c), fmt.Sprint("balasan 2 untuk ", c), fmt.Sprint("balasan 3 untuk ", c))
			}
			// Each chat's first reply is tried over and over (the back-off is cut to ms);
			// meanwhile Balai's clock runs through four minutes.
			for step := 0; step < 4; step++ {
				want := 5 * (step + 1)
				if !r.fake.WaitFor(20*time.Second, func() bool {
					for _, c := range chats {
						if r.fake.Attempts(c) < want {
							return false
						}
					}
					return true
				}) {
					t.Fatalf("minute %d: not every chat was retried %d times", step, want)
				}
				r.clock.Add(time.Minute)
			}
			if n := r.fake.Attempts(chats[0]); n <= 12 {
				t.Fatalf("only %d attempts during the outage: the test would not show the old limit of 12", n)
			}
			if got := r.failures(); len(got) != 0 {
				t.Fatalf("deliveries given up during a 4-minute outage: %v", got)
			}
			if got := r.gauge(t, "balai_outbox_items", map[string]string{"channel": "telegram", "state": "pending"}); got != float64(3*len(chats)) {
				t.Errorf("balai_outbox_items{pending} = %v during the outage, want %d", got, 3*len(chats))
			}
			if got := r.gauge(t, "balai_outbox_oldest_pending_seconds", map[string]string{"channel": "telegram"}); got < 240 {
				t.Errorf("balai_outbox_oldest_pending_seconds = %v, want ≥ 240 after four minutes", got)
			}
			if got := len(r.fake.AllSent()); got != 0 {
				t.Fatalf("%d messages arrived during the outage", got)
			}

			r.fake.Outage(0)
			r.idle(t)
			for _, c := range chats {
				got := r.fake.SentTo(c)
				if len(got) != 3 {
					t.Fatalf("chat %d got %d replies after the outage, want 3 (once each)", c, len(got))
				}
				for i, m := range got {
					if want := fmt.Sprint("balasan ", i+1, " untuk ", c); m.Text != want {
						t.Errorf("chat %d reply %d = %q, want %q (order)", c, i, m.Text, want)
					}
				}
			}
			if got := r.gauge(t, "balai_deliveries_given_up_total", nil); got > 0 {
				t.Errorf("balai_deliveries_given_up_total = %v, want none", got)
			}
			r.clock.Add(10 * time.Second) // past the collector's interval: a fresh reading
			if got := r.gauge(t, "balai_outbox_items", map[string]string{"channel": "telegram", "state": "pending"}); got > 0 {
				t.Errorf("balai_outbox_items{pending} = %v after delivery, want none", got)
			}
		})
	}
}

// TestBlockedChatEndsAtOnceAndIsReported: 403 "bot was blocked by the user" is tried once,
// told to OnDeliveryFailed (the desk shows it on the ticket) with the class "blocked", and
// counted; the chat's other items are not held up by it.
func TestBlockedChatEndsAtOnceAndIsReported(t *testing.T) {
	for name, opener := range outageStores {
		t.Run(name, func(t *testing.T) {
			r := newOutageRig(t, opener(t), 24*time.Hour)
			r.fake.Block(601)
			r.deliver(t, 601, "balasan untuk warga yang memblokir")
			r.deliver(t, 602, "balasan biasa")
			r.idle(t)
			if n := r.fake.Attempts(601); n != 1 {
				t.Errorf("blocked chat tried %d times, want 1", n)
			}
			if got := r.fake.SentTo(602); len(got) != 1 {
				t.Errorf("other chat got %d replies, want 1", len(got))
			}
			failed := r.failures()
			if len(failed) != 1 || bot.DeliveryReason(failed[0]) != bot.ReasonBlocked {
				t.Fatalf("failures told = %v, want one of class %q", failed, bot.ReasonBlocked)
			}
			if got := r.gauge(t, "balai_deliveries_given_up_total", map[string]string{"channel": "telegram", "reason": "blocked"}); got != 1 {
				t.Errorf("balai_deliveries_given_up_total{reason=blocked} = %v, want 1", got)
			}
		})
	}
}

// TestPastTheHorizonIsGivenUpAndCounted: with a 1-hour horizon, replies still failing when
// Balai's clock is two hours on are given up — the chat's waiting ones with the first —
// reported with the class "horizon" and counted; nothing is sent later.
func TestPastTheHorizonIsGivenUpAndCounted(t *testing.T) {
	for name, opener := range outageStores {
		t.Run(name, func(t *testing.T) {
			r := newOutageRig(t, opener(t), time.Hour)
			r.fake.Outage(http.StatusBadGateway)
			r.deliver(t, 701, "satu", "dua")
			if !r.fake.WaitFor(20*time.Second, func() bool { return r.fake.Attempts(701) >= 3 }) {
				t.Fatal("not retried")
			}
			if got := r.failures(); len(got) != 0 {
				t.Fatalf("given up within the horizon: %v", got)
			}
			r.clock.Add(2 * time.Hour)
			r.idle(t)
			failed := r.failures()
			if len(failed) != 2 {
				t.Fatalf("%d given up past the horizon, want 2: %v", len(failed), failed)
			}
			for _, err := range failed {
				if bot.DeliveryReason(err) != bot.ReasonHorizon {
					t.Errorf("reason %q (%v), want %q", bot.DeliveryReason(err), err, bot.ReasonHorizon)
				}
			}
			if got := r.gauge(t, "balai_deliveries_given_up_total", map[string]string{"channel": "telegram", "reason": "horizon"}); got != 2 {
				t.Errorf("balai_deliveries_given_up_total{reason=horizon} = %v, want 2", got)
			}
			r.fake.Outage(0)
			if got := len(r.fake.AllSent()); got != 0 {
				t.Errorf("%d messages sent after they were given up", got)
			}
			if got := r.gauge(t, "balai_outbox_items", map[string]string{"state": "pending"}); got > 0 {
				t.Errorf("balai_outbox_items{pending} = %v, want none left", got)
			}
		})
	}
}
