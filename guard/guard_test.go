package guard_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/guard"
)

type fixture struct {
	Config guard.Config
	Ticket balai.Ticket
	Notes  []balai.Event
	Cases  []struct {
		Name  string
		Reply string
		Want  []string // "kind:fragment"
	}
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 20 {
		t.Fatalf("testdata/cases.json: only %d cases", len(f.Cases))
	}
	return f
}

func messages(t *testing.T) *bot.Messages {
	t.Helper()
	m, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheck(t *testing.T) {
	f := loadFixture(t)
	g := guard.New(f.Config, messages(t))
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			got := []string{}
			for _, x := range g.Check(f.Ticket, f.Notes, c.Reply) {
				got = append(got, string(x.Kind)+":"+x.Fragment)
			}
			if diff := cmp.Diff(c.Want, got); diff != "" {
				t.Errorf("Check(%q) (-want +got):\n%s", c.Reply, diff)
			}
		})
	}
}

// A number, address or NIK the citizen never wrote is another person's even when the
// ticket's citizen wrote other data: nothing is allowed without a ticket.
func TestCheckWithoutTranscript(t *testing.T) {
	g := guard.New(guard.Config{}, messages(t))
	got := g.Check(balai.Ticket{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "81234567890"}}, nil,
		"NIK 3201234505850001, HP 0812-3456-7890, budi.santoso@gmail.com")
	want := []guard.Finding{{guard.NIK, "3201********0001"}, {guard.Phone, "0812-****-*890"}, {guard.Email, "b***@gmail.com"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReasons(t *testing.T) {
	f := loadFixture(t)
	msgs := messages(t)
	reply := "Cek SIAK: NIK ayahnya 3275011203700004, HP ayahnya 0857-1234-5678, e-mail x.y@contoh.com"
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"", []string{"NIK/KK orang lain (3275********0004)", "nomor telepon yang bukan milik warga ini", "e-mail yang bukan milik warga ini maupun kontak resmi instansi (x***@contoh.com)",
			"menyalin catatan internal: “cek siak nik ayahnya [NIK]", "istilah internal “siak”"}},
		{"en", []string{"someone else's NIK/KK number (3275********0004)", "phone number that is neither", "e-mail address that is neither",
			"copies an internal note", "internal term “siak”"}},
	} {
		cfg := f.Config
		cfg.Lang = c.lang
		got := guard.New(cfg, msgs).CheckReply(f.Ticket, f.Notes, reply)
		if len(got) != len(c.want) {
			t.Fatalf("lang %q: %d reasons, want %d: %q", c.lang, len(got), len(c.want), got)
		}
		for i := range got {
			if !strings.Contains(got[i], c.want[i]) {
				t.Errorf("lang %q: reason %d = %q, want it to contain %q", c.lang, i, got[i], c.want[i])
			}
			if strings.Contains(got[i], "3275011203700004") || strings.Contains(got[i], "1234-5678") {
				t.Errorf("lang %q: reason %d shows personal data unmasked: %q", c.lang, i, got[i])
			}
		}
	}
	if got := guard.New(f.Config, msgs).CheckReply(f.Ticket, f.Notes, "Terima kasih, sudah kami proses."); got != nil {
		t.Errorf("clean reply: reasons %q, want none", got)
	}
}

func TestValidNIK(t *testing.T) {
	for _, c := range []struct {
		nik  string
		want bool
	}{
		{"3201230505850001", true},  // Jawa Barat, born 05-05-85
		{"3201234505850001", true},  // a woman: day 05 + 40
		{"9601011212990001", true},  // Papua Barat Daya
		{"1101010101010001", true},  // Aceh
		{"2001010101010001", false}, // no province 20
		{"3200234505850001", false}, // regency 00
		{"3201004505850001", false}, // district 00
		{"3201230005850001", false}, // day 00
		{"3201233205850001", false}, // day 32
		{"3201237205850001", false}, // day 72 (a woman's 32)
		{"3201234500850001", false}, // month 00
		{"3201234513850001", false}, // month 13
		{"3201234505850000", false}, // serial 0000
		{"320123450585000", false},  // 15 digits
	} {
		if got := guard.ValidNIK(c.nik); got != c.want {
			t.Errorf("ValidNIK(%s) = %v, want %v", c.nik, got, c.want)
		}
	}
}

func TestParseWords(t *testing.T) {
	got, err := guard.ParseWords(strings.NewReader("# internal terms\nSIAK, nota dinas rahasia\n\n  Operasi Senyap # code name\n,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SIAK", "nota dinas rahasia", "Operasi Senyap"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func BenchmarkCheck(b *testing.B) {
	m, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		b.Fatal(err)
	}
	notes := []balai.Event{{Detail: strings.Repeat("catatan internal tentang pemohon dan berkasnya yang panjang ", 20)}}
	g := guard.New(guard.Config{Words: []string{"siak", "nota dinas rahasia"}}, m)
	reply := strings.Repeat("Terima kasih atas pertanyaan Anda, berkas KTP sedang kami proses pada tanggal 17-08-2025. ", 10)
	for b.Loop() {
		g.Check(balai.Ticket{}, notes, reply)
	}
}
