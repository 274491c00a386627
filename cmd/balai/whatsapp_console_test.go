package main

import (
	"context"
	"errors"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/console"
)

// TestConsoleWhatsAppPage runs `balai serve` with whatsmeow enabled and no device linked, on
// SQLite and PostgreSQL: the admin's WhatsApp page shows the running adapter's state
// (waiting for a device) and its refusals come from the adapter (a bad phone number; nothing
// to log out). No pairing is started: that would reach WhatsApp.
func TestConsoleWhatsAppPage(t *testing.T) {
	for name, database := range adminDatabases(t) {
		t.Run(name, func(t *testing.T) {
			const pw = "kata-sandi-panjang-1"
			e := startServe(t, database(t), map[string]string{"WHATSAPP_ENABLED": "true"}, func() {
				addUser(t, "admin", "Admin", "admin", pw)
			})
			cc := signIn(t, e.url, "admin", pw)
			deadline := time.Now().Add(30 * time.Second)
			var page string
			for {
				var code int
				code, page = cc.get("/console/whatsapp")
				page = html.UnescapeString(page)
				if code == 200 && strings.Contains(page, `data-state="not_paired"`) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the page never showed the adapter waiting for a device: %d\n%s", code, page)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !strings.Contains(page, "Belum ditautkan") || !strings.Contains(page, `id="wa-start-qr"`) {
				t.Errorf("page:\n%s", page)
			}
			tok := csrfField.FindStringSubmatch(page)[1]
			if _, body := cc.post("/console/whatsapp/pair", url.Values{"csrf": {tok}, "method": {"code"}, "phone": {"nomor saya"}}); !strings.Contains(body, "Nomor telepon tidak dikenali") {
				t.Errorf("bad phone not refused by the adapter:\n%s", body)
			}
			if _, body := cc.post("/console/whatsapp/logout", url.Values{"csrf": {tok}}); !strings.Contains(body, "tidak tersambung") {
				t.Errorf("logout without a session not refused:\n%s", body)
			}
			if st, _ := e.main.wa.a.Load().State(); st != meow.StateNotPaired {
				t.Errorf("adapter state %s", st)
			}
		})
	}
}

func TestConsoleWhatsAppErrors(t *testing.T) {
	var w waConsole
	if st := w.State(); st.Session != meow.StateStarting {
		t.Errorf("state before the adapter: %+v", st)
	}
	if err := w.StartQR(context.Background()); !errors.Is(err, console.ErrWhatsAppNotRunning) {
		t.Errorf("StartQR before the adapter: %v", err)
	}
	for from, to := range map[error]error{
		meow.ErrPairingInProgress: console.ErrWhatsAppBusy,
		meow.ErrSessionHeld:       console.ErrWhatsAppElsewhere,
		meow.ErrAlreadyLinked:     console.ErrWhatsAppLinked,
		meow.ErrNotConnected:      console.ErrWhatsAppNotConnected,
		meow.ErrBadPhone:          console.ErrWhatsAppBadPhone,
		meow.ErrNotRunning:        console.ErrWhatsAppNotRunning,
	} {
		got := consoleWhatsAppError(from)
		if !errors.Is(got, to) || !errors.Is(got, from) {
			t.Errorf("%v → %v, want %v", from, got, to)
		}
	}
	other := errors.New("database is down")
	if got := consoleWhatsAppError(other); got != other {
		t.Errorf("other error → %v", got)
	}
}
