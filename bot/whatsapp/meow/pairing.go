package meow

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	wastore "go.mau.fi/whatsmeow/store"
)

// Errors of StartPairing (Logout returns ErrNotConnected).
var (
	ErrNotRunning        = errors.New("whatsapp: the adapter is not running")
	ErrPairingInProgress = errors.New("whatsapp: a pairing is already in progress")
	ErrAlreadyLinked     = errors.New("whatsapp: a device is already linked")
	ErrBadPhone          = errors.New("whatsapp: not a phone number")
)

// Outcomes of a pairing (PairingStatus.Outcome).
const (
	PairingLinked    = "linked"
	PairingTimeout   = "timeout"
	PairingCancelled = "cancelled"
	PairingFailed    = "failed"
)

// PairingStatus is the progress of the pairing started with StartPairing, or of the last one.
type PairingStatus struct {
	Active  bool
	Phone   string    // the number a pairing code was asked for; "" for QR codes
	QR      string    // the QR code to show now (its content); "" when none
	Expires time.Time // when QR is replaced
	Code    string    // the pairing code to type on the phone of Phone
	// NoMultidevice: a phone without multi-device support scanned the code.
	NoMultidevice bool
	Started       time.Time
	Ended         time.Time
	Outcome       string // once ended: one of the Pairing outcome constants
	Err           string // PairingFailed: why
	Number        string // PairingLinked: the number linked
	// Seq grows with every change, for pages that poll.
	Seq int
}

// Status is what the adapter knows of its session.
type Status struct {
	State  string // one of the State constants
	Detail string
	Since  time.Time // when State began
	// Number is the linked device's phone number (digits) while a session runs.
	Number  string
	Pairing PairingStatus
}

// Status returns the session's state, the linked number and the pairing's progress.
func (a *Adapter) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return Status{State: a.state, Detail: a.detail, Since: a.since, Number: a.jid, Pairing: a.last}
}

// pairing is a pairing running in the background.
type pairing struct {
	cancel    context.CancelFunc
	cancelled atomic.Bool
	done      chan struct{}
}

// startTimeout bounds StartPairing's database work.
const startTimeout = 15 * time.Second

// StartPairing links a device from the running server (the console's WhatsApp page): with
// phone "" it shows QR codes in Status().Pairing as whatsmeow rotates them, with a phone
// number a pairing code to type on that phone. It returns once the pairing started; the
// pairing goes on until the phone links, the codes time out, CancelPairing, or Run ends.
// Once linked, Run connects the new device at once.
//
// It returns ErrNotRunning unless Run runs, ErrPairingInProgress while a pairing runs in
// this process, ErrAlreadyLinked when a device is linked, ErrSessionHeld while another
// process holds the session lease (another replica, or `balai whatsapp login`), and
// ErrBadPhone for a phone that is not a number. One pairing runs at a time across replicas:
// it holds the lease.
func (a *Adapter) StartPairing(ctx context.Context, phone string) error {
	if phone != "" {
		var err error
		if phone, err = normalizePhone(phone); err != nil {
			return err
		}
	}
	a.mu.Lock()
	runCtx := a.runCtx
	a.mu.Unlock()
	if runCtx == nil {
		return ErrNotRunning
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	a.leaseMu.Lock()
	defer a.leaseMu.Unlock()
	if a.pairing != nil {
		return ErrPairingInProgress
	}
	if a.client() != nil {
		return ErrAlreadyLinked
	}
	dev, err := a.device(ctx)
	if err != nil {
		return err
	}
	if dev.ID != nil {
		return ErrAlreadyLinked
	}
	ok, err := a.cfg.Store.AcquireLease(ctx, LeaseName, a.cfg.LeaseTTL)
	if err != nil {
		return fmt.Errorf("whatsapp: take the session lease: %w", err)
	}
	if !ok {
		return ErrSessionHeld
	}
	// Another process may have linked a device before we held the lease.
	if dev, err = a.device(ctx); err != nil {
		a.release()
		return err
	}
	if dev.ID != nil {
		return ErrAlreadyLinked // Run, holding the lease under our name, connects it
	}
	pctx, pcancel := context.WithCancel(runCtx)
	p := &pairing{cancel: pcancel, done: make(chan struct{})}
	a.pairing = p
	a.mu.Lock()
	a.last = PairingStatus{Active: true, Phone: phone, Started: a.now(), Seq: a.last.Seq + 1}
	a.mu.Unlock()
	a.setState(StatePairing, "")
	a.log.Info("Pairing a WhatsApp device from the console", "by_code", phone != "")
	go a.runPairing(pctx, p, phone, dev)
	return nil
}

// runPairing runs one pairing to its end and records the outcome.
func (a *Adapter) runPairing(ctx context.Context, p *pairing, phone string, dev *wastore.Device) {
	defer close(p.done)
	defer p.cancel()
	jid, err := a.pair(ctx, pairStatus{a}, phone, dev)
	a.leaseMu.Lock()
	a.pairing = nil
	if err != nil {
		a.release() // the lease is free for whoever tries next
	}
	a.leaseMu.Unlock()

	outcome, msg := PairingLinked, ""
	switch {
	case err == nil:
	case p.cancelled.Load() || errors.Is(err, context.Canceled):
		outcome = PairingCancelled
	case errors.Is(err, ErrPairingTimeout):
		outcome = PairingTimeout
	default:
		outcome, msg = PairingFailed, err.Error()
	}
	a.updatePairing(func(ps *PairingStatus) {
		ps.Active, ps.QR, ps.Code, ps.Expires = false, "", "", time.Time{}
		ps.Ended, ps.Outcome, ps.Err = a.now(), outcome, msg
		if err == nil {
			ps.Number = jid.User
		}
	})
	if err != nil {
		if outcome == PairingFailed {
			a.log.Warn("Failed to pair a WhatsApp device", "err", err)
		}
		a.setState(StateNotPaired, "pairing "+outcome+": no WhatsApp device is linked")
		return
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// CancelPairing stops the pairing in progress, if any, and returns once it ended.
func (a *Adapter) CancelPairing() {
	a.leaseMu.Lock()
	p := a.pairing
	a.leaseMu.Unlock()
	if p == nil {
		return
	}
	p.cancelled.Store(true)
	p.cancel()
	<-p.done
}

// pairingActive reports whether a pairing runs in this process.
func (a *Adapter) pairingActive() bool {
	a.leaseMu.Lock()
	defer a.leaseMu.Unlock()
	return a.pairing != nil
}

// releaseUnlessPairing gives the lease up unless a pairing holds it; false means one does.
func (a *Adapter) releaseUnlessPairing() bool {
	a.leaseMu.Lock()
	defer a.leaseMu.Unlock()
	if a.pairing != nil {
		return false
	}
	a.release()
	return true
}

func (a *Adapter) updatePairing(f func(*PairingStatus)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(&a.last)
	a.last.Seq++
}

// pairStatus records a pairing's progress in the adapter's PairingStatus.
type pairStatus struct{ a *Adapter }

func (p pairStatus) qr(code string, valid time.Duration) {
	p.a.updatePairing(func(ps *PairingStatus) { ps.QR, ps.Expires = code, p.a.now().Add(valid) })
}

func (p pairStatus) code(code, _ string) {
	p.a.updatePairing(func(ps *PairingStatus) { ps.Code = code })
}

func (p pairStatus) timeout() {}

func (p pairStatus) noMultidevice() {
	p.a.updatePairing(func(ps *PairingStatus) { ps.NoMultidevice = true })
}

func (p pairStatus) linked(number string) {
	p.a.updatePairing(func(ps *PairingStatus) { ps.Number = number })
}

// Logout unlinks the device this process is connected with: WhatsApp removes it from the
// phone's linked devices and its keys are deleted; the state becomes StateLoggedOut until a
// device is linked again. It returns ErrNotConnected unless this process is connected (on
// another replica, log out there, or on the phone).
func (a *Adapter) Logout(ctx context.Context) error {
	a.mu.Lock()
	s := a.cur
	a.mu.Unlock()
	if s == nil || !s.cli.IsConnected() {
		return ErrNotConnected
	}
	if err := s.cli.Logout(ctx); err != nil {
		return fmt.Errorf("whatsapp: log out: %w", err)
	}
	a.log.Info("Logged the WhatsApp device out from the console")
	a.setState(StateLoggedOut, "the WhatsApp device was logged out from the console: link a device again")
	s.finish(sessionEnd{kind: endLoggedOut})
	return nil
}

// sleep waits for d, until ctx ends, or until a pairing linked a device.
func (a *Adapter) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-a.wake:
	}
}
