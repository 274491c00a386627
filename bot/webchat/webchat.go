// Package webchat is the web chat channel: a small, accessible chat page served at "/", an
// embed snippet for the agency's website, a JSON API to send messages and pressed buttons,
// and server-sent events carrying the replies. Anyone can try Balai in a browser, no
// account or token needed.
package webchat

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/render"
	"github.com/balai-id/balai/clock"
)

//go:embed static
var static embed.FS

//go:embed page.html
var pageTemplate string

// MaxText is the longest message a citizen may send, in characters.
const MaxText = 2000

// MaxBody is the largest request body the API reads: a message of MaxText characters with
// every character escaped, and room to spare.
const MaxBody = 32 << 10

// cookieName is the cookie holding the session token: HttpOnly, SameSite=Strict, never in a
// URL.
const cookieName = "balai_chat"

// Acceptor records inbound messages durably; *bot.Engine is one.
type Acceptor interface {
	Accept(ctx context.Context, in ...bot.Inbound) ([]bool, error)
}

// History returns delivered messages of a chat after an outbox id; *store.DB is one.
type History interface {
	SentAfter(ctx context.Context, chat balai.ChatRef, after int64, limit int) ([]bot.StoredOutgoing, error)
}

// Sessions records web chat sessions by chat id (never by token); *store.DB is one.
type Sessions interface {
	// CreateWebSession records a new live session.
	CreateWebSession(ctx context.Context, chat string, now time.Time) error
	// TouchWebSession reports whether the session is live at now — created, not ended, and
	// active within idle — and if so records the activity.
	TouchWebSession(ctx context.Context, chat string, now time.Time, idle time.Duration) (bool, error)
	// EndWebSession ends a session for good; ending an unknown or ended one does nothing.
	EndWebSession(ctx context.Context, chat string, now time.Time) error
}

// Config configures the web chat. Zero limits take the defaults below; a negative one
// (or a zero Rate with Unlimited) switches the limit off.
type Config struct {
	// Agency is the agency's name shown in the page title.
	Agency string
	// Origins may embed the chat and call its API from another site ("*" for any, for
	// reading only); empty: same origin only.
	Origins []string
	// PublicOrigin is the chat's own origin as citizens reach it ("https://chat.example.go.id"),
	// trusted for state-changing requests besides the request's own Host.
	PublicOrigin string
	// Messages are the texts of polite refusals (rate limits, ended sessions).
	Messages *bot.Messages
	// Sessions keeps the sessions; nil keeps them in this process's memory.
	Sessions Sessions
	// SessionIdle ends a session this long after its last activity (default 72h).
	SessionIdle time.Duration
	// SessionsPerClient limits new sessions per client address (default 60/1h);
	// MessagesPerSession the messages and button presses of one session (default 20/1m).
	SessionsPerClient, MessagesPerSession Rate
	// Unlimited switches off the two rates above where they are zero.
	Unlimited bool
	// StreamsPerSession and Streams cap open event streams per session (default 3) and in
	// all (default 1000).
	StreamsPerSession, Streams int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// Now is the clock of limits and sessions (default clock.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultSessionIdle       = 72 * time.Hour
	DefaultStreamsPerSession = 3
	DefaultStreams           = 1000
)

// Default rates of Config.
var (
	DefaultSessionsPerClient  = Rate{Events: 60, Window: time.Hour}
	DefaultMessagesPerSession = Rate{Events: 20, Window: time.Minute}
)

// Chat is the web chat: an http.Handler and the channel's bot.Sender.
type Chat struct {
	cfg      Config
	origins  []string
	accept   Acceptor
	history  History
	sessions Sessions
	msgs     *bot.Messages
	log      *slog.Logger
	now      func() time.Time
	mux      *http.ServeMux
	csrf     *http.CrossOriginProtection
	pageHTML []byte // page.html with the agency's name
	embedJS  []byte

	newSessions, messages *keyedLimiter

	mu      sync.Mutex
	subs    map[string]map[*stream]struct{} // chat id → open event streams
	streams int                             // open event streams in all
}

// stream is one open event stream.
type stream struct {
	ch   chan event
	end  chan struct{} // closed when the citizen ends the session
	poke chan struct{} // Poke: replay from the outbox now
}

var _ bot.Sender = (*Chat)(nil)

// New builds the web chat.
func New(cfg Config, accept Acceptor, history History) *Chat {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Agency == "" {
		cfg.Agency = "Layanan Informasi"
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Messages == nil {
		cfg.Messages, _ = bot.LoadMessages("", cfg.Agency)
	}
	if cfg.Sessions == nil {
		cfg.Sessions = newMemSessions()
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionsPerClient.Events == 0 && !cfg.Unlimited {
		cfg.SessionsPerClient = DefaultSessionsPerClient
	}
	if cfg.MessagesPerSession.Events == 0 && !cfg.Unlimited {
		cfg.MessagesPerSession = DefaultMessagesPerSession
	}
	if cfg.StreamsPerSession == 0 {
		cfg.StreamsPerSession = DefaultStreamsPerSession
	}
	if cfg.Streams == 0 {
		cfg.Streams = DefaultStreams
	}
	embedJS, _ := static.ReadFile("static/embed.js")
	c := &Chat{
		cfg:         cfg,
		origins:     cfg.Origins,
		accept:      accept,
		history:     history,
		sessions:    cfg.Sessions,
		msgs:        cfg.Messages,
		log:         cfg.Logger,
		now:         cfg.Now,
		pageHTML:    []byte(strings.ReplaceAll(pageTemplate, "{{AGENCY}}", html.EscapeString(cfg.Agency))),
		embedJS:     embedJS,
		subs:        map[string]map[*stream]struct{}{},
		newSessions: newKeyedLimiter(cfg.SessionsPerClient, cfg.Now),
		messages:    newKeyedLimiter(cfg.MessagesPerSession, cfg.Now),
	}
	// State-changing requests from browsers must come from the chat's own origin or one the
	// agency listed: another site cannot create, use or end sessions in a citizen's browser.
	c.csrf = http.NewCrossOriginProtection()
	for _, o := range append([]string{cfg.PublicOrigin}, cfg.Origins...) {
		if o != "" && o != "*" {
			if err := c.csrf.AddTrustedOrigin(strings.TrimSuffix(o, "/")); err != nil {
				c.log.Warn("Ignored a web chat origin", "origin", o, "err", err)
			}
		}
	}
	c.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross_origin", "")
	}))
	sub, _ := fs.Sub(static, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.page)
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /embed.js", c.embed)
	mux.HandleFunc("POST /api/chat/session", c.createSession)
	mux.HandleFunc("GET /api/chat/session", c.checkSession)
	mux.HandleFunc("DELETE /api/chat/session", c.endSession)
	mux.HandleFunc("POST /api/chat/messages", c.message)
	mux.HandleFunc("GET /api/chat/events", c.events)
	mux.HandleFunc("OPTIONS /api/chat/", c.preflight)
	c.mux = mux
	return c
}

// ServeHTTP serves the page and the API.
func (c *Chat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.cors(w, r)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	c.csrf.Handler(c.mux).ServeHTTP(w, r)
}

func (c *Chat) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	for _, o := range c.origins {
		if o == "*" || o == origin {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Vary", "Origin")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Last-Event-ID")
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
			if o != "*" { // the session cookie only for sites the agency named
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			}
			return
		}
	}
}

func (c *Chat) preflight(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }

func (c *Chat) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(c.pageHTML)
}

func (c *Chat) embed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(c.embedJS)
}

// A session's token is 256 random bits in hex, held only by the browser (in the cookie);
// its chat id — what the store, the outbox and the officers see — is derived from it, so
// nothing stored can be replayed as a token.
func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validToken(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// ChatID is the chat id of a session token.
func ChatID(token string) string {
	sum := sha256.Sum256([]byte("balai web session\x00" + token))
	return hex.EncodeToString(sum[:16])
}

// lang is the language of the texts a request gets: its lang field when valid, else the
// browser's first preference.
func requestLang(r *http.Request, field string) string {
	if field == bot.LangEN || field == bot.LangID {
		return field
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.Header.Get("Accept-Language"))), "en") {
		return bot.LangEN
	}
	return bot.LangID
}

// refuse answers a limit with the polite text of key in the request's language.
func (c *Chat) refuse(w http.ResponseWriter, status int, code, lang, key string, retry time.Duration, data map[string]any) {
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	}
	writeError(w, status, code, c.msgs.Text(lang, key, data))
}

// session returns the live session of a request's cookie and records the activity; false
// (with the answer written) when there is none.
func (c *Chat) session(w http.ResponseWriter, r *http.Request, lang string) (string, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil || !validToken(ck.Value) {
		c.refuse(w, http.StatusUnauthorized, "no_session", lang, "web_session_ended", 0, nil)
		return "", false
	}
	chat := ChatID(ck.Value)
	live, err := c.sessions.TouchWebSession(r.Context(), chat, c.now(), c.cfg.SessionIdle)
	if err != nil {
		c.log.Error("Failed to look up a web chat session", "err", err)
		c.refuse(w, http.StatusServiceUnavailable, "busy", lang, "web_busy", 5*time.Second, nil)
		return "", false
	}
	if !live {
		c.clearCookie(w, r)
		c.refuse(w, http.StatusUnauthorized, "no_session", lang, "web_session_ended", 0, nil)
		return "", false
	}
	return chat, true
}

func (c *Chat) secure(r *http.Request) bool {
	if r.TLS != nil || strings.HasPrefix(c.cfg.PublicOrigin, "https://") {
		return true
	}
	return isTrusted(remoteAddr(r), c.cfg.TrustedProxies) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (c *Chat) setCookie(w http.ResponseWriter, r *http.Request, token string) {
	// No Path: it defaults to the API's own directory, also behind a path prefix. No
	// Max-Age: the browser forgets it when it closes; the server ends it after SessionIdle.
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
}

func (c *Chat) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", MaxAge: -1, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
}

// sessionReply is what the session endpoints answer: the conversation's id, which names
// the browser's copy of the transcript and is no credential.
type sessionReply struct {
	Conversation string `json:"conversation"`
}

// createSession starts a session, within the per-client limit.
func (c *Chat) createSession(w http.ResponseWriter, r *http.Request) {
	lang := requestLang(r, "")
	if ok, retry := c.newSessions.allow(clientKey(r, c.cfg.TrustedProxies)); !ok {
		c.refuse(w, http.StatusTooManyRequests, "rate_limited", lang, "web_limit_sessions", retry,
			map[string]any{"Minutes": int(math.Ceil(retry.Minutes()))})
		return
	}
	token := newToken()
	chat := ChatID(token)
	if err := c.sessions.CreateWebSession(r.Context(), chat, c.now()); err != nil {
		c.log.Error("Failed to record a web chat session", "err", err)
		c.refuse(w, http.StatusServiceUnavailable, "busy", lang, "web_busy", 5*time.Second, nil)
		return
	}
	c.setCookie(w, r, token)
	writeJSON(w, http.StatusOK, sessionReply{Conversation: chat})
}

// checkSession tells the page whether its session is still live.
func (c *Chat) checkSession(w http.ResponseWriter, r *http.Request) {
	chat, ok := c.session(w, r, requestLang(r, ""))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sessionReply{Conversation: chat})
}

// endSession ends the citizen's session: the cookie is cleared, open event streams close,
// and the token never opens the conversation again.
func (c *Chat) endSession(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(cookieName)
	if err != nil || !validToken(ck.Value) {
		c.clearCookie(w, r)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	chat := ChatID(ck.Value)
	if err := c.sessions.EndWebSession(r.Context(), chat, c.now()); err != nil {
		c.log.Error("Failed to end a web chat session", "err", err)
		c.refuse(w, http.StatusServiceUnavailable, "busy", requestLang(r, ""), "web_busy", 5*time.Second, nil)
		return
	}
	c.clearCookie(w, r)
	c.mu.Lock()
	for s := range c.subs[chat] {
		close(s.end)
	}
	delete(c.subs, chat) // their deferred unsubscribe finds nothing left to remove
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// messageRequest is a citizen's message or pressed button.
type messageRequest struct {
	// ID is the browser's id of the message: a retried request is recorded once.
	ID     string `json:"id"`
	Text   string `json:"text"`
	Button string `json:"button"`
	Lang   string `json:"lang"`
}

// decodeJSON reads exactly one JSON object of known fields from an application/json body
// of at most MaxBody bytes. It answers the request itself when the body is refused.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "content_type", "Content-Type must be application/json")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body larger than %d bytes", MaxBody))
			return false
		}
		writeError(w, http.StatusBadRequest, "malformed", "unreadable body")
		return false
	}
	if !utf8.Valid(body) {
		writeError(w, http.StatusBadRequest, "invalid_utf8", "request body is not valid UTF-8")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "malformed", "want one JSON object with known fields")
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "malformed", "want exactly one JSON object")
		return false
	}
	return true
}

// printable reports whether s has no control characters other than tab and line breaks
// (NUL and the like are refused at the edge, never stored).
func printable(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func validMessageID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (c *Chat) message(w http.ResponseWriter, r *http.Request) {
	var req messageRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	text := strings.TrimSpace(req.Text)
	switch {
	case req.Lang != "" && req.Lang != bot.LangID && req.Lang != bot.LangEN:
		writeError(w, http.StatusBadRequest, "invalid_lang", `lang must be "id", "en" or empty`)
		return
	case !validMessageID(req.ID):
		writeError(w, http.StatusBadRequest, "invalid_id", "message id: 1 to 64 letters, digits, - or _")
		return
	case text == "" && req.Button == "":
		writeError(w, http.StatusBadRequest, "empty", "empty message")
		return
	case req.Text != "" && req.Button != "":
		writeError(w, http.StatusBadRequest, "malformed", "a text or a button, not both")
		return
	case !printable(req.Text):
		writeError(w, http.StatusBadRequest, "invalid_text", "the text has control or unreadable characters")
		return
	case utf8.RuneCountInString(text) > MaxText:
		writeError(w, http.StatusRequestEntityTooLarge, "too_long", fmt.Sprintf("message longer than %d characters", MaxText))
		return
	case len(req.Button) > 128 || !printable(req.Button):
		writeError(w, http.StatusBadRequest, "invalid_button", "malformed button")
		return
	}
	lang := requestLang(r, req.Lang)
	chat, ok := c.session(w, r, lang)
	if !ok {
		return
	}
	ok, retry, undo := c.messages.take(chat)
	if !ok {
		c.refuse(w, http.StatusTooManyRequests, "rate_limited", lang, "web_limit_messages", retry,
			map[string]any{"Seconds": int(math.Ceil(retry.Seconds()))})
		return
	}
	in := bot.Inbound{
		Chat:     balai.ChatRef{Channel: balai.Web, ID: chat},
		Key:      chat + "/" + req.ID,
		Kind:     bot.KindText,
		Text:     text,
		LangHint: req.Lang,
	}
	if req.Button != "" {
		in.Kind, in.Text = bot.KindButton, req.Button
	}
	if _, err := c.accept.Accept(r.Context(), in); err != nil {
		undo() // not the citizen's doing: a retry of this message does not count twice
		if !errors.Is(err, bot.ErrBusy) {
			c.log.Error("Failed to record a web chat message", "err", err)
		}
		c.refuse(w, http.StatusServiceUnavailable, "busy", lang, "web_busy", 5*time.Second, nil)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]bool{"ok": true})
}

// eventData is one reply as the browser receives it.
type eventData struct {
	ID      int64          `json:"id"`
	HTML    string         `json:"html"`
	Buttons [][]bot.Button `json:"buttons,omitempty"`
	Time    int64          `json:"time"`
}

// event is a reply rendered and encoded once for every event stream of its session.
type event struct {
	id   int64
	data []byte
}

func toEvent(o bot.Outgoing) event {
	data, _ := json.Marshal(eventData{ID: o.ID, HTML: render.HTML(o.Text), Buttons: o.Buttons, Time: clock.Now().UnixMilli()})
	return event{id: o.ID, data: data}
}

// Send publishes a reply to the browsers of its session; see bot.Sender. A browser that is
// not connected gets it on reconnecting (the outbox keeps it).
func (c *Chat) Send(_ context.Context, o bot.Outgoing) (string, error) {
	if o.Kind != bot.OutMessage {
		return "", nil
	}
	c.mu.Lock()
	listening := len(c.subs[o.Chat.ID]) > 0
	c.mu.Unlock()
	if !listening { // no browser to render for: it replays the reply from the outbox
		return strconv.FormatInt(o.ID, 10), nil
	}
	ev := toEvent(o)
	c.mu.Lock()
	for s := range c.subs[o.Chat.ID] {
		select {
		case s.ch <- ev:
		default: // a stalled stream catches up from the outbox (see events)
		}
	}
	c.mu.Unlock()
	return strconv.FormatInt(o.ID, 10), nil
}

// Poke makes the streams of a chat open here replay its delivered replies from the outbox
// now: another replica delivered a reply for it (see store.DB.Listen), which this one's
// Send never saw. Without pokes they find it at their next keepalive.
func (c *Chat) Poke(chat string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := range c.subs[chat] {
		select {
		case s.poke <- struct{}{}:
		default: // one already pending: it replays this reply too
		}
	}
}

// subscribe opens a stream for chat within the caps; it returns the answer's status and
// false when a cap is reached.
func (c *Chat) subscribe(chat string) (*stream, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.Streams > 0 && c.streams >= c.cfg.Streams {
		return nil, http.StatusServiceUnavailable
	}
	if c.cfg.StreamsPerSession > 0 && len(c.subs[chat]) >= c.cfg.StreamsPerSession {
		return nil, http.StatusTooManyRequests
	}
	s := &stream{ch: make(chan event, 64), end: make(chan struct{}), poke: make(chan struct{}, 1)}
	if c.subs[chat] == nil {
		c.subs[chat] = map[*stream]struct{}{}
	}
	c.subs[chat][s] = struct{}{}
	c.streams++
	return s, 0
}

func (c *Chat) unsubscribe(chat string, s *stream) {
	c.mu.Lock()
	c.streams--
	delete(c.subs[chat], s)
	if len(c.subs[chat]) == 0 {
		delete(c.subs, chat)
	}
	c.mu.Unlock()
}

// OpenStreams is how many event streams are open (tests, metrics).
func (c *Chat) OpenStreams() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams
}

// Stream writes have their own deadline, extended before each write: the server's
// WriteTimeout would otherwise cut every stream. Deadlines are network time (time.Now),
// not Balai's clock.
const (
	streamWriteTimeout = 30 * time.Second
	keepaliveEvery     = 20 * time.Second
)

// events streams replies as server-sent events to the browser holding the session cookie.
// Last-Event-ID (or ?after=) replays what a reconnecting browser missed.
func (c *Chat) events(w http.ResponseWriter, r *http.Request) {
	lang := requestLang(r, "")
	chat, ok := c.session(w, r, lang)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	var after int64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	} else if v := r.URL.Query().Get("after"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	}
	s, status := c.subscribe(chat) // before the replay, so nothing falls in between
	switch status {
	case http.StatusServiceUnavailable:
		c.refuse(w, status, "busy", lang, "web_busy", 30*time.Second, nil)
		return
	case http.StatusTooManyRequests:
		c.refuse(w, status, "too_many_streams", lang, "web_limit_streams", 30*time.Second, nil)
		return
	}
	defer c.unsubscribe(chat, s)
	// The request is read: the stream lives past the server's ReadTimeout (which would end
	// it), and each write gets its own deadline.
	rc.SetReadDeadline(time.Time{})
	write := func(f func()) error {
		rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		f()
		return rc.Flush()
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ref := balai.ChatRef{Channel: balai.Web, ID: chat}
	// catchUp writes the delivered replies after `after` from the outbox. Besides the replay,
	// it runs before each live event and on each keepalive: a reply sent before this stream
	// subscribed but marked sent only after the replay's query is in neither the replay nor
	// the live channel, and would otherwise be skipped for good once a later reply moves
	// `after` past it (deliveries to a chat are serial, so it is marked sent by then).
	catchUp := func() error {
		for {
			missed, err := c.history.SentAfter(r.Context(), ref, after, 100)
			if err != nil {
				return err
			}
			for _, m := range missed {
				writeEvent(w, toEvent(m.Outgoing))
				after = m.ID
			}
			if len(missed) < 100 {
				return nil
			}
		}
	}
	if err := write(func() { io.WriteString(w, "retry: 2000\n\n") }); err != nil {
		return
	}
	if err := catchUp(); err != nil {
		c.log.Error("Failed to replay web chat history", "err", err)
		return
	}
	if err := write(func() {}); err != nil {
		return
	}
	keepalive := time.NewTicker(keepaliveEvery)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.end: // the citizen ended the session
			return
		case ev := <-s.ch:
			if ev.id <= after {
				continue // already replayed
			}
			if err := catchUp(); err != nil && r.Context().Err() == nil {
				c.log.Warn("Failed to catch up web chat history", "err", err)
			}
			if err := write(func() {
				if ev.id > after {
					writeEvent(w, ev)
					after = ev.id
				}
			}); err != nil {
				return
			}
		case <-s.poke: // another replica delivered a reply
			if err := catchUp(); err != nil && r.Context().Err() == nil {
				c.log.Warn("Failed to catch up web chat history", "err", err)
			}
			if err := write(func() {}); err != nil {
				return
			}
		case <-keepalive.C:
			// An open page keeps its session alive; an expired or ended one (on another
			// replica too) closes the stream.
			live, err := c.sessions.TouchWebSession(r.Context(), chat, c.now(), c.cfg.SessionIdle)
			if err == nil && !live {
				return
			}
			if err := catchUp(); err != nil && r.Context().Err() == nil {
				c.log.Warn("Failed to catch up web chat history", "err", err)
			}
			if err := write(func() { io.WriteString(w, ": keepalive\n\n") }); err != nil {
				return
			}
		}
	}
}

func writeEvent(w io.Writer, ev event) {
	fmt.Fprintf(w, "id: %d\nevent: message\ndata: %s\n\n", ev.id, ev.data)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apiError is an API refusal: a stable code for the page, and a text to show the citizen
// when there is one.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: code, Message: msg})
}
