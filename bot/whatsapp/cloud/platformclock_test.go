package cloud_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/whatsapp/cloud"
	"github.com/balai-id/balai/internal/wafake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
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
			db, err := store.Open(ctx, filepath.Join(t.TempDir(), "wa.db"), store.Options{Owner: "t", Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			corpus, ps, err := knowledge.LoadCorpus("../../../knowledge/testdata/mini")
			if err != nil || ps.Err() != nil {
				t.Fatal(err, ps)
			}
			ix, err := knowledge.Open(ctx, corpus, knowledge.Options{Logger: quiet, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			msgs, _ := bot.LoadMessages("", "Dinas Uji")
			eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			a, fake := newAdapter(t, eng, func(cfg *cloud.Config) { cfg.LastInbound, cfg.Now = db, clk.Now })
			eng.AddSender(chat().Channel, a, cloud.Limits, true)
			if err := eng.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer eng.Close(ctx)
			idle := func() {
				t.Helper()
				ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if !eng.Idle(ictx) {
					t.Fatal("engine not idle")
				}
			}
			body := wafake.Payload(phoneID, []wafake.Contact{{WaID: citizen, Name: "Siti"}},
				wafake.Text(citizen, "wamid.Q1", "KTP saya hilang, bagaimana mengurusnya?").At(start.Add(c.platformOffset)))
			if rec := serve(a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
				t.Fatalf("webhook: %d", rec.Code)
			}
			idle()
			before := len(fake.SentTo(citizen))
			if before == 0 {
				t.Fatal("the question was not answered")
			}
			clk.Set(start.Add(c.replyAfter))
			if err := eng.Deliver(ctx, bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Balasan petugas.", Lang: bot.LangID}); err != nil {
				t.Fatal(err)
			}
			idle()
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
