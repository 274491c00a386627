package desk_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/desk/officerchat"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/workhours"
)

const (
	token       = "123456:DESK"
	officerChat = int64(-1001234567890)
	officerA    = int64(9001)
	officerB    = int64(9002)
	outsider    = int64(9666)
)

var quiet = slog.New(slog.DiscardHandler)

type rig struct {
	fake   *tgfake.Server
	desk   *desk.Desk
	eng    *bot.Engine
	db     *store.DB
	clock  *storetest.Clock
	drafts string
	stop   func()
}

// start runs the whole bot with the desk against a fake Bot API, on the store open gives.
func start(t *testing.T, open storetest.Opener, dbName string, fake *tgfake.Server, api string, c *storetest.Clock, before ...func(*rig)) *rig {
	return startWith(t, open, dbName, fake, api, c, nil, before...)
}

// startWith is start with the desk's configuration changed by edit (nil: as is).
func startWith(t *testing.T, open storetest.Opener, dbName string, fake *tgfake.Server, api string, c *storetest.Clock, edit func(*desk.Config), before ...func(*rig)) *rig {
	t.Helper()
	ctx := context.Background()
	db := open(t, dbName, store.Options{Owner: "desk-test", Now: c.Now})
	corpus, ps, err := knowledge.LoadCorpus("../knowledge/testdata/mini")
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(ctx, corpus, knowledge.Options{Logger: quiet, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	cal := workhours.Default()
	drafts := filepath.Join(t.TempDir(), "drafts")
	officers := balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(officerChat, 10)}
	dcfg := desk.Config{Store: db, Messages: msgs, Calendar: cal, SLA: 4 * time.Hour, OfficerChat: officers,
		Officers: []balai.Actor{{Channel: balai.Telegram, ID: strconv.FormatInt(officerB, 10)}}, DraftsDir: drafts, Logger: quiet, Now: c.Now}
	if edit != nil {
		edit(&dcfg)
	}
	d, err := desk.New(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Escalator: d, Calendar: dcfg.Calendar, Logger: quiet, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ad, err := telegram.New(telegram.Config{Token: token, APIURL: api, Logger: quiet, PollTimeout: 2 * time.Second}, eng)
	if err != nil {
		t.Fatal(err)
	}
	eng.AddSender(balai.Telegram, ad, bot.Limits{}, true)
	d.SetQueuer(eng)
	chat := officerchat.New(d, officerchat.Config{Members: ad, Logger: quiet, Now: c.Now})
	eng.AddHandler(chat)
	eng.OnDeliveryFailed(chat.DeliveryFailed)
	eng.OnDeliveryHeld(chat.DeliveryHeld)
	r := &rig{fake: fake, desk: d, eng: eng, db: db, clock: c, drafts: drafts}
	for _, f := range before {
		f(r) // more channels
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { ad.Run(runCtx); close(done) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			cctx, cc := context.WithTimeout(ctx, 5*time.Second)
			eng.Close(cctx)
			cc()
			ix.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

func newRig(t *testing.T, open storetest.Opener, before ...func(*rig)) *rig {
	return newRigOn(t, open, "desk", 0, before...)
}

// newRigOn is newRig on database dbName, with Telegram's clock platformOffset away from the
// bot's (Thursday 26 November 2026, 10:00 WIB: officers are at work).
func newRigOn(t *testing.T, open storetest.Opener, dbName string, platformOffset time.Duration, before ...func(*rig)) *rig {
	return newRigWith(t, open, dbName, platformOffset, nil, before...)
}

// newRigWith is newRigOn with the desk's configuration changed by edit.
func newRigWith(t *testing.T, open storetest.Opener, dbName string, platformOffset time.Duration, edit func(*desk.Config), before ...func(*rig)) *rig {
	fake := tgfake.New(token)
	fake.SetMember(officerChat, officerA, "member")
	fake.SetMember(officerChat, outsider, "left")
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, jkt))
	fake.SetClock(func() time.Time { return c.Now().Add(platformOffset) })
	return startWith(t, open, dbName, fake, api.URL, c, edit, before...)
}

func (r *rig) wait(t *testing.T, chat int64, n int) []tgfake.Sent {
	t.Helper()
	if !r.fake.WaitFor(10*time.Second, func() bool { return len(r.fake.SentTo(chat)) >= n }) {
		t.Fatalf("chat %d: %d messages, want %d: %+v", chat, len(r.fake.SentTo(chat)), n, r.fake.SentTo(chat))
	}
	time.Sleep(30 * time.Millisecond)
	return r.fake.SentTo(chat)
}

func plain(m tgfake.Sent) string { return tgfake.VisibleText(m.Text, m.ParseMode) }

// officer sends a message in the officers' chat, optionally replying to message replyTo.
func (r *rig) officer(user int64, text string, replyTo int) {
	r.fake.MessageIn(officerChat, user, "supergroup", text, replyTo)
}

// escalate has citizen ask for an officer and returns the card posted for it.
func (r *rig) escalate(t *testing.T, citizen int64, text string) tgfake.Sent {
	t.Helper()
	before := len(r.fake.SentTo(officerChat))
	r.fake.Message(citizen, text)
	r.wait(t, citizen, 1)
	cards := r.wait(t, officerChat, before+1)
	card := cards[before]
	if !strings.Contains(plain(card), "BLI-") {
		t.Fatalf("not a card: %q", plain(card))
	}
	return card
}

func eachStore(t *testing.T, fn func(t *testing.T, open storetest.Opener)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { fn(t, storetest.Postgres(t)) })
}

// TestOfficerRoundTrip runs a ticket's life with Telegram's clock hours off the bot's, ahead
// and behind: due times, the reopen window and the audit log follow Balai's clock only.
func TestOfficerRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		for i, off := range []time.Duration{-30 * time.Hour, 80 * time.Hour} {
			t.Run("telegram clock "+off.String(), func(t *testing.T) {
				testOfficerRoundTrip(t, newRigOn(t, open, "roundtrip"+strconv.Itoa(i), off))
			})
		}
	})
}

func testOfficerRoundTrip(t *testing.T, r *rig) {
	{
		card := r.escalate(t, 201, "mau bicara dengan petugas soal ktp saya")
		got := r.wait(t, 201, 1)
		if !strings.Contains(plain(got[0]), "BLI-000001") {
			t.Errorf("citizen not told the ticket number: %q", plain(got[0]))
		}
		for _, want := range []string{"BLI-000001", "mau bicara dengan petugas soal ktp saya", "warga minta petugas", "Tenggat: hari ini pukul 14.00 WIB"} {
			if !strings.Contains(plain(card), want) {
				t.Errorf("card lacks %q:\n%s", want, plain(card))
			}
		}
		r.officer(officerA, "Silakan datang ke Disdukcapil dengan membawa KK & surat kehilangan.", card.MessageID)
		got = r.wait(t, 201, 2)
		reply := plain(got[1])
		if !strings.Contains(reply, "Balasan petugas Dinas Uji") || !strings.Contains(reply, "membawa KK & surat kehilangan") {
			t.Fatalf("officer's reply as the citizen sees it: %q", reply)
		}
		// The card now says it was answered, and by whom.
		if !r.fake.WaitFor(3*time.Second, func() bool {
			for _, m := range r.fake.SentTo(officerChat) {
				if m.Edited && m.MessageID == card.MessageID && strings.Contains(plain(m), "Sudah dijawab") {
					return true
				}
			}
			return false
		}) {
			t.Errorf("card not updated: %+v", r.fake.SentTo(officerChat))
		}
		// The citizen writes again: the answered ticket reopens and the officers see it.
		r.fake.Message(201, "baik, apakah perlu fotokopi juga?")
		got = r.wait(t, 201, 3)
		if !strings.Contains(plain(got[2]), "ditambahkan ke tiket") {
			t.Errorf("follow-up reply: %q", plain(got[2]))
		}
		if !r.fake.WaitFor(3*time.Second, func() bool {
			ms := r.fake.SentTo(officerChat)
			return strings.Contains(plain(ms[len(ms)-1]), "apakah perlu fotokopi juga") || strings.Contains(plain(ms[len(ms)-2]), "fotokopi")
		}) {
			t.Errorf("officers not told about the follow-up")
		}
		// The card shows the ticket open again, with its claim button back.
		if !r.fake.WaitFor(3*time.Second, func() bool {
			ms := r.fake.SentTo(officerChat)
			for i := len(ms) - 1; i >= 0; i-- {
				if m := ms[i]; m.Edited && m.MessageID == card.MessageID {
					return len(m.Buttons) == 1 && len(m.Buttons[0]) == 2 && m.Buttons[0][0].CallbackData == "d:claim:1"
				}
			}
			return false
		}) {
			t.Errorf("card not reopened")
		}
		tk, _ := r.db.Ticket(context.Background(), 1)
		if tk.Status != desk.Open || tk.Answer == "" {
			t.Errorf("ticket after follow-up: %s %q", tk.Status, tk.Answer)
		}
		// Closing asks the citizen for a rating; the rating is recorded.
		r.officer(officerA, "/tutup BLI-000001", 0)
		got = r.wait(t, 201, 4)
		rating := got[3]
		if !strings.Contains(plain(rating), "Seberapa puas") || len(rating.Buttons) != 1 || len(rating.Buttons[0]) != 5 {
			t.Fatalf("satisfaction question: %+v", rating)
		}
		r.fake.Press(201, rating.MessageID, rating.Buttons[0][4].CallbackData)
		got = r.wait(t, 201, 5)
		if !strings.Contains(plain(got[4]), "5/5") {
			t.Errorf("rating reply: %q", plain(got[4]))
		}
		tk, _ = r.db.Ticket(context.Background(), 1)
		if tk.Status != desk.Closed || tk.Rating != 5 {
			t.Errorf("ticket after rating: %+v", tk)
		}
		evs, _ := r.db.Events(context.Background(), 1)
		var acts []string
		for _, e := range evs {
			acts = append(acts, e.Action)
		}
		if got := strings.Join(acts, ","); got != "created,replied,reopened,closed,rated" {
			t.Errorf("audit log = %s", got)
		}
		for _, e := range evs {
			if !e.At.Equal(r.clock.Now()) {
				t.Errorf("%s recorded at %v, want the bot's time %v", e.Action, e.At, r.clock.Now())
			}
		}
	}
}

// TestFollowUpCommittedWithTheTurn: adding a citizen's message to a ticket writes nothing
// until the citizen's turn commits, so a turn that fails (or a crash) and runs again adds
// the message to the ticket, and tells the officers, exactly once.
func TestFollowUpCommittedWithTheTurn(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.escalate(t, 201, "mau bicara dengan petugas soal ktp saya")
		ctx := context.Background()
		posts := len(r.fake.SentTo(officerChat))
		chat := balai.ChatRef{Channel: balai.Telegram, ID: "201"}
		// A turn that got as far as Follow and then died.
		fu, err := r.desk.Follow(ctx, bot.Inbound{Chat: chat, Kind: bot.KindText, Text: "pesan yang hilang", Time: r.clock.Now()})
		if err != nil || fu.Ticket != "BLI-000001" || len(fu.Out) != 1 || fu.Also == nil {
			t.Fatalf("follow-up = %+v, %v; want one notice and the ticket's records", fu, err)
		}
		idle, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		r.eng.Idle(idle)
		if evs, _ := r.db.Events(ctx, 1); len(evs) != 1 {
			t.Fatalf("uncommitted follow-up recorded: %+v", evs)
		}
		if n := len(r.fake.SentTo(officerChat)); n != posts {
			t.Fatalf("uncommitted follow-up told the officers (%d posts, want %d)", n, posts)
		}
		// The real turn: recorded and announced once.
		r.fake.Message(201, "nomor NIK saya sudah benar?")
		got := r.wait(t, 201, 2)
		if !strings.Contains(plain(got[1]), "ditambahkan ke tiket") {
			t.Fatalf("follow-up reply: %q", plain(got[1]))
		}
		r.wait(t, officerChat, posts+1)
		r.eng.Idle(idle)
		notices := r.fake.SentTo(officerChat)[posts:]
		if len(notices) != 1 || !strings.Contains(plain(notices[0]), "NIK saya sudah benar") {
			t.Fatalf("officers' chat after the follow-up: %+v", notices)
		}
		evs, _ := r.db.Events(ctx, 1)
		var acts []string
		for _, e := range evs {
			acts = append(acts, e.Action)
		}
		if got := strings.Join(acts, ","); got != "created,followed" {
			t.Errorf("audit log = %s, want created,followed", got)
		}
	})
}

func TestClaimRaceAndOutsiders(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		card := r.escalate(t, 202, "/petugas")
		claim := ""
		for _, b := range card.Buttons[0] {
			if strings.Contains(b.Text, "Ambil") {
				claim = b.CallbackData
			}
		}
		before := len(r.fake.SentTo(officerChat))
		_, q1 := r.fake.PressIn(officerChat, officerA, "supergroup", card.MessageID, claim)
		r.fake.MessageIn(officerChat, officerB, "supergroup", "/ambil BLI-000001", 0)
		if !r.fake.WaitFor(5*time.Second, func() bool { return r.fake.Answered(q1) && len(r.fake.SentTo(officerChat)) > before }) {
			t.Fatal("claim not handled")
		}
		time.Sleep(200 * time.Millisecond)
		tk, _ := r.db.Ticket(context.Background(), 1)
		if tk.Status != desk.Claimed {
			t.Fatalf("ticket not claimed: %s", tk.Status)
		}
		var conflicts int
		for _, m := range r.fake.SentTo(officerChat)[before:] {
			if strings.Contains(plain(m), "sudah ditangani") {
				conflicts++
			}
		}
		if conflicts != 1 {
			t.Errorf("the losing officer should be told once, got %d: %+v", conflicts, r.fake.SentTo(officerChat)[before:])
		}
		// A user who left the officers' chat cannot answer.
		r.officer(outsider, "jawaban palsu", card.MessageID)
		if !r.fake.WaitFor(5*time.Second, func() bool {
			ms := r.fake.SentTo(officerChat)
			return strings.Contains(plain(ms[len(ms)-1]), "hanya petugas")
		}) {
			t.Fatal("outsider not refused")
		}
		// Someone not listed cannot use officer commands privately either: the bot treats it
		// as a citizen's message.
		r.fake.Message(outsider, "/ambil BLI-000001")
		got := r.wait(t, outsider, 1)
		if strings.Contains(plain(got[0]), "diambil") {
			t.Errorf("outsider claimed privately: %q", plain(got[0]))
		}
		for _, m := range r.fake.SentTo(202) {
			if strings.Contains(plain(m), "palsu") {
				t.Fatal("an outsider's text reached the citizen")
			}
		}
	})
}

func TestNotesStayInternalAndFAQDraft(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		card := r.escalate(t, 203, "mau bicara dengan petugas: cara legalisir akta")
		r.officer(officerA, "/catatan BLI-000001 warga ini sudah tiga kali bertanya, rahasia internal", 0)
		r.wait(t, officerChat, 2)
		r.officer(officerA, "Legalisir akta kelahiran dilakukan di Disdukcapil dengan membawa akta asli; gratis.", card.MessageID)
		got := r.wait(t, 203, 2)
		for _, m := range got {
			if strings.Contains(plain(m), "rahasia internal") {
				t.Fatal("an internal note reached the citizen")
			}
		}
		evs, _ := r.db.Events(context.Background(), 1)
		noted := false
		for _, e := range evs {
			noted = noted || (e.Action == "noted" && strings.Contains(e.Detail, "rahasia internal"))
		}
		if !noted {
			t.Error("note not in the audit log")
		}
		r.officer(officerA, "/faq BLI-000001", 0)
		if !r.fake.WaitFor(5*time.Second, func() bool {
			ms := r.fake.SentTo(officerChat)
			return strings.Contains(plain(ms[len(ms)-1]), "Draf FAQ")
		}) {
			t.Fatal("no /faq confirmation")
		}
		c, ps, err := faq.LoadDir(r.drafts)
		if err != nil || ps.Errors() > 0 || len(c.Entries) != 1 {
			t.Fatalf("draft corpus: %v %v", err, ps)
		}
		e := c.Entries[0]
		if e.ID != "draf-bli-000001" || !strings.Contains(e.Body, "membawa akta asli") || e.Questions[0] != "mau bicara dengan petugas: cara legalisir akta" {
			t.Errorf("draft entry: %+v", e)
		}
	})
}

func TestSLAReminderAndLapsedClaim(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		card := r.escalate(t, 204, "/petugas") // 10:00, due 14:00
		r.clock.Add(3 * time.Hour)
		r.officer(officerA, "/ambil BLI-000001", 0) // claimed at 13:00
		r.wait(t, officerChat, 3)
		time.Sleep(200 * time.Millisecond)
		before := len(r.fake.SentTo(officerChat))
		ctx := context.Background()
		r.clock.Add(40 * time.Minute) // 13:40
		if err := r.desk.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		got := r.wait(t, officerChat, before+1)
		if !strings.Contains(plain(got[before]), "jatuh tempo hari ini pukul 14.00 WIB") {
			for _, m := range got {
				t.Logf("edited=%v id=%d %q", m.Edited, m.MessageID, plain(m))
			}
			t.Fatalf("reminder = %q", plain(got[before]))
		}
		if got[before].ReplyTo != card.MessageID {
			t.Errorf("reminder replies to message %d, want the card %d", got[before].ReplyTo, card.MessageID)
		}
		if err := r.desk.Sweep(ctx); err != nil { // nothing new to say
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if n := len(r.fake.SentTo(officerChat)); n != before+1 {
			t.Fatalf("second sweep posted %d more", n-before-1)
		}
		r.clock.Add(30 * time.Minute) // 14:10: overdue, and the claim has been silent over an hour
		r.clock.Add(time.Minute)
		if err := r.desk.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		got = r.wait(t, officerChat, before+4) // the reminder, overdue and released notices, the card's edit
		joined := ""
		for _, m := range got[before:] {
			joined += plain(m) + "\n"
		}
		if !strings.Contains(joined, "melewati tenggat") || !strings.Contains(joined, "kembali ke antrian") {
			t.Fatalf("sweep posted:\n%s", joined)
		}
		// The card of the released ticket offers the claim button again.
		reopened := false
		for _, m := range got[before:] {
			reopened = reopened || (m.Edited && m.MessageID == card.MessageID && len(m.Buttons) == 1 && len(m.Buttons[0]) == 2)
		}
		if !reopened {
			t.Errorf("card not back in the queue after the lapsed claim: %+v", got[before:])
		}
		tk, _ := r.db.Ticket(ctx, 1)
		if tk.Status != desk.Open || tk.Assignee != "" {
			t.Errorf("lapsed claim: %+v", tk)
		}
	})
}

// TestOutboxSurvivesRestartAnd429 stops the bot while an officer's reply cannot be
// delivered (Telegram answers 429), starts it again on the same database, and checks the
// citizen gets the reply exactly once.
func TestOutboxSurvivesRestartAnd429(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		fake := tgfake.New(token)
		fake.SetMember(officerChat, officerA, "member")
		api := httptest.NewServer(fake)
		defer api.Close()
		jkt, _ := time.LoadLocation("Asia/Jakarta")
		c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, jkt))
		r := start(t, open, "restart", fake, api.URL, c)
		card := r.escalate(t, 205, "/petugas")
		tried := fake.Attempts(205)
		fake.FailNext("sendMessage", 100, 30) // Telegram says: wait 30 s
		r.officer(officerA, "Jawaban yang tertunda.", card.MessageID)
		// The reply is in the outbox and Telegram has refused it once.
		if !fake.WaitFor(10*time.Second, func() bool { return fake.Attempts(205) > tried }) {
			t.Fatal("the officer's reply was never tried")
		}
		r.stop() // shutdown while the reply waits in the outbox
		if n := len(fake.SentTo(205)); n != 1 {
			t.Fatalf("citizen got %d messages before the restart, want only the escalation notice", n)
		}
		fake.FailNext("sendMessage", 0, 0)
		r2 := start(t, open, "restart", fake, api.URL, c)
		r2.wait(t, 205, 2)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if !r2.eng.Idle(ctx) {
			t.Fatal("bot not idle after the restart")
		}
		got := fake.SentTo(205)
		if len(got) != 2 || !strings.Contains(plain(got[1]), "Jawaban yang tertunda") {
			t.Fatalf("after the restart the citizen has: %+v", got)
		}
	})
}
