package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/knowledge"
)

// gatedKnowledge holds every question until open is closed, and tells when the first one
// arrived: the engine's only worker is then busy.
type gatedKnowledge struct {
	bot.Knowledge
	entered chan struct{}
	open    chan struct{}
}

func (g *gatedKnowledge) Ask(ctx context.Context, text string, opts ...knowledge.AskOption) (*knowledge.Result, error) {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.open
	return g.Knowledge.Ask(ctx, text, opts...)
}

// TestAcceptAnswersBusyWhenTheIntakeIsFull fills an intake queue of one behind a stuck
// worker: the next Accept gives up with ErrBusy, records nothing, and does not wait for the
// worker; once the worker moves on, Accept takes messages again and every recorded message
// is answered.
func TestAcceptAnswersBusyWhenTheIntakeIsFull(t *testing.T) {
	gate := &gatedKnowledge{entered: make(chan struct{}, 1), open: make(chan struct{})}
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, func(c *bot.Config) {
		gate.Knowledge = c.Knowledge
		c.Knowledge = gate
		c.Workers, c.IntakeLimit, c.IntakeWait = 1, 1, time.Millisecond
	})
	released := false
	defer func() {
		if !released {
			close(gate.open)
		}
	}()
	accept := func(chat, key string) error {
		_, err := h.eng.Accept(context.Background(), bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: chat},
			Key: key, Kind: bot.KindText, Text: "ktp hilang", Time: h.now})
		return err
	}
	if err := accept("1", "a"); err != nil { // taken by the only worker, which gets stuck
		t.Fatal(err)
	}
	<-gate.entered
	if err := accept("2", "b"); err != nil { // waits in the queue: it is full now
		t.Fatal(err)
	}
	err := accept("3", "c")
	if !errors.Is(err, bot.ErrBusy) {
		t.Fatalf("Accept with a full intake = %v, want ErrBusy", err)
	}
	// A caller's own deadline that ends first is reported as such, not as busy.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.eng.Accept(ctx, bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "4"}, Key: "d", Kind: bot.KindText, Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Accept with an ended context = %v, want context.Canceled", err)
	}

	close(gate.open)
	released = true
	idle, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	h.eng.Idle(idle)
	if err := accept("3", "c"); err != nil {
		t.Fatalf("Accept after the queue drained: %v", err)
	}
	h.eng.Idle(idle)
	for _, chat := range []string{"1", "2", "3"} {
		if n := len(h.sender.to(chat)); n != 1 {
			t.Errorf("chat %s got %d replies, want 1", chat, n)
		}
	}
	if n := len(h.sender.to("4")); n != 0 {
		t.Errorf("chat 4 (refused) got %d replies, want none", n)
	}
}
