package desk

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// PresenceTTL is how long a presence lasts without being renewed.
const PresenceTTL = 30 * time.Second

// History is what an officer sees of a citizen besides the ticket at hand: from the chat,
// and from the chats an officer linked to the same citizen (LinkCitizen).
type History struct {
	Tickets []Ticket        // the citizen's tickets, newest first
	Lines   []HistoryLine   // the citizen's last messages with the bot, oldest first
	Linked  []balai.ChatRef // the citizen's other chats
}

// List returns the tickets of f's view matching its filters, in the view's order (active
// views: urgent first, then by due time; closed: last closed first; all: newest first), and
// how many match in all.
func (d *Desk) List(ctx context.Context, f Filter) ([]Ticket, int, error) {
	if f.View == "" {
		f.View = ViewOpen
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Offset = max(f.Offset, 0)
	f.Now = d.now()
	f.Soon = d.cfg.Calendar.Add(f.Now, d.cfg.ReminderLead)
	f.Query = strings.TrimSpace(f.Query)
	if n, ok := d.ParseNumber(f.Query); ok {
		f.Number = n
	}
	ts, total, err := d.store.List(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("desk: list %s: %w", f.View, err)
	}
	return ts, total, nil
}

// Counts returns how many tickets each view holds for officer (the officer's ID).
func (d *Desk) Counts(ctx context.Context, officer string) (map[View]int, error) {
	c, err := d.store.Counts(ctx, officer, d.now())
	if err != nil {
		return nil, fmt.Errorf("desk: counts: %w", err)
	}
	return c, nil
}

// Ticket returns ticket id (ErrNotFound).
func (d *Desk) Ticket(ctx context.Context, id int64) (Ticket, error) { return d.store.Ticket(ctx, id) }

// Events returns the audit log of ticket id, oldest first.
func (d *Desk) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := d.store.Ticket(ctx, id); err != nil {
		return nil, err
	}
	return d.store.Events(ctx, id)
}

// historyLines caps the conversation lines CitizenHistory returns; historyTickets its
// tickets.
const (
	historyLines   = 200
	historyTickets = 50
)

// CitizenHistory returns the tickets of the citizen of chat and their last messages with
// the bot, with the entry and confidence of the bot's answers and the citizen's 👍/👎 on
// them, from chat and from the chats an officer linked to the same citizen.
func (d *Desk) CitizenHistory(ctx context.Context, chat balai.ChatRef) (History, error) {
	linked, err := d.store.LinkedChats(ctx, chat)
	if err != nil {
		return History{}, fmt.Errorf("desk: citizen history: %w", err)
	}
	h := History{Linked: linked}
	for _, c := range append([]balai.ChatRef{chat}, linked...) {
		ts, err := d.store.ChatTickets(ctx, c, historyTickets)
		if err != nil {
			return History{}, fmt.Errorf("desk: citizen history: %w", err)
		}
		lines, err := d.store.ChatLog(ctx, c, historyLines)
		if err != nil {
			return History{}, fmt.Errorf("desk: citizen history: %w", err)
		}
		h.Tickets = append(h.Tickets, ts...)
		h.Lines = append(h.Lines, rateAnswers(lines)...)
	}
	if len(linked) > 0 {
		sort.SliceStable(h.Tickets, func(i, j int) bool { return h.Tickets[i].ID > h.Tickets[j].ID })
		sort.SliceStable(h.Lines, func(i, j int) bool { return h.Lines[i].At.Before(h.Lines[j].At) })
		h.Tickets = h.Tickets[:min(len(h.Tickets), historyTickets)]
		h.Lines = h.Lines[max(len(h.Lines)-historyLines, 0):]
	}
	return h, nil
}

// rateAnswers marks the citizen's 👍/👎 on the bot's answers of one chat's lines (oldest
// first). A 👍/👎 button is a message of its own; it rates the last answered question. A 👎
// goes to an officer at once, so the engine logs it as an escalation for feedback.
func rateAnswers(lines []HistoryLine) []HistoryLine {
	answered := -1
	for i, l := range lines {
		if l.From != "citizen" {
			continue
		}
		feedback := ""
		switch {
		case l.Decision == "answer" && l.EntryID != "":
			answered = i
		case l.Decision == "feedback" && (l.Reason == "helpful" || l.Reason == "not_helpful"):
			feedback = l.Reason
		case l.Decision == "escalate" && l.Reason == bot.EscalateFeedback:
			feedback = "not_helpful"
		}
		if feedback != "" {
			lines[i].Feedback = feedback
			if answered >= 0 {
				lines[answered].Feedback = feedback
			}
		}
	}
	return lines
}

// LinkCitizen records officer o's finding that the citizen of ticket id is the person of
// ticket other (on another channel, or another chat): from then on each ticket's history
// shows both chats' tickets and conversations. It is audited on both tickets. Balai never
// links chats by itself (a phone number typed in a chat proves nothing). ErrNotFound for
// a missing ticket; ErrNotAllowed for an officer who may not act, the same chat, or an
// erased ticket.
func (d *Desk) LinkCitizen(ctx context.Context, o balai.Officer, id, other int64) (Ticket, error) {
	if !mayAct(o) {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "link citizen", Detail: fmt.Sprintf("role %q", o.Role)}
	}
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		return t, err
	}
	ot, err := d.store.Ticket(ctx, other)
	if err != nil {
		return t, err
	}
	switch {
	case t.Chat.ID == "" || ot.Chat.ID == "":
		return t, refuse(ErrNotAllowed, "link citizen", t, "an erased ticket")
	case t.Chat == ot.Chat:
		return t, refuse(ErrNotAllowed, "link citizen", t, "the same chat")
	}
	a, b := d.event(o, "citizen_linked", d.Number(ot)), d.event(o, "citizen_linked", d.Number(t))
	a.TicketID, b.TicketID = t.ID, ot.ID
	if err := d.store.LinkChats(ctx, t.Chat, ot.Chat, o.ID, a.At, []Event{a, b}); err != nil {
		return t, fmt.Errorf("desk: link citizen: %w", err)
	}
	d.log.Info("Linked a citizen's chats", "ticket", d.Number(t), "other", d.Number(ot), "officer", o.ID)
	return d.store.Ticket(ctx, id)
}

// UnlinkCitizen takes the chat of ticket id out of the citizen's linked chats (audited on
// the ticket); nothing changes when it was not linked.
func (d *Desk) UnlinkCitizen(ctx context.Context, o balai.Officer, id int64) (Ticket, error) {
	if !mayAct(o) {
		return Ticket{}, &ActionError{Err: ErrNotAllowed, Action: "unlink citizen", Detail: fmt.Sprintf("role %q", o.Role)}
	}
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		return t, err
	}
	ev := d.event(o, "citizen_unlinked", "")
	ev.TicketID = t.ID
	if _, err := d.store.UnlinkChat(ctx, t.Chat, []Event{ev}); err != nil {
		return t, fmt.Errorf("desk: unlink citizen: %w", err)
	}
	return d.store.Ticket(ctx, id)
}

// Changes returns the desk's changes after seq after, oldest first (at most 500): a
// console replica polls it to push live updates for changes made on other replicas.
func (d *Desk) Changes(ctx context.Context, after int64) ([]Change, error) {
	cs, err := d.store.Changes(ctx, after, 500)
	if err != nil {
		return nil, fmt.Errorf("desk: changes: %w", err)
	}
	return cs, nil
}

// SetPresence records that officer o views ticket id (typing: writes a reply) at now; it
// lasts PresenceTTL unless renewed.
func (d *Desk) SetPresence(ctx context.Context, o balai.Officer, id int64, typing bool, now time.Time) error {
	if !mayAct(o) {
		return &ActionError{Err: ErrNotAllowed, Action: "presence"}
	}
	if err := d.store.SetPresence(ctx, id, Presence{Officer: o.ID, Name: o.Name, Typing: typing, At: now}); err != nil {
		return fmt.Errorf("desk: presence: %w", err)
	}
	return nil
}

// Present returns the officers viewing ticket id at now.
func (d *Desk) Present(ctx context.Context, id int64, now time.Time) ([]Presence, error) {
	ps, err := d.store.Present(ctx, id, now.Add(-PresenceTTL))
	if err != nil {
		return nil, fmt.Errorf("desk: presence: %w", err)
	}
	return ps, nil
}

// CannedReplies lists the canned replies.
func (d *Desk) CannedReplies(ctx context.Context) ([]balai.CannedReply, error) {
	return d.store.CannedReplies(ctx)
}

// SaveCanned creates (ID 0) or updates a canned reply; supervisors and admins only
// (ErrNotAllowed).
func (d *Desk) SaveCanned(ctx context.Context, o balai.Officer, c balai.CannedReply) (balai.CannedReply, error) {
	if !supervises(o) {
		return c, &ActionError{Err: ErrNotAllowed, Action: "save canned reply", Detail: fmt.Sprintf("role %q", o.Role)}
	}
	c.Title, c.Text = strings.TrimSpace(c.Title), strings.TrimSpace(c.Text)
	if c.Title == "" || c.Text == "" {
		return c, &ActionError{Err: ErrNotAllowed, Action: "save canned reply", Detail: "title and text are required"}
	}
	if c.Lang == "" {
		c.Lang = "id"
	}
	c.UpdatedBy, c.UpdatedAt = o.ID, d.now()
	return d.store.SaveCanned(ctx, c)
}

// DeleteCanned deletes a canned reply; supervisors and admins only (ErrNotAllowed).
func (d *Desk) DeleteCanned(ctx context.Context, o balai.Officer, id int64) error {
	if !supervises(o) {
		return &ActionError{Err: ErrNotAllowed, Action: "delete canned reply", Detail: fmt.Sprintf("role %q", o.Role)}
	}
	return d.store.DeleteCanned(ctx, id)
}
