package console

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/balai-id/balai"
)

// WhatsApp is the WhatsApp (whatsmeow) session the admins' WhatsApp page shows and links:
// the running adapter (bot/whatsapp/meow, wired in cmd/balai). Config.WhatsApp is nil when
// whatsmeow is not enabled.
type WhatsApp interface {
	// State is the session's state and the pairing's progress, as the adapter knows it.
	State() WhatsAppState
	// StartQR starts linking a device by QR code; StartCode by a pairing code typed on the
	// phone of phone. They return once the pairing started (it runs in the background), or
	// one of the ErrWhatsApp errors.
	StartQR(ctx context.Context) error
	StartCode(ctx context.Context, phone string) error
	// Cancel stops the pairing in progress, if any.
	Cancel()
	// Logout unlinks the device (ErrWhatsAppNotConnected unless this server is connected).
	Logout(ctx context.Context) error
}

// Errors a WhatsApp returns; the page explains each.
var (
	ErrWhatsAppBusy         = errors.New("console: a WhatsApp pairing is already in progress")
	ErrWhatsAppElsewhere    = errors.New("console: another process holds the WhatsApp session")
	ErrWhatsAppLinked       = errors.New("console: a WhatsApp device is already linked")
	ErrWhatsAppNotConnected = errors.New("console: this server is not connected to WhatsApp")
	ErrWhatsAppBadPhone     = errors.New("console: not a phone number")
	ErrWhatsAppNotRunning   = errors.New("console: the WhatsApp adapter is not running")
)

// Session states of WhatsAppState.Session the page treats specially; the others (the
// adapter's State constants) are shown by their text console_whatsapp_state_<state>.
const (
	WhatsAppConnected = "connected"
	WhatsAppPairing   = "pairing"
)

// WhatsAppState is what the page shows.
type WhatsAppState struct {
	Session string    // the adapter's state: "not_paired", "pairing", "connected", "logged_out", …
	Detail  string    // the adapter's technical detail (English)
	Since   time.Time // when Session began
	Number  string    // the linked number (digits) while connected
	Pairing WhatsAppPairingState
}

// WhatsAppPairingState is the progress of the pairing in progress, or of the last one.
type WhatsAppPairingState struct {
	Active        bool
	QR            string // the QR code's content to show now
	Code          string // the pairing code to type on the phone of Phone
	Phone         string
	NoMultidevice bool   // a phone without multi-device support scanned the code
	Outcome       string // once ended: "linked", "timeout", "cancelled" or "failed"
	Err           string // "failed": why (technical, English)
	Number        string // "linked": the number linked
	Seq           int    // grows with every change
}

// whatsAppData is the data of the "whatsapp" page.
type whatsAppData struct {
	Enabled   bool
	State     WhatsAppState
	StateKey  string       // text key of the state
	Number    string       // the linked number, masked
	QRImage   template.URL // the QR code as a PNG data: URL
	CodePhone string       // the number the pairing code is for, masked
	Linked    string       // the number the last pairing linked, masked
	Version   string       // changes whenever the page would change (see whatsAppStateJSON)
}

// CanPair: nothing is linked or being linked here.
func (d whatsAppData) CanPair() bool {
	return d.Enabled && !d.State.Pairing.Active && d.State.Session != WhatsAppConnected
}

// CanLogout: this server is connected.
func (d whatsAppData) CanLogout() bool { return d.Enabled && d.State.Session == WhatsAppConnected }

// whatsAppVersion changes whenever the page's content would.
func whatsAppVersion(st WhatsAppState) string {
	return fmt.Sprintf("%s.%d.%d", st.Session, st.Since.UnixNano(), st.Pairing.Seq)
}

func (s *Server) whatsAppPage(w http.ResponseWriter, r *http.Request) {
	d := whatsAppData{Enabled: s.cfg.WhatsApp != nil}
	if d.Enabled {
		st := s.cfg.WhatsApp.State()
		d.State, d.Version = st, whatsAppVersion(st)
		d.StateKey = "console_whatsapp_state_" + st.Session
		if !s.msgs.Has(d.StateKey) {
			d.StateKey = "console_whatsapp_state_unknown"
		}
		d.Number = MaskPhone(st.Number)
		d.CodePhone = MaskPhone(st.Pairing.Phone)
		d.Linked = MaskPhone(st.Pairing.Number)
		if p := st.Pairing; p.Active && p.QR != "" {
			img, err := qrDataURL(p.QR)
			if err != nil {
				s.serverError(w, r, "draw the WhatsApp QR code", err)
				return
			}
			d.QRImage = img
		}
	}
	s.render(w, r, "whatsapp", d)
}

// qrDataURL draws a QR code as a PNG data: URL (the console's CSP allows data: images).
func qrDataURL(content string) (template.URL, error) {
	c, err := qr.Encode(content, qr.L)
	if err != nil {
		return "", fmt.Errorf("encode QR code: %w", err)
	}
	c.Scale = 6
	// The URL is ours, base64 only: safe in an src attribute.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(c.PNG())), nil
}

// whatsAppStateJSON is what the page polls (console.js): it reloads when Version changes.
type whatsAppStateJSON struct {
	Version string `json:"version"`
	State   string `json:"state"`
	Active  bool   `json:"pairing"`
}

func (s *Server) whatsAppState(w http.ResponseWriter, r *http.Request) {
	var out whatsAppStateJSON
	if s.cfg.WhatsApp != nil {
		st := s.cfg.WhatsApp.State()
		out = whatsAppStateJSON{Version: whatsAppVersion(st), State: st.Session, Active: st.Pairing.Active}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// whatsAppDone goes back to the WhatsApp page with a message.
func (s *Server) whatsAppDone(w http.ResponseWriter, r *http.Request, kind, key string) {
	s.setFlash(w, kind, key)
	http.Redirect(w, r, "/console/whatsapp", http.StatusSeeOther)
}

// whatsAppError answers a refused WhatsApp action with its explanation.
func (s *Server) whatsAppError(w http.ResponseWriter, r *http.Request, op string, err error) {
	for _, e := range []struct {
		err error
		key string
	}{
		{ErrWhatsAppBusy, "console_whatsapp_err_busy"},
		{ErrWhatsAppElsewhere, "console_whatsapp_err_elsewhere"},
		{ErrWhatsAppLinked, "console_whatsapp_err_linked"},
		{ErrWhatsAppNotConnected, "console_whatsapp_err_not_connected"},
		{ErrWhatsAppBadPhone, "console_whatsapp_err_bad_phone"},
		{ErrWhatsAppNotRunning, "console_whatsapp_err_not_running"},
	} {
		if errors.Is(err, e.err) {
			s.whatsAppDone(w, r, "error", e.key)
			return
		}
	}
	s.serverError(w, r, op, err)
}

// whatsAppEnabled answers and returns false when whatsmeow is not enabled.
func (s *Server) whatsAppEnabled(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.WhatsApp == nil {
		s.whatsAppDone(w, r, "error", "console_whatsapp_err_disabled")
		return false
	}
	return true
}

// whatsAppPair starts a pairing: by QR code, or by pairing code when a phone is given.
func (s *Server) whatsAppPair(w http.ResponseWriter, r *http.Request) {
	if !s.whatsAppEnabled(w, r) {
		return
	}
	ctx := r.Context()
	phone := strings.TrimSpace(r.PostFormValue("phone"))
	var err error
	detail := "qr"
	if r.PostFormValue("method") == "code" {
		if phone == "" {
			s.whatsAppDone(w, r, "error", "console_whatsapp_err_bad_phone")
			return
		}
		err = s.cfg.WhatsApp.StartCode(ctx, phone)
	} else {
		err = s.cfg.WhatsApp.StartQR(ctx)
	}
	if err != nil {
		s.whatsAppError(w, r, "start a WhatsApp pairing", err)
		return
	}
	if p := s.cfg.WhatsApp.State().Pairing.Phone; p != "" {
		detail = "pairing code for " + MaskPhone(p) // as the adapter read the number
	}
	s.audit(ctx, r, stateOf(r).account.Officer().ID, "whatsapp_pairing_started", "whatsapp", detail)
	http.Redirect(w, r, "/console/whatsapp", http.StatusSeeOther)
}

func (s *Server) whatsAppCancel(w http.ResponseWriter, r *http.Request) {
	if !s.whatsAppEnabled(w, r) {
		return
	}
	if !s.cfg.WhatsApp.State().Pairing.Active {
		http.Redirect(w, r, "/console/whatsapp", http.StatusSeeOther)
		return
	}
	s.cfg.WhatsApp.Cancel()
	s.audit(r.Context(), r, stateOf(r).account.Officer().ID, "whatsapp_pairing_cancelled", "whatsapp", "")
	s.whatsAppDone(w, r, "ok", "console_whatsapp_cancelled")
}

func (s *Server) whatsAppLogout(w http.ResponseWriter, r *http.Request) {
	if !s.whatsAppEnabled(w, r) {
		return
	}
	number := s.cfg.WhatsApp.State().Number
	if err := s.cfg.WhatsApp.Logout(r.Context()); err != nil {
		s.whatsAppError(w, r, "log WhatsApp out", err)
		return
	}
	s.audit(r.Context(), r, stateOf(r).account.Officer().ID, "whatsapp_logged_out", "whatsapp", MaskPhone(number))
	s.whatsAppDone(w, r, "ok", "console_whatsapp_logged_out")
}

// digits keeps the digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// MaskPhone shows a phone number (digits, international form) with its middle hidden:
// "6281234567890" → "+62812•••••890"; "" stays "".
func MaskPhone(number string) string {
	n := digits(number)
	if n == "" {
		return ""
	}
	head, tail := 5, 3
	if len(n) < head+tail+2 {
		head, tail = 2, 2
	}
	if len(n) <= head+tail {
		return "+" + strings.Repeat("•", len(n))
	}
	return "+" + n[:head] + strings.Repeat("•", len(n)-head-tail) + n[len(n)-tail:]
}

// registerWhatsApp adds the WhatsApp page (admins only).
func (s *Server) registerWhatsApp() {
	s.nav("console_nav_whatsapp", "/console/whatsapp", balai.RoleAdmin)
	s.handle("GET /console/whatsapp", balai.RoleAdmin, s.whatsAppPage)
	s.handle("GET /console/whatsapp/state", balai.RoleAdmin, s.whatsAppState)
	s.handle("POST /console/whatsapp/pair", balai.RoleAdmin, s.whatsAppPair)
	s.handle("POST /console/whatsapp/cancel", balai.RoleAdmin, s.whatsAppCancel)
	s.handle("POST /console/whatsapp/logout", balai.RoleAdmin, s.whatsAppLogout)
}
