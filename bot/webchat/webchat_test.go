package webchat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
)

// outbox is a History that holds what Send delivered, as the store's outbox does once an
// item is marked sent.
type outbox struct {
	mu   sync.Mutex
	sent []bot.StoredOutgoing
}

func (o *outbox) add(out bot.Outgoing) {
	o.mu.Lock()
	o.sent = append(o.sent, bot.StoredOutgoing{ID: out.ID, Outgoing: out})
	o.mu.Unlock()
}

func (o *outbox) SentAfter(_ context.Context, chat balai.ChatRef, after int64, limit int) ([]bot.StoredOutgoing, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []bot.StoredOutgoing
	for _, s := range o.sent {
		if s.Chat == chat && s.ID > after && len(out) < limit {
			out = append(out, s)
		}
	}
	return out, nil
}

type noAccept struct{}

func (noAccept) Accept(context.Context, ...bot.Inbound) ([]bool, error) { return nil, nil }

// TestStream checks, without a browser, that the page names the agency safely and that
// replies reach the event stream both when sent before it connects (from the outbox) and
// live.
func TestStream(t *testing.T) {
	history := &outbox{}
	chat := webchat.New(webchat.Config{Agency: `Dinas <Uji> & "Coba"`}, noAccept{}, history)
	srv := httptest.NewServer(chat)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "<title>Dinas &lt;Uji&gt; &amp; &#34;Coba&#34; — Asisten layanan</title>") || strings.Contains(string(page), "{{AGENCY}}") {
		t.Errorf("page head:\n%.400s", page)
	}

	const session = "0123456789abcdef0123456789abcdef"
	ref := balai.ChatRef{Channel: balai.Web, ID: session}
	send := func(id int64, text string) {
		t.Helper()
		o := bot.Outgoing{ID: id, Chat: ref, Kind: bot.OutMessage, Text: text}
		if _, err := chat.Send(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		history.add(o)
	}
	send(1, "sebelum **terhubung**") // no browser listens yet

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/chat/events?session="+session, nil)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	next := func() (id int64, html string) {
		t.Helper()
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				var ev struct {
					ID   int64
					HTML string
				}
				if err := json.Unmarshal([]byte(data), &ev); err != nil {
					t.Fatal(err)
				}
				return ev.ID, ev.HTML
			}
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return 0, ""
	}
	if id, html := next(); id != 1 || html != "<p>sebelum <strong>terhubung</strong></p>" {
		t.Errorf("replayed event = %d %q", id, html)
	}
	send(2, "langsung")
	if id, html := next(); id != 2 || html != "<p>langsung</p>" {
		t.Errorf("live event = %d %q", id, html)
	}
}
