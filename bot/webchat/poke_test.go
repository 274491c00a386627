package webchat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
)

// Two replicas behind a round-robin balancer: the browser's event stream is on B, and A
// delivers the reply (A's Send finds no stream of its own; the outbox, shared, marks it
// sent). B's stream shows it when B is poked (a wake-up from A through the database),
// long before its keepalive (20 s) would catch up: the stream's context (10 s) is the hang
// guard.
func TestPokeReplaysAnotherReplicasReply(t *testing.T) {
	b := newFixture(t, nil)
	a := webchat.New(webchat.Config{Agency: "Dinas Uji", Now: b.clock.Now}, b.accept, b.history) // same outbox
	c := b.client()
	conv := b.session(c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := b.openStream(c, ctx)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("event stream: %d", res.StatusCode)
	}
	lines := bufio.NewScanner(res.Body)
	// The stream is open once its first lines are written (retry, then the empty replay).
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "retry:") {
		t.Fatalf("stream start: %q %v", lines.Text(), lines.Err())
	}

	o := bot.Outgoing{ID: 7, Chat: balai.ChatRef{Channel: balai.Web, ID: conv}, Kind: bot.OutMessage, Text: "dari replika A"}
	if _, err := a.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	b.history.add(o) // marked sent by A
	b.chat.Poke("another-chat")
	b.chat.Poke(conv)
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct {
			ID   int64
			HTML string
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.ID != 7 || ev.HTML != "<p>dari replika A</p>" {
			t.Errorf("event = %d %q", ev.ID, ev.HTML)
		}
		return
	}
	t.Fatalf("stream ended without the reply: %v", lines.Err())
}
