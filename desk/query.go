package desk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// PresenceTTL is how long a presence lasts without being renewed.
const PresenceTTL = 30 * time.Second

// History is what an officer sees of a citizen besides the ticket at hand.
type History struct {
	Tickets []Ticket      // the chat's tickets, newest first
	Lines   []HistoryLine // the chat's last messages with the bot, oldest first
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

// historyLines caps the conversation lines CitizenHistory returns.
const historyLines = 200

// CitizenHistory returns the chat's tickets and its last messages with the bot, with the
// entry and confidence of the bot's answers and the citizen's 👍/👎 on them.
func (d *Desk) CitizenHistory(ctx context.Context, chat balai.ChatRef) (History, error) {
	ts, err := d.store.ChatTickets(ctx, chat, 50)
	if err != nil {
		return History{}, fmt.Errorf("desk: citizen history: %w", err)
	}
	lines, err := d.store.ChatLog(ctx, chat, historyLines)
	if err != nil {
		return History{}, fmt.Errorf("desk: citizen history: %w", err)
	}
	// A 👍/👎 button is a message of its own; it rates the last answered question. A 👎
	// goes to an officer at once, so the engine logs it as an escalation for feedback.
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
	return History{Tickets: ts, Lines: lines}, nil
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
