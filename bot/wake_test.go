package bot_test

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

// awaySender is a channel another replica holds (bot.Availability): this process gives its
// deliveries up.
type awaySender struct{ t *testing.T }

func (s awaySender) Available() bool { return false }

func (s awaySender) Send(context.Context, bot.Outgoing) (string, error) {
	s.t.Error("sent through a channel held elsewhere")
	return "", nil
}

// wakeOn starts db's listener until the test ends, calling eng.Wake on each wake-up of this
// run (owners end in suffix: notifications are database-wide), and returns once it listens.
func wakeOn(t *testing.T, db, probe *store.DB, eng *bot.Engine, suffix string) {
	t.Helper()
	heard := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.Listen(ctx, func(kind, arg string) {
			if !strings.HasSuffix(arg, suffix) {
				return
			}
			if arg == probe.Owner() {
				select {
				case heard <- struct{}{}:
				default:
				}
				return
			}
			eng.Wake()
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the listener listening", func() bool {
		if err := probe.Unclaim(context.Background(), -1); err != nil {
			t.Fatal(err)
		}
		select {
		case <-heard:
			return true
		case <-time.After(20 * time.Millisecond):
			return false
		}
	})
}

// A reply committed on replica A for a channel only replica B serves is delivered by B at
// once, woken by A, not at B's periodic catch-up (an hour away here).
func TestReplicaWokenForDeliveryItGaveUp(t *testing.T) {
	open := storetest.Postgres(t)
	setResyncInterval(t, time.Hour)
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	ix := openIndex(t)
	u := strconv.FormatInt(time.Now().UnixNano(), 36)
	probe := open(t, "wake", store.Options{Owner: "probe" + u, Lease: time.Hour})
	var dbs []*store.DB
	var engines []*bot.Engine
	b := &fakeSender{}
	for i, owner := range []string{"a" + u, "b" + u} {
		db := open(t, "wake", store.Options{Owner: owner, Lease: time.Hour})
		eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet, Escalator: &fakeEscalator{}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			eng.AddSender(balai.Telegram, awaySender{t}, bot.Limits{}, true)
		} else {
			eng.AddSender(balai.Telegram, b, bot.Limits{}, true)
		}
		if err := eng.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			eng.Close(ctx)
		})
		dbs, engines = append(dbs, db), append(engines, eng)
	}
	wakeOn(t, dbs[1], probe, engines[1], u)

	if err := engines[0].Deliver(context.Background(), bot.Outgoing{Chat: tg("7"), Kind: bot.OutMessage, Text: "Tiket BLI-1 dijawab"}); err != nil {
		t.Fatal(err)
	}
	// A hang guard, not a timing assertion: without the wake-up B would wait an hour.
	waitFor(t, "B delivering what A gave up", func() bool { return len(b.to("7")) == 1 })
	if got := b.to("7")[0].Text; got != "Tiket BLI-1 dijawab" {
		t.Errorf("B sent %q", got)
	}
}
