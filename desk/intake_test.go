package desk_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/workhours"
)

// holidayCalendar is Mon–Fri 08:00–16:00 WIB with Tuesday 1 December 2026 a holiday: the
// legal clocks of a form received on Thursday 26 November skip it.
func holidayCalendar(t *testing.T) func(*desk.Config) {
	cal, err := workhours.Parse("Mon-Fri 08:00-16:00", []string{"2026-12-01 Libur uji"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return func(c *desk.Config) { c.Calendar = cal }
}

// step has citizen send text and returns the bot's replies to it, as the citizen reads them
// (joined, buttons in brackets), once everything is handled and delivered.
func (r *rig) step(t *testing.T, citizen int64, text string) string {
	t.Helper()
	before := len(r.fake.SentTo(citizen))
	r.fake.Message(citizen, text)
	r.wait(t, citizen, before+1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !r.eng.Idle(ctx) {
		t.Fatal("bot not idle")
	}
	var parts []string
	for _, m := range r.fake.SentTo(citizen)[before:] {
		parts = append(parts, plain(m))
		for _, row := range m.Buttons {
			for _, b := range row {
				parts = append(parts, "["+b.Text+"]")
			}
		}
	}
	return strings.Join(parts, "\n---\n")
}

type exchange struct {
	say  string
	want []string // in the replies
	not  []string // not in the replies
}

func (r *rig) converse(t *testing.T, citizen int64, steps []exchange) string {
	t.Helper()
	var last string
	for i, s := range steps {
		last = r.step(t, citizen, s.say)
		for _, w := range s.want {
			if !strings.Contains(last, w) {
				t.Fatalf("step %d %q: reply lacks %q:\n%s", i, s.say, w, last)
			}
		}
		for _, w := range s.not {
			if strings.Contains(last, w) {
				t.Fatalf("step %d %q: reply has %q:\n%s", i, s.say, w, last)
			}
		}
	}
	return last
}

// complaintSteps collects a complaint: a date that does not exist and a skipped required
// field are asked again, the reporter's name is skipped, a bad contact is asked again.
var complaintSteps = []exchange{
	{say: "saya ingin membuat pengaduan", want: []string{"pengaduan resmi", "Ya, catat"}},
	{say: "ya", want: []string{"judul", "batal"}},
	{say: "Pungutan biaya pembuatan KK", want: []string{"kronologi"}},
	{say: "Petugas kelurahan meminta uang 100 ribu untuk KK.", want: []string{"Tanggal kejadian"}},
	{say: "31/02/2026", want: []string{"tidak dapat saya baca", "Tanggal kejadian"}},
	{say: "1 Desember 2026", want: []string{"tidak boleh setelah hari ini", "Tanggal kejadian"}},
	{say: "24 November 2026", want: []string{"tempat kejadian"}},
	{say: "Kantor Kelurahan Sukamaju", want: []string{"Instansi atau unit"}},
	{say: "lewati", want: []string{"wajib", "Instansi atau unit"}},
	{say: "Kelurahan Sukamaju", want: []string{"anonim", "Ya", "Tidak"}},
	{say: "2", want: []string{"rahasia"}}, // "2": the second choice, Tidak
	{say: "iya", want: []string{"Nama", "lewati"}},
	{say: "lewati", want: []string{"telepon atau e-mail"}},
	{say: "nomor saya rahasia", want: []string{"bukan nomor telepon", "telepon atau e-mail"}},
}

func TestComplaintIntake(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRigWith(t, open, "intakecomplaint", 0, holidayCalendar(t))
		const citizen = 301
		steps := append(complaintSteps, exchange{say: "0812-3456-7890",
			// Received Thu 26 Nov: 3, 5 and 10 working days on, 1 December a holiday.
			want: []string{"BLI-000001", "2 Desember 2026", "4 Desember 2026", "11 Desember 2026", "10 hari kerja"}})
		r.converse(t, citizen, steps)
		ctx := context.Background()
		f, err := r.db.Form(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		c := f.Complaint
		jkt, _ := time.LoadLocation("Asia/Jakarta")
		switch {
		case f.Kind != balai.KindComplaint, c == nil:
			t.Fatalf("form = %+v", f)
		case c.Title != "Pungutan biaya pembuatan KK", c.Agency != "Kelurahan Sukamaju", c.EventPlace != "Kantor Kelurahan Sukamaju":
			t.Errorf("complaint = %+v", c)
		case !c.EventDate.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, jkt)):
			t.Errorf("event date = %v", c.EventDate)
		case c.Anonymous || !c.Confidential || c.ReporterName != "" || c.ReporterContact != "081234567890":
			t.Errorf("anonymity, confidentiality or reporter wrong: %+v", c)
		case !f.ReceivedAt.Equal(r.clock.Now()):
			t.Errorf("received %v, want %v", f.ReceivedAt, r.clock.Now())
		}
		tk, err := r.db.Ticket(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Kind != balai.KindComplaint || !tk.LegalDueAt.Equal(time.Date(2026, 12, 11, 16, 0, 0, 0, jkt)) {
			t.Errorf("ticket kind %q, legal deadline %v", tk.Kind, tk.LegalDueAt)
		}
		// The answers live in the form only: not in the ticket, not in the message log.
		for _, l := range tk.Transcript {
			if strings.Contains(l.Text, "0812") || strings.Contains(l.Text, "100 ribu") {
				t.Errorf("ticket transcript holds a form answer: %q", l.Text)
			}
		}
		var n int
		// (A reply's text is in log_texts, named by the line.)
		const logged = `FROM message_log m LEFT JOIN log_texts t ON t.id = m.text_id WHERE COALESCE(t.text, m.text) LIKE '%0812-3456%' OR COALESCE(t.text, m.text) LIKE '%100 ribu%'`
		if err := r.db.SQL().QueryRow(`SELECT COUNT(*) ` + logged).Scan(&n); err != nil || n != 0 {
			var dir, text string
			r.db.SQL().QueryRow(`SELECT m.direction, COALESCE(t.text, m.text) `+logged).Scan(&dir, &text)
			t.Errorf("message log holds %d form answers (err %v): %s %q", n, err, dir, text)
		}
		if conv, err := r.db.Conversation(ctx, balai.ChatRef{Channel: balai.Telegram, ID: strconv.Itoa(citizen)}); err != nil || conv.Intake != nil {
			t.Errorf("conversation keeps the form after the ticket: %+v (err %v)", conv.Intake, err)
		}
		cards := r.wait(t, officerChat, 1)
		card := plain(cards[0])
		for _, want := range []string{"BLI-000001", "Jenis: Pengaduan", "Batas waktu: 11 Desember 2026", "formulir dari warga"} {
			if !strings.Contains(card, want) {
				t.Errorf("card lacks %q:\n%s", want, card)
			}
		}
	})
}

// infoSteps is an information request in English, with a copy sent by e-mail.
var infoSteps = []exchange{
	{say: "I would like to request public information about the regional budget", want: []string{"request for public information", "Yes, record it"}},
	{say: "yes", want: []string{"full name", "cancel"}},
	{say: "Siti Rahma", want: []string{"address"}},
	{say: "Jl. Melati 5, Bandung", want: []string{"phone number or e-mail"}},
	{say: "siti@", want: []string{"not a valid phone number", "phone number or e-mail"}},
	{say: "siti@contoh.id", want: []string{"information"}},
	{say: "The 2026 budget of the agency", want: []string{"purpose"}},
	{say: "Research", want: []string{"How", "Get a copy"}},
	{say: "get a copy", want: []string{"form", "Soft copy"}},
	{say: "softcopy", want: []string{"reach you", "E-mail"}},
	{say: "email", want: []string{"occupation", "skip"}},
}

func TestInfoRequestIntakeEnglish(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRigWith(t, open, "intakeinfo", 0, holidayCalendar(t))
		const citizen = 302
		steps := append(infoSteps, exchange{say: "skip",
			want: []string{"PPID-2026-000001", "BLI-000001", "11 December 2026", "10 working days", "7 working days"},
			not:  []string{"Desember"}})
		r.converse(t, citizen, steps)
		f, err := r.db.FormByNumber(context.Background(), "PPID-2026-000001")
		if err != nil {
			t.Fatal(err)
		}
		q := f.InfoRequest
		if f.TicketID != 1 || q == nil || q.Name != "Siti Rahma" || q.Email != "siti@contoh.id" || q.Phone != "" ||
			q.Obtain != balai.ObtainCopy || q.CopyForm != balai.CopySoft || q.Delivery != balai.DeliverEmail || q.Occupation != "" {
			t.Fatalf("form = %+v %+v", f, q)
		}
		card := plain(r.wait(t, officerChat, 1)[0])
		if !strings.Contains(card, "Jenis: Permohonan informasi publik") || !strings.Contains(card, "Batas waktu: 11 Desember 2026") {
			t.Errorf("card:\n%s", card)
		}
	})
}

func TestIntakeCancelAndDecline(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRigOn(t, open, "intakecancel", 0)
		ctx := context.Background()
		for i, cancel := range []string{"batal", "/batal", "cancel"} {
			citizen := int64(310 + i)
			r.converse(t, citizen, []exchange{
				{say: "saya ingin membuat pengaduan", want: []string{"pengaduan resmi"}},
				{say: "ya", want: []string{"judul"}},
				{say: "Antrean tidak tertib", want: []string{"kronologi"}},
				{say: cancel, want: []string{"dibatalkan"}},
			})
			conv, err := r.db.Conversation(ctx, balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(citizen, 10)})
			if err != nil || conv.Intake != nil {
				t.Fatalf("%s: the form is kept after cancelling: %+v (err %v)", cancel, conv.Intake, err)
			}
		}
		if _, err := r.db.Ticket(ctx, 1); !errors.Is(err, desk.ErrNotFound) {
			t.Fatalf("a cancelled form opened a ticket: %v", err)
		}
		// Declining the offer hands the complaint to an officer as a question ticket.
		r.converse(t, 320, []exchange{
			{say: "saya ingin membuat pengaduan", want: []string{"pengaduan resmi"}},
			{say: "tidak", want: []string{"BLI-000001"}, not: []string{"Desember"}},
		})
		tk, err := r.db.Ticket(ctx, 1)
		if err != nil || tk.Kind != balai.KindQuestion || tk.Topic != "pengaduan" || !tk.LegalDueAt.IsZero() {
			t.Fatalf("declined: ticket %+v (err %v)", tk, err)
		}
		if _, err := r.db.Form(ctx, 1); !errors.Is(err, balai.ErrFormNotFound) {
			t.Errorf("a declined offer stored a form: %v", err)
		}
	})
}

// TestIntakeRestartAndRedelivery stops the bot midway through a complaint and starts it
// again on the same database: the answers given survive, and a redelivered answer is not
// taken twice.
func TestIntakeRestartAndRedelivery(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		fake := tgfake.New(token)
		api := httptest.NewServer(fake)
		defer api.Close()
		c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, workhours.Default().Location()))
		r := startWith(t, open, "intakerestart", fake, api.URL, c, holidayCalendar(t))
		const citizen = 330
		r.converse(t, citizen, complaintSteps[:3])
		r.stop()
		r2 := startWith(t, open, "intakerestart", fake, api.URL, c, holidayCalendar(t))
		before := len(fake.SentTo(citizen))
		key, _ := fake.Message(citizen, "Petugas kelurahan meminta uang 100 ribu untuk KK.")
		r2.wait(t, citizen, before+1)
		// Telegram delivers the description again (its update id is the key): accepted
		// before, so not handled again.
		fresh, err := r2.eng.Accept(context.Background(), bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: strconv.Itoa(citizen)},
			Key: strconv.FormatInt(key, 10), Kind: bot.KindText, Text: "Petugas kelurahan meminta uang 100 ribu untuk KK."})
		if err != nil || fresh[0] {
			t.Fatalf("redelivery accepted as new (fresh %v, err %v)", fresh, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if !r2.eng.Idle(ctx) {
			t.Fatal("bot not idle")
		}
		if got := fake.SentTo(citizen)[before:]; len(got) != 1 || !strings.Contains(plain(got[0]), "Tanggal kejadian") {
			t.Fatalf("after the restart the description got %d replies: %+v", len(got), got)
		}
		steps := append(append([]exchange(nil), complaintSteps[4:]...), exchange{say: "warga@contoh.id", want: []string{"BLI-000001"}})
		r2.converse(t, citizen, steps)
		f, err := r2.db.Form(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if f.Complaint.Title != "Pungutan biaya pembuatan KK" || f.Complaint.Description != "Petugas kelurahan meminta uang 100 ribu untuk KK." ||
			f.Complaint.ReporterContact != "warga@contoh.id" {
			t.Fatalf("form after the restart: %+v", f.Complaint)
		}
	})
}
