package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console"
)

// fakeWhatsApp plays the running whatsmeow adapter: tests drive its pairing.
type fakeWhatsApp struct {
	mu        sync.Mutex
	st        console.WhatsAppState
	err       error // returned by the next Start or Logout
	phone     string
	cancelled bool
	loggedOut bool
}

func (f *fakeWhatsApp) State() console.WhatsAppState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeWhatsApp) start(phone string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.st.Pairing.Active {
		return console.ErrWhatsAppBusy
	}
	f.phone = phone
	f.st.Session, f.st.Since = console.WhatsAppPairing, f.st.Since.Add(time.Second)
	f.st.Pairing = console.WhatsAppPairingState{Active: true, Phone: phone, Seq: f.st.Pairing.Seq + 1}
	return nil
}

func (f *fakeWhatsApp) StartQR(context.Context) error { return f.start("") }

func (f *fakeWhatsApp) StartCode(_ context.Context, phone string) error {
	var d strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			d.WriteRune(r)
		}
	}
	p := d.String()
	if strings.HasPrefix(p, "0") {
		p = "62" + p[1:]
	}
	if len(p) < 8 {
		return console.ErrWhatsAppBadPhone
	}
	return f.start(p)
}

func (f *fakeWhatsApp) Cancel() {
	f.edit(func(st *console.WhatsAppState) {
		f.cancelled = true
		st.Session = "not_paired"
		st.Pairing.Active, st.Pairing.QR, st.Pairing.Code, st.Pairing.Outcome = false, "", "", "cancelled"
	})
}

func (f *fakeWhatsApp) Logout(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.st.Session != console.WhatsAppConnected {
		return console.ErrWhatsAppNotConnected
	}
	f.loggedOut = true
	f.st.Session, f.st.Number, f.st.Since = "logged_out", "", f.st.Since.Add(time.Second)
	return nil
}

// edit changes the state as the adapter would, bumping the pairing's Seq.
func (f *fakeWhatsApp) edit(change func(*console.WhatsAppState)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(&f.st)
	f.st.Pairing.Seq++
}

// whatsAppEnv is a console with the fake adapter and an admin and an officer signed in.
func whatsAppEnv(t *testing.T, wa *fakeWhatsApp) (*env, *browser) {
	e := newEnv(t, func(c *console.Config) {
		if wa != nil {
			c.WhatsApp = wa
		}
	})
	e.account("admin", balai.RoleAdmin, pw)
	e.account("sari", balai.RoleOfficer, pw)
	b := e.browser()
	b.mustLogin("admin", pw)
	return e, b
}

var qrImgRe = regexp.MustCompile(`<img id="wa-qr" class="qr" src="data:image/png;base64,([^"]+)"`)

// qrImage returns the QR code image's bytes on the page, checking it is a PNG.
func qrImage(t *testing.T, body string) []byte {
	t.Helper()
	m := qrImgRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no QR image on the page:\n%s", body)
	}
	b, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the QR image is no PNG: %v", err)
	}
	if w := img.Bounds().Dx(); w < 100 {
		t.Errorf("QR image %d px wide: too small to scan", w)
	}
	return b
}

func auditActions(e *env) []balai.AuditEntry {
	var out []balai.AuditEntry
	for _, a := range e.audit() {
		if strings.HasPrefix(a.Action, "whatsapp_") {
			out = append(out, a)
		}
	}
	return out
}

// getText is a GET whose body has HTML character references decoded (html/template writes
// "+" as "&#43;").
func (b *browser) getText(path string) response {
	r := b.get(path)
	r.body = html.UnescapeString(r.body)
	return r
}

func stateVersion(t *testing.T, b *browser) string {
	t.Helper()
	r := b.get("/console/whatsapp/state")
	var s struct{ Version string }
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &s) != nil || s.Version == "" {
		t.Fatalf("state: %d %s", r.status, r.body)
	}
	return s.Version
}

func TestWhatsAppPageAccess(t *testing.T) {
	e, admin := whatsAppEnv(t, &fakeWhatsApp{st: console.WhatsAppState{Session: "not_paired"}})
	anon := e.browser()
	if r := anon.get("/console/whatsapp"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/console/login") {
		t.Errorf("anonymous: %d %s", r.status, r.header.Get("Location"))
	}
	officer := e.browser()
	officer.mustLogin("sari", pw)
	for _, path := range []string{"/console/whatsapp", "/console/whatsapp/state"} {
		if r := officer.get(path); r.status != http.StatusForbidden {
			t.Errorf("officer GET %s: %d, want 403", path, r.status)
		}
	}
	if r := officer.submit("/console/", "/console/whatsapp/pair", url.Values{"method": {"qr"}}); r.status != http.StatusForbidden {
		t.Errorf("officer pairing: %d, want 403", r.status)
	}
	if home := officer.get("/console/"); strings.Contains(home.body, `href="/console/whatsapp"`) {
		t.Error("the officer's menu links the WhatsApp page")
	}
	if home := admin.get("/console/"); !strings.Contains(home.body, `href="/console/whatsapp"`) {
		t.Error("the admin's menu lacks the WhatsApp page")
	}
}

func TestWhatsAppDisabled(t *testing.T) {
	e, b := whatsAppEnv(t, nil)
	r := b.getText("/console/whatsapp")
	if r.status != http.StatusOK || !strings.Contains(r.body, "tidak aktif") || !strings.Contains(r.body, "WHATSAPP_ENABLED=true") {
		t.Errorf("page without whatsmeow: %d\n%s", r.status, r.body)
	}
	r = b.submit("/console/whatsapp", "/console/whatsapp/pair", url.Values{"method": {"qr"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("pair: %d", r.status)
	}
	if page := b.getText("/console/whatsapp"); !strings.Contains(page.body, "flash-error") {
		t.Error("no error shown for pairing while disabled")
	}
	if a := auditActions(e); len(a) != 0 {
		t.Errorf("audited %+v", a)
	}
}

// TestWhatsAppPairQR: the page shows the state with its time; "Tautkan perangkat" starts a
// pairing (audited), the QR code shows as a PNG and changes when WhatsApp rotates it (the
// polled version changes with it), and success switches the page to connected.
func TestWhatsAppPairQR(t *testing.T) {
	since := time.Date(2030, 3, 14, 9, 30, 0, 0, time.UTC)
	wa := &fakeWhatsApp{st: console.WhatsAppState{Session: "not_paired", Detail: "no WhatsApp device is linked", Since: since}}
	e, b := whatsAppEnv(t, wa)
	page := b.getText("/console/whatsapp")
	for _, want := range []string{"Belum ditautkan", "2030-03-14 09:30", `id="wa-start-qr"`, `id="wa-phone"`, `data-poll="/console/whatsapp/state"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page.body, `id="wa-logout"`) {
		t.Error("logout offered while not linked")
	}
	v0 := stateVersion(t, b)

	if r := b.submit("/console/whatsapp", "/console/whatsapp/pair", url.Values{"method": {"qr"}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/console/whatsapp" {
		t.Fatalf("pair: %d %s", r.status, r.header.Get("Location"))
	}
	if a := auditActions(e); len(a) != 1 || a[0].Action != "whatsapp_pairing_started" || a[0].Actor == "" || a[0].Detail != "qr" {
		t.Errorf("audit %+v", a)
	}
	page = b.getText("/console/whatsapp")
	if !strings.Contains(page.body, "Menyiapkan kode") || strings.Contains(page.body, `id="wa-start-qr"`) {
		t.Error("the page does not wait for the first code, or offers another pairing")
	}
	if r := b.submit("/console/whatsapp", "/console/whatsapp/pair", url.Values{"method": {"qr"}}); r.status != http.StatusSeeOther {
		t.Fatalf("second pair: %d", r.status)
	} else if p := b.getText("/console/whatsapp"); !strings.Contains(p.body, "Penautan lain sedang berjalan") {
		t.Error("a second pairing was not refused with the reason")
	}

	wa.edit(func(st *console.WhatsAppState) { st.Pairing.QR = "2@first-code,abc" })
	v1 := stateVersion(t, b)
	first := qrImage(t, b.getText("/console/whatsapp").body)
	wa.edit(func(st *console.WhatsAppState) { st.Pairing.QR = "2@second-code,def" })
	v2 := stateVersion(t, b)
	page = b.getText("/console/whatsapp")
	second := qrImage(t, page.body)
	if bytes.Equal(first, second) {
		t.Error("the QR image did not change with the code")
	}
	if v0 == v1 || v1 == v2 {
		t.Errorf("polled versions %q %q %q: want each different", v0, v1, v2)
	}
	if !strings.Contains(page.body, "Perangkat tertaut") || !strings.Contains(page.body, `id="wa-cancel"`) {
		t.Error("the page lacks the steps or the cancel button")
	}

	wa.edit(func(st *console.WhatsAppState) {
		st.Session, st.Since, st.Number = console.WhatsAppConnected, since.Add(time.Hour), "6281234567890"
		st.Pairing = console.WhatsAppPairingState{Outcome: "linked", Number: "6281234567890", Seq: st.Pairing.Seq}
	})
	page = b.getText("/console/whatsapp")
	for _, want := range []string{"Tersambung sebagai +62812•••••890", "2030-03-14 10:30", `id="wa-logout"`, "Berhasil"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("connected page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "6281234567890") || strings.Contains(page.body, `id="wa-qr"`) || strings.Contains(page.body, `id="wa-start-qr"`) {
		t.Error("connected page shows the full number, a QR code or the pairing form")
	}
}

// TestWhatsAppPairCode: with a phone number the page shows the pairing code to type.
func TestWhatsAppPairCode(t *testing.T) {
	wa := &fakeWhatsApp{st: console.WhatsAppState{Session: "logged_out"}}
	e, b := whatsAppEnv(t, wa)
	if r := b.submit("/console/whatsapp", "/console/whatsapp/pair", url.Values{"method": {"code"}, "phone": {"12"}}); r.status != http.StatusSeeOther {
		t.Fatalf("bad phone: %d", r.status)
	}
	if p := b.getText("/console/whatsapp"); !strings.Contains(p.body, "Nomor telepon tidak dikenali") {
		t.Error("bad phone not explained")
	}
	if r := b.submit("/console/whatsapp", "/console/whatsapp/pair", url.Values{"method": {"code"}, "phone": {"0812-3456-7890"}}); r.status != http.StatusSeeOther {
		t.Fatalf("pair: %d", r.status)
	}
	if wa.phone != "6281234567890" {
		t.Errorf("phone %q", wa.phone)
	}
	wa.edit(func(st *console.WhatsAppState) { st.Pairing.Code = "ABCD-EFGH" })
	page := b.getText("/console/whatsapp")
	if !strings.Contains(page.body, `<strong id="wa-code" class="code">ABCD-EFGH</strong>`) || !strings.Contains(page.body, "+62812•••••890") ||
		!strings.Contains(page.body, "Tautkan dengan nomor telepon saja") || strings.Contains(page.body, `id="wa-qr"`) {
		t.Errorf("page:\n%s", page.body)
	}
	a := auditActions(e)
	if len(a) != 1 || a[0].Detail != "pairing code for +62812•••••890" {
		t.Errorf("audit %+v", a)
	}
	// Cancelling is audited and ends the pairing.
	if r := b.submit("/console/whatsapp", "/console/whatsapp/cancel", nil); r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	if !wa.cancelled {
		t.Error("not cancelled")
	}
	if a := auditActions(e); len(a) != 2 || a[1].Action != "whatsapp_pairing_cancelled" {
		t.Errorf("audit %+v", a)
	}
	if page := b.getText("/console/whatsapp"); !strings.Contains(page.body, "Penautan dibatalkan") || !strings.Contains(page.body, `id="wa-start-qr"`) {
		t.Error("the page does not say cancelled or offer pairing again")
	}
}

// TestWhatsAppLogout: logging out needs the CSRF token and a connected session, and is
// audited.
func TestWhatsAppLogout(t *testing.T) {
	wa := &fakeWhatsApp{st: console.WhatsAppState{Session: console.WhatsAppConnected, Number: "6281234567890"}}
	e, b := whatsAppEnv(t, wa)
	page := b.getText("/console/whatsapp")
	if !strings.Contains(page.body, `action="/console/whatsapp/logout" class="inline" data-confirm="Putuskan WhatsApp dari Balai?`) {
		t.Error("logout form without confirmation")
	}
	if r := b.post("/console/whatsapp/logout", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("without CSRF: %d, want 403", r.status)
	}
	if wa.loggedOut {
		t.Fatal("logged out without the CSRF token")
	}
	if r := b.submit("/console/whatsapp", "/console/whatsapp/logout", nil); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	if !wa.loggedOut {
		t.Fatal("not logged out")
	}
	a := auditActions(e)
	if len(a) != 1 || a[0].Action != "whatsapp_logged_out" || a[0].Detail != "+62812•••••890" || a[0].Target != "whatsapp" {
		t.Errorf("audit %+v", a)
	}
	page = b.getText("/console/whatsapp")
	if !strings.Contains(page.body, "WhatsApp diputuskan") || !strings.Contains(page.body, "Keluar: perangkat dilepas") {
		t.Errorf("page after logout:\n%s", page.body)
	}
	// Nothing connected any more: refused with the reason, not audited.
	b.submit("/console/whatsapp", "/console/whatsapp/logout", nil)
	if p := b.getText("/console/whatsapp"); !strings.Contains(p.body, "tidak tersambung") {
		t.Error("second logout not explained")
	}
	wa.err = errors.New("database is down")
	if r := b.submit("/console/whatsapp", "/console/whatsapp/pair", url.Values{"method": {"qr"}}); r.status != http.StatusInternalServerError {
		t.Errorf("failing adapter: %d, want 500", r.status)
	}
	if a := auditActions(e); len(a) != 1 {
		t.Errorf("refused actions audited: %+v", a)
	}
}

func TestWhatsAppElsewhere(t *testing.T) {
	wa := &fakeWhatsApp{st: console.WhatsAppState{Session: "standby"}, err: console.ErrWhatsAppElsewhere}
	_, b := whatsAppEnv(t, wa)
	if p := b.getText("/console/whatsapp"); !strings.Contains(p.body, "Siaga: replika lain") {
		t.Error("standby state not shown")
	}
	b.submit("/console/whatsapp", "/console/whatsapp/pair", url.Values{"method": {"qr"}})
	if p := b.getText("/console/whatsapp"); !strings.Contains(p.body, "Proses lain memegang sesi WhatsApp") {
		t.Error("pairing held elsewhere not explained")
	}
	// An unknown state is shown by name.
	wa.edit(func(st *console.WhatsAppState) { st.Session = "brand_new_state" })
	if p := b.getText("/console/whatsapp"); !strings.Contains(p.body, "Status: brand_new_state") {
		t.Error("unknown state not shown")
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"6281234567890":  "+62812•••••890",
		"+62 812-345-67": "+62812••567",
		"12345678":       "+12••••78",
		"1234":           "+••••",
	} {
		if got := console.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
