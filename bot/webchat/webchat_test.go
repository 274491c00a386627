package webchat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
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

// acceptor records what the API accepted, or fails with err.
type acceptor struct {
	mu  sync.Mutex
	in  []bot.Inbound
	err error
}

func (a *acceptor) Accept(_ context.Context, in ...bot.Inbound) ([]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return nil, a.err
	}
	a.in = append(a.in, in...)
	return make([]bool, len(in)), nil
}

func (a *acceptor) accepted() []bot.Inbound {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]bot.Inbound(nil), a.in...)
}

// testClock is the chat's clock, moved by the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a web chat on a loopback server with a clock of its own.
type fixture struct {
	t       *testing.T
	chat    *webchat.Chat
	srv     *httptest.Server
	clock   *testClock
	accept  *acceptor
	history *outbox
}

func newFixture(t *testing.T, tweak func(*webchat.Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &testClock{t: time.Date(2030, 5, 6, 9, 0, 0, 0, time.UTC)}, accept: &acceptor{}, history: &outbox{}}
	cfg := webchat.Config{Agency: "Dinas Uji", Now: f.clock.Now}
	if tweak != nil {
		tweak(&cfg)
	}
	f.chat = webchat.New(cfg, f.accept, f.history)
	f.srv = httptest.NewServer(f.chat)
	t.Cleanup(func() {
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

// client is a browser: it keeps cookies.
func (f *fixture) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(c *http.Client, method, path, contentType, body string, headers ...string) reply {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, string(b)}
}

// session starts a session for c and returns the conversation id.
func (f *fixture) session(c *http.Client, headers ...string) string {
	f.t.Helper()
	r := f.do(c, "POST", "/api/chat/session", "", "", headers...)
	if r.status != http.StatusOK {
		f.t.Fatalf("new session: %d %s", r.status, r.body)
	}
	var s struct{ Conversation string }
	json.Unmarshal([]byte(r.body), &s)
	return s.Conversation
}

func (f *fixture) post(c *http.Client, body string) reply {
	f.t.Helper()
	return f.do(c, "POST", "/api/chat/messages", "application/json", body)
}

func errorCode(body string) string {
	var e struct{ Error string }
	json.Unmarshal([]byte(body), &e)
	return e.Error
}

// openStream opens the event stream of c's session; the caller closes the body.
func (f *fixture) openStream(c *http.Client, ctx context.Context) *http.Response {
	f.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/api/chat/events", nil)
	res, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// TestStream checks, without a browser, that the page names the agency safely and that
// replies reach the event stream of the session's cookie both when sent before it connects
// (from the outbox) and live.
func TestStream(t *testing.T) {
	f := newFixture(t, func(c *webchat.Config) { c.Agency = `Dinas <Uji> & "Coba"` })
	res, err := http.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "<title>Dinas &lt;Uji&gt; &amp; &#34;Coba&#34; — Asisten layanan</title>") || strings.Contains(string(page), "{{AGENCY}}") {
		t.Errorf("page head:\n%.400s", page)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("page CSP = %q", csp)
	}

	c := f.client()
	conv := f.session(c)
	ref := balai.ChatRef{Channel: balai.Web, ID: conv}
	send := func(id int64, text string) {
		t.Helper()
		o := bot.Outgoing{ID: id, Chat: ref, Kind: bot.OutMessage, Text: text}
		if _, err := f.chat.Send(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		f.history.add(o)
	}
	send(1, "sebelum **terhubung**") // no browser listens yet

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res = f.openStream(c, ctx)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("event stream: %d", res.StatusCode)
	}
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

// TestSessionCookie: the token is in an HttpOnly, SameSite=Strict cookie (Secure behind TLS),
// the API answers the conversation id (a hash of the token, never the token), and without
// the cookie neither the API nor the event stream opens a session — a session id in the
// URL opens nothing either.
func TestSessionCookie(t *testing.T) {
	f := newFixture(t, func(c *webchat.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	c := f.client()
	r := f.do(c, "POST", "/api/chat/session", "", "")
	var ck *http.Cookie
	for _, k := range (&http.Response{Header: r.header}).Cookies() {
		if k.Name == "balai_chat" {
			ck = k
		}
	}
	if ck == nil {
		t.Fatalf("no session cookie: %v", r.header)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure {
		t.Errorf("cookie over plain HTTP: HttpOnly=%v SameSite=%v Secure=%v", ck.HttpOnly, ck.SameSite, ck.Secure)
	}
	var s struct{ Conversation string }
	json.Unmarshal([]byte(r.body), &s)
	if s.Conversation != webchat.ChatID(ck.Value) || strings.Contains(r.body, ck.Value) {
		t.Errorf("session reply %s; conversation must be ChatID(token) and not carry the token", r.body)
	}
	// Behind a trusted TLS proxy the cookie is Secure.
	r = f.do(f.client(), "POST", "/api/chat/session", "", "", "X-Forwarded-Proto", "https")
	if !strings.Contains(r.header.Get("Set-Cookie"), "Secure") {
		t.Errorf("cookie behind TLS: %s", r.header.Get("Set-Cookie"))
	}

	stranger := f.client()
	if r := f.post(stranger, `{"id":"m1","text":"halo"}`); r.status != http.StatusUnauthorized || errorCode(r.body) != "no_session" {
		t.Errorf("message without the cookie: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/api/chat/events", "/api/chat/events?session=" + s.Conversation, "/api/chat/events?session=" + ck.Value} {
		if r := f.do(stranger, "GET", path, "", ""); r.status != http.StatusUnauthorized {
			t.Errorf("GET %s without the cookie: %d", path, r.status)
		}
	}
	if r := f.post(c, `{"id":"m1","text":"halo"}`); r.status != http.StatusAccepted {
		t.Errorf("message with the cookie: %d %s", r.status, r.body)
	}
	if in := f.accept.accepted(); len(in) != 1 || in[0].Chat.ID != s.Conversation || in[0].Key != s.Conversation+"/m1" {
		t.Errorf("accepted %+v", in)
	}
}

// TestStrictRequests refuses what is not one JSON object of known, valid fields of
// application/json within the size limit, each with its own clear 4xx.
func TestStrictRequests(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client()
	f.session(c)
	long := strings.Repeat("a", webchat.MaxText+1)
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"valid text", "application/json", `{"id":"a1","text":"ktp hilang","lang":"id"}`, 202, ""},
		{"valid button", "application/json; charset=utf-8", `{"id":"a2","button":"menu"}`, 202, ""},
		{"valid english", "application/json", `{"id":"a3","text":"lost id","lang":"en"}`, 202, ""},
		{"no content type", "", `{"id":"b1","text":"x"}`, 415, "content_type"},
		{"form content type", "application/x-www-form-urlencoded", `{"id":"b2","text":"x"}`, 415, "content_type"},
		{"text/plain", "text/plain", `{"id":"b3","text":"x"}`, 415, "content_type"},
		{"unknown field", "application/json", `{"id":"b4","text":"x","session":"0123"}`, 400, "malformed"},
		{"two objects", "application/json", `{"id":"b5","text":"x"}{"id":"b6","text":"y"}`, 400, "malformed"},
		{"trailing garbage", "application/json", `{"id":"b7","text":"x"} xyz`, 400, "malformed"},
		{"padding after the object", "application/json", `{"id":"b8","text":"x"}` + strings.Repeat(" ", 10<<20), 413, "too_large"},
		{"not an object", "application/json", `["x"]`, 400, "malformed"},
		{"invalid UTF-8", "application/json", "{\"id\":\"b9\",\"text\":\"ka\xff\xfetp\"}", 400, "invalid_utf8"},
		{"lone surrogate", "application/json", `{"id":"b10","text":"a\ud800b"}`, 400, "invalid_text"},
		{"NUL in text", "application/json", `{"id":"b11","text":"a\u0000b"}`, 400, "invalid_text"},
		{"unknown lang", "application/json", `{"id":"b12","text":"x","lang":"fr"}`, 400, "invalid_lang"},
		{"huge lang", "application/json", `{"id":"b13","text":"x","lang":"` + strings.Repeat("x", 20000) + `"}`, 400, "invalid_lang"},
		{"missing id", "application/json", `{"text":"x"}`, 400, "invalid_id"},
		{"id with odd characters", "application/json", `{"id":"a/b","text":"x"}`, 400, "invalid_id"},
		{"id too long", "application/json", `{"id":"` + strings.Repeat("a", 65) + `","text":"x"}`, 400, "invalid_id"},
		{"empty", "application/json", `{"id":"b14","text":"   "}`, 400, "empty"},
		{"text and button", "application/json", `{"id":"b15","text":"x","button":"menu"}`, 400, "malformed"},
		{"too long", "application/json", `{"id":"b16","text":"` + long + `"}`, 413, "too_long"},
		{"long button", "application/json", `{"id":"b17","button":"` + strings.Repeat("b", 129) + `"}`, 400, "invalid_button"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(c, "POST", "/api/chat/messages", tc.contentType, tc.body)
			if r.status != tc.status || errorCode(r.body) != tc.code {
				t.Errorf("%d %s; want %d %q", r.status, strings.TrimSpace(r.body), tc.status, tc.code)
			}
		})
	}
	// Exactly the three valid ones were accepted, with their language hint only if valid.
	in := f.accept.accepted()
	if len(in) != 3 || in[0].LangHint != "id" || in[1].Kind != bot.KindButton || in[2].LangHint != "en" {
		t.Errorf("accepted %+v", in)
	}
}

// TestCrossOrigin: a state-changing request from another site is refused; the chat's own
// origin, its configured public origin and listed embedding sites are not.
func TestCrossOrigin(t *testing.T) {
	f := newFixture(t, func(c *webchat.Config) {
		c.PublicOrigin = "https://chat.dinas.example"
		c.Origins = []string{"https://www.dinas.example", "*"}
	})
	c := f.client()
	f.session(c)
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"another site", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403},
		{"another site, old browser", []string{"Origin", "https://evil.example"}, 403},
		{"same origin", []string{"Origin", f.srv.URL, "Sec-Fetch-Site", "same-origin"}, 202},
		{"public origin behind a proxy", []string{"Origin", "https://chat.dinas.example", "Sec-Fetch-Site", "cross-site"}, 202},
		{"listed site", []string{"Origin", "https://www.dinas.example", "Sec-Fetch-Site", "same-site"}, 202},
		{"no browser headers (a script)", nil, 202},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(c, "POST", "/api/chat/messages", "application/json", `{"id":"`+strings.ReplaceAll(tc.name, " ", "_")[:5]+`","text":"x"}`, tc.headers...)
			if r.status != tc.status {
				t.Errorf("POST messages: %d %s; want %d", r.status, r.body, tc.status)
			}
			r = f.do(f.client(), "POST", "/api/chat/session", "", "", tc.headers...)
			if want := map[bool]int{true: 403, false: 200}[tc.status == 403]; r.status != want {
				t.Errorf("POST session: %d; want %d", r.status, want)
			}
		})
	}
	if r := f.do(c, "DELETE", "/api/chat/session", "", "", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.status != 403 {
		t.Errorf("DELETE session from another site: %d", r.status)
	}
}

// TestPerClientLimits: new sessions per client address per hour and messages per session
// per minute, each refused with 429, Retry-After and a polite text in the citizen's
// language, and allowed again once the window has passed (by the chat's clock).
func TestPerClientLimits(t *testing.T) {
	f := newFixture(t, func(c *webchat.Config) {
		c.SessionsPerClient = webchat.Rate{Events: 3, Window: time.Hour}
		c.MessagesPerSession = webchat.Rate{Events: 2, Window: time.Minute}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	for range 3 {
		f.session(f.client(), "X-Forwarded-For", "203.0.113.7")
	}
	r := f.do(f.client(), "POST", "/api/chat/session", "", "", "X-Forwarded-For", "203.0.113.7")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1200" || !strings.Contains(r.body, "Terlalu banyak percakapan baru") || !strings.Contains(r.body, "20 menit") {
		t.Errorf("4th session from one address: %d Retry-After=%q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	r = f.do(f.client(), "POST", "/api/chat/session", "", "", "X-Forwarded-For", "203.0.113.7", "Accept-Language", "en-GB,en")
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many new conversations") {
		t.Errorf("refusal in English: %d %s", r.status, r.body)
	}
	// Another citizen (another address) is not affected; a spoofed X-Forwarded-For from an
	// untrusted peer would be ignored (the peer here is the trusted proxy).
	f.session(f.client(), "X-Forwarded-For", "198.51.100.2")
	// IPv6 addresses count per /64.
	for _, a := range []string{"2001:db8:1:2::a", "2001:db8:1:2::b", "2001:db8:1:2:1234::c"} {
		f.session(f.client(), "X-Forwarded-For", a)
	}
	if r := f.do(f.client(), "POST", "/api/chat/session", "", "", "X-Forwarded-For", "2001:db8:1:2:ffff::1"); r.status != http.StatusTooManyRequests {
		t.Errorf("4th session from one IPv6 /64: %d", r.status)
	}
	f.clock.Add(20 * time.Minute)
	f.session(f.client(), "X-Forwarded-For", "203.0.113.7") // one refilled

	c := f.client()
	f.session(c, "X-Forwarded-For", "192.0.2.1")
	for i := range 2 {
		if r := f.post(c, `{"id":"m`+string(rune('0'+i))+`","text":"halo"}`); r.status != http.StatusAccepted {
			t.Fatalf("message %d: %d %s", i, r.status, r.body)
		}
	}
	r = f.post(c, `{"id":"m3","text":"hello","lang":"en"}`)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "30" || !strings.Contains(r.body, "Please wait 30 seconds") {
		t.Errorf("3rd message in a minute: %d Retry-After=%q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	other := f.client()
	f.session(other, "X-Forwarded-For", "192.0.2.2")
	if r := f.post(other, `{"id":"m1","text":"halo"}`); r.status != http.StatusAccepted {
		t.Errorf("another session limited too: %d", r.status)
	}
	f.clock.Add(30 * time.Second)
	if r := f.post(c, `{"id":"m3","text":"halo"}`); r.status != http.StatusAccepted {
		t.Errorf("message after the wait: %d %s", r.status, r.body)
	}
}

// TestSessionExpiresAndEnds: an idle session expires, an ended one is over at once; in both
// cases the held cookie sends nothing and replays no history, and ending closes the open
// streams.
func TestSessionExpiresAndEnds(t *testing.T) {
	f := newFixture(t, func(c *webchat.Config) { c.SessionIdle = time.Hour })
	c := f.client()
	conv := f.session(c)
	o := bot.Outgoing{ID: 1, Chat: balai.ChatRef{Channel: balai.Web, ID: conv}, Kind: bot.OutMessage, Text: "balasan petugas: rahasia"}
	f.history.add(o)
	f.clock.Add(59 * time.Minute)
	if r := f.do(c, "GET", "/api/chat/session", "", ""); r.status != http.StatusOK || !strings.Contains(r.body, conv) {
		t.Fatalf("session within the idle time: %d %s", r.status, r.body)
	}
	f.clock.Add(61 * time.Minute) // idle since the check above
	r := f.post(c, `{"id":"m1","text":"halo"}`)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "sudah berakhir") {
		t.Errorf("message after expiry: %d %s", r.status, r.body)
	}
	// The jar dropped the cleared cookie: replay the old token by hand, as an attacker would.
	jar, _ := cookiejar.New(nil)
	attacker := &http.Client{Jar: jar}
	u, _ := http.NewRequest("GET", f.srv.URL, nil)
	tokens := c.Jar.Cookies(u.URL)
	if len(tokens) != 0 {
		t.Errorf("the expired cookie was not cleared: %v", tokens)
	}

	c2 := f.client()
	conv2 := f.session(c2)
	var token string
	for _, k := range c2.Jar.Cookies(u.URL) {
		token = k.Value
	}
	f.history.add(bot.Outgoing{ID: 2, Chat: balai.ChatRef{Channel: balai.Web, ID: conv2}, Kind: bot.OutMessage, Text: "balasan kedua: rahasia"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream := f.openStream(c2, ctx)
	defer stream.Body.Close()
	lines := bufio.NewScanner(stream.Body)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "data: ") {
	}
	if !strings.Contains(lines.Text(), "rahasia") {
		t.Fatalf("no replay while live: %q", lines.Text())
	}
	if r := f.do(c2, "DELETE", "/api/chat/session", "", ""); r.status != http.StatusNoContent {
		t.Fatalf("end: %d %s", r.status, r.body)
	}
	for lines.Scan() { // the open stream ends
	}
	jar.SetCookies(u.URL, []*http.Cookie{{Name: "balai_chat", Value: token}})
	for _, path := range []string{"/api/chat/events", "/api/chat/events?after=0", "/api/chat/session"} {
		r := f.do(attacker, "GET", path, "", "")
		if r.status != http.StatusUnauthorized || strings.Contains(r.body, "rahasia") {
			t.Errorf("GET %s with an ended session's token: %d %s", path, r.status, r.body)
		}
	}
	if r := f.post(attacker, `{"id":"m2","text":"halo"}`); r.status != http.StatusUnauthorized {
		t.Errorf("message with an ended session's token: %d", r.status)
	}
	if n := len(f.accept.accepted()); n != 0 {
		t.Errorf("%d messages accepted on dead sessions", n)
	}
	if n := f.chat.OpenStreams(); n != 0 {
		t.Errorf("%d streams still open after the end", n)
	}
}

// TestStreamCaps: event streams are capped per session (429) and in all (503), and a
// closed stream frees its place.
func TestStreamCaps(t *testing.T) {
	f := newFixture(t, func(c *webchat.Config) { c.StreamsPerSession, c.Streams = 2, 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := f.client(), f.client()
	f.session(a)
	f.session(b)
	open := func(c *http.Client) *http.Response {
		res := f.openStream(c, ctx)
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	a1, a2 := open(a), open(a)
	if a1.StatusCode != 200 || a2.StatusCode != 200 {
		t.Fatalf("two streams of one session: %d %d", a1.StatusCode, a2.StatusCode)
	}
	if res := open(a); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third stream of one session: %d", res.StatusCode)
	}
	if res := open(b); res.StatusCode != 200 {
		t.Errorf("first stream of another session: %d", res.StatusCode)
	}
	res := open(b)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("stream over the total cap: %d Retry-After=%q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	a1.Body.Close()
	// The server notices the closed streams at once; wait until it has.
	f.srv.CloseClientConnections()
	for range 500 {
		if f.chat.OpenStreams() == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if res := open(a); res.StatusCode != 200 {
		t.Errorf("stream after others closed: %d", res.StatusCode)
	}
}

// TestBusyIntake: when the engine's intake is full the API answers 503 with Retry-After at
// once and a polite text.
func TestBusyIntake(t *testing.T) {
	f := newFixture(t, func(c *webchat.Config) { c.MessagesPerSession = webchat.Rate{Events: 2, Window: time.Minute} })
	c := f.client()
	f.session(c)
	f.accept.err = bot.ErrBusy
	// More refusals than the session's message limit: a busy Balai is not the citizen's
	// doing, so the retries do not use up their messages.
	for range 5 {
		r := f.post(c, `{"id":"m1","text":"halo"}`)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "sedang sibuk") {
			t.Fatalf("busy intake: %d Retry-After=%q %s", r.status, r.header.Get("Retry-After"), r.body)
		}
	}
	f.accept.err = nil
	for _, id := range []string{"m1", "m2"} {
		if r := f.post(c, `{"id":"`+id+`","text":"halo"}`); r.status != http.StatusAccepted {
			t.Errorf("after the busy spell, message %s: %d %s", id, r.status, r.body)
		}
	}
	if r := f.post(c, `{"id":"m3","text":"halo"}`); r.status != http.StatusTooManyRequests {
		t.Errorf("third message within the limit of 2: %d, want 429", r.status)
	}
}

// TestStaticServesOnlyAssets: the page template is not a static file (the page is served
// only by its handler, with its CSP), and there are no directory listings.
func TestStaticServesOnlyAssets(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client()
	for path, want := range map[string]int{
		"/static/index.html": 404, "/static/page.html": 404, "/static/": 404, "/static/chat.js": 200,
		"/static/chat.css": 200, "/static/../page.html": 404, "/page.html": 404,
	} {
		r := f.do(c, "GET", path, "", "")
		if r.status != want || strings.Contains(r.body, "{{AGENCY}}") {
			t.Errorf("GET %s: %d (want %d) %.80q", path, r.status, want, r.body)
		}
	}
}
