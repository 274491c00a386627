package balai

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// The officer desk's types the stores work with: how tickets are created and changed
// (CreateTicketOptions, TicketUpdate, TicketAction), the references marking ticket cards in
// the outbox, the console's queries (TicketView, TicketFilter), its change feed, presences
// and a citizen's history. The desk (package desk) defines the ports that use them.

// ErrCannedNotFound: no canned reply with that id.
var ErrCannedNotFound = errors.New("desk: no such canned reply")

// CreateTicketOptions are the limits a new ticket is created within.
type CreateTicketOptions struct {
	// PerHour caps the tickets one chat opens in an hour (ErrTooMany beyond); 0: no cap.
	PerHour int
	// CardsPerMinute caps the new-ticket cards posted to the officers' chat in any minute,
	// over all chats; beyond it the ticket is created with its card held (Ticket.CardHeld),
	// for the summary of desk.Store.HeldCards. 0: no cap.
	CardsPerMinute int
	// CloseAnsweredBefore closes the chat's answered ticket idle since before this time (it
	// was about to close by itself) so that a new one can open; zero: none is closed.
	CloseAnsweredBefore time.Time
	// Form, when set, is stored as the new ticket's form in the same transaction (its
	// TicketID is the new ticket's; an information request gets its registration number
	// with FormPrefix), and its kind is the ticket's. Nothing is stored when no ticket is
	// created.
	Form       *Form
	FormPrefix string
}

// CardRef marks the outbox item of a ticket's card, and NoticeRef a notice about the ticket
// posted in reply to it; an officer replying to either answers the ticket.
func CardRef(id int64) string { return "card:" + strconv.FormatInt(id, 10) }

// NoticeRef marks a notice about ticket id in the officers' chat.
func NoticeRef(id int64) string { return "notice:" + strconv.FormatInt(id, 10) }

// ParseRef reads the ticket id of a CardRef or NoticeRef.
func ParseRef(ref string) (int64, bool) {
	kind, num, ok := strings.Cut(ref, ":")
	if !ok || (kind != "card" && kind != "notice") {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	return id, err == nil
}

// TicketUpdate sets fields together with a transition; zero fields are left alone.
type TicketUpdate struct {
	Answer       string
	Assignee     string // the officer, as Actor.String() ("telegram:42")
	AssigneeName string
	Rating       int
	ClearClaim   bool // back to the queue: no assignee
	Category     string
	Resolution   ResolutionKind
	EntryID      string
	ReferTo      string
	// ClearResolution drops the resolution (a reopened ticket).
	ClearResolution bool
}

// TicketAction is one change of a ticket, committed atomically: the status move, the
// fields, its audit events and the messages it sends (to the citizen, to the officers'
// chat).
type TicketAction struct {
	ID int64
	// From are the statuses the ticket may be in (nil: any); To the new status ("": as is).
	From []Status
	To   Status
	// Version, when nonzero, applies the action only while the ticket is at this version.
	Version int64
	Events  []Event
	Set     TicketUpdate
	Out     []Outgoing
	At      time.Time
}

// TicketView is one of the console's ticket lists.
type TicketView string

// The views: the officer's own active tickets; the queue nobody holds; every active ticket;
// active tickets past due; closed tickets; all.
const (
	ViewMine       TicketView = "mine"
	ViewUnassigned TicketView = "unassigned"
	ViewOpen       TicketView = "open"
	ViewOverdue    TicketView = "overdue"
	ViewClosed     TicketView = "closed"
	ViewAll        TicketView = "all"
)

// Views lists the views in the console's order.
var Views = []TicketView{ViewMine, ViewUnassigned, ViewOpen, ViewOverdue, ViewClosed, ViewAll}

// TicketFilter selects tickets for the desk's List (desk.Desk.List).
type TicketFilter struct {
	View     TicketView // default ViewOpen
	Officer  string     // the officer's ID, for ViewMine
	Channel  Channel
	Category string
	// Priority: "urgent", "normal" or "" (any).
	Priority string
	// SLA: SLAOK, SLASoon, SLAOverdue, SLANone or "" (any).
	SLA string
	// Query searches the ticket number ("BLI-000123", "123"), words of the question and
	// transcript, and the citizen's name.
	Query  string
	Limit  int // default 50, at most 500
	Offset int

	// Set by desk.Desk.List for the store: the time of the query, the due time before which
	// an active ticket is "soon" (the desk's ReminderLead in working hours), and the ticket
	// number read from Query (0: none).
	Now    time.Time
	Soon   time.Time
	Number int64
}

// TicketChange is an entry of the desk's change feed: Seq increases with every audit
// event, in commit order, across replicas.
type TicketChange struct {
	Seq      int64
	TicketID int64
	Action   string
}

// Presence is an officer viewing ticket (or typing a reply in it).
type Presence struct {
	Officer string // the officer's ID
	Name    string
	Typing  bool
	At      time.Time
}

// HistoryLine is a message of a citizen's conversation with the bot, from the message log.
type HistoryLine struct {
	Chat       ChatRef // the chat it was written in (a citizen's chats may be linked)
	From       string  // "citizen" or "bot"
	Text       string
	Decision   string // the engine's decision on a citizen's message (answer, escalate, feedback…)
	Reason     string
	EntryID    string  // the FAQ entry answered
	Confidence float64 // the answer's confidence
	// Feedback on the bot's answer to this message: "helpful" (👍) or "not_helpful" (👎).
	Feedback string
	At       time.Time
}

// SLA states of a ticket's reply time.
const (
	SLAOK      = "ok"      // due later than the reminder lead
	SLASoon    = "soon"    // due within the reminder lead
	SLAOverdue = "overdue" // past due
	SLANone    = "none"    // not waiting for an officer (answered or closed)
)
