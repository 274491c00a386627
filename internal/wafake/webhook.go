package wafake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Message is one inbound message of a webhook payload, in Meta's JSON shape. Build it with
// Text, ButtonReply, ListReply, QuickReply, Image or Media and adjust it with At and
// Replying.
type Message map[string]any

func message(from, id, typ string) Message {
	return Message{"from": from, "id": id, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": typ}
}

// Text is a typed message.
func Text(from, id, body string) Message {
	m := message(from, id, "text")
	m["text"] = map[string]any{"body": body}
	return m
}

// ButtonReply is a press of a reply button.
func ButtonReply(from, id, buttonID, title string) Message {
	m := message(from, id, "interactive")
	m["interactive"] = map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": buttonID, "title": title}}
	return m
}

// ListReply is a choice from a list message.
func ListReply(from, id, rowID, title, description string) Message {
	m := message(from, id, "interactive")
	reply := map[string]any{"id": rowID, "title": title}
	if description != "" {
		reply["description"] = description
	}
	m["interactive"] = map[string]any{"type": "list_reply", "list_reply": reply}
	return m
}

// QuickReply is a press of a template's quick-reply button.
func QuickReply(from, id, payload, text string) Message {
	m := message(from, id, "button")
	m["button"] = map[string]any{"payload": payload, "text": text}
	return m
}

// Image is a photo, with a caption unless caption is "".
func Image(from, id, caption string) Message {
	m := message(from, id, "image")
	img := map[string]any{"id": "media-" + id, "mime_type": "image/jpeg", "sha256": "x"}
	if caption != "" {
		img["caption"] = caption
	}
	m["image"] = img
	return m
}

// Media is a message of another type ("audio", "sticker", "location", "contacts",
// "reaction", "unsupported"…) with a minimal body.
func Media(from, id, typ string) Message {
	m := message(from, id, typ)
	switch typ {
	case "location":
		m[typ] = map[string]any{"latitude": -6.2, "longitude": 106.8}
	case "contacts":
		m[typ] = []map[string]any{{"name": map[string]any{"formatted_name": "Budi"}}}
	case "reaction":
		m[typ] = map[string]any{"message_id": "wamid.X", "emoji": "👍"}
	case "unsupported":
		m["errors"] = []map[string]any{{"code": 131051, "title": "Message type unknown"}}
	default:
		m[typ] = map[string]any{"id": "media-" + id, "mime_type": "application/octet-stream"}
	}
	return m
}

// At sets the message's timestamp.
func (m Message) At(t time.Time) Message {
	m["timestamp"] = strconv.FormatInt(t.Unix(), 10)
	return m
}

// Replying marks the message as a reply to wamid.
func (m Message) Replying(wamid string) Message {
	m["context"] = map[string]any{"from": "15550001111", "id": wamid}
	return m
}

// Contact names a sender in a payload.
type Contact struct {
	WaID string
	Name string
}

// Status is a delivery status of a message the business sent.
type Status struct {
	ID          string // the wamid
	RecipientID string
	Status      string // sent, delivered, read, failed
	ErrorCode   int    // for failed
	Time        time.Time
}

func envelope(phoneID string, value map[string]any) []byte {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]any{"display_phone_number": "15550001111", "phone_number_id": phoneID}
	b, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []map[string]any{{
			"id":      "WABA-ID",
			"changes": []map[string]any{{"field": "messages", "value": value}},
		}},
	})
	return b
}

// Payload is a webhook body with messages to phoneID from contacts.
func Payload(phoneID string, contacts []Contact, msgs ...Message) []byte {
	var cs []map[string]any
	for _, c := range contacts {
		cs = append(cs, map[string]any{"wa_id": c.WaID, "profile": map[string]any{"name": c.Name}})
	}
	value := map[string]any{"messages": msgs}
	if len(cs) > 0 {
		value["contacts"] = cs
	}
	return envelope(phoneID, value)
}

// Statuses is a webhook body that only reports delivery statuses.
func Statuses(phoneID string, sts ...Status) []byte {
	var out []map[string]any
	for _, s := range sts {
		at := s.Time
		if at.IsZero() {
			at = time.Now()
		}
		st := map[string]any{"id": s.ID, "recipient_id": s.RecipientID, "status": s.Status,
			"timestamp": strconv.FormatInt(at.Unix(), 10)}
		if s.ErrorCode != 0 {
			st["errors"] = []map[string]any{{"code": s.ErrorCode, "title": "failed"}}
		}
		out = append(out, st)
	}
	return envelope(phoneID, map[string]any{"statuses": out})
}

// Signature is the X-Hub-Signature-256 header Meta sends with body: "sha256=" and the hex
// HMAC-SHA256 of the body keyed with the app secret.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// SignedWebhook is a POST of body to target (a path or URL) signed with secret, as Meta
// delivers it; for httptest recorders.
func SignedWebhook(target, secret string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Hub-Signature-256", Signature(secret, body))
	return r
}
