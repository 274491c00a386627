package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

// TestAdminLaporExport exports the complaints of two days from the database serve uses, on
// SQLite and PostgreSQL, and compares them with golden files: the complaint received the
// day after, the information request and the erased complaint are not in them; the
// anonymous complaint is there without its reporter.
func TestAdminLaporExport(t *testing.T) {
	for _, target := range dataTargets {
		t.Run(target.name, func(t *testing.T) {
			url := target.env(t)
			holidays := filepath.Join(t.TempDir(), "holidays.txt")
			if err := os.WriteFile(holidays, []byte("2026-08-17 Hari Kemerdekaan\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("BALAI_HOLIDAYS_FILE", holidays)
			t.Setenv("BALAI_TIMEZONE", "Asia/Jakarta")
			t.Setenv("BALAI_TICKET_PREFIX", "BLI")
			wib, _ := time.LoadLocation("Asia/Jakarta")
			at := func(s string) time.Time {
				v, err := time.ParseInLocation("2006-01-02 15:04", s, wib)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			ctx := context.Background()
			db, err := store.Open(ctx, url, store.Options{Owner: "serve", Now: func() time.Time { return at("2026-08-15 10:00") }})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			save := func(chat balai.ChatRef, received string, f balai.Form) {
				t.Helper()
				tk, _, _, err := db.CreateTicket(ctx, desk.Ticket{SourceKey: chat.String(), Chat: chat, UserName: "Warga", Question: "lapor",
					Reason: "asked", Category: "Pelayanan", Lang: "id", CreatedAt: at(received), DueAt: at(received).Add(4 * time.Hour)}, nil)
				if err != nil {
					t.Fatal(err)
				}
				f.TicketID, f.ReceivedAt = tk.ID, at(received)
				if _, err := db.SaveForm(ctx, f, "PPID"); err != nil {
					t.Fatal(err)
				}
			}
			named := balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890"}
			save(named, "2026-08-13 14:00", balai.Form{Kind: balai.KindComplaint, Complaint: &balai.Complaint{
				Title: "Pungutan liar pembuatan KTP", Description: "Petugas meminta Rp 200.000 untuk KTP.", EventDate: at("2026-08-10 00:00"),
				EventPlace: "Kantor Kecamatan Sukajadi", Agency: "Kecamatan Sukajadi", Attachments: []string{"whatsapp:media/ABC123"},
				ReporterName: "Budi Santoso", ReporterContact: "081234567890"}})
			save(balai.ChatRef{Channel: balai.Telegram, ID: "777"}, "2026-08-14 23:59", balai.Form{Kind: balai.KindComplaint, Complaint: &balai.Complaint{
				Title: "Jalan rusak", Description: "Lubang di Jl. Merdeka.", EventPlace: "Jl. Merdeka", Agency: "Dinas PU", Category: "Infrastruktur",
				Anonymous: true, Confidential: true, ReporterName: "Siti", ReporterContact: "siti@contoh.id"}})
			save(balai.ChatRef{Channel: balai.Telegram, ID: "778"}, "2026-08-14 11:00", balai.Form{Kind: balai.KindInfoRequest, InfoRequest: &balai.InfoRequest{Name: "Sari"}})
			save(balai.ChatRef{Channel: balai.Telegram, ID: "779"}, "2026-08-15 00:00", balai.Form{Kind: balai.KindComplaint, Complaint: &balai.Complaint{Title: "besok"}})
			erased := balai.ChatRef{Channel: balai.Web, ID: "s1"}
			save(erased, "2026-08-14 12:00", balai.Form{Kind: balai.KindComplaint, Complaint: &balai.Complaint{Title: "dihapus", ReporterName: "Andi"}})
			if _, err := db.EraseChat(ctx, erased); err != nil {
				t.Fatal(err)
			}

			for _, format := range []string{"csv", "json"} {
				out := filepath.Join(t.TempDir(), "lapor."+format)
				code, stdout, stderr := admin(t, "lapor-export", "--since", "2026-08-13", "--until", "2026-08-14", "--format", format, "--out", out)
				if code != exitOK {
					t.Fatalf("%s: exit %d: %s", format, code, stderr)
				}
				if !strings.Contains(stdout, "Wrote 2 complaints") || !strings.Contains(stdout, "1 erased skipped") {
					t.Errorf("%s: %s", format, stdout)
				}
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: file mode %v, want 0600", out, fi.Mode().Perm())
				}
				golden := filepath.Join("testdata", "lapor-export."+format)
				if updating() {
					os.WriteFile(golden, got, 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs (go test -update to accept):\n%s", golden, got)
				}
			}
			if code, _, stderr := admin(t, "lapor-export", "--since", "2026-08-14", "--until", "2026-08-13"); code != exitUsage {
				t.Errorf("--until before --since: exit %d (%s)", code, stderr)
			}
		})
	}
}
