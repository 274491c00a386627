package main

import (
	"context"
	"net/http"
	"time"

	"github.com/balai-id/balai/analytics"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/console/analyticsui"
	"github.com/balai-id/balai/workhours"
)

// analyticsPrefix is where the analytics dashboard is in the console.
const analyticsPrefix = "/console/analytics"

// rollUpEvery is how often serve folds the message log into the dashboard's rollups (the
// dashboard reads the log past them live, so this bounds that tail to a few minutes).
const rollUpEvery = 5 * time.Minute

// mountAnalytics serves the analytics dashboard in the console, for supervisors and admins.
func (s *Main) mountAnalytics(con *console.Server, msgs *bot.Messages, cal *workhours.Calendar) {
	svc := analytics.New(analytics.Config{Store: s.db, Calendar: cal, Now: clock.Now, Category: func(id string) string {
		if e, ok := s.index.Corpus().Entry(id); ok {
			return e.Category
		}
		return ""
	}})
	ui := analyticsui.New(analyticsui.Config{Dashboards: svc, Auth: con.Auth(), Chrome: con.Chrome(), Texts: msgs, Location: cal.Location(), Now: clock.Now, Logger: s.log})
	mux := http.NewServeMux()
	ui.Routes(mux, analyticsPrefix)
	con.Mount(analyticsPrefix+"/", analyticsui.Role, "console_analytics_nav", mux)
}

// rollUpAnalytics folds the message log into the dashboard's rollups every interval until
// ctx ends (replicas may run it at once: each log row is folded once).
func (s *Main) rollUpAnalytics(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.rollUpOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rollUpOnce folds the message log into the dashboard's rollups, counting days in the
// agency's zone (BALAI_TIMEZONE).
func (s *Main) rollUpOnce(ctx context.Context) {
	loc, err := time.LoadLocation(s.cfg.Timezone)
	if err != nil {
		loc = time.UTC // serve refused a bad zone before it got here
	}
	if n, err := s.db.RollUpAnalytics(ctx, loc); err != nil && ctx.Err() == nil {
		s.log.Warn("Failed to roll up the analytics; trying again later", "err", err)
	} else if n > 0 {
		s.log.Debug("Rolled up the message log for the analytics", "messages", n)
	}
}
