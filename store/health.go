package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// probeKeep is how long a process's health probe row outlives its last write: rows of
// processes long gone are deleted by the next probe of any process.
const probeKeep = 24 * time.Hour

// ProbeWrite proves the database takes writes now (a full disk, a read-only replica or a lost
// connection fail it): it upserts this process's row in health_probe and deletes rows of
// processes gone for a day, in one transaction. Bound it with ctx.
func (db *DB) ProbeWrite(ctx context.Context) error {
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO health_probe (owner, probed_at) VALUES ($1, $2)
			ON CONFLICT (owner) DO UPDATE SET probed_at = excluded.probed_at`, db.owner, db.ms(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM health_probe WHERE probed_at < $1`, db.ms(now.Add(-probeKeep)))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: write probe: %w", err)
	}
	return nil
}

// Backlog is the work waiting in the database, for every process sharing it.
type Backlog struct {
	Inbound       int       `json:"inbound"`                 // accepted messages not handled yet
	OldestInbound time.Time `json:"oldest_inbound,omitzero"` // when the oldest of them was accepted
	Outbox        int       `json:"outbox"`                  // replies and notices not delivered yet (held ones excluded)
	OldestOutbox  time.Time `json:"oldest_outbox,omitzero"`  // when the oldest of them was queued
}

// Backlog counts the messages waiting to be handled and the deliveries waiting to be made,
// with the time of the oldest of each. Items waiting for their retry time count; replies
// held for WhatsApp's 24-hour window (they wait for the citizen) and parked or failed ones
// do not. Read-only; both counts use the pending indexes.
func (db *DB) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	var in, out sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), MIN(received_at) FROM inbound WHERE handled_at IS NULL`).Scan(&b.Inbound, &in); err != nil {
		return b, fmt.Errorf("store: backlog: %w", err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'`).Scan(&b.Outbox, &out); err != nil {
		return b, fmt.Errorf("store: backlog: %w", err)
	}
	b.OldestInbound, b.OldestOutbox = fromMS(in), fromMS(out)
	return b, nil
}
