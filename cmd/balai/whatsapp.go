package main

import (
	"context"
	"fmt"
	"io"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
)

func init() { commands["whatsapp"] = runWhatsApp }

// runWhatsApp is `balai whatsapp login [--phone 62812…]`: it links the agency's WhatsApp
// number to Balai (whatsmeow) by QR code or pairing code; the device is kept in Balai's own
// database, where `balai serve` with WHATSAPP_ENABLED=true finds it.
func runWhatsApp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "login" {
		fmt.Fprintln(stderr, "usage: balai whatsapp login [--phone 62812…]")
		return exitUsage
	}
	fs := newFlagSet("balai whatsapp login", stderr)
	phone := fs.String("phone", "", "pair by code typed on this `NUMBER`'s phone instead of a QR code")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai whatsapp login: configuration:\n%v\n", err)
		return exitUsage
	}
	log := newLogger(stderr, cfg)
	// A name of its own: the server's name would let this process take the server's lease.
	db, err := store.Open(ctx, cfg.databaseURL(), store.Options{Owner: store.InstanceName("login")})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	defer db.Close()
	if err := meow.Login(ctx, meow.Config{Store: db, Logger: log.With("component", "whatsapp")}, stdout, *phone); err != nil {
		fmt.Fprintf(stderr, "balai whatsapp login: %v\n", err)
		return exitFailed
	}
	return exitOK
}
