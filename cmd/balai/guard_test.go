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

// The guard reads the agency's words and contacts from the environment and checks a reply
// against a stored ticket's transcript and notes.
func TestAdminGuardCheck(t *testing.T) {
	target := dataTargets[0] // SQLite: the store's side is tested on both in store
	url := target.env(t)
	words := filepath.Join(t.TempDir(), "words.txt")
	if err := os.WriteFile(words, []byte("# istilah internal\nOperasi Senyap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BALAI_GUARD_WORDS", "SIAK, nota dinas rahasia")
	t.Setenv("BALAI_GUARD_WORDS_FILE", words)
	t.Setenv("BALAI_GUARD_ALLOW", "(021) 1500-123, @contoh.go.id")
	t.Setenv("BALAI_GUARD_MIN_WORDS", "")
	at := time.Date(2026, 8, 13, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	db, err := store.Open(ctx, url, store.Options{Owner: "serve", Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	chat := balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890"}
	tk, _, _, err := db.CreateTicket(ctx, desk.Ticket{SourceKey: "k1", Chat: chat, UserName: "Budi", Question: "NIK saya 3201234505850001 KTP hilang",
		Transcript: []desk.Line{{From: "citizen", Text: "NIK saya 3201234505850001 KTP hilang", At: at}},
		Reason:     "asked", Lang: "id", CreatedAt: at, DueAt: at.Add(4 * time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddEvent(ctx, desk.Event{TicketID: tk.ID, Actor: "user:1", Action: "noted", Detail: "Pemohon ini pernah mengajukan KTP ganda di Dukcapil Bekasi", At: at}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		reply string
		code  int
		want  []string
	}{
		{"NIK Anda 3201234505850001 sudah aktif. Info: (021) 1500-123 atau ppid@contoh.go.id.", exitOK, []string{"ok"}},
		{"Data SIAK: pemohon ini pernah mengajukan KTP ganda di Dukcapil. Hubungi 0857-1234-5678, operasi senyap.", exitFailed, []string{
			"nomor telepon yang bukan milik warga ini maupun kontak resmi instansi (0857-****-*678)",
			"menyalin catatan internal: “pemohon ini pernah mengajukan ktp ganda di dukcapil”",
			"istilah internal “siak”", "istilah internal “operasi senyap”"}},
	} {
		var out, errb bytes.Buffer
		code := guardCheck(ctx, []string{"--ticket", tk.Number("BLI")}, strings.NewReader(c.reply), &out, &errb)
		if code != c.code {
			t.Errorf("%q: exit %d, want %d (%s)", c.reply, code, c.code, errb.String())
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q: output lacks %q:\n%s", c.reply, w, out.String())
			}
		}
	}
	t.Setenv("BALAI_GUARD_MIN_WORDS", "2")
	if code := guardCheck(ctx, []string{"--ticket", tk.Number("BLI")}, strings.NewReader("x"), &bytes.Buffer{}, &bytes.Buffer{}); code != exitFailed {
		t.Errorf("BALAI_GUARD_MIN_WORDS=2 accepted: exit %d", code)
	}
}
