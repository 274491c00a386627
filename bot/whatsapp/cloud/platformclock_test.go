package cloud_test

import (
	"context"
	"testing"
	"time"

	"github.com/balai-id/balai/bot"
)

// WhatsApp's 24-hour window is judged by when Balai received the citizen's message, on
// Balai's clock: a timestamp from WhatsApp hours off changes nothing.
func TestWindowFollowsBalaisClockNotWhatsApps(t *testing.T) {
	for _, c := range []struct {
		name           string
		platformOffset time.Duration // WhatsApp's timestamp minus Balai's clock
		replyAfter     time.Duration // when the officer replies, after the question
		wantTemplate   bool
	}{
		{"WhatsApp 30h behind, reply after 1h", -30 * time.Hour, time.Hour, false},
		{"WhatsApp 30h ahead, reply after 1h", 30 * time.Hour, time.Hour, false},
		{"WhatsApp 20h ahead, reply after 25h", 20 * time.Hour, 25 * time.Hour, true},
		{"WhatsApp 30h behind, reply after 23h", -30 * time.Hour, 23 * time.Hour, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
			clk := &clock{t: start}
			r := newEngineRig(t, clk, nil)
			eng, fake := r.eng, r.fake
			r.write(t, "wamid.Q1", "KTP saya hilang, bagaimana mengurusnya?", start.Add(c.platformOffset))
			r.idle(t)
			before := len(fake.SentTo(citizen))
			if before == 0 {
				t.Fatal("the question was not answered")
			}
			clk.Set(start.Add(c.replyAfter))
			if err := eng.Deliver(ctx, bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Balasan petugas.", Lang: bot.LangID}); err != nil {
				t.Fatal(err)
			}
			r.idle(t)
			sent := fake.SentTo(citizen)[before:]
			if len(sent) != 1 {
				t.Fatalf("after the officer's reply: %+v, want one message", sent)
			}
			if got := sent[0].Type == "template"; got != c.wantTemplate {
				t.Errorf("template sent = %v, want %v (%+v)", got, c.wantTemplate, sent[0])
			}
		})
	}
}
