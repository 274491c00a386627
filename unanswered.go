package balai

import (
	"errors"
	"time"
)

// AskSource is why a citizen's question counts as one the corpus did not answer.
type AskSource string

// Sources of unanswered questions.
const (
	AskEscalated  AskSource = "escalated"   // the bot found no entry and handed it to an officer
	AskSuggested  AskSource = "suggested"   // the bot offered entries and the citizen took none
	AskThumbsDown AskSource = "thumbs_down" // the citizen pressed 👎 on the answer
	AskTicket     AskSource = "ticket"      // an officer handled it on a ticket
)

// AskedQuestion is one question the corpus did not answer, as the store collects it from the
// message log and the tickets. Text is what the citizen wrote (the store's own copy; mask it
// before it leaves the service).
type AskedQuestion struct {
	// Ref names it for marks: "log:<message_log id>" or "ticket:<ticket id>".
	Ref     string
	Source  AskSource
	Channel Channel
	// Chat is the chat's id (the store's own copy, for the clustering's bookkeeping: never
	// shown).
	Chat string
	Text string
	At   time.Time
	// EntryID is the entry the bot offered or answered with (suggested, thumbs_down), or the
	// entry an officer linked to the ticket.
	EntryID string
	// TicketID, Answer, Resolution and Category come from the ticket, if there is one: the
	// officer's last reply and how the ticket was closed.
	TicketID   int64
	Answer     string
	Resolution ResolutionKind
	Category   string
}

// UnansweredAction is what an editor did with an unanswered question.
type UnansweredAction string

// Actions on unanswered questions. A dismissed question stays in its cluster (which shows
// again when it grows); the others are settled and leave the inbox.
const (
	MarkDismissed  UnansweredAction = "dismissed"
	MarkOutOfScope UnansweredAction = "out_of_scope"
	MarkPhrasing   UnansweredAction = "phrasing"  // added as a phrasing of EntryID (in draft Version)
	MarkNewEntry   UnansweredAction = "new_entry" // answered by the new entry EntryID (in draft Version)
)

// Labelled reports whether the action labels the question for an eval file: it asks EntryID,
// or nothing the corpus should answer (out of scope).
func (a UnansweredAction) Labelled() bool {
	return a == MarkOutOfScope || a == MarkPhrasing || a == MarkNewEntry
}

// UnansweredMark records an action on one question. Question is its masked text, kept so
// that the label outlives the message log's retention.
type UnansweredMark struct {
	Ref      string
	Action   UnansweredAction
	EntryID  string
	Version  int64
	Question string
	Channel  Channel
	Actor    string
	At       time.Time
}

// UnansweredPoint is an unanswered question as the clustering keeps it (store table
// unanswered_points): the question (texts masked), the order it was clustered in, its
// cluster and its weighted terms. A point with Cluster "" has left (the question is no longer
// unanswered): only its ref, order and version remain, so that readers drop it too.
type UnansweredPoint struct {
	AskedQuestion
	Seq     int64
	Cluster string
	Terms   string // the clustering's encoding of the question's weighted terms
	Version int64
}

// PointsState is the clustering's stored state: Epoch changes when points are deleted
// outright (retention, erasure), Version with every change of points, Seq is the last order
// given to a point.
type PointsState struct {
	Epoch, Version, Seq int64
}

// PointsDelta is what a sync of the clustering hands its callback.
type PointsDelta struct {
	// State is the stored state before the sync's changes.
	State PointsState
	// Reload: Points are all the points (the caller's epoch was not State's); otherwise the
	// points changed since the caller's version (left ones included).
	Reload bool
	Points []UnansweredPoint
	// Full: Asked are all the current unanswered questions; otherwise those of the chats
	// in Chats, the chats with news since the last sync (a chat may have none left).
	Full  bool
	Chats []ChatRef
	Asked []AskedQuestion
}

// ErrPointsMoved means another process stored a sync of the clustering (or deleted points)
// since the caller read the news: nothing was stored, and the caller syncs again.
var ErrPointsMoved = errors.New("unanswered: the clusters changed meanwhile")
