package desk_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/store/storetest"
)

func auditLog(t *testing.T, r *rig, id int64) string {
	t.Helper()
	evs, err := r.db.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range evs {
		acts = append(acts, e.Action)
	}
	return strings.Join(acts, ",")
}

// TestOneActiveTicketPerChat: /petugas, the "Bicara dengan petugas" button and 👎 while the
// chat has a ticket add to it: the citizen is told the request is already with an officer,
// with the ticket's number; the officers see each addition once; no second ticket opens. An
// answered ticket opens again.
func TestOneActiveTicketPerChat(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		const citizen = 301
		card := r.escalate(t, citizen, "/petugas")
		posts := len(r.fake.SentTo(officerChat))
		n := len(r.fake.SentTo(citizen))
		// Each way of asking again, as the citizen would: typing, the button, 👎.
		asks := []struct {
			name string
			do   func(last tgfake.Sent)
		}{
			{"/petugas", func(tgfake.Sent) { r.fake.Message(citizen, "/petugas") }},
			{"button", func(last tgfake.Sent) { r.fake.Press(citizen, last.MessageID, "h") }},
			{"thumbs down", func(last tgfake.Sent) { r.fake.Press(citizen, last.MessageID, "n:ktp-hilang") }},
		}
		for i, a := range asks {
			last := r.fake.SentTo(citizen)[n-1]
			a.do(last)
			got := r.wait(t, citizen, n+1)
			n = len(got)
			reply := plain(got[n-1])
			if !strings.Contains(reply, "sudah ada di tangan petugas") || !strings.Contains(reply, "BLI-000001") {
				t.Errorf("%s: citizen told %q, want the request is already with ticket BLI-000001", a.name, reply)
			}
			notices := r.wait(t, officerChat, posts+i+1)[posts:]
			if len(notices) != i+1 || !strings.Contains(plain(notices[i]), "meminta petugas lagi") || notices[i].ReplyTo != card.MessageID {
				t.Fatalf("%s: officers' chat after the request: %+v", a.name, notices)
			}
		}
		idle(t, r)
		if got := len(r.fake.SentTo(officerChat)); got != posts+len(asks) {
			t.Errorf("officers' chat has %d posts after %d requests, want %d (each once)", got, len(asks), posts+len(asks))
		}
		if _, err := r.db.Ticket(context.Background(), 2); !errors.Is(err, desk.ErrNotFound) {
			t.Errorf("a second ticket was opened: %v", err)
		}
		if got := auditLog(t, r, 1); got != "created,asked_again,asked_again,asked_again" {
			t.Errorf("audit log = %s", got)
		}
		// Answered, then asked again: the same ticket opens again.
		r.officer(officerA, "Silakan datang ke kecamatan.", card.MessageID)
		r.wait(t, citizen, n+1)
		r.fake.Message(citizen, "/petugas")
		got := r.wait(t, citizen, n+2)
		if reply := plain(got[n+1]); !strings.Contains(reply, "BLI-000001") {
			t.Errorf("after the answer: %q", reply)
		}
		idle(t, r)
		if tk, _ := r.db.Ticket(context.Background(), 1); tk.Status != desk.Open {
			t.Errorf("answered ticket asked again is %s, want open", tk.Status)
		}
		if _, err := r.db.Ticket(context.Background(), 2); !errors.Is(err, desk.ErrNotFound) {
			t.Errorf("a second ticket was opened after the answer: %v", err)
		}
	})
}

// TestTicketsPerHourCapped: a citizen who cancels and asks again opens at most
// TicketsPerHour tickets in an hour; the next request is refused politely, and an hour later
// a ticket opens again.
func TestTicketsPerHourCapped(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRigWith(t, open, "perhour", 0, func(c *desk.Config) { c.TicketsPerHour = 2 })
		const citizen = 302
		say := func(text string) string {
			n := len(r.fake.SentTo(citizen))
			r.fake.Message(citizen, text)
			got := r.wait(t, citizen, n+1)
			return plain(got[n])
		}
		for _, num := range []string{"BLI-000001", "BLI-000002"} {
			if got := say("/petugas"); !strings.Contains(got, num) {
				t.Fatalf("/petugas: %q, want ticket %s", got, num)
			}
			if got := say("/batal"); !strings.Contains(got, num) {
				t.Fatalf("/batal: %q", got)
			}
			r.clock.Add(10 * time.Minute)
		}
		posts := len(r.fake.SentTo(officerChat))
		if got := say("/petugas"); !strings.Contains(got, "dalam satu jam terakhir") || strings.Contains(got, "BLI-") {
			t.Fatalf("third ticket in an hour: %q, want the polite refusal", got)
		}
		idle(t, r)
		if _, err := r.db.Ticket(context.Background(), 3); !errors.Is(err, desk.ErrNotFound) {
			t.Fatalf("a third ticket was opened: %v", err)
		}
		if n := len(r.fake.SentTo(officerChat)); n != posts {
			t.Errorf("the refused request posted %d messages to the officers", n-posts)
		}
		r.clock.Add(41 * time.Minute)
		if got := say("/petugas"); !strings.Contains(got, "BLI-000003") {
			t.Fatalf("an hour later: %q, want ticket BLI-000003", got)
		}
	})
}

// TestCardFloodSummarized: many new tickets at once post at most CardsPerMinute cards; the
// rest are queued and listed in one summary post at the sweep; claiming one posts its card,
// and replying to that card answers the citizen.
func TestCardFloodSummarized(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRigWith(t, open, "flood", 0, func(c *desk.Config) { c.CardsPerMinute = 2 })
		citizens := []int64{401, 402, 403, 404, 405}
		for _, c := range citizens {
			r.fake.Message(c, "/petugas")
		}
		for _, c := range citizens {
			if got := r.wait(t, c, 1); !strings.Contains(plain(got[0]), "BLI-00000") {
				t.Fatalf("citizen %d: %q, want a ticket", c, plain(got[0]))
			}
		}
		idle(t, r)
		if got := r.fake.SentTo(officerChat); len(got) != 2 {
			t.Fatalf("officers' chat has %d posts after 5 new tickets, want 2 cards", len(got))
		}
		ctx := context.Background()
		if q, _ := r.db.Queue(ctx, 20); len(q) != 5 {
			t.Fatalf("queue has %d tickets, want 5", len(q))
		}
		if err := r.desk.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		got := r.wait(t, officerChat, 3)
		summary := plain(got[2])
		if !strings.Contains(summary, "3 tiket baru lainnya di antrean") {
			t.Fatalf("summary: %q", summary)
		}
		var held []string
		for _, tk := range mustQueue(t, r) {
			if tk.CardHeld {
				held = append(held, tk.Number("BLI"))
				if !strings.Contains(summary, tk.Number("BLI")) {
					t.Errorf("summary lacks %s: %q", tk.Number("BLI"), summary)
				}
			}
		}
		if len(held) != 3 {
			t.Fatalf("%d tickets with held cards, want 3", len(held))
		}
		if err := r.desk.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		idle(t, r)
		if n := len(r.fake.SentTo(officerChat)); n != 3 {
			t.Fatalf("a second sweep posted again: %d posts", n)
		}
		// Claiming a held ticket posts its card; a reply to it reaches the citizen.
		r.officer(officerA, "/ambil "+held[0], 0)
		posts := r.wait(t, officerChat, 5)
		var card tgfake.Sent
		for _, m := range posts[3:] {
			if strings.Contains(plain(m), "Pertanyaan:") && strings.Contains(plain(m), held[0]) {
				card = m
			}
		}
		if card.MessageID == 0 {
			t.Fatalf("no card after claiming %s: %+v", held[0], posts[3:])
		}
		tk := mustQueue(t, r)
		var citizen int64
		for _, x := range tk {
			if x.Number("BLI") == held[0] {
				citizen = mustAtoi(t, x.Chat.ID)
			}
		}
		r.officer(officerA, "Silakan datang ke kecamatan.", card.MessageID)
		if got := r.wait(t, citizen, 2); !strings.Contains(plain(got[1]), "Silakan datang ke kecamatan") {
			t.Errorf("citizen of the held card got %q", plain(got[1]))
		}
	})
}

func mustQueue(t *testing.T, r *rig) []desk.Ticket {
	t.Helper()
	q, err := r.db.Queue(context.Background(), 20)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
