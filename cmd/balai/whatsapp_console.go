package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/console"
)

// waConsole gives the console's WhatsApp page the running whatsmeow adapter: the console is
// built before the adapter, which serve hands over with set.
type waConsole struct{ a atomic.Pointer[meow.Adapter] }

var _ console.WhatsApp = (*waConsole)(nil)

func (w *waConsole) set(a *meow.Adapter) { w.a.Store(a) }

func (w *waConsole) State() console.WhatsAppState {
	a := w.a.Load()
	if a == nil {
		return console.WhatsAppState{Session: meow.StateStarting}
	}
	st := a.Status()
	p := st.Pairing
	return console.WhatsAppState{Session: st.State, Detail: st.Detail, Since: st.Since, Number: st.Number,
		Pairing: console.WhatsAppPairingState{Active: p.Active, QR: p.QR, Code: p.Code, Phone: p.Phone,
			NoMultidevice: p.NoMultidevice, Outcome: p.Outcome, Err: p.Err, Number: p.Number, Seq: p.Seq}}
}

func (w *waConsole) StartQR(ctx context.Context) error { return w.StartCode(ctx, "") }

func (w *waConsole) StartCode(ctx context.Context, phone string) error {
	a := w.a.Load()
	if a == nil {
		return console.ErrWhatsAppNotRunning
	}
	return consoleWhatsAppError(a.StartPairing(ctx, phone))
}

func (w *waConsole) Cancel() {
	if a := w.a.Load(); a != nil {
		a.CancelPairing()
	}
}

func (w *waConsole) Logout(ctx context.Context) error {
	a := w.a.Load()
	if a == nil {
		return console.ErrWhatsAppNotConnected
	}
	return consoleWhatsAppError(a.Logout(ctx))
}

// consoleWhatsAppError tells the console which of its errors a meow error is (both stay
// matchable).
func consoleWhatsAppError(err error) error {
	if err == nil {
		return nil
	}
	for _, m := range []struct{ from, to error }{
		{meow.ErrPairingInProgress, console.ErrWhatsAppBusy},
		{meow.ErrSessionHeld, console.ErrWhatsAppElsewhere},
		{meow.ErrAlreadyLinked, console.ErrWhatsAppLinked},
		{meow.ErrNotConnected, console.ErrWhatsAppNotConnected},
		{meow.ErrBadPhone, console.ErrWhatsAppBadPhone},
		{meow.ErrNotRunning, console.ErrWhatsAppNotRunning},
	} {
		if errors.Is(err, m.from) {
			return fmt.Errorf("%w: %w", m.to, err)
		}
	}
	return err
}
