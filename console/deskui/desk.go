// Package deskui is the officers' pages of the web console: the inbox (views, filters,
// search, SLA clocks, live updates), a ticket (the citizen's history, replies with canned
// texts, internal notes, claim, transfer, close, the outbound guard's confirmation,
// presence), the supervisor's view and the canned replies' editor.
//
// It consumes the desk's officer API (*desk.Desk) through the small Desk interface below,
// with the desk's types, and the host console's sessions through Auth; it knows nothing of
// the console's accounts.
//
// Pages are server-rendered html/template with their assets in an embed.FS; every text
// comes from the message catalogue (bot/messages.yaml, keys "deskui_*"); every POST checks
// the session's CSRF token through Auth.
package deskui

import (
	"context"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/desk"
)

// Desk is what the pages need of the desk's officer API (desk.Desk). Actions take the acting
// officer and return the ticket as it is after them, or an error matching (errors.Is) one of
// ErrNotFound, ErrAlreadyClaimed, ErrNotAllowed, ErrClosed, ErrStale, ErrNeedsConfirmation;
// an *ActionError (errors.As) carries the holder of a claimed ticket and the guard's reasons.
// Every method may do I/O.
type Desk interface {
	// List returns a page of f's view and how many tickets match in all.
	List(ctx context.Context, f Filter) ([]Ticket, int, error)
	// Counts returns how many tickets each view holds for the officer (their ID).
	Counts(ctx context.Context, officerID string) (map[View]int, error)
	// Ticket returns one ticket (ErrNotFound).
	Ticket(ctx context.Context, id int64) (Ticket, error)
	// Events returns a ticket's audit log, oldest first (notes included).
	Events(ctx context.Context, id int64) ([]balai.Event, error)
	// CitizenHistory returns what the desk knows of the citizen of chat (across the
	// channels linked to them): their tickets and their messages with the bot.
	CitizenHistory(ctx context.Context, chat balai.ChatRef) (History, error)

	Claim(ctx context.Context, o balai.Officer, id int64) (Ticket, error)
	Release(ctx context.Context, o balai.Officer, id int64) (Ticket, error)
	Transfer(ctx context.Context, o balai.Officer, id int64, to balai.Officer) (Ticket, error)
	TransferCategory(ctx context.Context, o balai.Officer, id int64, category string) (Ticket, error)
	Reply(ctx context.Context, o balai.Officer, id int64, text string, opt ReplyOptions) (Ticket, error)
	Note(ctx context.Context, o balai.Officer, id int64, text string) (Ticket, error)
	Close(ctx context.Context, o balai.Officer, id int64, r Resolution) (Ticket, error)
	Reopen(ctx context.Context, o balai.Officer, id int64) (Ticket, error)
	// LinkCitizen records that ticket other's chat is the same citizen as ticket id's (an
	// officer's judgement: nothing links chats by itself), so that each ticket's history
	// covers both; UnlinkCitizen undoes it for id's chat.
	LinkCitizen(ctx context.Context, o balai.Officer, id, other int64) (Ticket, error)
	UnlinkCitizen(ctx context.Context, o balai.Officer, id int64) (Ticket, error)

	// Changes returns the change feed's entries after seq, oldest first (across replicas).
	Changes(ctx context.Context, after int64) ([]Change, error)
	// SetPresence records that o views (or types in) ticket id at now.
	SetPresence(ctx context.Context, o balai.Officer, id int64, typing bool, now time.Time) error
	// Present returns the officers viewing ticket id at now.
	Present(ctx context.Context, id int64, now time.Time) ([]Presence, error)

	CannedReplies(ctx context.Context) ([]CannedReply, error)
	// SaveCanned creates (ID 0) or updates a canned reply (supervisors: ErrNotAllowed).
	SaveCanned(ctx context.Context, o balai.Officer, c CannedReply) (CannedReply, error)
	DeleteCanned(ctx context.Context, o balai.Officer, id int64) error

	// SLA returns the working time left until t is due (negative: overdue) and its state.
	SLA(t Ticket, now time.Time) (time.Duration, string)
	// WhatsAppWindow reports whether a free-form reply may go out now and when the window
	// closes (zero off WhatsApp).
	WhatsAppWindow(t Ticket, now time.Time) (bool, time.Time)
}

// LastChanger is an optional capability of a Desk: the newest sequence number of the change
// feed, so that a page's live updates start where the page was rendered. Without it the
// event stream skips the feed's backlog when it connects.
type LastChanger interface {
	LastChange(ctx context.Context) (int64, error)
}

// Directory lists the officers a ticket can be transferred to (the console's accounts).
type Directory interface {
	Officers(ctx context.Context) ([]balai.Officer, error)
}

// Forms gives the complaint or information-request form a ticket carries
// (balai.ErrFormNotFound when it carries none).
type Forms interface {
	Form(ctx context.Context, ticketID int64) (balai.Form, error)
}

// The desk's types, which the pages show and pass back.
type (
	// Ticket is a ticket as the desk keeps it.
	Ticket = balai.Ticket
	// View is one of the inbox's views.
	View = desk.View
	// Filter selects tickets of a view.
	Filter = desk.Filter
	// Change is an entry of the desk's change feed.
	Change = desk.Change
	// Presence is an officer viewing (or typing in) a ticket.
	Presence = desk.Presence
	// HistoryLine is a message of the citizen's conversation with the bot.
	HistoryLine = desk.HistoryLine
	// History is a citizen's other tickets and their conversation with the bot.
	History = desk.History
	// ReplyOptions are a reply's version check and guard confirmation.
	ReplyOptions = desk.ReplyOptions
	// Resolution is how an officer closes a ticket.
	Resolution = desk.Resolution
	// CannedReply is a reusable reply text.
	CannedReply = balai.CannedReply
	// ActionError is a refused action, with the holder of a claim or the guard's reasons.
	ActionError = desk.ActionError
)

// The views, in the inbox's order.
const (
	ViewMine       = desk.ViewMine
	ViewUnassigned = desk.ViewUnassigned
	ViewOpen       = desk.ViewOpen
	ViewOverdue    = desk.ViewOverdue
	ViewClosed     = desk.ViewClosed
	ViewAll        = desk.ViewAll
)

// Views lists the views in the inbox's order.
var Views = desk.Views

func validView(v View) bool {
	for _, w := range Views {
		if v == w {
			return true
		}
	}
	return false
}

// SLA states.
const (
	SLAOK      = desk.SLAOK
	SLASoon    = desk.SLASoon
	SLAOverdue = desk.SLAOverdue
	SLANone    = desk.SLANone
)

// Resolutions.
const (
	ResolvedAnswered = balai.ResolvedAnswered
	ResolvedEntry    = balai.ResolvedEntry
	ResolvedReferred = balai.ResolvedReferred
	ResolvedSpam     = balai.ResolvedSpam
)

// The desk's refusals (errors.Is).
var (
	ErrNotFound          = desk.ErrNotFound
	ErrAlreadyClaimed    = desk.ErrAlreadyClaimed
	ErrNotAllowed        = desk.ErrNotAllowed
	ErrClosed            = desk.ErrClosed
	ErrStale             = desk.ErrStale
	ErrNeedsConfirmation = desk.ErrNeedsConfirmation
)
