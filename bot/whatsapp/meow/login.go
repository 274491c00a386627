package meow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mdp/qrterminal/v3"
	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"
)

// ErrPairingTimeout is returned by Login when no code was used in time.
var ErrPairingTimeout = errors.New("whatsapp: pairing timed out: the code was not used in time; run the command again")

// ErrSessionHeld is returned by Login while another process holds the session lease.
var ErrSessionHeld = errors.New("whatsapp: another process holds the WhatsApp session lease")

// pairSettle is how long pairing waits, after the phone accepted, for the first connection
// of the new device (the phone shows "logging in" until then).
var pairSettle = 20 * time.Second

// DeviceName is the name the phone lists the linked device under.
const DeviceName = "Balai"

var nameDevice sync.Once

// Login links Balai to the agency's WhatsApp number, for `balai whatsapp login [--phone
// 62812…]`. Without a phone number it prints QR codes to scan in WhatsApp → Perangkat
// tertaut (Linked devices) → Tautkan perangkat (Link a device); with one it prints a pairing
// code to type on the phone instead. It returns nil once linked (or when a device already
// is), ErrPairingTimeout when no code was used in time, and ErrSessionHeld while another
// process holds the session. The process must open the store under an owner name of its
// own (store.Options.Owner), not the server's, so that the lease tells them apart.
func Login(ctx context.Context, cfg Config, out io.Writer, phone string) error {
	return login(ctx, cfg, out, phone, newWhatsmeow)
}

func login(ctx context.Context, cfg Config, out io.Writer, phone string, newClient func(*wastore.Device, waLog.Logger) client) error {
	if out == nil {
		out = io.Discard
	}
	if phone != "" {
		var err error
		if phone, err = normalizePhone(phone); err != nil {
			return err
		}
	}
	a, err := New(cfg, nil)
	if err != nil {
		return err
	}
	a.newClient = newClient
	dev, err := a.device(ctx)
	if err != nil {
		return err
	}
	if dev.ID != nil {
		alreadyLinked(out, *dev.ID)
		return nil
	}
	ok, err := a.cfg.Store.AcquireLease(ctx, LeaseName, a.cfg.LeaseTTL)
	if err != nil {
		return fmt.Errorf("whatsapp: take the session lease: %w", err)
	}
	if !ok {
		return ErrSessionHeld
	}
	defer a.release()
	// Another process may have linked a device before we held the lease.
	if dev, err = a.device(ctx); err != nil {
		return err
	}
	if dev.ID != nil {
		alreadyLinked(out, *dev.ID)
		return nil
	}
	_, err = a.pair(ctx, terminal{out}, phone, dev)
	return err
}

// pairUI shows a pairing's progress: the terminal (Login) or the console (StartPairing).
type pairUI interface {
	// qr shows a QR code to scan, valid for the given time.
	qr(code string, valid time.Duration)
	// code shows the pairing code to type on the phone of +phone.
	code(code, phone string)
	// timeout says no code was used in time.
	timeout()
	// noMultidevice says the phone that scanned lacks multi-device support.
	noMultidevice()
	// linked says the device was linked as +number.
	linked(number string)
}

// terminal prints a pairing's progress for `balai whatsapp login`.
type terminal struct{ out io.Writer }

func (t terminal) qr(code string, valid time.Duration) { printQR(t.out, code, valid) }
func (t terminal) code(code, phone string)             { printCode(t.out, code, phone) }
func (t terminal) timeout() {
	fmt.Fprintln(t.out, "Waktu habis: kode tidak dipakai. Jalankan perintah ini lagi. / Timed out: the code was not used. Run this command again.")
}
func (t terminal) noMultidevice() {
	fmt.Fprintln(t.out, "Ponsel belum mendukung perangkat tertaut: perbarui WhatsApp, lalu pindai lagi. / The phone lacks multi-device support: update WhatsApp and scan again.")
}
func (t terminal) linked(number string) {
	fmt.Fprintf(t.out, "Berhasil: WhatsApp tertaut sebagai +%s. Balai tersambung dalam beberapa detik.\nLinked as +%s. Balai connects within a few seconds.\n", number, number)
}

// pair links dev with a fresh client and returns the linked JID; the caller holds the lease.
func (a *Adapter) pair(ctx context.Context, ui pairUI, phone string, dev *wastore.Device) (types.JID, error) {
	nameDevice.Do(func() { wastore.DeviceProps.Os = proto.String(DeviceName) })
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cli := a.newClient(dev, NewLogger(a.log).Sub("Pair"))
	connected := make(chan struct{}, 1)
	paired := make(chan types.JID, 1)
	hid := cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		switch e := evt.(type) {
		case *events.Connected:
			select {
			case connected <- struct{}{}:
			default:
			}
		case *events.PairSuccess:
			select {
			case paired <- e.ID:
			default:
			}
		}
		return true
	})
	defer cli.RemoveEventHandler(hid)
	qrs, err := cli.GetQRChannel(pctx)
	if err != nil {
		return types.JID{}, fmt.Errorf("whatsapp: start pairing: %w", err)
	}
	if err := cli.Connect(); err != nil {
		return types.JID{}, fmt.Errorf("whatsapp: connect: %w", err)
	}
	defer cli.Disconnect()
	t := time.NewTicker(a.cfg.LeaseTTL / 3)
	defer t.Stop()
	renewed := a.now()
	asked := false
	for done := false; !done; {
		select {
		case <-ctx.Done():
			return types.JID{}, ctx.Err()
		case <-t.C:
			if !a.renew(ctx, &renewed) {
				return types.JID{}, ErrSessionHeld
			}
		case item, ok := <-qrs:
			if !ok {
				ui.timeout()
				return types.JID{}, ErrPairingTimeout
			}
			switch item.Event {
			case whatsmeow.QRChannelEventCode:
				switch {
				case phone == "":
					ui.qr(item.Code, item.Timeout)
				case !asked:
					// The first QR code means the connection is ready for a pairing code.
					asked = true
					code, err := cli.PairPhone(ctx, phone, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
					if err != nil {
						return types.JID{}, fmt.Errorf("whatsapp: request a pairing code: %w", err)
					}
					ui.code(code, phone)
				}
			case whatsmeow.QRChannelSuccess.Event:
				done = true
			case whatsmeow.QRChannelTimeout.Event:
				ui.timeout()
				return types.JID{}, ErrPairingTimeout
			case whatsmeow.QRChannelScannedWithoutMultidevice.Event:
				ui.noMultidevice()
			case whatsmeow.QRChannelClientOutdated.Event:
				return types.JID{}, errors.New("whatsapp: WhatsApp rejects this client version: Balai needs an upgrade (whatsmeow)")
			case whatsmeow.QRChannelErrUnexpectedEvent.Event:
				return types.JID{}, errors.New("whatsapp: pairing ended unexpectedly (is a device already linked?)")
			case whatsmeow.QRChannelEventError:
				return types.JID{}, fmt.Errorf("whatsapp: pairing failed: %w", item.Error)
			}
		}
	}
	var jid types.JID
	select {
	case jid = <-paired:
	default:
		if dev.ID != nil {
			jid = *dev.ID
		}
	}
	// Let the new device log in once before disconnecting: the phone waits for it.
	settle := time.NewTimer(pairSettle)
	defer settle.Stop()
	select {
	case <-connected:
	case <-settle.C:
	case <-ctx.Done():
	}
	ui.linked(jid.User)
	a.log.Info("Linked a WhatsApp device", "device", jid.String())
	return jid, nil
}

func alreadyLinked(out io.Writer, jid types.JID) {
	fmt.Fprintf(out, "WhatsApp sudah tertaut sebagai +%s. Untuk menautkan ulang, keluarkan dulu perangkat %q di ponsel (Perangkat tertaut).\n"+
		"Already linked as +%s. To link again, first log the device %q out on the phone (Linked devices).\n",
		jid.User, DeviceName, jid.User, DeviceName)
}

// printQR draws a QR code in the terminal with instructions.
func printQR(out io.Writer, code string, valid time.Duration) {
	fmt.Fprintln(out, "Di ponsel nomor layanan, buka WhatsApp → Perangkat tertaut (Android: menu ⋮; iPhone: Setelan) → Tautkan perangkat, lalu pindai kode QR ini.")
	fmt.Fprintln(out, "On the service number's phone, open WhatsApp → Linked devices (Android: ⋮ menu; iPhone: Settings) → Link a device, and scan this QR code.")
	qrterminal.GenerateWithConfig(code, qrterminal.Config{
		Level:          qrterminal.L,
		Writer:         out,
		HalfBlocks:     true,
		BlackChar:      qrterminal.BLACK_BLACK,
		WhiteBlackChar: qrterminal.WHITE_BLACK,
		WhiteChar:      qrterminal.WHITE_WHITE,
		BlackWhiteChar: qrterminal.BLACK_WHITE,
		QuietZone:      2,
	})
	if s := int(valid / time.Second); s > 0 {
		fmt.Fprintf(out, "Kode berlaku %d detik, lalu diganti kode baru. / The code is valid for %d seconds, then a new one follows.\n\n", s, s)
	}
}

// printCode shows a pairing code with instructions.
func printCode(out io.Writer, code, phone string) {
	fmt.Fprintf(out, "Kode penautan / Pairing code: %s\n\n", code)
	fmt.Fprintf(out, "Di ponsel nomor +%s, buka WhatsApp → Perangkat tertaut → Tautkan perangkat → Tautkan dengan nomor telepon saja, lalu ketik kode di atas.\n", phone)
	fmt.Fprintf(out, "On the phone of +%s, open WhatsApp → Linked devices → Link a device → Link with phone number instead, and type the code above.\n", phone)
	fmt.Fprintln(out, "WhatsApp juga mengirim notifikasi ke ponsel itu. / WhatsApp also sends that phone a notification.")
}

// normalizePhone reads a phone number in international form (62812…, +62 812-…); a
// national number starting with 0 is taken as Indonesian.
func normalizePhone(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	p := b.String()
	if strings.HasPrefix(p, "0") {
		p = "62" + strings.TrimLeft(p, "0")
	}
	if len(p) < 8 || len(p) > 15 {
		return "", fmt.Errorf("%w: %q (want e.g. 62812…)", ErrBadPhone, s)
	}
	return p, nil
}
