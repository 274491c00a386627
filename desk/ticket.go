// Package desk is the officer desk: when Balai is unsure, a ticket carries the citizen's
// question to human officers, in their Telegram group (whose messages package officerchat
// takes) and the web console; an officer answers by replying to the ticket's card, and the
// answer reaches the citizen on their own channel, attributed to the agency. Tickets have
// SLA due times in working hours, reminders, claims that lapse, internal notes, an audit
// log, a satisfaction rating, and /faq turns an answer into a draft entry.
package desk

import (
	"context"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// The ticket domain types live in the root package balai; these names keep the desk's
// callers and the stores working with them.
type (
	// Status is where a ticket is in its life; see balai.Status.
	Status = balai.Status
	// Line is one message of a ticket's transcript; see balai.Line.
	Line = balai.Line
	// Ticket is an escalated conversation; see balai.Ticket.
	Ticket = balai.Ticket
	// Event is an entry of a ticket's audit log; see balai.Event.
	Event = balai.Event
	// CreateOptions are the limits a new ticket is created within; see
	// balai.CreateTicketOptions.
	CreateOptions = balai.CreateTicketOptions
	// TicketUpdate sets fields together with a transition; see balai.TicketUpdate.
	TicketUpdate = balai.TicketUpdate
	// Action is one change of a ticket, committed atomically; see balai.TicketAction.
	Action = balai.TicketAction
	// View is one of the console's ticket lists; see balai.TicketView.
	View = balai.TicketView
	// Filter selects tickets for List; see balai.TicketFilter.
	Filter = balai.TicketFilter
	// Change is an entry of the desk's change feed; see balai.TicketChange.
	Change = balai.TicketChange
	// Presence is an officer viewing a ticket; see balai.Presence.
	Presence = balai.Presence
	// HistoryLine is a message of a citizen's conversation with the bot; see
	// balai.HistoryLine.
	HistoryLine = balai.HistoryLine
)

// Ticket statuses; see balai.Open.
const (
	Open     = balai.Open
	Claimed  = balai.Claimed
	Answered = balai.Answered
	Closed   = balai.Closed
)

// The views; see balai.ViewMine.
const (
	ViewMine       = balai.ViewMine
	ViewUnassigned = balai.ViewUnassigned
	ViewOpen       = balai.ViewOpen
	ViewOverdue    = balai.ViewOverdue
	ViewClosed     = balai.ViewClosed
	ViewAll        = balai.ViewAll
)

// Views lists the views in the console's order; see balai.Views.
var Views = balai.Views

// SLA states of a ticket's reply time; see balai.SLAOK.
const (
	SLAOK      = balai.SLAOK
	SLASoon    = balai.SLASoon
	SLAOverdue = balai.SLAOverdue
	SLANone    = balai.SLANone
)

// Errors of the store and the desk; see balai.ErrTicketNotFound.
var (
	ErrNotFound = balai.ErrTicketNotFound
	ErrConflict = balai.ErrConflict
	ErrTooMany  = balai.ErrTooMany
)

// Store keeps tickets. The store package implements it on SQLite and PostgreSQL; claims are
// single atomic statements, so two officers (or two processes) never both win.
type Store interface {
	// CreateTicketWith stores t unless a ticket with the same SourceKey exists, or the chat
	// has an active (not closed) ticket: then that one is returned with created false. At most
	// one ticket per chat is active, also when processes create at once. Queued items (the
	// officers' card) are committed in the same transaction, only when the ticket is created
	// and its card is not held back (see CreateOptions). ErrTooMany when the chat is over
	// opts.PerHour.
	CreateTicketWith(ctx context.Context, t Ticket, opts CreateOptions, card func(Ticket) []bot.Outgoing) (Ticket, bool, []bot.StoredOutgoing, error)
	// HeldCards marks the tickets whose cards were held back and not yet summarized as
	// summarized, returns them (oldest first) and queues summary's messages for them, in one
	// transaction (nothing when there are none).
	HeldCards(ctx context.Context, now time.Time, summary func([]Ticket) []bot.Outgoing) ([]Ticket, []bot.StoredOutgoing, error)
	// Ticket returns a ticket by id.
	Ticket(ctx context.Context, id int64) (Ticket, error)
	// ActiveTicket returns the chat's newest ticket that is not closed.
	ActiveTicket(ctx context.Context, chat balai.ChatRef) (Ticket, error)
	// Queue returns tickets that are open or claimed, most urgent first.
	Queue(ctx context.Context, limit int) ([]Ticket, error)
	// Claim assigns an open ticket (id 0: the most urgent open one) to an officer.
	Claim(ctx context.Context, id int64, officer, name string, now time.Time) (Ticket, error)
	// Transition moves a ticket from one of the states in from to status to, recording ev,
	// and, in the same transaction, queues out. ErrConflict when the ticket is in none of from.
	Transition(ctx context.Context, id int64, from []Status, to Status, ev Event, out []bot.Outgoing, set TicketUpdate) (Ticket, []bot.StoredOutgoing, error)
	// AddEvent records an event (notes, a citizen's follow-up) without changing the status.
	AddEvent(ctx context.Context, ev Event) error
	// Events returns a ticket's events, oldest first.
	Events(ctx context.Context, id int64) ([]Event, error)
	// DueForReminder returns open or claimed tickets due before soon without a reminder yet,
	// and marks them reminded; OverdueTickets likewise for tickets past due.
	DueForReminder(ctx context.Context, now, soon time.Time) ([]Ticket, error)
	OverdueTickets(ctx context.Context, now time.Time) ([]Ticket, error)
	// LapsedClaims returns claimed tickets without activity since before, back in the queue.
	LapsedClaims(ctx context.Context, before, now time.Time) ([]Ticket, error)
	// StaleAnswered returns answered tickets without activity since before, and closes them.
	StaleAnswered(ctx context.Context, before, now time.Time) ([]Ticket, error)
	// CardMessage returns the channel message id of a ticket's card ("" before delivery).
	CardMessage(ctx context.Context, id int64) (string, error)
	// TicketByCard finds the ticket whose card (or a notice about it) is message msgID of chat.
	TicketByCard(ctx context.Context, chat balai.ChatRef, msgID string) (int64, error)
	// RecentMessages returns up to n last messages of a chat, oldest first.
	RecentMessages(ctx context.Context, chat balai.ChatRef, n int) ([]Line, error)
}

// CardRef marks the outbox item of a ticket's card; see balai.CardRef.
func CardRef(id int64) string { return balai.CardRef(id) }

// NoticeRef marks a notice about ticket id in the officers' chat; see balai.NoticeRef.
func NoticeRef(id int64) string { return balai.NoticeRef(id) }

// ParseRef reads the ticket id of a CardRef or NoticeRef; see balai.ParseRef.
func ParseRef(ref string) (int64, bool) { return balai.ParseRef(ref) }
