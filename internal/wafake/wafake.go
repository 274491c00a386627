// Package wafake is a fake WhatsApp Business Cloud API (Meta's Graph API) for Balai's tests.
// It takes POST /{version}/{phone-id}/messages like Meta: it checks the bearer token and the
// limits Meta enforces on text, reply buttons, lists and templates, records what was sent
// (decoded), answers with a wamid, and can fail the next sends with any Graph API error or
// refuse free-form messages to a recipient whose 24-hour window is closed (error 131047).
// webhook.go builds the signed webhook requests Meta would post to Balai.
package wafake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// Choice is a reply button or a list row as sent.
type Choice struct {
	ID          string
	Title       string
	Description string // list rows only
}

// Sent is a message the bot sent, decoded.
type Sent struct {
	ID   string // the wamid returned
	To   string
	Type string // "text", "interactive" or "template"
	// Text is the text body, or the body of an interactive message.
	Text       string
	PreviewURL bool
	ReplyTo    string // context.message_id
	// Interactive is "button" (reply buttons) or "list" for interactive messages.
	Interactive string
	Choices     []Choice
	ListButton  string // the label of the button that opens a list
	// Template and TemplateLang name the template of a template message.
	Template     string
	TemplateLang string
	Raw          json.RawMessage
	At           time.Time
}

// Failure is a Graph API error the fake answers with.
type Failure struct {
	Status     int // HTTP status (default 400)
	Code       int
	Subcode    int
	Message    string
	RetryAfter string // the Retry-After header, if any
}

// Server is the fake. Use it as an http.Handler (httptest.NewServer(fake)); point the
// adapter's APIURL at the test server's URL (with or without a version path).
type Server struct {
	Token   string
	PhoneID string

	mu     sync.Mutex
	sent   []Sent
	seq    int
	calls  int
	fails  []Failure
	closed map[string]bool // recipients whose customer-service window is closed
}

// New returns a fake for an access token and a business phone number id.
func New(token, phoneID string) *Server {
	return &Server{Token: token, PhoneID: phoneID, closed: map[string]bool{}}
}

// FailNext makes the next n sends fail with f.
func (s *Server) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, f)
	}
}

// CloseWindow makes Meta's side of the 24-hour rule refuse free-form messages to to (error
// 131047) until OpenWindow; templates still go through.
func (s *Server) CloseWindow(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed[to] = true
}

// OpenWindow lets free-form messages to to through again (the citizen wrote).
func (s *Server) OpenWindow(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.closed, to)
}

// Sent returns every message sent, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the messages sent to one recipient.
func (s *Server) SentTo(to string) []Sent {
	return slices.DeleteFunc(s.Sent(), func(m Sent) bool { return m.To != to })
}

// Calls is how many message requests arrived, failed ones included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// WaitFor waits until cond holds or timeout passes, and reports whether it held.
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

var messagesPath = regexp.MustCompile(`^(?:/v[0-9.]+)?/([^/]+)/messages$`)

var recipientRE = regexp.MustCompile(`^\+?[0-9]{5,20}$`)

// request is the body of a send, as far as the fake reads it.
type request struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Context          *struct {
		MessageID string `json:"message_id"`
	} `json:"context"`
	Text *struct {
		Body       string `json:"body"`
		PreviewURL bool   `json:"preview_url"`
	} `json:"text"`
	Interactive *struct {
		Type string `json:"type"`
		Body *struct {
			Text string `json:"text"`
		} `json:"body"`
		Action struct {
			Button  string `json:"button"`
			Buttons []struct {
				Type  string `json:"type"`
				Reply struct {
					ID    string `json:"id"`
					Title string `json:"title"`
				} `json:"reply"`
			} `json:"buttons"`
			Sections []struct {
				Title string `json:"title"`
				Rows  []struct {
					ID          string `json:"id"`
					Title       string `json:"title"`
					Description string `json:"description"`
				} `json:"rows"`
			} `json:"sections"`
		} `json:"action"`
	} `json:"interactive"`
	Template *struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
	} `json:"template"`
}

// ServeHTTP answers Graph API send requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := messagesPath.FindStringSubmatch(r.URL.Path)
	if m == nil || r.Method != http.MethodPost {
		graphError(w, Failure{Status: 404, Code: 100, Message: "Unsupported request - method type: " + strings.ToLower(r.Method)})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		graphError(w, Failure{Status: 401, Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	if m[1] != s.PhoneID {
		graphError(w, Failure{Status: 400, Code: 100, Subcode: 33, Message: "Unsupported post request. Object with ID '" + m[1] + "' does not exist"})
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	s.mu.Lock()
	s.calls++
	if len(s.fails) > 0 {
		f := s.fails[0]
		s.fails = s.fails[1:]
		s.mu.Unlock()
		graphError(w, f)
		return
	}
	s.mu.Unlock()
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		graphError(w, invalid("Unexpected key or malformed JSON"))
		return
	}
	sent, f := check(req)
	if f != nil {
		graphError(w, *f)
		return
	}
	s.mu.Lock()
	if s.closed[strings.TrimPrefix(req.To, "+")] && req.Type != "template" {
		s.mu.Unlock()
		graphError(w, Failure{Status: 400, Code: 131047,
			Message: "Re-engagement message: More than 24 hours have passed since the recipient last replied to the sender number."})
		return
	}
	s.seq++
	sent.ID = fmt.Sprintf("wamid.FAKE%08d", s.seq)
	sent.Raw = raw
	sent.At = time.Now()
	s.sent = append(s.sent, sent)
	s.mu.Unlock()
	msg := map[string]any{"id": sent.ID}
	if req.Type == "template" {
		msg["message_status"] = "accepted"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]any{{"input": req.To, "wa_id": strings.TrimPrefix(req.To, "+")}},
		"messages":          []map[string]any{msg},
	})
}

func invalid(detail string) Failure {
	return Failure{Status: 400, Code: 100, Message: "(#100) Invalid parameter: " + detail}
}

// check validates a send as Meta does (the limits Balai meets) and decodes it.
func check(req request) (Sent, *Failure) {
	fail := func(detail string) (Sent, *Failure) { f := invalid(detail); return Sent{}, &f }
	if req.MessagingProduct != "whatsapp" {
		return fail("messaging_product must be whatsapp")
	}
	if req.RecipientType != "" && req.RecipientType != "individual" {
		return fail("recipient_type")
	}
	if !recipientRE.MatchString(req.To) {
		return fail("to is not a phone number")
	}
	out := Sent{To: strings.TrimPrefix(req.To, "+"), Type: req.Type}
	if req.Context != nil {
		out.ReplyTo = req.Context.MessageID
	}
	switch req.Type {
	case "text":
		if req.Text == nil || strings.TrimSpace(req.Text.Body) == "" {
			return fail("text.body is required")
		}
		if textLen(req.Text.Body) > 4096 {
			return fail("text.body is longer than 4096 characters")
		}
		out.Text, out.PreviewURL = req.Text.Body, req.Text.PreviewURL
	case "interactive":
		in := req.Interactive
		if in == nil || in.Body == nil || strings.TrimSpace(in.Body.Text) == "" {
			return fail("interactive.body.text is required")
		}
		if textLen(in.Body.Text) > 1024 {
			return fail("interactive.body.text is longer than 1024 characters")
		}
		out.Text, out.Interactive = in.Body.Text, in.Type
		ids := map[string]bool{}
		switch in.Type {
		case "button":
			if n := len(in.Action.Buttons); n == 0 || n > 3 {
				return fail("action.buttons must have 1 to 3 buttons")
			}
			titles := map[string]bool{}
			for _, b := range in.Action.Buttons {
				switch {
				case b.Type != "reply":
					return fail("button type must be reply")
				case b.Reply.ID == "" || textLen(b.Reply.ID) > 256:
					return fail("button id must have 1 to 256 characters")
				case strings.TrimSpace(b.Reply.Title) == "" || textLen(b.Reply.Title) > 20:
					return fail("button title must have 1 to 20 characters")
				case ids[b.Reply.ID] || titles[b.Reply.Title]:
					return fail("button ids and titles must be unique")
				}
				ids[b.Reply.ID], titles[b.Reply.Title] = true, true
				out.Choices = append(out.Choices, Choice{ID: b.Reply.ID, Title: b.Reply.Title})
			}
		case "list":
			if b := in.Action.Button; strings.TrimSpace(b) == "" || textLen(b) > 20 {
				return fail("action.button must have 1 to 20 characters")
			}
			out.ListButton = in.Action.Button
			if len(in.Action.Sections) == 0 || len(in.Action.Sections) > 10 {
				return fail("action.sections must have 1 to 10 sections")
			}
			for _, sec := range in.Action.Sections {
				if len(in.Action.Sections) > 1 && sec.Title == "" || textLen(sec.Title) > 24 {
					return fail("section title")
				}
				for _, row := range sec.Rows {
					switch {
					case row.ID == "" || textLen(row.ID) > 200:
						return fail("row id must have 1 to 200 characters")
					case strings.TrimSpace(row.Title) == "" || textLen(row.Title) > 24:
						return fail("row title must have 1 to 24 characters")
					case textLen(row.Description) > 72:
						return fail("row description is longer than 72 characters")
					case ids[row.ID]:
						return fail("row ids must be unique")
					}
					ids[row.ID] = true
					out.Choices = append(out.Choices, Choice{ID: row.ID, Title: row.Title, Description: row.Description})
				}
			}
			if n := len(out.Choices); n == 0 || n > 10 {
				return fail("a list must have 1 to 10 rows")
			}
		default:
			return fail("interactive.type")
		}
	case "template":
		if req.Template == nil || req.Template.Name == "" || req.Template.Language.Code == "" {
			return fail("template.name and template.language.code are required")
		}
		out.Template, out.TemplateLang = req.Template.Name, req.Template.Language.Code
	default:
		return fail("type")
	}
	return out, nil
}

// graphError writes a Graph API error.
func graphError(w http.ResponseWriter, f Failure) {
	if f.Status == 0 {
		f.Status = http.StatusBadRequest
	}
	if f.Message == "" {
		f.Message = http.StatusText(f.Status)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	e := map[string]any{"message": f.Message, "type": "OAuthException", "code": f.Code, "fbtrace_id": "AfakeTrace"}
	if f.Subcode != 0 {
		e["error_subcode"] = f.Subcode
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

// textLen counts UTF-16 code units, the stricter reading of Meta's "characters".
func textLen(s string) int { return len(utf16.Encode([]rune(s))) }
