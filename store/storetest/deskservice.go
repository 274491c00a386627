package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

// testApplyVersions: every event bumps a ticket's version; an action at an old version, or
// from a status the ticket is not in, conflicts and changes nothing; its messages are
// queued with it; a citizen's event is their last message; resolutions set and clear.
func testApplyVersions(t *testing.T, open Opener) {
	db := open(t, "apply", store.Options{Owner: "a"})
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	tk, _, _, err := db.CreateTicket(ctx(), newTicket("ap", now), nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Version != 1 || !tk.LastCitizenAt.Equal(now) {
		t.Fatalf("new ticket: version %d, last citizen %v; want 1 (created), %v", tk.Version, tk.LastCitizenAt, now)
	}
	if got, _ := db.Ticket(ctx(), tk.ID); got.Version != 1 {
		t.Fatalf("stored version %d, want 1", got.Version)
	}
	at := now.Add(time.Minute)
	claim := desk.Action{ID: tk.ID, From: []desk.Status{desk.Open}, To: desk.Claimed, Version: 1, At: at,
		Set:    desk.TicketUpdate{Assignee: "user:7", AssigneeName: "Sari"},
		Events: []desk.Event{{Actor: "user:7", ActorName: "Sari", Action: "claimed", At: at}}}
	got, _, err := db.Apply(ctx(), claim)
	if err != nil || got.Status != desk.Claimed || got.Assignee != "user:7" || got.Version != 2 || !got.ClaimedAt.Equal(at) {
		t.Fatalf("claim: %+v, %v", got, err)
	}
	// The same action again: the ticket is at version 2 and claimed.
	if _, _, err := db.Apply(ctx(), claim); !errors.Is(err, desk.ErrConflict) {
		t.Fatalf("claim at an old version: %v, want ErrConflict", err)
	}
	claim.Version = 2
	if _, _, err := db.Apply(ctx(), claim); !errors.Is(err, desk.ErrConflict) {
		t.Fatalf("claim of a claimed ticket: %v, want ErrConflict", err)
	}
	if _, _, err := db.Apply(ctx(), desk.Action{ID: 9999, At: at}); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("missing ticket: %v, want ErrNotFound", err)
	}
	// A citizen's follow-up: a change, and their last message.
	later := at.Add(time.Hour)
	if err := db.AddEvent(ctx(), desk.Event{TicketID: tk.ID, Actor: "citizen", Action: "followed", Detail: "halo?", At: later}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Ticket(ctx(), tk.ID)
	if got.Version != 3 || !got.LastCitizenAt.Equal(later) {
		t.Fatalf("after a follow-up: version %d, last citizen %v", got.Version, got.LastCitizenAt)
	}
	// A reply with a confirmation: two events, one transaction with its message.
	reply := desk.Action{ID: tk.ID, From: []desk.Status{desk.Claimed}, To: desk.Answered, Version: 3, At: later,
		Set: desk.TicketUpdate{Answer: "jawaban"},
		Events: []desk.Event{{Actor: "user:7", Action: "reply_confirmed", Detail: "nik", At: later},
			{Actor: "user:7", Action: "replied", Detail: "jawaban", At: later}},
		Out: []bot.Outgoing{{Chat: tk.Chat, Kind: bot.OutMessage, Text: "jawaban"}}}
	got, items, err := db.Apply(ctx(), reply)
	if err != nil || got.Status != desk.Answered || got.Version != 5 || len(items) != 1 || items[0].Text != "jawaban" {
		t.Fatalf("reply: %+v %+v %v", got, items, err)
	}
	closeIt := desk.Action{ID: tk.ID, From: []desk.Status{desk.Answered}, To: desk.Closed, At: later,
		Set:    desk.TicketUpdate{Resolution: balai.ResolvedReferred, ReferTo: "BPN", EntryID: "ktp-hilang"},
		Events: []desk.Event{{Actor: "user:7", Action: "closed", Detail: "referred BPN", At: later}}}
	if got, _, err = db.Apply(ctx(), closeIt); err != nil || got.Resolution != balai.ResolvedReferred || got.ReferTo != "BPN" || got.EntryID != "ktp-hilang" || got.ClosedAt.IsZero() {
		t.Fatalf("close: %+v %v", got, err)
	}
	reopen := desk.Action{ID: tk.ID, From: []desk.Status{desk.Closed}, To: desk.Open, At: later,
		Set:    desk.TicketUpdate{ClearClaim: true, ClearResolution: true, Category: "Pertanahan"},
		Events: []desk.Event{{Actor: "user:7", Action: "reopened", At: later}}}
	if got, _, err = db.Apply(ctx(), reopen); err != nil || got.Status != desk.Open || got.Resolution != "" || got.ReferTo != "" ||
		got.Assignee != "" || !got.ClosedAt.IsZero() || got.Category != "Pertanahan" || got.EntryID != "ktp-hilang" {
		t.Fatalf("reopen: %+v %v", got, err)
	}
	evs, _ := db.Events(ctx(), tk.ID)
	if int64(len(evs)) != got.Version {
		t.Errorf("%d events, version %d: every event is one change", len(evs), got.Version)
	}
}

// testChanges: the change feed lists every audit event once, in order, also while two
// processes write at once and a reader follows the feed (an event committed late is never
// skipped).
func testChanges(t *testing.T, open Opener) {
	a := open(t, "changes", store.Options{Owner: "a"})
	b := open(t, "changes", store.Options{Owner: "b"})
	now := time.Now()
	var ids []int64
	for i := range 4 {
		tk, _, _, err := a.CreateTicket(ctx(), newTicket(fmt.Sprint("ch", i), now), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	cs, err := a.Changes(ctx(), 0, 100)
	if err != nil || len(cs) != 4 || cs[0].TicketID != ids[0] || cs[0].Action != "created" {
		t.Fatalf("changes = %+v, %v", cs, err)
	}
	if more, _ := a.Changes(ctx(), cs[1].Seq, 100); len(more) != 2 || more[0].Seq != cs[2].Seq {
		t.Fatalf("changes after %d = %+v", cs[1].Seq, more)
	}
	if few, _ := a.Changes(ctx(), 0, 3); len(few) != 3 {
		t.Fatalf("limit 3: %d changes", len(few))
	}
	cursor := cs[len(cs)-1].Seq
	const perWriter = 40
	var wg sync.WaitGroup
	for w, db := range []*store.DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				id := ids[(w*2+i)%len(ids)]
				if err := db.AddEvent(ctx(), desk.Event{TicketID: id, Actor: "system", Action: "noted", Detail: fmt.Sprint(w, i), At: now}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	seen := map[int64]bool{}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	follow := func() {
		cs, err := b.Changes(ctx(), cursor, 1000)
		if err != nil {
			t.Error(err)
			return
		}
		for _, c := range cs {
			if c.Seq <= cursor || seen[c.Seq] {
				t.Errorf("change %d out of order after %d", c.Seq, cursor)
			}
			seen[c.Seq], cursor = true, c.Seq
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	follow()
	all, _ := a.Changes(ctx(), cs[len(cs)-1].Seq, 1000)
	if len(all) != 2*perWriter {
		t.Fatalf("%d changes recorded, want %d", len(all), 2*perWriter)
	}
	var missed []int64
	for _, c := range all {
		if !seen[c.Seq] {
			missed = append(missed, c.Seq)
		}
	}
	if len(missed) > 0 {
		t.Errorf("the reader skipped changes %v (committed after later ones were read)", missed)
	}
}

// testListAndCounts: views, filters, search, paging and counts.
func testListAndCounts(t *testing.T, open Opener) {
	db := open(t, "list", store.Options{Owner: "a"})
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	mk := func(key, question, name string, ch balai.Channel, cat string, prio int, due time.Duration) desk.Ticket {
		t.Helper()
		tk := newTicket(key, now.Add(-time.Hour))
		tk.Question, tk.UserName, tk.Chat.Channel, tk.Category, tk.Priority, tk.DueAt = question, name, ch, cat, prio, now.Add(due)
		tk, _, _, err := db.CreateTicket(ctx(), tk, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	overdue := mk("a", "akta kelahiran anak", "Budi", balai.Telegram, "Capil", 0, -time.Hour)
	soon := mk("b", "KTP rusak", "Sari", balai.WhatsApp, "Capil", 1, 10*time.Minute)
	fine := mk("c", "izin usaha", "Joko", balai.Web, "Perizinan", 0, 3*time.Hour)
	mine := mk("d", "pajak_100% kendaraan", "Dewi", balai.Telegram, "Pajak", 0, 2*time.Hour)
	closed := mk("e", "akta kematian", "Eko", balai.Telegram, "Capil", 0, time.Hour)
	if _, err := db.Claim(ctx(), mine.ID, "user:7", "Sari", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Transition(ctx(), closed.ID, []desk.Status{desk.Open}, desk.Closed, desk.Event{Action: "closed", At: now}, nil, desk.TicketUpdate{}); err != nil {
		t.Fatal(err)
	}
	soonAt := now.Add(30 * time.Minute)
	ids := func(ts []desk.Ticket) []int64 {
		var out []int64
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		f     desk.Filter
		want  []int64
		total int
	}{
		{"open: urgent first, then due", desk.Filter{View: desk.ViewOpen}, []int64{soon.ID, overdue.ID, mine.ID, fine.ID}, 4},
		{"mine", desk.Filter{View: desk.ViewMine, Officer: "user:7"}, []int64{mine.ID}, 1},
		{"mine of another", desk.Filter{View: desk.ViewMine, Officer: "user:8"}, nil, 0},
		{"unassigned", desk.Filter{View: desk.ViewUnassigned}, []int64{soon.ID, overdue.ID, fine.ID}, 3},
		{"overdue", desk.Filter{View: desk.ViewOverdue}, []int64{overdue.ID}, 1},
		{"closed", desk.Filter{View: desk.ViewClosed}, []int64{closed.ID}, 1},
		{"all: newest first", desk.Filter{View: desk.ViewAll}, []int64{closed.ID, mine.ID, fine.ID, soon.ID, overdue.ID}, 5},
		{"channel", desk.Filter{View: desk.ViewAll, Channel: balai.WhatsApp}, []int64{soon.ID}, 1},
		{"category", desk.Filter{View: desk.ViewOpen, Category: "Capil"}, []int64{soon.ID, overdue.ID}, 2},
		{"urgent", desk.Filter{View: desk.ViewAll, Priority: "urgent"}, []int64{soon.ID}, 1},
		{"normal", desk.Filter{View: desk.ViewOpen, Priority: "normal"}, []int64{overdue.ID, mine.ID, fine.ID}, 3},
		{"sla ok", desk.Filter{View: desk.ViewAll, SLA: desk.SLAOK}, []int64{mine.ID, fine.ID}, 2},
		{"sla soon", desk.Filter{View: desk.ViewAll, SLA: desk.SLASoon}, []int64{soon.ID}, 1},
		{"sla overdue", desk.Filter{View: desk.ViewAll, SLA: desk.SLAOverdue}, []int64{overdue.ID}, 1},
		{"sla none", desk.Filter{View: desk.ViewAll, SLA: desk.SLANone}, []int64{closed.ID}, 1},
		{"words, any case", desk.Filter{View: desk.ViewAll, Query: "AKTA"}, []int64{closed.ID, overdue.ID}, 2},
		{"all words", desk.Filter{View: desk.ViewAll, Query: "akta anak"}, []int64{overdue.ID}, 1},
		{"citizen name", desk.Filter{View: desk.ViewAll, Query: "joko"}, []int64{fine.ID}, 1},
		{"wildcards are literal", desk.Filter{View: desk.ViewAll, Query: "_100%"}, []int64{mine.ID}, 1},
		{"a % matches no other", desk.Filter{View: desk.ViewAll, Query: "%"}, []int64{mine.ID}, 1},
		{"number", desk.Filter{View: desk.ViewAll, Query: "BLI-000003", Number: fine.ID}, []int64{fine.ID}, 1},
		{"transcript", desk.Filter{View: desk.ViewAll, Query: "ktp?"}, []int64{closed.ID, mine.ID, fine.ID, soon.ID, overdue.ID}, 5},
		{"page 2", desk.Filter{View: desk.ViewAll, Limit: 2, Offset: 2}, []int64{fine.ID, soon.ID}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.Now, f.Soon = now, soonAt
			if f.Limit == 0 {
				f.Limit = 50
			}
			ts, total, err := db.List(ctx(), f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(ts); fmt.Sprint(got) != fmt.Sprint(tc.want) || total != tc.total {
				t.Errorf("List = %v (total %d), want %v (total %d)", got, total, tc.want, tc.total)
			}
		})
	}
	counts, err := db.Counts(ctx(), "user:7", now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[desk.View]int{desk.ViewMine: 1, desk.ViewUnassigned: 3, desk.ViewOpen: 4, desk.ViewOverdue: 1, desk.ViewClosed: 1, desk.ViewAll: 5}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("Counts = %v, want %v", counts, want)
	}
	// The chat's tickets, newest first.
	if ts, err := db.ChatTickets(ctx(), soon.Chat, 10); err != nil || len(ts) != 1 || ts[0].ID != soon.ID {
		t.Errorf("ChatTickets = %v, %v", ids(ts), err)
	}
}

// testPresence: an officer's presence replaces their earlier one, and presences older than
// since are not listed.
func testPresence(t *testing.T, open Opener) {
	db := open(t, "presence", store.Options{Owner: "a"})
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	set := func(id int64, p desk.Presence) {
		t.Helper()
		if err := db.SetPresence(ctx(), id, p); err != nil {
			t.Fatal(err)
		}
	}
	set(1, desk.Presence{Officer: "user:7", Name: "Sari", At: now})
	set(1, desk.Presence{Officer: "user:8", Name: "Budi", At: now.Add(-time.Minute)})
	set(2, desk.Presence{Officer: "user:9", Name: "Eko", At: now})
	set(1, desk.Presence{Officer: "user:7", Name: "Sari", Typing: true, At: now.Add(time.Second)})
	ps, err := db.Present(ctx(), 1, now.Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Officer != "user:7" || !ps[0].Typing || !ps[0].At.Equal(now.Add(time.Second)) {
		t.Errorf("Present = %+v, want Sari typing only", ps)
	}
	if ps, _ := db.Present(ctx(), 1, now.Add(-2*time.Minute)); len(ps) != 2 || ps[0].Officer != "user:8" {
		t.Errorf("Present since 2 minutes = %+v", ps)
	}
}

// testCanned: canned replies are created, updated, listed by title and deleted.
func testCanned(t *testing.T, open Opener) {
	db := open(t, "canned", store.Options{Owner: "a"})
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	b, err := db.SaveCanned(ctx(), balai.CannedReply{Title: "Salam", Text: "Selamat pagi", Lang: "id", UpdatedBy: "user:1", UpdatedAt: now})
	if err != nil || b.ID == 0 {
		t.Fatalf("save: %+v %v", b, err)
	}
	a, _ := db.SaveCanned(ctx(), balai.CannedReply{Title: "Akta", Text: "Bawa KK", Category: "Capil", Lang: "id", UpdatedBy: "user:1", UpdatedAt: now})
	b.Text, b.UpdatedBy = "Selamat siang", "user:2"
	if got, err := db.SaveCanned(ctx(), b); err != nil || got.Text != "Selamat siang" || got.UpdatedBy != "user:2" {
		t.Fatalf("update: %+v %v", got, err)
	}
	if _, err := db.SaveCanned(ctx(), balai.CannedReply{ID: 999, Title: "x", Text: "y"}); !errors.Is(err, desk.ErrCannedNotFound) {
		t.Fatalf("update of a missing reply: %v", err)
	}
	cs, err := db.CannedReplies(ctx())
	if err != nil || len(cs) != 2 || cs[0].ID != a.ID || cs[1].Text != "Selamat siang" || cs[0].Category != "Capil" || !cs[0].UpdatedAt.Equal(now) {
		t.Fatalf("list: %+v %v", cs, err)
	}
	if err := db.DeleteCanned(ctx(), a.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCanned(ctx(), a.ID); !errors.Is(err, desk.ErrCannedNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if cs, _ := db.CannedReplies(ctx()); len(cs) != 1 {
		t.Fatalf("after delete: %+v", cs)
	}
}
