package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/clock"
)

// Sender delivers outgoing items on one channel. Adapters implement it.
type Sender interface {
	// Send delivers o and returns the channel's id of the message sent ("" when none). It
	// returns a *RetryAfterError when the channel asks to slow down and a *PermanentError
	// when retrying cannot help; any other error is retried with back-off.
	Send(ctx context.Context, o Outgoing) (string, error)
}

// Availability is implemented by senders that may be unable to deliver in this process while
// another process can (a WhatsApp session held by another replica). Items for an unavailable
// sender are left in the outbox for the process that can deliver them.
type Availability interface {
	Available() bool
}

// Typer is implemented by senders that can show a typing indicator.
type Typer interface {
	Typing(ctx context.Context, chat balai.ChatRef) error
}

// RetryAfterError is returned by a Sender when the channel asks to wait (HTTP 429).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// HoldError is returned by a Sender that cannot deliver until the citizen writes again
// (WhatsApp's 24-hour customer-service window: the sender asked them, with a template, to
// reply). The item waits in the outbox and goes out when the chat's next message arrives.
type HoldError struct{ Reason string }

func (e *HoldError) Error() string { return "held until the citizen writes: " + e.Reason }

// PermanentError is returned by a Sender when a delivery can never succeed (the chat does
// not exist, the citizen blocked the account, the request is invalid).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Limits bound the outbound rate of a channel. Zero values disable a limit.
type Limits struct {
	PerSecond     float64 // messages per second over the whole channel
	PerChatSecond float64 // messages per second in one chat
	ChatBurst     int     // messages one chat may get at once before PerChatSecond applies
}

// dispatcher delivers the outbox: in order within a chat, chats in parallel, within the
// channel's limits, retrying with back-off.
type dispatcher struct {
	store    Store
	senders  map[balai.Channel]Sender
	limits   map[balai.Channel]Limits
	global   map[balai.Channel]*rate.Limiter
	logger   *slog.Logger
	metrics  *Metrics
	now      func() time.Time
	onFailed func(ctx context.Context, item StoredOutgoing, err error)
	onHeld   func(ctx context.Context, item StoredOutgoing, err error)

	mu       sync.Mutex
	inflight map[int64]time.Time // queued or being delivered by this process, since when
	perChat  map[string]*chatLimiter
	queue    *serialQueue[StoredOutgoing]
	ctx      context.Context // cancelled to abandon sends in progress at shutdown
	cancel   context.CancelFunc
	// pacing is cancelled when shutdown starts: from then on only what the limits allow at
	// once is sent, and a chat whose next message would have to wait keeps the rest of its
	// queue in the outbox for the next start (in order).
	pacing     context.Context
	stopPacing context.CancelFunc
	left       map[string]bool // chats whose queue was left at shutdown
	lastSeen   time.Time
}

type chatLimiter struct {
	lim  *rate.Limiter
	used time.Time
}

// maxAttempts is how many times a transient failure is retried before giving up.
const maxAttempts = 12

func newDispatcher(store Store, senders map[balai.Channel]Sender, limits map[balai.Channel]Limits, workers int, logger *slog.Logger, m *Metrics) *dispatcher {
	d := &dispatcher{store: store, senders: senders, limits: limits, global: map[balai.Channel]*rate.Limiter{},
		logger: logger, metrics: m, now: clock.Now, perChat: map[string]*chatLimiter{}, inflight: map[int64]time.Time{},
		left: map[string]bool{}}
	for ch, l := range limits {
		if l.PerSecond > 0 {
			d.global[ch] = rate.NewLimiter(rate.Limit(l.PerSecond), max(1, int(l.PerSecond)))
		}
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.pacing, d.stopPacing = context.WithCancel(context.Background())
	d.queue = newSerialQueue(workers, 1<<20, d.deliver)
	return d
}

// submit queues outbox items for delivery, each once however often it is submitted, and
// returns how many were not queued already.
func (d *dispatcher) submit(items ...StoredOutgoing) int {
	n := 0
	for _, it := range items {
		d.mu.Lock()
		_, dup := d.inflight[it.ID]
		if !dup {
			d.inflight[it.ID] = d.now()
		}
		d.mu.Unlock()
		if !dup && d.queue.Submit(context.Background(), it.Chat.String(), it) {
			n++
		}
	}
	return n
}

// stillOurs checks, for an item that has waited here a good part of its claim (behind a
// busy queue, a rate limit or a retry), that no other process took it meanwhile, renewing
// the claim. Fresh items skip the check, so the usual path costs no extra write.
func (d *dispatcher) stillOurs(ctx context.Context, id int64) bool {
	d.mu.Lock()
	since, ok := d.inflight[id]
	d.mu.Unlock()
	if ok && d.now().Sub(since) < d.store.ClaimTTL()/3 {
		return true
	}
	mine, err := d.store.Confirm(ctx, id)
	if err != nil {
		d.logger.Warn("Failed to renew a delivery claim; delivering anyway", "outbox", id, "err", err)
		return true
	}
	if mine {
		d.mu.Lock()
		d.inflight[id] = d.now()
		d.mu.Unlock()
	}
	return mine
}

// done forgets a delivered (or abandoned) item.
func (d *dispatcher) done(id int64) {
	d.mu.Lock()
	delete(d.inflight, id)
	d.mu.Unlock()
}

func (d *dispatcher) chatLimiter(chat string, l Limits) *rate.Limiter {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	cl, ok := d.perChat[chat]
	if !ok {
		cl = &chatLimiter{lim: rate.NewLimiter(rate.Limit(l.PerChatSecond), max(1, l.ChatBurst))}
		d.perChat[chat] = cl
	}
	cl.used = now
	if now.Sub(d.lastSeen) > time.Minute {
		// Forget chats quiet for a while: their bucket is full again anyway.
		for k, v := range d.perChat {
			if now.Sub(v.used) > time.Minute {
				delete(d.perChat, k)
			}
		}
		d.lastSeen = now
	}
	return cl.lim
}

// pace waits for a rate limiter (nil: none). Once shutdown has started it does not wait:
// it reports whether the limit lets the item go now, and otherwise leaves the chat.
func (d *dispatcher) pace(chat string, lim *rate.Limiter) bool {
	// Wait fails at once when pacing has stopped (and when it stops during the wait).
	if lim == nil || lim.Wait(d.pacing) == nil || lim.Allow() {
		return true
	}
	d.leave(chat)
	return false
}

// leave stops delivering a chat's queue at shutdown, so that its order holds at the next start.
func (d *dispatcher) leave(chat string) {
	d.mu.Lock()
	d.left[chat] = true
	d.mu.Unlock()
}

func (d *dispatcher) leaving(chat string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.left[chat]
}

func (d *dispatcher) deliver(chat string, it StoredOutgoing) {
	defer d.done(it.ID)
	ctx := d.ctx
	if d.leaving(chat) || ctx.Err() != nil {
		return // left or abandoned at shutdown: the item stays in the outbox for the next start
	}
	s, ok := d.senders[it.Chat.Channel]
	if !ok {
		d.fail(it, fmt.Errorf("no sender for channel %q", it.Chat.Channel), true, time.Time{})
		return
	}
	if av, ok := s.(Availability); ok && !av.Available() {
		// Another replica holds this channel: give the claim up; its resync takes the item.
		if err := d.store.Unclaim(context.Background(), it.ID); err != nil {
			d.logger.Error("Failed to leave a delivery to another process", "outbox", it.ID, "err", err)
		}
		return
	}
	// An item that failed before (in an earlier run, or found by a resync) keeps its back-off.
	if wait := it.NotBefore.Sub(d.now()); wait > 0 && !Sleep(d.pacing, wait) {
		d.leave(chat)
		return
	}
	l := d.limits[it.Chat.Channel]
	backoff := 500 * time.Millisecond
	for attempt := it.Attempts + 1; ; attempt++ {
		if !d.stillOurs(ctx, it.ID) {
			return // the claim lapsed while the item waited here; another process has it
		}
		if !d.pace(chat, d.global[it.Chat.Channel]) {
			return // shutting down: the item stays in the outbox for the next start
		}
		// Edits change a message already there; only new messages count against a chat's pace.
		if l.PerChatSecond > 0 && it.Kind == OutMessage && it.EditID == "" {
			if !d.pace(chat, d.chatLimiter(chat, l)) {
				return
			}
		}
		start := d.now()
		o := it.Outgoing
		o.ID = it.ID
		ext, err := s.Send(ctx, o)
		d.metrics.observeSend(it.Chat.Channel, d.now().Sub(start), err)
		if err == nil {
			if err := d.store.MarkSent(context.Background(), it.ID, ext, d.now()); err != nil {
				d.logger.Error("Failed to record a delivery", "outbox", it.ID, "err", err)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		var ra *RetryAfterError
		var pe *PermanentError
		var he *HoldError
		switch {
		case errors.As(err, &he):
			if serr := d.store.MarkHeld(context.Background(), it.ID, he.Reason); serr != nil {
				d.logger.Error("Failed to hold a delivery", "outbox", it.ID, "err", serr)
			}
			if d.onHeld != nil {
				d.onHeld(context.Background(), it, he)
			}
			return
		case errors.As(err, &pe):
			d.fail(it, err, true, time.Time{})
			return
		case errors.As(err, &ra):
			d.logger.Warn("Channel asked to slow down", "channel", it.Chat.Channel, "retry_after", ra.After)
			if !Sleep(d.pacing, ra.After) {
				d.leave(chat)
				return
			}
			attempt-- // a requested pause is not a failed attempt
		default:
			if attempt >= maxAttempts {
				d.fail(it, err, true, time.Time{})
				return
			}
			retryAt := d.now().Add(backoff)
			d.fail(it, err, false, retryAt)
			if !Sleep(d.pacing, backoff) {
				d.leave(chat)
				return
			}
			backoff = min(backoff*2, 30*time.Second)
		}
	}
}

func (d *dispatcher) fail(it StoredOutgoing, err error, permanent bool, retryAt time.Time) {
	if permanent {
		d.logger.Error("Failed to deliver a message; giving up", "chat", it.Chat, "outbox", it.ID, "err", err)
	} else {
		d.logger.Warn("Failed to deliver a message; retrying", "chat", it.Chat, "outbox", it.ID, "retry_at", retryAt, "err", err)
	}
	if serr := d.store.MarkFailed(context.Background(), it.ID, err.Error(), permanent, retryAt); serr != nil {
		d.logger.Error("Failed to record a failed delivery", "outbox", it.ID, "err", serr)
	}
	if permanent && d.onFailed != nil {
		d.onFailed(context.Background(), it, err)
	}
}

// drain sends what the rate limits let go at once, leaves the chats that would have to
// wait, waits for that until ctx ends, then abandons the rest (all of it stays in the
// outbox for the next start) and stops.
func (d *dispatcher) drain(ctx context.Context) {
	d.stopPacing()
	d.queue.Idle(ctx)
	d.cancel()
	d.queue.Close()
}

// Sleep waits for d; false when ctx ended first. Adapters use it for their back-off.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
