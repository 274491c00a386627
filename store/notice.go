package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/balai-id/balai"
)

// PostOnce queues out unless a notice with key was queued before; see desk.NoticeStore.
// The key and the items are written in one transaction, and one statement decides, so of
// several processes sharing the database (or a process and its restart) exactly one queues
// them.
func (db *DB) PostOnce(ctx context.Context, key string, out []balai.Outgoing) ([]balai.StoredOutgoing, bool, error) {
	now := db.now()
	var items []balai.StoredOutgoing
	first := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var got string
		err := tx.QueryRowContext(ctx, `INSERT INTO notices (name, created_at) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING RETURNING name`, key, db.ms(now)).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // posted before
		}
		if err != nil {
			return err
		}
		first = true
		items, err = db.enqueue(ctx, tx, out, 0, now)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: post once %s: %w", key, err)
	}
	return items, first, nil
}
