package balai

import "time"

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
	Text    string
	At      time.Time
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
