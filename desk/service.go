package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// Errors of officers' actions; see balai.ErrAlreadyClaimed. The desk returns them wrapped in
// an *ActionError, so errors.Is matches these and errors.As gives the detail.
var (
	ErrAlreadyClaimed    = balai.ErrAlreadyClaimed
	ErrNotAllowed        = balai.ErrNotAllowed
	ErrClosed            = balai.ErrClosed
	ErrStale             = balai.ErrStale
	ErrNeedsConfirmation = balai.ErrNeedsConfirmation
	ErrCannedNotFound    = balai.ErrCannedNotFound
)

// ActionError is an officer's action refused: Err is one of ErrAlreadyClaimed, ErrNotAllowed,
// ErrClosed, ErrStale or ErrNeedsConfirmation, with what the officer needs to know.
type ActionError struct {
	Err    error
	Action string       // claim, release, transfer, reply, note, close, reopen, link
	Ticket balai.Ticket // the ticket as it is now (zero when it was not loaded)
	// Holder is the officer holding the ticket (ErrAlreadyClaimed).
	Holder balai.Officer
	// Reasons are the outbound guard's reasons to hold a reply back (ErrNeedsConfirmation).
	Reasons []string
	// Detail says more, for logs and the officer (English, not shown as is).
	Detail string
}

func (e *ActionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "desk: %s", e.Action)
	if e.Ticket.ID != 0 {
		fmt.Fprintf(&b, " ticket %d", e.Ticket.ID)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "desk: "))
	if e.Holder.ID != "" {
		fmt.Fprintf(&b, " (%s)", e.Holder.ID)
	}
	if len(e.Reasons) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Reasons, "; "))
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	return b.String()
}

// Unwrap makes errors.Is match Err.
func (e *ActionError) Unwrap() error { return e.Err }

func refuse(err error, action string, t Ticket, detail string) *ActionError {
	return &ActionError{Err: err, Action: action, Ticket: t, Detail: detail}
}

func claimedBy(action string, t Ticket) *ActionError {
	return &ActionError{Err: ErrAlreadyClaimed, Action: action, Ticket: t,
		Holder: balai.Officer{ID: t.Assignee, Name: t.AssigneeName}}
}

// Accounts links Telegram users to console accounts, so that one person has one identity
// and one audit trail; the console's account store implements it.
type Accounts interface {
	// OfficerByTelegram returns the officer whose console account is linked to Telegram
	// user telegramUserID; false when none is.
	OfficerByTelegram(ctx context.Context, telegramUserID string) (balai.Officer, bool, error)
}

// ServiceStore is the part of the store behind the officer API and the console's queries.
type ServiceStore interface {
	// Apply commits a: ErrConflict when the ticket is in none of a.From or not at
	// a.Version, ErrNotFound when there is no such ticket. Each of a.Events bumps the
	// ticket's Version; a.Out is queued in the same transaction.
	Apply(ctx context.Context, a Action) (Ticket, []bot.StoredOutgoing, error)
	// ApplyTx is Apply within a turn's transaction; the turn queues the messages.
	ApplyTx(ctx context.Context, tx bot.Tx, a Action) (Ticket, error)
	// List returns the tickets matching f (f.Now and f.Soon set) in the view's order, and
	// how many match in all.
	List(ctx context.Context, f Filter) ([]Ticket, int, error)
	// Counts counts the tickets of each view for officer (f.Now and f.Soon as in List).
	Counts(ctx context.Context, officer string, now time.Time) (map[View]int, error)
	// Changes returns up to limit audit events with Seq above after, in Seq order.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// ChatTickets returns up to limit tickets of chat, newest first.
	ChatTickets(ctx context.Context, chat balai.ChatRef, limit int) ([]Ticket, error)
	// ChatLog returns up to limit last messages of chat with the bot, oldest first.
	ChatLog(ctx context.Context, chat balai.ChatRef, limit int) ([]HistoryLine, error)
	// LinkChats records that chats a and b are one citizen's, joining the chats either is
	// linked to already, with events, in one transaction.
	LinkChats(ctx context.Context, a, b balai.ChatRef, by string, at time.Time, events []Event) error
	// UnlinkChat takes chat out of its citizen's chats and records events; false (nothing
	// recorded) when it was not linked.
	UnlinkChat(ctx context.Context, chat balai.ChatRef, events []Event) (bool, error)
	// LinkedChats returns the other chats linked to chat's citizen.
	LinkedChats(ctx context.Context, chat balai.ChatRef) ([]balai.ChatRef, error)
	// SetPresence records p on ticket id (replacing the officer's earlier one).
	SetPresence(ctx context.Context, id int64, p Presence) error
	// Present returns the presences on ticket id at or after since, oldest first.
	Present(ctx context.Context, id int64, since time.Time) ([]Presence, error)
	// CannedReplies lists the canned replies by title.
	CannedReplies(ctx context.Context) ([]balai.CannedReply, error)
	// SaveCanned creates (ID 0) or updates a canned reply; ErrCannedNotFound for an
	// unknown ID.
	SaveCanned(ctx context.Context, c balai.CannedReply) (balai.CannedReply, error)
	// DeleteCanned deletes a canned reply; ErrCannedNotFound when there is none.
	DeleteCanned(ctx context.Context, id int64) error
}

// ReplyOptions are the conditions of an officer's reply.
type ReplyOptions struct {
	// Seen is the ticket Version the officer's page showed: the reply is refused
	// (ErrStale) when the ticket changed since. 0: not checked (the officers' group, where
	// the officer answers a card).
	Seen int64
	// Confirmed: the officer confirmed the reply despite the outbound guard's reasons (the
	// confirmation is audited with them).
	Confirmed bool
}

// Resolution is how an officer closes a ticket.
type Resolution struct {
	Kind    balai.ResolutionKind
	EntryID string // ResolvedEntry: the FAQ entry that answers the question
	ReferTo string // ResolvedReferred: the agency with the authority
}

// step is what one action decided on a ticket as loaded.
type step struct {
	a      Action
	noop   bool // nothing to change: the ticket is returned as is
	strict bool // a conflict is ErrStale at once, not a reason to decide again
	card   bool // refresh the ticket's card in the officers' chat afterwards
}

// act runs an officer's action on ticket id: decide looks at the ticket as it is and says
// what to change (or refuses); the change commits only while the ticket is still at the
// version decide saw, else decide runs again on the new state (a few times at most).
func (d *Desk) act(ctx context.Context, name string, o balai.Officer, id int64, decide func(Ticket) (step, error)) (Ticket, error) {
	if !mayAct(o) {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: name, Detail: fmt.Sprintf("role %q", o.Role)}
	}
	for try := 0; ; try++ {
		t, err := d.store.Ticket(ctx, id)
		if err != nil {
			return t, fmt.Errorf("desk: %s ticket %d: %w", name, id, err)
		}
		s, err := decide(t)
		if err != nil || s.noop {
			return t, err
		}
		s.a.ID = id
		if s.a.Version == 0 {
			s.a.Version = t.Version
		}
		nt, items, err := d.store.Apply(ctx, s.a)
		if errors.Is(err, ErrConflict) {
			if s.strict || try == 3 {
				cur, _ := d.store.Ticket(ctx, id)
				return cur, refuse(ErrStale, name, cur, "changed meanwhile")
			}
			continue
		}
		if err != nil {
			return t, fmt.Errorf("desk: %s ticket %d: %w", name, id, err)
		}
		d.submit(items)
		if s.card {
			if err := d.refreshCard(ctx, nt, d.cardMessage(ctx, id)); err != nil {
				d.log.Warn("Failed to refresh a ticket's card", "ticket", d.Number(nt), "err", err)
			}
		}
		d.log.Info("Officer action", "action", name, "ticket", d.Number(nt), "officer", o.ID)
		return nt, nil
	}
}

// mayAct: officers, supervisors and admins work the desk; editors keep the FAQ.
func mayAct(o balai.Officer) bool { return o.ID != "" && o.Role.Allows(balai.RoleOfficer) }

// supervises: supervisors and admins may act on others' tickets.
func supervises(o balai.Officer) bool { return o.Role.Allows(balai.RoleSupervisor) }

// mayHandle: the ticket is unclaimed, the officer's own, or the officer supervises.
func mayHandle(o balai.Officer, t Ticket) bool {
	return t.Assignee == "" || t.Assignee == o.ID || supervises(o)
}

func (d *Desk) event(o balai.Officer, action, detail string) Event {
	return Event{Actor: o.ID, ActorName: o.Name, Action: action, Detail: detail, At: d.now()}
}

// Claim assigns ticket id to officer o (id 0: the most urgent open ticket; ErrNotFound when
// none is open). ErrAlreadyClaimed when someone else holds it, ErrClosed when it is closed;
// claiming one's own ticket again changes nothing.
func (d *Desk) Claim(ctx context.Context, o balai.Officer, id int64) (Ticket, error) {
	var t Ticket
	var err error
	if id == 0 {
		if !mayAct(o) {
			return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "claim", Detail: fmt.Sprintf("role %q", o.Role)}
		}
		if t, err = d.store.Claim(ctx, 0, o.ID, o.Name, d.now()); err != nil {
			return t, fmt.Errorf("desk: claim the next ticket: %w", err)
		}
		d.log.Info("Officer action", "action", "claim", "ticket", d.Number(t), "officer", o.ID)
	} else {
		t, err = d.act(ctx, "claim", o, id, func(t Ticket) (step, error) {
			switch {
			case t.Status == Closed:
				return step{}, refuse(ErrClosed, "claim", t, "")
			case t.Assignee == o.ID && t.Status != Open:
				return step{noop: true}, nil // a retry of this very claim
			case t.Status != Open:
				return step{}, claimedBy("claim", t)
			}
			return step{a: Action{From: []Status{Open}, To: Claimed, Set: TicketUpdate{Assignee: o.ID, AssigneeName: o.Name},
				Events: []Event{d.event(o, "claimed", "")}, At: d.now()}}, nil
		})
		if err != nil {
			return t, err
		}
	}
	card, batched := d.cardState(ctx, t.ID)
	if (t.CardHeld || batched) && card == "" && d.cfg.OfficerChat.ID != "" && d.q != nil {
		// Its card was held back in a flood of new tickets, or went out only as a line of
		// a list of them: it goes out now, as a notice about the ticket, so replying to it
		// answers the citizen.
		held := d.card(t, "")
		held.Ref = NoticeRef(t.ID)
		return t, d.q.Deliver(ctx, held)
	}
	return t, d.refreshCard(ctx, t, card)
}

// Release gives a claimed ticket back to the queue. ErrNotAllowed unless o holds it or
// supervises; releasing a ticket nobody holds changes nothing.
func (d *Desk) Release(ctx context.Context, o balai.Officer, id int64) (Ticket, error) {
	return d.act(ctx, "release", o, id, func(t Ticket) (step, error) {
		switch {
		case t.Status == Closed:
			return step{}, refuse(ErrClosed, "release", t, "")
		case t.Status == Open:
			return step{noop: true}, nil
		case t.Status != Claimed:
			return step{}, refuse(ErrNotAllowed, "release", t, "an answered ticket stays with the officer who answered")
		case !mayHandle(o, t):
			return step{}, refuse(ErrNotAllowed, "release", t, "not the assignee")
		}
		return step{card: true, a: Action{From: []Status{Claimed}, To: Open, Set: TicketUpdate{ClearClaim: true},
			Events: []Event{d.event(o, "released", "")}, At: d.now()}}, nil
	})
}

// Transfer hands ticket id to officer to (an open ticket becomes claimed by them).
// ErrNotAllowed unless the ticket is unclaimed or o's own, or o supervises.
func (d *Desk) Transfer(ctx context.Context, o balai.Officer, id int64, to balai.Officer) (Ticket, error) {
	if to.ID == "" {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "transfer", Detail: "no officer to transfer to"}
	}
	return d.act(ctx, "transfer", o, id, func(t Ticket) (step, error) {
		switch {
		case t.Status == Closed:
			return step{}, refuse(ErrClosed, "transfer", t, "")
		case !mayHandle(o, t):
			return step{}, refuse(ErrNotAllowed, "transfer", t, "not the assignee")
		case t.Assignee == to.ID:
			return step{noop: true}, nil
		}
		a := Action{From: []Status{t.Status}, Set: TicketUpdate{Assignee: to.ID, AssigneeName: to.Name},
			Events: []Event{d.event(o, "transferred", "to "+to.ID+" "+to.Name)}, At: d.now()}
		if t.Status == Open {
			a.To = Claimed
		}
		return step{a: a, card: true}, nil
	})
}

// TransferCategory sends ticket id back to the queue under category (unclaimed). The same
// officers as Transfer may.
func (d *Desk) TransferCategory(ctx context.Context, o balai.Officer, id int64, category string) (Ticket, error) {
	category = strings.TrimSpace(category)
	if category == "" {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "transfer", Detail: "no category"}
	}
	return d.act(ctx, "transfer", o, id, func(t Ticket) (step, error) {
		switch {
		case t.Status == Closed:
			return step{}, refuse(ErrClosed, "transfer", t, "")
		case !mayHandle(o, t):
			return step{}, refuse(ErrNotAllowed, "transfer", t, "not the assignee")
		}
		return step{card: true, a: Action{From: []Status{t.Status}, To: Open, Set: TicketUpdate{ClearClaim: true, Category: category},
			Events: []Event{d.event(o, "transferred", "category "+category)}, At: d.now()}}, nil
	})
}

// Reply sends text to the citizen of ticket id, attributed to the agency, and records it,
// atomically. Refused with ErrClosed, ErrStale (the ticket changed since opt.Seen),
// ErrAlreadyClaimed (another officer holds it, and o does not supervise) or
// ErrNeedsConfirmation (the outbound guard's reasons, unless opt.Confirmed). An unclaimed
// ticket becomes the replier's.
func (d *Desk) Reply(ctx context.Context, o balai.Officer, id int64, text string, opt ReplyOptions) (Ticket, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "reply", Detail: "empty reply"}
	}
	t, err := d.act(ctx, "reply", o, id, func(t Ticket) (step, error) {
		a, err := d.planReply(ctx, o, t, text, opt, true)
		if err != nil {
			return step{}, err
		}
		return step{a: a, strict: opt.Seen != 0}, nil
	})
	if err != nil {
		return t, err
	}
	// The card shows the answer that went out, as when an officer answers in the group.
	shown := t
	shown.Transcript = append(shown.Transcript[:len(shown.Transcript):len(shown.Transcript)], Line{From: "officer", Text: text, At: t.AnsweredAt})
	if err := d.refreshCard(ctx, shown, d.cardMessage(ctx, id)); err != nil {
		d.log.Warn("Failed to refresh a ticket's card", "ticket", d.Number(t), "err", err)
	}
	return t, nil
}

// planReply decides an officer's reply to t (guard: run the outbound guard).
func (d *Desk) planReply(ctx context.Context, o balai.Officer, t Ticket, text string, opt ReplyOptions, guard bool) (Action, error) {
	switch {
	case t.Status == Closed:
		return Action{}, refuse(ErrClosed, "reply", t, "")
	case opt.Seen != 0 && t.Version != opt.Seen:
		return Action{}, refuse(ErrStale, "reply", t, fmt.Sprintf("shown version %d, now %d", opt.Seen, t.Version))
	case !mayHandle(o, t):
		return Action{}, claimedBy("reply", t)
	}
	now := d.now()
	var evs []Event
	if guard && d.cfg.CheckReply != nil {
		notes, err := d.notes(ctx, t.ID)
		if err != nil {
			return Action{}, err
		}
		if reasons := d.cfg.CheckReply(t, notes, text); len(reasons) > 0 {
			if !opt.Confirmed {
				return Action{}, &ActionError{Err: ErrNeedsConfirmation, Action: "reply", Ticket: t, Reasons: reasons}
			}
			evs = append(evs, Event{Actor: o.ID, ActorName: o.Name, Action: "reply_confirmed", Detail: strings.Join(reasons, "\n"), At: now})
		}
	}
	evs = append(evs, Event{Actor: o.ID, ActorName: o.Name, Action: "replied", Detail: text, At: now})
	set := TicketUpdate{Answer: text}
	if t.Assignee == "" {
		set.Assignee, set.AssigneeName = o.ID, o.Name
	}
	// The citizen gets the reply on their own channel, attributed to the agency.
	toCitizen := bot.Outgoing{Chat: t.Chat, Kind: bot.OutMessage, Lang: t.Lang, Ref: replyRef(t.ID),
		Text: d.msgs.Text(t.Lang, "officer_reply", map[string]any{"Ticket": d.Number(t), "Text": bot.EscapeMarkdown(text)})}
	return Action{ID: t.ID, From: []Status{Open, Claimed, Answered}, To: Answered, Version: opt.Seen, Events: evs, Set: set,
		Out: []bot.Outgoing{toCitizen}, At: now}, nil
}

// notes are a ticket's internal notes (for the outbound guard).
func (d *Desk) notes(ctx context.Context, id int64) ([]Event, error) {
	evs, err := d.store.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	var notes []Event
	for _, e := range evs {
		if e.Action == "noted" {
			notes = append(notes, e)
		}
	}
	return notes, nil
}

// Note records an internal note on ticket id: it stays in the audit log and never reaches
// the citizen. Closed tickets take notes too.
func (d *Desk) Note(ctx context.Context, o balai.Officer, id int64, text string) (Ticket, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "note", Detail: "empty note"}
	}
	return d.act(ctx, "note", o, id, func(t Ticket) (step, error) {
		return step{a: d.planNote(o, t, text)}, nil
	})
}

func (d *Desk) planNote(o balai.Officer, t Ticket, text string) Action {
	return Action{ID: t.ID, Events: []Event{d.event(o, "noted", text)}, At: d.now()}
}

// Close closes ticket id with resolution r: the citizen is asked to rate the service (and,
// when referred, told which agency to turn to); spam is closed silently. ErrClosed when it
// is closed already, ErrAlreadyClaimed when another officer holds it and o does not
// supervise, ErrNotAllowed for an incomplete resolution.
func (d *Desk) Close(ctx context.Context, o balai.Officer, id int64, r Resolution) (Ticket, error) {
	r.EntryID, r.ReferTo = strings.TrimSpace(r.EntryID), strings.TrimSpace(r.ReferTo)
	switch {
	case !r.Kind.Valid():
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "close", Detail: fmt.Sprintf("resolution %q", r.Kind)}
	case r.Kind == balai.ResolvedEntry && r.EntryID == "":
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "close", Detail: "no FAQ entry"}
	case r.Kind == balai.ResolvedReferred && r.ReferTo == "":
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "close", Detail: "no agency to refer to"}
	}
	return d.act(ctx, "close", o, id, func(t Ticket) (step, error) {
		switch {
		case t.Status == Closed:
			return step{}, refuse(ErrClosed, "close", t, "")
		case !mayHandle(o, t):
			return step{}, claimedBy("close", t)
		}
		detail := string(r.Kind)
		set := TicketUpdate{Resolution: r.Kind, ReferTo: r.ReferTo, EntryID: r.EntryID}
		var out []bot.Outgoing
		switch r.Kind {
		case balai.ResolvedEntry:
			detail += " " + r.EntryID
		case balai.ResolvedReferred:
			detail += " " + r.ReferTo
			out = append(out, bot.Outgoing{Chat: t.Chat, Kind: bot.OutMessage, Lang: t.Lang,
				Text: d.msgs.Text(t.Lang, "ticket_referred", map[string]any{"Ticket": d.Number(t), "ReferTo": bot.EscapeMarkdown(r.ReferTo)})})
		}
		if r.Kind != balai.ResolvedSpam {
			out = append(out, d.satisfaction(t))
		}
		return step{card: true, a: Action{From: []Status{Open, Claimed, Answered}, To: Closed, Set: set,
			Events: []Event{d.event(o, "closed", detail)}, Out: out, At: d.now()}}, nil
	})
}

// Reopen opens a closed ticket again, unclaimed and without its resolution. ErrNotAllowed
// while the citizen's chat has another active ticket (a chat has one at most).
func (d *Desk) Reopen(ctx context.Context, o balai.Officer, id int64) (Ticket, error) {
	return d.act(ctx, "reopen", o, id, func(t Ticket) (step, error) {
		if t.Status != Closed {
			return step{noop: true}, nil
		}
		cur, err := d.store.ActiveTicket(ctx, t.Chat)
		switch {
		case err == nil && cur.ID != t.ID:
			return step{}, refuse(ErrNotAllowed, "reopen", t, "the chat has another active ticket "+d.Number(cur))
		case err != nil && !errors.Is(err, ErrNotFound):
			return step{}, err
		}
		return step{card: true, a: Action{From: []Status{Closed}, To: Open, Set: TicketUpdate{ClearClaim: true, ClearResolution: true},
			Events: []Event{d.event(o, "reopened", "")}, At: d.now()}}, nil
	})
}

// LinkEntry records that FAQ entry entryID answers ticket id (any status).
func (d *Desk) LinkEntry(ctx context.Context, o balai.Officer, id int64, entryID string) (Ticket, error) {
	entryID = strings.TrimSpace(entryID)
	if entryID == "" {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "link", Detail: "no FAQ entry"}
	}
	return d.act(ctx, "link", o, id, func(t Ticket) (step, error) {
		if t.EntryID == entryID {
			return step{noop: true}, nil
		}
		return step{a: Action{Set: TicketUpdate{EntryID: entryID}, Events: []Event{d.event(o, "linked", entryID)}, At: d.now()}}, nil
	})
}

// SLA returns the working time left until ticket t is due at now (negative: how long it is
// overdue, in working hours) and its state: SLAOK, SLASoon (within ReminderLead),
// SLAOverdue, or SLANone for a ticket not waiting for an officer.
func (d *Desk) SLA(t Ticket, now time.Time) (time.Duration, string) {
	if (t.Status != Open && t.Status != Claimed) || t.DueAt.IsZero() {
		return 0, SLANone
	}
	if !now.Before(t.DueAt) {
		return -d.cfg.Calendar.Between(t.DueAt, now), SLAOverdue
	}
	left := d.cfg.Calendar.Between(now, t.DueAt)
	if left <= d.cfg.ReminderLead {
		return left, SLASoon
	}
	return left, SLAOK
}

// WhatsAppWindow is how long a free-form reply may go out: on WhatsApp only within 24 hours
// of the citizen's last message (later replies wait until the citizen writes again);
// other channels are always open (closes is zero).
func WhatsAppWindow(t Ticket, now time.Time) (open bool, closes time.Time) {
	if t.Chat.Channel != balai.WhatsApp {
		return true, time.Time{}
	}
	last := t.LastCitizenAt
	if last.IsZero() {
		last = t.CreatedAt
	}
	closes = last.Add(24 * time.Hour)
	return now.Before(closes), closes
}

// WhatsAppWindow is the package's WhatsAppWindow, for callers holding a desk.
func (d *Desk) WhatsAppWindow(t Ticket, now time.Time) (bool, time.Time) {
	return WhatsAppWindow(t, now)
}
