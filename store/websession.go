package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CreateWebSession records a new live web chat session; see webchat.Sessions.
func (db *DB) CreateWebSession(ctx context.Context, chat string, now time.Time) error {
	if _, err := db.w.ExecContext(ctx, `INSERT INTO web_sessions (chat_id, created_at, seen_at) VALUES ($1, $2, $2)`,
		chat, db.ms(now)); err != nil {
		return fmt.Errorf("store: create web session: %w", err)
	}
	return nil
}

// TouchWebSession reports whether a web chat session is live at now (not ended, active
// within idle) and records the activity; see webchat.Sessions. One statement decides, so a
// session ended or expired on another replica is never revived.
func (db *DB) TouchWebSession(ctx context.Context, chat string, now time.Time, idle time.Duration) (bool, error) {
	var got string
	err := db.w.QueryRowContext(ctx, `UPDATE web_sessions SET seen_at = CASE WHEN seen_at > $2 THEN seen_at ELSE $2 END
		WHERE chat_id = $1 AND ended_at IS NULL AND seen_at >= $3 RETURNING chat_id`,
		chat, db.ms(now), db.ms(now.Add(-idle))).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: touch web session: %w", err)
	}
	return true, nil
}

// EndWebSession ends a web chat session for good; see webchat.Sessions.
func (db *DB) EndWebSession(ctx context.Context, chat string, now time.Time) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE web_sessions SET ended_at = $2 WHERE chat_id = $1 AND ended_at IS NULL`,
		chat, db.ms(now)); err != nil {
		return fmt.Errorf("store: end web session: %w", err)
	}
	return nil
}

// PurgeWebSessions deletes sessions ended or idle before cutoff, which can never be used
// again, and returns how many.
func (db *DB) PurgeWebSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE seen_at < $1 OR ended_at < $1`, db.ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: purge web sessions: %w", err)
	}
	return res.RowsAffected()
}
