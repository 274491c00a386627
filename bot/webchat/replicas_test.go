package webchat_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strconv"
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

// Two replicas on one PostgreSQL behind a round-robin balancer, without sticky sessions:
// the browser's event stream is on B, its message lands on A. A answers it and delivers
// the reply (A holds no stream of the chat); B, woken through the database, replays it on
// the open stream at once. Neither the periodic catch-up (an hour here) nor the stream's
// keepalive (20 s) may do it: the stream's context (10 s) is the hang guard.
func TestReplyReachesStreamOnOtherReplica(t *testing.T) {
	open := storetest.Postgres(t)
	old := bot.ResyncInterval
	bot.ResyncInterval = time.Hour
	t.Cleanup(func() { bot.ResyncInterval = old })
	ctx := context.Background()
	discard := slog.New(slog.DiscardHandler)
	corpus, _, err := knowledge.LoadCorpus(filepath.Join("..", "..", "knowledge", "testdata", "mini"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := knowledge.Open(ctx, corpus, knowledge.Options{Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	u := strconv.FormatInt(time.Now().UnixNano(), 36)
	type replica struct {
		db   *store.DB
		eng  *bot.Engine
		chat *webchat.Chat
		srv  *httptest.Server
	}
	var rs []replica
	for _, name := range []string{"a", "b"} {
		db := open(t, "replicas", store.Options{Owner: name + u, Lease: time.Hour})
		eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: discard})
		if err != nil {
			t.Fatal(err)
		}
		chat := webchat.New(webchat.Config{Agency: "Dinas Uji", Logger: discard, Sessions: db}, eng, db)
		eng.AddSender(balai.Web, chat, bot.Limits{}, true)
		if err := eng.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			eng.Close(ctx)
		})
		srv := httptest.NewServer(chat)
		t.Cleanup(func() {
			srv.CloseClientConnections()
			srv.Close()
		})
		rs = append(rs, replica{db, eng, chat, srv})
	}
	a, b := rs[0], rs[1]
	// B listens as balai serve does (cmd/balai onWake).
	lctx, stop := context.WithCancel(ctx)
	listening := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.db.Listen(lctx, func(kind, arg string) {
			switch kind {
			case store.WakeWeb:
				b.chat.Poke(arg)
			case store.WakeOutbox:
				if arg == a.db.Owner() {
					select {
					case listening <- struct{}{}:
					default:
					}
				}
				b.eng.Wake()
			case store.WakeInbound, store.WakeReconnected:
				b.eng.Wake()
			}
		})
	}()
	t.Cleanup(func() { stop(); <-done })
	guard := time.After(10 * time.Second)
	for ready := false; !ready; {
		if err := a.db.Unclaim(ctx, -1); err != nil { // a probe: wakes B
			t.Fatal(err)
		}
		select {
		case <-listening:
			ready = true
		case <-time.After(20 * time.Millisecond):
		case <-guard:
			t.Fatal("B never listened")
		}
	}

	// One browser: a cookie for both replicas' addresses (the balancer's one address).
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: &balancer{to: b.srv.URL}}
	do := func(to, method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, "http://balai.test"+path, strings.NewReader(body))
		req.Header.Set("X-Replica", to)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := do(b.srv.URL, "POST", "/api/chat/session", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("session on B: %d", res.StatusCode)
	} else {
		res.Body.Close()
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, "http://balai.test/api/chat/events", nil)
	req.Header.Set("X-Replica", b.srv.URL)
	stream, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("stream on B: %d", stream.StatusCode)
	}
	lines := bufio.NewScanner(stream.Body)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "retry:") {
		t.Fatalf("stream start: %q %v", lines.Text(), lines.Err())
	}
	if res := do(a.srv.URL, "POST", "/api/chat/messages", `{"id":"m1","text":"bagaimana cara membuat ktp"}`); res.StatusCode != http.StatusAccepted {
		t.Fatalf("message on A: %d", res.StatusCode)
	} else {
		res.Body.Close()
	}
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") {
			return // A's reply, on B's stream
		}
	}
	t.Fatalf("B's stream ended without A's reply: %v", lines.Err())
}

// balancer sends each request to the replica its X-Replica header names, as a balancer
// without sticky sessions may: the browser sees one address.
type balancer struct{ to string }

func (l *balancer) RoundTrip(r *http.Request) (*http.Response, error) {
	to := r.Header.Get("X-Replica")
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = "http", strings.TrimPrefix(to, "http://")
	return http.DefaultTransport.RoundTrip(r)
}
