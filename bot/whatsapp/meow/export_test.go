package meow

import (
	"context"
	"io"
	"time"

	wastore "go.mau.fi/whatsmeow/store"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// Client is the whatsmeow client interface, for fakes.
type Client = client

// SetClientFactory replaces how the adapter builds its whatsmeow client.
func SetClientFactory(a *Adapter, f func(*wastore.Device, waLog.Logger) Client) { a.newClient = f }

// LoginWith is Login with a client factory.
func LoginWith(ctx context.Context, cfg Config, out io.Writer, phone string, f func(*wastore.Device, waLog.Logger) Client) error {
	return login(ctx, cfg, out, phone, f)
}

// SetPairSettle shortens the wait for the new device's first connection.
func SetPairSettle(d time.Duration) func() {
	old := pairSettle
	pairSettle = d
	return func() { pairSettle = old }
}

// NormalizePhone exposes normalizePhone.
var NormalizePhone = normalizePhone
