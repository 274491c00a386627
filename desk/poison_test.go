package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store/storetest"
)

// failedAttempts counts inbound messages whose handling failed at least once.
func failedAttempts(t *testing.T, r *rig) int {
	t.Helper()
	var n int
	if err := r.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM inbound WHERE attempts > 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Forged buttons — a rating of another chat's ticket or of no ticket, a card button with no
// ticket number — are rejected as invalid input: never retried nor parked, nothing changed,
// and the citizen gets a short polite reply.
func TestForgedButtonsAreRejected(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.escalate(t, 201, "mau bicara dengan petugas soal ktp saya")
		r.officer(officerA, "/tutup BLI-000001", 0)
		rating := r.wait(t, 201, 2)[1]
		if !strings.Contains(plain(rating), "Seberapa puas") {
			t.Fatalf("no satisfaction question: %q", plain(rating))
		}
		card2 := r.escalate(t, 202, "saya mau bicara dengan petugas")
		_ = card2
		forged := []string{"r:BLI-000001:5", "r:x:1", "r:BLI-999999:1", "r:BLI-000001:9"}
		for i, data := range forged {
			r.fake.Press(202, rating.MessageID, data)
			got := r.wait(t, 202, 2+i)
			if last := plain(got[len(got)-1]); !strings.Contains(last, "tombol itu tidak berlaku") {
				t.Errorf("%s: reply %q", data, last)
			}
		}
		officersBefore := len(r.fake.SentTo(officerChat))
		r.fake.PressIn(officerChat, officerA, "supergroup", 1, "d:claim:abc")
		r.fake.PressIn(officerChat, officerA, "supergroup", 1, "d:close:-1")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if !r.fake.WaitFor(10*time.Second, func() bool { return r.fake.Pending() == 0 }) || !r.eng.Idle(ctx) {
			t.Fatal("not idle")
		}
		tk1, _ := r.db.Ticket(context.Background(), 1)
		if tk1.Rating != 0 {
			t.Errorf("another chat rated ticket 1: %d", tk1.Rating)
		}
		tk2, _ := r.db.Ticket(context.Background(), 2)
		if tk2.Status != desk.Open || tk2.Assignee != "" {
			t.Errorf("d:claim:abc claimed a ticket: %+v", tk2)
		}
		for _, m := range r.fake.SentTo(officerChat)[officersBefore:] {
			if !m.Edited {
				t.Errorf("forged card button answered in the officers' chat: %q", plain(m))
			}
		}
		if n := failedAttempts(t, r); n != 0 {
			t.Errorf("%d messages failed and were retried; invalid input must not be", n)
		}
		if n, _ := r.db.CountDeadLetters(context.Background()); n != 0 {
			t.Errorf("%d dead letters; invalid input is not parked", n)
		}
		// The real rating still works.
		r.fake.Press(201, rating.MessageID, rating.Buttons[0][4].CallbackData)
		if got := r.wait(t, 201, 3); !strings.Contains(plain(got[2]), "5/5") {
			t.Errorf("rating reply: %q", plain(got[2]))
		}
	})
}

// Telegram: NUL bytes and invalid UTF-8 (which Telegram's JSON carries as U+FFFD) are
// stored and answered on both databases.
func TestTelegramNULAndInvalidUTF8(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		for i, text := range []string{"ktp saya\x00 hilang", "ktp saya hilang \xff\xfe", "\x00"} {
			chat := int64(301 + i)
			r.fake.Message(chat, text)
			got := r.wait(t, chat, 1)
			if i < 2 && !strings.Contains(plain(got[0]), "surat kehilangan") {
				t.Errorf("%q: reply %q", text, plain(got[0]))
			}
		}
		if n := failedAttempts(t, r); n != 0 {
			t.Errorf("%d messages failed", n)
		}
	})
}
