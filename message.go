package balai

import (
	"strings"
	"time"
)

// The engine's messages: what citizens send (Inbound), what Balai sends back (Outgoing), as
// the store keeps them (StoredInbound, StoredOutgoing), and the record of each decision
// (LogEntry). The engine (package bot) produces and consumes them; the stores keep them.

// MessageKind is what an inbound message carries.
type MessageKind string

// Kinds of inbound messages.
const (
	KindText   MessageKind = "text"   // a typed message (or a media caption)
	KindButton MessageKind = "button" // a pressed button; Text holds its data
	KindMedia  MessageKind = "media"  // a photo, voice note, sticker… without text; Media names it
)

// Inbound is something a citizen sent, as an adapter converted it.
type Inbound struct {
	Chat ChatRef `json:"chat"`
	// Key is unique per channel for this message (Telegram update_id, WhatsApp message id):
	// the same key accepted twice is recorded once.
	Key string `json:"key"`
	// MessageID is the channel's id of the citizen's message, quoted by replies.
	MessageID string `json:"message_id,omitempty"`
	// ReplyTo is the id of the message this one replies to, if any.
	ReplyTo string `json:"reply_to,omitempty"`
	// ThreadID is the forum topic of a group message, if any.
	ThreadID string `json:"thread_id,omitempty"`
	// Group is set for messages in group chats (the officers' chat); citizens write privately.
	Group bool `json:"group,omitempty"`
	// UserID is the sender's id on the chat's channel; only together with the channel does it
	// name someone (see Sender).
	UserID string `json:"user_id,omitempty"`
	// UserAlt is the sender's other address when the channel has two (WhatsApp: the phone
	// number JID of a LID sender, or the other way round).
	UserAlt  string      `json:"user_alt,omitempty"`
	UserName string      `json:"user_name,omitempty"`
	Kind     MessageKind `json:"kind"`
	Text     string      `json:"text,omitempty"`
	// Media names non-text content: photo, voice, audio, video, sticker, location, document,
	// contact, other.
	Media string `json:"media,omitempty"`
	// CallbackID acknowledges a pressed button on channels that need it (Telegram).
	CallbackID string `json:"callback_id,omitempty"`
	// LangHint is the language the citizen's app reports ("id", "en"), if any.
	LangHint string `json:"lang_hint,omitempty"`
	// Time is when Balai accepted the message, by Balai's clock (bot.Engine.Accept sets it):
	// every window is judged by it (see package clock).
	Time time.Time `json:"time"`
	// SentAt is the platform's own timestamp of the message (Telegram's date, WhatsApp's
	// timestamp), kept for the record only: it is never compared with Balai's clock.
	SentAt time.Time `json:"sent_at,omitzero"`
}

// OutKind is what an outgoing item does.
type OutKind string

// Kinds of outgoing items.
const (
	OutMessage  OutKind = "message"  // a message in the chat
	OutCallback OutKind = "callback" // the acknowledgement of a pressed button
)

// Button is an inline button under a message.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"` // sent back as KindButton when pressed
	URL  string `json:"url,omitempty"`  // opens a link instead
}

// Outgoing is one item to deliver to a chat. Text is Markdown; each adapter renders it for its
// channel (and splits it when longer than the channel allows).
type Outgoing struct {
	// ID is the item's outbox id, set when it is delivered (the web chat numbers its events
	// with it).
	ID         int64      `json:"-"`
	Chat       ChatRef    `json:"chat"`
	Kind       OutKind    `json:"kind"`
	Text       string     `json:"text,omitempty"`
	Buttons    [][]Button `json:"buttons,omitempty"`
	ReplyTo    string     `json:"reply_to,omitempty"`
	CallbackID string     `json:"callback_id,omitempty"`
	Lang       string     `json:"lang,omitempty"`
	// Numbered is set when the channel has no buttons: the options are offered as a numbered
	// list the citizen answers with a digit (WhatsApp personal accounts).
	Numbered bool `json:"numbered,omitempty"`
	// ThreadID posts into a forum topic of a group chat.
	ThreadID string `json:"thread_id,omitempty"`
	// EditID edits this earlier message of the chat instead of sending a new one.
	EditID string `json:"edit_id,omitempty"`
	// Ref is an opaque reference of the component that queued the item (the desk marks
	// ticket cards with it), stored with the channel's message id once delivered.
	Ref string `json:"ref,omitempty"`
	// Combine lets the dispatcher send this message together with the chat's next waiting
	// items that have it too (same thread, no buttons, no edit), as one message listing
	// them, when they pile up behind the chat's pace (the desk's notices to the officers).
	Combine bool `json:"combine,omitempty"`
	// Brief is a one-line stand-in for the message, with no personal data (a new ticket's
	// number and category, for its card). When more than a few items of a chat with a Brief
	// wait at once (a burst of new tickets, or what piled up while Balai was stopped), the
	// dispatcher sends one message listing their briefs instead, without the messages'
	// buttons, and records each item as delivered in it under BatchedID.
	Brief string `json:"brief,omitempty"`
}

// batchedPrefix marks the channel message id recorded for an item that went out only as a
// line of a batch (Outgoing.Brief): the message names several items, none of them alone.
const batchedPrefix = "batched:"

// BatchedID is the message id recorded for an item sent as a line of batch message id ext.
func BatchedID(ext string) string { return batchedPrefix + ext }

// IsBatched reports whether a recorded message id is a BatchedID: the item was not posted
// on its own.
func IsBatched(id string) bool { return strings.HasPrefix(id, batchedPrefix) }

// Parts splits o into one message per text, in order, for a channel that must send a long
// text in pieces: the first part keeps the reply reference and the last keeps the buttons.
func (o Outgoing) Parts(texts []string) []Outgoing {
	out := make([]Outgoing, len(texts))
	for i, t := range texts {
		p := o
		p.Text = t
		if i > 0 {
			p.ReplyTo = ""
		}
		if i < len(texts)-1 {
			p.Buttons = nil
		}
		out[i] = p
	}
	return out
}

// Sender is who sent the message: the chat's channel and the sender's id on it (zero when the
// channel names no sender, like the web chat). Rights are checked on it, never on UserID alone.
func (in Inbound) Sender() Actor {
	if in.UserID == "" {
		return Actor{}
	}
	return Actor{Channel: in.Chat.Channel, ID: in.UserID}
}

// Transcript is the message as logs and officers read it: its text, after "[photo]" (the
// kind of media) when it carried any.
func (in Inbound) Transcript() string {
	if in.Kind == KindMedia {
		return "[" + in.Media + "] " + in.Text
	}
	return in.Text
}

// StoredInbound is an accepted inbound message with the store's id; ids grow in the order
// messages were accepted.
type StoredInbound struct {
	ID int64
	Inbound
	// Attempts is how often handling it has failed so far.
	Attempts int
	// NotBefore is when a message waiting for its retry back-off may be tried again (zero:
	// at once). It keeps its chat's later messages waiting meanwhile.
	NotBefore time.Time
	// Elsewhere is set by Accept on a new message of a chat whose earlier messages are not
	// all handled yet and belong to another process (or to none, their claim released or
	// lapsed): that process handles it after them (bot.Store.Pending or bot.ChatClaimer),
	// not this one.
	Elsewhere bool
	// Behind is set by Accept on a new message of a chat whose earlier messages are not all
	// handled yet: this process may not have taken them up yet (another process accepted
	// them for it), so it claims the chat's messages in order before handling this one.
	Behind bool
}

// StoredOutgoing is an outgoing item waiting in, or delivered from, the outbox.
type StoredOutgoing struct {
	ID int64
	Outgoing
	Attempts  int
	NotBefore time.Time // do not try again before this time
	// FailingSince is when its delivery first failed (zero: it has not failed since it was
	// queued or released): transient failures are retried until DeliveryHorizon after it.
	FailingSince time.Time
	// Elsewhere is set by Commit and Enqueue on an item of a chat whose earlier replies are
	// still undelivered and not this process's: it joins them, and whoever delivers them
	// sends it after them (this process does not).
	Elsewhere bool
	// After, set by Commit and Enqueue on the first item of a chat that this process is to
	// deliver, lists the chat's earlier undelivered items this process holds (ids, oldest
	// first). Some may not be queued here yet: another process's commit joined them to this
	// one's claim (it takes them up when woken), or a catch-up claimed them a moment ago.
	// The dispatcher takes those up before the item, so that it does not overtake them.
	After []int64
}

// LogEntry records what the engine decided about a message (terukur: everything measured).
type LogEntry struct {
	Decision   string  `json:"decision"` // answer, suggest, confirm, escalate, refuse, command, small_talk, media, flood, button, ticket, form
	Reason     string  `json:"reason,omitempty"`
	EntryID    string  `json:"entry_id,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	Lang       string  `json:"lang,omitempty"`
}
