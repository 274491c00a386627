// Package meow connects the conversation engine to WhatsApp through go.mau.fi/whatsmeow, the
// WhatsApp Web multi-device protocol, on the agency's own WhatsApp number linked as a device
// (like WhatsApp Web on a computer).
//
// The protocol is unofficial: WhatsApp may restrict or ban numbers that behave like bulk
// senders. This adapter therefore only ever answers citizens who wrote first (the engine
// replies to inbound messages; nothing here starts a conversation), sends within Limits, and
// never broadcasts. Use the WhatsApp Business Platform for notifications and campaigns.
//
// One device session may be connected at a time: every process that runs an Adapter
// competes for the lease "whatsapp" in Balai's database, and only its holder connects. The
// device keys live in the same database (whatsmeow's tables, versioned in
// whatsmeow_version).
//
// Messages are confirmed to WhatsApp only after the engine recorded them: the client acks
// synchronously and a message whose Accept failed is not acknowledged, so WhatsApp delivers
// it again after the next connection.
package meow

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/store"
)

// LeaseName is the database lease the connected process holds.
const LeaseName = "whatsapp"

// States reported through Config.OnState and Adapter.State.
const (
	StateStarting       = "starting"        // Run has not decided yet
	StateStandby        = "standby"         // another replica holds the session
	StateNotPaired      = "not_paired"      // no device linked: run `balai whatsapp login`
	StatePairing        = "pairing"         // linking a device from the console (StartPairing)
	StateConnecting     = "connecting"      // connecting to WhatsApp
	StateConnected      = "connected"       // connected and logged in
	StateDisconnected   = "disconnected"    // connection lost; reconnecting by itself
	StateLoggedOut      = "logged_out"      // the device was unlinked: pairing needed
	StateStreamReplaced = "stream_replaced" // another process took the session: stopped
	StateTemporaryBan   = "temporary_ban"   // WhatsApp banned the number for a while
	StateClientOutdated = "client_outdated" // WhatsApp rejects this whatsmeow version: upgrade
	StateError          = "error"           // the database failed; retrying
	StateStopped        = "stopped"         // Run returned
)

// Store is the database the adapter keeps its device and lease in; *store.DB is one.
type Store interface {
	// SQL is the connection pool whatsmeow's tables live in (on SQLite it must have foreign
	// keys on, as store.Open's DSN does).
	SQL() *sql.DB
	Dialect() store.Dialect
	AcquireLease(ctx context.Context, name string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name string) error
}

var _ Store = (*store.DB)(nil)

// Acceptor records inbound messages durably; *bot.Engine is one.
type Acceptor interface {
	Accept(ctx context.Context, in ...bot.Inbound) ([]bool, error)
}

// Config configures the adapter.
type Config struct {
	Store Store
	// Groups answers messages in group chats too (default: only private chats).
	Groups bool
	Logger *slog.Logger
	// OnState is told about every change of the connection's state (one of the State
	// constants) with a human-readable detail, to show in /healthz and alert officers. It is
	// called from the adapter's goroutines and must not block.
	OnState func(state, detail string)
	// LeaseTTL is how long the lease lasts without renewal (default 1m); it is renewed every
	// third of it.
	LeaseTTL time.Duration
	// Retry is how often a process without the session checks again whether it may connect
	// (the lease is free, a device was linked) (default 15s).
	Retry time.Duration
	Now   func() time.Time
}

// client is the part of *whatsmeow.Client the adapter uses; tests replace it with a fake.
type client interface {
	Connect() error
	Disconnect()
	IsConnected() bool
	AddEventHandlerWithSuccessStatus(handler whatsmeow.EventHandlerWithSuccessStatus) uint32
	RemoveEventHandler(id uint32) bool
	SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error)
	BuildEdit(chat types.JID, id types.MessageID, newContent *waE2E.Message) *waE2E.Message
	MarkRead(ctx context.Context, ids []types.MessageID, timestamp time.Time, chat, sender types.JID, receiptTypeExtra ...types.ReceiptType) error
	SendChatPresence(ctx context.Context, jid types.JID, state types.ChatPresence, media types.ChatPresenceMedia) error
	SendPresence(ctx context.Context, state types.Presence) error
	GetQRChannel(ctx context.Context) (<-chan whatsmeow.QRChannelItem, error)
	PairPhone(ctx context.Context, phone string, showPushNotification bool, clientType whatsmeow.PairClientType, clientDisplayName string) (string, error)
	Logout(ctx context.Context) error
}

var _ client = (*whatsmeow.Client)(nil)

// newWhatsmeow builds the real client: acks only after the handlers returned (so a message
// the engine could not record is delivered again), with decrypted messages buffered until
// then (a redelivered message cannot be decrypted twice), reconnecting by itself.
func newWhatsmeow(dev *wastore.Device, log waLog.Logger) client {
	c := whatsmeow.NewClient(dev, log)
	c.SynchronousAck = true
	c.EnableDecryptedEventBuffer = true
	c.EnableAutoReconnect = true
	c.InitialAutoReconnect = true
	return c
}

// Adapter is the WhatsApp channel: it receives messages while it holds the session and
// implements bot.Sender.
type Adapter struct {
	cfg       Config
	accept    Acceptor
	log       *slog.Logger
	now       func() time.Time
	newClient func(dev *wastore.Device, log waLog.Logger) client

	openMu    sync.Mutex
	container *sqlstore.Container

	mu      sync.Mutex
	running bool
	runCtx  context.Context // Run's context while it runs: pairings end with it
	cur     *session        // the connected session, nil when none
	state   string
	detail  string
	since   time.Time // when state last changed
	jid     string    // the linked device's number while a session runs

	// Pairing from the console (pairing.go). leaseMu orders the run loop's "no device: give
	// the lease up" against a pairing taking it, so that Run never releases a lease a pairing
	// holds.
	leaseMu sync.Mutex
	pairing *pairing      // the pairing running, nil when none
	last    PairingStatus // the pairing running or the last one
	wake    chan struct{} // a pairing linked a device: connect now
}

var (
	_ bot.Sender   = (*Adapter)(nil)
	_ bot.Typer    = (*Adapter)(nil)
	_ bot.Splitter = (*Adapter)(nil)
)

// New builds the adapter. It does not touch the database or WhatsApp until Run. accept may
// be nil for an adapter that only links a device (Login).
func New(cfg Config, accept Acceptor) (*Adapter, error) {
	if cfg.Store == nil {
		return nil, errors.New("whatsapp: Config.Store is required")
	}
	if _, err := dialectOf(cfg.Store); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = time.Minute
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 15 * time.Second
	}
	return &Adapter{cfg: cfg, accept: accept, log: cfg.Logger, now: cfg.Now, newClient: newWhatsmeow,
		state: StateStarting, since: cfg.Now(), wake: make(chan struct{}, 1)}, nil
}

// State returns the connection's state (one of the State constants) and its detail.
func (a *Adapter) State() (state, detail string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state, a.detail
}

// Available reports whether this process holds the WhatsApp session and is connected; while
// another replica holds it, the engine leaves WhatsApp deliveries to that replica.
func (a *Adapter) Available() bool {
	state, _ := a.State()
	return state == StateConnected
}

var _ bot.Availability = (*Adapter)(nil)

// setState records and reports a state; an unchanged state is not reported again.
func (a *Adapter) setState(state, detail string) {
	a.mu.Lock()
	changed := a.state != state || a.detail != detail
	if a.state != state {
		a.since = a.now()
	}
	a.state, a.detail = state, detail
	a.mu.Unlock()
	if changed && a.cfg.OnState != nil {
		a.cfg.OnState(state, detail)
	}
}

// client returns the connected session's client, or nil.
func (a *Adapter) client() client {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil {
		return nil
	}
	return a.cur.cli
}
