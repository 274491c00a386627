package cloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/whatsapp/cloud"
	"github.com/balai-id/balai/internal/wafake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

const (
	token   = "EAAtest-token"
	phoneID = "109876543210"
	secret  = "app-secret-uji"
	verify  = "verifikasi-123"
	citizen = "6281234567890"
)

var quiet = slog.New(slog.DiscardHandler)

// acceptor records Accept calls.
type acceptor struct {
	mu    sync.Mutex
	calls [][]bot.Inbound
	err   error
}

func (a *acceptor) Accept(_ context.Context, in ...bot.Inbound) ([]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return nil, a.err
	}
	a.calls = append(a.calls, append([]bot.Inbound(nil), in...))
	fresh := make([]bool, len(in))
	for i := range fresh {
		fresh[i] = true
	}
	return fresh, nil
}

func (a *acceptor) all() [][]bot.Inbound {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([][]bot.Inbound(nil), a.calls...)
}

// storeAcceptor records messages in a real store.
type storeAcceptor struct{ db *store.DB }

func (s storeAcceptor) Accept(ctx context.Context, in ...bot.Inbound) ([]bool, error) {
	_, fresh, err := s.db.Accept(ctx, in)
	return fresh, err
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// lastInbound is a settable LastInbounder.
type lastInbound struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (l *lastInbound) LastInbound(_ context.Context, chat balai.ChatRef) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last[chat.ID], nil
}

func (l *lastInbound) set(chat string, t time.Time) {
	l.mu.Lock()
	l.last[chat] = t
	l.mu.Unlock()
}

// newAdapter starts a fake Graph API and an adapter pointed at it.
func newAdapter(t *testing.T, acc cloud.Acceptor, tweak func(*cloud.Config)) (*cloud.Adapter, *wafake.Server) {
	t.Helper()
	fake := wafake.New(token, phoneID)
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	cfg := cloud.Config{Token: token, PhoneID: phoneID, AppSecret: secret, VerifyToken: verify,
		APIURL: api.URL + "/v21.0", TemplateName: "jawaban_siap", TemplateLang: "id", Logger: quiet}
	if tweak != nil {
		tweak(&cfg)
	}
	if acc == nil {
		acc = &acceptor{}
	}
	a, err := cloud.New(cfg, acc)
	if err != nil {
		t.Fatal(err)
	}
	return a, fake
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestNewNeedsCredentials(t *testing.T) {
	_, err := cloud.New(cloud.Config{Token: token}, &acceptor{})
	if err == nil || !strings.Contains(err.Error(), "WHATSAPP_CLOUD_PHONE_ID") || !strings.Contains(err.Error(), "WHATSAPP_CLOUD_APP_SECRET") {
		t.Errorf("New without credentials: %v", err)
	}
}

func TestVerificationHandshake(t *testing.T) {
	a, _ := newAdapter(t, nil, nil)
	h := a.WebhookHandler()
	for _, tc := range []struct {
		name, query string
		code        int
		body        string
	}{
		{"OK", "hub.mode=subscribe&hub.verify_token=" + verify + "&hub.challenge=1158201444", 200, "1158201444"},
		{"WrongToken", "hub.mode=subscribe&hub.verify_token=salah&hub.challenge=1158201444", 403, ""},
		{"NoToken", "hub.mode=subscribe&hub.challenge=1158201444", 403, ""},
		{"WrongMode", "hub.mode=unsubscribe&hub.verify_token=" + verify + "&hub.challenge=1", 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(h, httptest.NewRequest(http.MethodGet, "/webhooks/whatsapp?"+tc.query, nil))
			if rec.Code != tc.code {
				t.Fatalf("code %d, want %d", rec.Code, tc.code)
			}
			if tc.body != "" && rec.Body.String() != tc.body {
				t.Errorf("body %q, want %q", rec.Body.String(), tc.body)
			}
		})
	}
}

func TestWebhookSignature(t *testing.T) {
	acc := &acceptor{}
	a, _ := newAdapter(t, acc, nil)
	h := a.WebhookHandler()
	at := time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)
	body := wafake.Payload(phoneID, []wafake.Contact{{WaID: citizen, Name: "Siti"}},
		wafake.Text(citizen, "wamid.HBgM1", "KTP saya hilang, gimana?").At(at).Replying("wamid.BOT1"))

	bad := wafake.SignedWebhook("/webhooks/whatsapp", "rahasia-lain", body)
	if rec := serve(h, bad); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong signature: %d, want 401", rec.Code)
	}
	missing := wafake.SignedWebhook("/webhooks/whatsapp", secret, body)
	missing.Header.Del("X-Hub-Signature-256")
	if rec := serve(h, missing); rec.Code != http.StatusUnauthorized {
		t.Errorf("missing signature: %d, want 401", rec.Code)
	}
	garbled := wafake.SignedWebhook("/webhooks/whatsapp", secret, body)
	garbled.Header.Set("X-Hub-Signature-256", "sha256=zz")
	if rec := serve(h, garbled); rec.Code != http.StatusUnauthorized {
		t.Errorf("garbled signature: %d, want 401", rec.Code)
	}
	if rec := serve(h, wafake.SignedWebhook("/webhooks/whatsapp", secret, []byte(`{"object":`))); rec.Code != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d, want 400", rec.Code)
	}
	if n := len(acc.all()); n != 0 {
		t.Fatalf("rejected requests reached the engine: %d calls", n)
	}

	if rec := serve(h, wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
		t.Fatalf("right signature: %d, want 200", rec.Code)
	}
	calls := acc.all()
	if len(calls) != 1 || len(calls[0]) != 1 {
		t.Fatalf("Accept calls: %+v", calls)
	}
	want := bot.Inbound{
		Chat:      balai.ChatRef{Channel: balai.WhatsApp, ID: citizen},
		Key:       "wamid.HBgM1",
		MessageID: "wamid.HBgM1",
		ReplyTo:   "wamid.BOT1",
		UserID:    citizen,
		UserName:  "Siti",
		Kind:      bot.KindText,
		Text:      "KTP saya hilang, gimana?",
		SentAt:    at, // the platform's timestamp; Inbound.Time is set by the engine at Accept
	}
	if diff := cmp.Diff(want, calls[0][0]); diff != "" {
		t.Errorf("inbound (-want +got):\n%s", diff)
	}
}

func TestWebhookMessageTypes(t *testing.T) {
	acc := &acceptor{}
	a, _ := newAdapter(t, acc, nil)
	body := wafake.Payload(phoneID, []wafake.Contact{{WaID: citizen, Name: "Budi"}},
		wafake.Text(citizen, "w1", "halo"),
		wafake.ButtonReply(citizen, "w2", "#a1b2c3", "Ya"),
		wafake.ListReply(citizen, "w3", "entry:ktp-hilang", "KTP hilang", "Cara mengurus KTP yang hilang"),
		wafake.QuickReply(citizen, "w4", "lihat_jawaban", "Lihat jawaban"),
		wafake.Image(citizen, "w5", "ini foto KTP saya"),
		wafake.Image(citizen, "w6", ""),
		wafake.Media(citizen, "w7", "audio"),
		wafake.Media(citizen, "w8", "sticker"),
		wafake.Media(citizen, "w9", "location"),
		wafake.Media(citizen, "w10", "contacts"),
		wafake.Media(citizen, "w11", "document"),
		wafake.Media(citizen, "w12", "reaction"),
		wafake.Media(citizen, "w13", "unsupported"),
		wafake.Media(citizen, "w14", "system"),
	)
	if rec := serve(a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
		t.Fatalf("code %d", rec.Code)
	}
	calls := acc.all()
	if len(calls) != 1 {
		t.Fatalf("%d Accept calls, want the whole request in one", len(calls))
	}
	type got struct {
		Key   string
		Kind  bot.Kind
		Text  string
		Media string
	}
	var gots []got
	for _, in := range calls[0] {
		if in.UserName != "Budi" || in.Chat.ID != citizen || in.Chat.Channel != balai.WhatsApp {
			t.Errorf("%s: user %q chat %v", in.Key, in.UserName, in.Chat)
		}
		gots = append(gots, got{in.Key, in.Kind, in.Text, in.Media})
	}
	want := []got{
		{"w1", bot.KindText, "halo", ""},
		{"w2", bot.KindButton, "#a1b2c3", ""},
		{"w3", bot.KindButton, "entry:ktp-hilang", ""},
		{"w4", bot.KindButton, "lihat_jawaban", ""},
		{"w5", bot.KindText, "ini foto KTP saya", ""},
		{"w6", bot.KindMedia, "", "photo"},
		{"w7", bot.KindMedia, "", "audio"},
		{"w8", bot.KindMedia, "", "sticker"},
		{"w9", bot.KindMedia, "", "location"},
		{"w10", bot.KindMedia, "", "contact"},
		{"w11", bot.KindMedia, "", "document"},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("converted (-want +got):\n%s", diff)
	}
}

func TestWebhookStatusesOnly(t *testing.T) {
	acc := &acceptor{}
	a, _ := newAdapter(t, acc, nil)
	body := wafake.Statuses(phoneID,
		wafake.Status{ID: "wamid.OUT1", RecipientID: citizen, Status: "delivered"},
		wafake.Status{ID: "wamid.OUT2", RecipientID: citizen, Status: "failed", ErrorCode: 131047})
	if rec := serve(a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
		t.Fatalf("code %d, want 200", rec.Code)
	}
	if n := len(acc.all()); n != 0 {
		t.Errorf("statuses reached the engine: %d calls", n)
	}
}

func TestWebhookForAnotherNumberIsIgnored(t *testing.T) {
	acc := &acceptor{}
	a, _ := newAdapter(t, acc, nil)
	body := wafake.Payload("999999", nil, wafake.Text(citizen, "w1", "halo"))
	if rec := serve(a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
		t.Fatalf("code %d, want 200", rec.Code)
	}
	if n := len(acc.all()); n != 0 {
		t.Errorf("a message to another number reached the engine")
	}
}

// TestWebhookAcceptFailureAsksForRedelivery: a store failure or a full intake (the engine's
// ErrBusy) answers 503 with Retry-After, so Meta delivers the webhook again.
func TestWebhookAcceptFailureAsksForRedelivery(t *testing.T) {
	for _, err := range []error{errors.New("database is locked"), bot.ErrBusy} {
		acc := &acceptor{err: err}
		a, _ := newAdapter(t, acc, nil)
		body := wafake.Payload(phoneID, nil, wafake.Text(citizen, "w1", "halo"))
		rec := serve(a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%v: code %d Retry-After %q, want 503 with Retry-After", err, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
}

func TestWebhookRedeliveryRecordedOnce(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "wa.db"), store.Options{Owner: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, _ := newAdapter(t, storeAcceptor{db}, nil)
	body := wafake.Payload(phoneID, nil, wafake.Text(citizen, "wamid.DUP1", "halo"))
	for i := range 3 { // Meta redelivers when it missed the 200
		if rec := serve(a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
			t.Fatalf("delivery %d: code %d", i+1, rec.Code)
		}
	}
	pending, err := db.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Key != "wamid.DUP1" {
		t.Fatalf("recorded %+v, want wamid.DUP1 once", pending)
	}
}

// open returns an adapter whose window is open for citizen.
func open(t *testing.T) (*cloud.Adapter, *wafake.Server) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	li := &lastInbound{last: map[string]time.Time{citizen: now.Add(-time.Minute)}}
	return newAdapter(t, nil, func(c *cloud.Config) {
		c.LastInbound, c.Now = li, func() time.Time { return now }
	})
}

func chat() balai.ChatRef { return balai.ChatRef{Channel: balai.WhatsApp, ID: citizen} }

func TestSendText(t *testing.T) {
	a, fake := open(t)
	id, err := a.Send(context.Background(), bot.Outgoing{Chat: chat(), Kind: bot.OutMessage,
		Text: "Silakan bawa **KK** dan _surat kehilangan_.", ReplyTo: "wamid.IN1"})
	if err != nil {
		t.Fatal(err)
	}
	sent := fake.SentTo(citizen)
	if len(sent) != 1 {
		t.Fatalf("sent %d", len(sent))
	}
	m := sent[0]
	if id == "" || id != m.ID {
		t.Errorf("Send returned %q, fake gave %q", id, m.ID)
	}
	if m.Type != "text" || m.Text != "Silakan bawa *KK* dan _surat kehilangan_." || m.ReplyTo != "wamid.IN1" {
		t.Errorf("sent %+v", m)
	}
	var raw map[string]any
	json.Unmarshal(m.Raw, &raw)
	if raw["recipient_type"] != "individual" || raw["text"].(map[string]any)["preview_url"] != false {
		t.Errorf("request %s", m.Raw)
	}
}

func TestSendCallbackSendsNothing(t *testing.T) {
	a, fake := open(t)
	id, err := a.Send(context.Background(), bot.Outgoing{Chat: chat(), Kind: bot.OutCallback, CallbackID: "x"})
	if id != "" || err != nil || fake.Calls() != 0 {
		t.Errorf("callback: id %q err %v calls %d", id, err, fake.Calls())
	}
}

func TestSendReplyButtons(t *testing.T) {
	a, fake := open(t)
	o := bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Apakah jawaban ini membantu?", ReplyTo: "wamid.IN2",
		Buttons: [][]bot.Button{{{Text: "👍 Ya", Data: "fb:up"}, {Text: "👎 Tidak", Data: "fb:down"}},
			{{Text: "Sumber", URL: "https://dukcapil.example.go.id/ktp"}}}}
	for _, p := range a.Split(o) {
		if _, err := a.Send(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	sent := fake.SentTo(citizen)
	if len(sent) != 1 {
		t.Fatalf("sent %d: %+v", len(sent), sent)
	}
	m := sent[0]
	if m.Type != "interactive" || m.Interactive != "button" || m.ReplyTo != "wamid.IN2" {
		t.Fatalf("sent %+v", m)
	}
	want := []wafake.Choice{{ID: "fb:up", Title: "👍 Ya"}, {ID: "fb:down", Title: "👎 Tidak"}}
	if diff := cmp.Diff(want, m.Choices); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
	if wantText := "Apakah jawaban ini membantu?\n\nSumber: https://dukcapil.example.go.id/ktp"; m.Text != wantText {
		t.Errorf("body %q, want %q", m.Text, wantText)
	}
}

func TestSendList(t *testing.T) {
	a, fake := open(t)
	long := "Perpanjangan izin usaha mikro dan kecil secara daring"
	for _, tc := range []struct {
		name    string
		lang    string
		buttons []bot.Button
		want    []wafake.Choice
		label   string
	}{
		{"FiveOptions", "id",
			[]bot.Button{{Text: "KTP", Data: "a"}, {Text: "KK", Data: "b"}, {Text: "Akta", Data: "c"}, {Text: "Pindah", Data: "d"}, {Text: "Lainnya", Data: "e"}},
			[]wafake.Choice{{ID: "a", Title: "KTP"}, {ID: "b", Title: "KK"}, {ID: "c", Title: "Akta"}, {ID: "d", Title: "Pindah"}, {ID: "e", Title: "Lainnya"}},
			"Pilih"},
		{"LongTitle", "en",
			[]bot.Button{{Text: "KTP", Data: "a"}, {Text: long, Data: "b"}},
			[]wafake.Choice{{ID: "a", Title: "KTP"}, {ID: "b", Title: "Perpanjangan izin usaha…", Description: long}},
			"Choose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fake.SentTo(citizen))
			o := bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Topik layanan:", Lang: tc.lang, Buttons: [][]bot.Button{tc.buttons}}
			if _, err := a.Send(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			sent := fake.SentTo(citizen)[before:]
			if len(sent) != 1 || sent[0].Interactive != "list" {
				t.Fatalf("sent %+v", sent)
			}
			if diff := cmp.Diff(tc.want, sent[0].Choices); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if sent[0].ListButton != tc.label {
				t.Errorf("label %q, want %q", sent[0].ListButton, tc.label)
			}
		})
	}
	t.Run("MoreThanTen", func(t *testing.T) {
		var row []bot.Button
		for i := range 12 {
			row = append(row, bot.Button{Text: fmt.Sprintf("Pilihan %d", i+1), Data: fmt.Sprintf("opt%d", i+1)})
		}
		before := len(fake.SentTo(citizen))
		if _, err := a.Send(context.Background(), bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Pilih:", Buttons: [][]bot.Button{row}}); err != nil {
			t.Fatal(err)
		}
		sent := fake.SentTo(citizen)[before:]
		if len(sent) != 1 || len(sent[0].Choices) != 10 || sent[0].Choices[9].ID != "opt10" {
			t.Fatalf("sent %+v", sent)
		}
	})
}

func longMarkdown(paragraphs int) string {
	var b strings.Builder
	for i := 1; i <= paragraphs; i++ {
		fmt.Fprintf(&b, "Paragraf %d: ketentuan **pajak daerah** menjelaskan kewajiban warga untuk membayar tepat waktu, menyimpan bukti bayar, dan melapor bila ada perubahan data objek pajak.\n\n", i)
	}
	return b.String()
}

func TestSplitLongBody(t *testing.T) {
	a, fake := open(t)
	o := bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: longMarkdown(60), ReplyTo: "wamid.IN3",
		Buttons: [][]bot.Button{{{Text: "👍", Data: "fb:up"}, {Text: "👎", Data: "fb:down"}}}}
	parts := a.Split(o)
	if len(parts) < 3 {
		t.Fatalf("%d parts, want at least 3", len(parts))
	}
	for i, p := range parts {
		if (p.ReplyTo != "") != (i == 0) {
			t.Errorf("part %d: ReplyTo %q", i, p.ReplyTo)
		}
		if (len(p.Buttons) > 0) != (i == len(parts)-1) {
			t.Errorf("part %d: buttons %v", i, p.Buttons)
		}
		if _, err := a.Send(context.Background(), p); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
	sent := fake.SentTo(citizen)
	if len(sent) != len(parts) {
		t.Fatalf("sent %d, want %d", len(sent), len(parts))
	}
	var all strings.Builder
	for i, m := range sent {
		limit := cloud.MaxText
		if i == len(sent)-1 {
			limit = cloud.MaxBody
			if m.Interactive != "button" {
				t.Errorf("last part is %q, want reply buttons", m.Interactive)
			}
		}
		if n := len([]rune(m.Text)); n > limit {
			t.Errorf("part %d has %d characters", i, n)
		}
		all.WriteString(m.Text + " ")
	}
	for _, p := range []string{"Paragraf 1:", "Paragraf 30:", "Paragraf 60:"} {
		if !strings.Contains(all.String(), p) {
			t.Errorf("%q lost in the split", p)
		}
	}
}

func TestLongBodyWithButtonsGetsAShortPrompt(t *testing.T) {
	a, fake := open(t)
	o := bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: longMarkdown(10),
		Buttons: [][]bot.Button{{{Text: "Ya", Data: "y"}, {Text: "Tidak", Data: "n"}}}}
	parts := a.Split(o)
	if len(parts) != 2 || len(parts[0].Buttons) != 0 || parts[1].Text != "Pilih salah satu:" {
		t.Fatalf("parts %+v", parts)
	}
	// Unsplit (a caller that does not split): Send sends both.
	if _, err := a.Send(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent := fake.SentTo(citizen)
	if len(sent) != 2 || sent[0].Type != "text" || sent[1].Interactive != "button" || sent[1].Text != "Pilih salah satu:" {
		t.Fatalf("sent %+v", sent)
	}
}

func TestSendErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      wafake.Failure
		chat      string
		retry     time.Duration // want a RetryAfterError of this much
		permanent bool
	}{
		{name: "Throughput", fail: wafake.Failure{Status: 400, Code: 130429}, retry: 2 * time.Second},
		{name: "PairRate", fail: wafake.Failure{Status: 400, Code: 131056}, retry: 10 * time.Second},
		{name: "HTTP429RetryAfter", fail: wafake.Failure{Status: 429, Code: 80007, RetryAfter: "7"}, retry: 7 * time.Second},
		{name: "InvalidRecipient", fail: wafake.Failure{Status: 400, Code: 131026, Message: "Message undeliverable"}, permanent: true},
		{name: "InvalidParameter", fail: wafake.Failure{Status: 400, Code: 100}, permanent: true},
		{name: "Unauthorized", fail: wafake.Failure{Status: 401, Code: 190}, permanent: true},
		{name: "ServerError", fail: wafake.Failure{Status: 500, Code: 131000}},
		{name: "BadChatID", chat: "not-a-number", permanent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, fake := open(t)
			if tc.fail.Code != 0 {
				fake.FailNext(1, tc.fail)
			}
			c := chat()
			if tc.chat != "" {
				c.ID = tc.chat
			}
			_, err := a.Send(context.Background(), bot.Outgoing{Chat: c, Kind: bot.OutMessage, Text: "halo"})
			if err == nil {
				t.Fatal("no error")
			}
			var ra *bot.RetryAfterError
			var pe *bot.PermanentError
			switch {
			case tc.retry > 0:
				if !errors.As(err, &ra) || ra.After != tc.retry {
					t.Errorf("err %v, want retry after %v", err, tc.retry)
				}
			case tc.permanent:
				if !errors.As(err, &pe) {
					t.Errorf("err %v, want permanent", err)
				}
			default:
				if errors.As(err, &ra) || errors.As(err, &pe) {
					t.Errorf("err %v, want a transient error", err)
				}
			}
			var ae *cloud.APIError
			if tc.fail.Code != 0 && (!errors.As(err, &ae) || ae.Code != tc.fail.Code) {
				t.Errorf("err %v does not carry code %d", err, tc.fail.Code)
			}
			if len(fake.Sent()) != 0 {
				t.Errorf("sent %+v", fake.Sent())
			}
		})
	}
}

func TestWindowClosedSendsTemplateOnce(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: now}
	li := &lastInbound{last: map[string]time.Time{citizen: now.Add(-25 * time.Hour)}}
	a, fake := newAdapter(t, nil, func(c *cloud.Config) { c.LastInbound, c.Now = li, clk.Now })
	reply := bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Balasan petugas: berkas Anda sudah siap."}

	_, err := a.Send(context.Background(), reply)
	var he *bot.HoldError
	if !errors.As(err, &he) {
		t.Fatalf("err %v, want HoldError", err)
	}
	sent := fake.SentTo(citizen)
	if len(sent) != 1 || sent[0].Type != "template" || sent[0].Template != "jawaban_siap" || sent[0].TemplateLang != "id" {
		t.Fatalf("sent %+v, want the template", sent)
	}

	clk.Set(now.Add(time.Hour))
	if _, err := a.Send(context.Background(), reply); !errors.As(err, &he) {
		t.Fatalf("second send: %v, want HoldError", err)
	}
	if n := len(fake.SentTo(citizen)); n != 1 {
		t.Fatalf("%d messages after the second send, want no second template", n)
	}

	li.set(citizen, now.Add(time.Hour)) // the citizen wrote
	id, err := a.Send(context.Background(), reply)
	if err != nil {
		t.Fatal(err)
	}
	sent = fake.SentTo(citizen)
	if len(sent) != 2 || sent[1].Type != "text" || sent[1].ID != id || !strings.Contains(sent[1].Text, "berkas Anda sudah siap") {
		t.Fatalf("sent %+v", sent)
	}

	// A day later the window closes again: a new template, once.
	clk.Set(now.Add(26 * time.Hour))
	for range 2 {
		if _, err := a.Send(context.Background(), reply); !errors.As(err, &he) {
			t.Fatalf("after the window closed again: %v", err)
		}
	}
	if sent = fake.SentTo(citizen); len(sent) != 3 || sent[2].Type != "template" {
		t.Fatalf("sent %+v, want a second template", sent)
	}
}

func TestMetaReEngagementErrorSendsTemplate(t *testing.T) {
	a, fake := newAdapter(t, nil, nil) // no LastInbound: Meta's 131047 alone decides
	fake.CloseWindow(citizen)
	reply := bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Balasan petugas"}
	var he *bot.HoldError
	for range 2 {
		if _, err := a.Send(context.Background(), reply); !errors.As(err, &he) {
			t.Fatalf("err %v, want HoldError", err)
		}
	}
	sent := fake.SentTo(citizen)
	if len(sent) != 1 || sent[0].Type != "template" {
		t.Fatalf("sent %+v, want one template", sent)
	}
	fake.OpenWindow(citizen)
	if _, err := a.Send(context.Background(), reply); err != nil {
		t.Fatal(err)
	}
	if sent = fake.SentTo(citizen); len(sent) != 2 || sent[1].Text != "Balasan petugas" {
		t.Fatalf("sent %+v", sent)
	}
}

func TestWindowClosedWithoutTemplateIsPermanent(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	li := &lastInbound{last: map[string]time.Time{citizen: now.Add(-48 * time.Hour)}}
	a, fake := newAdapter(t, nil, func(c *cloud.Config) {
		c.LastInbound, c.Now, c.TemplateName = li, func() time.Time { return now }, ""
	})
	_, err := a.Send(context.Background(), bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "halo"})
	var pe *bot.PermanentError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "24-hour window") {
		t.Fatalf("err %v, want a permanent error about the window", err)
	}
	if fake.Calls() != 0 {
		t.Errorf("%d calls to Meta", fake.Calls())
	}
}

// engineRig is the whole engine with the Cloud adapter, on Balai's clock clk shared by store,
// index, engine and adapter (the mini corpus, SQLite).
type engineRig struct {
	eng  *bot.Engine
	a    *cloud.Adapter
	fake *wafake.Server
}

func newEngineRig(t *testing.T, clk *clock, tweak func(*bot.Config)) *engineRig {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "wa.db"), store.Options{Owner: "t", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, ps, err := knowledge.LoadCorpus("../../../knowledge/testdata/mini")
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	cfg := bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet, Now: clk.Now}
	if tweak != nil {
		tweak(&cfg)
	}
	eng, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, fake := newAdapter(t, eng, func(cfg *cloud.Config) { cfg.LastInbound, cfg.Now = db, clk.Now })
	eng.AddSender(balai.WhatsApp, a, cloud.Limits, true)
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()) })
	return &engineRig{eng: eng, a: a, fake: fake}
}

func (r *engineRig) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !r.eng.Idle(ctx) {
		t.Fatal("engine not idle")
	}
}

// write delivers a citizen's text through the signed webhook, stamped by WhatsApp at sentAt.
func (r *engineRig) write(t *testing.T, id, text string, sentAt time.Time) {
	t.Helper()
	body := wafake.Payload(phoneID, []wafake.Contact{{WaID: citizen, Name: "Siti"}}, wafake.Text(citizen, id, text).At(sentAt))
	if rec := serve(r.a.WebhookHandler(), wafake.SignedWebhook("/webhooks/whatsapp", secret, body)); rec.Code != http.StatusOK {
		t.Fatalf("webhook: %d", rec.Code)
	}
}

func TestEngineHoldsReplyUntilCitizenWrites(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) // a fixed day: the test means the same on any date
	clk := &clock{t: start}                              // Balai's clock, shared by store, index, engine and adapter
	var mu sync.Mutex
	held := 0
	r := newEngineRig(t, clk, func(cfg *bot.Config) {
		cfg.OnDeliveryHeld = func(context.Context, bot.StoredOutgoing, error) { mu.Lock(); held++; mu.Unlock() }
	})
	eng, fake := r.eng, r.fake
	idle := func() { t.Helper(); r.idle(t) }
	write := func(id, text string) { t.Helper(); r.write(t, id, text, clk.Now()) }

	// Yesterday the citizen asked and was answered.
	write("wamid.Q1", "KTP saya hilang, bagaimana mengurusnya?")
	idle()
	answered := len(fake.SentTo(citizen))
	if answered == 0 {
		t.Fatal("the question was not answered")
	}

	// 25 hours later an officer replies: the template goes out, the reply waits.
	clk.Set(start.Add(25 * time.Hour))
	officer := bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Balasan petugas: surat kehilangan bisa diambil besok.", Lang: bot.LangID}
	if err := eng.Deliver(ctx, officer); err != nil {
		t.Fatal(err)
	}
	idle()
	sent := fake.SentTo(citizen)[answered:]
	if len(sent) != 1 || sent[0].Type != "template" {
		t.Fatalf("after the officer's reply: %+v, want only the template", sent)
	}
	mu.Lock()
	if held != 1 {
		t.Errorf("held %d, want 1", held)
	}
	mu.Unlock()

	// A second reply meanwhile: held too, no second template.
	second := officer
	second.Text = "Balasan petugas: jangan lupa membawa KK."
	if err := eng.Deliver(ctx, second); err != nil {
		t.Fatal(err)
	}
	idle()
	if sent := fake.SentTo(citizen)[answered:]; len(sent) != 1 {
		t.Fatalf("after a second reply: %+v, want no second template", sent)
	}

	// The citizen writes: both replies go out, in order.
	clk.Set(start.Add(25*time.Hour + 5*time.Minute))
	write("wamid.Q2", "baik, terima kasih")
	idle()
	var texts []string
	for _, m := range fake.SentTo(citizen)[answered+1:] {
		if m.Type == "template" {
			t.Errorf("another template was sent: %+v", m)
		}
		if strings.HasPrefix(m.Text, "Balasan petugas") {
			texts = append(texts, m.Text)
		}
	}
	want := []string{"Balasan petugas: surat kehilangan bisa diambil besok.", "Balasan petugas: jangan lupa membawa KK."}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("released replies (-want +got):\n%s", diff)
	}
}

// TestGraphRequestShape checks the wire format against Meta's documented request.
func TestGraphRequestShape(t *testing.T) {
	var got []byte
	var auth, path string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		auth, path = r.Header.Get("Authorization"), r.URL.Path
		io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"6281234567890","wa_id":"6281234567890"}],"messages":[{"id":"wamid.X1"}]}`)
	}))
	defer api.Close()
	a, err := cloud.New(cloud.Config{Token: token, PhoneID: phoneID, AppSecret: secret, VerifyToken: verify,
		APIURL: api.URL + "/v21.0/", Logger: quiet}, &acceptor{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.Send(context.Background(), bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Text: "Pilih layanan", ReplyTo: "wamid.IN9",
		Buttons: [][]bot.Button{{{Text: "KTP", Data: "k"}}}})
	if err != nil || id != "wamid.X1" {
		t.Fatalf("Send: %q, %v", id, err)
	}
	if auth != "Bearer "+token || path != "/v21.0/"+phoneID+"/messages" {
		t.Errorf("auth %q path %q", auth, path)
	}
	want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"6281234567890","type":"interactive",` +
		`"context":{"message_id":"wamid.IN9"},"interactive":{"type":"button","body":{"text":"Pilih layanan"},` +
		`"action":{"buttons":[{"type":"reply","reply":{"id":"k","title":"KTP"}}]}}}`
	if string(got) != want {
		t.Errorf("request\n got %s\nwant %s", got, want)
	}
}

// TestChoiceTextsFollowMessages: the words around a list of choices are the agency's
// messages, so an admin's override file changes them too.
func TestChoiceTextsFollowMessages(t *testing.T) {
	override := filepath.Join(t.TempDir(), "messages.yaml")
	if err := os.WriteFile(override, []byte("choose_button:\n  id: \"Lihat opsi\"\nchoose_prompt:\n  id: \"Silakan pilih:\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	msgs, err := bot.LoadMessages(override, "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	a, fake := newAdapter(t, nil, func(c *cloud.Config) { c.Messages = msgs })
	var row []bot.Button
	for i := range 5 {
		row = append(row, bot.Button{Text: fmt.Sprint("Layanan ", i), Data: fmt.Sprint("s", i)})
	}
	if _, err := a.Send(context.Background(), bot.Outgoing{Chat: chat(), Kind: bot.OutMessage, Lang: bot.LangID, Buttons: [][]bot.Button{row}}); err != nil {
		t.Fatal(err)
	}
	sent := fake.SentTo(citizen)
	if len(sent) != 1 || sent[0].ListButton != "Lihat opsi" || sent[0].Text != "Silakan pilih:" {
		t.Fatalf("list as sent: %+v", sent)
	}
}
