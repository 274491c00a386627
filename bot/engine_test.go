package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/workhours"
)

// fakeSender records what the engine delivers. Its fields are read by the dispatcher's
// goroutines: tests use setFail, all and to, never the fields.
type fakeSender struct {
	mu   sync.Mutex
	sent []bot.Outgoing
	fail func(o bot.Outgoing) error // called with mu held
}

// setFail makes every later Send call fn first and fail with its error, if any.
func (f *fakeSender) setFail(fn func(o bot.Outgoing) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

// all returns everything delivered so far, in order.
func (f *fakeSender) all() []bot.Outgoing {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.Outgoing(nil), f.sent...)
}

func (f *fakeSender) Send(_ context.Context, o bot.Outgoing) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(o); err != nil {
			return "", err
		}
	}
	f.sent = append(f.sent, o)
	return strconv.Itoa(len(f.sent)), nil
}

func (f *fakeSender) to(chat string) []bot.Outgoing {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []bot.Outgoing
	for _, o := range f.sent {
		if o.Chat.ID == chat && o.Kind == bot.OutMessage {
			out = append(out, o)
		}
	}
	return out
}

// fakeEscalator records escalations and keeps tickets open per chat.
type fakeEscalator struct {
	mu      sync.Mutex
	escs    []bot.Escalation
	open    map[string]string
	follows []string
}

func (f *fakeEscalator) Escalate(_ context.Context, e bot.Escalation) (bot.Handover, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.escs = append(f.escs, e)
	t := "BLI-" + strconv.Itoa(len(f.escs))
	if f.open != nil {
		f.open[e.Chat.String()] = t
	}
	return bot.Handover{Ticket: t, Due: e.At.Add(4 * time.Hour)}, nil
}

func (f *fakeEscalator) OpenTicket(_ context.Context, chat balai.ChatRef, _ time.Time) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open[chat.String()], nil
}

func (f *fakeEscalator) Follow(_ context.Context, in bot.Inbound) (bot.FollowUp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ticket := f.open[in.Chat.String()]
	if ticket != "" {
		f.follows = append(f.follows, ticket+":"+in.Text)
	}
	return bot.FollowUp{Ticket: ticket}, nil
}

func (f *fakeEscalator) Cancel(_ context.Context, chat balai.ChatRef, ticket string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.open, chat.String())
	return nil
}

func (f *fakeEscalator) Rate(context.Context, balai.ChatRef, string, int) error { return nil }

// escalations returns the escalations so far.
func (f *fakeEscalator) escalations() []bot.Escalation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.Escalation(nil), f.escs...)
}

// followed returns the follow-ups added to open tickets so far, as "ticket:text".
func (f *fakeEscalator) followed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.follows...)
}

func (f *fakeEscalator) reasons() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var r []string
	for _, e := range f.escs {
		r = append(r, e.Reason)
	}
	return r
}

type harness struct {
	t      *testing.T
	eng    *bot.Engine
	db     *store.DB
	sender *fakeSender
	esc    *fakeEscalator
	seq    int
	now    time.Time
}

var quiet = slog.New(slog.DiscardHandler)

func openIndex(t testing.TB) *knowledge.Index {
	t.Helper()
	c, ps, err := knowledge.LoadCorpus("../knowledge/testdata/mini")
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(context.Background(), c, knowledge.Options{Logger: quiet, Now: harnessNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// newHarness starts an engine on a SQLite file in dir (reused across restarts).
func newHarness(t *testing.T, dir string, esc *fakeEscalator, tweak func(*bot.Config)) *harness {
	t.Helper()
	return newPacedHarness(t, dir, esc, tweak, bot.Limits{})
}

// harnessNow is the harness's clock, standing still on Thursday 26 November 2026, 10:00 WIB:
// officers are at work. Engine and store share it.
func harnessNow() time.Time {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	return time.Date(2026, 11, 26, 10, 0, 0, 0, jkt)
}

// newPacedHarness is newHarness with the Telegram sender under limits.
func newPacedHarness(t *testing.T, dir string, esc *fakeEscalator, tweak func(*bot.Config), tgLimits bot.Limits) *harness {
	t.Helper()
	return newHarnessAt(t, dir, esc, tweak, tgLimits, harnessNow())
}

// newHarnessAt is newPacedHarness with engine and store standing still at now.
func newHarnessAt(t *testing.T, dir string, esc *fakeEscalator, tweak func(*bot.Config), tgLimits bot.Limits, now time.Time) *harness {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "balai.db"), store.Options{Owner: "test", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	sender := &fakeSender{}
	cfg := bot.Config{Store: db, Knowledge: openIndex(t), Messages: msgs, Escalator: esc, Logger: quiet,
		Calendar: workhours.Default(), Now: func() time.Time { return now }}
	if tweak != nil {
		tweak(&cfg)
	}
	eng, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng.AddSender(balai.Telegram, sender, tgLimits, true)
	eng.AddSender(balai.WhatsApp, sender, bot.Limits{}, false)
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, eng: eng, db: db, sender: sender, esc: esc, now: now}
	t.Cleanup(func() { h.close() })
	return h
}

func (h *harness) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.eng.Close(ctx)
	h.db.Close()
}

// say sends a message from chat and waits until the engine is idle.
func (h *harness) say(chat, text string) []bot.Outgoing {
	return h.send(bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: chat}, Kind: bot.KindText, Text: text})
}

func (h *harness) press(chat, data string) []bot.Outgoing {
	return h.send(bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: chat}, Kind: bot.KindButton, Text: data, CallbackID: "cb" + strconv.Itoa(h.seq)})
}

func (h *harness) send(in bot.Inbound) []bot.Outgoing {
	h.t.Helper()
	h.seq++
	in.Key = "k" + strconv.Itoa(h.seq)
	in.MessageID = strconv.Itoa(h.seq)
	in.Time = h.now
	before := len(h.sender.to(in.Chat.ID))
	if _, err := h.eng.Accept(context.Background(), in); err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.eng.Idle(ctx)
	return h.sender.to(in.Chat.ID)[before:]
}

func buttonTexts(o bot.Outgoing) []string {
	var out []string
	for _, r := range o.Buttons {
		for _, b := range r {
			out = append(out, b.Text)
		}
	}
	return out
}

func findButton(t *testing.T, o bot.Outgoing, text string) string {
	t.Helper()
	for _, r := range o.Buttons {
		for _, b := range r {
			if strings.Contains(b.Text, text) {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q in %v", text, buttonTexts(o))
	return ""
}

func TestAnswerWithSourceAndFeedback(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	out := h.say("1", "ktp saya ilang gmn min")
	if len(out) != 1 {
		t.Fatalf("got %d messages, want 1", len(out))
	}
	m := out[0]
	for _, want := range []string{"KTP-el hilang", "surat kehilangan", "dukcapil.kemendagri.go.id", "1 November 2026", "Apakah jawaban ini membantu?"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("answer lacks %q:\n%s", want, m.Text)
		}
	}
	if m.ReplyTo != "1" {
		t.Errorf("answer replies to %q, want the question", m.ReplyTo)
	}
	if got := buttonTexts(m); len(got) != 2 || !strings.Contains(got[0], "👍") || !strings.Contains(got[1], "👎") {
		t.Errorf("feedback buttons = %v", got)
	}
	for _, r := range m.Buttons {
		for _, b := range r {
			if len(b.Data) > 64 {
				t.Errorf("button data %q over 64 bytes", b.Data)
			}
		}
	}
}

func TestSuggestThenChoose(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	out := h.say("1", "ktp")
	if len(out) != 1 || !strings.Contains(out[0].Text, "Mungkin maksud Anda") {
		t.Fatalf("want a suggestion, got %+v", out)
	}
	data := findButton(t, out[0], "KTP-el rusak")
	out = h.press("1", data)
	if len(out) != 1 || !strings.Contains(out[0].Text, "Serahkan KTP-el yang rusak") {
		t.Fatalf("choosing a suggestion should answer it, got %+v", out)
	}
	// The callback query was acknowledged.
	acked := false
	for _, o := range h.sender.all() {
		acked = acked || (o.Kind == bot.OutCallback && o.CallbackID != "")
	}
	if !acked {
		t.Error("button press not acknowledged")
	}
}

func TestThumbsDownEscalates(t *testing.T) {
	esc := &fakeEscalator{}
	h := newHarness(t, t.TempDir(), esc, nil)
	out := h.say("1", "ktp saya hilang")
	out = h.press("1", findButton(t, out[0], "👎"))
	if got := esc.reasons(); len(got) != 1 || got[0] != bot.EscalateFeedback {
		t.Fatalf("escalations = %v, want one for feedback", got)
	}
	if q := esc.escalations()[0].Question; q != "ktp saya hilang" {
		t.Errorf("escalated question = %q", q)
	}
	joined := ""
	for _, o := range out {
		joined += o.Text + "\n"
	}
	if !strings.Contains(joined, "BLI-1") || !strings.Contains(joined, "hari ini pukul 14.00 WIB") {
		t.Errorf("escalation reply lacks ticket or time:\n%s", joined)
	}
}

func TestAskForOfficerAndCommands(t *testing.T) {
	esc := &fakeEscalator{}
	h := newHarness(t, t.TempDir(), esc, nil)
	if out := h.say("1", "/start@balai_bot"); len(out) != 1 || !strings.Contains(out[0].Text, "asisten otomatis Dinas Uji") {
		t.Fatalf("/start = %+v", out)
	}
	out := h.say("1", "/menu")
	if len(out) != 1 || !strings.Contains(strings.Join(buttonTexts(out[0]), "|"), "Kependudukan") {
		t.Fatalf("/menu = %+v", out)
	}
	out = h.press("1", findButton(t, out[0], "Kependudukan"))
	if got := strings.Join(buttonTexts(out[0]), "|"); !strings.Contains(got, "KTP-el hilang") || !strings.Contains(got, "Kembali") {
		t.Fatalf("category buttons = %s", got)
	}
	h.say("1", "mau bicara dengan petugas")
	h.say("2", "/petugas")
	if got := esc.reasons(); len(got) != 2 || got[0] != bot.EscalateAsked || got[1] != bot.EscalateAsked {
		t.Fatalf("escalations = %v", got)
	}
	if out := h.say("1", "/entahlah"); !strings.Contains(out[0].Text, "/help") {
		t.Errorf("unknown command reply = %q", out[0].Text)
	}
}

func TestNonTextAndSmallTalk(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	out := h.send(bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "1"}, Kind: bot.KindMedia, Media: "voice"})
	if len(out) != 1 || !strings.Contains(out[0].Text, "hanya bisa membaca pesan teks") {
		t.Fatalf("voice note reply = %+v", out)
	}
	if out := h.say("1", "makasih min"); !strings.Contains(out[0].Text, "Sama-sama") {
		t.Errorf("thanks reply = %q", out[0].Text)
	}
	if out := h.say("1", "thank you, hello"); out[0].Lang != bot.LangEN || !strings.Contains(out[0].Text, "welcome") {
		t.Errorf("english thanks reply = %s %q", out[0].Lang, out[0].Text)
	}
}

func TestEnglishQuestionGetsEnglishFrame(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	out := h.say("1", "my id card is lost, what should I do?")
	if len(out) != 1 || !strings.Contains(out[0].Text, "Was this answer helpful?") || !strings.Contains(out[0].Text, "surat kehilangan") {
		t.Fatalf("english answer = %+v", out)
	}
}

func TestSecondFailureEscalates(t *testing.T) {
	esc := &fakeEscalator{}
	h := newHarness(t, t.TempDir(), esc, nil)
	h.say("1", "ktp")
	if len(esc.escalations()) != 0 {
		t.Fatal("a first suggestion must not escalate")
	}
	h.say("1", "ktp el")
	if got := esc.reasons(); len(got) != 1 || got[0] != bot.EscalateRepeated {
		t.Fatalf("escalations = %v, want repeated", got)
	}
}

func TestNumberedOptionsWithoutButtons(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	wa := balai.ChatRef{Channel: balai.WhatsApp, ID: "628111"}
	out := h.send(bot.Inbound{Chat: wa, Kind: bot.KindText, Text: "ktp"})
	if len(out) != 1 || !out[0].Numbered || !strings.Contains(out[0].Text, "1. ") || !strings.Contains(out[0].Text, "Balas dengan angka 1–4") {
		t.Fatalf("suggestion on WhatsApp should be a numbered list: %+v", out)
	}
	want := ""
	for i, r := range out[0].Buttons {
		if strings.Contains(r[0].Text, "rusak") {
			want = strconv.Itoa(i + 1)
		}
	}
	out = h.send(bot.Inbound{Chat: wa, Kind: bot.KindText, Text: want})
	if len(out) != 1 || !strings.Contains(out[0].Text, "Serahkan KTP-el yang rusak") {
		t.Fatalf("reply %q should choose the KTP-el rusak entry, got %+v", want, out)
	}
}

func TestOpenTicketTakesMessagesAndBatalCancels(t *testing.T) {
	esc := &fakeEscalator{open: map[string]string{}}
	h := newHarness(t, t.TempDir(), esc, nil)
	h.say("1", "/petugas")
	out := h.say("1", "ktp saya hilang")
	if len(out) != 1 || !strings.Contains(out[0].Text, "ditambahkan ke tiket **BLI-1**") {
		t.Fatalf("message during an open ticket = %+v", out)
	}
	if f := esc.followed(); len(f) != 1 || f[0] != "BLI-1:ktp saya hilang" {
		t.Fatalf("follows = %v", f)
	}
	out = h.say("1", "/batal")
	if !strings.Contains(out[0].Text, "kami tutup") {
		t.Fatalf("/batal = %q", out[0].Text)
	}
	if out := h.say("1", "ktp saya hilang"); !strings.Contains(out[0].Text, "surat kehilangan") {
		t.Fatalf("after /batal the bot answers again, got %q", out[0].Text)
	}
}

func TestFloodNoticeOnce(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, func(c *bot.Config) { c.FloodMessages, c.FloodWindow = 3, time.Minute })
	var notices int
	for i := 0; i < 6; i++ {
		for _, o := range h.say("1", "ktp hilang") {
			if strings.Contains(o.Text, "masuk sangat cepat") {
				notices++
			}
		}
	}
	if notices != 1 {
		t.Fatalf("flood notices = %d, want 1", notices)
	}
}

func TestDuplicateAcceptedOnce(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	in := bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "1"}, Key: "same", Kind: bot.KindText, Text: "ktp hilang", Time: h.now}
	f1, err := h.eng.Accept(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := h.eng.Accept(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.eng.Idle(ctx)
	if !f1[0] || f2[0] {
		t.Fatalf("fresh = %v %v, want true false", f1, f2)
	}
	if n := len(h.sender.to("1")); n != 1 {
		t.Fatalf("answered %d times, want once", n)
	}
}

// TestRestartHandlesPendingAndUnsent accepts messages into a store, stops before they are
// handled or delivered, and checks a new engine on the same store finishes the work.
func TestRestartHandlesPendingAndUnsent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "balai.db"), store.Options{Owner: "test", Now: harnessNow})
	if err != nil {
		t.Fatal(err)
	}
	// A message accepted but never handled (crash right after recording it).
	if _, _, err := db.Accept(ctx, []bot.Inbound{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "7"}, Key: "u1", Kind: bot.KindText, Text: "ktp hilang", Time: harnessNow()}}); err != nil {
		t.Fatal(err)
	}
	// A reply queued but never delivered.
	if _, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "8"}, Kind: bot.OutMessage, Text: "balasan tertunda"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	h := newHarness(t, dir, &fakeEscalator{}, nil)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h.eng.Idle(wctx)
	if got := h.sender.to("7"); len(got) != 1 || !strings.Contains(got[0].Text, "surat kehilangan") {
		t.Errorf("pending message not answered after restart: %+v", got)
	}
	if got := h.sender.to("8"); len(got) != 1 || got[0].Text != "balasan tertunda" {
		t.Errorf("unsent reply not delivered after restart: %+v", got)
	}
	h.close()
	// A third start finds nothing left to do.
	h2 := newHarness(t, dir, &fakeEscalator{}, nil)
	h2.eng.Idle(wctx)
	if n := len(h2.sender.all()); n != 0 {
		t.Errorf("third start sent %d items again", n)
	}
}

// TestShutdownLeavesPacedBacklog: at shutdown, replies that the rate limits would hold back
// for a long time (a backlog of cards for the officers' group) are left in the outbox
// rather than delaying the stop; the next start sends them in order, each once.
func TestShutdownLeavesPacedBacklog(t *testing.T) {
	dir := t.TempDir()
	lim := bot.Limits{PerChatSecond: 1, ChatBurst: 1}
	h := newPacedHarness(t, dir, &fakeEscalator{}, nil, lim)
	group := balai.ChatRef{Channel: balai.Telegram, ID: "-100"}
	const n = 20
	for i := range n {
		if err := h.eng.Deliver(context.Background(), bot.Outgoing{Chat: group, Kind: bot.OutMessage, Text: fmt.Sprint("card ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Another chat's reply waiting for no limit still goes out before the stop.
	if err := h.eng.Deliver(context.Background(), bot.Outgoing{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "5"}, Kind: bot.OutMessage, Text: "jawaban"}); err != nil {
		t.Fatal(err)
	}
	// At one message a second the backlog needs ~20 s; the stop may take at most 5.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.eng.Close(ctx); err != nil {
		t.Fatalf("close waited on the paced backlog: %v", err)
	}
	before := h.sender.to(group.ID)
	if len(before) >= n {
		t.Fatalf("all %d cards went out before the stop; the test needs a backlog", len(before))
	}
	if got := h.sender.to("5"); len(got) != 1 {
		t.Errorf("reply to another chat: %d sent before the stop, want 1", len(got))
	}
	h.db.Close()

	// A clean stop gave the backlog's claims up: a process under another name takes it at
	// once (the harness clock stands still, so no claim could have lapsed).
	other, err := store.Open(context.Background(), filepath.Join(dir, "balai.db"), store.Options{Owner: "other", Now: harnessNow})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := other.Unsent(context.Background()); err != nil || len(u) != n-len(before) {
		t.Fatalf("another process took %d of the %d cards left (%v)", len(u), n-len(before), err)
	}
	if err := other.ReleaseClaims(context.Background()); err != nil {
		t.Fatal(err)
	}
	other.Close()

	h2 := newHarnessAt(t, dir, &fakeEscalator{}, nil, bot.Limits{}, h.now.Add(time.Minute))
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	h2.eng.Idle(wctx)
	all := append(before, h2.sender.to(group.ID)...)
	if len(all) != n {
		t.Fatalf("%d cards delivered over both runs, want %d", len(all), n)
	}
	for i, o := range all {
		if o.Text != fmt.Sprint("card ", i) {
			t.Fatalf("card %d is %q: order or uniqueness broken across the restart", i, o.Text)
		}
	}
	if got := h2.sender.to("5"); len(got) != 0 {
		t.Errorf("reply sent again after the restart: %+v", got)
	}
}

// TestBackoffSurvivesRestart: a reply whose delivery failed keeps its back-off when the
// next start finds it in the outbox, instead of hammering the channel again at once.
func TestBackoffSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "balai.db"), store.Options{Owner: "test", Now: harnessNow})
	if err != nil {
		t.Fatal(err)
	}
	items, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "8"}, Kind: bot.OutMessage, Text: "balasan"}})
	if err != nil {
		t.Fatal(err)
	}
	// The harness's clock stands still at 10:00 WIB: the item may go 400 ms after that.
	const backoff = 400 * time.Millisecond
	if err := db.MarkFailed(ctx, items[0].ID, "telegram: bad gateway", false, harnessNow().Add(backoff)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	start := time.Now()
	h := newHarness(t, dir, &fakeEscalator{}, nil)
	var mu sync.Mutex
	var at time.Time
	h.sender.setFail(func(bot.Outgoing) error {
		mu.Lock()
		at = time.Now()
		mu.Unlock()
		return nil
	})
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h.eng.Idle(wctx)
	mu.Lock()
	defer mu.Unlock()
	if got := h.sender.to("8"); len(got) != 1 {
		t.Fatalf("delivered %d, want 1", len(got))
	}
	if waited := at.Sub(start); waited < backoff {
		t.Fatalf("retried after %v, before the stored back-off of %v ran out", waited, backoff)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	var mu sync.Mutex
	var tries []time.Time
	h.sender.setFail(func(o bot.Outgoing) error {
		mu.Lock()
		defer mu.Unlock()
		tries = append(tries, time.Now())
		if len(tries) == 1 {
			return &bot.RetryAfterError{After: 300 * time.Millisecond}
		}
		return nil
	})
	out := h.say("1", "ktp hilang")
	if len(out) != 1 {
		t.Fatalf("delivered %d, want 1 after the pause", len(out))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tries) != 2 || tries[1].Sub(tries[0]) < 300*time.Millisecond {
		t.Fatalf("retry came %v after a 300ms retry_after", tries[len(tries)-1].Sub(tries[0]))
	}
}

// setResyncInterval sets bot.ResyncInterval for test t. Call it before starting engines: the
// old value is restored by a cleanup, which runs after the engines' own cleanups closed them.
func setResyncInterval(t *testing.T, d time.Duration) {
	t.Helper()
	old := bot.ResyncInterval
	bot.ResyncInterval = d
	t.Cleanup(func() { bot.ResyncInterval = old })
}

// setTypingAfter is setResyncInterval for bot.TypingAfter.
func setTypingAfter(t *testing.T, d time.Duration) {
	t.Helper()
	old := bot.TypingAfter
	bot.TypingAfter = d
	t.Cleanup(func() { bot.TypingAfter = old })
}

// TestTwoProcessesDeliverOnce runs two engines on one database (two replicas), each
// queueing replies and looking for work the other left: every reply is delivered once.
func TestTwoProcessesDeliverOnce(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			open := opener(t)
			setResyncInterval(t, 20*time.Millisecond)
			msgs, _ := bot.LoadMessages("", "Dinas Uji")
			ix := openIndex(t)
			sender := &fakeSender{}
			var engines []*bot.Engine
			for _, owner := range []string{"a", "b"} {
				// Claims outlast the test: a claim that lapses mid-send is at-least-once by
				// design (storetest covers takeovers); this checks that frequent resyncs of
				// two live replicas never take each other's work.
				db := open(t, "replicas", store.Options{Owner: owner, Lease: 10 * time.Second})
				eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet})
				if err != nil {
					t.Fatal(err)
				}
				eng.AddSender(balai.Telegram, sender, bot.Limits{}, true)
				if err := eng.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				engines = append(engines, eng)
			}
			for i := 0; i < 60; i++ {
				o := bot.Outgoing{Chat: balai.ChatRef{Channel: balai.Telegram, ID: strconv.Itoa(i)}, Kind: bot.OutMessage, Text: "balasan " + strconv.Itoa(i)}
				if err := engines[i%2].Deliver(context.Background(), o); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(400 * time.Millisecond) // several resync rounds
			for _, eng := range engines {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				eng.Close(ctx)
				cancel()
			}
			count := map[string]int{}
			for _, o := range sender.all() {
				count[o.Chat.ID]++
			}
			for i := 0; i < 60; i++ {
				if c := count[strconv.Itoa(i)]; c != 1 {
					t.Errorf("reply %d delivered %d times", i, c)
				}
			}
		})
	}
}

// slowKnowledge delays every question, to show the typing indicator.
type slowKnowledge struct {
	bot.Knowledge
	delay time.Duration
}

func (s slowKnowledge) Ask(ctx context.Context, q string, opts ...knowledge.AskOption) (*knowledge.Result, error) {
	time.Sleep(s.delay)
	return s.Knowledge.Ask(ctx, q, opts...)
}

type typingSender struct {
	fakeSender
	typed chan balai.ChatRef
}

func (s *typingSender) Typing(_ context.Context, chat balai.ChatRef) error {
	s.typed <- chat
	return nil
}

func TestTypingIndicatorWhenSlow(t *testing.T) {
	setTypingAfter(t, 50*time.Millisecond)
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), store.Options{Owner: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	eng, _ := bot.New(bot.Config{Store: db, Knowledge: slowKnowledge{openIndex(t), 300 * time.Millisecond}, Messages: msgs, Logger: quiet})
	s := &typingSender{typed: make(chan balai.ChatRef, 4)}
	eng.AddSender(balai.Telegram, s, bot.Limits{}, true)
	eng.Start(context.Background())
	defer eng.Close(context.Background())
	eng.Accept(context.Background(), bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "9"}, Key: "t1", Kind: bot.KindText, Text: "ktp hilang"})
	select {
	case c := <-s.typed:
		if c.ID != "9" {
			t.Errorf("typing in chat %s", c.ID)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no typing indicator for a slow answer")
	}
	// A fast answer shows none. The first engine stops (its message handled) before the
	// setting changes: its workers read it.
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	if err := eng.Close(cctx); err != nil {
		t.Fatal(err)
	}
	bot.TypingAfter = time.Second
	eng2, _ := bot.New(bot.Config{Store: db, Knowledge: openIndex(t), Messages: msgs, Logger: quiet})
	s2 := &typingSender{typed: make(chan balai.ChatRef, 4)}
	eng2.AddSender(balai.Telegram, s2, bot.Limits{}, true)
	eng2.Start(context.Background())
	defer eng2.Close(context.Background())
	eng2.Accept(context.Background(), bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "10"}, Key: "t2", Kind: bot.KindText, Text: "ktp hilang"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	eng2.Idle(ctx)
	select {
	case <-s2.typed:
		t.Error("typing indicator for a fast answer")
	case <-time.After(100 * time.Millisecond):
	}
}

// holdingSender holds deliveries to chats that have not written recently, like WhatsApp's
// 24-hour window.
type holdingSender struct {
	fakeSender
	open map[string]bool
}

func (h *holdingSender) Holds() {}

func (h *holdingSender) Send(ctx context.Context, o bot.Outgoing) (string, error) {
	h.mu.Lock()
	ok := h.open[o.Chat.ID]
	h.mu.Unlock()
	if !ok {
		return "", &bot.HoldError{Reason: "window closed"}
	}
	return h.fakeSender.Send(ctx, o)
}

func TestHeldRepliesGoOutWhenTheCitizenWrites(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"), store.Options{Owner: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	var held []int64
	var mu sync.Mutex
	eng, _ := bot.New(bot.Config{Store: db, Knowledge: openIndex(t), Messages: msgs, Logger: quiet,
		OnDeliveryHeld: func(_ context.Context, it bot.StoredOutgoing, _ error) {
			mu.Lock()
			held = append(held, it.ID)
			mu.Unlock()
		}})
	s := &holdingSender{open: map[string]bool{}}
	eng.AddSender(balai.WhatsApp, s, bot.Limits{}, false)
	eng.Start(context.Background())
	defer eng.Close(context.Background())
	wa := balai.ChatRef{Channel: balai.WhatsApp, ID: "62811"}
	if err := eng.Deliver(context.Background(), bot.Outgoing{Chat: wa, Kind: bot.OutMessage, Text: "balasan petugas"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	eng.Idle(ctx)
	mu.Lock()
	n := len(held)
	mu.Unlock()
	if n != 1 || len(s.to("62811")) != 0 {
		t.Fatalf("held=%d sent=%d, want the reply held", n, len(s.to("62811")))
	}
	s.mu.Lock()
	s.open["62811"] = true
	s.mu.Unlock()
	eng.Accept(context.Background(), bot.Inbound{Chat: wa, Key: "w1", Kind: bot.KindText, Text: "halo"})
	eng.Idle(ctx)
	got := s.to("62811")
	if len(got) != 2 || got[0].Text != "balasan petugas" {
		t.Fatalf("after the citizen wrote: %+v", got)
	}
}

// failingKnowledge fails every question, as a broken index or store would.
type failingKnowledge struct{ bot.Knowledge }

func (failingKnowledge) Ask(context.Context, string, ...knowledge.AskOption) (*knowledge.Result, error) {
	return nil, fmt.Errorf("index unavailable")
}

// TestCloseStopsRetrying: a message whose handling keeps failing does not hold the stop
// beyond its deadline with back-off retries; it stays pending and the next start answers it
// once its back-off has passed.
func TestCloseStopsRetrying(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, dir, &fakeEscalator{}, func(c *bot.Config) { c.Knowledge = failingKnowledge{c.Knowledge} })
	if _, err := h.eng.Accept(context.Background(), bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "3"}, Key: "r1", Kind: bot.KindText, Text: "ktp hilang", Time: h.now}); err != nil {
		t.Fatal(err)
	}
	// The first attempt fails; its retry waits for a back-off of seconds.
	waitFor(t, "the first failed attempt", func() bool {
		var n int
		h.db.SQL().QueryRow(`SELECT attempts FROM inbound`).Scan(&n)
		return n >= 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	closed := make(chan struct{})
	go func() { h.eng.Close(ctx); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second): // a hang, not a speed: the retry must not hold Close
		t.Fatal("Close did not return: a pending retry held it past its deadline")
	}
	h.db.Close()

	h2 := newHarnessAt(t, dir, &fakeEscalator{}, nil, bot.Limits{}, h.now.Add(time.Minute))
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	h2.eng.Idle(wctx)
	if got := h2.sender.to("3"); len(got) != 1 || !strings.Contains(got[0].Text, "surat kehilangan") {
		t.Fatalf("the message was not answered after the restart: %+v", got)
	}
}

// TestFeedbackLoggedWithItsEntry: a 👍 or 👎 is logged against the entry whose answer carried
// the button, even when the chat got another answer since (the dashboard's 👍/👎 per entry).
func TestFeedbackLoggedWithItsEntry(t *testing.T) {
	esc := &fakeEscalator{}
	h := newHarness(t, t.TempDir(), esc, nil)
	first := h.say("1", "ktp saya hilang, gimana ngurusnya?")
	if len(first) != 1 || len(first[0].Buttons) != 1 || len(first[0].Buttons[0]) != 2 {
		t.Fatalf("first answer = %+v", first)
	}
	yes, no := first[0].Buttons[0][0].Data, first[0].Buttons[0][1].Data
	firstEntry := h.loggedEntry("1")
	second := h.say("1", "syarat bikin akta kelahiran anak apa aja")
	if len(second) != 1 || len(second[0].Buttons) != 1 {
		t.Fatalf("second answer = %+v", second)
	}
	if firstEntry == "" || h.loggedEntry("1") == firstEntry {
		t.Fatalf("the two questions were answered with %q and %q: the test needs two entries", firstEntry, h.loggedEntry("1"))
	}
	h.press("1", yes) // 👍 under the first answer
	if d, r := h.loggedDecision("1"); d != "feedback" || r != "helpful" {
		t.Fatalf("👍 logged as %s/%s", d, r)
	}
	if got := h.loggedEntry("1"); got != firstEntry {
		t.Errorf("👍 logged with entry %q, want %q (the answer it was pressed under)", got, firstEntry)
	}
	h.press("1", no) // 👎 under the first answer: an officer takes over
	if d, r := h.loggedDecision("1"); d != "escalate" || r != "feedback" {
		t.Fatalf("👎 logged as %s/%s", d, r)
	}
	if got := h.loggedEntry("1"); got != firstEntry {
		t.Errorf("👎 logged with entry %q, want %q", got, firstEntry)
	}
	if e := esc.escalations(); len(e) != 1 || len(e[0].Candidates) == 0 || e[0].Candidates[0] != firstEntry {
		t.Errorf("👎 escalation = %+v, want the rated entry %q as its candidate", e, firstEntry)
	}
}

// loggedEntry returns the entry the message log holds for the last message from chat.
func (h *harness) loggedEntry(chat string) string {
	h.t.Helper()
	var entry string
	if err := h.db.SQL().QueryRow(`SELECT entry_id FROM message_log WHERE chat_id = ? AND direction = 'in' ORDER BY id DESC LIMIT 1`, chat).Scan(&entry); err != nil {
		h.t.Fatal(err)
	}
	return entry
}
