package desk_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/store/storetest"
)

var (
	ani  = balai.Officer{ID: "user:1", Name: "Ani", Role: balai.RoleOfficer}
	budi = balai.Officer{ID: "user:2", Name: "Budi", Role: balai.RoleOfficer}
	sari = balai.Officer{ID: "user:3", Name: "Sari", Role: balai.RoleSupervisor}
	eko  = balai.Officer{ID: "user:4", Name: "Eko", Role: balai.RoleEditor}
)

// guard is a stand-in outbound guard: a reply naming "rahasia" may leak.
func guard(t balai.Ticket, notes []balai.Event, text string) []string {
	var reasons []string
	if strings.Contains(text, "rahasia") {
		reasons = append(reasons, "internal word: rahasia")
	}
	for _, n := range notes {
		if strings.Contains(text, n.Detail) {
			reasons = append(reasons, "copied from a note")
		}
	}
	return reasons
}

// newTicket opens a ticket for citizen directly in the store (no card in the group).
func (r *rig) newTicket(t *testing.T, citizen int64, question string) desk.Ticket {
	t.Helper()
	now := r.clock.Now()
	tk, _, _, err := r.db.CreateTicket(context.Background(), desk.Ticket{SourceKey: "t" + strconv.FormatInt(citizen, 10),
		Chat: balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(citizen, 10)}, UserName: "Warga", Question: question,
		Reason: bot.EscalateTopic, Lang: "id", CreatedAt: now, DueAt: now.Add(4 * time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (r *rig) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !r.eng.Idle(ctx) {
		t.Fatal("engine not idle")
	}
}

func (r *rig) actions(t *testing.T, id int64) string {
	t.Helper()
	evs, err := r.db.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		s := e.Action
		if e.Actor != "system" {
			s += "/" + e.Actor
		}
		if e.Detail != "" && e.Action != "replied" && e.Action != "noted" && e.Action != "created" {
			s += "(" + e.Detail + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// TestOfficerActionRules walks the officer API's rules, each scenario on a ticket of its
// own: who may claim, reply, release, transfer and close, stale replies, the outbound
// guard's confirmation, resolutions, reopening, and what the citizen receives.
func TestOfficerActionRules(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRigWith(t, open, "rules", 0, func(c *desk.Config) { c.CheckReply = guard })
		d := r.desk
		ctx := context.Background()
		type step struct {
			name    string
			do      func(id int64, tk desk.Ticket) (desk.Ticket, error)
			wantErr error
			check   func(t *testing.T, got desk.Ticket, err error)
		}
		reply := func(o balai.Officer, text string, seen func(desk.Ticket) int64, confirmed bool) func(int64, desk.Ticket) (desk.Ticket, error) {
			return func(id int64, tk desk.Ticket) (desk.Ticket, error) {
				return d.Reply(ctx, o, id, text, desk.ReplyOptions{Seen: seen(tk), Confirmed: confirmed})
			}
		}
		current := func(tk desk.Ticket) int64 { return tk.Version }
		unchecked := func(desk.Ticket) int64 { return 0 }
		claim := func(o balai.Officer) func(int64, desk.Ticket) (desk.Ticket, error) {
			return func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Claim(ctx, o, id) }
		}
		closeAs := func(o balai.Officer, res desk.Resolution) func(int64, desk.Ticket) (desk.Ticket, error) {
			return func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Close(ctx, o, id, res) }
		}
		held := func(who string) func(*testing.T, desk.Ticket, error) {
			return func(t *testing.T, _ desk.Ticket, err error) {
				var ae *desk.ActionError
				if !errors.As(err, &ae) || ae.Holder.ID != who || ae.Ticket.ID == 0 {
					t.Errorf("error %v: want the holder %s and the ticket", err, who)
				}
			}
		}
		for i, sc := range []struct {
			name string
			// citizen: the messages the citizen receives, in order (substrings); audit: the
			// ticket's audit log afterwards.
			steps   []step
			citizen []string
			audit   string
		}{
			{
				name: "claim conflict",
				steps: []step{
					{name: "A claims", do: claim(ani), check: func(t *testing.T, got desk.Ticket, _ error) {
						if got.Status != desk.Claimed || got.Assignee != ani.ID || got.AssigneeName != "Ani" {
							t.Errorf("claimed: %+v", got)
						}
					}},
					{name: "A again changes nothing", do: claim(ani)},
					{name: "B is told A holds it", do: claim(budi), wantErr: desk.ErrAlreadyClaimed, check: held(ani.ID)},
					{name: "a supervisor too (transfer is how to take it)", do: claim(sari), wantErr: desk.ErrAlreadyClaimed},
					{name: "an editor does not work the desk", do: claim(eko), wantErr: desk.ErrNotAllowed},
				},
				audit: "created claimed/user:1",
			},
			{
				name: "B cannot reply on A's claim, a supervisor may",
				steps: []step{
					{name: "A claims", do: claim(ani)},
					{name: "B replies", do: reply(budi, "jawaban budi", current, false), wantErr: desk.ErrAlreadyClaimed, check: held(ani.ID)},
					{name: "B notes", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) {
						return d.Note(ctx, budi, id, "saya tahu jawabannya")
					}},
					{name: "the note made the page stale", do: reply(sari, "jawaban sari", func(tk desk.Ticket) int64 { return tk.Version - 1 }, false), wantErr: desk.ErrStale},
					{name: "the supervisor replies", do: reply(sari, "Jawaban dari supervisor.", current, false), check: func(t *testing.T, got desk.Ticket, _ error) {
						if got.Status != desk.Answered || got.Assignee != ani.ID || got.Answer != "Jawaban dari supervisor." {
							t.Errorf("replied: %+v", got)
						}
					}},
				},
				citizen: []string{"Jawaban dari supervisor."},
				audit:   "created claimed/user:1 noted/user:2 replied/user:3",
			},
			{
				name: "a reply claims an unclaimed ticket; a citizen's message makes a page stale",
				steps: []step{
					{name: "the citizen writes", do: func(id int64, tk desk.Ticket) (desk.Ticket, error) {
						return tk, r.db.AddEvent(ctx, desk.Event{TicketID: id, Actor: "citizen", Action: "followed", Detail: "halo?", At: r.clock.Now()})
					}},
					{name: "stale", do: reply(budi, "balasan lama", func(tk desk.Ticket) int64 { return tk.Version - 1 }, false), wantErr: desk.ErrStale,
						check: func(t *testing.T, _ desk.Ticket, err error) {
							var ae *desk.ActionError
							if !errors.As(err, &ae) || ae.Ticket.Status != desk.Open {
								t.Errorf("stale error carries the ticket as it is: %v", err)
							}
						}},
					{name: "fresh", do: reply(budi, "Balasan Budi.", current, false), check: func(t *testing.T, got desk.Ticket, _ error) {
						if got.Assignee != budi.ID || got.Status != desk.Answered {
							t.Errorf("the replier holds it: %+v", got)
						}
					}},
				},
				citizen: []string{"Balasan Budi."},
				audit:   "created followed/citizen(halo?) replied/user:2",
			},
			{
				name: "the outbound guard asks for a confirmation, which is audited",
				steps: []step{
					{name: "note", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Note(ctx, ani, id, "NIK 3171") }},
					{name: "unconfirmed", do: reply(ani, "data rahasia: NIK 3171", unchecked, false), wantErr: desk.ErrNeedsConfirmation,
						check: func(t *testing.T, _ desk.Ticket, err error) {
							var ae *desk.ActionError
							if !errors.As(err, &ae) || strings.Join(ae.Reasons, ",") != "internal word: rahasia,copied from a note" {
								t.Errorf("reasons: %v", err)
							}
						}},
					{name: "confirmed", do: reply(ani, "data rahasia: NIK 3171", unchecked, true)},
				},
				citizen: []string{"data rahasia"},
				audit:   "created noted/user:1 reply_confirmed/user:1(internal word: rahasia\ncopied from a note) replied/user:1",
			},
			{
				name: "release and transfer",
				steps: []step{
					{name: "A claims", do: claim(ani)},
					{name: "B cannot release it", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Release(ctx, budi, id) }, wantErr: desk.ErrNotAllowed},
					{name: "B cannot transfer it", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Transfer(ctx, budi, id, budi) }, wantErr: desk.ErrNotAllowed},
					{name: "A hands it to B", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Transfer(ctx, ani, id, budi) },
						check: func(t *testing.T, got desk.Ticket, _ error) {
							if got.Status != desk.Claimed || got.Assignee != budi.ID || got.AssigneeName != "Budi" {
								t.Errorf("transferred: %+v", got)
							}
						}},
					{name: "the supervisor releases it", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Release(ctx, sari, id) },
						check: func(t *testing.T, got desk.Ticket, _ error) {
							if got.Status != desk.Open || got.Assignee != "" {
								t.Errorf("released: %+v", got)
							}
						}},
					{name: "B claims, then sends it to another category", do: claim(budi)},
					{name: "to the category", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) {
						return d.TransferCategory(ctx, budi, id, "Pertanahan")
					},
						check: func(t *testing.T, got desk.Ticket, _ error) {
							if got.Status != desk.Open || got.Assignee != "" || got.Category != "Pertanahan" {
								t.Errorf("to the category: %+v", got)
							}
						}},
				},
				audit: "created claimed/user:1 transferred/user:1(to user:2 Budi) released/user:3 claimed/user:2 transferred/user:2(category Pertanahan)",
			},
			{
				name: "close answered, reopen, close by entry",
				steps: []step{
					{name: "A replies", do: reply(ani, "Jawaban Ani.", unchecked, false)},
					{name: "B cannot close A's ticket", do: closeAs(budi, desk.Resolution{Kind: balai.ResolvedAnswered}), wantErr: desk.ErrAlreadyClaimed},
					{name: "an entry needs its id", do: closeAs(ani, desk.Resolution{Kind: balai.ResolvedEntry}), wantErr: desk.ErrNotAllowed},
					{name: "A closes", do: closeAs(ani, desk.Resolution{Kind: balai.ResolvedAnswered}), check: func(t *testing.T, got desk.Ticket, _ error) {
						if got.Status != desk.Closed || got.Resolution != balai.ResolvedAnswered {
							t.Errorf("closed: %+v", got)
						}
					}},
					{name: "closed: no reply", do: reply(ani, "lagi", unchecked, false), wantErr: desk.ErrClosed},
					{name: "closed: not twice", do: closeAs(ani, desk.Resolution{Kind: balai.ResolvedSpam}), wantErr: desk.ErrClosed},
					{name: "reopen", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.Reopen(ctx, budi, id) },
						check: func(t *testing.T, got desk.Ticket, _ error) {
							if got.Status != desk.Open || got.Resolution != "" || got.Assignee != "" {
								t.Errorf("reopened: %+v", got)
							}
						}},
					{name: "link", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) { return d.LinkEntry(ctx, budi, id, "ktp-hilang") }},
					{name: "close by entry", do: closeAs(budi, desk.Resolution{Kind: balai.ResolvedEntry, EntryID: "ktp-hilang"}),
						check: func(t *testing.T, got desk.Ticket, _ error) {
							if got.Resolution != balai.ResolvedEntry || got.EntryID != "ktp-hilang" {
								t.Errorf("closed by entry: %+v", got)
							}
						}},
				},
				citizen: []string{"Jawaban Ani.", "sudah selesai", "sudah selesai"},
				audit:   "created replied/user:1 closed/user:1(answered) reopened/user:2 linked/user:2(ktp-hilang) closed/user:2(entry ktp-hilang)",
			},
			{
				name: "referred: the citizen is told where to go",
				steps: []step{
					{name: "refer", do: closeAs(ani, desk.Resolution{Kind: balai.ResolvedReferred, ReferTo: "Kantor Pertanahan"}),
						check: func(t *testing.T, got desk.Ticket, _ error) {
							if got.ReferTo != "Kantor Pertanahan" || got.Resolution != balai.ResolvedReferred {
								t.Errorf("referred: %+v", got)
							}
						}},
				},
				citizen: []string{"Kantor Pertanahan", "sudah selesai"},
				audit:   "created closed/user:1(referred Kantor Pertanahan)",
			},
			{
				name: "spam closes silently",
				steps: []step{
					{name: "spam", do: closeAs(sari, desk.Resolution{Kind: balai.ResolvedSpam})},
				},
				audit: "created closed/user:3(spam)",
			},
			{
				name: "notes never reach the citizen",
				steps: []step{
					{name: "note", do: func(id int64, _ desk.Ticket) (desk.Ticket, error) {
						return d.Note(ctx, ani, id, "catatan internal: jangan dikirim")
					}},
					{name: "reply", do: reply(ani, "Balasan resmi.", current, false)},
				},
				citizen: []string{"Balasan resmi."},
				audit:   "created noted/user:1 replied/user:1",
			},
		} {
			t.Run(sc.name, func(t *testing.T) {
				citizen := int64(7000 + i)
				tk := r.newTicket(t, citizen, "pertanyaan "+sc.name)
				for _, st := range sc.steps {
					cur, err := r.db.Ticket(ctx, tk.ID)
					if err != nil {
						t.Fatal(err)
					}
					got, err := st.do(tk.ID, cur)
					if st.wantErr == nil && err != nil || st.wantErr != nil && !errors.Is(err, st.wantErr) {
						t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
					}
					if st.check != nil {
						st.check(t, got, err)
					}
				}
				if len(sc.citizen) > 0 {
					r.wait(t, citizen, len(sc.citizen))
				}
				r.idle(t)
				got := r.fake.SentTo(citizen)
				if len(got) != len(sc.citizen) {
					t.Fatalf("the citizen got %d messages, want %d: %+v", len(got), len(sc.citizen), got)
				}
				for j, want := range sc.citizen {
					if text := plain(got[j]); !strings.Contains(text, want) || strings.Contains(text, "catatan internal") {
						t.Errorf("citizen message %d = %q, want %q", j, text, want)
					}
				}
				if a := r.actions(t, tk.ID); a != sc.audit {
					t.Errorf("audit log:\n got %s\nwant %s", a, sc.audit)
				}
			})
		}
		// One active ticket per chat: a closed ticket does not reopen beside a newer one.
		old := r.newTicket(t, 7900, "lama")
		if _, err := d.Close(ctx, ani, old.ID, desk.Resolution{Kind: balai.ResolvedSpam}); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := r.db.CreateTicket(ctx, desk.Ticket{SourceKey: "newer", Chat: old.Chat, Question: "baru", Reason: bot.EscalateTopic,
			CreatedAt: r.clock.Now(), DueAt: r.clock.Now().Add(time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Reopen(ctx, ani, old.ID); !errors.Is(err, desk.ErrNotAllowed) {
			t.Errorf("reopen beside an active ticket: %v, want ErrNotAllowed", err)
		}
		if _, err := d.Claim(ctx, ani, 9999); !errors.Is(err, desk.ErrNotFound) {
			t.Errorf("claim of a missing ticket: %v, want ErrNotFound", err)
		}
	})
}

// TestConsoleActionsShowInTheGroup: a console officer's claim, reply and close edit the
// ticket's card in the officers' chat, and the reply reaches the citizen on Telegram once.
func TestConsoleActionsShowInTheGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		ctx := context.Background()
		card := r.escalate(t, 301, "mau bicara dengan petugas soal akta")
		r.idle(t)
		edits := func() []tgfake.Sent {
			var out []tgfake.Sent
			for _, m := range r.fake.SentTo(officerChat) {
				if m.Edited && m.MessageID == card.MessageID {
					out = append(out, m)
				}
			}
			return out
		}
		waitEdit := func(n int, want string) {
			t.Helper()
			if !r.fake.WaitFor(10*time.Second, func() bool { e := edits(); return len(e) >= n && strings.Contains(plain(e[n-1]), want) }) {
				t.Fatalf("card edit %d with %q missing: %+v", n, want, edits())
			}
		}
		tk, err := r.desk.Claim(ctx, sari, 1)
		if err != nil {
			t.Fatal(err)
		}
		waitEdit(1, "Sari")
		if _, err := r.desk.Reply(ctx, sari, 1, "Silakan bawa akta asli.", desk.ReplyOptions{Seen: tk.Version}); err != nil {
			t.Fatal(err)
		}
		got := r.wait(t, 301, 2)
		if !strings.Contains(plain(got[1]), "Silakan bawa akta asli.") {
			t.Fatalf("reply to the citizen: %q", plain(got[1]))
		}
		waitEdit(2, "Silakan bawa akta asli.")
		if _, err := r.desk.Close(ctx, sari, 1, desk.Resolution{Kind: balai.ResolvedAnswered}); err != nil {
			t.Fatal(err)
		}
		r.wait(t, 301, 3)
		waitEdit(3, "")
		r.idle(t)
		if n := len(r.fake.SentTo(301)); n != 3 {
			t.Errorf("the citizen got %d messages, want 3 (ticket, reply, rating)", n)
		}
		// The group's own reply goes through the same rules: Budi (not the holder) is told.
		before := len(r.fake.SentTo(officerChat))
		r.officer(officerA, "jawaban lain", card.MessageID)
		msgs := r.wait(t, officerChat, before+1)
		if !strings.Contains(plain(msgs[len(msgs)-1]), "sudah") {
			t.Errorf("a reply to a closed ticket: %q", plain(msgs[len(msgs)-1]))
		}
	})
}

// accounts links Telegram user officerA to console account 7.
type accounts struct{}

func (accounts) OfficerByTelegram(_ context.Context, id string) (balai.Officer, bool, error) {
	if id == strconv.FormatInt(officerA, 10) {
		return balai.Officer{ID: "user:7", Name: "Ani Console", Role: balai.RoleOfficer}, true, nil
	}
	return balai.Officer{}, false, nil
}

// TestGroupOfficerLinkedToAccount: a member of the officers' chat linked to a console
// account acts as that account (one audit trail); a claim from the console then blocks
// another group member's reply.
func TestGroupOfficerLinkedToAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRigWith(t, open, "linked", 0, func(c *desk.Config) { c.Accounts = accounts{} })
		ctx := context.Background()
		card := r.escalate(t, 302, "/petugas")
		before := len(r.fake.SentTo(officerChat))
		r.officer(officerA, "/ambil BLI-000001", 0)
		r.wait(t, officerChat, before+1)
		tk, _ := r.db.Ticket(ctx, 1)
		if tk.Assignee != "user:7" || tk.AssigneeName != "Ani Console" {
			t.Fatalf("claimed as %q %q, want the console account", tk.Assignee, tk.AssigneeName)
		}
		// officerB is listed but not linked: a Telegram officer, not the holder.
		before = len(r.fake.SentTo(officerChat))
		r.officer(officerB, "jawaban dari B", card.MessageID)
		msgs := r.wait(t, officerChat, before+1)
		if !strings.Contains(plain(msgs[len(msgs)-1]), "sudah ditangani Ani Console") {
			t.Errorf("B's reply on Ani's claim: %q", plain(msgs[len(msgs)-1]))
		}
		// Ani's answer from the group, as the account.
		r.officer(officerA, "Jawaban Ani.", card.MessageID)
		got := r.wait(t, 302, 2)
		if !strings.Contains(plain(got[1]), "Jawaban Ani.") {
			t.Fatalf("reply: %q", plain(got[1]))
		}
		r.idle(t)
		for _, m := range r.fake.SentTo(302) {
			if strings.Contains(plain(m), "jawaban dari B") {
				t.Error("B's reply reached the citizen")
			}
		}
		if a := r.actions(t, 1); a != "created claimed/user:7 replied/user:7" {
			t.Errorf("audit log = %s", a)
		}
	})
}

// TestQueriesPresenceCannedAndFeed: list and counts through the desk (ticket numbers in the
// search), SLA states in working hours, WhatsApp's window, presence expiry on the injected
// clock, canned replies' permissions, the change feed and the citizen's history.
func TestQueriesPresenceCannedAndFeed(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		d, ctx := r.desk, context.Background()
		a := r.newTicket(t, 401, "akta kelahiran")
		b := r.newTicket(t, 402, "surat pindah")
		if _, err := d.Claim(ctx, ani, b.ID); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			f    desk.Filter
			want string
		}{
			{desk.Filter{Query: "BLI-000002"}, "[2]"},
			{desk.Filter{Query: "1"}, "[1]"},
			{desk.Filter{Query: "akta"}, "[1]"},
			{desk.Filter{View: desk.ViewMine, Officer: ani.ID}, "[2]"},
			{desk.Filter{View: desk.ViewUnassigned}, "[1]"},
			{desk.Filter{SLA: desk.SLAOK}, "[1 2]"},
		} {
			ts, total, err := d.List(ctx, tc.f)
			var ids []int64
			for _, tk := range ts {
				ids = append(ids, tk.ID)
			}
			if err != nil || fmt.Sprint(ids) != tc.want || total != len(ids) {
				t.Errorf("List(%+v) = %v (%d), %v; want %s", tc.f, ids, total, err, tc.want)
			}
		}
		if c, err := d.Counts(ctx, ani.ID); err != nil || c[desk.ViewMine] != 1 || c[desk.ViewOpen] != 2 || c[desk.ViewUnassigned] != 1 {
			t.Errorf("Counts = %v, %v", c, err)
		}
		// SLA in working hours: created Thursday 10:00 WIB, due 14:00.
		now := r.clock.Now()
		for _, tc := range []struct {
			at    time.Time
			left  time.Duration
			state string
		}{
			{now, 4 * time.Hour, desk.SLAOK},
			{now.Add(3*time.Hour + 45*time.Minute), 15 * time.Minute, desk.SLASoon},
			{now.Add(5 * time.Hour), -time.Hour, desk.SLAOverdue},
			{now.Add(22 * time.Hour), -2 * time.Hour, desk.SLAOverdue}, // Friday 08:00: the night does not count
		} {
			if left, state := d.SLA(a, tc.at); left != tc.left || state != tc.state {
				t.Errorf("SLA at %v = %v %s, want %v %s", tc.at, left, state, tc.left, tc.state)
			}
		}
		if _, state := d.SLA(desk.Ticket{Status: desk.Answered, DueAt: now}, now); state != desk.SLANone {
			t.Errorf("answered ticket SLA state %s", state)
		}
		wa := desk.Ticket{Chat: balai.ChatRef{Channel: balai.WhatsApp, ID: "62811"}, CreatedAt: now.Add(-time.Hour), LastCitizenAt: now}
		if open, closes := desk.WhatsAppWindow(wa, now.Add(23*time.Hour)); !open || !closes.Equal(now.Add(24*time.Hour)) {
			t.Errorf("WhatsApp window 23h after: %v %v", open, closes)
		}
		if open, _ := desk.WhatsAppWindow(wa, now.Add(24*time.Hour)); open {
			t.Error("WhatsApp window open 24h after the citizen's last message")
		}
		if open, _ := desk.WhatsAppWindow(a, now.Add(100*time.Hour)); !open {
			t.Error("Telegram has no window")
		}
		// Presence expires after PresenceTTL without renewal.
		if err := d.SetPresence(ctx, sari, a.ID, true, now); err != nil {
			t.Fatal(err)
		}
		if err := d.SetPresence(ctx, ani, a.ID, false, now.Add(20*time.Second)); err != nil {
			t.Fatal(err)
		}
		if ps, _ := d.Present(ctx, a.ID, now.Add(25*time.Second)); len(ps) != 2 || ps[0].Name != "Sari" || !ps[0].Typing {
			t.Errorf("present at +25s: %+v", ps)
		}
		if ps, _ := d.Present(ctx, a.ID, now.Add(31*time.Second)); len(ps) != 1 || ps[0].Officer != ani.ID {
			t.Errorf("present at +31s: %+v, want Ani only", ps)
		}
		if err := d.SetPresence(ctx, eko, a.ID, false, now); !errors.Is(err, desk.ErrNotAllowed) {
			t.Errorf("editor presence: %v", err)
		}
		// Canned replies: supervisors edit, officers only read.
		if _, err := d.SaveCanned(ctx, ani, balai.CannedReply{Title: "Salam", Text: "Selamat pagi"}); !errors.Is(err, desk.ErrNotAllowed) {
			t.Errorf("an officer saved a canned reply: %v", err)
		}
		c, err := d.SaveCanned(ctx, sari, balai.CannedReply{Title: "Salam", Text: "Selamat pagi"})
		if err != nil || c.UpdatedBy != sari.ID || c.Lang != "id" {
			t.Fatalf("save: %+v %v", c, err)
		}
		if err := d.DeleteCanned(ctx, budi, c.ID); !errors.Is(err, desk.ErrNotAllowed) {
			t.Errorf("an officer deleted a canned reply: %v", err)
		}
		if cs, _ := d.CannedReplies(ctx); len(cs) != 1 || cs[0].Text != "Selamat pagi" {
			t.Errorf("canned = %+v", cs)
		}
		if err := d.DeleteCanned(ctx, sari, c.ID); err != nil {
			t.Fatal(err)
		}
		// The change feed: every action, in order; a replica following it sees the next one.
		cs, err := d.Changes(ctx, 0)
		if err != nil || len(cs) != 3 || cs[2].TicketID != b.ID || cs[2].Action != "claimed" {
			t.Fatalf("changes = %+v, %v", cs, err)
		}
		if _, err := d.Note(ctx, ani, a.ID, "x"); err != nil {
			t.Fatal(err)
		}
		if next, _ := d.Changes(ctx, cs[2].Seq); len(next) != 1 || next[0].TicketID != a.ID || next[0].Action != "noted" {
			t.Errorf("next changes = %+v", next)
		}
		if evs, err := d.Events(ctx, a.ID); err != nil || len(evs) != 2 {
			t.Errorf("events = %+v, %v", evs, err)
		}
		if _, err := d.Events(ctx, 999); !errors.Is(err, desk.ErrNotFound) {
			t.Errorf("events of a missing ticket: %v", err)
		}
	})
}

// TestCitizenHistory: the citizen's earlier tickets and their conversation with the bot,
// with the answered entry, its confidence and the citizen's 👎 on it.
func TestCitizenHistory(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		ctx := context.Background()
		r.fake.Message(501, "Cara mengurus akta kelahiran bayi")
		answer := r.wait(t, 501, 1)[0]
		no := ""
		for _, row := range answer.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.CallbackData, "n:") {
					no = b.CallbackData
				}
			}
		}
		if no == "" {
			t.Fatalf("no 👎 button on the answer: %+v", answer)
		}
		r.fake.Press(501, answer.MessageID, no)
		r.wait(t, officerChat, 1) // the 👎 escalates
		r.idle(t)
		h, err := r.desk.CitizenHistory(ctx, balai.ChatRef{Channel: balai.Telegram, ID: "501"})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Tickets) != 1 || h.Tickets[0].Reason != bot.EscalateFeedback {
			t.Errorf("tickets = %+v", h.Tickets)
		}
		var q *desk.HistoryLine
		for i, l := range h.Lines {
			if l.From == "citizen" && l.Text == "Cara mengurus akta kelahiran bayi" {
				q = &h.Lines[i]
			}
		}
		if q == nil || q.EntryID == "" || q.Confidence <= 0 || q.Decision != "answer" || q.Feedback != "not_helpful" {
			t.Errorf("the answered question in the history: %+v (all: %+v)", q, h.Lines)
		}
		if len(h.Lines) < 3 || h.Lines[1].From != "bot" {
			t.Errorf("history lines = %+v", h.Lines)
		}
	})
}

// TestCitizenHistoryAcrossLinkedChats: an officer links a web chat's ticket to the ticket of
// the same person on Telegram; each ticket's history then shows both chats' tickets and the
// Telegram conversation with the bot (with its chat); nothing is linked before, the same
// chat cannot be linked to itself, an officer's role is required, and unlinking ends it.
func TestCitizenHistoryAcrossLinkedChats(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		ctx := context.Background()
		r.fake.Message(501, "Cara mengurus akta kelahiran bayi")
		r.wait(t, 501, 1)
		r.idle(t)
		tg := r.newTicket(t, 501, "akta belum jadi")
		now := r.clock.Now()
		web, _, _, err := r.db.CreateTicket(ctx, desk.Ticket{SourceKey: "web-1", Chat: balai.ChatRef{Channel: balai.Web, ID: "w-1"},
			UserName: "Sari", Question: "akta anak saya", Reason: bot.EscalateTopic, Lang: "id", CreatedAt: now, DueAt: now.Add(4 * time.Hour)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := r.desk.CitizenHistory(ctx, web.Chat)
		if err != nil || len(h.Tickets) != 1 || len(h.Lines) != 0 || len(h.Linked) != 0 {
			t.Fatalf("before the link: %+v %v", h, err)
		}
		if _, err := r.desk.LinkCitizen(ctx, balai.Officer{ID: "user:9", Role: balai.RoleEditor}, web.ID, tg.ID); !errors.Is(err, desk.ErrNotAllowed) {
			t.Errorf("an editor links: %v, want ErrNotAllowed", err)
		}
		if _, err := r.desk.LinkCitizen(ctx, ani, web.ID, web.ID); !errors.Is(err, desk.ErrNotAllowed) {
			t.Errorf("a chat linked to itself: %v, want ErrNotAllowed", err)
		}
		if _, err := r.desk.LinkCitizen(ctx, ani, web.ID, 9999); !errors.Is(err, desk.ErrNotFound) {
			t.Errorf("a missing ticket: %v, want ErrNotFound", err)
		}
		if _, err := r.desk.LinkCitizen(ctx, ani, web.ID, tg.ID); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []desk.Ticket{web, tg} {
			if got := r.actions(t, tk.ID); !strings.Contains(got, "citizen_linked") {
				t.Errorf("ticket %d's audit: %s", tk.ID, got)
			}
		}
		for _, chat := range []balai.ChatRef{web.Chat, tg.Chat} {
			h, err := r.desk.CitizenHistory(ctx, chat)
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Tickets) != 2 || h.Tickets[0].ID != web.ID || h.Tickets[1].ID != tg.ID || len(h.Linked) != 1 {
				t.Errorf("history of %v: tickets %+v, linked %v", chat, h.Tickets, h.Linked)
			}
			if len(h.Lines) < 2 || h.Lines[0].Text != "Cara mengurus akta kelahiran bayi" || h.Lines[0].Chat != tg.Chat || h.Lines[0].EntryID == "" {
				t.Errorf("history lines of %v: %+v", chat, h.Lines)
			}
		}
		if _, err := r.desk.UnlinkCitizen(ctx, ani, tg.ID); err != nil {
			t.Fatal(err)
		}
		if h, err := r.desk.CitizenHistory(ctx, web.Chat); err != nil || len(h.Tickets) != 1 || len(h.Lines) != 0 || len(h.Linked) != 0 {
			t.Errorf("after unlinking: %+v %v", h, err)
		}
	})
}
