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
//   - analytics_hours: per UTC hour, channel, decision and reason;
//   - analytics_entries: per UTC hour, channel and FAQ entry, the answers given with the
//     entry and the 👍/👎 on them;
//   - the tail: message_log rows past analytics_state's watermark, counted live (an index
//     range on the primary key).
//
// RollUpAnalytics folds the log into the rollups incrementally, in batches, up to a minute
// before now (so a turn still committing with a lower id is not skipped), and advances the
// watermark in the same transaction; serve runs it every few minutes and before each
// retention purge, which deletes old log rows. The dashboard therefore reads at most a few
// thousand rows per hour of the range, whatever the log holds.
//
// 👍/👎: the engine logs a feedback button as decision "feedback" (reason "helpful" or
// "not_helpful"; a 👎 that opened a ticket is decision "escalate", reason "feedback")
// without the entry; the fold attributes it to the entry last answered in the same chat.

// analyticsLag is how far behind now RollUpAnalytics stops.
const analyticsLag = time.Minute

// analyticsBatch is how many log rows one RollUpAnalytics transaction folds.
const analyticsBatch = 10000

// analyticsFeedback selects the log rows that are 👍/👎 on an answer.
const analyticsFeedback = `(m.decision = 'feedback' AND m.reason IN ('helpful', 'not_helpful')) OR (m.decision = 'escalate' AND m.reason = 'feedback')`

// analyticsEntryRows selects the log's answers and 👍/👎 whose rows m meet cond, as (hour,
// channel, entry_id, answers, up, down) with one of the three counts 1.
func analyticsEntryRows(cond string) string {
	return `SELECT hour, channel, entry_id, a, u, d FROM (
	SELECT m.created_at - m.created_at % 3600000 AS hour, m.channel,
		CASE WHEN m.decision = 'answer' THEN m.entry_id ELSE COALESCE((SELECT p.entry_id FROM message_log p
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
// into the dashboard's rollups; it returns how many log rows it folded. Two processes
// running it at once fold each row once (the watermark is advanced with a compare-and-set).
func (db *DB) RollUpAnalytics(ctx context.Context) (int64, error) {
	cut := db.ms(db.now().Add(-analyticsLag))
	var total int64
	for {
		n, more, err := db.rollUpBatch(ctx, cut)
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
func (db *DB) rollUpBatch(ctx context.Context, cut int64) (folded int64, more bool, err error) {
	var last int64
	if err := db.w.QueryRowContext(ctx, `SELECT last_id FROM analytics_state WHERE name = 'message_log'`).Scan(&last); err != nil {
		return 0, false, err
	}
	// The batch ends before the first row logged after cut.
	upto := last
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
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE analytics_state SET last_id = $1 WHERE name = 'message_log' AND last_id = $2`, upto, last)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errStopRows // another process folded this batch meanwhile
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_hours (hour, channel, decision, reason, messages)
			SELECT created_at - created_at % 3600000, channel, decision, reason, COUNT(*) FROM message_log
			WHERE id > $1 AND id <= $2 AND direction = 'in'
			GROUP BY created_at - created_at % 3600000, channel, decision, reason
			ON CONFLICT (hour, channel, decision, reason) DO UPDATE SET messages = analytics_hours.messages + excluded.messages`, last, upto); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO analytics_entries (hour, channel, entry_id, answers, up, down)
			SELECT hour, channel, entry_id, SUM(a), SUM(u), SUM(d) FROM (`+analyticsEntryRows(`m.id > $1 AND m.id <= $2`)+`) e
			GROUP BY hour, channel, entry_id
			ON CONFLICT (hour, channel, entry_id) DO UPDATE SET answers = analytics_entries.answers + excluded.answers,
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

// AnalyticsHours counts citizens' messages per hour, channel, decision and reason in f's
// range: the rollup up to the watermark and the log past it.
func (db *DB) AnalyticsHours(ctx context.Context, f balai.AnalyticsFilter) ([]balai.HourCount, error) {
	var out []balai.HourCount
	err := db.analyticsRead(ctx, func(tx *sql.Tx, tail string) error {
		return txRows(ctx, tx, `SELECT hour, channel, decision, reason, CAST(SUM(messages) AS BIGINT) FROM (
		SELECT hour, channel, decision, reason, messages FROM analytics_hours
			WHERE hour >= $1 AND hour < $2 AND ($3 = '' OR channel = $3)
		UNION ALL
		SELECT m.created_at - m.created_at % 3600000, m.channel, m.decision, m.reason, 1 FROM message_log m
			WHERE `+tail+` AND m.direction = 'in' AND m.created_at >= $1 AND m.created_at < $2 AND ($3 = '' OR m.channel = $3)
	) x GROUP BY hour, channel, decision, reason ORDER BY hour, channel, decision, reason`,
			[]any{db.ms(f.From), db.ms(f.To), channelArg(f)}, func(r *sql.Rows) error {
				var c balai.HourCount
				var hour int64
				var ch string
				if err := r.Scan(&hour, &ch, &c.Decision, &c.Reason, &c.Messages); err != nil {
					return err
				}
				c.Hour, c.Channel = time.UnixMilli(hour), balai.Channel(ch)
				out = append(out, c)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("store: analytics hours: %w", err)
	}
	return out, nil
}

// AnalyticsEntries counts, per FAQ entry, the answers given with it in f's range and the
// 👍/👎 on them (attributed to the entry answered before them in the chat).
func (db *DB) AnalyticsEntries(ctx context.Context, f balai.AnalyticsFilter) ([]balai.EntryCount, error) {
	var out []balai.EntryCount
	err := db.analyticsRead(ctx, func(tx *sql.Tx, tail string) error {
		return txRows(ctx, tx, `SELECT entry_id, CAST(SUM(answers) AS BIGINT), CAST(SUM(up) AS BIGINT), CAST(SUM(down) AS BIGINT) FROM (
		SELECT entry_id, answers, up, down FROM analytics_entries
			WHERE hour >= $1 AND hour < $2 AND ($3 = '' OR channel = $3)
		UNION ALL
		SELECT entry_id, a, u, d FROM (`+analyticsEntryRows(tail+` AND m.created_at >= $1 AND m.created_at < $2 AND ($3 = '' OR m.channel = $3)`)+`) t
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
// officer reply.
func (db *DB) AnalyticsTickets(ctx context.Context, f balai.AnalyticsFilter) ([]balai.TicketFact, error) {
	const cols = `t.id, t.channel, t.category, COALESCE(NULLIF(t.assignee_name, ''), t.assignee), t.status, t.created_at, t.due_at,
		(SELECT MIN(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.action = 'replied'), t.closed_at, t.rating`
	var out []balai.TicketFact
	err := eachRow(ctx, db.r, `SELECT `+cols+` FROM tickets t WHERE t.created_at >= $1 AND t.created_at < $2 AND ($3 = '' OR t.channel = $3)
		UNION ALL
		SELECT `+cols+` FROM tickets t WHERE t.status = 'closed' AND t.closed_at >= $1 AND t.closed_at < $2 AND ($3 = '' OR t.channel = $3)
			AND (t.created_at < $1 OR t.created_at >= $2)`, []any{db.ms(f.From), db.ms(f.To), channelArg(f)}, func(r *sql.Rows) error {
		var t balai.TicketFact
		var ch, status string
		var created, due int64
		var reply, closed sql.NullInt64
		if err := r.Scan(&t.ID, &ch, &t.Category, &t.Officer, &status, &created, &due, &reply, &closed, &t.Rating); err != nil {
			return err
		}
		t.Channel, t.Status = balai.Channel(ch), balai.Status(status)
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
