package meow_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
)

// pairingStatus waits until the pairing's status satisfies ok.
func pairingStatus(t *testing.T, a *meow.Adapter, what string, ok func(meow.PairingStatus) bool) meow.PairingStatus {
	t.Helper()
	return waitFor(t, func() (meow.PairingStatus, bool) { p := a.Status().Pairing; return p, ok(p) }, what)
}

// TestStartPairingQR: the running server links a device: QR codes show in Status as they
// rotate, the pairing holds the lease (the run loop does not give it up meanwhile), a second
// pairing is refused, and once linked the run loop connects the new device at once.
func TestStartPairingQR(t *testing.T) {
	defer meow.SetPairSettle(time.Second)()
	open := opener(t)
	db := open(t, "pairqr", store.Options{Owner: "server"})
	t0 := time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC)
	h := startAdapter(t, db, func(c *meow.Config) {
		c.Now = func() time.Time { return t0 }
		c.Retry = time.Hour // only a pairing's wake-up makes the loop connect quickly
	})
	h.waitState(meow.StateNotPaired)
	ctx := context.Background()
	if err := h.a.StartPairing(ctx, ""); err != nil {
		t.Fatal(err)
	}
	f := h.client()
	if st := h.a.Status(); st.State != meow.StatePairing || !st.Pairing.Active || !st.Since.Equal(t0) {
		t.Errorf("status after start: %+v", st)
	}
	if err := h.a.StartPairing(ctx, ""); !errors.Is(err, meow.ErrPairingInProgress) {
		t.Errorf("second pairing: %v, want ErrPairingInProgress", err)
	}
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@first", Timeout: 60 * time.Second}
	p := pairingStatus(t, h.a, "the first QR code", func(p meow.PairingStatus) bool { return p.QR == "2@first" })
	if !p.Expires.Equal(t0.Add(60 * time.Second)) {
		t.Errorf("expires %v", p.Expires)
	}
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@second", Timeout: 20 * time.Second}
	rotated := pairingStatus(t, h.a, "the rotated QR code", func(p meow.PairingStatus) bool { return p.QR == "2@second" })
	if rotated.Seq <= p.Seq {
		t.Errorf("Seq did not grow: %d then %d", p.Seq, rotated.Seq)
	}
	if leaseFree(t, open, "pairqr") {
		t.Fatal("the pairing does not hold the session lease")
	}
	// Another replica cannot pair meanwhile.
	other := startAdapter(t, open(t, "pairqr", store.Options{Owner: "replica"}), nil)
	other.waitState(meow.StateStandby)
	if err := other.a.StartPairing(ctx, ""); !errors.Is(err, meow.ErrSessionHeld) {
		t.Errorf("other replica: %v, want ErrSessionHeld", err)
	}

	linkDevice(t, db) // what whatsmeow stores when the phone accepts
	succeed(f)
	done := pairingStatus(t, h.a, "the pairing's end", func(p meow.PairingStatus) bool { return !p.Active })
	if done.Outcome != meow.PairingLinked || done.Number != "6281100000001" || done.QR != "" {
		t.Errorf("pairing ended %+v", done)
	}
	if f.IsConnected() {
		t.Error("the pairing client stayed connected")
	}
	h.connected()
	if st := h.a.Status(); st.Number != "6281100000001" {
		t.Errorf("connected as %q", st.Number)
	}
	if err := h.a.StartPairing(ctx, ""); !errors.Is(err, meow.ErrAlreadyLinked) {
		t.Errorf("pairing while linked: %v, want ErrAlreadyLinked", err)
	}
}

// TestStartPairingCode: with a phone number the pairing code shows instead of QR codes.
func TestStartPairingCode(t *testing.T) {
	open := opener(t)
	db := open(t, "paircode", store.Options{Owner: "server"})
	h := startAdapter(t, db, nil)
	h.waitState(meow.StateNotPaired)
	if err := h.a.StartPairing(context.Background(), "nomor saya"); !errors.Is(err, meow.ErrBadPhone) {
		t.Errorf("bad phone: %v, want ErrBadPhone", err)
	}
	if err := h.a.StartPairing(context.Background(), "0812-3456-7890"); err != nil {
		t.Fatal(err)
	}
	f := h.client()
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@abc", Timeout: 60 * time.Second}
	p := pairingStatus(t, h.a, "the pairing code", func(p meow.PairingStatus) bool { return p.Code != "" })
	if p.Code != "ABCD-EFGH" || p.Phone != "6281234567890" || p.QR != "" {
		t.Errorf("pairing %+v", p)
	}
	time.Sleep(100 * time.Millisecond) // five retry periods of the run loop
	if leaseFree(t, open, "paircode") {
		t.Error("the run loop gave the pairing's lease up")
	}
	f.qr <- whatsmeow.QRChannelTimeout
	p = pairingStatus(t, h.a, "the timeout", func(p meow.PairingStatus) bool { return !p.Active })
	if p.Outcome != meow.PairingTimeout || p.Code != "" {
		t.Errorf("pairing %+v", p)
	}
	if st := h.a.Status(); st.State != meow.StateNotPaired {
		t.Errorf("state after the timeout %s", st.State)
	}
}

// TestCancelPairing: cancelling ends the pairing, frees the lease and allows another.
func TestCancelPairing(t *testing.T) {
	open := opener(t)
	db := open(t, "paircancel", store.Options{Owner: "server"})
	h := startAdapter(t, db, nil)
	h.waitState(meow.StateNotPaired)
	if err := h.a.StartPairing(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	f := h.client()
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@abc", Timeout: 60 * time.Second}
	pairingStatus(t, h.a, "the QR code", func(p meow.PairingStatus) bool { return p.QR != "" })
	h.a.CancelPairing()
	if p := h.a.Status().Pairing; p.Active || p.Outcome != meow.PairingCancelled {
		t.Errorf("after cancel: %+v", p)
	}
	if f.IsConnected() {
		t.Error("the pairing client stayed connected")
	}
	if !leaseFreedSoon(t, open, "paircancel") {
		t.Error("the cancelled pairing kept the lease")
	}
	h.waitState(meow.StateNotPaired)
	if err := h.a.StartPairing(context.Background(), ""); err != nil {
		t.Errorf("pairing again: %v", err)
	}
	h.client()
	h.a.CancelPairing()
}

func TestStartPairingNotRunning(t *testing.T) {
	db := opener(t)(t, "pairidle", store.Options{Owner: "server"})
	a, err := meow.New(meow.Config{Store: db, Logger: quiet}, &acceptor{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.StartPairing(context.Background(), ""); !errors.Is(err, meow.ErrNotRunning) {
		t.Errorf("StartPairing: %v, want ErrNotRunning", err)
	}
}

// TestLogout: logging out unlinks the device: deleted from the store, state logged out,
// lease free, nothing reconnects; a second logout finds nothing connected.
func TestLogout(t *testing.T) {
	open := opener(t)
	db := open(t, "logout", store.Options{Owner: "server"})
	linkDevice(t, db)
	h := startAdapter(t, db, nil)
	f := h.connected()
	if err := h.a.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	out := f.loggedOut
	f.mu.Unlock()
	if !out {
		t.Error("the client was not logged out")
	}
	h.waitState(meow.StateLoggedOut)
	waitFor(t, func() (bool, bool) { return true, leaseFree(t, open, "logout") }, "the lease released")
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM whatsmeow_device`).Scan(&n); err != nil || n != 0 {
		t.Errorf("devices left: %d (%v)", n, err)
	}
	if st := h.a.Status(); st.Number != "" {
		t.Errorf("still shows the number %q", st.Number)
	}
	h.noClient(100 * time.Millisecond)
	if err := h.a.Logout(context.Background()); !errors.Is(err, meow.ErrNotConnected) {
		t.Errorf("second logout: %v, want ErrNotConnected", err)
	}
}
