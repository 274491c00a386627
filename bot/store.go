package bot

import (
	"context"
	"time"

	"github.com/balai-id/balai"
)

// Store keeps the engine's durable state: accepted messages, conversations, the message log
// and the outbox. The store package implements it on SQLite and PostgreSQL.
type Store interface {
	// Accept records inbound messages. fresh[i] is false when a message with the same chat
	// channel and Key was accepted before. When Accept returns nil the messages survive a crash.
	Accept(ctx context.Context, in []Inbound) (stored []StoredInbound, fresh []bool, err error)
	// Pending claims accepted messages not yet handled nor parked, not waiting for a retry,
	// whose claim by another process has lapsed, oldest first, with their failed attempts.
	Pending(ctx context.Context) ([]StoredInbound, error)
	// Fail records a failed attempt at handling an inbound message (see Failure): it counts
	// the attempt and, when the failure is permanent or the attempt was the last of MaxTries,
	// parks the message as a dead letter (parked is true) — it is then no longer pending.
	// Otherwise Pending leaves it alone until RetryAt.
	Fail(ctx context.Context, f Failure) (parked bool, err error)
	// Conversation returns what is remembered about a chat (zero value for a new chat).
	Conversation(ctx context.Context, chat balai.ChatRef) (Conversation, error)
	// Commit applies a turn atomically and returns its outgoing items with their outbox ids.
	// Committing a turn for an already handled message is a no-op returning no items.
	Commit(ctx context.Context, t Turn) ([]StoredOutgoing, error)
	// Enqueue puts items in the outbox outside a turn (officers' replies, notices).
	Enqueue(ctx context.Context, out []Outgoing) ([]StoredOutgoing, error)
	// Unsent claims outbox items not yet delivered nor given up whose claim by another
	// process has lapsed (or that were never claimed), oldest first; each is claimed by this
	// process until delivered or until the claim lapses.
	Unsent(ctx context.Context) ([]StoredOutgoing, error)
	// MarkSent records the delivery of an outbox item and the channel's message id.
	MarkSent(ctx context.Context, id int64, externalID string, at time.Time) error
	// MarkFailed records a failed delivery: retried after retryAt, or given up when permanent.
	MarkFailed(ctx context.Context, id int64, reason string, permanent bool, retryAt time.Time) error
	// Unclaim gives up this process's claim on an item, for another process to deliver.
	Unclaim(ctx context.Context, id int64) error
	// Confirm renews this process's claim on an undelivered item just before delivering it.
	// It returns false when the claim lapsed and another process took the item (or it is no
	// longer pending): the item must not be sent here.
	Confirm(ctx context.Context, id int64) (bool, error)
	// ClaimTTL is how long a claim lasts before another process may take the work.
	ClaimTTL() time.Duration
	// MarkHeld parks an item until the chat writes again (see HoldError).
	MarkHeld(ctx context.Context, id int64, reason string) error
	// ReleaseHeld returns a chat's held items to the outbox and claims them for this process.
	ReleaseHeld(ctx context.Context, chat balai.ChatRef) ([]StoredOutgoing, error)
}
