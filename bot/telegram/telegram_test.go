package telegram_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/render"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

const token = "123456:TEST-token"

var quiet = slog.New(slog.DiscardHandler)

// testCorpus copies testdata/corpus and adds an entry longer than one Telegram message.
func testCorpus(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	des, err := os.ReadDir("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range des {
		b, _ := os.ReadFile(filepath.Join("testdata/corpus", d.Name()))
		os.WriteFile(filepath.Join(dir, d.Name()), b, 0o644)
	}
	var body strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&body, "Paragraf %d: ketentuan pajak daerah menjelaskan kewajiban warga untuk membayar tepat waktu, menyimpan bukti bayar, dan melapor bila ada perubahan data objek pajak agar tagihan tahun berikutnya benar.\n\n", i)
	}
	long := "---\nid: panduan-panjang\ntitle: Panduan lengkap pajak daerah\nquestions:\n  - Panduan lengkap pajak daerah\nkeywords: [panduan, pajak daerah]\nsource: https://www.pajak.go.id/\nupdated: 2026-11-01\n---\n" + body.String()
	os.WriteFile(filepath.Join(dir, "panduan-panjang.md"), []byte(long), 0o644)
	return dir
}

// escalations records what the engine hands to officers.
type escalations struct {
	mu  sync.Mutex
	all []bot.Escalation
}

func (e *escalations) Escalate(_ context.Context, x bot.Escalation) (bot.Handover, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, x)
	return bot.Handover{Ticket: "BLI-" + strconv.Itoa(len(e.all)), Due: x.At.Add(time.Hour)}, nil
}
func (e *escalations) OpenTicket(context.Context, balai.ChatRef, time.Time) (string, error) {
	return "", nil
}
func (e *escalations) Follow(context.Context, bot.Inbound) (bot.FollowUp, error) {
	return bot.FollowUp{}, nil
}
func (e *escalations) Cancel(context.Context, balai.ChatRef, string) error    { return nil }
func (e *escalations) Rate(context.Context, balai.ChatRef, string, int) error { return nil }
func (e *escalations) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.all)
}

// stack is the whole bot — store, index, engine, Telegram adapter — against a fake Bot API.
type stack struct {
	fake *tgfake.Server
	ad   *telegram.Adapter
	esc  *escalations
}

func newStack(t *testing.T, cfg telegram.Config) *stack {
	t.Helper()
	fake := tgfake.New(token)
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "balai.db"), store.Options{Owner: "test"})
	if err != nil {
		t.Fatal(err)
	}
	c, ps, err := knowledge.LoadCorpus(testCorpus(t))
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	esc := &escalations{}
	eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Escalator: esc, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Token, cfg.APIURL, cfg.Logger, cfg.PollTimeout = token, api.URL, quiet, 2*time.Second
	ad, err := telegram.New(cfg, eng)
	if err != nil {
		t.Fatal(err)
	}
	eng.AddSender(balai.Telegram, ad, bot.Limits{}, true)
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ad.Setup(ctx, telegram.Commands(msgs)); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { ad.Run(runCtx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		eng.Close(cctx)
		ccancel()
		ix.Close()
		db.Close()
	})
	return &stack{fake: fake, ad: ad, esc: esc}
}

// waitMessages waits until chat has n messages from the bot.
func (s *stack) waitMessages(t *testing.T, chat int64, n int) []tgfake.Sent {
	t.Helper()
	if !s.fake.WaitFor(10*time.Second, func() bool { return len(s.fake.SentTo(chat)) >= n }) {
		t.Fatalf("chat %d got %d messages, want %d: %+v", chat, len(s.fake.SentTo(chat)), n, s.fake.SentTo(chat))
	}
	time.Sleep(50 * time.Millisecond) // let stray extra messages show up
	return s.fake.SentTo(chat)
}

func buttonData(t *testing.T, m tgfake.Sent, text string) string {
	t.Helper()
	for _, r := range m.Buttons {
		for _, b := range r {
			if strings.Contains(b.Text, text) {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q in %+v", text, m.Buttons)
	return ""
}

func TestQuestionGetsAnswerWithButtons(t *testing.T) {
	s := newStack(t, telegram.Config{})
	_, mid := s.fake.Message(101, "ktp saya ilang gmn min")
	got := s.waitMessages(t, 101, 1)
	if len(got) != 1 {
		t.Fatalf("got %d messages", len(got))
	}
	m := got[0]
	plain := tgfake.VisibleText(m.Text, m.ParseMode)
	if m.ParseMode != "HTML" || !strings.Contains(plain, "surat kehilangan") || !strings.Contains(plain, "dukcapil.kemendagri.go.id") {
		t.Errorf("answer = %q (%s)", plain, m.ParseMode)
	}
	if m.ReplyTo != mid {
		t.Errorf("reply to %d, want %d", m.ReplyTo, mid)
	}
	buttonData(t, m, "👍")
	buttonData(t, m, "👎")
	if s.fake.Calls("setMyCommands") != 2 || s.fake.Calls("deleteWebhook") != 1 {
		t.Errorf("setup calls: setMyCommands=%d deleteWebhook=%d", s.fake.Calls("setMyCommands"), s.fake.Calls("deleteWebhook"))
	}
}

func TestSuggestionButtonAnswers(t *testing.T) {
	s := newStack(t, telegram.Config{})
	s.fake.Message(102, "ktp")
	got := s.waitMessages(t, 102, 1)
	data := buttonData(t, got[0], "KTP-el rusak")
	_, qid := s.fake.Press(102, got[0].MessageID, data)
	got = s.waitMessages(t, 102, 2)
	if !strings.Contains(tgfake.VisibleText(got[1].Text, "HTML"), "Serahkan KTP-el yang rusak") {
		t.Fatalf("after choosing: %q", got[1].Text)
	}
	if !s.fake.WaitFor(2*time.Second, func() bool { return s.fake.Answered(qid) }) {
		t.Error("callback query not answered")
	}
}

func TestThumbsDownEscalates(t *testing.T) {
	s := newStack(t, telegram.Config{})
	s.fake.Message(103, "ktp saya hilang")
	got := s.waitMessages(t, 103, 1)
	s.fake.Press(103, got[0].MessageID, buttonData(t, got[0], "👎"))
	got = s.waitMessages(t, 103, 2)
	if s.esc.count() != 1 || s.esc.all[0].Reason != bot.EscalateFeedback {
		t.Fatalf("escalations: %+v", s.esc.all)
	}
	if !strings.Contains(tgfake.VisibleText(got[len(got)-1].Text, "HTML"), "BLI-1") {
		t.Errorf("citizen not told the ticket: %q", got[len(got)-1].Text)
	}
}

func TestStartMenuAndPhoto(t *testing.T) {
	s := newStack(t, telegram.Config{})
	s.fake.Message(104, "/start@balai_bot")
	got := s.waitMessages(t, 104, 1)
	if !strings.Contains(tgfake.VisibleText(got[0].Text, "HTML"), "asisten otomatis Dinas Uji") {
		t.Errorf("/start = %q", got[0].Text)
	}
	s.fake.Message(104, "/menu")
	got = s.waitMessages(t, 104, 2)
	s.fake.Press(104, got[1].MessageID, buttonData(t, got[1], "Umum"))
	got = s.waitMessages(t, 104, 3)
	buttonData(t, got[2], "KTP-el hilang")
	s.fake.Photo(104)
	got = s.waitMessages(t, 104, 4)
	if !strings.Contains(tgfake.VisibleText(got[3].Text, "HTML"), "hanya bisa membaca pesan teks") {
		t.Errorf("photo reply = %q", got[3].Text)
	}
}

func TestLongAnswerIsSplit(t *testing.T) {
	s := newStack(t, telegram.Config{})
	s.fake.Message(105, "panduan lengkap pajak daerah")
	if !s.fake.WaitFor(10*time.Second, func() bool {
		ms := s.fake.SentTo(105)
		return len(ms) > 0 && len(ms[len(ms)-1].Buttons) > 0
	}) {
		t.Fatalf("no complete answer: %+v", s.fake.SentTo(105))
	}
	got := s.fake.SentTo(105)
	if len(got) < 2 {
		t.Fatalf("a %d-message answer; want it split", len(got))
	}
	var all strings.Builder
	for i, m := range got {
		v := tgfake.VisibleText(m.Text, m.ParseMode)
		if n := render.VisibleLen(m.Text); n > telegram.MaxText {
			t.Errorf("part %d is %d long", i, n)
		}
		if (len(m.Buttons) > 0) != (i == len(got)-1) {
			t.Errorf("part %d of %d has buttons=%v; only the last should", i+1, len(got), len(m.Buttons) > 0)
		}
		all.WriteString(v + "\n")
	}
	for i := 1; i <= 40; i++ {
		if !strings.Contains(all.String(), fmt.Sprintf("Paragraf %d:", i)) {
			t.Errorf("paragraph %d lost in splitting", i)
		}
	}
}

func TestSendIntoForumTopic(t *testing.T) {
	s := newStack(t, telegram.Config{})
	chat := balai.ChatRef{Channel: balai.Telegram, ID: "-1001"}
	if _, err := s.ad.Send(context.Background(), bot.Outgoing{Chat: chat, Kind: bot.OutMessage, Text: "Tiket baru", ThreadID: "12"}); err != nil {
		t.Fatal(err)
	}
	if got := s.fake.SentTo(-1001); len(got) != 1 || got[0].ThreadID != 12 {
		t.Fatalf("sent %+v, want one message in topic 12", got)
	}
}

func TestHTMLSpecialCharacters(t *testing.T) {
	s := newStack(t, telegram.Config{})
	s.fake.Message(106, "berapa biaya layanan khusus percepatan")
	got := s.waitMessages(t, 106, 1)
	plain := tgfake.VisibleText(got[0].Text, got[0].ParseMode)
	for _, want := range []string{"Biaya < Rp100.000 & tidak ada tarif_tambahan", "Tanda * pada formulir", "kode <br> di formulir"} {
		if !strings.Contains(plain, want) {
			t.Errorf("answer lacks %q:\n%s", want, plain)
		}
	}
}

func TestTooManyRequestsHonoursRetryAfter(t *testing.T) {
	s := newStack(t, telegram.Config{})
	s.fake.FailNext("sendMessage", 1, 1)
	start := time.Now()
	s.fake.Message(107, "ktp saya hilang")
	got := s.waitMessages(t, 107, 1)
	if len(got) != 1 {
		t.Fatalf("delivered %d times", len(got))
	}
	if d := got[0].At.Sub(start); d < time.Second {
		t.Errorf("delivered %v after a 429 with retry_after=1", d)
	}
	if s.fake.Calls("sendMessage") != 2 {
		t.Errorf("sendMessage called %d times, want 2", s.fake.Calls("sendMessage"))
	}
}

func TestMalformedUpdateIsSkipped(t *testing.T) {
	s := newStack(t, telegram.Config{})
	s.fake.Raw(map[string]any{"message": "not an object"})
	s.fake.Message(108, "ktp saya hilang")
	s.waitMessages(t, 108, 1)
	if !s.fake.WaitFor(3*time.Second, func() bool { return s.fake.Pending() == 0 }) {
		t.Errorf("%d updates left unconfirmed", s.fake.Pending())
	}
}

func TestWebhookSecret(t *testing.T) {
	s := newStack(t, telegram.Config{Mode: telegram.ModeWebhook, WebhookURL: "https://balai.example.go.id/webhooks/telegram", WebhookSecret: "rahasia-123"})
	if s.fake.Webhook() != "https://balai.example.go.id/webhooks/telegram" {
		t.Fatalf("webhook not registered: %q", s.fake.Webhook())
	}
	h := s.ad.WebhookHandler()
	id, _ := s.fake.Message(109, "ktp saya hilang")
	body := s.fake.Update(id)
	post := func(secret string, body []byte) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", bytes.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post("salah", body); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", code)
	}
	if code := post("", body); code != http.StatusUnauthorized {
		t.Errorf("missing secret: %d, want 401", code)
	}
	if code := post("rahasia-123", []byte("{not json")); code != http.StatusBadRequest {
		t.Errorf("malformed body: %d, want 400", code)
	}
	if len(s.fake.SentTo(109)) != 0 {
		t.Fatal("a rejected request was answered")
	}
	if code := post("rahasia-123", body); code != http.StatusOK {
		t.Fatalf("right secret: %d, want 200", code)
	}
	if code := post("rahasia-123", body); code != http.StatusOK { // Telegram retries
		t.Fatalf("retry: %d, want 200", code)
	}
	got := s.waitMessages(t, 109, 1)
	if len(got) != 1 {
		t.Fatalf("answered %d times, want once", len(got))
	}
}

// TestMain runs a child bot process for the crash test when asked to.
func TestMain(m *testing.M) {
	if dir := os.Getenv("BALAI_TG_CHILD_DIR"); dir != "" {
		runChild(dir, os.Getenv("BALAI_TG_CHILD_API"), os.Getenv("BALAI_TG_CHILD_CORPUS"))
		return
	}
	os.Exit(m.Run())
}

// runChild is the bot as a separate process, killed by the test.
func runChild(dir, api, corpus string) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "balai.db"), store.Options{Owner: "child"})
	if err != nil {
		panic(err)
	}
	c, _, _ := knowledge.LoadCorpus(corpus)
	ix, _ := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	eng, _ := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet})
	ad, err := telegram.New(telegram.Config{Token: token, APIURL: api, Logger: quiet, PollTimeout: 2 * time.Second}, eng)
	if err != nil {
		panic(err)
	}
	eng.AddSender(balai.Telegram, ad, bot.Limits{}, true)
	if err := eng.Start(ctx); err != nil {
		panic(err)
	}
	ad.Run(ctx) // until killed
}

// TestKillDuringBurstAnswersEveryUpdateOnce runs the bot as a child process, sends a burst
// of questions, kills the bot with SIGKILL while replies are in flight (the fake holds them,
// so the kill falls between Telegram receiving the updates and the bot's replies), restarts
// it on the same data directory, and checks every question is answered exactly once.
func TestKillDuringBurstAnswersEveryUpdateOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	fake := tgfake.New(token)
	api := httptest.NewServer(fake)
	defer api.Close()
	dir, corpus := t.TempDir(), testCorpus(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "BALAI_TG_CHILD_DIR="+dir, "BALAI_TG_CHILD_API="+api.URL, "BALAI_TG_CHILD_CORPUS="+corpus)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	const n = 60
	child := start()
	questions := []string{"ktp saya hilang", "ktp rusak gimana", "berapa biaya layanan khusus percepatan", "syarat rekam ktp pertama kali"}
	for i := 0; i < n/2; i++ {
		fake.Message(int64(5000+i), questions[i%len(questions)])
	}
	if !fake.WaitFor(15*time.Second, func() bool { return len(fake.AllSent()) >= n/4 }) {
		child.Process.Kill()
		t.Fatalf("bot answered only %d before the kill", len(fake.AllSent()))
	}
	fake.Hold() // replies from here on hang in flight…
	for i := n / 2; i < n; i++ {
		fake.Message(int64(5000+i), questions[i%len(questions)])
	}
	time.Sleep(300 * time.Millisecond) // …while the bot takes the rest of the burst
	// Kill only once every reply Telegram took is recorded as sent: a crash between the two
	// is the one case that may repeat a message (the README says so), not what this tests.
	probe, err := store.Open(context.Background(), filepath.Join(dir, "balai.db"), store.Options{Owner: "probe"})
	if err != nil {
		t.Fatal(err)
	}
	if !fake.WaitFor(10*time.Second, func() bool {
		var recorded int
		err := probe.SQL().QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'sent'`).Scan(&recorded)
		return err == nil && recorded >= len(fake.AllSent())
	}) {
		t.Fatal("the bot did not record the replies Telegram took")
	}
	probe.Close()
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	t.Logf("killed at %s", time.Now().Format("15:04:05.000"))
	answeredAtKill := len(fake.AllSent())
	// Give the fake a moment to notice the dead connections: Telegram never received the
	// replies that were still in flight.
	time.Sleep(300 * time.Millisecond)
	fake.Release()
	child = start()
	defer func() { child.Process.Kill(); child.Wait() }()
	if !fake.WaitFor(20*time.Second, func() bool {
		for i := 0; i < n; i++ {
			if len(fake.SentTo(int64(5000+i))) == 0 {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("not every question answered after the restart (%d messages)", len(fake.AllSent()))
	}
	time.Sleep(500 * time.Millisecond) // late duplicates would show up now
	for i := 0; i < n; i++ {
		if got := fake.SentTo(int64(5000 + i)); len(got) != 1 {
			t.Errorf("chat %d got %d answers, want exactly 1", 5000+i, len(got))
			for _, m := range got {
				t.Logf("  at %s: %.60q", m.At.Format("15:04:05.000"), m.Text)
			}
		}
	}
	if answeredAtKill >= n {
		t.Fatalf("everything was answered before the kill; the test tested nothing")
	}
	t.Logf("answered before the kill: %d of %d; the rest after the restart", answeredAtKill, n)
}

// TestCommandsFollowMessages: the command menu is in both languages and comes from the
// agency's messages, so an admin's override changes it.
func TestCommandsFollowMessages(t *testing.T) {
	override := filepath.Join(t.TempDir(), "messages.yaml")
	if err := os.WriteFile(override, []byte("command_petugas:\n  id: \"Hubungi petugas kami\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	msgs, err := bot.LoadMessages(override, "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	cmds := telegram.Commands(msgs)
	desc := func(lang, cmd string) string {
		for _, c := range cmds[lang] {
			if c.Command == cmd {
				return c.Description
			}
		}
		return ""
	}
	if len(cmds[""]) != 6 || len(cmds["en"]) != 6 {
		t.Fatalf("commands: %+v", cmds)
	}
	if got := desc("", "petugas"); got != "Hubungi petugas kami" {
		t.Errorf("overridden Indonesian description = %q", got)
	}
	if got := desc("en", "petugas"); got != "Talk to an officer" {
		t.Errorf("English description = %q", got)
	}
}

// busyAcceptor is an engine whose intake is full.
type busyAcceptor struct{}

func (busyAcceptor) Accept(context.Context, ...bot.Inbound) ([]bool, error) { return nil, bot.ErrBusy }

// TestWebhookBusyAsksForRedelivery: with the engine's intake full, the webhook answers 503
// with Retry-After at once (Telegram delivers the update again) instead of waiting.
func TestWebhookBusyAsksForRedelivery(t *testing.T) {
	ad, err := telegram.New(telegram.Config{Token: token, APIURL: "http://127.0.0.1:1", Mode: telegram.ModeWebhook,
		WebhookURL: "https://balai.example.go.id/webhooks/telegram", WebhookSecret: "rahasia-123", Logger: quiet}, busyAcceptor{})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", strings.NewReader(`{"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"A"},"text":"halo"}}`))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "rahasia-123")
	rec := httptest.NewRecorder()
	ad.WebhookHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("busy intake: %d Retry-After %q, want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
}
