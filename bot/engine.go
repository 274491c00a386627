package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/workhours"
)

// Knowledge answers questions from the corpus; *knowledge.Index is one.
type Knowledge interface {
	Ask(ctx context.Context, text string, opts ...knowledge.AskOption) (*knowledge.Result, error)
	Corpus() *faq.Corpus
}

// Config configures an Engine.
type Config struct {
	Store     Store
	Knowledge Knowledge
	// Escalator hands conversations to officers; default: a LogEscalator.
	Escalator Escalator
	Messages  *Messages
	// Calendar is the officers' working time; default workhours.Default().
	Calendar *workhours.Calendar
	// SLA is the officers' promised reply time in working hours (default 4h).
	SLA time.Duration
	// Workers is how many conversations are handled at once (default 8); SendWorkers how
	// many deliveries run at once (default 16).
	Workers, SendWorkers int
	// OnDeliveryFailed is told about deliveries given up for good (the desk shows them on the
	// ticket's card).
	OnDeliveryFailed func(ctx context.Context, item StoredOutgoing, err error)
	// DeliveryHorizon is how long a delivery that keeps failing transiently (the channel
	// down, 5xx, timeouts) is retried before it is given up (default DefaultDeliveryHorizon),
	// by Balai's clock; DeliveryBackoff the first wait, doubling up to MaxDeliveryBackoff
	// (defaults DefaultDeliveryBackoff, DefaultMaxDeliveryBackoff). Permanent failures end
	// at once; held items (WhatsApp's window) wait for the citizen whatever the horizon.
	DeliveryHorizon, DeliveryBackoff, MaxDeliveryBackoff time.Duration
	// OnDeliveryHeld is told about deliveries held until the citizen writes again.
	OnDeliveryHeld func(ctx context.Context, item StoredOutgoing, err error)
	// OnParked is told about each message parked as a dead letter.
	OnParked func(ctx context.Context, d DeadLetter)
	// MaxTries is how often a message whose handling fails is tried before it is parked as
	// a dead letter (default DefaultMaxTries); a permanent failure parks it at once.
	// RetryBackoff is the wait before the second try, doubling for each further try up to a
	// minute (default DefaultRetryBackoff). No worker waits meanwhile.
	MaxTries     int
	RetryBackoff time.Duration
	// IntakeLimit is how many accepted messages may wait for a worker (default 10000);
	// IntakeWait how long Accept waits for room before it gives up with ErrBusy (default
	// 2s), so that channels answer "try again later" instead of hanging.
	IntakeLimit int
	IntakeWait  time.Duration
	// Flood limits one chat to FloodMessages messages per FloodWindow; 0 disables it. Only
	// messages new to the store count: retries and redeliveries never do.
	FloodMessages int
	FloodWindow   time.Duration
	Logger        *slog.Logger
	Metrics       *Metrics
	Now           func() time.Time
}

// Engine is the conversation engine. Create it with New, add senders, Start it, feed it with
// Accept, and Close it to shut down gracefully.
type Engine struct {
	cfg      Config
	log      *slog.Logger
	msgs     *Messages
	queue    *serialQueue[queued]
	dispatch *dispatcher
	flood    *floodGuard
	now      func() time.Time

	// Set up before Start by AddSender and AddHandler.
	senders   map[balai.Channel]Sender
	limits    map[balai.Channel]Limits
	noButtons map[balai.Channel]bool // options become numbered lists
	handlers  []ChatHandler          // take over some chats (the officers' chat), in order

	// ctx ends when Close stops waiting for accepted messages: those not handled by then
	// stay pending for the next start.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	started  bool
	closing  bool
	inflight map[int64]balai.ChatRef // inbound messages queued, handled, deferred or waiting for a retry here
	// open holds the ids in inflight by chat; deferred the messages a worker put aside
	// because an earlier message of their chat was unfinished (see handle).
	open     map[balai.ChatRef][]int64
	deferred map[balai.ChatRef][]queued
	// finished numbers the messages this process finished lately (handled, parked or
	// dropped) in the order they finished, up to finishedSeq: a claim listed before one
	// finished is not taken up again (see stale).
	finished    map[int64]uint64
	finishedSeq uint64
	// retrying counts messages waiting for a retry; retryGen changes whenever a retry is
	// scheduled or queued, and retryTick is closed (and replaced) when one is queued.
	retrying  int
	retryGen  uint64
	retryTick chan struct{}
	stopSync  context.CancelFunc
	synced    chan struct{} // closed when the resync loop has stopped
	wake      chan struct{} // Wake's signal to the resync loop (one pending at most)
}

// New builds an engine; it does nothing until Start.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Knowledge == nil || cfg.Messages == nil {
		return nil, errors.New("bot: Store, Knowledge and Messages are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Calendar == nil {
		cfg.Calendar = workhours.Default()
	}
	if cfg.SLA <= 0 {
		cfg.SLA = 4 * time.Hour
	}
	if cfg.Escalator == nil {
		cfg.Escalator = &LogEscalator{Calendar: cfg.Calendar, SLA: cfg.SLA, Logger: cfg.Logger}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.SendWorkers <= 0 {
		cfg.SendWorkers = 16
	}
	if cfg.MaxTries <= 0 {
		cfg.MaxTries = DefaultMaxTries
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.IntakeLimit <= 0 {
		cfg.IntakeLimit = 10000
	}
	if cfg.IntakeWait <= 0 {
		cfg.IntakeWait = 2 * time.Second
	}
	for _, lang := range []string{LangID, LangEN} {
		if cfg.Messages.Hours[lang] == "" {
			cfg.Messages.Hours[lang] = cfg.Calendar.Summary(lang)
		}
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, msgs: cfg.Messages, now: cfg.Now, inflight: map[int64]balai.ChatRef{}, retryTick: make(chan struct{}),
		senders: map[balai.Channel]Sender{}, limits: map[balai.Channel]Limits{}, noButtons: map[balai.Channel]bool{}}
	e.wake = make(chan struct{}, 1)
	e.open, e.deferred, e.finished = map[balai.ChatRef][]int64{}, map[balai.ChatRef][]queued{}, map[int64]uint64{}
	e.flood = newFloodGuard(cfg.FloodMessages, cfg.FloodWindow)
	e.flood.shared, e.flood.logger = sharedLimits(cfg.Store), cfg.Logger
	return e, nil
}

// AddSender registers the sender of a channel, with its limits and whether it shows
// buttons (without them, options become numbered lists). Call it before Start.
func (e *Engine) AddSender(ch balai.Channel, s Sender, l Limits, buttons bool) {
	e.senders[ch] = s
	e.limits[ch] = l
	e.noButtons[ch] = !buttons
}

// Start recovers work left by an earlier run — accepted messages not yet answered, replies
// not yet delivered — and starts handling and delivering.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return errors.New("bot: engine already started")
	}
	e.started = true
	e.mu.Unlock()
	e.dispatch = newDispatcher(e.cfg.Store, e.senders, e.limits, e.cfg.SendWorkers, e.log, e.cfg.Metrics)
	e.dispatch.now = e.now
	e.dispatch.onFailed = e.cfg.OnDeliveryFailed
	e.dispatch.onHeld = e.cfg.OnDeliveryHeld
	e.configureDelivery()
	e.ctx, e.cancel = context.WithCancel(context.Background())
	syncCtx, stopSync := context.WithCancel(e.ctx)
	e.stopSync = stopSync
	e.queue = newSerialQueue(e.cfg.Workers, e.cfg.IntakeLimit, e.handle)
	n, m, err := e.recover(ctx)
	if err != nil {
		return err
	}
	if n+m > 0 {
		e.log.Info("Recovered work from an earlier run", "messages", n, "replies", m)
	}
	// Claims last ClaimTTL: they are renewed every third of it while this process runs,
	// and work whose claim lapsed (a replica that died) is looked for at least twice per
	// ClaimTTL, so it moves within about one and a half of it.
	ttl := e.cfg.Store.ClaimTTL()
	every := ResyncInterval
	if ttl > 0 {
		every = min(every, ttl/2)
	}
	e.synced = make(chan struct{})
	go func() {
		defer close(e.synced)
		if r, ok := e.cfg.Store.(ClaimRenewer); ok && ttl > 0 {
			go e.renew(syncCtx, r, ttl/3)
		}
		e.resync(syncCtx, every)
	}()
	return nil
}

// ClaimRenewer is implemented by stores that can extend all of this process's claims at
// once; the engine renews them every third of the claims' time, so they stay short and a
// dead process's work moves soon.
type ClaimRenewer interface {
	RenewClaims(ctx context.Context) error
}

// ChatClaimer is implemented by stores that keep a chat's unhandled messages with one
// process at a time (see Inbound.Elsewhere): ClaimChat claims a chat's unhandled messages
// unless another live process holds the chat, oldest first.
type ChatClaimer interface {
	ClaimChat(ctx context.Context, chat balai.ChatRef) ([]StoredInbound, error)
}

func (e *Engine) renew(ctx context.Context, r ClaimRenewer, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := r.RenewClaims(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("Failed to renew claims; other processes may take this one's work when they lapse", "err", err)
		}
	}
}

// TypingAfter is how long a message may take before the citizen sees a typing indicator.
var TypingAfter = 700 * time.Millisecond

// ResyncInterval is how often the engine looks for work another process left behind (a
// replica that died) or queued (a reply committed by another replica's desk).
var ResyncInterval = 15 * time.Second

// WakeDebounce is how long the engine waits after a Wake before it catches up, so that a
// burst of wake-ups costs one catch-up.
var WakeDebounce = 50 * time.Millisecond

// Wake makes the engine catch up with pending work at once (after WakeDebounce) instead of
// at its next periodic resync: another replica has committed work for this one (see
// store.DB.Listen). It never blocks; wake-ups that arrive while one is pending coalesce.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *Engine) resync(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.wake:
			// Coalesce the burst this wake-up belongs to (network time, like the ticker).
			select {
			case <-ctx.Done():
				return
			case <-time.After(WakeDebounce):
			}
			select {
			case <-e.wake:
			default:
			}
		}
		if n, m, err := e.recover(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("Failed to look for pending work", "err", err)
		} else if n+m > 0 {
			e.log.Info("Took over pending work", "messages", n, "replies", m)
		}
	}
}

// recover claims unhandled messages and undelivered replies and queues those not already
// queued here. It returns how many were new to this process.
func (e *Engine) recover(ctx context.Context) (int, int, error) {
	unsent, err := e.cfg.Store.Unsent(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("bot: recover outbox: %w", err)
	}
	replies := e.dispatch.resubmit(unsent...)
	mark := e.finishMark()
	pending, err := e.cfg.Store.Pending(ctx)
	if err != nil {
		return 0, replies, fmt.Errorf("bot: recover inbox: %w", err)
	}
	msgs := 0
	for _, in := range pending {
		if !e.stale(in.ID, mark) && e.enqueue(ctx, in) {
			msgs++
		}
	}
	return msgs, replies, nil
}

// track records that this process has taken up in; false when it already had.
func (e *Engine) track(in StoredInbound) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.inflight[in.ID]; ok {
		return false
	}
	e.inflight[in.ID] = in.Chat
	e.open[in.Chat] = append(e.open[in.Chat], in.ID)
	return true
}

// enqueue queues an accepted message for handling unless it already is. A message taken
// over while it waits for its retry back-off is queued when the back-off ends.
func (e *Engine) enqueue(ctx context.Context, in StoredInbound) bool {
	if !e.track(in) {
		return false
	}
	// Messages accepted before Accept sanitised them (a NUL that PostgreSQL refuses) are
	// cleaned when they are taken up again.
	in.Inbound = sanitize(in.Inbound)
	if wait := in.NotBefore.Sub(e.now()); wait > 0 {
		e.later(queued{StoredInbound: in}, wait)
		return true
	}
	if e.queue.Submit(ctx, in.Chat.String(), queued{StoredInbound: in}) {
		return true
	}
	// Not queued (no room in time, or closing): the message stays pending, and the resync
	// loop or the next start queues it.
	e.untrack(in.ID)
	return false
}

// requeue is enqueue without waiting for room, for a worker (which must not wait for the
// room it makes itself).
func (e *Engine) requeue(in queued) {
	if !e.track(in.StoredInbound) {
		return
	}
	in.Inbound = sanitize(in.Inbound)
	if wait := in.NotBefore.Sub(e.now()); wait > 0 {
		e.later(in, wait)
		return
	}
	e.queue.Requeue(in.Chat.String(), in)
}

// Accept records messages durably and queues the new ones for handling. Adapters confirm
// messages to their channel only after Accept returns without error. fresh[i] is false for
// a message accepted before (a redelivery), which is not handled again.
func (e *Engine) Accept(ctx context.Context, in ...Inbound) (fresh []bool, err error) {
	e.mu.Lock()
	closing := e.closing
	e.mu.Unlock()
	if closing {
		return nil, ErrClosing
	}
	// Back-pressure: with the intake queue full, refuse before recording anything, within
	// IntakeWait, so that the channel answers "busy" (webhooks: the platform retries).
	if e.queue != nil {
		wctx, cancel := context.WithTimeout(ctx, e.cfg.IntakeWait)
		room := e.queue.Room(wctx)
		cancel()
		if !room {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("bot: accept: %w", err)
			}
			return nil, ErrBusy
		}
	}
	// Every window is judged by Balai's clock, never by the platform's (see package clock).
	// Text is sanitised here, at the edge every channel goes through, before anything
	// reaches the store.
	now := e.now()
	for i := range in {
		in[i] = sanitize(in[i])
		in[i].Time = now
	}
	stored, fresh, err := e.cfg.Store.Accept(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("bot: accept: %w", err)
	}
	released := map[balai.ChatRef]bool{}
	behind := map[balai.ChatRef]bool{}
	for i, s := range stored {
		if !fresh[i] {
			continue
		}
		e.cfg.Metrics.observeInbound(s.Chat.Channel, s.Kind)
		// Only a message new to the store counts toward the flood limit, once: neither
		// redeliveries nor retries of a failed turn do.
		// On a store shared by replicas the verdict is given when the message is handled.
		q := queued{StoredInbound: s}
		if !s.Group && !e.owned(s.Inbound) && e.flood.shared == nil {
			q.flood = e.flood.check(s.Chat.String(), s.Time)
		}
		// The citizen wrote: replies held for them (WhatsApp's 24-hour window) can go now,
		// before whatever the new message brings.
		if _, holds := e.senders[s.Chat.Channel].(Holder); holds && !released[s.Chat] {
			released[s.Chat] = true
			if held, err := e.cfg.Store.ReleaseHeld(ctx, s.Chat); err != nil {
				e.log.Error("Failed to release held replies", "chat", s.Chat, "err", err)
			} else {
				e.dispatch.submit(held...)
			}
		}
		if s.Elsewhere || s.Behind {
			// Earlier messages of the chat are unfinished. Another process's: their holder
			// handles this one after them. This process's: they are taken up here in order
			// (ClaimChat returns them and this one, oldest first) before this one.
			behind[s.Chat] = true
			continue
		}
		// Room was there a moment ago; should another producer have taken it meanwhile,
		// the queue goes a little over its bound rather than leave an earlier message of
		// the chat behind a later one.
		e.requeue(q)
	}
	// A chat whose holder gave it up (a clean stop) or died is taken here at once, with
	// its earlier messages, in order; one another process holds stays there.
	if c, ok := e.cfg.Store.(ChatClaimer); ok {
		for chat := range behind {
			e.claimChat(ctx, c, chat)
		}
	} else {
		for i, s := range stored {
			if fresh[i] && !s.Elsewhere && behind[s.Chat] {
				e.requeue(queued{StoredInbound: s})
			}
		}
	}
	return fresh, nil
}

// claimChat claims and queues a chat's unhandled messages unless another process holds it.
func (e *Engine) claimChat(ctx context.Context, c ChatClaimer, chat balai.ChatRef) {
	mark := e.finishMark()
	msgs, err := c.ClaimChat(ctx, chat)
	if err != nil {
		// Left for the resync loop.
		e.log.Warn("Failed to claim a chat's messages", "chat", chat, "err", err)
		return
	}
	for _, m := range msgs {
		if !e.stale(m.ID, mark) {
			e.requeue(queued{StoredInbound: m})
		}
	}
}

// finishMark is the count of finished messages, before a claim query.
func (e *Engine) finishMark() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.finishedSeq
}

// stale reports whether message id, listed by a claim query started at mark, was finished
// here since: the list was read before the finish was committed. Taking it up again would
// only run its turn for nothing (the commit would find it handled).
func (e *Engine) stale(id int64, mark uint64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	seq, ok := e.finished[id]
	return ok && seq > mark
}

// ChatHandler takes over chats from the conversation engine: the desk handles the
// officers' chat this way, with the same durable intake, ordering and outbox.
type ChatHandler interface {
	// Owns reports whether the handler takes this message.
	Owns(in Inbound) bool
	// Turn decides what to do with a message; the engine commits the turn.
	Turn(ctx context.Context, in StoredInbound) (Turn, error)
}

// Holder is implemented by senders that may return HoldError; the engine then releases a
// chat's held replies whenever the chat writes.
type Holder interface {
	Holds()
}

// Splitter is implemented by senders whose channel limits message length: the engine
// queues each part as its own outbox item, so a retry never repeats a part already sent.
type Splitter interface {
	Split(o Outgoing) []Outgoing
}

// OnDeliveryFailed sets the hook told about deliveries given up for good. Call it before Start.
func (e *Engine) OnDeliveryFailed(f func(ctx context.Context, item StoredOutgoing, err error)) {
	e.cfg.OnDeliveryFailed = f
}

// OnDeliveryHeld sets the hook told about deliveries held until the citizen writes again.
// Call it before Start.
func (e *Engine) OnDeliveryHeld(f func(ctx context.Context, item StoredOutgoing, err error)) {
	e.cfg.OnDeliveryHeld = f
}

// AddHandler registers a chat handler. Call it before Start.
func (e *Engine) AddHandler(h ChatHandler) { e.handlers = append(e.handlers, h) }

// split breaks outgoing messages into parts their channel can take.
func (e *Engine) split(out []Outgoing) []Outgoing {
	var res []Outgoing
	for _, o := range out {
		if sp, ok := e.senders[o.Chat.Channel].(Splitter); ok && o.Kind == OutMessage {
			res = append(res, sp.Split(o)...)
			continue
		}
		res = append(res, o)
	}
	return res
}

// ErrClosing is returned by Accept while the engine shuts down; the channel keeps the
// message and delivers it again after the restart.
var ErrClosing = errors.New("bot: engine is shutting down")

// ErrBusy is returned by Accept when the intake queue stays full for Config.IntakeWait:
// nothing was recorded, and the channel should ask to be retried later (HTTP 503 with
// Retry-After).
var ErrBusy = errors.New("bot: intake queue is full")

// Deliver queues messages to citizens outside a conversation turn (officers' replies).
func (e *Engine) Deliver(ctx context.Context, out ...Outgoing) error {
	stored, err := e.cfg.Store.Enqueue(ctx, e.split(out))
	if err != nil {
		return fmt.Errorf("bot: deliver: %w", err)
	}
	e.dispatch.submit(stored...)
	return nil
}

// Submit queues outbox items some other component already committed (the desk commits an
// officer's reply and its outbox item in one transaction).
func (e *Engine) Submit(items ...StoredOutgoing) { e.dispatch.submit(items...) }

// Close stops accepting, finishes handling the messages already accepted, and delivers
// replies until ctx ends; what is left stays stored for the next start.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closing = true
	started := e.started
	e.mu.Unlock()
	if !started {
		return nil
	}
	e.stopSync()
	if e.synced != nil { // nil when Start failed before starting the loop
		<-e.synced
	}
	e.queue.Idle(ctx)
	e.cancel() // what is still queued stays pending for the next start
	e.queue.Close()
	e.dispatch.drain(ctx)
	if err := ctx.Err(); err != nil {
		return err // something may still be in flight: its claims lapse on their own
	}
	// Stopped cleanly: what is left (paced backlogs) is not ours any more.
	if r, ok := e.cfg.Store.(ClaimReleaser); ok {
		if err := r.ReleaseClaims(context.Background()); err != nil {
			e.log.Warn("Failed to release claims; other processes take the work when they lapse", "err", err)
		}
	}
	return nil
}

// ClaimReleaser is implemented by stores that can give up this process's claims at once:
// after a clean stop, another process (a replica, or this one restarted under its new name)
// takes the work without waiting for the claims to lapse.
type ClaimReleaser interface {
	ReleaseClaims(ctx context.Context) error
}

// route hands a message to the handler that owns its chat, or to the conversation.
func (e *Engine) route(ctx context.Context, in queued) (Turn, bool, error) {
	for _, h := range e.handlers {
		if h.Owns(in.Inbound) {
			t, err := h.Turn(ctx, in.StoredInbound)
			t.Inbound = in.StoredInbound
			if errors.Is(err, ErrInvalidInput) {
				// A forged button: acknowledged, logged and not retried.
				e.log.Warn("Rejected invalid input", "chat", in.Chat, "inbound", in.ID, "err", maskError(err))
				return Turn{Inbound: in.StoredInbound, State: t.State, Out: callbacks(t.Out), Log: LogEntry{Decision: "invalid", Reason: string(in.Kind)}}, false, nil
			}
			return t, false, err
		}
	}
	if in.Group {
		// The account was added to some group: citizens write privately.
		return Turn{Inbound: in.StoredInbound, Log: LogEntry{Decision: "ignored", Reason: "group"}}, false, nil
	}
	return e.turn(ctx, in.StoredInbound, in.flood)
}

// Idle waits until every accepted message is handled and every reply delivered (tests).
func (e *Engine) Idle(ctx context.Context) bool {
	return e.idleRetries(ctx) && e.dispatch.idle(ctx)
}

// owned reports whether a chat handler (the desk) takes the message.
func (e *Engine) owned(in Inbound) bool {
	for _, h := range e.handlers {
		if h.Owns(in) {
			return true
		}
	}
	return false
}

// callbacks keeps the acknowledgements of pressed buttons among out.
func callbacks(out []Outgoing) []Outgoing {
	var res []Outgoing
	for _, o := range out {
		if o.Kind == OutCallback {
			res = append(res, o)
		}
	}
	return res
}

// handle runs one message through the conversation and commits the turn. A failure is
// recorded and retried later, off the queue (see failed): the worker moves on at once.
func (e *Engine) handle(_ string, in queued) {
	if e.ctx.Err() != nil {
		e.forget(in.ID)
		return // Close stopped waiting: the message stays pending for the next start
	}
	if e.deferBehindEarlier(in) {
		return
	}
	start := e.now()
	// Show "typing…" when a message takes more than a moment (an escalation that waits on
	// the database, a slow store): the citizen sees the bot is on it.
	if typer, ok := e.senders[in.Chat.Channel].(Typer); ok && !in.Group {
		t := time.AfterFunc(TypingAfter, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			typer.Typing(ctx, in.Chat)
		})
		defer t.Stop()
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	if e.flood.shared != nil && !in.Group && !e.owned(in.Inbound) {
		in.flood = e.flood.judge(ctx, in.StoredInbound)
	}
	t, scored, err := e.route(ctx, in)
	var items []StoredOutgoing
	if err == nil {
		t.Out = e.split(t.Out)
		items, err = e.cfg.Store.Commit(ctx, t)
	}
	cancel()
	if err == nil {
		e.forget(in.ID)
		e.cfg.Metrics.observeTurn(in.Chat.Channel, t.Log, e.now().Sub(start), scored)
		e.dispatch.submit(items...)
		return
	}
	if e.ctx.Err() != nil {
		e.forget(in.ID)
		return // Close stopped waiting: the message stays pending for the next start
	}
	e.failed(in, err)
}
