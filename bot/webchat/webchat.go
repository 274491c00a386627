// Package webchat is the web chat channel: a small, accessible chat page served at "/", an
// embed snippet for the agency's website, a JSON API to send messages and pressed buttons,
// and server-sent events carrying the replies. Anyone can try Balai in a browser, no
// account or token needed.
package webchat

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
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

// MaxText is the longest message a citizen may send, in characters.
const MaxText = 2000

// Acceptor records inbound messages durably; *bot.Engine is one.
type Acceptor interface {
	Accept(ctx context.Context, in ...bot.Inbound) ([]bool, error)
}

// History returns delivered messages of a chat after an outbox id; *store.DB is one.
type History interface {
	SentAfter(ctx context.Context, chat balai.ChatRef, after int64, limit int) ([]bot.StoredOutgoing, error)
}

// Config configures the web chat.
type Config struct {
	// Agency is the agency's name shown in the page title.
	Agency string
	// Origins may embed the chat and call its API from another site ("*" for any); empty:
	// same origin only.
	Origins []string
	Logger  *slog.Logger
}

// Chat is the web chat: an http.Handler and the channel's bot.Sender.
type Chat struct {
	origins  []string
	accept   Acceptor
	history  History
	log      *slog.Logger
	mux      *http.ServeMux
	pageHTML []byte // index.html with the agency's name
	embedJS  []byte

	mu   sync.Mutex
	subs map[string]map[chan event]struct{} // session → subscribers
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
	index, _ := static.ReadFile("static/index.html")
	embedJS, _ := static.ReadFile("static/embed.js")
	c := &Chat{
		origins:  cfg.Origins,
		accept:   accept,
		history:  history,
		log:      cfg.Logger,
		pageHTML: []byte(strings.ReplaceAll(string(index), "{{AGENCY}}", html.EscapeString(cfg.Agency))),
		embedJS:  embedJS,
		subs:     map[string]map[chan event]struct{}{},
	}
	sub, _ := fs.Sub(static, "static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.page)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("GET /embed.js", c.embed)
	mux.HandleFunc("POST /api/chat/session", c.session)
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
	c.mux.ServeHTTP(w, r)
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
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			return
		}
	}
}

func (c *Chat) preflight(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }

func (c *Chat) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'")
	w.Write(c.pageHTML)
}

func (c *Chat) embed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(c.embedJS)
}

// Sessions are 128-bit random hex strings; the session is the chat id.
func newSession() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validSession(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func (c *Chat) session(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"session": newSession()})
}

// messageRequest is a citizen's message or pressed button.
type messageRequest struct {
	Session string `json:"session"`
	// ID is the browser's id of the message: a retried request is recorded once.
	ID     string `json:"id"`
	Text   string `json:"text"`
	Button string `json:"button"`
	Lang   string `json:"lang"`
}

func (c *Chat) message(w http.ResponseWriter, r *http.Request) {
	var req messageRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "malformed request")
		return
	}
	// Invalid UTF-8 and NUL are cleaned before the checks: such text is not "too long".
	req.Text, req.Button = bot.SanitizeText(req.Text), bot.SanitizeText(req.Button)
	switch {
	case !validSession(req.Session):
		writeError(w, http.StatusBadRequest, "unknown session")
		return
	case req.ID == "" || len(req.ID) > 64:
		writeError(w, http.StatusBadRequest, "message id required")
		return
	case strings.TrimSpace(req.Text) == "" && req.Button == "":
		writeError(w, http.StatusBadRequest, "empty message")
		return
	case utf8.RuneCountInString(req.Text) > MaxText:
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("message longer than %d characters", MaxText))
		return
	case len(req.Button) > 128:
		writeError(w, http.StatusBadRequest, "malformed button")
		return
	}
	in := bot.Inbound{
		Chat:     balai.ChatRef{Channel: balai.Web, ID: req.Session},
		Key:      req.Session + "/" + req.ID,
		Kind:     bot.KindText,
		Text:     strings.TrimSpace(req.Text),
		LangHint: req.Lang,
	}
	if req.Button != "" {
		in.Kind, in.Text = bot.KindButton, req.Button
	}
	if _, err := c.accept.Accept(r.Context(), in); err != nil {
		c.log.Error("Failed to record a web chat message", "err", err)
		writeError(w, http.StatusServiceUnavailable, "try again")
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
	for ch := range c.subs[o.Chat.ID] {
		select {
		case ch <- ev:
		default: // a stalled stream catches up from the outbox (see events)
		}
	}
	c.mu.Unlock()
	return strconv.FormatInt(o.ID, 10), nil
}

func (c *Chat) subscribe(session string) chan event {
	ch := make(chan event, 64)
	c.mu.Lock()
	if c.subs[session] == nil {
		c.subs[session] = map[chan event]struct{}{}
	}
	c.subs[session][ch] = struct{}{}
	c.mu.Unlock()
	return ch
}

func (c *Chat) unsubscribe(session string, ch chan event) {
	c.mu.Lock()
	delete(c.subs[session], ch)
	if len(c.subs[session]) == 0 {
		delete(c.subs, session)
	}
	c.mu.Unlock()
}

// events streams replies as server-sent events. Last-Event-ID (or ?after=) replays what a
// reconnecting browser missed.
func (c *Chat) events(w http.ResponseWriter, r *http.Request) {
	session := r.URL.Query().Get("session")
	if !validSession(session) {
		writeError(w, http.StatusBadRequest, "unknown session")
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	var after int64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	} else if v := r.URL.Query().Get("after"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	}
	ch := c.subscribe(session) // before the replay, so nothing falls in between
	defer c.unsubscribe(session, ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "retry: 2000\n\n")
	chat := balai.ChatRef{Channel: balai.Web, ID: session}
	// catchUp writes the delivered replies after `after` from the outbox. Besides the replay,
	// it runs before each live event and on each keepalive: a reply sent before this stream
	// subscribed but marked sent only after the replay's query is in neither the replay nor
	// the live channel, and would otherwise be skipped for good once a later reply moves
	// `after` past it (deliveries to a chat are serial, so it is marked sent by then).
	catchUp := func() error {
		for {
			missed, err := c.history.SentAfter(r.Context(), chat, after, 100)
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
	if err := catchUp(); err != nil {
		c.log.Error("Failed to replay web chat history", "err", err)
		return
	}
	flusher.Flush()
	keepalive := time.NewTicker(20 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev := <-ch:
			if ev.id <= after {
				continue // already replayed
			}
			if err := catchUp(); err != nil && r.Context().Err() == nil {
				c.log.Warn("Failed to catch up web chat history", "err", err)
			}
			if ev.id > after {
				writeEvent(w, ev)
				after = ev.id
			}
			flusher.Flush()
		case <-keepalive.C:
			if err := catchUp(); err != nil && r.Context().Err() == nil {
				c.log.Warn("Failed to catch up web chat history", "err", err)
			}
			io.WriteString(w, ": keepalive\n\n")
			flusher.Flush()
		}
	}
}

func writeEvent(w io.Writer, ev event) {
	fmt.Fprintf(w, "id: %d\nevent: message\ndata: %s\n\n", ev.id, ev.data)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
