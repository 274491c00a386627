package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/render"
)

// Meta's limits on what a message carries, in characters (counted here in UTF-16 code
// units, the stricter reading).
const (
	MaxText           = 4096 // a text message's body
	MaxBody           = 1024 // an interactive message's body
	maxButtons        = 3    // reply buttons in one message
	maxButtonTitle    = 20
	maxRows           = 10 // rows of a list message
	maxRowTitle       = 24
	maxRowDescription = 72
)

// Graph API error codes the adapter treats specially.
const (
	CodeThroughput   = 130429 // the number's throughput is exceeded
	CodePairRate     = 131056 // too many messages to one user
	CodeReEngagement = 131047 // more than 24 hours since the user last wrote
)

// APIError is an error answered by the Graph API.
type APIError struct {
	Status  int    // HTTP status
	Code    int    // error.code
	Subcode int    // error.error_subcode
	Message string // error.message, with error_data.details when given
	// RetryAfter is the Retry-After header, if any.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("HTTP %d: code %d", e.Status, e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf(" (subcode %d)", e.Subcode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// outMessage is the body of POST /{phone-id}/messages.
type outMessage struct {
	MessagingProduct string       `json:"messaging_product"`
	RecipientType    string       `json:"recipient_type"`
	To               string       `json:"to"`
	Type             string       `json:"type"`
	Context          *msgContext  `json:"context,omitempty"`
	Text             *textBody    `json:"text,omitempty"`
	Interactive      *interactive `json:"interactive,omitempty"`
	Template         *template    `json:"template,omitempty"`
}

type msgContext struct {
	MessageID string `json:"message_id"`
}

type textBody struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url"`
}

type interactive struct {
	Type string `json:"type"` // button, list
	Body struct {
		Text string `json:"text"`
	} `json:"body"`
	Action action `json:"action"`
}

type action struct {
	Button   string        `json:"button,omitempty"` // the list's label
	Buttons  []replyButton `json:"buttons,omitempty"`
	Sections []section     `json:"sections,omitempty"`
}

type replyButton struct {
	Type  string `json:"type"` // reply
	Reply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"reply"`
}

type section struct {
	Rows []row `json:"rows"`
}

type row struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type template struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
}

var waID = regexp.MustCompile(`^\+?[0-9]{5,20}$`)

// Split breaks a message into parts WhatsApp takes; see bot.Splitter. Link buttons become
// "Title: URL" lines of the text. A text longer than MaxText is split at paragraph
// boundaries. A message with choices carries them on its last part, whose body must fit
// MaxBody; when it does not, the choices follow in a part of their own with a short prompt.
func (a *Adapter) Split(o bot.Outgoing) []bot.Outgoing {
	if o.Kind != bot.OutMessage {
		return []bot.Outgoing{o}
	}
	o = linksIntoText(o)
	hasChoices := len(choices(o)) > 0
	n := rendered(o.Text)
	if n <= MaxText && (!hasChoices || n <= MaxBody) {
		return []bot.Outgoing{o}
	}
	chunks := render.Split(o.Text, MaxText, render.WhatsApp)
	if len(chunks) == 0 {
		return []bot.Outgoing{o}
	}
	out := o.Parts(chunks)
	if last := &out[len(out)-1]; hasChoices && rendered(last.Text) > MaxBody {
		// The choices do not fit under the last part: they follow on their own.
		last.Buttons = nil
		p := o
		p.Text, p.ReplyTo = a.choosePrompt(o.Lang), ""
		out = append(out, p)
	}
	return out
}

// rendered is the length of md in WhatsApp formatting.
func rendered(md string) int { return render.UTF16Len(strings.TrimSpace(render.WhatsApp(md))) }

// linksIntoText turns link buttons into "Title: URL" lines at the end of the text: WhatsApp
// has no link buttons outside templates. A numbered message lists them already.
func linksIntoText(o bot.Outgoing) bot.Outgoing {
	var links []string
	var rows [][]bot.Button
	for _, r := range o.Buttons {
		var keep []bot.Button
		for _, b := range r {
			if b.URL != "" && b.Data == "" {
				u := b.URL
				if !strings.ContainsAny(u, " <>") {
					u = "<" + u + ">" // an autolink: rendered as the bare URL
				}
				links = append(links, bot.EscapeMarkdown(strings.TrimSpace(b.Text))+": "+u)
				continue
			}
			keep = append(keep, b)
		}
		if len(keep) > 0 {
			rows = append(rows, keep)
		}
	}
	if len(links) == 0 {
		return o
	}
	o.Buttons = rows
	if o.Numbered {
		return o
	}
	if t := strings.TrimRight(o.Text, "\n "); t != "" {
		o.Text = t + "\n\n" + strings.Join(links, "\n")
	} else {
		o.Text = strings.Join(links, "\n")
	}
	return o
}

// choices are the message's callback buttons, each once; none for a numbered message (its
// text lists them).
func choices(o bot.Outgoing) []bot.Button {
	if o.Numbered {
		return nil
	}
	var out []bot.Button
	seen := map[string]bool{}
	for _, r := range o.Buttons {
		for _, b := range r {
			if b.Data == "" || seen[b.Data] {
				continue
			}
			seen[b.Data] = true
			b.Text = strings.TrimSpace(b.Text)
			if b.Text == "" {
				b.Text = b.Data
			}
			out = append(out, b)
		}
	}
	return out
}

func (a *Adapter) choosePrompt(lang string) string {
	return a.cfg.Messages.Text(lang, "choose_prompt", nil)
}

// message builds the request for one part: a text, or an interactive message with reply
// buttons (up to 3 short titles) or a list (up to 10 rows).
func (a *Adapter) message(o bot.Outgoing) (outMessage, error) {
	m := outMessage{MessagingProduct: "whatsapp", RecipientType: "individual", To: strings.TrimPrefix(o.Chat.ID, "+")}
	if o.ReplyTo != "" {
		m.Context = &msgContext{MessageID: o.ReplyTo}
	}
	body := strings.TrimSpace(render.WhatsApp(o.Text))
	cs := choices(o)
	if len(cs) == 0 {
		if body == "" {
			return m, &bot.PermanentError{Err: errors.New("whatsapp cloud: empty message")}
		}
		m.Type, m.Text = "text", &textBody{Body: body}
		return m, nil
	}
	if body == "" {
		body = a.choosePrompt(o.Lang)
	}
	in := &interactive{}
	in.Body.Text = body
	if replyButtonsFit(cs) {
		in.Type = "button"
		for _, b := range cs {
			rb := replyButton{Type: "reply"}
			rb.Reply.ID, rb.Reply.Title = b.Data, b.Text
			in.Action.Buttons = append(in.Action.Buttons, rb)
		}
	} else {
		in.Type = "list"
		in.Action.Button = a.cfg.Messages.Text(o.Lang, "choose_button", nil)
		var rows []row
		for _, b := range cs[:min(len(cs), maxRows)] {
			r := row{ID: b.Data, Title: truncate(b.Text, maxRowTitle)}
			if r.Title != b.Text {
				r.Description = truncate(b.Text, maxRowDescription)
			}
			rows = append(rows, r)
		}
		in.Action.Sections = []section{{Rows: rows}}
	}
	m.Type, m.Interactive = "interactive", in
	return m, nil
}

// replyButtonsFit reports whether the choices can be reply buttons: at most 3, with short,
// distinct titles.
func replyButtonsFit(cs []bot.Button) bool {
	if len(cs) > maxButtons {
		return false
	}
	titles := map[string]bool{}
	for _, b := range cs {
		if render.UTF16Len(b.Text) > maxButtonTitle || titles[b.Text] {
			return false
		}
		titles[b.Text] = true
	}
	return true
}

// Send delivers one outgoing item; see bot.Sender. Button acknowledgements need nothing on
// WhatsApp. WhatsApp cannot edit messages: an edit goes out as a new message. Outside the
// 24-hour window it sends the template once and returns *bot.HoldError.
func (a *Adapter) Send(ctx context.Context, o bot.Outgoing) (string, error) {
	if o.Kind == bot.OutCallback {
		return "", nil
	}
	if !waID.MatchString(o.Chat.ID) {
		return "", &bot.PermanentError{Err: fmt.Errorf("whatsapp cloud: chat id %q is not a WhatsApp number", o.Chat.ID)}
	}
	var last time.Time
	if a.cfg.LastInbound != nil {
		t, err := a.cfg.LastInbound.LastInbound(ctx, o.Chat)
		if err != nil {
			return "", fmt.Errorf("whatsapp cloud: last inbound: %w", err)
		}
		last = t
		if a.now().Sub(last) > Window {
			return "", a.windowClosed(ctx, o.Chat, last)
		}
	}
	// The engine splits before queueing; split here too for callers that do not.
	var id string
	for _, p := range a.Split(o) {
		m, err := a.message(p)
		if err != nil {
			return "", err
		}
		id, err = a.post(ctx, "message", m)
		if err != nil {
			if apiCode(err) == CodeReEngagement {
				return "", a.windowClosed(ctx, o.Chat, last)
			}
			return "", classify(err)
		}
	}
	a.mu.Lock()
	delete(a.prompted, o.Chat.ID)
	a.mu.Unlock()
	return id, nil
}

// windowClosed sends the template that asks the citizen to write again, unless it went out
// already since their last message, and holds the reply.
func (a *Adapter) windowClosed(ctx context.Context, chat balai.ChatRef, last time.Time) error {
	name := a.cfg.TemplateName
	if name == "" {
		return &bot.PermanentError{Err: errors.New("whatsapp cloud: the 24-hour window is closed and no template is configured (WHATSAPP_CLOUD_TEMPLATE_NAME)")}
	}
	a.mu.Lock()
	p, ok := a.prompted[chat.ID]
	a.mu.Unlock()
	if ok && p.last.Equal(last) {
		return &bot.HoldError{Reason: fmt.Sprintf("24-hour window closed; template %s sent at %s", name, p.at.Format(time.RFC3339))}
	}
	m := outMessage{MessagingProduct: "whatsapp", RecipientType: "individual", To: strings.TrimPrefix(chat.ID, "+"),
		Type: "template", Template: &template{Name: name}}
	m.Template.Language.Code = a.cfg.TemplateLang
	if _, err := a.post(ctx, "template "+name, m); err != nil {
		return classify(err)
	}
	at := a.now()
	a.mu.Lock()
	a.prompted[chat.ID] = prompt{last: last, at: at}
	a.mu.Unlock()
	a.log.Info("Asked a citizen to write again: the 24-hour window is closed", "chat", chat, "template", name, "last_inbound", last)
	return &bot.HoldError{Reason: "24-hour window closed; template " + name + " sent"}
}

// post sends one message and returns its wamid. Errors wrap *APIError when Meta answered.
func (a *Adapter) post(ctx context.Context, what string, m outMessage) (string, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return "", &bot.PermanentError{Err: fmt.Errorf("whatsapp cloud: send %s: %w", what, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.APIURL+"/"+url.PathEscape(a.cfg.PhoneID)+"/messages", bytes.NewReader(body))
	if err != nil {
		return "", &bot.PermanentError{Err: fmt.Errorf("whatsapp cloud: send %s: %w", what, err)}
	}
	req.Header.Set("Authorization", "Bearer "+a.cfg.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("whatsapp cloud: send %s: %w", what, err)
	}
	defer resp.Body.Close()
	raw, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		var r struct {
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
		}
		if rerr != nil || json.Unmarshal(raw, &r) != nil || len(r.Messages) == 0 {
			// Meta took the message: sending it again would repeat it.
			a.log.Warn("Meta accepted a message without returning its id", "status", resp.StatusCode)
			return "", nil
		}
		return r.Messages[0].ID, nil
	}
	ae := &APIError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), resp.Header.Get("Date"))}
	var e struct {
		Error struct {
			Message   string `json:"message"`
			Code      int    `json:"code"`
			Subcode   int    `json:"error_subcode"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil {
		ae.Code, ae.Subcode, ae.Message = e.Error.Code, e.Error.Subcode, e.Error.Message
		if d := e.Error.ErrorData.Details; d != "" && d != ae.Message {
			ae.Message += " (" + d + ")"
		}
	}
	return "", fmt.Errorf("whatsapp cloud: send %s: %w", what, ae)
}

// apiCode is the Graph API error code of err, or 0.
func apiCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// classify maps a failed send to the engine's errors: rate limits are requested pauses
// (Retry-After wins when Meta sends it), other client errors cannot succeed on retry,
// server and network errors are retried.
func classify(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	var after time.Duration
	switch {
	case ae.Code == CodeThroughput:
		after = 2 * time.Second
	case ae.Code == CodePairRate:
		after = 10 * time.Second
	case ae.Code == 4 || ae.Code == 80007: // the app's or the business account's call limit
		after = time.Minute
	case ae.Status == http.StatusTooManyRequests:
		after = 5 * time.Second
	}
	if after > 0 {
		if ae.RetryAfter > 0 {
			after = ae.RetryAfter
		}
		return &bot.RetryAfterError{After: after, Err: err}
	}
	switch {
	case ae.Status >= 500, ae.Status == http.StatusRequestTimeout,
		ae.Code == 1, ae.Code == 2, ae.Code == 131000, ae.Code == 131016: // Meta's "try again" errors
		return err
	case ae.Code == 131026: // message undeliverable: not a WhatsApp number, or it cannot receive
		return &bot.PermanentError{Err: err, Reason: bot.ReasonChatNotFound}
	case ae.Status == http.StatusForbidden:
		return &bot.PermanentError{Err: err, Reason: bot.ReasonBlocked}
	case ae.Status >= 400:
		return &bot.PermanentError{Err: err, Reason: bot.ReasonBadRequest}
	}
	return err
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date, which is Meta's clock and
// so is measured from the response's own Date (the system clock without it), never from
// Balai's clock; at most an hour.
func retryAfter(h, date string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s > 0 {
		return min(time.Duration(s)*time.Second, time.Hour)
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0
	}
	now, err := http.ParseTime(date)
	if err != nil {
		now = time.Now()
	}
	if !t.After(now) {
		return 0
	}
	return min(t.Sub(now), time.Hour)
}

// truncate shortens s to n characters, ending it with "…" when cut.
func truncate(s string, n int) string {
	if render.UTF16Len(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n-1 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	return strings.TrimRight(b.String(), " ") + "…"
}
