package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/balai-id/balai/bot"
)

// Run reminds officers of tickets nearing or past their due time, returns silent claims to
// the queue, closes answered tickets the citizen did not follow up and posts the daily notice
// of FAQ entries past review, every interval, until ctx ends. Every replica may run it: each
// change is claimed by one atomic statement.
func (d *Desk) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := d.Sweep(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("Failed to check ticket deadlines", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep runs one round of the deadline checks and the review notice (tests call it with
// their own clock).
func (d *Desk) Sweep(ctx context.Context) error {
	now := d.now()
	var out []bot.Outgoing
	// tell posts a notice about t in the officers' chat and, with edit, updates its card.
	tell := func(t Ticket, edit bool, key string, data map[string]any) {
		if d.cfg.OfficerChat.ID == "" {
			return
		}
		card := d.cardMessage(ctx, t.ID)
		out = append(out, d.notice(t, card, d.OfficerText(key, data)))
		if o, ok := d.cardEdit(t, card); ok && edit {
			out = append(out, o)
		}
	}
	due, err := d.store.DueForReminder(ctx, now, now.Add(d.cfg.ReminderLead))
	if err != nil {
		return err
	}
	for _, t := range due {
		tell(t, false, "desk_reminder", map[string]any{"Number": d.Number(t), "Due": d.when(t.DueAt, now), "Assignee": t.AssigneeName})
	}
	over, err := d.store.OverdueTickets(ctx, now)
	if err != nil {
		return err
	}
	for _, t := range over {
		tell(t, false, "desk_overdue", map[string]any{"Number": d.Number(t), "Due": d.when(t.DueAt, now), "Assignee": t.AssigneeName})
	}
	lapsed, err := d.store.LapsedClaims(ctx, now.Add(-d.cfg.ClaimTimeout), now)
	if err != nil {
		return err
	}
	for _, t := range lapsed {
		tell(t, true, "desk_released", map[string]any{"Number": d.Number(t), "Idle": duration(d.cfg.ClaimTimeout)})
	}
	stale, err := d.store.StaleAnswered(ctx, now.Add(-d.cfg.ReopenWindow), now)
	if err != nil {
		return err
	}
	for _, t := range stale {
		tell(t, true, "desk_auto_closed", map[string]any{"Number": d.Number(t)})
		out = append(out, d.satisfaction(t))
	}
	if len(out) > 0 && d.q != nil {
		err = d.q.Deliver(ctx, out...)
	}
	return errors.Join(err, d.heldCards(ctx, now), d.reviewNotice(ctx, now))
}

// maxSummaryNumbers is how many ticket numbers a summary of held cards lists.
const maxSummaryNumbers = 20

// heldCards posts one summary of the tickets whose cards the officers' chat's card limit held
// back since the last one ("N tiket baru lainnya di antrean"): the tickets are in the queue,
// and each one's card goes out when an officer claims it.
func (d *Desk) heldCards(ctx context.Context, now time.Time) error {
	if d.cfg.OfficerChat.ID == "" || d.cfg.CardsPerMinute <= 0 {
		return nil
	}
	ts, items, err := d.store.HeldCards(ctx, now, func(ts []Ticket) []bot.Outgoing {
		var nums []string
		for _, t := range ts[:min(len(ts), maxSummaryNumbers)] {
			nums = append(nums, d.Number(t))
		}
		text := d.OfficerText("desk_held_summary", map[string]any{"Count": len(ts), "Numbers": nums, "More": len(ts) - len(nums)})
		return []bot.Outgoing{{Chat: d.cfg.OfficerChat, Kind: bot.OutMessage, Text: text, Lang: bot.LangID, ThreadID: d.cfg.Topics["*"]}}
	})
	if err != nil {
		return err
	}
	if len(ts) > 0 {
		d.log.Warn("Posted a summary of new tickets whose cards were held back", "tickets", len(ts), "cards_per_minute", d.cfg.CardsPerMinute)
	}
	d.submit(items)
	return nil
}

// duration words a duration in Indonesian: "1 jam 30 menit".
func duration(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d jam %d menit", h, m)
	case h > 0:
		return fmt.Sprintf("%d jam", h)
	default:
		return fmt.Sprintf("%d menit", max(m, 1))
	}
}
