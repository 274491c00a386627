// Package tgfake is a fake Telegram Bot API server for Balai's tests: it queues updates for
// getUpdates with Telegram's offset semantics, records what the bot sends, answers like
// Telegram (including 400 for malformed HTML and 429 with retry_after on demand), and can
// hold sends back to test crashes. It speaks the multipart and JSON requests
// github.com/go-telegram/bot makes.
package tgfake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sent is a message the bot sent (or edited).
type Sent struct {
	ChatID    int64
	MessageID int
	Text      string
	ParseMode string
	ReplyTo   int
	ThreadID  int
	Buttons   [][]Button
	Edited    bool
	At        time.Time
}

// Button is an inline keyboard button as sent.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
	URL          string `json:"url"`
}

// Server is the fake. Use it as an http.Handler (httptest.NewServer(fake)).
type Server struct {
	Token string

	mu        sync.Mutex
	cond      *sync.Cond
	updates   []json.RawMessage // queued, not confirmed
	ids       []int64
	nextID    int64
	msgSeq    map[int64]int
	sent      []Sent
	calls     map[string]int
	callbacks map[string]bool // answered callback query ids
	flood     map[int64]time.Time
	failNext  map[string]int // method → how many calls get 429
	retry     int
	hold      bool // sendMessage waits until released
	webhook   string
	members   map[string]string                // "chat:user" → status
	clock     atomic.Pointer[func() time.Time] // Telegram's clock, for the dates it stamps
	attempts  map[int64]int                    // sendMessage calls per chat, failed ones included
	outage    int                              // sendMessage and edits answer this HTTP status (0: none)
	blocked   map[int64]bool                   // chats whose citizen blocked the bot (403)
}

// New returns a fake for token.
func New(token string) *Server {
	s := &Server{Token: token, nextID: 1000, msgSeq: map[int64]int{}, calls: map[string]int{},
		callbacks: map[string]bool{}, flood: map[int64]time.Time{}, failNext: map[string]int{}, members: map[string]string{}, attempts: map[int64]int{}, blocked: map[int64]bool{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Message injects a private text message from user id == chat id; it returns the update id
// and the message id.
func (s *Server) Message(chatID int64, text string) (int64, int) {
	return s.MessageIn(chatID, chatID, "private", text, 0)
}

// MessageIn injects a message in any chat, optionally replying to message replyTo.
func (s *Server) MessageIn(chatID, userID int64, chatType, text string, replyTo int) (int64, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgSeq[chatID]++
	mid := s.msgSeq[chatID]
	m := map[string]any{
		"message_id": mid, "date": s.date(), "text": text,
		"chat": map[string]any{"id": chatID, "type": chatType},
		"from": map[string]any{"id": userID, "is_bot": false, "first_name": "Warga", "language_code": "id"},
	}
	if replyTo != 0 {
		m["reply_to_message"] = map[string]any{"message_id": replyTo, "date": s.date(), "chat": map[string]any{"id": chatID, "type": chatType}}
	}
	return s.push(map[string]any{"message": m}), mid
}

// Photo injects a photo without caption.
func (s *Server) Photo(chatID int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgSeq[chatID]++
	m := map[string]any{"message_id": s.msgSeq[chatID], "date": s.date(),
		"chat": map[string]any{"id": chatID, "type": "private"}, "from": map[string]any{"id": chatID, "first_name": "Warga"},
		"photo": []map[string]any{{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}}}
	return s.push(map[string]any{"message": m})
}

// Press injects a callback query of a citizen for a button under the bot's message msgID
// in their private chat.
func (s *Server) Press(chatID int64, msgID int, data string) (int64, string) {
	return s.PressIn(chatID, chatID, "private", msgID, data)
}

// PressIn injects a callback query of user in any chat.
func (s *Server) PressIn(chatID, userID int64, chatType string, msgID int, data string) (int64, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	qid := fmt.Sprintf("q%d", s.nextID)
	return s.push(map[string]any{"callback_query": map[string]any{
		"id": qid, "data": data, "chat_instance": "ci",
		"from":    map[string]any{"id": userID, "first_name": "Petugas"},
		"message": map[string]any{"message_id": msgID, "date": s.date(), "chat": map[string]any{"id": chatID, "type": chatType}},
	}}), qid
}

// Raw injects an update as given (for malformed updates); it returns its id.
func (s *Server) Raw(fields map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.push(fields)
}

func (s *Server) push(fields map[string]any) int64 {
	s.nextID++
	fields["update_id"] = s.nextID
	b, _ := json.Marshal(fields)
	s.updates = append(s.updates, b)
	s.ids = append(s.ids, s.nextID)
	s.cond.Broadcast()
	return s.nextID
}

// Update returns the JSON of an update not yet confirmed by getUpdates (for webhooks, where
// nothing confirms them), or nil.
func (s *Server) Update(id int64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range s.ids {
		if u == id {
			return s.updates[i]
		}
	}
	return nil
}

// SetMember sets a user's status in a group ("member", "administrator", "left", "kicked").
func (s *Server) SetMember(chat, user int64, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[fmt.Sprintf("%d:%d", chat, user)] = status
}

// SetClock sets Telegram's clock, which dates the messages (default time.Now): a test makes
// it disagree with the bot's.
func (s *Server) SetClock(now func() time.Time) { s.clock.Store(&now) }

// date is the message date Telegram stamps now.
func (s *Server) date() int64 {
	if now := s.clock.Load(); now != nil {
		return (*now)().Unix()
	}
	return time.Now().Unix()
}

// Attempts is how many times the bot called sendMessage for chat, failed calls included.
func (s *Server) Attempts(chat int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[chat]
}

// Outage makes sendMessage and editMessageText answer status (500, 502…) until Outage(0):
// the Bot API is down.
func (s *Server) Outage(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = status
}

// Block makes sendMessage to chat answer 403 "bot was blocked by the user".
func (s *Server) Block(chat int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chat] = true
}

// FailNext makes the next n calls of method fail with 429 and retry_after seconds.
func (s *Server) FailNext(method string, n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[strings.ToLower(method)] = n
	s.retry = retryAfter
}

// Hold makes sendMessage wait until Release; a request whose client goes away meanwhile is
// not delivered (as if the crash came before Telegram took it).
func (s *Server) Hold() {
	s.mu.Lock()
	s.hold = true
	s.mu.Unlock()
}

// Release lets held sends through.
func (s *Server) Release() {
	s.mu.Lock()
	s.hold = false
	s.cond.Broadcast()
	s.mu.Unlock()
}

// SentTo returns the messages the bot sent to chat.
func (s *Server) SentTo(chat int64) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.sent {
		if m.ChatID == chat {
			out = append(out, m)
		}
	}
	return out
}

// AllSent returns every message the bot sent.
func (s *Server) AllSent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentSince returns the messages sent after the first i, and the new count.
func (s *Server) SentSince(i int) ([]Sent, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i > len(s.sent) {
		i = len(s.sent)
	}
	return append([]Sent(nil), s.sent[i:]...), len(s.sent)
}

// Calls returns how often method was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[strings.ToLower(method)]
}

// Answered reports whether the callback query id was answered.
func (s *Server) Answered(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbacks[id]
}

// Pending is the number of updates not yet confirmed by the bot.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// WaitFor waits until cond holds (checked after every call) or timeout.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

var methodPath = regexp.MustCompile(`^/bot([^/]+)/(?:test/)?([A-Za-z]+)$`)

// ServeHTTP answers Bot API requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := methodPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		reply(w, 404, nil, "Not Found", 0)
		return
	}
	if m[1] != s.Token {
		reply(w, 401, nil, "Unauthorized", 0)
		return
	}
	method := strings.ToLower(m[2])
	p, err := params(r)
	// Read the body to its end so the server notices when the client goes away.
	io.Copy(io.Discard, r.Body)
	if err != nil {
		reply(w, 400, nil, "Bad Request: "+err.Error(), 0)
		return
	}
	s.mu.Lock()
	s.calls[method]++
	if method == "sendmessage" {
		if chat, err := strconv.ParseInt(p["chat_id"], 10, 64); err == nil {
			s.attempts[chat]++
		}
	}
	if status := s.outage; status != 0 && (method == "sendmessage" || method == "editmessagetext") {
		s.mu.Unlock()
		reply(w, status, nil, http.StatusText(status), 0)
		return
	}
	if chat, err := strconv.ParseInt(p["chat_id"], 10, 64); err == nil && s.blocked[chat] && method == "sendmessage" {
		s.mu.Unlock()
		reply(w, 403, nil, "Forbidden: bot was blocked by the user", 0)
		return
	}
	if n := s.failNext[method]; n > 0 {
		s.failNext[method] = n - 1
		retry := s.retry
		if chat, err := strconv.ParseInt(p["chat_id"], 10, 64); err == nil {
			s.flood[chat] = time.Now().Add(time.Duration(retry) * time.Second)
		}
		s.mu.Unlock()
		reply(w, 429, nil, fmt.Sprintf("Too Many Requests: retry after %d", retry), retry)
		return
	}
	s.mu.Unlock()
	switch method {
	case "getupdates":
		s.getUpdates(w, r, p)
	case "sendmessage", "editmessagetext":
		s.sendMessage(w, r, p, method == "editmessagetext")
	case "answercallbackquery":
		s.mu.Lock()
		id := p["callback_query_id"]
		ok := !s.callbacks[id] && id != ""
		s.callbacks[id] = true
		s.mu.Unlock()
		if !ok {
			reply(w, 400, nil, "Bad Request: query is too old and response timeout expired or query ID is invalid", 0)
			return
		}
		reply(w, 200, true, "", 0)
	case "setwebhook":
		s.mu.Lock()
		s.webhook = p["url"]
		s.mu.Unlock()
		reply(w, 200, true, "", 0)
	case "deletewebhook":
		s.mu.Lock()
		s.webhook = ""
		s.mu.Unlock()
		reply(w, 200, true, "", 0)
	case "getchatmember":
		s.mu.Lock()
		status, ok := s.members[p["chat_id"]+":"+p["user_id"]]
		s.mu.Unlock()
		if !ok {
			status = "left"
		}
		uid, _ := strconv.ParseInt(p["user_id"], 10, 64)
		reply(w, 200, map[string]any{"status": status, "user": map[string]any{"id": uid, "is_bot": false, "first_name": "X"}}, "", 0)
	case "setmycommands", "sendchataction":
		reply(w, 200, true, "", 0)
	default:
		reply(w, 404, nil, "Not Found: method not found", 0)
	}
}

// Webhook returns the URL set with setWebhook.
func (s *Server) Webhook() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	timeout, _ := strconv.Atoi(p["timeout"])
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	ctx := r.Context()
	stop := context.AfterFunc(ctx, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop()
	timer := time.AfterFunc(time.Until(deadline), func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		// The offset confirms (drops) every earlier update.
		if offset > 0 {
			k := 0
			for k < len(s.ids) && s.ids[k] < offset {
				k++
			}
			s.ids, s.updates = s.ids[k:], s.updates[k:]
		}
		if len(s.updates) > 0 || !time.Now().Before(deadline) || ctx.Err() != nil {
			break
		}
		s.cond.Wait()
	}
	n := min(len(s.updates), 100)
	out := make([]json.RawMessage, n)
	copy(out, s.updates[:n])
	reply(w, 200, out, "", 0)
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, p map[string]string, edit bool) {
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil {
		reply(w, 400, nil, "Bad Request: chat not found", 0)
		return
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		reply(w, 400, nil, "Bad Request: message text is empty", 0)
		return
	}
	if p["parse_mode"] == "HTML" {
		if err := CheckHTML(text); err != nil {
			reply(w, 400, nil, "Bad Request: can't parse entities: "+err.Error(), 0)
			return
		}
	}
	if n := utf16Len(VisibleText(text, p["parse_mode"])); n > 4096 {
		reply(w, 400, nil, "Bad Request: message is too long", 0)
		return
	}
	var buttons [][]Button
	if rm := p["reply_markup"]; rm != "" {
		var kb struct {
			InlineKeyboard [][]Button `json:"inline_keyboard"`
		}
		if err := json.Unmarshal([]byte(rm), &kb); err != nil {
			reply(w, 400, nil, "Bad Request: can't parse reply keyboard markup JSON object", 0)
			return
		}
		for _, row := range kb.InlineKeyboard {
			for _, b := range row {
				if len(b.CallbackData) > 64 {
					reply(w, 400, nil, "Bad Request: BUTTON_DATA_INVALID", 0)
					return
				}
			}
		}
		buttons = kb.InlineKeyboard
	}
	s.mu.Lock()
	for s.hold && r.Context().Err() == nil {
		stop := context.AfterFunc(r.Context(), func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
		s.cond.Wait()
		stop()
	}
	if r.Context().Err() != nil {
		s.mu.Unlock()
		return // the client went away before Telegram took the message
	}
	m := Sent{ChatID: chat, Text: text, ParseMode: p["parse_mode"], Buttons: buttons, Edited: edit, At: time.Now()}
	if rp := p["reply_parameters"]; rp != "" {
		var v struct {
			MessageID int `json:"message_id"`
		}
		json.Unmarshal([]byte(rp), &v)
		m.ReplyTo = v.MessageID
	}
	m.ThreadID, _ = strconv.Atoi(p["message_thread_id"])
	if edit {
		m.MessageID, _ = strconv.Atoi(p["message_id"])
	} else {
		s.msgSeq[chat]++
		m.MessageID = s.msgSeq[chat]
	}
	s.sent = append(s.sent, m)
	s.mu.Unlock()
	reply(w, 200, map[string]any{"message_id": m.MessageID, "date": s.date(), "text": text,
		"chat": map[string]any{"id": chat, "type": "private"}}, "", 0)
}

// params reads a request's parameters from the query, a multipart or urlencoded form, or JSON.
func params(r *http.Request) (map[string]string, error) {
	p := map[string]string{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return nil, err
		}
		for k, v := range r.MultipartForm.Value {
			p[k] = v[0]
		}
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.PostForm {
			p[k] = v[0]
		}
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, err
		}
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil {
				p[k] = s
			} else {
				p[k] = string(v)
			}
		}
	}
	return p, nil
}

func reply(w http.ResponseWriter, code int, result any, desc string, retryAfter int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	body := map[string]any{"ok": code == 200}
	if code == 200 {
		body["result"] = result
	} else {
		body["error_code"] = code
		body["description"] = desc
		if retryAfter > 0 {
			body["parameters"] = map[string]int{"retry_after": retryAfter}
		}
	}
	json.NewEncoder(w).Encode(body)
}
