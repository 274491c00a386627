package bot

import (
	"context"
	"errors"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/redact"
)

// ErrInvalidInput marks a message that can never be handled because what it carries is not
// valid: a forged or stale button (a rating for another chat's ticket, "r:x:1"). The turn
// is not retried: the engine answers the citizen with a short polite message and records
// the message as handled (decision "invalid"). Wrap it: fmt.Errorf("…: %w", ErrInvalidInput).
var ErrInvalidInput = errors.New("invalid input")

// IsPermanent reports whether err is a failure retrying cannot help: invalid input, or a
// *PermanentError (the store refused the data itself, a delivery to a chat that does not
// exist). Every other error is taken as transient (a busy store, a timeout).
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.Is(err, ErrInvalidInput) || errors.As(err, &p)
}

// Default bounds of retrying a message whose handling fails.
const (
	DefaultMaxTries     = 5
	DefaultRetryBackoff = time.Second
	maxRetryBackoff     = time.Minute
)

// retryDelay is the wait before try attempt+1 after attempt failed: the back-off doubles
// from base, up to maxRetryBackoff.
func retryDelay(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

// failed records a failed attempt at handling in. A permanent failure, or the last of the
// tries, parks the message as a dead letter; otherwise it is retried after a back-off. The
// worker is released at once either way: the retry waits on a timer, outside the queue, so
// the chat's later messages and other chats go on.
func (e *Engine) failed(in queued, err error) {
	attempt := in.Attempts + 1
	permanent := IsPermanent(err)
	delay := retryDelay(e.cfg.RetryBackoff, attempt)
	f := Failure{Inbound: in.StoredInbound, Error: maskError(err), Permanent: permanent, RetryAt: e.now().Add(delay), MaxTries: e.cfg.MaxTries}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	parked, serr := e.cfg.Store.Fail(ctx, f)
	switch {
	case serr != nil && (permanent || attempt >= e.cfg.MaxTries):
		// Nothing could be recorded: the message stays pending in the store, and a resync
		// takes it again when its claim lapses.
		e.log.Error("Failed to handle a message and to record the failure; it stays pending", "chat", in.Chat, "inbound", in.ID, "err", err, "record_err", serr)
		e.forget(in.ID)
		return
	case serr != nil:
		e.log.Error("Failed to record a failed message; retrying", "chat", in.Chat, "inbound", in.ID, "err", err, "record_err", serr)
	case parked:
		e.log.Error("Failed to handle a message; parked as a dead letter", "chat", in.Chat, "inbound", in.ID,
			"attempts", attempt, "permanent", permanent, "err", f.Error)
		e.forget(in.ID)
		if e.cfg.OnParked != nil {
			e.cfg.OnParked(ctx, DeadLetter{ID: in.ID, Chat: in.Chat, Kind: in.Kind, Error: f.Error,
				Permanent: permanent, Attempts: attempt, ReceivedAt: in.Time, ParkedAt: e.now()})
		}
		return
	default:
		e.log.Warn("Failed to handle a message; retrying", "chat", in.Chat, "inbound", in.ID, "attempt", attempt, "retry_in", delay, "err", f.Error)
	}
	in.Attempts = attempt
	e.later(in, delay)
}

// later queues in again after d, without holding a worker meanwhile.
func (e *Engine) later(in queued, d time.Duration) {
	e.mu.Lock()
	e.retrying++
	e.retryGen++
	e.mu.Unlock()
	time.AfterFunc(d, func() {
		if e.ctx.Err() != nil || !e.queue.Submit(e.ctx, in.Chat.String(), in) {
			e.forget(in.ID) // shutting down: it stays pending for the next start
		}
		e.mu.Lock()
		e.retrying--
		e.retryGen++
		close(e.retryTick)
		e.retryTick = make(chan struct{})
		e.mu.Unlock()
	})
}

// idleRetries waits until no message waits for a retry and none is queued or handled, or
// ctx ends.
func (e *Engine) idleRetries(ctx context.Context) bool {
	for {
		e.mu.Lock()
		before := e.retryGen
		e.mu.Unlock()
		if !e.queue.Idle(ctx) {
			return false
		}
		e.mu.Lock()
		n, gen, tick := e.retrying, e.retryGen, e.retryTick
		e.mu.Unlock()
		if n == 0 && gen == before {
			return true
		}
		if n > 0 {
			select {
			case <-ctx.Done():
				return false
			case <-tick:
			}
		}
	}
}

// deferBehindEarlier puts in aside when an earlier message of its chat is unfinished here
// (queued, handled, or waiting for its retry back-off): a chat's messages are handled in
// the order they were accepted, and a message waiting for a retry keeps the ones after it
// waiting. The worker moves on; forget queues the message again when the earlier one ends.
func (e *Engine) deferBehindEarlier(in queued) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range e.open[in.Chat] {
		if id < in.ID {
			e.deferred[in.Chat] = append(e.deferred[in.Chat], in)
			return true
		}
	}
	return false
}

// keepFinished is how many finished messages the engine remembers (see Engine.stale): far
// more than finish while one claim query runs.
const keepFinished = 4096

// untrack drops a message from those this process has taken up, and returns its chat's
// messages put aside behind it, and whether the chat has none left here.
func (e *Engine) untrack(id int64) (chat balai.ChatRef, again []queued, done bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	chat, ok := e.inflight[id]
	if !ok {
		return chat, nil, false
	}
	delete(e.inflight, id)
	e.finishedSeq++
	e.finished[id] = e.finishedSeq
	if len(e.finished) > 2*keepFinished {
		for x, seq := range e.finished {
			if seq+keepFinished < e.finishedSeq {
				delete(e.finished, x)
			}
		}
	}
	ids := e.open[chat]
	for i, x := range ids {
		if x == id {
			ids = append(ids[:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(e.open, chat)
	} else {
		e.open[chat] = ids
	}
	again = e.deferred[chat]
	delete(e.deferred, chat)
	return chat, again, len(ids) == 0
}

// forget drops a message from those this process has queued or is handling, queues its
// chat's messages put aside behind it and, when the chat has nothing left here, claims what
// other processes accepted for the chat meanwhile (per-chat order across processes).
func (e *Engine) forget(id int64) {
	chat, again, done := e.untrack(id)
	if len(again) > 0 {
		e.queue.Requeue(chat.String(), again...)
	}
	if !done || e.ctx.Err() != nil {
		return
	}
	if c, ok := e.cfg.Store.(ChatClaimer); ok {
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		e.claimChat(ctx, c, chat)
	}
}

// maskError is an error's text as it is stored and logged: personal data masked, bounded.
func maskError(err error) string {
	s := redact.String(err.Error())
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500]) + "…"
	}
	return s
}

// OnParked sets the hook told about each message parked as a dead letter (serve tells the
// officers). Call it before Start.
func (e *Engine) OnParked(f func(ctx context.Context, d DeadLetter)) { e.cfg.OnParked = f }
