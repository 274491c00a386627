// Package balai holds the domain types every part of Balai shares: the channels citizens
// write on, the reference to one conversation, the actors, the engine's messages, turns and
// outbox (message.go, conversation.go, outbox.go), and the officer desk's tickets (their
// statuses, transcripts, audit events, changes and queries: ticket.go, desk.go). It has no
// dependencies beyond the standard library; the engine (bot), its adapters, the desk (desk),
// the console and the stores (store) build on it. The store imports only this package (and
// leaf helpers): the ports it implements are defined by their consumers, bot and desk.
package balai

import "log/slog"

// Channel names a way citizens reach the agency.
type Channel string

// The channels Balai serves.
const (
	Telegram Channel = "telegram"
	WhatsApp Channel = "whatsapp"
	Web      Channel = "web"
)

// ChatRef identifies one conversation: a channel and the chat's id on it.
type ChatRef struct {
	Channel Channel `json:"channel"`
	ID      string  `json:"id"`
}

// String is "channel:id", the key Balai stores conversations under.
func (c ChatRef) String() string { return string(c.Channel) + ":" + c.ID }

// LogValue logs a chat as a group of channel and id.
func (c ChatRef) LogValue() slog.Value {
	return slog.GroupValue(slog.String("channel", string(c.Channel)), slog.String("id", c.ID))
}

// Actor is someone acting on one channel: the channel and the user's id on it. Identity is
// always the pair: Telegram user 42 and WhatsApp number 42 are two different people, and a
// right given to one (an officer's) is never the other's.
type Actor struct {
	Channel Channel `json:"channel"`
	ID      string  `json:"id"`
}

// String is "channel:id", the form actors are stored in (a ticket's assignee, its audit log).
func (a Actor) String() string { return string(a.Channel) + ":" + a.ID }

// IsZero reports whether a is no one (no channel or no id).
func (a Actor) IsZero() bool { return a.Channel == "" || a.ID == "" }

// LogValue logs an actor as a group of channel and id.
func (a Actor) LogValue() slog.Value {
	return slog.GroupValue(slog.String("channel", string(a.Channel)), slog.String("id", a.ID))
}
