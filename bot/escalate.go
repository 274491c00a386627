package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/workhours"
)

// Escalation reasons.
const (
	EscalateUnsure   = "low_confidence" // no entry fits well enough
	EscalateAsked    = "asked"          // the citizen asked for a human
	EscalateFeedback = "feedback"       // the citizen said the answer did not help
	EscalateTopic    = "topic"          // an always-human topic
	EscalateStale    = "stale_entry"    // the fitting entry is past its review date
	EscalateRepeated = "repeated"       // a second question in a row without an answer
	EscalateForm     = "form"           // a complaint or an information request collected in full
)

// Escalation hands a conversation to officers.
type Escalation struct {
	// Key identifies the message that caused it; escalating the same Key twice (a retry
	// after a crash) must not open a second ticket.
	Key        string
	Chat       balai.ChatRef
	UserName   string
	Question   string
	Reason     string
	Topic      string // always-human topic id, or the stale entry's id
	TopicLabel string
	Urgent     bool
	Category   string   // best-guess category of the question
	Candidates []string // entries considered, best first
	Lang       string
	At         time.Time
	// Form is the complete complaint or information request the citizen gave (with
	// EscalateForm): the ticket is of its kind and the form is stored with it, received At.
	Form *balai.Form
}

// Handover tells the citizen what happens next.
type Handover struct {
	Ticket string    // citizen-visible ticket number, "" when none
	Due    time.Time // when an officer will have replied at the latest
	// Existing: the chat already had an active ticket; the request was added to it instead
	// of opening another. Out and Also are committed with the turn (so the officers see the
	// addition once, also when the turn runs again).
	Existing bool
	Out      []Outgoing
	Also     func(ctx context.Context, tx Tx) error
	// Limited: the chat has opened as many tickets lately as it may; none was opened.
	Limited bool
	// With a Form: the registration number of an information request, and the form's
	// last legal deadline (zero: the engine counts it with its own calendar).
	Registration string
	Deadline     time.Time
}

// Escalator hands conversations to officers. The desk package implements it.
type Escalator interface {
	// Escalate opens (or, for a Key seen before, returns) a ticket for the conversation. A chat
	// has one active ticket at most: while it has one, the request is added to it (Existing).
	Escalate(ctx context.Context, e Escalation) (Handover, error)
	// OpenTicket returns the number of the chat's open ticket, "" when there is none. While a
	// ticket is open the citizen's messages go to it instead of being answered by the bot.
	OpenTicket(ctx context.Context, chat balai.ChatRef, now time.Time) (string, error)
	// Follow adds a citizen's message to the chat's open ticket, if there is one (the
	// FollowUp's Ticket is "" when there is none: the bot answers). What it returns is
	// committed with the turn, so a message handled again after a crash is added once.
	Follow(ctx context.Context, in Inbound) (FollowUp, error)
	// Cancel closes the open ticket at the citizen's request.
	Cancel(ctx context.Context, chat balai.ChatRef, ticket string) error
	// Rate records the citizen's 1–5 satisfaction with a closed ticket.
	Rate(ctx context.Context, chat balai.ChatRef, ticket string, rating int) error
}

// FollowUp is what adding a citizen's message to a ticket commits together with the turn.
type FollowUp struct {
	Ticket string                                 // the ticket's number; "" when none is open
	Out    []Outgoing                             // e.g. a notice to the officers
	Also   func(ctx context.Context, tx Tx) error // the ticket's own records
}

// LogEscalator is the Escalator used without an officer desk: it logs each escalation and
// promises a reply within the SLA in working hours. It opens no ticket.
type LogEscalator struct {
	Calendar *workhours.Calendar
	SLA      time.Duration
	Logger   *slog.Logger
}

// Escalate logs e (never a form's fields) and returns the SLA due time.
func (l *LogEscalator) Escalate(_ context.Context, e Escalation) (Handover, error) {
	l.Logger.Info("Escalated a conversation (no officer desk configured)", "chat", e.Chat, "reason", e.Reason, "topic", e.Topic)
	h := Handover{Due: l.Calendar.Add(e.At, l.SLA)}
	if e.Form != nil {
		f := *e.Form
		f.ReceivedAt = e.At
		h.Deadline = f.Due(l.Calendar)
	}
	return h, nil
}

// OpenTicket reports no ticket: without a desk there are none.
func (l *LogEscalator) OpenTicket(context.Context, balai.ChatRef, time.Time) (string, error) {
	return "", nil
}

// Follow does nothing.
func (l *LogEscalator) Follow(context.Context, Inbound) (FollowUp, error) {
	return FollowUp{}, nil
}

// Cancel does nothing.
func (l *LogEscalator) Cancel(context.Context, balai.ChatRef, string) error { return nil }

// Rate does nothing.
func (l *LogEscalator) Rate(context.Context, balai.ChatRef, string, int) error { return nil }
