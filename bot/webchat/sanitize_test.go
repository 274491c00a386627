package webchat_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// Web chat: a message with NUL (\u0000) or invalid UTF-8 is accepted (not "too long"),
// stored and answered, on SQLite and PostgreSQL.
func TestNULAndInvalidUTF8AreAnswered(t *testing.T) {
	for name, open := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)(t, "web", store.Options{Owner: "w"})
			c, ps, err := knowledge.LoadCorpus("../../knowledge/testdata/mini")
			if err != nil || ps.Err() != nil {
				t.Fatal(err, ps)
			}
			ix, err := knowledge.Open(ctx, c, knowledge.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ix.Close() })
			msgs, _ := bot.LoadMessages("", "Dinas Uji")
			eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs})
			if err != nil {
				t.Fatal(err)
			}
			chat := webchat.New(webchat.Config{Agency: "Dinas Uji"}, eng, db)
			eng.AddSender(balai.Web, chat, bot.Limits{}, true)
			if err := eng.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { eng.Close(context.Background()) })
			srv := httptest.NewServer(chat)
			defer srv.Close()

			const session = "00112233445566778899aabbccddeeff"
			for i, body := range []string{
				`{"session":"` + session + `","id":"m1","text":"ktp saya\u0000 hilang"}`,
				`{"session":"` + session + `","id":"m2","text":"ktp saya hilang ` + "\xff\xfe" + `"}`,
				`{"session":"` + session + `","id":"m3","text":"ktp saya hilang \ud800"}`,
			} {
				res, err := http.Post(srv.URL+"/api/chat/messages", "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusAccepted {
					t.Errorf("message %d: status %d, want 202", i+1, res.StatusCode)
				}
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if !eng.Idle(wctx) {
				t.Fatal("engine not idle")
			}
			sent, err := db.SentAfter(ctx, balai.ChatRef{Channel: balai.Web, ID: session}, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			answers := 0
			for _, s := range sent {
				if strings.Contains(s.Text, "surat kehilangan") {
					answers++
				}
			}
			if answers != 3 {
				t.Errorf("%d answers to 3 questions: %+v", answers, sent)
			}
		})
	}
}
