package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
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

// Limits bound the outbound rate of a channel. Zero values disable a limit.
type Limits struct {
	PerSecond     float64 // messages per second over the whole channel
	PerChatSecond float64 // messages per second in one chat
	ChatBurst     int     // messages one chat may get at once before PerChatSecond applies
}

// SharedLimits is implemented by a Store that several replicas may share (PostgreSQL): the
// limits of a channel and of a chat are then counted in it, so that they hold for the bot
// across replicas, not for each process. SharesLimits false (SQLite: one process) leaves
// the in-memory limiters as the whole limit.
type SharedLimits interface {
	SharesLimits() bool
	// TakeSlots takes one count in each slot's window, in one round trip, in order (a slot
	// only when all before it were taken) and reports whether all were taken.
	TakeSlots(ctx context.Context, slots ...Slot) (bool, error)
	// FloodRank counts the messages of chat accepted (by any process) in the window that
	// ends with message id, this one included.
	FloodRank(ctx context.Context, chat balai.ChatRef, id int64, window time.Duration) (int, error)
}

// sharedLimits returns the store's shared limits when it shares them (nil: in memory only).
func sharedLimits(s Store) SharedLimits {
	if sl, ok := s.(SharedLimits); ok && sl.SharesLimits() {
		return sl
	}
	return nil
}

// dispatcher delivers the outbox: in order within a chat, chats in parallel, within the
// channel's limits, retrying with back-off.
type dispatcher struct {
	store    Store
	senders  map[balai.Channel]Sender
	limits   map[balai.Channel]Limits
	global   map[balai.Channel]*rate.Limiter
	shared   SharedLimits // nil: the limits are this process's alone (SQLite)
	logger   *slog.Logger
	metrics  *Metrics
	now      func() time.Time
	onFailed func(ctx context.Context, item StoredOutgoing, err error)
	onHeld   func(ctx context.Context, item StoredOutgoing, err error)

	mu       sync.Mutex
	inflight map[int64]flight // queued or being delivered by this process
	// settled are items this process delivered, gave up or found taken, lately: a submit
	// that arrives after them (the commit's own submit, when a resync got there first) is
	// not queued again.
	settled      map[int64]time.Time
	settledSwept time.Time
	perChat      map[string]*chatLimiter
	queue        *serialQueue[StoredOutgoing]
	ctx          context.Context // cancelled to abandon sends in progress at shutdown
	cancel       context.CancelFunc
	// pacing is cancelled when shutdown starts: from then on only what the limits allow at
	// once is sent, and a chat whose next message would have to wait keeps the rest of its
	// queue in the outbox for the next start (in order).
	pacing     context.Context
	stopPacing context.CancelFunc
	left       map[string]bool // chats whose queue was left at shutdown
	lastSeen   time.Time

	// Transient failures are retried with back-off (backoff doubling up to maxBackoff)
	// until they have lasted horizon.
	horizon, backoff, maxBackoff time.Duration
	// combine renders items sent together as one message (nil: never combined).
	combine func(first Outgoing, more []Outgoing) Outgoing
	// batch renders items with a Brief sent as one list (nil: never batched).
	batch    func(first Outgoing, more []Outgoing) Outgoing
	parked   map[string]*parkedChat
	parkTick chan struct{} // closed (and replaced) whenever a chat is parked or released
}

// flight is an outbox item queued or being delivered by this process.
type flight struct {
	since time.Time // when this process claimed (or last confirmed) it
	// verify: the item came from a resync's list, which may have been read before this
	// process delivered it and forgot it; its claim is confirmed before it is sent.
	verify bool
	item   StoredOutgoing
}

type chatLimiter struct {
	lim  *rate.Limiter
	used time.Time
}

// Default bounds of retrying a delivery that fails transiently (the channel answers 5xx,
// times out, cannot be reached): the wait doubles from DefaultDeliveryBackoff up to
// DefaultMaxDeliveryBackoff, and the item is given up only when it has kept failing for
// DefaultDeliveryHorizon, by Balai's clock. A waiting item holds no send worker: it is
// parked with its chat's later items behind it (in order) and queued again by a timer.
const (
	DefaultDeliveryHorizon    = 24 * time.Hour
	DefaultDeliveryBackoff    = 500 * time.Millisecond
	DefaultMaxDeliveryBackoff = 30 * time.Second
)

// Reason classes of a delivery given up for good: the metrics' reason label and what the
// officers are told. Adapters set PermanentError.Reason; DeliveryReason reads it.
const (
	ReasonBlocked      = "blocked"        // the citizen blocked the account, the bot left the group (403)
	ReasonChatNotFound = "chat_not_found" // the chat does not exist (any more)
	ReasonBadRequest   = "bad_request"    // the channel refused the request itself (400)
	ReasonHorizon      = "horizon"        // transient failures for longer than the delivery horizon
	ReasonNoSender     = "no_sender"      // no channel adapter for the item in this configuration
	ReasonPermanent    = "permanent"      // any other failure retrying cannot help
)

// DeliveryReason is the reason class of a delivery failure: a PermanentError's Reason (an
// unknown one as "permanent"), or "" for a transient failure.
func DeliveryReason(err error) string {
	var pe *PermanentError
	if !errors.As(err, &pe) {
		return ""
	}
	switch pe.Reason {
	case ReasonBlocked, ReasonChatNotFound, ReasonBadRequest, ReasonHorizon, ReasonNoSender:
		return pe.Reason
	}
	return ReasonPermanent
}

// parkedChat is a chat whose deliveries wait: its first item for a retry (on a timer, no
// worker held), the others behind it so that the chat's order holds.
type parkedChat struct {
	items []StoredOutgoing // waiting, in id order
	head  int64            // the item queued to go first now (0: none, the timer runs)
	timer *time.Timer
	// since is when the chat's deliveries started failing: an item that waited behind a
	// failing one counts its horizon from then, not from its own first try.
	since time.Time
}

// Combining notices: at most this many items, and this much text, in one message.
const (
	maxCombined     = 20
	maxCombinedText = 3500
)

// Batching items with a Brief: more than fewBriefs of them waiting in a chat go out as one
// list of at most maxBatched lines (the rest in the next list).
const (
	fewBriefs  = 3
	maxBatched = 40
)

func newDispatcher(store Store, senders map[balai.Channel]Sender, limits map[balai.Channel]Limits, workers int, logger *slog.Logger, m *Metrics) *dispatcher {
	d := &dispatcher{store: store, senders: senders, limits: limits, global: map[balai.Channel]*rate.Limiter{},
		logger: logger, metrics: m, now: clock.Now, perChat: map[string]*chatLimiter{}, inflight: map[int64]flight{}, settled: map[int64]time.Time{},
		left: map[string]bool{}, parked: map[string]*parkedChat{}, parkTick: make(chan struct{}),
		horizon: DefaultDeliveryHorizon, backoff: DefaultDeliveryBackoff, maxBackoff: DefaultMaxDeliveryBackoff,
		shared: sharedLimits(store)}
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

// submit queues outbox items this process has just claimed (committed, enqueued or
// released in a statement that claimed them), each once however often it is submitted, and
// returns how many were not queued already.
func (d *dispatcher) submit(items ...StoredOutgoing) int { return d.queueItems(false, items) }

// resubmit queues items a resync listed. The list may be older than a delivery this process
// finished meanwhile, so each item's claim is confirmed in the store before it is sent.
func (d *dispatcher) resubmit(items ...StoredOutgoing) int { return d.queueItems(true, items) }

func (d *dispatcher) queueItems(verify bool, items []StoredOutgoing) int {
	n := 0
	for _, it := range items {
		if it.Elsewhere {
			continue // behind its chat's earlier replies, which another process delivers
		}
		if len(it.After) > 0 {
			m, ok := d.takeUpEarlier(it)
			n += m
			if !ok {
				continue // left for the next catch-up, which lists the chat's items in order
			}
		}
		d.mu.Lock()
		_, dup := d.inflight[it.ID]
		if _, done := d.settled[it.ID]; done {
			dup = true
		}
		if !dup {
			d.inflight[it.ID] = flight{since: d.now(), verify: verify, item: it}
		}
		d.mu.Unlock()
		if !dup && d.queue.Submit(context.Background(), it.Chat.String(), it) {
			n++
		}
	}
	return n
}

// ClaimedLoader is implemented by stores that list, with a new outbox item, the chat's
// earlier items this process holds (StoredOutgoing.After): Claimed returns those of ids
// still pending and claimed by this process, oldest first.
type ClaimedLoader interface {
	Claimed(ctx context.Context, ids []int64) ([]StoredOutgoing, error)
}

// takeUpEarlier queues, before it, the earlier items of its chat that this process holds but
// has not queued (see StoredOutgoing.After): those another process's commit joined to this
// one's claim reach the dispatcher only once this process is woken, and those a catch-up
// claimed only once it has read its list; a reply committed here meanwhile must not overtake
// them. It returns how many it queued, and false when it could not tell (it then waits).
func (d *dispatcher) takeUpEarlier(it StoredOutgoing) (int, bool) {
	cl, ok := d.store.(ClaimedLoader)
	if !ok {
		return 0, true
	}
	var missing []int64
	d.mu.Lock()
	for _, id := range it.After {
		_, queued := d.inflight[id]
		_, done := d.settled[id]
		if !queued && !done {
			missing = append(missing, id)
		}
	}
	d.mu.Unlock()
	if len(missing) == 0 {
		return 0, true
	}
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	earlier, err := cl.Claimed(ctx, missing)
	if err != nil {
		d.logger.Warn("Failed to take up a chat's earlier replies; the next catch-up delivers them in order", "chat", it.Chat, "outbox", it.ID, "err", err)
		return 0, false
	}
	// Confirmed before they are sent: the claims were made by another process or a while ago.
	return d.queueItems(true, earlier), true
}

// claim is what stillOurs found out about an item's claim.
type claim int

const (
	claimOurs    claim = iota // send it
	claimLost                 // delivered already, or another process took it: do not send
	claimUnknown              // the store could not tell: wait and ask again
)

// stillOurs checks, just before sending, that the item is still pending and claimed by this
// process, renewing the claim. Items claimed a moment ago skip the check, so the usual path
// costs no extra write; an item from a resync's list, or one that waited here a good part of
// its claim (behind a busy queue, a rate limit or a retry), is checked.
func (d *dispatcher) stillOurs(ctx context.Context, id int64) claim {
	d.mu.Lock()
	f, ok := d.inflight[id]
	d.mu.Unlock()
	if ok && !f.verify && d.now().Sub(f.since) < d.store.ClaimTTL()/3 {
		return claimOurs
	}
	mine, err := d.store.Confirm(ctx, id)
	if err != nil {
		d.logger.Warn("Failed to confirm a delivery claim; waiting", "outbox", id, "err", err)
		return claimUnknown
	}
	if !mine {
		return claimLost
	}
	d.mu.Lock()
	if f, ok := d.inflight[id]; ok {
		d.inflight[id] = flight{since: d.now(), item: f.item}
	}
	d.mu.Unlock()
	return claimOurs
}

// recordSent records a delivery, retrying while the store fails (a database restarting): an
// item sent but not recorded would be sent again by the next resync or start. The item stays
// in flight meanwhile, so nothing here sends it again, and the chat's later items wait.
func (d *dispatcher) recordSent(id int64, ext string) {
	at := d.now()
	backoff := 100 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := d.store.MarkSent(ctx, id, ext, at)
		cancel()
		if err == nil {
			return
		}
		if d.ctx.Err() != nil {
			d.logger.Error("Failed to record a delivery before shutdown; it may be sent again after the restart", "outbox", id, "err", err)
			return
		}
		d.logger.Error("Failed to record a delivery; retrying", "outbox", id, "err", err)
		// Shutdown (d.ctx) ends the waiting; one more try is made then.
		Sleep(d.ctx, backoff)
		backoff = min(backoff*2, 10*time.Second)
	}
}

// done forgets a delivered (or abandoned) item.
func (d *dispatcher) done(id int64) {
	d.mu.Lock()
	delete(d.inflight, id)
	d.mu.Unlock()
}

// settledFor is how long a settled item is remembered: longer than any gap between a
// commit and its submit.
const settledFor = time.Minute

// settle remembers an item that is finished here (delivered, given up, or taken by another
// process), so that a late submit of it does nothing.
func (d *dispatcher) settle(id int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	d.settled[id] = now
	if now.Sub(d.settledSwept) > settledFor {
		for k, at := range d.settled {
			if now.Sub(at) > settledFor {
				delete(d.settled, k)
			}
		}
		d.settledSwept = now
	}
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

// paceShared takes the send's slots in the limits shared by replicas (none on SQLite), after
// the in-memory limiters let it go: the chat's pace (a new message: ChatBurst per
// ChatBurst/PerChatSecond) and the channel's rate (PerSecond per second), in one round trip.
// When a window is full it waits for the window's end and asks again; once shutdown has
// started it does not wait and leaves the chat. If the database cannot be asked the send
// goes on within this process's limits.
func (d *dispatcher) paceShared(chat string, ch balai.Channel, l Limits, perChat bool) bool {
	if d.shared == nil {
		return true
	}
	for {
		now := d.now()
		var slots []Slot
		// The chat's slot first: a full channel then wastes nothing of the channel's rate.
		if perChat && l.PerChatSecond > 0 {
			burst := max(1, l.ChatBurst)
			slots = append(slots, Slot{Key: "chat:" + chat, Limit: burst, At: now,
				Window: time.Duration(float64(burst) / l.PerChatSecond * float64(time.Second))})
		}
		if l.PerSecond > 0 {
			slots = append(slots, Slot{Key: "send:" + string(ch), Limit: max(1, int(l.PerSecond)), Window: time.Second, At: now})
		}
		if len(slots) == 0 {
			return true
		}
		ok, err := d.shared.TakeSlots(d.ctx, slots...)
		if err != nil {
			if d.ctx.Err() == nil {
				d.logger.Warn("Send paced by this process's limits only", "channel", ch, "err", err)
			}
			return true
		}
		if ok {
			return true
		}
		end := slots[0].End()
		for _, s := range slots[1:] {
			if e := s.End(); e.Before(end) {
				end = e
			}
		}
		t := time.NewTimer(end.Sub(now))
		select {
		case <-t.C:
		case <-d.pacing.Done():
			t.Stop()
			d.leave(chat)
			return false
		}
	}
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
	kept := false // parked: still ours, queued again later
	defer func() {
		if !kept {
			d.done(it.ID)
			d.advance(chat, it.ID)
		}
	}()
	ctx := d.ctx
	if d.leaving(chat) || ctx.Err() != nil {
		return // left or abandoned at shutdown: the item stays in the outbox for the next start
	}
	if d.isSettled(it.ID) {
		return // went out combined with an earlier item of the chat
	}
	if d.parkBehind(chat, it) {
		kept = true // an earlier item of the chat waits for a retry: this one waits behind it
		return
	}
	s, ok := d.senders[it.Chat.Channel]
	if !ok {
		d.fail(it, &PermanentError{Reason: ReasonNoSender, Err: fmt.Errorf("no sender for channel %q", it.Chat.Channel)}, true, time.Time{})
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
	if wait := it.NotBefore.Sub(d.now()); wait > 0 {
		kept = d.park(chat, it, wait)
		return
	}
	l := d.limits[it.Chat.Channel]
	if !d.pace(chat, d.global[it.Chat.Channel]) {
		return // shutting down: the item stays in the outbox for the next start
	}
	// Edits change a message already there; only new messages count against a chat's pace.
	// A chat whose pace makes this item wait is backed up: its waiting notices may go out
	// as one message.
	backedUp := false
	if l.PerChatSecond > 0 && it.Kind == OutMessage && it.EditID == "" {
		lim := d.chatLimiter(chat, l)
		backedUp = lim.Tokens() < 1
		if !d.pace(chat, lim) {
			return
		}
	}
	if !d.paceShared(chat, it.Chat.Channel, l, it.Kind == OutMessage && it.EditID == "") {
		return // shutting down: the item stays in the outbox for the next start
	}
	// Checked after pacing, which may have waited long: right before the send.
	switch d.stillOurs(ctx, it.ID) {
	case claimLost:
		d.settle(it.ID)
		return // delivered already, or the claim lapsed and another process has it
	case claimUnknown:
		kept = d.park(chat, it, d.backoff) // the store failed, not the delivery: no attempt counted
		return
	}
	o := it.Outgoing
	o.ID = it.ID
	var with []StoredOutgoing
	batched := false
	if o.Brief != "" && o.EditID == "" && d.batch != nil {
		// Many waiting at once: one list instead of a message each.
		if with = d.companions(ctx, chat, it, briefed, maxBatched, 0); len(with) >= fewBriefs {
			more := make([]Outgoing, len(with))
			for i, w := range with {
				more[i] = w.Outgoing
			}
			o = d.batch(o, more)
			o.ID = it.ID
			batched = true
		} else {
			with = nil
		}
	}
	if o.Combine && backedUp && d.combine != nil && !batched {
		if with = d.companions(ctx, chat, it, combinable, maxCombined, maxCombinedText); len(with) > 0 {
			more := make([]Outgoing, len(with))
			for i, w := range with {
				more[i] = w.Outgoing
			}
			o = d.combine(o, more)
			o.ID = it.ID
		}
	}
	start := d.now()
	ext, err := s.Send(ctx, o)
	d.metrics.observeSend(it.Chat.Channel, d.now().Sub(start), err)
	if err == nil {
		if batched {
			// No item was posted on its own: none may be taken for the list (a reply to it
			// answers no one item, an edit of one would replace the list).
			ext = balai.BatchedID(ext)
		}
		d.recordSent(it.ID, ext)
		d.settle(it.ID)
		d.recovered(chat)
		for _, w := range with {
			d.recordSent(w.ID, ext)
			d.settle(w.ID)
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
	case errors.As(err, &pe):
		d.fail(it, err, true, time.Time{})
	case errors.As(err, &ra):
		// A requested pause is not a failed attempt.
		d.logger.Warn("Channel asked to slow down", "channel", it.Chat.Channel, "retry_after", ra.After)
		kept = d.park(chat, it, ra.After)
	default:
		now := d.now()
		if it.FailingSince.IsZero() {
			it.FailingSince = now
		}
		it.Attempts++
		if failing := now.Sub(it.FailingSince); failing >= d.horizon {
			d.fail(it, &PermanentError{Reason: ReasonHorizon, Err: fmt.Errorf("still failing after %s (%d attempts): %w", failing.Round(time.Second), it.Attempts, err)}, true, time.Time{})
			return
		}
		delay := d.retryDelay(it.Attempts)
		d.fail(it, err, false, now.Add(delay))
		kept = d.park(chat, it, delay)
	}
}

// retryDelay is the wait after the attempt-th failed attempt: doubling from d.backoff up
// to d.maxBackoff.
func (d *dispatcher) retryDelay(attempt int) time.Duration {
	w := d.backoff
	for i := 1; i < attempt && w < d.maxBackoff; i++ {
		w *= 2
	}
	return min(w, d.maxBackoff)
}

func (d *dispatcher) isSettled(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.settled[id]
	return ok
}

// companions are the items queued here right after it in its chat that can go out with it
// as one message: those that join (combinable: same thread, no buttons, no edit; or
// briefed), with no wait of their own, claims confirmed; at most limit items in all and,
// when maxText > 0, maxText bytes of text.
func (d *dispatcher) companions(ctx context.Context, chat string, it StoredOutgoing, join func(first, o Outgoing) bool, limit, maxText int) []StoredOutgoing {
	d.mu.Lock()
	var cand []StoredOutgoing
	for id, f := range d.inflight {
		if _, done := d.settled[id]; id > it.ID && !done && f.item.ID == id && f.item.Chat.String() == chat {
			cand = append(cand, f.item)
		}
	}
	d.mu.Unlock()
	sort.Slice(cand, func(i, j int) bool { return cand[i].ID < cand[j].ID })
	var out []StoredOutgoing
	size := len(it.Text)
	now := d.now()
	for _, c := range cand {
		if !join(it.Outgoing, c.Outgoing) || len(out)+1 >= limit || maxText > 0 && size+len(c.Text) > maxText || c.NotBefore.After(now) {
			break // the chat's order holds: nothing after an item that cannot join goes along
		}
		if d.stillOurs(ctx, c.ID) != claimOurs {
			break
		}
		out = append(out, c)
		size += len(c.Text)
	}
	return out
}

// briefed: o may be listed with first by its Brief.
func briefed(first, o Outgoing) bool {
	return o.Brief != "" && o.Kind == OutMessage && o.EditID == "" && o.ThreadID == first.ThreadID
}

func combinable(first, o Outgoing) bool {
	return o.Combine && o.Kind == OutMessage && first.Kind == OutMessage && o.EditID == "" && first.EditID == "" &&
		len(o.Buttons) == 0 && len(first.Buttons) == 0 && o.ThreadID == first.ThreadID
}

// park makes it, the first item of its chat to go, wait d without holding a worker; the
// chat's later items wait behind it. False at shutdown (the item stays in the outbox).
func (d *dispatcher) park(chat string, it StoredOutgoing, wait time.Duration) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx.Err() != nil {
		return false
	}
	p := d.parked[chat]
	if p == nil {
		p = &parkedChat{}
		d.parked[chat] = p
	}
	p.head = 0
	if !it.FailingSince.IsZero() && (p.since.IsZero() || it.FailingSince.Before(p.since)) {
		p.since = it.FailingSince
	}
	p.items = insertItem(p.items, it)
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(max(wait, 0), func() { d.release(chat) })
	d.parkChanged()
	return true
}

// recovered notes a delivery to a parked chat: its next items count their horizon afresh.
func (d *dispatcher) recovered(chat string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p := d.parked[chat]; p != nil {
		p.since = time.Time{}
	}
}

// parkBehind parks it behind its chat's waiting items, if any (false: the chat does not
// wait, or it is the item released to go first).
func (d *dispatcher) parkBehind(chat string, it StoredOutgoing) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.parked[chat]
	if p == nil || p.head == it.ID {
		return false
	}
	p.items = insertItem(p.items, it)
	return true
}

func insertItem(items []StoredOutgoing, it StoredOutgoing) []StoredOutgoing {
	i := sort.Search(len(items), func(i int) bool { return items[i].ID >= it.ID })
	if i < len(items) && items[i].ID == it.ID {
		items[i] = it
		return items
	}
	return slices.Insert(items, i, it)
}

// release queues a parked chat's first item when its wait is over.
func (d *dispatcher) release(chat string) {
	d.mu.Lock()
	p := d.parked[chat]
	var next *StoredOutgoing
	if p != nil && p.head == 0 {
		p.timer = nil
		next = d.next(chat, p)
	}
	d.mu.Unlock()
	d.queueNext(chat, next)
}

// advance queues a parked chat's next item once the one released before it is finished
// (delivered, given up, held), one at a time so that the chat's order holds.
func (d *dispatcher) advance(chat string, id int64) {
	d.mu.Lock()
	p := d.parked[chat]
	var next *StoredOutgoing
	if p != nil && p.head == id {
		next = d.next(chat, p)
	}
	d.mu.Unlock()
	d.queueNext(chat, next)
}

// next takes a parked chat's first item to go (with d.mu held); nil when none is left, and
// the chat no longer waits.
func (d *dispatcher) next(chat string, p *parkedChat) *StoredOutgoing {
	defer d.parkChanged()
	for len(p.items) > 0 && d.ctx.Err() == nil {
		it := p.items[0]
		p.items = p.items[1:]
		if _, done := d.settled[it.ID]; done {
			delete(d.inflight, it.ID)
			continue
		}
		p.head = it.ID
		it.NotBefore = time.Time{} // the chat has waited
		if it.FailingSince.IsZero() {
			it.FailingSince = p.since
		}
		return &it
	}
	for _, it := range p.items { // shutting down: they stay in the outbox
		delete(d.inflight, it.ID)
	}
	delete(d.parked, chat)
	return nil
}

func (d *dispatcher) queueNext(chat string, it *StoredOutgoing) {
	if it != nil && !d.queue.Submit(context.Background(), chat, *it) {
		d.mu.Lock()
		delete(d.inflight, it.ID)
		if p := d.parked[chat]; p != nil && p.head == it.ID {
			d.next(chat, p) // closed: the rest stays in the outbox too
		}
		d.mu.Unlock()
	}
}

// parkChanged wakes those waiting for parked chats to change (with d.mu held).
func (d *dispatcher) parkChanged() {
	close(d.parkTick)
	d.parkTick = make(chan struct{})
}

// idle waits until nothing is queued, being delivered or parked for a retry, or ctx ends.
func (d *dispatcher) idle(ctx context.Context) bool {
	for {
		if !d.queue.Idle(ctx) {
			return false
		}
		d.mu.Lock()
		n, tick := len(d.parked), d.parkTick
		d.mu.Unlock()
		if n == 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick:
		}
	}
}

func (d *dispatcher) fail(it StoredOutgoing, err error, permanent bool, retryAt time.Time) {
	if permanent {
		d.logger.Error("Failed to deliver a message; giving up", "chat", it.Chat, "outbox", it.ID, "reason", DeliveryReason(err), "err", err)
		d.metrics.observeGivenUp(it.Chat.Channel, DeliveryReason(err))
	} else {
		d.logger.Warn("Failed to deliver a message; retrying", "chat", it.Chat, "outbox", it.ID, "attempt", it.Attempts, "retry_at", retryAt, "err", err)
	}
	if serr := d.store.MarkFailed(context.Background(), it.ID, err.Error(), permanent, retryAt); serr != nil {
		d.logger.Error("Failed to record a failed delivery", "outbox", it.ID, "err", serr)
	}
	if permanent {
		d.settle(it.ID)
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
	// Parked chats stop waiting: their items stay in the outbox, with their back-off.
	d.mu.Lock()
	for chat, p := range d.parked {
		if p.timer != nil {
			p.timer.Stop()
		}
		for _, it := range p.items {
			delete(d.inflight, it.ID)
		}
		delete(d.parked, chat)
	}
	d.parkChanged()
	d.mu.Unlock()
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
