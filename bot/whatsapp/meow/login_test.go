package meow_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
)

// syncBuffer is a bytes.Buffer safe to read while Login writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// pairing runs Login with a fake client and hands the client to the test.
func pairing(t *testing.T, db *store.DB, phone string) (*fakeClient, *syncBuffer, chan error) {
	t.Helper()
	clients := make(chan *fakeClient, 1)
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- meow.LoginWith(context.Background(), meow.Config{Store: db, Logger: quiet, LeaseTTL: 3 * time.Second}, out, phone,
			func(dev *wastore.Device, _ waLog.Logger) meow.Client {
				f := newFake(dev)
				clients <- f
				return f
			})
	}()
	select {
	case f := <-clients:
		return f, out, done
	case err := <-done:
		t.Fatalf("Login returned %v before connecting", err)
	case <-time.After(5 * time.Second):
		t.Fatal("Login built no client")
	}
	return nil, nil, nil
}

func result(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Login did not return")
		return nil
	}
}

// succeed plays the phone accepting the link.
func succeed(f *fakeClient) {
	jid := types.NewADJID("6281100000001", 0, 12)
	f.dispatch(&events.PairSuccess{ID: jid})
	f.qr <- whatsmeow.QRChannelSuccess
	f.dispatch(&events.Connected{})
}

func TestLoginQR(t *testing.T) {
	defer meow.SetPairSettle(time.Second)()
	open := opener(t)
	db := open(t, "login", store.Options{Owner: "cli"})
	f, out, done := pairing(t, db, "")
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@abc,def,ghi,jkl", Timeout: 60 * time.Second}
	waitFor(t, func() (string, bool) { s := out.String(); return s, strings.Contains(s, "60 detik") }, "the QR code")
	if leaseFree(t, open, "login") {
		t.Error("pairing does not hold the session lease")
	}
	succeed(f)
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"Perangkat tertaut", "Tautkan perangkat", "Linked devices", "▀", "Berhasil", "+6281100000001"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if f.IsConnected() {
		t.Error("Login left the client connected")
	}
	if !leaseFree(t, open, "login") {
		t.Error("Login kept the lease")
	}
}

func TestLoginPhone(t *testing.T) {
	defer meow.SetPairSettle(time.Second)()
	db := opener(t)(t, "phone", store.Options{Owner: "cli"})
	f, out, done := pairing(t, db, "0812-3456-7890")
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@abc", Timeout: 60 * time.Second}
	waitFor(t, func() (string, bool) { s := out.String(); return s, strings.Contains(s, "ABCD-EFGH") }, "the pairing code")
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@def", Timeout: 20 * time.Second}
	succeed(f)
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	phone := f.pairPhone
	f.mu.Unlock()
	if phone != "6281234567890" {
		t.Errorf("paired phone %q", phone)
	}
	s := out.String()
	if strings.Count(s, "ABCD-EFGH") != 1 || !strings.Contains(s, "Tautkan dengan nomor telepon saja") || strings.Contains(s, "▀") {
		t.Errorf("output:\n%s", s)
	}
}

func TestLoginTimeout(t *testing.T) {
	db := opener(t)(t, "timeout", store.Options{Owner: "cli"})
	f, out, done := pairing(t, db, "")
	f.qr <- whatsmeow.QRChannelItem{Event: whatsmeow.QRChannelEventCode, Code: "2@abc", Timeout: 20 * time.Second}
	f.qr <- whatsmeow.QRChannelTimeout
	if err := result(t, done); !errors.Is(err, meow.ErrPairingTimeout) {
		t.Fatalf("Login: %v, want ErrPairingTimeout", err)
	}
	if !strings.Contains(out.String(), "Waktu habis") {
		t.Errorf("output:\n%s", out)
	}
}

func TestLoginAlreadyLinked(t *testing.T) {
	db := opener(t)(t, "linked", store.Options{Owner: "cli"})
	linkDevice(t, db)
	var out bytes.Buffer
	err := meow.LoginWith(context.Background(), meow.Config{Store: db, Logger: quiet}, &out, "", func(*wastore.Device, waLog.Logger) meow.Client {
		t.Error("Login connected although a device is linked")
		return nil
	})
	if err != nil || !strings.Contains(out.String(), "sudah tertaut") {
		t.Errorf("Login: %v\n%s", err, out.String())
	}
}

func TestLoginSessionHeld(t *testing.T) {
	open := opener(t)
	server := open(t, "held", store.Options{Owner: "server"})
	if ok, err := server.AcquireLease(context.Background(), meow.LeaseName, time.Minute); !ok || err != nil {
		t.Fatal(ok, err)
	}
	cli := open(t, "held", store.Options{Owner: "cli"})
	err := meow.LoginWith(context.Background(), meow.Config{Store: cli, Logger: quiet}, &bytes.Buffer{}, "", func(*wastore.Device, waLog.Logger) meow.Client {
		t.Error("Login connected without the lease")
		return nil
	})
	if !errors.Is(err, meow.ErrSessionHeld) {
		t.Errorf("Login: %v, want ErrSessionHeld", err)
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"62812345678":     "62812345678",
		"+62 812-3456-78": "62812345678",
		"0812345678":      "62812345678",
		"6591234567":      "6591234567",
	} {
		if got, err := meow.NormalizePhone(in); got != want || err != nil {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "nomor saya"} {
		if _, err := meow.NormalizePhone(bad); err == nil {
			t.Errorf("NormalizePhone(%q) accepted", bad)
		}
	}
}
