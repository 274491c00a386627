package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AcquireLease takes or renews the lease called name for this process until now+ttl. It
// returns false while another process holds an unexpired lease. One statement decides, so two
// processes never both hold it.
func (db *DB) AcquireLease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	now := db.now()
	var owner string
	err := db.w.QueryRowContext(ctx, `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		WHERE leases.owner = excluded.owner OR leases.expires_at < $4
		RETURNING owner`, name, db.owner, db.ms(now.Add(ttl)), db.ms(now)).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return owner == db.owner, nil
}

// ReleaseLease gives the lease up if this process holds it.
func (db *DB) ReleaseLease(ctx context.Context, name string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, db.owner); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}
