package cloud

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// maxWebhookBody bounds a webhook request.
const maxWebhookBody = 1 << 20

// webhook is the part of Meta's webhook payload Balai reads.
type webhook struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				Metadata struct {
					PhoneNumberID string `json:"phone_number_id"`
				} `json:"metadata"`
				Contacts []struct {
					WaID    string `json:"wa_id"`
					Profile struct {
						Name string `json:"name"`
					} `json:"profile"`
				} `json:"contacts"`
				Messages []waMessage `json:"messages"`
				Statuses []waStatus  `json:"statuses"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

type waMessage struct {
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Context   *struct {
		ID string `json:"id"`
	} `json:"context"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Interactive *struct {
		Type        string `json:"type"`
		ButtonReply *struct {
			ID string `json:"id"`
		} `json:"button_reply"`
		ListReply *struct {
			ID string `json:"id"`
		} `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Image    *media `json:"image"`
	Video    *media `json:"video"`
	Document *media `json:"document"`
	Audio    *struct {
		Voice bool `json:"voice"`
	} `json:"audio"`
}

type media struct {
	Caption string `json:"caption"`
}

type waStatus struct {
	ID          string `json:"id"`
	RecipientID string `json:"recipient_id"`
	Status      string `json:"status"`
	Errors      []struct {
		Code  int    `json:"code"`
		Title string `json:"title"`
	} `json:"errors"`
}

// WebhookHandler serves Meta's webhook (mount it at /webhooks/whatsapp). GET answers the
// verification handshake: the challenge when hub.verify_token matches VerifyToken, 403
// otherwise. POST checks the X-Hub-Signature-256 HMAC of the raw body (401 when wrong or
// missing), rejects malformed bodies (400), and answers 200 only after the engine recorded
// every message of the request; otherwise 503, and Meta delivers it again.
func (a *Adapter) WebhookHandler() http.Handler {
	verify := []byte(a.cfg.VerifyToken)
	secret := []byte(a.cfg.AppSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query()
			got := []byte(q.Get("hub.verify_token"))
			if q.Get("hub.mode") != "subscribe" || len(verify) == 0 || subtle.ConstantTimeCompare(got, verify) != 1 {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			io.WriteString(w, q.Get("hub.challenge"))
		case http.MethodPost:
			a.receive(w, r, secret)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (a *Adapter) receive(w http.ResponseWriter, r *http.Request, secret []byte) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if !validSignature(r.Header.Get("X-Hub-Signature-256"), body, secret) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var p webhook
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	in := a.convert(&p)
	if len(in) == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	if _, err := a.accept.Accept(r.Context(), in...); err != nil {
		if errors.Is(err, bot.ErrBusy) {
			a.log.Warn("Intake full; Meta will deliver the webhook again", "messages", len(in))
		} else {
			a.log.Error("Failed to record a webhook delivery; Meta will retry", "messages", len(in), "err", err)
		}
		w.Header().Set("Retry-After", "5")
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// validSignature checks header "sha256=<hex>" against the HMAC-SHA256 of body.
func validSignature(header string, body, secret []byte) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// convert collects the messages of a payload for this adapter's number and logs failed
// delivery statuses.
func (a *Adapter) convert(p *webhook) []bot.Inbound {
	if p.Object != "whatsapp_business_account" {
		a.log.Debug("Ignored a webhook of another object", "object", p.Object)
		return nil
	}
	var out []bot.Inbound
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			v := c.Value
			if c.Field != "messages" {
				continue
			}
			if id := v.Metadata.PhoneNumberID; id != "" && id != a.cfg.PhoneID {
				// Another number of the same business account: its replies would not come
				// from this number.
				a.log.Warn("Ignored a webhook for another phone number", "phone_number_id", id,
					"messages", len(v.Messages))
				continue
			}
			for _, s := range v.Statuses {
				if s.Status != "failed" {
					continue
				}
				code, title := 0, ""
				if len(s.Errors) > 0 {
					code, title = s.Errors[0].Code, s.Errors[0].Title
				}
				a.log.Warn("WhatsApp could not deliver a message", "wamid", s.ID,
					"chat", balai.ChatRef{Channel: balai.WhatsApp, ID: s.RecipientID}, "code", code, "title", title)
			}
			names := map[string]string{}
			for _, ct := range v.Contacts {
				names[ct.WaID] = ct.Profile.Name
			}
			for _, m := range v.Messages {
				in, ok := convertMessage(m)
				if !ok {
					continue
				}
				in.UserName = names[m.From]
				if in.UserName == "" && len(v.Contacts) == 1 {
					in.UserName = v.Contacts[0].Profile.Name
				}
				out = append(out, in)
			}
		}
	}
	return out
}

// convertMessage turns one message into an inbound message; ok is false for what Balai
// ignores (reactions, system notices, unsupported messages, edits of other kinds).
func convertMessage(m waMessage) (bot.Inbound, bool) {
	if m.From == "" || m.ID == "" {
		return bot.Inbound{}, false
	}
	in := bot.Inbound{
		Chat:      balai.ChatRef{Channel: balai.WhatsApp, ID: m.From},
		Key:       m.ID,
		MessageID: m.ID,
		UserID:    m.From,
	}
	if sec, err := strconv.ParseInt(m.Timestamp, 10, 64); err == nil && sec > 0 {
		in.SentAt = time.Unix(sec, 0)
	}
	if m.Context != nil {
		in.ReplyTo = m.Context.ID
	}
	switch m.Type {
	case "text":
		if m.Text == nil || strings.TrimSpace(m.Text.Body) == "" {
			return bot.Inbound{}, false
		}
		in.Kind, in.Text = bot.KindText, m.Text.Body
	case "interactive":
		switch {
		case m.Interactive == nil:
			return bot.Inbound{}, false
		case m.Interactive.ButtonReply != nil && m.Interactive.ButtonReply.ID != "":
			in.Kind, in.Text = bot.KindButton, m.Interactive.ButtonReply.ID
		case m.Interactive.ListReply != nil && m.Interactive.ListReply.ID != "":
			in.Kind, in.Text = bot.KindButton, m.Interactive.ListReply.ID
		default:
			return bot.Inbound{}, false // flows and other replies Balai never asks for
		}
	case "button":
		if m.Button == nil {
			return bot.Inbound{}, false
		}
		in.Kind, in.Text = bot.KindButton, m.Button.Payload
		if in.Text == "" {
			in.Text = m.Button.Text
		}
	case "unsupported", "system", "reaction", "request_welcome", "":
		return bot.Inbound{}, false
	default:
		var caption string
		switch {
		case m.Image != nil:
			caption = m.Image.Caption
		case m.Video != nil:
			caption = m.Video.Caption
		case m.Document != nil:
			caption = m.Document.Caption
		}
		if strings.TrimSpace(caption) != "" {
			in.Kind, in.Text = bot.KindText, caption
		} else {
			in.Kind, in.Media = bot.KindMedia, mediaName(m)
		}
	}
	return in, true
}

// mediaName maps a WhatsApp message type to the engine's media names.
func mediaName(m waMessage) string {
	switch m.Type {
	case "image":
		return "photo"
	case "audio":
		if m.Audio != nil && m.Audio.Voice {
			return "voice"
		}
		return "audio"
	case "video", "sticker", "location", "document":
		return m.Type
	case "contacts":
		return "contact"
	}
	return "other"
}
