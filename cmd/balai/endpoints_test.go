package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
)

// serveOn runs h on a loopback listener with limits until the test ends.
func serveOn(t *testing.T, h http.Handler, l httpLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(h, l)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestPublicAndAdminEndpoints: on the public listener /healthz says only ok or not ok and
// /metrics is not there; the admin listener (and the public one with BALAI_ADMIN_TOKEN)
// has the detailed /healthz and /metrics.
func TestPublicAndAdminEndpoints(t *testing.T) {
	const token = "0123456789abcdef-admin"
	s := reviewServer(t, time.Date(2030, 11, 15, 9, 0, 0, 0, time.UTC), &bytes.Buffer{}) // an entry past review
	s.cfg.AdminToken = token
	s.setHealth("telegram", "setup failed: open /srv/balai/secret/token.txt: permission denied")
	reg := prometheus.NewRegistry()
	bot.NewMetrics(reg)
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux := http.NewServeMux()
	s.public(mux, metrics)
	public := serveOn(t, mux, defaultHTTPLimits)
	admin := serveOn(t, s.admin(metrics), defaultHTTPLimits)

	code, body := get(t, public+"/healthz", "")
	if code != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Errorf("public /healthz: %d %s", code, body)
	}
	for _, tok := range []string{"", "wrong-token-wrong-token"} {
		if code, body := get(t, public+"/metrics", tok); code != 404 || strings.Contains(body, "balai_") {
			t.Errorf("public /metrics with token %q: %d", tok, code)
		}
		if _, body := get(t, public+"/healthz", tok); strings.Contains(body, "secret") || strings.Contains(body, "Dukcapil") {
			t.Errorf("public /healthz with token %q shows details: %s", tok, body)
		}
	}
	for name, url := range map[string]string{"admin": admin, "public with token": public} {
		tok := map[string]string{"admin": "", "public with token": token}[name]
		code, body := get(t, url+"/healthz", tok)
		var h struct {
			Status   string
			Channels map[string]string
		}
		json.Unmarshal([]byte(body), &h)
		if code != 200 || h.Status != "degraded" || !strings.Contains(h.Channels["telegram"], "setup failed") {
			t.Errorf("%s /healthz: %d %s", name, code, body)
		}
		if code, body := get(t, url+"/metrics", tok); code != 200 || !strings.Contains(body, "go_") && !strings.Contains(body, "# HELP") && body != "" {
			t.Errorf("%s /metrics: %d", name, code)
		}
	}
	// The store unreachable: not ok, 503, still without details.
	s.db.Close()
	code, body = get(t, public+"/healthz", "")
	if code != 503 || strings.TrimSpace(body) != `{"status":"not ok"}` {
		t.Errorf("public /healthz without a store: %d %s", code, body)
	}
}

// TestSlowRequestIsCut: a client that sends its headers and then trickles (or stops
// sending) its body is cut off by the read timeout instead of holding the connection.
func TestSlowRequestIsCut(t *testing.T) {
	handled := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		handled <- err
	})
	url := serveOn(t, h, httpLimits{ReadHeader: time.Second, Read: 200 * time.Millisecond, Write: time.Second, Idle: time.Second, MaxHeaderBytes: 4 << 10})
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":")
	conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // a bound for the test, not a measurement
	if err := <-handled; err == nil {
		t.Errorf("the body of a stalled request was read to the end")
	}
	if _, err := io.ReadAll(conn); err != nil {
		t.Errorf("the server did not close the stalled connection: %v", err)
	}
	// Oversized headers are refused.
	big := strings.Repeat("a", 8<<10)
	req, _ := http.NewRequest("GET", url+"/", nil)
	req.Header.Set("X-Big", big)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("8 KiB header with a 4 KiB limit: %d", res.StatusCode)
	}
}

// TestEventStreamOutlivesServerTimeouts: the web chat's event stream stays open past the
// server's read and write timeouts (it extends its own deadline per write) and still gets
// replies.
func TestEventStreamOutlivesServerTimeouts(t *testing.T) {
	chat := webchat.New(webchat.Config{Agency: "Dinas Uji"}, nopAcceptor{}, emptyHistory{})
	short := httpLimits{ReadHeader: 100 * time.Millisecond, Read: 100 * time.Millisecond, Write: 100 * time.Millisecond, Idle: time.Second, MaxHeaderBytes: 64 << 10}
	url := serveOn(t, chat, short)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Post(url+"/api/chat/session", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ Conversation string }
	json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/chat/events", nil)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	time.Sleep(500 * time.Millisecond) // well past both timeouts
	chat.Send(ctx, bot.Outgoing{ID: 9, Chat: balai.ChatRef{Channel: balai.Web, ID: s.Conversation}, Kind: bot.OutMessage, Text: "masih tersambung"})
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") {
			if !strings.Contains(lines.Text(), "masih tersambung") {
				t.Errorf("event = %s", lines.Text())
			}
			return
		}
	}
	t.Fatalf("the stream ended: %v", lines.Err())
}

type nopAcceptor struct{}

func (nopAcceptor) Accept(context.Context, ...bot.Inbound) ([]bool, error) { return nil, nil }

type emptyHistory struct{}

func (emptyHistory) SentAfter(context.Context, balai.ChatRef, int64, int) ([]bot.StoredOutgoing, error) {
	return nil, nil
}
