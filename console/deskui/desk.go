// Package deskui is the officers' pages of the web console: the inbox (views, filters,
// search, SLA clocks, live updates), a ticket (the citizen's history, replies with canned
// texts, internal notes, claim, transfer, close, the outbound guard's confirmation,
// presence), the supervisor's view and the canned replies' editor.
//
// It consumes the desk's officer API through the small Desk interface below and the host
// console's sessions through Auth; it knows neither desk nor the console's accounts. The
// types it declares mirror desk's (View, Filter, Change, Presence, History, ReplyOptions,
// Resolution, ActionError) and the root's newer fields (Ticket) one for one, so that the
// lead can replace them by aliases of desk's when the desk's officer API is merged.
//
// Pages are server-rendered html/template with their assets in an embed.FS; every text
// comes from the message catalogue (bot/messages.yaml, keys "deskui_*"); every POST checks
// the session's CSRF token through Auth.
package deskui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/balai-id/balai"
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

// Ticket is a ticket as the console shows it: the root's ticket with the fields the desk's
// officer API adds (a mirror of them until balai.Ticket carries them; then an alias).
type Ticket struct {
	balai.Ticket
	// Version counts the ticket's changes; a reply written against an older one is stale.
	Version int64
	// Resolution is how a closed ticket was resolved (one of the Resolved* kinds).
	Resolution string
	EntryID    string
	ReferTo    string
	// LastCitizenAt is when the citizen last wrote (WhatsApp's 24-hour window).
	LastCitizenAt time.Time
}

// View is one of the inbox's lists.
type View string

// The views (desk.View).
const (
	ViewMine       View = "mine"
	ViewUnassigned View = "unassigned"
	ViewOpen       View = "open"
	ViewOverdue    View = "overdue"
	ViewClosed     View = "closed"
	ViewAll        View = "all"
)

// Views lists the views in the inbox's order.
var Views = []View{ViewMine, ViewUnassigned, ViewOpen, ViewOverdue, ViewClosed, ViewAll}

func (v View) valid() bool {
	for _, w := range Views {
		if v == w {
			return true
		}
	}
	return false
}

// SLA states (desk.SLA*).
const (
	SLAOK      = "ok"
	SLASoon    = "soon"
	SLAOverdue = "overdue"
	SLANone    = "none"
)

// Filter selects tickets for List (desk.Filter).
type Filter struct {
	View     View
	Officer  string // the officer's ID, for ViewMine
	Channel  balai.Channel
	Category string
	Priority string // "urgent", "normal" or ""
	SLA      string // one of the SLA states or ""
	Query    string // a ticket number, words, the citizen's name
	Limit    int
	Offset   int
}

// Change is an entry of the desk's change feed.
type Change struct {
	Seq      int64
	TicketID int64
	Action   string
}

// Presence is an officer viewing a ticket or typing in it.
type Presence struct {
	Officer string // the officer's ID
	Name    string
	Typing  bool
	At      time.Time
}

// HistoryLine is a message of the citizen's conversation with the bot.
type HistoryLine struct {
	From       string // "citizen" or "bot"
	Text       string
	Decision   string
	Reason     string
	EntryID    string
	Confidence float64
	Feedback   string // "helpful" (👍) or "not_helpful" (👎) on the bot's answer
	At         time.Time
}

// History is what an officer sees of a citizen besides the ticket at hand.
type History struct {
	Tickets []Ticket      // newest first
	Lines   []HistoryLine // oldest first
}

// ReplyOptions are the conditions of an officer's reply (desk.ReplyOptions).
type ReplyOptions struct {
	Seen      int64 // the Version the officer's page showed
	Confirmed bool  // the officer confirmed despite the guard's reasons
}

// Resolutions (balai.ResolutionKind).
const (
	ResolvedAnswered = "answered"
	ResolvedEntry    = "entry"
	ResolvedReferred = "referred"
	ResolvedSpam     = "spam"
)

// Resolution is how an officer closes a ticket (desk.Resolution).
type Resolution struct {
	Kind    string
	EntryID string
	ReferTo string
}

// CannedReply is a stored reply text (balai.CannedReply).
type CannedReply struct {
	ID        int64
	Title     string
	Text      string
	Category  string
	Lang      string
	UpdatedBy string
	UpdatedAt time.Time
}

// Errors of the desk's actions (balai.Err*; the lead points these at them).
var (
	ErrNotFound          = balai.ErrTicketNotFound
	ErrAlreadyClaimed    = errors.New("desk: ticket claimed by another officer")
	ErrNotAllowed        = errors.New("desk: not allowed")
	ErrClosed            = errors.New("desk: ticket is closed")
	ErrStale             = errors.New("desk: ticket changed since it was shown")
	ErrNeedsConfirmation = errors.New("desk: reply needs confirmation")
)

// ActionError is an officer's action refused (desk.ActionError).
type ActionError struct {
	Err     error
	Action  string
	Holder  balai.Officer // who holds the ticket (ErrAlreadyClaimed)
	Reasons []string      // the outbound guard's reasons (ErrNeedsConfirmation)
}

func (e *ActionError) Error() string {
	s := fmt.Sprintf("desk: %s: %s", e.Action, strings.TrimPrefix(e.Err.Error(), "desk: "))
	if e.Holder.ID != "" {
		s += " (" + e.Holder.ID + ")"
	}
	return s
}

// Unwrap makes errors.Is match Err.
func (e *ActionError) Unwrap() error { return e.Err }
