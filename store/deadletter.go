package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/balai-id/balai"
)

// ErrNoDeadLetter is returned for an id that names no parked message.
var ErrNoDeadLetter = errors.New("store: no such dead letter")

// ErrDeadLetterGone is returned when a parked message can no longer be retried: its text is
// no longer kept (erased on request, or past the retention).
var ErrDeadLetterGone = errors.New("store: the parked message is no longer kept")

// Fail records a failed attempt at handling a message and parks it when it failed for good;
// see bot.Store.
func (db *DB) Fail(ctx context.Context, f balai.Failure) (bool, error) {
	now := db.now()
	in := f.Inbound
	parked := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE inbound SET attempts = attempts + 1, last_error = $1, not_before = $2, lease_until = $3
			WHERE id = $4 AND handled_at IS NULL RETURNING attempts`,
			f.Error, db.ms(f.RetryAt), db.ms(f.RetryAt.Add(db.lease)), in.ID).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // handled (or parked) meanwhile: nothing to retry
		}
		if err != nil {
			return err
		}
		if !f.Permanent && attempts < f.MaxTries {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inbound SET handled_at = $1, not_before = 0 WHERE id = $2`, db.ms(now), in.ID); err != nil {
			return err
		}
		permanent := 0
		if f.Permanent {
			permanent = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dead_letters (inbound_id, channel, chat_id, kind, error, permanent, attempts, parked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (inbound_id) DO NOTHING`,
			in.ID, string(in.Chat.Channel), in.Chat.ID, string(in.Kind), f.Error, permanent, attempts, db.ms(now)); err != nil {
			return err
		}
		parked = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: fail %d: %w", in.ID, err)
	}
	return parked, nil
}

// DeadLetters lists parked messages, oldest first, at most limit.
func (db *DB) DeadLetters(ctx context.Context, limit int) ([]balai.DeadLetter, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT d.inbound_id, d.channel, d.chat_id, d.kind, d.error, d.permanent, d.attempts, d.parked_at,
			COALESCE(i.payload, ''), COALESCE(i.received_at, 0)
		FROM dead_letters d LEFT JOIN inbound i ON i.id = d.inbound_id
		ORDER BY d.parked_at, d.inbound_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: dead letters: %w", err)
	}
	defer rows.Close()
	var out []balai.DeadLetter
	for rows.Next() {
		var d balai.DeadLetter
		var channel, kind, payload string
		var permanent int
		var parked, received sql.NullInt64
		if err := rows.Scan(&d.ID, &channel, &d.Chat.ID, &kind, &d.Error, &permanent, &d.Attempts, &parked, &payload, &received); err != nil {
			return nil, fmt.Errorf("store: dead letters: %w", err)
		}
		d.Chat.Channel, d.Kind, d.Permanent = balai.Channel(channel), balai.MessageKind(kind), permanent != 0
		d.ParkedAt, d.ReceivedAt = fromMS(parked), fromMS(received)
		var in balai.Inbound
		if payload != "" && json.Unmarshal([]byte(payload), &in) == nil {
			d.Text = in.Transcript()
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dead letters: %w", err)
	}
	return out, nil
}

// CountDeadLetters is how many messages are parked.
func (db *DB) CountDeadLetters(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM dead_letters`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count dead letters: %w", err)
	}
	return n, nil
}

// RetryDeadLetter puts a parked message back in the queue with its tries reset: a running
// engine takes it at its next resync. ErrNoDeadLetter when id is not parked.
func (db *DB) RetryDeadLetter(ctx context.Context, id int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := deleteDeadLetter(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE inbound SET handled_at = NULL, attempts = 0, last_error = '', not_before = 0, owner = NULL, lease_until = 0
			WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// The message itself is gone (erased, or past the retention): nothing to retry.
			// The dead letter goes, as the message would have taken it.
			return ErrDeadLetterGone
		}
		return nil
	})
	if errors.Is(err, ErrDeadLetterGone) {
		db.DropDeadLetter(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("store: retry dead letter %d: %w", id, err)
	}
	return nil
}

// DropDeadLetter gives a parked message up for good: it is never handled, and no longer
// listed or counted. ErrNoDeadLetter when id is not parked.
func (db *DB) DropDeadLetter(ctx context.Context, id int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error { return deleteDeadLetter(ctx, tx, id) })
	if err != nil {
		return fmt.Errorf("store: drop dead letter %d: %w", id, err)
	}
	return nil
}

func deleteDeadLetter(ctx context.Context, tx *sql.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM dead_letters WHERE inbound_id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoDeadLetter
	}
	return nil
}

// classify marks errors retrying cannot help as permanent (balai.PermanentError): PostgreSQL
// refusing the data itself (class 22, data exception: a NUL byte in text is 22021).
func classify(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && strings.HasPrefix(pg.Code, "22") {
		return &balai.PermanentError{Err: err}
	}
	return err
}
