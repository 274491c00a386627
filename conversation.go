package balai

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// Conversation is what the engine remembers about a chat between messages.
type Conversation struct {
	// Lang is the language the citizen chose with /bahasa; "" follows each message.
	Lang string `json:"lang,omitempty"`
	// Failures counts questions in a row that were not answered.
	Failures int `json:"failures,omitempty"`
	// LastEntry is the entry answered last (for feedback).
	LastEntry string `json:"last_entry,omitempty"`
	// Options are the entries or actions offered last, for a numbered reply ("2"), and
	// Labels their buttons' texts, for a reply that types one ("Membuat KTP-el baru").
	Options   []string  `json:"options,omitempty"`
	Labels    []string  `json:"labels,omitempty"`
	OptionsAt time.Time `json:"options_at,omitzero"` // when they were offered (Balai's clock)
	// LastQuestion is the citizen's last question (for an escalation after 👎).
	LastQuestion string `json:"last_question,omitempty"`
	// Intake is the complaint or information request being collected, if any.
	Intake *Intake `json:"intake,omitempty"`
}

// Intake is a complaint or an information request being collected from the citizen, one
// field at a time; it lives in the Conversation (so a restart loses nothing) until it is
// complete, cancelled, declined or left past bot.IntakeTTL, and is then dropped: a complete
// form is kept only beside its ticket.
type Intake struct {
	Kind TicketKind `json:"kind"`
	// Offered: the engine offered to record it and waits for the citizen's yes or no.
	Offered bool `json:"offered,omitempty"`
	// Field is the field asked last.
	Field       string       `json:"field,omitempty"`
	Complaint   *Complaint   `json:"complaint,omitempty"`
	InfoRequest *InfoRequest `json:"info_request,omitempty"`
	// Asked lists the questions beyond Missing() already answered or skipped (optional
	// fields, a complaint's anonymity and confidentiality).
	Asked []string `json:"asked,omitempty"`
	// The message that was detected and its topic, for the ticket (and for an escalation
	// when the citizen declines).
	Question   string `json:"question,omitempty"`
	Topic      string `json:"topic,omitempty"`
	TopicLabel string `json:"topic_label,omitempty"`
	Category   string `json:"category,omitempty"`
	// Lang is the citizen's language when it was detected (replies to the form's questions
	// are not read for their language).
	Lang string    `json:"lang,omitempty"`
	At   time.Time `json:"at"` // its last step, by Balai's clock
}

// Clone is a deep copy of in (nil for nil): a turn changes its own copy.
func (in *Intake) Clone() *Intake {
	if in == nil {
		return nil
	}
	cp := *in
	cp.Asked = slices.Clone(in.Asked)
	if in.Complaint != nil {
		c := *in.Complaint
		c.Attachments = slices.Clone(c.Attachments)
		cp.Complaint = &c
	}
	if in.InfoRequest != nil {
		r := *in.InfoRequest
		cp.InfoRequest = &r
	}
	return &cp
}

// Form is the collected form, received at.
func (in *Intake) Form(at time.Time) Form {
	return Form{Kind: in.Kind, ReceivedAt: at, Complaint: in.Complaint, InfoRequest: in.InfoRequest}
}

// Turn is the outcome of handling one inbound message, committed atomically: the message
// is marked handled, the conversation saved, the exchange logged and the replies queued.
type Turn struct {
	Inbound StoredInbound
	State   Conversation
	Out     []Outgoing
	Log     LogEntry
	// Also runs in the same transaction, for components with tables of their own (the desk
	// records an officer's reply together with its delivery to the citizen).
	Also func(ctx context.Context, tx Tx) error
}

// Tx is the transaction a turn commits in; *sql.Tx is one.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
