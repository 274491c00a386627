package meow

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	wastore "go.mau.fi/whatsmeow/store"

	"github.com/balai-id/balai/bot"
)

// session is one connection of the linked device.
type session struct {
	ctx      context.Context // cancelled when the session ends
	cli      client
	end      chan sessionEnd
	stopping atomic.Bool
	reads    chan readReceipt
}

// endKind is why a session ended.
type endKind int

const (
	endShutdown  endKind = iota // Run's context ended
	endLeaseLost                // another replica holds the lease, or it could not be renewed
	endFailed                   // connecting failed or WhatsApp refused: try again after a pause
	endLoggedOut                // the device was unlinked
	endReplaced                 // another process connected with the same session
	endBanned                   // temporary ban: wait, then connect again
	endOutdated                 // WhatsApp rejects this client version
)

type sessionEnd struct {
	kind endKind
	wait time.Duration // endBanned: how long the ban lasts
	err  error
}

// finish ends the session; the first reason wins.
func (s *session) finish(e sessionEnd) {
	s.stopping.Store(true)
	select {
	case s.end <- e:
	default:
	}
}

// Run connects to WhatsApp and receives messages until ctx ends. It connects only while
// this process holds the database lease "whatsapp"; without it it stands by and tries again
// every Config.Retry, so that of several replicas exactly one is connected. Without a linked
// device it waits for one (see Login). It gives the lease up when it returns.
//
// Run stops connecting for good — until the process restarts — when another process takes
// the session over (StateStreamReplaced: never fight over it) or WhatsApp rejects the client
// version (StateClientOutdated). It returns nil when ctx ends.
func (a *Adapter) Run(ctx context.Context) error {
	if a.accept == nil {
		return errors.New("whatsapp: Run needs an Acceptor")
	}
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("whatsapp: already running")
	}
	a.running = true
	a.runCtx = ctx
	a.mu.Unlock()
	held := false
	defer func() {
		if held {
			a.release()
		}
		a.mu.Lock()
		a.running = false
		a.runCtx = nil
		a.mu.Unlock()
		a.setState(StateStopped, "")
	}()
	standby, unpaired := false, false
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if a.pairingActive() {
			// The pairing holds the lease; once it linked a device it wakes us.
			a.sleep(ctx, a.cfg.Retry)
			continue
		}
		ok, err := a.cfg.Store.AcquireLease(ctx, LeaseName, a.cfg.LeaseTTL)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			a.log.Warn("Failed to take the WhatsApp lease; retrying", "err", err, "retry_in", a.cfg.Retry)
			a.setState(StateError, "database unavailable: cannot take the WhatsApp lease")
			bot.Sleep(ctx, a.cfg.Retry)
			continue
		}
		held = ok
		if !ok {
			if !standby {
				a.log.Info("Another replica holds the WhatsApp session; standing by", "lease", LeaseName)
				standby = true
			}
			a.setState(StateStandby, "another replica holds the WhatsApp session")
			bot.Sleep(ctx, a.cfg.Retry)
			continue
		}
		if standby {
			a.log.Info("Took the WhatsApp session lease over")
			standby = false
		}
		dev, err := a.device(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			a.log.Error("Failed to open the WhatsApp device store; retrying", "err", err, "retry_in", a.cfg.Retry)
			a.setState(StateError, "device store unavailable")
			a.releaseUnlessPairing()
			held = false
			bot.Sleep(ctx, a.cfg.Retry)
			continue
		}
		if dev.ID == nil {
			// Nothing to connect: leave the lease free for a process that links a device
			// (unless a pairing of ours took it meanwhile).
			held = false
			if !a.releaseUnlessPairing() {
				continue
			}
			if !unpaired {
				a.log.Warn("No WhatsApp device is linked; waiting for one (link one on the console's WhatsApp page or run: balai whatsapp login)")
				unpaired = true
			}
			if st, _ := a.State(); st != StateLoggedOut && st != StateNotPaired {
				a.setState(StateNotPaired, "no WhatsApp device is linked: link one on the console's WhatsApp page or run `balai whatsapp login`")
			}
			a.sleep(ctx, a.cfg.Retry)
			continue
		}
		unpaired = false
		jid := *dev.ID // whatsmeow clears dev.ID when it deletes an unlinked device
		end := a.runSession(ctx, dev)
		switch end.kind {
		case endShutdown:
			return nil
		case endLeaseLost:
			// Renewal said another process holds it, or could not say: either way not ours.
			held = false
			a.setState(StateStandby, "lost the WhatsApp session lease")
			bot.Sleep(ctx, a.cfg.Retry)
		case endFailed:
			backoff = min(max(2*backoff, 5*time.Second), 5*time.Minute)
			a.log.Warn("Failed to connect to WhatsApp; retrying", "err", end.err, "retry_in", backoff)
			a.setState(StateDisconnected, fmt.Sprintf("cannot connect to WhatsApp, retrying in %s", backoff))
			if !a.waitHolding(ctx, backoff) {
				held = false
			}
			continue
		case endLoggedOut:
			dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := a.deleteDevice(dctx, jid); err != nil {
				a.log.Error("Failed to delete the unlinked WhatsApp device", "err", err)
			}
			cancel()
			a.release()
			held = false
		case endBanned:
			if !a.waitHolding(ctx, end.wait) {
				held = false
			}
		case endReplaced, endOutdated:
			a.release()
			held = false
			<-ctx.Done()
			return nil
		}
		backoff = 0
	}
	return nil
}

// runSession connects the device and keeps the lease until the session ends.
func (a *Adapter) runSession(ctx context.Context, dev *wastore.Device) sessionEnd {
	sctx, cancel := context.WithCancel(ctx)
	s := &session{ctx: sctx, end: make(chan sessionEnd, 1), reads: make(chan readReceipt, 256)}
	s.cli = a.newClient(dev, NewLogger(a.log).Sub("Client"))
	id := s.cli.AddEventHandlerWithSuccessStatus(func(evt any) bool { return a.handle(s, evt) })
	a.mu.Lock()
	a.cur = s
	if dev.ID != nil {
		a.jid = dev.ID.User
	}
	a.mu.Unlock()
	defer func() {
		s.stopping.Store(true)
		cancel() // first: a handler waiting on the database gives up
		a.mu.Lock()
		if a.cur == s {
			a.cur = nil
			a.jid = ""
		}
		a.mu.Unlock()
		s.cli.Disconnect()
		s.cli.RemoveEventHandler(id)
	}()
	go a.markReads(s)
	a.setState(StateConnecting, "")
	if err := s.cli.Connect(); err != nil {
		return sessionEnd{kind: endFailed, err: err}
	}
	t := time.NewTicker(a.cfg.LeaseTTL / 3)
	defer t.Stop()
	renewed := a.now()
	for {
		select {
		case <-ctx.Done():
			return sessionEnd{kind: endShutdown}
		case e := <-s.end:
			return e
		case <-t.C:
			if !a.renew(ctx, &renewed) {
				return sessionEnd{kind: endLeaseLost}
			}
		}
	}
}

// renew extends the lease. It reports false when the lease is no longer surely ours:
// another process holds it, or the database has not answered for two thirds of its time.
func (a *Adapter) renew(ctx context.Context, last *time.Time) bool {
	ok, err := a.cfg.Store.AcquireLease(ctx, LeaseName, a.cfg.LeaseTTL)
	switch {
	case ctx.Err() != nil:
		return true // shutting down: the caller sees ctx end
	case err == nil && ok:
		*last = a.now()
		return true
	case err == nil:
		a.log.Error("Lost the WhatsApp session lease to another replica; disconnecting")
		return false
	}
	if a.now().Sub(*last) < a.cfg.LeaseTTL-a.cfg.LeaseTTL/3 {
		a.log.Warn("Failed to renew the WhatsApp session lease; retrying", "err", err)
		return true
	}
	a.log.Error("Failed to renew the WhatsApp session lease before it ran out; disconnecting", "err", err)
	return false
}

// waitHolding waits for d (or until ctx ends) while renewing the lease; false means it was lost.
func (a *Adapter) waitHolding(ctx context.Context, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	t := time.NewTicker(a.cfg.LeaseTTL / 3)
	defer t.Stop()
	renewed := a.now()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-deadline.C:
			return true
		case <-t.C:
			if !a.renew(ctx, &renewed) {
				return false
			}
		}
	}
}

// release gives the lease up.
func (a *Adapter) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.cfg.Store.ReleaseLease(ctx, LeaseName); err != nil {
		a.log.Warn("Failed to release the WhatsApp session lease; it runs out by itself", "err", err)
	}
}
