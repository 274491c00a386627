// Package storetest is the conformance suite every store backend passes: the engine's
// durable intake and outbox, and the desk's tickets, including races between two processes
// sharing one database. Run it with RunAll and a function opening a fresh store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

// Opener opens a store on a fresh database each time t calls it with a new name; the same
// name opens the same database again (a second process, or a restart).
type Opener func(t *testing.T, name string, opts store.Options) *store.DB

// SQLite opens stores on SQLite files in a test's temporary folder.
func SQLite(t *testing.T) Opener {
	dir := t.TempDir()
	return func(t *testing.T, name string, opts store.Options) *store.DB {
		t.Helper()
		db, err := store.Open(context.Background(), filepath.Join(dir, name+".db"), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

// Postgres opens stores on the PostgreSQL named by BALAI_TEST_PG, each database name a
// fresh schema; it skips the test when BALAI_TEST_PG is unset.
func Postgres(t *testing.T) Opener {
	dsn := os.Getenv("BALAI_TEST_PG")
	if dsn == "" {
		t.Skip("BALAI_TEST_PG is not set: no PostgreSQL to test against")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("BALAI_TEST_PG=%s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	prefix := fmt.Sprintf("t%d", time.Now().UnixNano())
	made := map[string]bool{}
	return func(t *testing.T, name string, opts store.Options) *store.DB {
		t.Helper()
		schema := prefix + "_" + name
		if !made[schema] {
			if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
				t.Fatal(err)
			}
			made[schema] = true
			t.Cleanup(func() { conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		db, err := store.Open(ctx, dsn+sep+"search_path="+schema, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

// Clock is a settable clock for store.Options.Now and whatever else shares the store's time
// in a test: claims and leases expire when the test says, not after a sleep.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// RunAll runs every conformance test.
func RunAll(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"AcceptDeduplicates", testAcceptDeduplicates},
		{"CommitOnce", testCommitOnce},
		{"OutboxClaimedOnceAcrossProcesses", testOutboxAcrossProcesses},
		{"PendingTakenOverAfterLease", testPendingTakeover},
		{"ConfirmFailsAfterTakeover", testConfirmAfterTakeover},
		{"ReleasedClaimsTakenAtOnce", testReleaseClaims},
		{"TicketCreatedOnce", testTicketCreatedOnce},
		{"ClaimRace", testClaimRace},
		{"ClaimRaceAcrossProcesses", testClaimRaceAcrossProcesses},
		{"ClaimNextUrgentAndDueFirst", testClaimNext},
		{"Transitions", testTransitions},
		{"RemindersOnce", testRemindersOnce},
		{"LapsedClaimsAndStaleAnswered", testLapsedAndStale},
		{"CardLookup", testCardLookup},
		{"LeaseOneHolder", testLease},
		{"DeadLetters", testDeadLetters},
		{"RefusedDataIsPermanent", testRefusedDataIsPermanent},
		{"OneActiveTicketPerChat", testOneActiveTicket},
		{"OneActiveTicketAcrossProcesses", testOneActiveTicketAcrossProcesses},
		{"TicketsPerHour", testTicketsPerHour},
		{"CardsPerMinute", testCardsPerMinute},
		{"CardsPerMinuteAcrossProcesses", testCardsPerMinuteAcrossProcesses},
		{"StaleAnsweredMakesRoom", testStaleAnsweredMakesRoom},
		{"Migration8MergesAndQualifies", testMigration8},
		{"ApplyVersions", testApplyVersions},
		{"Changes", testChanges},
		{"ListAndCounts", testListAndCounts},
		{"Presence", testPresence},
		{"CannedReplies", testCanned},
		{"TicketSearch", testTicketSearch},
		{"CitizenLinks", testCitizenLinks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

var chat = balai.ChatRef{Channel: balai.Telegram, ID: "42"}

func ctx() context.Context { return context.Background() }

func testAcceptDeduplicates(t *testing.T, open Opener) {
	db := open(t, "accept", store.Options{Owner: "a"})
	in := []bot.Inbound{
		{Chat: chat, Key: "1", Kind: bot.KindText, Text: "satu"},
		{Chat: chat, Key: "2", Kind: bot.KindText, Text: "dua"},
	}
	_, fresh, err := db.Accept(ctx(), in)
	if err != nil || !fresh[0] || !fresh[1] {
		t.Fatalf("first accept: %v %v", fresh, err)
	}
	in = append(in, bot.Inbound{Chat: chat, Key: "3", Kind: bot.KindText, Text: "tiga"})
	stored, fresh, err := db.Accept(ctx(), in)
	if err != nil || fresh[0] || fresh[1] || !fresh[2] || stored[2].ID == 0 {
		t.Fatalf("second accept: %v %+v %v", fresh, stored, err)
	}
	// Same key on another channel is another message.
	_, fresh, _ = db.Accept(ctx(), []bot.Inbound{{Chat: balai.ChatRef{Channel: balai.Web, ID: "x"}, Key: "1", Kind: bot.KindText, Text: "web"}})
	if !fresh[0] {
		t.Error("keys are per channel")
	}
	p, err := db.Pending(ctx())
	if err != nil || len(p) != 4 || p[0].Text != "satu" || p[2].Text != "tiga" {
		t.Fatalf("pending = %+v, %v", p, err)
	}
}

func testCommitOnce(t *testing.T, open Opener) {
	db := open(t, "commit", store.Options{Owner: "a"})
	stored, _, _ := db.Accept(ctx(), []bot.Inbound{{Chat: chat, Key: "1", Kind: bot.KindText, Text: "ktp hilang"}})
	turn := bot.Turn{Inbound: stored[0], State: bot.Conversation{LastEntry: "ktp-hilang", Failures: 1},
		Out: []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "jawaban"}}, Log: bot.LogEntry{Decision: "answer", EntryID: "ktp-hilang", Confidence: 0.9}}
	items, err := db.Commit(ctx(), turn)
	if err != nil || len(items) != 1 || items[0].ID == 0 {
		t.Fatalf("commit: %+v %v", items, err)
	}
	again, err := db.Commit(ctx(), turn)
	if err != nil || len(again) != 0 {
		t.Fatalf("second commit of the same message must do nothing: %+v %v", again, err)
	}
	conv, err := db.Conversation(ctx(), chat)
	if err != nil || conv.LastEntry != "ktp-hilang" || conv.Failures != 1 {
		t.Fatalf("conversation = %+v %v", conv, err)
	}
	if p, _ := db.Pending(ctx()); len(p) != 0 {
		t.Fatalf("handled message still pending: %+v", p)
	}
	lines, err := db.RecentMessages(ctx(), chat, 10)
	if err != nil || len(lines) != 2 || lines[0].From != "citizen" || lines[1].Text != "jawaban" {
		t.Fatalf("log = %+v %v", lines, err)
	}
}

// testOutboxAcrossProcesses has two processes claim the same outbox at once: every item
// goes to exactly one of them.
func testOutboxAcrossProcesses(t *testing.T, open Opener) {
	a := open(t, "outbox", store.Options{Owner: "a"})
	b := open(t, "outbox", store.Options{Owner: "b"})
	var out []bot.Outgoing
	for i := 0; i < 50; i++ {
		out = append(out, bot.Outgoing{Chat: chat, Kind: bot.OutMessage, Text: fmt.Sprint(i)})
	}
	// Queued by a process that died: nobody owns them once the lease lapses.
	dead := open(t, "outbox", store.Options{Owner: "dead", Lease: time.Millisecond})
	if _, err := dead.Enqueue(ctx(), out); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	var wg sync.WaitGroup
	var ga, gb []bot.StoredOutgoing
	wg.Add(2)
	go func() { defer wg.Done(); ga, _ = a.Unsent(ctx()) }()
	go func() { defer wg.Done(); gb, _ = b.Unsent(ctx()) }()
	wg.Wait()
	seen := map[int64]string{}
	for _, it := range ga {
		seen[it.ID] = "a"
	}
	for _, it := range gb {
		if seen[it.ID] != "" {
			t.Fatalf("item %d claimed by both processes", it.ID)
		}
		seen[it.ID] = "b"
	}
	if len(seen) != 50 {
		t.Fatalf("%d of 50 items claimed", len(seen))
	}
	// Claimed items are not handed out again while the claim holds.
	if more, _ := b.Unsent(ctx()); len(more) != len(gb) {
		t.Fatalf("b re-claimed %d items, want its own %d", len(more), len(gb))
	}
	for _, it := range ga {
		if err := a.MarkSent(ctx(), it.ID, "m", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := a.Unsent(ctx()); len(left) != 0 {
		t.Fatalf("a sees %d unsent after sending its own", len(left))
	}
	sent, err := a.SentAfter(ctx(), chat, 0, 100)
	if err != nil || len(sent) != len(ga) {
		t.Fatalf("sent after: %d, want %d (%v)", len(sent), len(ga), err)
	}
}

func testPendingTakeover(t *testing.T, open Opener) {
	c := NewClock(time.Now())
	dead := open(t, "takeover", store.Options{Owner: "dead", Lease: time.Minute, Now: c.Now})
	live := open(t, "takeover", store.Options{Owner: "live", Now: c.Now})
	if _, _, err := dead.Accept(ctx(), []bot.Inbound{{Chat: chat, Key: "1", Kind: bot.KindText, Text: "halo"}}); err != nil {
		t.Fatal(err)
	}
	c.Add(59 * time.Second)
	if p, _ := live.Pending(ctx()); len(p) != 0 {
		t.Fatalf("took a message while its owner's claim holds: %+v", p)
	}
	c.Add(2 * time.Second)
	if p, _ := live.Pending(ctx()); len(p) != 1 {
		t.Fatalf("after the lease: %d pending, want 1", len(p))
	}
	// The same owner after a restart takes its messages back at once.
	again := open(t, "takeover", store.Options{Owner: "live", Now: c.Now})
	if p, _ := again.Pending(ctx()); len(p) != 1 {
		t.Fatalf("restarted owner: %d pending, want 1", len(p))
	}
}

// testConfirmAfterTakeover: a process whose claim on an outbox item lapsed (it sat behind
// a slow queue) must learn before sending that another process took the item over.
func testConfirmAfterTakeover(t *testing.T, open Opener) {
	c := NewClock(time.Now())
	slow := open(t, "confirm", store.Options{Owner: "slow", Lease: time.Minute, Now: c.Now})
	other := open(t, "confirm", store.Options{Owner: "other", Now: c.Now})
	items, err := slow.Enqueue(ctx(), []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "x"}})
	if err != nil || len(items) != 1 {
		t.Fatalf("enqueue: %v %v", items, err)
	}
	id := items[0].ID
	c.Add(59 * time.Second)
	if ok, err := slow.Confirm(ctx(), id); err != nil || !ok {
		t.Fatalf("confirm within the claim: %v %v", ok, err)
	}
	if taken, _ := other.Unsent(ctx()); len(taken) != 0 {
		t.Fatalf("other took an item while its claim holds: %+v", taken)
	}
	c.Add(61 * time.Second)
	taken, err := other.Unsent(ctx())
	if err != nil || len(taken) != 1 || taken[0].ID != id {
		t.Fatalf("other did not take the lapsed item: %+v %v", taken, err)
	}
	if ok, err := slow.Confirm(ctx(), id); err != nil || ok {
		t.Fatalf("confirm after takeover = %v %v, want false", ok, err)
	}
	if err := other.MarkSent(ctx(), id, "m", c.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, _ := other.Confirm(ctx(), id); ok {
		t.Fatal("confirmed an item already sent")
	}
}

// newTicket is a ticket opened by message key of its own chat (a chat has one active ticket).
func newTicket(key string, now time.Time) desk.Ticket {
	return desk.Ticket{SourceKey: key, Chat: balai.ChatRef{Channel: balai.Telegram, ID: "42-" + key}, UserName: "Budi", Question: "ktp saya hilang 3 bulan belum jadi",
		Reason: bot.EscalateTopic, Lang: "id", CreatedAt: now, DueAt: now.Add(4 * time.Hour),
		Transcript: []desk.Line{{From: "citizen", Text: "ktp?", At: now}}}
}

func testTicketCreatedOnce(t *testing.T, open Opener) {
	db := open(t, "tickets", store.Options{Owner: "a"})
	now := time.Now()
	card := func(tk desk.Ticket) []bot.Outgoing {
		return []bot.Outgoing{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "-100"}, Kind: bot.OutMessage, Text: "kartu", Ref: desk.CardRef(tk.ID)}}
	}
	t1, created, items, err := db.CreateTicket(ctx(), newTicket("k1", now), card)
	if err != nil || !created || len(items) != 1 || t1.ID == 0 || t1.Status != desk.Open {
		t.Fatalf("create: %+v %v %v %v", t1, created, items, err)
	}
	t2, created, items, err := db.CreateTicket(ctx(), newTicket("k1", now), card)
	if err != nil || created || len(items) != 0 || t2.ID != t1.ID {
		t.Fatalf("second create must return the first ticket without a new card: %+v %v %v %v", t2, created, items, err)
	}
	if got, _ := db.Ticket(ctx(), t1.ID); got.Question != t1.Question || len(got.Transcript) != 1 {
		t.Fatalf("ticket = %+v", got)
	}
	active, err := db.ActiveTicket(ctx(), t1.Chat)
	if err != nil || active.ID != t1.ID {
		t.Fatalf("active = %+v %v", active, err)
	}
}

// testClaimRace has many officers claim one ticket at once: exactly one wins.
func testClaimRace(t *testing.T, open Opener) {
	db := open(t, "race", store.Options{Owner: "a"})
	tk, _, _, err := db.CreateTicket(ctx(), newTicket("race", time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	claimRace(t, []*store.DB{db}, tk.ID)
}

func testClaimRaceAcrossProcesses(t *testing.T, open Opener) {
	a := open(t, "race2", store.Options{Owner: "a"})
	b := open(t, "race2", store.Options{Owner: "b"})
	tk, _, _, err := a.CreateTicket(ctx(), newTicket("race2", time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	claimRace(t, []*store.DB{a, b}, tk.ID)
}

func claimRace(t *testing.T, dbs []*store.DB, id int64) {
	t.Helper()
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := dbs[i%len(dbs)].Claim(ctx(), id, fmt.Sprintf("officer%d", i), "Petugas", time.Now())
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, desk.ErrConflict):
				conflicts.Add(1)
			default:
				t.Errorf("claim: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 15 {
		t.Fatalf("wins=%d conflicts=%d, want 1 and 15", wins.Load(), conflicts.Load())
	}
	got, _ := dbs[0].Ticket(ctx(), id)
	if got.Status != desk.Claimed || !strings.HasPrefix(got.Assignee, "officer") {
		t.Fatalf("ticket after the race: %+v", got)
	}
	evs, _ := dbs[0].Events(ctx(), id)
	claims := 0
	for _, e := range evs {
		if e.Action == "claimed" {
			claims++
		}
	}
	if claims != 1 {
		t.Fatalf("%d claim events, want 1", claims)
	}
}

// testClaimNext checks what an officer's /ambil without a number promises: the next ticket
// is the most urgent one — urgent topics (priority 1) before the rest, then the ticket due
// first, then the oldest — and officers claiming at once, from two processes, each take a
// different ticket, together the ones at the head of the queue.
func testClaimNext(t *testing.T, open Opener) {
	c := NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	a := open(t, "next", store.Options{Owner: "a", Now: c.Now})
	b := open(t, "next", store.Options{Owner: "b", Now: c.Now})
	now := c.Now()
	// create makes a ticket due in the given hours; tickets are created in an order that is
	// neither the due order nor the priority order, so ordering by id alone fails.
	create := func(db *store.DB, key string, dueIn time.Duration, priority int) int64 {
		t.Helper()
		tk := newTicket(key, now)
		tk.DueAt, tk.Priority = now.Add(dueIn), priority
		tk, created, _, err := db.CreateTicket(ctx(), tk, nil)
		if err != nil || !created {
			t.Fatalf("create %s: %v (created=%v)", key, err, created)
		}
		return tk.ID
	}
	claimNext := func(db *store.DB, officer string) desk.Ticket {
		t.Helper()
		tk, err := db.Claim(ctx(), 0, officer, "Petugas", c.Now())
		if err != nil {
			t.Fatalf("claim next by %s: %v", officer, err)
		}
		if tk.Status != desk.Claimed || tk.Assignee != officer || !tk.ClaimedAt.Equal(c.Now()) {
			t.Fatalf("claimed ticket by %s: status %q assignee %q claimed at %v, want claimed by %s at %v",
				officer, tk.Status, tk.Assignee, tk.ClaimedAt, officer, c.Now())
		}
		return tk
	}

	// One officer at a time: the order of the queue.
	late := create(a, "late", 3*time.Hour, 0)
	soon := create(a, "soon", 1*time.Hour, 0)
	urgentLate := create(b, "urgent-late", 5*time.Hour, 1)
	middle := create(a, "middle", 2*time.Hour, 0)
	urgentSoon := create(b, "urgent-soon", 4*time.Hour, 1)
	soonToo := create(a, "soon-too", 1*time.Hour, 0) // same due time as soon, created after it
	overdue := create(b, "overdue", -30*time.Minute, 0)
	want := []int64{urgentSoon, urgentLate, overdue, soon, soonToo, middle, late}
	name := map[int64]string{late: "late", soon: "soon", urgentLate: "urgent-late", middle: "middle",
		urgentSoon: "urgent-soon", soonToo: "soon-too", overdue: "overdue"}
	var got []string
	for i := range want {
		c.Add(time.Minute)
		got = append(got, name[claimNext([]*store.DB{a, b}[i%2], fmt.Sprint("o", i)).ID])
	}
	var wantNames []string
	for _, id := range want {
		wantNames = append(wantNames, name[id])
	}
	if strings.Join(got, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("claim-next order:\n got  %v\n want %v (urgent first, then due first, then oldest)", got, wantNames)
	}
	if _, err := a.Claim(ctx(), 0, "late", "Petugas", c.Now()); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("claim from an empty queue: %v, want desk.ErrNotFound", err)
	}

	// Officers at once, on two processes: nobody gets a ticket twice, and together they take
	// the tickets due first; the rest stay open in the queue.
	const tickets, officers = 9, 6
	due := map[int64]time.Duration{}
	for i := 0; i < tickets; i++ {
		d := time.Duration((i*5)%tickets+1) * time.Hour // due times 1h…9h, shuffled
		due[create([]*store.DB{a, b}[i%2], fmt.Sprint("rush", i), d, 0)] = d
	}
	c.Add(time.Minute)
	claimed := make([]desk.Ticket, officers)
	var wg sync.WaitGroup
	for i := 0; i < officers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			officer := fmt.Sprint("rush-officer", i)
			tk, err := []*store.DB{a, b}[i%2].Claim(ctx(), 0, officer, "Petugas", c.Now())
			if err != nil {
				t.Errorf("concurrent claim next by %s: %v", officer, err)
				return
			}
			if tk.Assignee != officer {
				t.Errorf("%s got ticket %d assigned to %q", officer, tk.ID, tk.Assignee)
			}
			claimed[i] = tk
		}(i)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	taken := map[int64]bool{}
	for _, tk := range claimed {
		if taken[tk.ID] {
			t.Fatalf("two officers got ticket %d", tk.ID)
		}
		taken[tk.ID] = true
		if due[tk.ID] > officers*time.Hour {
			t.Errorf("a concurrent claim took ticket %d due in %v while tickets due sooner were open", tk.ID, due[tk.ID])
		}
	}
	for id := range due {
		tk, err := a.Ticket(ctx(), id)
		if err != nil {
			t.Fatal(err)
		}
		if taken[id] != (tk.Status == desk.Claimed) {
			t.Errorf("ticket %d due in %v: status %q after the concurrent claims (claimed by one of them: %v)", id, due[id], tk.Status, taken[id])
		}
		claims := 0
		evs, _ := a.Events(ctx(), id)
		for _, e := range evs {
			if e.Action == "claimed" {
				claims++
			}
		}
		if claims != btoi(taken[id]) {
			t.Errorf("ticket %d has %d claim events, want %d", id, claims, btoi(taken[id]))
		}
	}
	// What is left is still handed out in due order.
	for i := officers; i < tickets; i++ {
		c.Add(time.Minute)
		tk := claimNext(b, fmt.Sprint("after", i))
		if want := time.Duration(i+1) * time.Hour; due[tk.ID] != want {
			t.Errorf("claim next after the rush took the ticket due in %v, want the one due in %v", due[tk.ID], want)
		}
	}
	if _, err := b.Claim(ctx(), 0, "late", "Petugas", c.Now()); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("claim from an empty queue: %v, want desk.ErrNotFound", err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func testTransitions(t *testing.T, open Opener) {
	db := open(t, "trans", store.Options{Owner: "a"})
	now := time.Now()
	tk, _, _, _ := db.CreateTicket(ctx(), newTicket("tr", now), nil)
	out := []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "balasan petugas"}}
	got, items, err := db.Transition(ctx(), tk.ID, []desk.Status{desk.Open, desk.Claimed}, desk.Answered,
		desk.Event{Actor: "7", ActorName: "Sari", Action: "replied", Detail: "balasan", At: now}, out,
		desk.TicketUpdate{Answer: "balasan", Assignee: "7", AssigneeName: "Sari"})
	if err != nil || got.Status != desk.Answered || got.Answer != "balasan" || got.AssigneeName != "Sari" || len(items) != 1 {
		t.Fatalf("answer: %+v %v %v", got, items, err)
	}
	if _, _, err := db.Transition(ctx(), tk.ID, []desk.Status{desk.Open}, desk.Claimed, desk.Event{Action: "claimed", At: now}, nil, desk.TicketUpdate{}); !errors.Is(err, desk.ErrConflict) {
		t.Fatalf("transition from a wrong state: %v", err)
	}
	if _, _, err := db.Transition(ctx(), 99999, []desk.Status{desk.Open}, desk.Closed, desk.Event{At: now}, nil, desk.TicketUpdate{}); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("transition of a missing ticket: %v", err)
	}
	if err := db.AddEvent(ctx(), desk.Event{TicketID: tk.ID, Actor: "7", Action: "noted", Detail: "internal", At: now}); err != nil {
		t.Fatal(err)
	}
	got, _, err = db.Transition(ctx(), tk.ID, []desk.Status{desk.Answered}, desk.Closed, desk.Event{Actor: "7", Action: "closed", At: now}, nil, desk.TicketUpdate{})
	if err != nil || got.Status != desk.Closed || got.ClosedAt.IsZero() {
		t.Fatalf("close: %+v %v", got, err)
	}
	if _, err := db.ActiveTicket(ctx(), tk.Chat); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("a closed ticket is not active: %v", err)
	}
	evs, _ := db.Events(ctx(), tk.ID)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "created,replied,noted,closed" {
		t.Fatalf("audit log = %v", actions)
	}
}

func testRemindersOnce(t *testing.T, open Opener) {
	db := open(t, "remind", store.Options{Owner: "a"})
	now := time.Now()
	tk := newTicket("r", now)
	tk.DueAt = now.Add(20 * time.Minute)
	tk, _, _, _ = db.CreateTicket(ctx(), tk, nil)
	due, err := db.DueForReminder(ctx(), now, now.Add(30*time.Minute))
	if err != nil || len(due) != 1 || due[0].ID != tk.ID {
		t.Fatalf("due = %+v %v", due, err)
	}
	if again, _ := db.DueForReminder(ctx(), now, now.Add(30*time.Minute)); len(again) != 0 {
		t.Fatalf("reminded twice: %+v", again)
	}
	later := now.Add(time.Hour)
	over, err := db.OverdueTickets(ctx(), later)
	if err != nil || len(over) != 1 {
		t.Fatalf("overdue = %+v %v", over, err)
	}
	if again, _ := db.OverdueTickets(ctx(), later); len(again) != 0 {
		t.Fatalf("overdue twice: %+v", again)
	}
}

func testLapsedAndStale(t *testing.T, open Opener) {
	db := open(t, "lapsed", store.Options{Owner: "a"})
	now := time.Now()
	a, _, _, _ := db.CreateTicket(ctx(), newTicket("la", now), nil)
	b, _, _, _ := db.CreateTicket(ctx(), newTicket("lb", now), nil)
	db.Claim(ctx(), a.ID, "o", "P", now)
	db.Transition(ctx(), b.ID, []desk.Status{desk.Open}, desk.Answered, desk.Event{Action: "replied", At: now}, nil, desk.TicketUpdate{Answer: "x"})
	later := now.Add(2 * time.Hour)
	lapsed, err := db.LapsedClaims(ctx(), later.Add(-time.Hour), later)
	if err != nil || len(lapsed) != 1 || lapsed[0].Status != desk.Open || lapsed[0].Assignee != "" {
		t.Fatalf("lapsed = %+v %v", lapsed, err)
	}
	stale, err := db.StaleAnswered(ctx(), later.Add(-time.Hour), later)
	if err != nil || len(stale) != 1 || stale[0].Status != desk.Closed {
		t.Fatalf("stale = %+v %v", stale, err)
	}
}

func testCardLookup(t *testing.T, open Opener) {
	db := open(t, "cards", store.Options{Owner: "a"})
	officers := balai.ChatRef{Channel: balai.Telegram, ID: "-100"}
	tk, _, items, err := db.CreateTicket(ctx(), newTicket("c", time.Now()), func(tk desk.Ticket) []bot.Outgoing {
		return []bot.Outgoing{{Chat: officers, Kind: bot.OutMessage, Text: "kartu", Ref: desk.CardRef(tk.ID)}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := db.CardMessage(ctx(), tk.ID); id != "" {
		t.Fatalf("card message before delivery: %q", id)
	}
	db.MarkSent(ctx(), items[0].ID, "777", time.Now())
	if id, _ := db.CardMessage(ctx(), tk.ID); id != "777" {
		t.Fatalf("card message = %q", id)
	}
	if id, err := db.TicketByCard(ctx(), officers, "777"); err != nil || id != tk.ID {
		t.Fatalf("ticket by card = %d %v", id, err)
	}
	if _, err := db.TicketByCard(ctx(), officers, "778"); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("unknown card: %v", err)
	}
}

func testLease(t *testing.T, open Opener) {
	c := NewClock(time.Now())
	a := open(t, "lease", store.Options{Owner: "a", Now: c.Now})
	b := open(t, "lease", store.Options{Owner: "b", Now: c.Now})
	ok, err := a.AcquireLease(ctx(), "whatsapp", time.Minute)
	if err != nil || !ok {
		t.Fatalf("a: %v %v", ok, err)
	}
	c.Add(59 * time.Second)
	if ok, _ := b.AcquireLease(ctx(), "whatsapp", time.Minute); ok {
		t.Fatal("b took a held lease")
	}
	if ok, _ := a.AcquireLease(ctx(), "whatsapp", time.Minute); !ok {
		t.Fatal("a could not renew its lease")
	}
	c.Add(61 * time.Second)
	if ok, _ := b.AcquireLease(ctx(), "whatsapp", time.Minute); !ok {
		t.Fatal("b could not take an expired lease")
	}
	if ok, _ := a.AcquireLease(ctx(), "whatsapp", time.Minute); ok {
		t.Fatal("a took the lease back from b")
	}
	b.ReleaseLease(ctx(), "whatsapp")
	if ok, _ := a.AcquireLease(ctx(), "whatsapp", time.Minute); !ok {
		t.Fatal("a could not take a released lease")
	}
}

// testReleaseClaims: a process that stops cleanly gives its claims up, and another takes the
// work at once, the clock not moved; what was handled or sent stays so.
func testReleaseClaims(t *testing.T, open Opener) {
	c := NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	a := open(t, "release", store.Options{Owner: "a", Lease: time.Hour, Now: c.Now})
	b := open(t, "release", store.Options{Owner: "b", Lease: time.Hour, Now: c.Now})
	if _, _, err := a.Accept(ctx(), []bot.Inbound{{Chat: chat, Key: "r1", Kind: bot.KindText, Text: "halo"}}); err != nil {
		t.Fatal(err)
	}
	items, err := a.Enqueue(ctx(), []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "satu"}, {Chat: chat, Kind: bot.OutMessage, Text: "dua"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.MarkSent(ctx(), items[0].ID, "m1", c.Now()); err != nil {
		t.Fatal(err)
	}
	if p, _ := b.Pending(ctx()); len(p) != 0 {
		t.Fatalf("b took %d messages a still claims", len(p))
	}
	if u, _ := b.Unsent(ctx()); len(u) != 0 {
		t.Fatalf("b took %d replies a still claims", len(u))
	}
	if err := a.ReleaseClaims(ctx()); err != nil {
		t.Fatal(err)
	}
	if p, err := b.Pending(ctx()); err != nil || len(p) != 1 {
		t.Fatalf("after a released its claims b took %d messages (%v), want 1", len(p), err)
	}
	u, err := b.Unsent(ctx())
	if err != nil || len(u) != 1 || u[0].Text != "dua" {
		t.Fatalf("after a released its claims b took %+v (%v), want only the unsent reply", u, err)
	}
}

// officersCard is a card in the officers' chat for a ticket.
func officersCard(tk desk.Ticket) []bot.Outgoing {
	return []bot.Outgoing{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "-100"}, Kind: bot.OutMessage, Text: "kartu", Ref: desk.CardRef(tk.ID)}}
}

// onChat is newTicket for message key of chat c.
func onChat(key string, c balai.ChatRef, now time.Time) desk.Ticket {
	tk := newTicket(key, now)
	tk.Chat = c
	return tk
}

// testOneActiveTicket: a second request of a chat with an active ticket gets that ticket,
// not a new one (and no second card); once it is closed, a new one opens.
func testOneActiveTicket(t *testing.T, open Opener) {
	c := NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	db := open(t, "oneactive", store.Options{Owner: "a", Now: c.Now})
	first, created, items, err := db.CreateTicket(ctx(), onChat("m1", chat, c.Now()), officersCard)
	if err != nil || !created || len(items) != 1 {
		t.Fatalf("first: %+v %v %v %v", first, created, items, err)
	}
	for _, st := range []desk.Status{desk.Open, desk.Claimed, desk.Answered} {
		if st != desk.Open {
			if _, _, err := db.Transition(ctx(), first.ID, []desk.Status{desk.Open, desk.Claimed}, st, desk.Event{Action: "x", At: c.Now()}, nil, desk.TicketUpdate{}); err != nil {
				t.Fatal(err)
			}
		}
		again, created, items, err := db.CreateTicket(ctx(), onChat("m2-"+string(st), chat, c.Now()), officersCard)
		if err != nil || created || len(items) != 0 || again.ID != first.ID {
			t.Fatalf("while the chat's ticket is %s: got ticket %d created=%v items=%d err=%v, want ticket %d", st, again.ID, created, len(items), err, first.ID)
		}
	}
	// Another chat, even with the same id on another channel, is another citizen.
	other, created, _, err := db.CreateTicket(ctx(), onChat("m3", balai.ChatRef{Channel: balai.WhatsApp, ID: chat.ID}, c.Now()), officersCard)
	if err != nil || !created || other.ID == first.ID {
		t.Fatalf("another channel's chat: %+v %v %v", other, created, err)
	}
	if _, _, err := db.Transition(ctx(), first.ID, []desk.Status{desk.Answered}, desk.Closed, desk.Event{Action: "closed", At: c.Now()}, nil, desk.TicketUpdate{}); err != nil {
		t.Fatal(err)
	}
	next, created, _, err := db.CreateTicket(ctx(), onChat("m4", chat, c.Now()), officersCard)
	if err != nil || !created || next.ID == first.ID {
		t.Fatalf("after closing: %+v %v %v", next, created, err)
	}
	// The request that opened the first one, again (a retry), still gets the first.
	if again, created, _, err := db.CreateTicket(ctx(), onChat("m1", chat, c.Now()), officersCard); err != nil || created || again.ID != first.ID {
		t.Fatalf("retry of the first request: %+v %v %v", again, created, err)
	}
}

// testOneActiveTicketAcrossProcesses: many requests of one chat at once, on two processes,
// open one ticket, and every request is given it.
func testOneActiveTicketAcrossProcesses(t *testing.T, open Opener) {
	a := open(t, "oneactive2", store.Options{Owner: "a"})
	b := open(t, "oneactive2", store.Options{Owner: "b"})
	dbs := []*store.DB{a, b}
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	const n = 16
	ids := make([]int64, n)
	var createdN, cards atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tk, created, items, err := dbs[i%2].CreateTicket(ctx(), onChat(fmt.Sprintf("race-%d", i), chat, now), officersCard)
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			ids[i] = tk.ID
			if created {
				createdN.Add(1)
			}
			cards.Add(int32(len(items)))
		}(i)
	}
	wg.Wait()
	if createdN.Load() != 1 || cards.Load() != 1 {
		t.Fatalf("%d tickets created and %d cards queued for one chat, want 1 and 1", createdN.Load(), cards.Load())
	}
	for i, id := range ids {
		if id != ids[0] {
			t.Fatalf("request %d got ticket %d, request 0 got %d", i, id, ids[0])
		}
	}
}

// testTicketsPerHour: a chat opens at most PerHour tickets in an hour; a request while one
// is active is not counted (it gets the active one); the next hour it may again.
func testTicketsPerHour(t *testing.T, open Opener) {
	c := NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	db := open(t, "perhour", store.Options{Owner: "a", Now: c.Now})
	opts := desk.CreateOptions{PerHour: 2}
	for i := 0; i < 2; i++ {
		tk, created, _, err := db.CreateTicketWith(ctx(), onChat(fmt.Sprintf("h%d", i), chat, c.Now()), opts, officersCard)
		if err != nil || !created {
			t.Fatalf("ticket %d within the cap: %v %v", i, created, err)
		}
		// While it is active, more requests get it.
		if again, created, _, err := db.CreateTicketWith(ctx(), onChat(fmt.Sprintf("h%d-again", i), chat, c.Now()), opts, officersCard); err != nil || created || again.ID != tk.ID {
			t.Fatalf("request while ticket %d is active: %+v %v %v", tk.ID, again, created, err)
		}
		if _, _, err := db.Transition(ctx(), tk.ID, []desk.Status{desk.Open}, desk.Closed, desk.Event{Action: "cancelled", At: c.Now()}, nil, desk.TicketUpdate{}); err != nil {
			t.Fatal(err)
		}
		c.Add(10 * time.Minute)
	}
	if _, _, _, err := db.CreateTicketWith(ctx(), onChat("h2", chat, c.Now()), opts, officersCard); !errors.Is(err, desk.ErrTooMany) {
		t.Fatalf("third ticket in an hour: %v, want ErrTooMany", err)
	}
	// Another citizen is not affected.
	if _, created, _, err := db.CreateTicketWith(ctx(), onChat("o1", balai.ChatRef{Channel: balai.Web, ID: "other"}, c.Now()), opts, officersCard); err != nil || !created {
		t.Fatalf("another chat: %v %v", created, err)
	}
	c.Add(41 * time.Minute) // the first is over an hour old
	if _, created, _, err := db.CreateTicketWith(ctx(), onChat("h3", chat, c.Now()), opts, officersCard); err != nil || !created {
		t.Fatalf("after an hour: %v %v", created, err)
	}
}

// testCardsPerMinute: past CardsPerMinute in a minute, tickets are created with their cards
// held; HeldCards lists each held ticket in one summary, once; a minute later cards go out
// again.
func testCardsPerMinute(t *testing.T, open Opener) {
	c := NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	db := open(t, "cardcap", store.Options{Owner: "a", Now: c.Now})
	opts := desk.CreateOptions{CardsPerMinute: 2}
	var held []int64
	for i := 0; i < 5; i++ {
		tk, created, items, err := db.CreateTicketWith(ctx(), onChat(fmt.Sprint(i), balai.ChatRef{Channel: balai.Web, ID: fmt.Sprint("s", i)}, c.Now()), opts, officersCard)
		if err != nil || !created {
			t.Fatalf("ticket %d: %v %v", i, created, err)
		}
		wantHeld := i >= 2
		if tk.CardHeld != wantHeld || (len(items) == 0) != wantHeld {
			t.Fatalf("ticket %d: held=%v items=%d, want held=%v", i, tk.CardHeld, len(items), wantHeld)
		}
		if wantHeld {
			held = append(held, tk.ID)
		}
		c.Add(time.Second)
	}
	if q, _ := db.Queue(ctx(), 20); len(q) != 5 {
		t.Fatalf("queue has %d tickets, want all 5", len(q))
	}
	var summarized []int64
	ts, items, err := db.HeldCards(ctx(), c.Now(), func(ts []desk.Ticket) []bot.Outgoing {
		for _, tk := range ts {
			summarized = append(summarized, tk.ID)
		}
		return []bot.Outgoing{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "-100"}, Kind: bot.OutMessage, Text: "ringkasan"}}
	})
	if err != nil || len(ts) != 3 || len(items) != 1 || fmt.Sprint(summarized) != fmt.Sprint(held) {
		t.Fatalf("held cards: %d tickets %v, %d items, %v; want %v in one summary", len(ts), summarized, len(items), err, held)
	}
	if ts, items, err := db.HeldCards(ctx(), c.Now(), func([]desk.Ticket) []bot.Outgoing { t.Fatal("summary of nothing"); return nil }); err != nil || len(ts) != 0 || len(items) != 0 {
		t.Fatalf("second summary: %d %d %v", len(ts), len(items), err)
	}
	if tk, _ := db.Ticket(ctx(), held[0]); !tk.CardHeld {
		t.Fatal("a summarized ticket forgot its card was held")
	}
	c.Add(time.Minute)
	if tk, _, items, err := db.CreateTicketWith(ctx(), onChat("later", balai.ChatRef{Channel: balai.Web, ID: "later"}, c.Now()), opts, officersCard); err != nil || tk.CardHeld || len(items) != 1 {
		t.Fatalf("a minute later: held=%v items=%d %v", tk.CardHeld, len(items), err)
	}
}

// testCardsPerMinuteAcrossProcesses: two processes creating tickets at once post no more
// cards than the cap between them.
func testCardsPerMinuteAcrossProcesses(t *testing.T, open Opener) {
	a := open(t, "cardcap2", store.Options{Owner: "a"})
	b := open(t, "cardcap2", store.Options{Owner: "b"})
	dbs := []*store.DB{a, b}
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	opts := desk.CreateOptions{CardsPerMinute: 3}
	const n = 12
	var cards, heldN atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tk, created, items, err := dbs[i%2].CreateTicketWith(ctx(), onChat(fmt.Sprint("f", i), balai.ChatRef{Channel: balai.Web, ID: fmt.Sprint("flood", i)}, now), opts, officersCard)
			if err != nil || !created {
				t.Errorf("create %d: %v %v", i, created, err)
				return
			}
			cards.Add(int32(len(items)))
			if tk.CardHeld {
				heldN.Add(1)
			}
		}(i)
	}
	wg.Wait()
	if cards.Load() != 3 || heldN.Load() != n-3 {
		t.Fatalf("%d cards posted and %d held of %d tickets, want 3 and %d", cards.Load(), heldN.Load(), n, n-3)
	}
}

// testStaleAnsweredMakesRoom: an answered ticket idle past the reopen window is closed when
// the chat asks again, and a new one opens; a fresher answered one takes the request.
func testStaleAnsweredMakesRoom(t *testing.T, open Opener) {
	c := NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	db := open(t, "staleroom", store.Options{Owner: "a", Now: c.Now})
	first, _, _, _ := db.CreateTicket(ctx(), onChat("s1", chat, c.Now()), nil)
	if _, _, err := db.Transition(ctx(), first.ID, []desk.Status{desk.Open}, desk.Answered, desk.Event{Action: "replied", At: c.Now()}, nil, desk.TicketUpdate{Answer: "x"}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Hour)
	opts := desk.CreateOptions{CloseAnsweredBefore: c.Now().Add(-72 * time.Hour)}
	if tk, created, _, err := db.CreateTicketWith(ctx(), onChat("s2", chat, c.Now()), opts, nil); err != nil || created || tk.ID != first.ID {
		t.Fatalf("within the window: %+v %v %v, want the answered ticket", tk, created, err)
	}
	c.Add(72 * time.Hour)
	opts.CloseAnsweredBefore = c.Now().Add(-72 * time.Hour)
	tk, created, _, err := db.CreateTicketWith(ctx(), onChat("s3", chat, c.Now()), opts, nil)
	if err != nil || !created || tk.ID == first.ID {
		t.Fatalf("past the window: %+v %v %v, want a new ticket", tk, created, err)
	}
	if old, _ := db.Ticket(ctx(), first.ID); old.Status != desk.Closed {
		t.Fatalf("the stale answered ticket is %s, want closed", old.Status)
	}
}

// testMigration8 runs migration 8 on tickets written before it: a chat's several active
// tickets become one (the newest; the others closed with the reason in their audit log), and
// officers stored by bare Telegram id become "telegram:<id>".
func testMigration8(t *testing.T, open Opener) {
	db := open(t, "mig8", store.Options{Owner: "a"})
	undo := []string{`DROP INDEX tickets_one_active`, `DROP INDEX tickets_created`, `ALTER TABLE tickets DROP COLUMN card_held`,
		`DELETE FROM balai_migrations WHERE version = 8`}
	for _, q := range undo {
		if _, err := db.SQL().ExecContext(ctx(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	insert := func(key, chatID, status, assignee string) int64 {
		t.Helper()
		var id int64
		if err := db.SQL().QueryRowContext(ctx(), `INSERT INTO tickets (source_key, channel, chat_id, question, reason, status, assignee,
			created_at, due_at, activity_at) VALUES ($1, 'telegram', $2, 'q', 'asked', $3, $4, 1, 2, 3) RETURNING id`, key, chatID, status, assignee).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx(), `INSERT INTO ticket_events (ticket_id, actor, action, created_at) VALUES ($1, $2, 'claimed', 1)`, id, assignee); err != nil {
			t.Fatal(err)
		}
		return id
	}
	old1 := insert("a1", "7", "open", "")
	old2 := insert("a2", "7", "claimed", "9001")
	newest := insert("a3", "7", "answered", "9001")
	closed := insert("a4", "7", "closed", "")
	alone := insert("b1", "8", "open", "")
	db.Close()
	db = open(t, "mig8", store.Options{Owner: "a"})
	want := map[int64]desk.Status{old1: desk.Closed, old2: desk.Closed, newest: desk.Answered, closed: desk.Closed, alone: desk.Open}
	for id, st := range want {
		tk, err := db.Ticket(ctx(), id)
		if err != nil || tk.Status != st {
			t.Errorf("ticket %d: %s %v, want %s", id, tk.Status, err, st)
		}
	}
	if tk, _ := db.Ticket(ctx(), newest); tk.Assignee != "telegram:9001" {
		t.Errorf("assignee = %q, want telegram:9001", tk.Assignee)
	}
	for _, id := range []int64{old1, old2} {
		evs, _ := db.Events(ctx(), id)
		if last := evs[len(evs)-1]; last.Action != "closed" || !strings.Contains(last.Detail, "merged") {
			t.Errorf("ticket %d's last event: %+v, want closed as merged", id, last)
		}
	}
	if evs, _ := db.Events(ctx(), old2); evs[0].Actor != "telegram:9001" {
		t.Errorf("event actor = %q, want telegram:9001", evs[0].Actor)
	}
	if evs, _ := db.Events(ctx(), old1); evs[0].Actor != "" {
		t.Errorf("an empty actor became %q", evs[0].Actor)
	}
	// The index holds from now on.
	if _, created, _, err := db.CreateTicket(ctx(), onChat("a5", balai.ChatRef{Channel: balai.Telegram, ID: "7"}, time.Now()), nil); err != nil || created {
		t.Errorf("a new request of chat 7: created=%v %v, want the active ticket", created, err)
	}
}
