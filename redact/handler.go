package redact

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
)

// pseudonymKey keys the pseudonyms of one process: the same id has the same pseudonym in
// every line this process logs, so one conversation can be followed, and it cannot be turned
// back into the id (a phone number has too few digits for an unkeyed hash to hide it).
var pseudonymKey = func() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}()

// ID returns a pseudonym for a citizen's identifier (a chat id, a user id, a phone number, a
// web session): "~" and 10 hex digits. Group chats' ids (negative on Telegram) are not a
// person's and are returned as they are; so is "".
func ID(id string) string {
	if id == "" || strings.HasPrefix(id, "-") || strings.HasPrefix(id, "~") {
		return id
	}
	m := hmac.New(sha256.New, pseudonymKey)
	m.Write([]byte(id))
	return "~" + hex.EncodeToString(m.Sum(nil)[:5])
}

// idKeys are the attribute keys whose values identify a citizen: logged as pseudonyms.
var idKeys = map[string]bool{
	"chat_id": true, "user": true, "user_id": true, "from": true, "to": true, "phone": true,
	"jid": true, "sender": true, "session": true, "citizen": true,
}

// plainKeys are attribute keys whose values are the agency's own identifiers, logged as they
// are: the WhatsApp Cloud API's phone number id looks like a phone number but is Meta's id of
// the agency's number.
var plainKeys = map[string]bool{"phone_id": true, "phone_number_id": true}

// Handler wraps a slog.Handler: it masks personal data in the message and every string
// attribute, and logs citizens' identifiers — the id of a "chat" group (balai.ChatRef), and
// attributes named chat, chat_id, user, user_id, from, to, phone, jid, sender, session or
// citizen, and the id of a group under one of those names (balai.Actor) — as pseudonyms
// (see ID).
type Handler struct{ next slog.Handler }

// NewHandler returns a handler that masks personal data before next sees a record.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled reports whether next handles records at level.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle masks r and passes it on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a, ""))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs masks attrs and returns a handler that adds them.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = maskAttr(a, "")
	}
	return &Handler{next: h.next.WithAttrs(masked)}
}

// WithGroup returns a handler that nests attributes under name.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

// maskAttr masks a; group is the key of the group a is in ("" at the top).
func maskAttr(a slog.Attr, group string) slog.Attr {
	v := a.Value.Resolve()
	key := strings.ToLower(a.Key)
	// The id of a group logged under "chat" or an identifying key (balai.ChatRef, balai.Actor
	// as "user") is a citizen's identifier too.
	isID := idKeys[key] || (key == "chat" && v.Kind() != slog.KindGroup) || ((group == "chat" || idKeys[group]) && key == "id")
	if plainKeys[key] && v.Kind() == slog.KindString {
		return slog.String(a.Key, v.String())
	}
	switch v.Kind() {
	case slog.KindString:
		if isID {
			return slog.String(a.Key, ID(v.String()))
		}
		return slog.String(a.Key, String(v.String()))
	case slog.KindInt64:
		if isID {
			return slog.String(a.Key, ID(strconv.FormatInt(v.Int64(), 10)))
		}
	case slog.KindUint64:
		if isID {
			return slog.String(a.Key, ID(strconv.FormatUint(v.Uint64(), 10)))
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = maskAttr(ga, key)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		case interface{ String() string }:
			s = x.String()
		case []byte:
			s = string(x)
		default:
			return slog.Attr{Key: a.Key, Value: v}
		}
		if isID {
			return slog.String(a.Key, ID(s))
		}
		return slog.String(a.Key, String(s))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
