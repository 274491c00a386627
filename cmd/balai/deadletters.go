package main

import (
	"context"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// parkedNotice tells the officers' chat, at most once an hour however many replicas run,
// how many citizens' messages are parked as dead letters (bot.Config.OnParked); submit
// hands the queued notice to the engine's delivery.
func (s *Main) parkedNotice(officers balai.ChatRef, submit func(...bot.StoredOutgoing)) func(ctx context.Context, d bot.DeadLetter) {
	return func(ctx context.Context, _ bot.DeadLetter) {
		if officers.ID == "" {
			return
		}
		n, err := s.db.CountDeadLetters(ctx)
		if err != nil || n == 0 {
			return
		}
		key := "dead_letters:" + s.now().UTC().Truncate(time.Hour).Format("2006-01-02T15")
		out := bot.Outgoing{Chat: officers, Kind: bot.OutMessage, Lang: bot.LangID,
			Text: s.msgs.Text(bot.LangID, "desk_dead_letters", map[string]any{"Count": n})}
		items, first, err := s.db.PostOnce(ctx, key, []bot.Outgoing{out})
		if err != nil {
			s.log.Error("Failed to tell the officers about parked messages", "err", err)
			return
		}
		if first {
			submit(items...)
		}
	}
}
