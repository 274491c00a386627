package balai

import "time"

// Failure is a failed attempt at handling an inbound message, as the engine's store records
// it (bot.Store.Fail).
type Failure struct {
	Inbound StoredInbound
	// Error is the failure's text, masked (it may quote what the citizen sent).
	Error string
	// Permanent parks the message at once; otherwise it is retried at RetryAt until it has
	// failed MaxTries times, then parked.
	Permanent bool
	RetryAt   time.Time
	MaxTries  int
}

// DeadLetter is an inbound message parked after its handling failed for good: it is no
// longer retried and waits for an operator (balai admin dead-letters list|retry|drop). Its
// text stays in the store's intake, as any accepted message's does.
type DeadLetter struct {
	ID         int64 // the inbound message's id
	Chat       ChatRef
	Kind       MessageKind
	Text       string // the message as the store keeps it (callers mask it before showing it)
	Error      string
	Permanent  bool
	Attempts   int
	ReceivedAt time.Time
	ParkedAt   time.Time
}

// OutboxState is the outbox's content for one channel and state, as bot.Backlog reports it.
type OutboxState struct {
	Channel Channel
	State   string    // "pending" (to deliver, waiting for a retry included) or "held" (WhatsApp's window)
	Items   int       // how many
	Oldest  time.Time // when the oldest of them was queued (Balai's clock)
}

// PermanentError is returned by a channel's sender (bot.Sender) when a delivery can never succeed (the chat does
// not exist, the citizen blocked the account, the request is invalid).
type PermanentError struct {
	Err error
	// Reason classes the failure (bot.ReasonBlocked, bot.ReasonChatNotFound…; "" is bot.ReasonPermanent).
	Reason string
}

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Slot is one count a send takes in a shared limit: one of at most Limit in the fixed
// window of length Window that holds At, under Key.
type Slot struct {
	Key    string
	Limit  int
	Window time.Duration
	At     time.Time
}

// Start is when the slot's window starts.
func (s Slot) Start() time.Time { return s.At.Truncate(s.Window) }

// End is when the slot's window ends: when a slot refused now may be taken again.
func (s Slot) End() time.Time { return s.Start().Add(s.Window) }
