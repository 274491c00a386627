package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/balai-id/balai/bot"
)

// Run reminds officers of tickets nearing or past their due time, returns silent claims to
// the queue and closes answered tickets the citizen did not follow up, every interval, until
// ctx ends. Every replica may run it: each change is claimed by one atomic statement.
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

// Sweep runs one round of the deadline checks (tests call it with their own clock).
func (d *Desk) Sweep(ctx context.Context) error {
	now := d.now()
	var out []bot.Outgoing
	due, err := d.store.DueForReminder(ctx, now, now.Add(d.cfg.ReminderLead))
	if err != nil {
		return err
	}
	for _, t := range due {
		out = append(out, d.notice(t, d.officerText("desk_reminder", map[string]any{"Number": d.number(t),
			"Due": d.when(t.DueAt, now), "Assignee": t.AssigneeName})))
	}
	over, err := d.store.OverdueTickets(ctx, now)
	if err != nil {
		return err
	}
	for _, t := range over {
		out = append(out, d.notice(t, d.officerText("desk_overdue", map[string]any{"Number": d.number(t),
			"Due": d.when(t.DueAt, now), "Assignee": t.AssigneeName})))
	}
	lapsed, err := d.store.LapsedClaims(ctx, now.Add(-d.cfg.ClaimTimeout), now)
	if err != nil {
		return err
	}
	for _, t := range lapsed {
		out = append(out, d.notice(t, d.officerText("desk_released", map[string]any{"Number": d.number(t), "Idle": duration(d.cfg.ClaimTimeout)})))
		if err := d.refreshCard(ctx, t); err != nil {
			return err
		}
	}
	stale, err := d.store.StaleAnswered(ctx, now.Add(-d.cfg.ReopenWindow), now)
	if err != nil {
		return err
	}
	for _, t := range stale {
		out = append(out, d.notice(t, d.officerText("desk_auto_closed", map[string]any{"Number": d.number(t)})), d.satisfaction(t))
		if err := d.refreshCard(ctx, t); err != nil {
			return err
		}
	}
	if d.cfg.OfficerChat.ID == "" {
		var keep []bot.Outgoing // no officers' chat: only the citizens' messages
		for _, o := range out {
			if o.Chat != d.cfg.OfficerChat {
				keep = append(keep, o)
			}
		}
		out = keep
	}
	if len(out) == 0 || d.q == nil {
		return nil
	}
	return d.q.Deliver(ctx, out...)
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
