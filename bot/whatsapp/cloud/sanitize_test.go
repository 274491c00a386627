package cloud_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/whatsapp/cloud"
	"github.com/balai-id/balai/internal/wafake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// WhatsApp Cloud: a webhook carrying NUL (\u0000) or raw invalid UTF-8 is recorded and the
// message answered, on SQLite and PostgreSQL (which refuses NUL in text).
func TestWebhookNULAndInvalidUTF8(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			clk := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
			db := opener(t)(t, "wa", store.Options{Owner: "t", Now: clk.Now})
			c, ps, err := knowledge.LoadCorpus("../../../knowledge/testdata/mini")
			if err != nil || ps.Err() != nil {
				t.Fatal(err, ps)
			}
			ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ix.Close() })
			msgs, _ := bot.LoadMessages("", "Dinas Uji")
			eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			a, fake := newAdapter(t, eng, func(cfg *cloud.Config) { cfg.LastInbound, cfg.Now = db, clk.Now })
			eng.AddSender(balai.WhatsApp, a, cloud.Limits, true)
			if err := eng.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { eng.Close(context.Background()) })

			body := wafake.Payload(phoneID, []wafake.Contact{{WaID: citizen, Name: "Siti\u0000"}},
				wafake.Text(citizen, "wamid.NUL", "ktp saya\u0000 hilang").At(clk.Now()),
				wafake.Text(citizen, "wamid.BAD", "ktp saya hilang BAD").At(clk.Now()))
			// Raw bytes that are not UTF-8 inside the JSON string.
			body = bytes.Replace(body, []byte("BAD"), []byte("\xff\xfe"), 1)
			if rec := serve(a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
				t.Fatalf("webhook: %d %s", rec.Code, rec.Body)
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if !eng.Idle(wctx) {
				t.Fatal("engine not idle")
			}
			answers := 0
			for _, s := range fake.SentTo(citizen) {
				if strings.Contains(s.Text, "surat kehilangan") {
					answers++
				}
			}
			if answers != 2 {
				t.Errorf("%d answers to 2 questions: %+v", answers, fake.SentTo(citizen))
			}
			var failed int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM inbound WHERE attempts > 0 OR handled_at IS NULL`).Scan(&failed); err != nil || failed != 0 {
				t.Errorf("%d messages failed or unhandled (%v)", failed, err)
			}
		})
	}
}
