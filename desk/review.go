package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/workhours"
)

// NoticeStore posts notices that go out at most once, however many processes share the
// database and however often they restart.
type NoticeStore interface {
	// PostOnce queues out unless a notice with key was queued before, in which case it
	// queues nothing and returns false. The key and the items are committed together.
	PostOnce(ctx context.Context, key string, out []bot.Outgoing) ([]bot.StoredOutgoing, bool, error)
}

// reviewListed caps the entries the review notice lists.
const reviewListed = 10

// reviewNotice posts, once per working day (at the first sweep in office hours, in the
// agency's time zone), a notice in the officers' chat
// listing the FAQ entries past their review date: Balai never answers them, so their
// questions come to the officers until admins review them.
func (d *Desk) reviewNotice(ctx context.Context, now time.Time) error {
	// During office hours only: officers read it at work, not at midnight or on a holiday.
	if d.cfg.Corpus == nil || d.cfg.OfficerChat.ID == "" || !d.cfg.Calendar.IsOpen(now) {
		return nil
	}
	day := now.In(d.cfg.Calendar.Location()).Format(faq.DateLayout)
	d.mu.Lock()
	done := d.reviewDay == day
	d.mu.Unlock()
	if done {
		return nil
	}
	c := d.cfg.Corpus()
	if c == nil {
		return nil
	}
	r := c.Review(now, faq.ReviewWindow)
	if len(r.Stale) == 0 {
		return nil
	}
	items, first, err := d.store.PostOnce(ctx, "faq_review:"+day, []bot.Outgoing{d.reviewMessage(r)})
	if err != nil {
		return fmt.Errorf("review notice: %w", err)
	}
	d.mu.Lock()
	d.reviewDay = day
	d.mu.Unlock()
	if first {
		d.log.Warn("Told the officers about FAQ entries past review", "past_review", len(r.Stale), "day", day)
		d.submit(items)
	}
	return nil
}

// reviewMessage is the officers' notice of a review report's stale entries.
func (d *Desk) reviewMessage(r faq.ReviewReport) bot.Outgoing {
	var entries []map[string]string
	for i, e := range r.Stale {
		if i == reviewListed {
			break
		}
		entries = append(entries, map[string]string{"ID": e.ID, "Title": e.Title, "Owner": e.Owner,
			"ReviewBy": workhours.FormatDate(e.ReviewBy, "id")})
	}
	var owners []map[string]any
	for _, o := range r.ByOwner() {
		if o.Stale > 0 {
			owners = append(owners, map[string]any{"Owner": o.Owner, "Count": o.Stale})
		}
	}
	text := d.OfficerText("desk_faq_review", map[string]any{
		"Count": len(r.Stale), "Entries": entries, "More": len(r.Stale) - len(entries), "Owners": owners,
		"DueSoon": len(r.DueSoon), "Days": r.WindowDays(),
	})
	return bot.Outgoing{Chat: d.cfg.OfficerChat, Kind: bot.OutMessage, Text: text, Lang: bot.LangID, ThreadID: d.cfg.Topics["*"]}
}
