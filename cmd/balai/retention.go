package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai/internal/private"
	"github.com/balai-id/balai/store"
)

// Citizens' data (UU 27/2022) in `balai serve`: the data directory is private, and a job
// deletes or blanks message texts and personal fields older than BALAI_RETENTION.

// defaultRetention is how long message texts and personal fields are kept: a year.
const defaultRetention = 365 * 24 * time.Hour

// minRetention keeps the retention from deleting work in progress (replies still queued,
// tickets being answered).
const minRetention = 7 * 24 * time.Hour

// defaultDoneRetention is how long handled messages and delivered replies are kept whole
// (BALAI_DONE_RETENTION), and minDoneRetention its floor: the web chat replays delivered
// replies to a browser that reconnects within its session (72 hours), and WhatsApp's
// 24-hour window is read from the last messages received.
const (
	defaultDoneRetention = 7 * 24 * time.Hour
	minDoneRetention     = 3 * 24 * time.Hour
)

// retentionLease makes one replica run the retention at a time; retentionEvery is how often
// it runs, and the lease outlives a run so that a replica that stops hands it on.
const (
	retentionLease = "retention"
	retentionEvery = time.Hour
	retentionTTL   = 2 * retentionEvery
)

// retentionFromEnv reads BALAI_RETENTION: days ("365d") or a duration ("8760h"), at least
// minRetention.
func retentionFromEnv() (time.Duration, error) {
	v := env("BALAI_RETENTION", "365d")
	d, err := parseDays(v)
	if err != nil {
		return 0, fmt.Errorf("BALAI_RETENTION=%q: want days like 365d, or a duration like 8760h", v)
	}
	if d < minRetention {
		return 0, fmt.Errorf("BALAI_RETENTION=%q: at least %s (replies still queued and tickets in progress are kept that long)", v, minRetention)
	}
	return d, nil
}

// doneRetentionFromEnv reads BALAI_DONE_RETENTION: days or a duration, between
// minDoneRetention and the retention.
func doneRetentionFromEnv(retention time.Duration) (time.Duration, error) {
	v := env("BALAI_DONE_RETENTION", "7d")
	d, err := parseDays(v)
	if err != nil {
		return 0, fmt.Errorf("BALAI_DONE_RETENTION=%q: want days like 7d, or a duration like 168h", v)
	}
	if d < minDoneRetention {
		return 0, fmt.Errorf("BALAI_DONE_RETENTION=%q: at least %s (the web chat replays replies to a browser that reconnects within 72 hours)", v, fmtDays(minDoneRetention))
	}
	if retention > 0 && d > retention {
		return 0, fmt.Errorf("BALAI_DONE_RETENTION=%q: at most BALAI_RETENTION (%s)", v, fmtDays(retention))
	}
	return d, nil
}

// parseDays reads "365d" as 365 days, or a time.Duration.
func parseDays(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(strings.ToLower(v), "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("not a number of days: %q", v)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

// privateDataDir creates the data directory 0700, or tightens it to 0700 with a log line
// when others could read it (it holds the SQLite database and the FAQ drafts).
func (s *Main) privateDataDir() error {
	was, err := private.Dir(s.cfg.DataDir)
	if errors.Is(err, fs.ErrPermission) {
		if _, serr := os.Stat(s.cfg.DataDir); serr == nil {
			// Someone else owns it (a mounted volume): Balai still runs, the operator must fix it.
			s.log.Error("Failed to make the data directory private (chmod 700 it, or give it to Balai's user): it holds citizens' data",
				"path", s.cfg.DataDir, "err", err)
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if was != 0 {
		s.log.Warn("Made the data directory private: it holds citizens' data and was readable by others",
			"path", s.cfg.DataDir, "was", was.String(), "now", private.DirMode.String())
	}
	return nil
}

// startRetention runs the retention job until ctx ends (wg tracks it): at start, then every
// retentionEvery, on one replica at a time.
func (s *Main) startRetention(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.log.Info("Citizens' data: message texts and personal fields are kept for BALAI_RETENTION, handled messages and delivered replies for BALAI_DONE_RETENTION",
			"retention", fmtDays(s.cfg.Retention), "done_retention", fmtDays(s.cfg.DoneRetention))
		t := time.NewTicker(retentionEvery)
		defer t.Stop()
		for {
			s.rollUpOnce(ctx) // the dashboard's rollups first: the purge deletes old log rows
			if _, _, err := purgeOnce(ctx, s.db, s.now(), s.cfg.Retention, s.cfg.DoneRetention, s.log); err != nil && ctx.Err() == nil {
				s.log.Error("Failed to apply the retention; trying again later", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// purgeOnce applies the retention once if this process holds (or takes) the retention
// lease: what is older than now-retention is deleted or blanked, handled messages and
// delivered replies older than now-done are pruned (their dedupe keys kept up to
// store.DedupeWindow, within the retention), and a SQLite database is compacted. ran is
// false when another replica holds the lease.
func purgeOnce(ctx context.Context, db *store.DB, now time.Time, retention, done time.Duration, log *slog.Logger) (p store.Purged, ran bool, err error) {
	ok, err := db.AcquireLease(ctx, retentionLease, retentionTTL)
	if err != nil || !ok {
		return p, false, err
	}
	before := now.Add(-retention)
	p, err = db.PurgeBefore(ctx, before)
	if err != nil {
		return p, true, err
	}
	if done > 0 {
		q, err := db.PruneDone(ctx, now.Add(-done), now.Add(-min(store.DedupeWindow, retention)))
		p = p.Add(q)
		if err != nil {
			return p, true, err
		}
	}
	if p.Total() > 0 {
		log.Info("Applied the retention: deleted or blanked citizens' data older than it", "before", before.Format(time.DateOnly),
			"inbound_deleted", p.Inbound, "outbox_deleted", p.Outbox, "conversations_deleted", p.Conversations,
			"messages_counted", p.Counted, "tickets_blanked", p.Tickets, "inbound_stripped", p.Stripped, "keys_deleted", p.Keys)
	}
	c, err := db.Compact(ctx)
	if err != nil {
		return p, true, err
	}
	if c.FreedPages > 0 {
		log.Info("Gave the database's free space back to the file system", "pages", c.FreedPages)
	}
	return p, true, nil
}

// fmtDays writes a retention in days when it is whole days.
func fmtDays(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}
