package balai

import (
	"errors"
	"fmt"
	"time"
)

// Status is where a ticket is in its life.
type Status string

// Ticket statuses: open → claimed → answered → closed; an answered ticket reopens when the
// citizen writes again.
const (
	Open     Status = "open"
	Claimed  Status = "claimed"
	Answered Status = "answered"
	Closed   Status = "closed"
)

// Line is one message of a ticket's transcript.
type Line struct {
	From string    `json:"from"` // "citizen", "bot" or "officer"
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Ticket is an escalated conversation.
type Ticket struct {
	ID           int64
	SourceKey    string // the message that opened it (idempotency)
	Chat         ChatRef
	UserName     string
	Question     string
	Transcript   []Line
	Reason       string // the engine's escalation reasons
	Topic        string
	TopicLabel   string
	Category     string
	Candidates   []string
	Lang         string
	Status       Status
	Priority     int    // 1 for urgent topics
	Assignee     string // the officer, as Actor.String() ("telegram:42")
	AssigneeName string
	Answer       string // the last officer reply
	Rating       int
	CreatedAt    time.Time
	DueAt        time.Time
	ClaimedAt    time.Time
	AnsweredAt   time.Time
	ClosedAt     time.Time
	ActivityAt   time.Time
	RemindedAt   time.Time
	OverdueAt    time.Time
	// CardHeld: the officers' chat's card limit held its card back; it was listed in a
	// summary post instead, and its card goes out when an officer claims it.
	CardHeld bool
	// Version counts the ticket's changes: every event of its audit log (an officer's
	// action, a citizen's follow-up, the sweep's) bumps it. A reply written against an
	// older version is stale.
	Version int64
	// Resolution is how a closed ticket was resolved ("" before an officer closed it);
	// EntryID the FAQ entry that answers it (also linked before closing), ReferTo the
	// agency a "referred" ticket was sent to.
	Resolution ResolutionKind
	EntryID    string
	ReferTo    string
	// LastCitizenAt is when the citizen last wrote (WhatsApp's 24-hour window).
	LastCitizenAt time.Time
	// Kind is what the ticket asks of the agency: a question (the default, "" in tickets
	// opened before kinds existed), a complaint or an information request, whose form is
	// kept beside the ticket (Form).
	Kind TicketKind
	// LegalDueAt is the last legal deadline of a complaint's or an information request's
	// form (Form.Due) when the ticket was opened; zero for a question.
	LegalDueAt time.Time
}

// ResolutionKind is how an officer resolved a ticket.
type ResolutionKind string

// Resolutions: answered by the officer; answered by a FAQ entry; referred to the agency
// that has the authority; spam (nothing to answer).
const (
	ResolvedAnswered ResolutionKind = "answered"
	ResolvedEntry    ResolutionKind = "entry"
	ResolvedReferred ResolutionKind = "referred"
	ResolvedSpam     ResolutionKind = "spam"
)

// Valid reports whether k is one of the resolutions.
func (k ResolutionKind) Valid() bool {
	switch k {
	case ResolvedAnswered, ResolvedEntry, ResolvedReferred, ResolvedSpam:
		return true
	}
	return false
}

// CannedReply is a stored reply text officers insert and edit before sending; supervisors
// and admins keep them.
type CannedReply struct {
	ID        int64
	Title     string
	Text      string
	Category  string // "" for any ticket
	Lang      string // "id" or "en"
	UpdatedBy string // the officer's ID
	UpdatedAt time.Time
}

// Number is the citizen-visible ticket number, e.g. BLI-000123.
func (t *Ticket) Number(prefix string) string { return fmt.Sprintf("%s-%06d", prefix, t.ID) }

// Event is an entry of a ticket's audit log: created, claimed, released, replied, noted,
// closed, reopened, rated, cancelled, followed (a citizen's message), reminded.
type Event struct {
	TicketID  int64
	Actor     string // an officer as Actor.String() ("telegram:42"), "citizen" or "system"
	ActorName string
	Action    string
	Detail    string
	At        time.Time
}

// Errors of ticket stores and the desk service.
var (
	ErrTicketNotFound = errors.New("desk: no such ticket")
	// ErrConflict means the ticket is not in a state that allows the change (already claimed
	// by someone else, already closed).
	ErrConflict = errors.New("desk: ticket changed meanwhile")
	// ErrTooMany means the chat opened as many tickets in the last hour as it may.
	ErrTooMany = errors.New("desk: too many tickets from this chat")

	// Errors of officers' actions (the desk wraps them in a *desk.ActionError carrying the
	// ticket and the detail).

	// ErrAlreadyClaimed: another officer holds the ticket.
	ErrAlreadyClaimed = errors.New("desk: ticket claimed by another officer")
	// ErrNotAllowed: the officer's role does not allow the action, or it is not their ticket.
	ErrNotAllowed = errors.New("desk: not allowed")
	// ErrClosed: the ticket is closed.
	ErrClosed = errors.New("desk: ticket is closed")
	// ErrStale: the ticket changed since the officer's page showed it.
	ErrStale = errors.New("desk: ticket changed since it was shown")
	// ErrNeedsConfirmation: the outbound guard has reasons to hold the reply back until the
	// officer confirms it.
	ErrNeedsConfirmation = errors.New("desk: reply needs confirmation")
)
