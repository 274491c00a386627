package desk_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestDraftEntryMasksCitizenData: a draft may become public FAQ text, so the citizen's NIK,
// phone numbers and e-mail never reach its title or questions, nor its body where the
// officer's answer repeats them; the agency's own contacts and ordinary numbers stay.
func TestDraftEntryMasksCitizenData(t *testing.T) {
	db := storetest.SQLite(t)(t, "draft", store.Options{})
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	d, err := desk.New(desk.Config{Store: db, Messages: msgs, Logger: quiet, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, question, answer string
		transcript             []string
		wantTitle, wantBody    string
		leaks                  []string
	}{
		{
			name:      "nik, phone and e-mail in the question",
			question:  "KTP saya NIK 3201 2345 6789 0001 hilang, hubungi 0812-3456-7890 atau budi@contoh.id",
			answer:    "Silakan datang ke Disdukcapil membawa KK. Info: (021) 555 1234 atau ppid@dukcapil.go.id.",
			wantTitle: "KTP saya NIK [NIK] hilang, hubungi [telepon] atau [email]",
			wantBody:  "Silakan datang ke Disdukcapil membawa KK. Info: (021) 555 1234 atau ppid@dukcapil.go.id.",
			leaks:     []string{"3201 2345", "0812", "budi@"},
		},
		{
			name:       "the answer repeats the citizen's data, written another way",
			question:   "status KTP nik3201234567890001 wa +62 812 3456 7890",
			transcript: []string{"email saya Siti@Contoh.ID"},
			answer:     "KTP untuk NIK 3201-2345-6789-0001 sudah jadi; kami kirim kabar ke 081234567890 dan siti@contoh.id. Biaya Rp 0, layanan 08.00-16.00.",
			wantTitle:  "status KTP nik[NIK] wa [telepon]",
			wantBody:   "KTP untuk NIK [NIK] sudah jadi; kami kirim kabar ke [telepon] dan [email]. Biaya Rp 0, layanan 08.00-16.00.",
			leaks:      []string{"3201", "0812", "3456 7890", "siti@"},
		},
		{
			name:      "nothing personal",
			question:  "berapa biaya legalisir akta tahun 2025?",
			answer:    "Gratis, Rp 0; tiket #123 sudah selesai.",
			wantTitle: "berapa biaya legalisir akta tahun 2025?",
			wantBody:  "Gratis, Rp 0; tiket #123 sudah selesai.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := desk.Ticket{ID: 7, Chat: balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890"}, Question: tt.question, Answer: tt.answer}
			for _, l := range tt.transcript {
				tk.Transcript = append(tk.Transcript, desk.Line{From: "citizen", Text: l, At: time.Unix(0, 0)})
			}
			e := d.DraftEntry(tk, "Petugas A")
			if e.Title != tt.wantTitle {
				t.Errorf("title = %q, want %q", e.Title, tt.wantTitle)
			}
			if len(e.Questions) != 1 || e.Questions[0] != tt.wantTitle {
				t.Errorf("questions = %q, want [%q]", e.Questions, tt.wantTitle)
			}
			if e.Body != tt.wantBody {
				t.Errorf("body = %q, want %q", e.Body, tt.wantBody)
			}
			md, err := e.Markdown()
			if err != nil {
				t.Fatal(err)
			}
			for _, leak := range tt.leaks {
				if strings.Contains(string(md), leak) {
					t.Errorf("draft leaks %q:\n%s", leak, md)
				}
			}
		})
	}
}

// TestFAQDraftFromChatMasksCitizenData runs /faq on a ticket whose citizen wrote their NIK,
// phone and e-mail, on both databases: the draft file written holds none of them.
func TestFAQDraftFromChatMasksCitizenData(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		card := r.escalate(t, 205, "/petugas KTP saya NIK 3201 2345 6789 0001 hilang, hp 0812-3456-7890, email budi@contoh.id")
		r.officer(officerA, "Silakan lapor kehilangan di Disdukcapil; kami hubungi 081234567890 bila perlu.", card.MessageID)
		r.wait(t, 205, 2)
		r.officer(officerA, "/faq BLI-000001", 0)
		if !r.fake.WaitFor(5*time.Second, func() bool {
			ms := r.fake.SentTo(officerChat)
			return strings.Contains(plain(ms[len(ms)-1]), "Draf FAQ")
		}) {
			t.Fatal("no /faq confirmation")
		}
		files, _ := filepath.Glob(filepath.Join(r.drafts, "*", "*.md"))
		if len(files) != 1 {
			t.Fatalf("drafts: %v", files)
		}
		data, _ := os.ReadFile(files[0])
		for _, leak := range []string{"3201", "0812", "081234567890", "budi@contoh.id"} {
			if strings.Contains(string(data), leak) {
				t.Errorf("draft leaks %q:\n%s", leak, data)
			}
		}
		c, ps, err := faq.LoadDir(r.drafts)
		if err != nil || ps.Errors() > 0 || len(c.Entries) != 1 {
			t.Fatalf("draft corpus: %v %v", err, ps)
		}
		if e := c.Entries[0]; !strings.Contains(e.Title, "[NIK]") || !strings.Contains(e.Body, "Disdukcapil") {
			t.Errorf("draft entry: %+v", e)
		}
	})
}
