package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// MigrateTo applies the embedded migrations up to version upTo to a database opened without
// the store, as an earlier Balai left it (upgrade tests).
func MigrateTo(ctx context.Context, conn *sql.DB, d Dialect, upTo int) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS balai_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		num, name, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".sql"), "_")
		version, err := strconv.Atoi(num)
		if err != nil {
			return err
		}
		if version > upTo {
			break
		}
		body, _ := migrations.ReadFile(f)
		for _, stmt := range d.statements(string(body)) {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO balai_migrations (version, name, applied_at) VALUES ($1, $2, 0)`, version, name); err != nil {
			return err
		}
	}
	return nil
}

// UnsentLock is the advisory lock Unsent's claims take on PostgreSQL.
const UnsentLock = unsentLock
