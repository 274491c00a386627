package desk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/store/storetest"
)

// TestCardsAfterStopListed: tickets opened while Balai was stopped (their cards waiting in
// the outbox) reach the officers' chat after the start as one list of their numbers and
// categories — no citizen's name or question — not one card each. A reply to the list
// answers no one; claiming a listed ticket posts its card, and a reply to that card reaches
// the citizen. A few waiting cards still go out one by one.
func TestCardsAfterStopListed(t *testing.T) {
	tests := []struct {
		name    string
		tickets int
		listed  bool
	}{
		{"a few", 3, false},
		{"many", 6, true},
	}
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				fake := tgfake.New(token)
				fake.SetMember(officerChat, officerA, "member")
				api := httptest.NewServer(fake)
				t.Cleanup(api.Close)
				jkt, _ := time.LoadLocation("Asia/Jakarta")
				c := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, jkt))
				fake.SetClock(c.Now)
				db := "stopped" + strconv.Itoa(i)
				down := start(t, open, db, fake, api.URL, c)
				down.stop()
				// Opened by another replica meanwhile, as far as this one can tell.
				ctx := context.Background()
				for n := 0; n < tt.tickets; n++ {
					citizen := strconv.Itoa(601 + n)
					if _, err := down.desk.Escalate(ctx, bot.Escalation{Key: "k" + citizen, Chat: balai.ChatRef{Channel: balai.Telegram, ID: citizen},
						UserName: "Budi Santoso", Question: "NIK saya 3201234567890001 hilang", Reason: "asked", Category: "Kependudukan", Lang: bot.LangID, At: c.Now()}); err != nil {
						t.Fatal(err)
					}
				}
				r := start(t, open, db, fake, api.URL, c)
				idle(t, r)
				posts := r.fake.SentTo(officerChat)
				if !tt.listed {
					if len(posts) != tt.tickets {
						t.Fatalf("officers' chat has %d posts, want %d cards", len(posts), tt.tickets)
					}
					for _, p := range posts {
						if !strings.Contains(plain(p), "Pertanyaan:") {
							t.Errorf("post %q is not a card", plain(p))
						}
					}
					return
				}
				// The first card may leave before the others are queued behind it.
				var list tgfake.Sent
				for _, p := range posts {
					if strings.Contains(plain(p), "tiket baru sekaligus") {
						list = p
					}
				}
				if list.MessageID == 0 || len(posts) > 2 {
					t.Fatalf("officers' chat after the start: %d posts, want one list (and at most the first card): %q", len(posts), texts(posts))
				}
				text := plain(list)
				for _, bad := range []string{"Budi", "3201234567890001", "hilang"} {
					if strings.Contains(text, bad) {
						t.Errorf("the list shows citizen's data %q: %q", bad, text)
					}
				}
				listed := 0
				for n := 1; n <= tt.tickets; n++ {
					if strings.Contains(text, fmt.Sprintf("BLI-%06d · Kependudukan", n)) {
						listed++
					}
				}
				if want := tt.tickets - (len(posts) - 1); listed != want {
					t.Errorf("the list names %d of %d tickets: %q", listed, tt.tickets, text)
				}
				// A reply to the list is no answer to any ticket.
				r.officer(officerA, "Sudah kami cek.", list.MessageID)
				idle(t, r)
				for n := 0; n < tt.tickets; n++ {
					if got := r.fake.SentTo(int64(601 + n)); len(got) != 0 {
						t.Fatalf("a reply to the list reached citizen %d: %q", 601+n, texts(got))
					}
				}
				// Claiming a listed ticket posts its card; a reply to the card answers.
				r.officer(officerA, "/ambil BLI-000005", 0)
				var card tgfake.Sent
				for _, m := range r.wait(t, officerChat, len(r.fake.SentTo(officerChat))+1) {
					if strings.Contains(plain(m), "Pertanyaan:") && strings.Contains(plain(m), "BLI-000005") {
						card = m
					}
				}
				if card.MessageID == 0 {
					t.Fatalf("no card after claiming BLI-000005: %q", texts(r.fake.SentTo(officerChat)))
				}
				r.officer(officerA, "Silakan datang ke kecamatan.", card.MessageID)
				if got := r.wait(t, 605, 1); !strings.Contains(plain(got[0]), "Silakan datang ke kecamatan") {
					t.Errorf("citizen of the listed ticket got %q", plain(got[0]))
				}
			})
		}
	})
}

func texts(ms []tgfake.Sent) []string {
	var out []string
	for _, m := range ms {
		out = append(out, plain(m))
	}
	return out
}
