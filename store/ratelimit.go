package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// Limits shared by replicas. Each process keeps its own in-memory limiters as a first, cheap
// gate; on PostgreSQL, where several replicas share one database, the store also counts
// every send in fixed windows (rate_windows, one row per key and window), and the flood
// limit counts a chat's accepted messages themselves, so that a limit holds for the bot,
// not for each process. SQLite serves one
// process: its in-memory limiters are the whole limit and these counters are not used.

// SharesLimits reports whether limits must be counted in the database: true on PostgreSQL,
// where replicas may share it.
func (db *DB) SharesLimits() bool { return db.dialect == Postgres }

// TakeSlots takes one count in each slot's window, in one statement, in order: a slot is
// only taken when every one before it was, so a refusal wastes at most the earlier slots
// (put the cheap, narrow ones first and the channel's first-come slot last). It reports
// whether all were taken; when not, the caller waits for the windows' end and asks again.
func (db *DB) TakeSlots(ctx context.Context, slots ...balai.Slot) (bool, error) {
	if len(slots) == 0 {
		return true, nil
	}
	var q strings.Builder
	args := make([]any, 0, 4*len(slots))
	q.WriteString("WITH ")
	for i, s := range slots {
		if s.Window <= 0 {
			return false, fmt.Errorf("store: take slot %s: window %s", s.Key, s.Window)
		}
		n := len(args)
		p := func(k int) string { return "$" + strconv.Itoa(n+k) }
		args = append(args, s.Key, db.ms(s.Start()), db.ms(s.End()), s.Limit)
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "s%d AS (INSERT INTO rate_windows (key, window_start, count, expires_at) SELECT CAST(%s AS TEXT), CAST(%s AS BIGINT), 1, CAST(%s AS BIGINT)", i, p(1), p(2), p(3))
		if i > 0 {
			fmt.Fprintf(&q, " WHERE EXISTS (SELECT 1 FROM s%d)", i-1)
		} else {
			fmt.Fprintf(&q, " WHERE CAST(%s AS INTEGER) > 0", p(4))
		}
		fmt.Fprintf(&q, " ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + 1 WHERE rate_windows.count < CAST(%s AS INTEGER) RETURNING 1)", p(4))
	}
	fmt.Fprintf(&q, " SELECT EXISTS (SELECT 1 FROM s%d)", len(slots)-1)
	var ok bool
	if err := db.w.QueryRowContext(ctx, q.String(), args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: take slots %s: %w", slots[0].Key, err)
	}
	db.pruneRateWindows(ctx, slots[0].At)
	return ok, nil
}

// FloodRank counts the messages of chat accepted, by any process, in the window that ends
// with message id (its own time of acceptance), this one included: the message is within
// the flood limit if the count is. The count is the same whichever process asks and however
// often (a retried turn), because it reads the accepted messages themselves.
func (db *DB) FloodRank(ctx context.Context, chat balai.ChatRef, id int64, window time.Duration) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbound
		WHERE channel = $1 AND chat_id = $2 AND id <= $3
		AND received_at > (SELECT received_at FROM inbound WHERE id = $3) - $4`,
		string(chat.Channel), chat.ID, id, window.Milliseconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: flood rank: %w", err)
	}
	return n, nil
}

// ratePruneEvery is how often a process deletes the rate windows that ended more than
// rateKeep ago. The margin keeps a window another replica, its clock a little behind, may
// still be counting in.
const (
	ratePruneEvery = time.Minute
	rateKeep       = time.Minute
)

// pruneRateWindows deletes windows that ended more than rateKeep ago, at most once per ratePruneEvery per process, so
// the table holds only the current windows of active keys. A failure is left for the next turn.
func (db *DB) pruneRateWindows(ctx context.Context, now time.Time) {
	last := db.ratePruned.Load()
	if now.UnixMilli()-last < ratePruneEvery.Milliseconds() || !db.ratePruned.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM rate_windows WHERE expires_at <= $1`, db.ms(now.Add(-rateKeep))); err != nil && !errors.Is(err, sql.ErrNoRows) {
		db.ratePruned.Store(last)
	}
}
