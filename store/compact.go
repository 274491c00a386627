package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// Retention and compaction: what the store keeps, and for how long, so that it does not grow
// without bound (besides PurgeBefore, which applies BALAI_RETENTION to citizens' data).
//
//   - inbound: a message handled (answered, escalated or parked and retried) is only needed
//     for exactly-once handling, and its platform id (ext_key) only to drop a platform's
//     redelivery. PruneDone strips a message handled before the done window
//     (BALAI_DONE_RETENTION, default 7 days) to its dedupe key — channel, ext_key and times;
//     text, name, chat id and claim are blanked — and deletes the key after DedupeWindow.
//     A redelivery of the same update id or message id within DedupeWindow is still refused
//     by inbound's unique key; none of the platforms redelivers that late (Telegram keeps an
//     update 24 hours, the WhatsApp Cloud API retries a webhook for up to 7 days, whatsmeow
//     acknowledges a message once it is stored). Messages not yet handled and messages
//     parked as dead letters are never touched.
//   - outbox: a reply delivered (sent) or given up (failed) is deleted after the done window
//     (the web chat replays delivered replies to a browser that reconnects within its
//     session, at most 72 hours). An officers' card or notice about a ticket is kept until
//     the ticket has been closed for the done window: the desk edits the card and finds the
//     ticket an officer replies to by it. Pending and held items are never touched.
//   - message_log: past the retention, PurgeBefore folds the rows into message_counts (per
//     day, channel, direction, kind, decision, reason, entry and language) and deletes them,
//     and the replies' texts (log_texts) no remaining row names.
//   - notices: a notice's once-only key is deleted past the retention (keys name an hour or
//     a day, which does not come back).
//   - tickets and ticket_events: kept past the retention, blanked (the statistics and the
//     officers' audit log); they grow with tickets only, some hundred bytes a ticket.
//   - conversations, dead_letters: deleted past the retention (PurgeBefore); web_sessions:
//     by serve's purge of ended sessions; leases: one row per name.
//
// SQLite: Open caps the WAL at rest (journal_size_limit) and creates new databases with
// incremental auto-vacuum; Compact, run after each purge, truncates the WAL and gives large
// amounts of free pages back to the file system. On PostgreSQL Compact vacuums the tables
// the purges change, so that the space of deleted rows is reused even where autovacuum is
// off or lags behind.

// DedupeWindow is how long the key (channel and platform id) of a handled message is kept
// to refuse a platform's redelivery, counted from its arrival — at most the retention,
// which deletes every message older than it.
const DedupeWindow = 30 * 24 * time.Hour

// pruneSteps runs the batched statements of steps until each changes fewer than a batch.
func (db *DB) pruneSteps(ctx context.Context, steps []pruneStep) error {
	for _, s := range steps {
		for {
			res, err := db.w.ExecContext(ctx, s.query, s.args...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			*s.n += n
			if n < purgeBatch {
				break
			}
		}
	}
	return nil
}

// repack writes the rows of table that cond selects anew, on SQLite, after they were
// blanked: SQLite merges a page with its neighbours when a delete leaves it under a third
// full, but not when an update shrinks its rows (nor when REPLACE overwrites a row in
// place), so that blanked rows would otherwise keep their pages as sparse as they left them.
// The rows are copied to a temporary table, deleted and inserted back, in tx; the foreign
// keys to them are checked at commit, when the rows are back. Nothing on PostgreSQL: VACUUM
// reuses the space within pages.
func (db *DB) repack(ctx context.Context, tx balai.Tx, table, cond string, args ...any) error {
	if db.dialect != SQLite {
		return nil
	}
	tmp := "temp.repack_" + table
	for _, q := range []string{
		`PRAGMA defer_foreign_keys = ON`,
		`CREATE TEMP TABLE IF NOT EXISTS repack_` + table + ` AS SELECT * FROM main.` + table + ` WHERE 0`,
		`DELETE FROM ` + tmp,
		`INSERT INTO ` + tmp + ` SELECT * FROM main.` + table + ` WHERE ` + cond,
		`DELETE FROM main.` + table + ` WHERE ` + cond,
		`INSERT INTO main.` + table + ` SELECT * FROM ` + tmp,
		`DELETE FROM ` + tmp,
	} {
		var a []any
		if strings.Contains(q, "WHERE "+cond) {
			a = args
		}
		if _, err := tx.ExecContext(ctx, q, a...); err != nil {
			return fmt.Errorf("repack %s: %w", table, err)
		}
	}
	return nil
}

type pruneStep struct {
	n     *int64
	query string
	args  []any
}

// PruneDone prunes the work done before doneBefore — handled messages are stripped to their
// dedupe key, delivered and given-up replies deleted, officers' cards of tickets closed
// before it deleted — and deletes the dedupe keys of messages that arrived before
// keysBefore (see the list above). It works in batches and may be interrupted between them.
func (db *DB) PruneDone(ctx context.Context, doneBefore, keysBefore time.Time) (Purged, error) {
	var p Purged
	done, keys := db.ms(doneBefore), db.ms(keysBefore)
	batch := fmt.Sprint(purgeBatch)
	var steps []pruneStep
	if db.dialect == SQLite {
		// The stripped rows are written anew (see repack).
		n, err := db.stripRepacked(ctx, done)
		p.Stripped += n
		if err != nil {
			return p, fmt.Errorf("store: prune done: %w", err)
		}
	} else {
		steps = append(steps, pruneStep{&p.Stripped, `UPDATE inbound SET payload = '', chat_id = '', owner = NULL, lease_until = 0, last_error = '' WHERE id IN
			(SELECT i.id FROM inbound i WHERE i.chat_id <> '' AND i.received_at < $1 AND i.handled_at < $1
			AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.inbound_id = i.id) LIMIT ` + batch + `)`, []any{done}})
	}
	err := db.pruneSteps(ctx, append(steps, []pruneStep{
		{&p.Keys, `DELETE FROM inbound WHERE id IN (SELECT id FROM inbound WHERE chat_id = '' AND received_at < $1 AND handled_at IS NOT NULL
			LIMIT ` + batch + `)`, []any{keys}},
		{&p.Outbox, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state IN ('sent', 'failed') AND created_at < $1
			AND COALESCE(sent_at, 0) < $1 AND ref NOT LIKE 'card:%' AND ref NOT LIKE 'notice:%' LIMIT ` + batch + `)`, []any{done}},
	}...))
	if err != nil {
		return p, fmt.Errorf("store: prune done: %w", err)
	}
	n, err := db.pruneCards(ctx, done)
	p.Outbox += n
	if err != nil {
		return p, fmt.Errorf("store: prune done cards: %w", err)
	}
	return p, nil
}

// stripRepacked strips the handled messages before done as PruneDone does, on SQLite,
// a batch per transaction, and writes the stripped rows anew (repack).
func (db *DB) stripRepacked(ctx context.Context, done int64) (int64, error) {
	var total int64
	for {
		var n int
		err := db.tx(ctx, func(tx *sql.Tx) error {
			ids, err := queryIDs(ctx, tx, `SELECT i.id FROM inbound i WHERE i.chat_id <> '' AND i.received_at < $1 AND i.handled_at < $1
				AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.inbound_id = i.id) LIMIT `+fmt.Sprint(purgeBatch), done)
			if err != nil || len(ids) == 0 {
				return err
			}
			n = len(ids)
			list := make([]string, len(ids))
			for i, id := range ids {
				list[i] = fmt.Sprint(id)
			}
			in := `id IN (` + strings.Join(list, ", ") + `)`
			if _, err := tx.ExecContext(ctx, `UPDATE inbound SET payload = '', chat_id = '', owner = NULL, lease_until = 0, last_error = '' WHERE `+in); err != nil {
				return err
			}
			return db.repack(ctx, tx, "inbound", in)
		})
		total += int64(n)
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// pruneCards deletes the delivered officers' cards and notices (before done) of tickets
// closed before done, or no longer kept.
func (db *DB) pruneCards(ctx context.Context, done int64) (int64, error) {
	var deleted int64
	after := int64(0)
	for {
		type item struct {
			id  int64
			ref string
		}
		var items []item
		err := eachRow(ctx, db.w, `SELECT id, ref FROM outbox WHERE id > $1 AND state IN ('sent', 'failed') AND created_at < $2
			AND (ref LIKE 'card:%' OR ref LIKE 'notice:%') ORDER BY id LIMIT `+fmt.Sprint(purgeBatch), []any{after, done},
			func(r *sql.Rows) error {
				var it item
				if err := r.Scan(&it.id, &it.ref); err != nil {
					return err
				}
				items = append(items, it)
				return nil
			})
		if err != nil {
			return deleted, err
		}
		closed := map[int64]bool{} // ticket id → closed before done (or gone)
		var drop []int64
		for _, it := range items {
			after = it.id
			tid, ok := balai.ParseRef(it.ref)
			if !ok {
				continue
			}
			gone, seen := closed[tid]
			if !seen {
				var closedAt sql.NullInt64
				err := db.w.QueryRowContext(ctx, `SELECT closed_at FROM tickets WHERE id = $1`, tid).Scan(&closedAt)
				switch {
				case err == sql.ErrNoRows:
					gone = true
				case err != nil:
					return deleted, err
				default:
					gone = closedAt.Valid && closedAt.Int64 < done
				}
				closed[tid] = gone
			}
			if gone {
				drop = append(drop, it.id)
			}
		}
		if len(drop) > 0 {
			n, err := db.deleteOutbox(ctx, drop)
			deleted += n
			if err != nil {
				return deleted, err
			}
		}
		if len(items) < purgeBatch {
			return deleted, nil
		}
	}
}

// deleteOutbox deletes outbox items ids in one transaction.
func (db *DB) deleteOutbox(ctx context.Context, ids []int64) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = $1`, id)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}

// Compacted tells what Compact did.
type Compacted struct {
	FreedPages   int64 // pages given back to the file system by an incremental vacuum
	WALTruncated bool  // the WAL was checkpointed whole and truncated to zero bytes
	Vacuumed     bool  // PostgreSQL: the tables the purges change were vacuumed
}

// vacuumTables are the tables PurgeBefore and PruneDone delete or blank rows of, and those
// the service updates in place (each update leaves a dead row version on PostgreSQL).
var vacuumTables = []string{"inbound", "outbox", "message_log", "log_texts", "conversations", "notices", "dead_letters",
	"citizen_links", "tickets", "ticket_events", "ticket_words", "ticket_forms", "unanswered_points", "message_counts",
	"analytics_days", "analytics_entries", "analytics_state", "unanswered_state", "leases", "rate_windows", "web_sessions"}

// vacuumShare: Compact gives free pages back when they are more than this share of the
// file. Fewer are left to be reused: the next hour's messages fill the space the hourly purge
// freed, and giving it back only to grow again would cost writes for nothing.
const vacuumShare = 4 // a quarter

// Compact compacts a SQLite database after a purge: when more than a quarter of the file is
// free pages (a first purge of a long history) and the database was created with incremental
// auto-vacuum, they are given back to the file system; then the WAL is checkpointed and
// truncated (when no reader holds it: otherwise the next run does it). On PostgreSQL it
// vacuums the tables purges and updates leave dead row versions in (VACUUM, not FULL), so
// that their space is reused whether or not autovacuum runs.
func (db *DB) Compact(ctx context.Context) (Compacted, error) {
	var c Compacted
	if db.dialect == Postgres {
		// Plain VACUUM (not FULL: no lock that stops the service) makes the space of the rows
		// the purge deleted or blanked reusable, also where autovacuum is off or behind.
		if _, err := db.w.ExecContext(ctx, `VACUUM `+strings.Join(vacuumTables, ", ")); err != nil {
			return c, fmt.Errorf("store: compact: vacuum: %w", err)
		}
		c.Vacuumed = true
		return c, nil
	}
	var mode, pages, free int64
	for _, q := range []struct {
		pragma string
		v      *int64
	}{{"auto_vacuum", &mode}, {"page_count", &pages}, {"freelist_count", &free}} {
		if err := db.w.QueryRowContext(ctx, `PRAGMA `+q.pragma).Scan(q.v); err != nil {
			return c, fmt.Errorf("store: compact: %s: %w", q.pragma, err)
		}
	}
	if mode == 2 && free > 0 && free*vacuumShare > pages {
		if _, err := db.w.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return c, fmt.Errorf("store: compact: incremental vacuum: %w", err)
		}
		var left int64
		if err := db.w.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&left); err != nil {
			return c, fmt.Errorf("store: compact: freelist_count: %w", err)
		}
		c.FreedPages = free - left
	}
	var busy, logPages, done int64
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
		return c, fmt.Errorf("store: compact: checkpoint: %w", err)
	}
	c.WALTruncated = busy == 0
	return c, nil
}
