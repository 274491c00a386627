package meow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	wastore "go.mau.fi/whatsmeow/store"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// WhatsApp (whatsmeow): text with NUL bytes or invalid UTF-8 (protobuf strings of the
// personal-account protocol are not checked) is recorded and answered, on SQLite and
// PostgreSQL.
func TestNULAndInvalidUTF8AreAnswered(t *testing.T) {
	for name, open := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)(t, "sanitize", store.Options{Owner: "a"})
			linkDevice(t, db)
			c, ps, err := knowledge.LoadCorpus("../../../knowledge/testdata/mini")
			if err != nil || ps.Err() != nil {
				t.Fatal(err, ps)
			}
			ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ix.Close() })
			msgs, _ := bot.LoadMessages("", "Dinas Uji")
			eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			st := &states{}
			a, err := meow.New(testConfig(db, st), eng)
			if err != nil {
				t.Fatal(err)
			}
			clients := make(chan *fakeClient, 4)
			meow.SetClientFactory(a, func(dev *wastore.Device, _ waLog.Logger) meow.Client {
				f := newFake(dev)
				clients <- f
				return f
			})
			eng.AddSender(balai.WhatsApp, a, bot.Limits{}, false)
			if err := eng.Start(ctx); err != nil {
				t.Fatal(err)
			}
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- a.Run(runCtx) }()
			t.Cleanup(func() {
				cancel()
				<-done
				eng.Close(context.Background())
			})
			var f *fakeClient
			select {
			case f = <-clients:
			case <-time.After(5 * time.Second):
				t.Fatal("no client")
			}
			waitFor(t, func() (string, bool) { s, d := a.State(); return d, s == meow.StateConnected }, "connected")

			for _, m := range []struct{ id, text string }{{"N1", "ktp saya\x00 hilang"}, {"N2", "ktp saya hilang \xff\xfe"}} {
				if !f.dispatch(msg(m.id, &waE2E.Message{Conversation: proto.String(m.text)})) {
					t.Fatalf("%s not recorded", m.id)
				}
			}
			wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
			defer wcancel()
			if !eng.Idle(wctx) {
				t.Fatal("engine not idle")
			}
			answers := 0
			for _, s := range f.sentMessages() {
				if strings.Contains(s.msg.GetConversation()+s.msg.GetExtendedTextMessage().GetText(), "surat kehilangan") {
					answers++
				}
			}
			if answers != 2 {
				t.Errorf("%d answers to 2 questions", answers)
			}
			var failed int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM inbound WHERE attempts > 0 OR handled_at IS NULL`).Scan(&failed); err != nil || failed != 0 {
				t.Errorf("%d messages failed or unhandled (%v)", failed, err)
			}
		})
	}
}
