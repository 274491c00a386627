package meow_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// fakeClient stands in for *whatsmeow.Client; nothing connects.
type fakeClient struct {
	dev *wastore.Device

	mu          sync.Mutex
	handlers    map[uint32]whatsmeow.EventHandlerWithSuccessStatus
	nextID      uint32
	connected   bool
	connects    int
	disconnects int
	sent        []sentMessage
	reads       []types.MessageID
	presence    []types.JID
	sendErr     error
	qr          chan whatsmeow.QRChannelItem
	pairPhone   string
	loggedOut   bool
}

type sentMessage struct {
	to  types.JID
	msg *waE2E.Message
}

func newFake(dev *wastore.Device) *fakeClient {
	return &fakeClient{dev: dev, handlers: map[uint32]whatsmeow.EventHandlerWithSuccessStatus{},
		qr: make(chan whatsmeow.QRChannelItem, 8)}
}

var _ meow.Client = (*fakeClient)(nil)

// dispatch delivers an event to the handlers as whatsmeow does: false when one failed.
func (f *fakeClient) dispatch(evt any) bool {
	f.mu.Lock()
	ids := make([]uint32, 0, len(f.handlers))
	for id := range f.handlers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	hs := make([]whatsmeow.EventHandlerWithSuccessStatus, len(ids))
	for i, id := range ids {
		hs[i] = f.handlers[id]
	}
	f.mu.Unlock()
	for _, h := range hs {
		if !h(evt) {
			return false
		}
	}
	return true
}

func (f *fakeClient) Connect() error {
	f.mu.Lock()
	f.connected = true
	f.connects++
	paired := f.dev.ID != nil
	f.mu.Unlock()
	if paired {
		go f.dispatch(&events.Connected{})
	}
	return nil
}

func (f *fakeClient) Disconnect() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connected = false
	f.disconnects++
}

func (f *fakeClient) IsConnected() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connected
}

func (f *fakeClient) AddEventHandlerWithSuccessStatus(h whatsmeow.EventHandlerWithSuccessStatus) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.handlers[f.nextID] = h
	return f.nextID
}

func (f *fakeClient) RemoveEventHandler(id uint32) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.handlers[id]
	delete(f.handlers, id)
	return ok
}

func (f *fakeClient) SendMessage(_ context.Context, to types.JID, msg *waE2E.Message, _ ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return whatsmeow.SendResponse{}, f.sendErr
	}
	f.sent = append(f.sent, sentMessage{to, msg})
	return whatsmeow.SendResponse{ID: "3EB0SENT" + string(rune('0'+len(f.sent))), Timestamp: time.Now()}, nil
}

func (f *fakeClient) BuildEdit(chat types.JID, id types.MessageID, content *waE2E.Message) *waE2E.Message {
	return &waE2E.Message{EditedMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
		ProtocolMessage: &waE2E.ProtocolMessage{
			Key:           &waCommon.MessageKey{FromMe: proto.Bool(true), ID: proto.String(id), RemoteJID: proto.String(chat.String())},
			Type:          waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(),
			EditedMessage: content,
		}}}}
}

func (f *fakeClient) MarkRead(_ context.Context, ids []types.MessageID, _ time.Time, _, _ types.JID, _ ...types.ReceiptType) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, ids...)
	return nil
}

func (f *fakeClient) SendChatPresence(_ context.Context, jid types.JID, state types.ChatPresence, _ types.ChatPresenceMedia) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if state == types.ChatPresenceComposing {
		f.presence = append(f.presence, jid)
	}
	return nil
}

func (f *fakeClient) SendPresence(context.Context, types.Presence) error {
	return whatsmeow.ErrNoPushName
}

func (f *fakeClient) GetQRChannel(context.Context) (<-chan whatsmeow.QRChannelItem, error) {
	return f.qr, nil
}

func (f *fakeClient) PairPhone(_ context.Context, phone string, _ bool, _ whatsmeow.PairClientType, _ string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pairPhone = phone
	return "ABCD-EFGH", nil
}

// Logout plays whatsmeow's: WhatsApp removes the device, the client disconnects and the
// device's data is deleted.
func (f *fakeClient) Logout(ctx context.Context) error {
	f.mu.Lock()
	if !f.connected || f.dev.ID == nil {
		f.mu.Unlock()
		return whatsmeow.ErrNotLoggedIn
	}
	f.loggedOut = true
	f.mu.Unlock()
	f.Disconnect()
	return f.dev.Delete(ctx)
}

func (f *fakeClient) readIDs() []types.MessageID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reads)
}

func (f *fakeClient) sentMessages() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// acceptor records what the adapter hands to the engine.
type acceptor struct {
	mu  sync.Mutex
	in  []bot.Inbound
	err error
}

func (a *acceptor) Accept(_ context.Context, in ...bot.Inbound) ([]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return nil, a.err
	}
	a.in = append(a.in, in...)
	fresh := make([]bool, len(in))
	for i := range fresh {
		fresh[i] = true
	}
	return fresh, nil
}

func (a *acceptor) all() []bot.Inbound {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.in)
}

func (a *acceptor) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.err = err
}

// states records what OnState was told.
type states struct {
	mu  sync.Mutex
	all [][2]string
}

func (s *states) record(state, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, [2]string{state, detail})
}

func (s *states) seen(state string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.all {
		if st[0] == state {
			return st[1], true
		}
	}
	return "", false
}

// harness runs an adapter on a real store with fake clients.
type harness struct {
	t        *testing.T
	a        *meow.Adapter
	db       *store.DB
	acc      *acceptor
	states   *states
	clients  chan *fakeClient
	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
}

// opener opens stores in one temporary folder: the same name is the same database.
func opener(t *testing.T) storetest.Opener { return storetest.SQLite(t) }

func testConfig(db *store.DB, st *states) meow.Config {
	return meow.Config{Store: db, Logger: quiet, OnState: st.record, Retry: 20 * time.Millisecond, LeaseTTL: 3 * time.Second}
}

// startAdapter runs an adapter on db until the test ends.
func startAdapter(t *testing.T, db *store.DB, edit func(*meow.Config)) *harness {
	t.Helper()
	h := &harness{t: t, db: db, acc: &acceptor{}, states: &states{}, clients: make(chan *fakeClient, 16), done: make(chan error, 1)}
	cfg := testConfig(db, h.states)
	if edit != nil {
		edit(&cfg)
	}
	a, err := meow.New(cfg, h.acc)
	if err != nil {
		t.Fatal(err)
	}
	meow.SetClientFactory(a, func(dev *wastore.Device, _ waLog.Logger) meow.Client {
		f := newFake(dev)
		h.clients <- f
		return f
	})
	h.a = a
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(h.stop)
	return h
}

// stop cancels Run and waits for it to return; later calls do nothing.
func (h *harness) stop() {
	h.stopOnce.Do(func() {
		h.cancel()
		select {
		case err := <-h.done:
			if err != nil {
				h.t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			h.t.Error("Run did not return")
		}
	})
}

// client waits for the next client the adapter builds.
func (h *harness) client() *fakeClient {
	h.t.Helper()
	select {
	case f := <-h.clients:
		return f
	case <-time.After(5 * time.Second):
		h.t.Fatal("the adapter built no client")
		return nil
	}
}

// noClient checks that the adapter builds no client for a while.
func (h *harness) noClient(d time.Duration) {
	h.t.Helper()
	select {
	case <-h.clients:
		h.t.Fatal("the adapter connected again")
	case <-time.After(d):
	}
}

// connected waits until the adapter is connected and returns its client.
func (h *harness) connected() *fakeClient {
	h.t.Helper()
	f := h.client()
	h.waitState(meow.StateConnected)
	return f
}

func (h *harness) waitState(want string) string {
	h.t.Helper()
	return waitFor(h.t, func() (string, bool) {
		st, detail := h.a.State()
		return detail, st == want
	}, "state "+want)
}

func waitFor[T any](t *testing.T, f func() (T, bool), what string) T {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, ok := f()
		if ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// linkDevice stores a linked device, as pairing would, and returns its JID.
func linkDevice(t *testing.T, db *store.DB) types.JID {
	t.Helper()
	ctx := context.Background()
	c := sqlstore.NewWithDB(db.SQL(), dialect(db), nil)
	if err := c.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	dev := c.NewDevice()
	jid := types.NewADJID("6281100000001", 0, 12)
	dev.ID = &jid
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := c.PutDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	return jid
}

func dialect(db *store.DB) string {
	if db.Dialect() == store.Postgres {
		return "postgres"
	}
	return "sqlite3"
}

// leaseFree tells whether another process could take the lease now.
func leaseFree(t *testing.T, open storetest.Opener, name string) bool {
	t.Helper()
	other := open(t, name, store.Options{Owner: "probe"})
	ok, err := other.AcquireLease(context.Background(), meow.LeaseName, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		other.ReleaseLease(context.Background(), meow.LeaseName)
	}
	return ok
}

// leaseFreedSoon tells whether another process can take the lease within a second, well
// inside the lease's TTL: a running loop with no device takes it for a moment each retry
// period to look for one, so a single probe may meet it held.
func leaseFreedSoon(t *testing.T, open storetest.Opener, name string) bool {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !leaseFree(t, open, name) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

var errBoom = errors.New("database is down")
