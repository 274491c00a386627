package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/balai-id/balai"
)

// Analytics: what the console's dashboard (analytics/) reads. Counts only: no chat ids,
// names or texts leave these queries.
//
// Citizens' messages are counted from two rollups (migration 026) and the log's tail:
//   - analytics_days: per day of the agency's zone, channel, decision and reason;
//   - analytics_entries: per day, channel and FAQ entry, the answers given with the entry
//     and the 👍/👎 on them;
//   - the tail: message_log rows past analytics_state's watermark, counted live (an index
//     range on the primary key).
//
// RollUpAnalytics folds the log into the rollups incrementally, in batches, up to a minute
// before now (so a turn still committing with a lower id is not skipped), and advances the
// watermark in the same transaction; serve runs it every few minutes and before each
// retention purge, which deletes old log rows. The dashboard therefore reads some dozens of
// rows per day and channel, and one per entry, day and channel, whatever the log holds.
//
// Days: a row counts on the day of the zone's offset at the start of its fold's batch. That
// is the day of the agency's zone where the offset does not change (all of Indonesia's);
// where daylight saving time changes it, a message within an hour of midnight in a batch
// spanning the change may count on the neighbouring day. Messages compacted into
// message_counts before the rollups existed count on the local day of their UTC day's start.
//
// 👍/👎: the engine logs a feedback button as decision "feedback" (reason "helpful" or
// "not_helpful"; a 👎 that opened a ticket is decision "escalate", reason "feedback") with
// the entry its button rated; rows logged without one (before the engine recorded it) are
// attributed to the entry last answered in the same chat.

// analyticsLag is how far behind now RollUpAnalytics stops.
const analyticsLag = time.Minute

// analyticsBatch is how many log rows one RollUpAnalytics transaction folds.
const analyticsBatch = 10000

// analyticsFeedback selects the log rows that are 👍/👎 on an answer.
const analyticsFeedback = `(m.decision = 'feedback' AND m.reason IN ('helpful', 'not_helpful')) OR (m.decision = 'escalate' AND m.reason = 'feedback')`

// dayOf is the SQL expression of the day (local midnight, as milliseconds) of the instant
// col in a zone off milliseconds east of UTC.
func dayOf(col string, off int64) string {
	return fmt.Sprintf("(%[1]s + %[2]d) - (%[1]s + %[2]d) %% 86400000 - %[2]d", col, off)
}

// zoneOffset is loc's offset from UTC at t, in milliseconds.
func zoneOffset(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	return int64(off) * 1000
}

// analyticsEntryRows selects the log's answers and 👍/👎 whose rows m meet cond, as (day,
// channel, entry_id, answers, up, down) with one of the three counts 1.
func analyticsEntryRows(cond string, off int64) string {
	return `SELECT day, channel, entry_id, a, u, d FROM (
	SELECT ` + dayOf("m.created_at", off) + ` AS day, m.channel,
		CASE WHEN m.decision = 'answer' OR m.entry_id <> '' THEN m.entry_id ELSE COALESCE((SELECT p.entry_id FROM message_log p
			WHERE p.channel = m.channel AND p.chat_id = m.chat_id AND p.id < m.id AND p.direction = 'in' AND p.decision = 'answer'
			ORDER BY p.id DESC LIMIT 1), '') END AS entry_id,
		CASE WHEN m.decision = 'answer' THEN 1 ELSE 0 END AS a,
		CASE WHEN m.decision = 'feedback' AND m.reason = 'helpful' THEN 1 ELSE 0 END AS u,
		CASE WHEN m.decision <> 'answer' AND m.reason <> 'helpful' THEN 1 ELSE 0 END AS d
	FROM message_log m WHERE ` + cond + ` AND m.direction = 'in'
		AND ((m.decision = 'answer' AND m.entry_id <> '') OR (m.chat_id <> '' AND (` + analyticsFeedback + `)))
) x WHERE entry_id <> ''`
}

// RollUpAnalytics folds the message log past the watermark, up to a minute before now,
// into the dashboard's rollups, counting days in loc (the agency's zone); it returns how
// many log rows it folded. Two processes running it at once fold each row once (the
// watermark is advanced with a compare-and-set).
func (db *DB) RollUpAnalytics(ctx context.Context, loc *time.Location) (int64, error) {
	cut := db.ms(db.now().Add(-analyticsLag))
	var total int64
	for {
		n, more, err := db.rollUpBatch(ctx, cut, loc)
		total += n
		if err != nil {
			return total, fmt.Errorf("store: roll up analytics: %w", err)
		}
		if !more {
			return total, nil
		}
	}
}

// rollUpBatch folds one batch; more reports that a full batch was folded.
func (db *DB) rollUpBatch(ctx context.Context, cut int64, loc *time.Location) (folded int64, more bool, err error) {
	var last int64
	if err := db.w.QueryRowContext(ctx, `SELECT last_id FROM analytics_state WHERE name = 'message_log'`).Scan(&last); err != nil {
		return 0, false, err
	}
	// The batch ends before the first row logged after cut.
	upto, first := last, int64(0)
	var n int64
	err = eachRow(ctx, db.w, `SELECT id, created_at FROM message_log WHERE id > $1 ORDER BY id LIMIT `+fmt.Sprint(analyticsBatch), []any{last},
		func(r *sql.Rows) error {
			var id, at int64
			if err := r.Scan(&id, &at); err != nil {
				return err
			}
			if at >= cut {
				return errStopRows
			}
			if n == 0 {
				first = at
			}
			upto = id
			n++
			return nil
		})
	if err != nil && err != errStopRows {
		return 0, false, err
	}
	stopped := err == errStopRows
	if upto == last {
		return 0, false, nil
	}
	off := zoneOffset(time.UnixMilli(first), loc)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE analytics_state SET last_id = $1 WHERE name = 'message_log' AND last_id = $2`, upto, last)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errStopRows // another process folded this batch meanwhile
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_days (day, channel, decision, reason, messages)
			SELECT `+dayOf("created_at", off)+`, channel, decision, reason, COUNT(*) FROM message_log
			WHERE id > $1 AND id <= $2 AND direction = 'in'
			GROUP BY `+dayOf("created_at", off)+`, channel, decision, reason
			ON CONFLICT (day, channel, decision, reason) DO UPDATE SET messages = analytics_days.messages + excluded.messages`, last, upto); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO analytics_entries (day, channel, entry_id, answers, up, down)
			SELECT day, channel, entry_id, SUM(a), SUM(u), SUM(d) FROM (`+analyticsEntryRows(`m.id > $1 AND m.id <= $2`, off)+`) e
			GROUP BY day, channel, entry_id
			ON CONFLICT (day, channel, entry_id) DO UPDATE SET answers = analytics_entries.answers + excluded.answers,
				up = analytics_entries.up + excluded.up, down = analytics_entries.down + excluded.down`, last, upto)
		return err
	})
	if err == errStopRows {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, err
	}
	return n, !stopped && n == analyticsBatch, nil
}

// errStopRows ends an eachRow loop early.
var errStopRows = fmt.Errorf("store: stop")

// channelArg is the channel filter's argument: "" for every channel.
func channelArg(f balai.AnalyticsFilter) string { return string(f.Channel) }

// analyticsRead runs fn in one read snapshot with the rollups' watermark, so that a fold
// running meanwhile is counted once: from the rollups up to tail, from the log past it.
// tail is the condition on the log's rows m past the watermark (a literal: the planner then
// reads them by the primary key, not by time).
func (db *DB) analyticsRead(ctx context.Context, fn func(tx *sql.Tx, tail string) error) error {
	var opts *sql.TxOptions
	if db.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var w int64
	if err := tx.QueryRowContext(ctx, `SELECT last_id FROM analytics_state WHERE name = 'message_log'`).Scan(&w); err != nil {
		return err
	}
	return fn(tx, fmt.Sprintf("m.id > %d", w))
}

// txRows runs query in tx and calls fn on each row.
func txRows(ctx context.Context, tx *sql.Tx, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AnalyticsDays counts citizens' messages per day, channel, decision and reason in f's
// range (whose From and To are midnights of the agency's zone): the rollup up to the
// watermark and the log past it.
func (db *DB) AnalyticsDays(ctx context.Context, f balai.AnalyticsFilter) ([]balai.DayCount, error) {
	var out []balai.DayCount
	off := zoneOffset(f.From, f.From.Location())
	err := db.analyticsRead(ctx, func(tx *sql.Tx, tail string) error {
		return txRows(ctx, tx, `SELECT day, channel, decision, reason, CAST(SUM(messages) AS BIGINT) FROM (
		SELECT day, channel, decision, reason, messages FROM analytics_days
			WHERE day >= $1 AND day < $2 AND ($3 = '' OR channel = $3)
		UNION ALL
		SELECT `+dayOf("m.created_at", off)+`, m.channel, m.decision, m.reason, 1 FROM message_log m
			WHERE `+tail+` AND m.direction = 'in' AND m.created_at >= $1 AND m.created_at < $2 AND ($3 = '' OR m.channel = $3)
	) x GROUP BY day, channel, decision, reason ORDER BY day, channel, decision, reason`,
			[]any{db.ms(f.From), db.ms(f.To), channelArg(f)}, func(r *sql.Rows) error {
				var c balai.DayCount
				var day int64
				var ch string
				if err := r.Scan(&day, &ch, &c.Decision, &c.Reason, &c.Messages); err != nil {
					return err
				}
				c.Day, c.Channel = time.UnixMilli(day), balai.Channel(ch)
				out = append(out, c)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("store: analytics days: %w", err)
	}
	return out, nil
}

// AnalyticsEntries counts, per FAQ entry, the answers given with it in f's range and the
// 👍/👎 on them (logged with the entry they rate; rows logged before that are attributed
// to the entry answered before them in the chat).
func (db *DB) AnalyticsEntries(ctx context.Context, f balai.AnalyticsFilter) ([]balai.EntryCount, error) {
	var out []balai.EntryCount
	off := zoneOffset(f.From, f.From.Location())
	err := db.analyticsRead(ctx, func(tx *sql.Tx, tail string) error {
		return txRows(ctx, tx, `SELECT entry_id, CAST(SUM(answers) AS BIGINT), CAST(SUM(up) AS BIGINT), CAST(SUM(down) AS BIGINT) FROM (
		SELECT entry_id, answers, up, down FROM analytics_entries
			WHERE day >= $1 AND day < $2 AND ($3 = '' OR channel = $3)
		UNION ALL
		SELECT entry_id, a, u, d FROM (`+analyticsEntryRows(tail+` AND m.created_at >= $1 AND m.created_at < $2 AND ($3 = '' OR m.channel = $3)`, off)+`) t
	) x GROUP BY entry_id ORDER BY entry_id`,
			[]any{db.ms(f.From), db.ms(f.To), channelArg(f)}, func(r *sql.Rows) error {
				var c balai.EntryCount
				if err := r.Scan(&c.EntryID, &c.Answers, &c.Up, &c.Down); err != nil {
					return err
				}
				out = append(out, c)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("store: analytics entries: %w", err)
	}
	return out, nil
}

// AnalyticsTickets returns the tickets opened or closed in f's range, with their first
// officer reply; their category and officer when they were rated (ID is not read, Channel
// is f's).
func (db *DB) AnalyticsTickets(ctx context.Context, f balai.AnalyticsFilter) ([]balai.TicketFact, error) {
	// Category and officer only for the rated tickets (the only ones that need them: less to
	// read for the many others).
	const cols = `CASE WHEN t.rating > 0 THEN t.category ELSE '' END, CASE WHEN t.rating > 0 THEN COALESCE(NULLIF(t.assignee_name, ''), t.assignee) ELSE '' END,
		t.status, t.created_at, t.due_at`
	var out []balai.TicketFact
	// First replies: of tickets opened in the range, so made after its start.
	err := eachRow(ctx, db.r, `SELECT `+cols+`, r.first, t.closed_at, t.rating FROM tickets t
		LEFT JOIN (SELECT ticket_id, MIN(created_at) AS first FROM ticket_events WHERE action = 'replied' AND created_at >= $1 GROUP BY ticket_id) r
			ON r.ticket_id = t.id
		WHERE t.created_at >= $1 AND t.created_at < $2 AND ($3 = '' OR t.channel = $3)
		UNION ALL
		SELECT `+cols+`, NULL, t.closed_at, t.rating FROM tickets t
		WHERE t.status = 'closed' AND t.closed_at >= $1 AND t.closed_at < $2 AND ($3 = '' OR t.channel = $3)
			AND (t.created_at < $1 OR t.created_at >= $2)`, []any{db.ms(f.From), db.ms(f.To), channelArg(f)}, func(r *sql.Rows) error {
		var t balai.TicketFact
		var status string
		var created, due int64
		var reply, closed sql.NullInt64
		if err := r.Scan(&t.Category, &t.Officer, &status, &created, &due, &reply, &closed, &t.Rating); err != nil {
			return err
		}
		t.Channel, t.Status = f.Channel, balai.Status(status)
		t.CreatedAt, t.DueAt = time.UnixMilli(created), time.UnixMilli(due)
		t.FirstReplyAt, t.ClosedAt = fromMS(reply), fromMS(closed)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: analytics tickets: %w", err)
	}
	return out, nil
}

// AnalyticsQueue counts the desk's queue at now (channel "" for every channel).
func (db *DB) AnalyticsQueue(ctx context.Context, channel balai.Channel, now time.Time) (balai.QueueCounts, error) {
	var q balai.QueueCounts
	err := db.r.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'claimed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'answered' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status IN ('open', 'claimed') AND due_at <= $1 THEN 1 ELSE 0 END), 0)
		FROM tickets WHERE status <> 'closed' AND ($2 = '' OR channel = $2)`, db.ms(now), string(channel)).Scan(&q.Open, &q.Claimed, &q.Answered, &q.Overdue)
	if err != nil {
		return q, fmt.Errorf("store: analytics queue: %w", err)
	}
	return q, nil
}
