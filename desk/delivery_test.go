package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/store/storetest"
)

// TestBlockedCitizenIsShownToOfficers: the citizen blocks the bot after asking for an
// officer; the officer's reply is refused (403) and ends at once — one attempt — and the
// officers' chat is told on the ticket's card why ("warga memblokir"), and the ticket's
// log records it.
func TestBlockedCitizenIsShownToOfficers(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		card := r.escalate(t, 301, "mau bicara dengan petugas")
		r.wait(t, 301, 1)
		r.fake.Block(301)
		before := r.fake.Attempts(301)
		r.officer(officerA, "Silakan datang ke kantor.", card.MessageID)
		if !r.fake.WaitFor(10*time.Second, func() bool {
			for _, m := range r.fake.SentTo(officerChat) {
				if strings.Contains(plain(m), "gagal terkirim") {
					return true
				}
			}
			return false
		}) {
			t.Fatalf("officers not told of the refused reply: %+v", r.fake.SentTo(officerChat))
		}
		var notice string
		for _, m := range r.fake.SentTo(officerChat) {
			if strings.Contains(plain(m), "gagal terkirim") {
				notice = plain(m)
				if m.ReplyTo != card.MessageID {
					t.Errorf("the notice answers message %d, want the card %d", m.ReplyTo, card.MessageID)
				}
			}
		}
		for _, want := range []string{"BLI-000001", "memblokir", "blocked by the user"} {
			if !strings.Contains(notice, want) {
				t.Errorf("notice lacks %q: %q", want, notice)
			}
		}
		if n := r.fake.Attempts(301) - before; n != 1 {
			t.Errorf("refused reply tried %d times, want 1", n)
		}
		evs, _ := r.db.Events(context.Background(), 1)
		found := false
		for _, e := range evs {
			found = found || e.Action == "delivery_failed"
		}
		if !found {
			t.Errorf("no delivery_failed event on the ticket: %+v", evs)
		}
	})
}
