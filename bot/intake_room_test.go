package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// TestHasRoomFollowsTheIntake: an engine has room while its intake queue is not full, none
// while it is, room again once it drains, and none once closing.
func TestHasRoomFollowsTheIntake(t *testing.T) {
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
	accept := func(chat, key string) {
		t.Helper()
		if _, err := h.eng.Accept(context.Background(), bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: chat},
			Key: key, Kind: bot.KindText, Text: "ktp hilang", Time: h.now}); err != nil {
			t.Fatal(err)
		}
	}
	if !h.eng.HasRoom() {
		t.Fatal("no room in an empty intake")
	}
	accept("1", "a") // taken by the only worker, which gets stuck
	<-gate.entered
	accept("2", "b") // waits in the queue: it is full now
	if h.eng.HasRoom() {
		t.Fatal("room in a full intake")
	}
	close(gate.open)
	released = true
	idle, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	h.eng.Idle(idle)
	if !h.eng.HasRoom() {
		t.Fatal("no room after the intake drained")
	}
	if err := h.eng.Close(idle); err != nil {
		t.Fatal(err)
	}
	if h.eng.HasRoom() {
		t.Fatal("room in a closed engine")
	}
}
