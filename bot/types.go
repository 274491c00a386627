// Package bot is Balai's channel-agnostic conversation engine. Adapters (bot/telegram,
// bot/whatsapp, bot/webchat) convert what citizens send into Inbound messages and hand them
// to Engine.Accept, which records them durably before the adapter confirms them to the
// channel. The engine then answers each conversation in order — from the knowledge index, by
// suggesting entries, or by handing over to an officer — and delivers replies through an
// outbox, so that a restart loses no message and answers none twice.
package bot

import "github.com/balai-id/balai"

// The engine's message types live in the root package balai; these names keep the engine's
// adapters and callers working with them.
type (
	// Kind is what an inbound message carries; see balai.MessageKind.
	Kind = balai.MessageKind
	// Inbound is something a citizen sent; see balai.Inbound.
	Inbound = balai.Inbound
	// OutKind is what an outgoing item does; see balai.OutKind.
	OutKind = balai.OutKind
	// Button is an inline button under a message; see balai.Button.
	Button = balai.Button
	// Outgoing is one item to deliver to a chat; see balai.Outgoing.
	Outgoing = balai.Outgoing
	// StoredInbound is an accepted inbound message with the store's id; see
	// balai.StoredInbound.
	StoredInbound = balai.StoredInbound
	// StoredOutgoing is an item of the outbox; see balai.StoredOutgoing.
	StoredOutgoing = balai.StoredOutgoing
	// Conversation is what the engine remembers about a chat; see balai.Conversation.
	Conversation = balai.Conversation
	// Intake is a form being collected from the citizen; see balai.Intake.
	Intake = balai.Intake
	// Turn is the outcome of handling one inbound message; see balai.Turn.
	Turn = balai.Turn
	// Tx is the transaction a turn commits in; see balai.Tx.
	Tx = balai.Tx
	// LogEntry records what the engine decided about a message; see balai.LogEntry.
	LogEntry = balai.LogEntry
	// Failure is a failed attempt at handling an inbound message; see balai.Failure.
	Failure = balai.Failure
	// DeadLetter is an inbound message parked for good; see balai.DeadLetter.
	DeadLetter = balai.DeadLetter
	// OutboxState is the outbox's content for one channel and state; see balai.OutboxState.
	OutboxState = balai.OutboxState
	// PermanentError is a failure retrying cannot help; see balai.PermanentError.
	PermanentError = balai.PermanentError
	// Slot is one count a send takes in a shared limit; see balai.Slot.
	Slot = balai.Slot
)

// Kinds of inbound messages; see balai.KindText.
const (
	KindText   = balai.KindText
	KindButton = balai.KindButton
	KindMedia  = balai.KindMedia
)

// Kinds of outgoing items; see balai.OutMessage.
const (
	OutMessage  = balai.OutMessage
	OutCallback = balai.OutCallback
)
