package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// A platform's timestamp never decides anything: the engine dates every message with its own
// clock when it accepts it (see package clock), whatever the adapter put in Time.
func TestMessagesAreDatedByBalaisClock(t *testing.T) {
	for _, off := range []time.Duration{-100 * 24 * time.Hour, -5 * time.Hour, 5 * time.Hour, 400 * 24 * time.Hour} {
		t.Run("platform "+off.String(), func(t *testing.T) {
			esc := &fakeEscalator{}
			h := newHarness(t, t.TempDir(), esc, func(c *bot.Config) { c.FloodMessages, c.FloodWindow = 3, time.Minute })
			chat := balai.ChatRef{Channel: balai.Telegram, ID: "1"}
			accept := func(i int, text string, platform time.Time) {
				t.Helper()
				in := bot.Inbound{Chat: chat, Key: "m" + strconv.Itoa(i), MessageID: strconv.Itoa(i), Kind: bot.KindText, Text: text,
					Time: platform, SentAt: platform}
				if _, err := h.eng.Accept(context.Background(), in); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				h.eng.Idle(ctx)
			}
			// Escalation: the ticket is dated, and its due time counted, from Balai's clock.
			accept(0, "/petugas", h.now.Add(off))
			esc.mu.Lock()
			escs := esc.escs
			esc.mu.Unlock()
			if len(escs) != 1 || !escs[0].At.Equal(h.now) {
				t.Fatalf("escalations %+v, want one at the bot's time %v", escs, h.now)
			}
			// Flood: the platform says its messages came ten minutes apart; Balai received
			// them at once, and that is what counts.
			for i := 1; i <= 5; i++ {
				accept(i, "ktp hilang", h.now.Add(off+time.Duration(i)*10*time.Minute))
			}
			notices := 0
			for _, o := range h.sender.to("1") {
				if strings.Contains(o.Text, "masuk sangat cepat") {
					notices++
				}
			}
			if notices != 1 {
				t.Errorf("flood notices = %d, want 1", notices)
			}
		})
	}
}
