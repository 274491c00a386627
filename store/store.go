// Package store keeps Balai's durable state in SQL: SQLite (modernc.org/sqlite, pure Go,
// WAL) by default, or PostgreSQL (pgx) for several replicas. Queries are written once with
// $1 placeholders, which both accept; the few dialect differences are in dialect.
// Numbered, embedded migrations run at Open.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/internal/lockfile"
	"github.com/balai-id/balai/internal/private"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect names the database behind a DB.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// walLimit is SQLite's journal_size_limit: the size the WAL is cut back to after a
// checkpoint (it may grow beyond it between checkpoints, under a burst of writes).
const walLimit = 64 << 20

// DB is the store. Writes go through a single connection on SQLite (one writer at a time,
// without lock contention); reads use a small pool. On PostgreSQL both are the same pool.
type DB struct {
	dialect Dialect
	url     string // to open the listener's own connection (notify.go)
	log     *slog.Logger
	w, r    *sql.DB
	owner   string        // this process's name in claims
	lease   time.Duration // how long a claim lasts
	now     func() time.Time

	stmts map[string]*sql.Stmt // hot statements prepared at Open: writes on w, reads on r
	lock  io.Closer            // the SQLite lock file of an Exclusive store

	ratePruned atomic.Int64 // when this process last pruned rate_windows (Unix ms)
}

// DefaultLease is how long claims last by default (BALAI_LEASE): short, so that a dead
// process's work moves within about one and a half leases.
const DefaultLease = 10 * time.Second

// Options configure Open.
type Options struct {
	// Owner names this process in claims on messages and deliveries. It must be unique to
	// one running process: two processes with the same name would both take the same work.
	// Default: InstanceName("").
	Owner string
	// Exclusive makes this process the only one serving a SQLite database (PostgreSQL
	// ignores it: replicas share one): Open
	// takes a lock file beside it (failing while another process holds it) and takes over at
	// once every claim earlier processes left, since none of them can still be running.
	Exclusive bool
	// Lease is how long a claim lasts before another process may take the work (default
	// DefaultLease); a running engine renews its claims every third of it.
	Lease time.Duration
	// Now is the clock (tests).
	Now func() time.Time
	// Logger reports the database files Open made private (default: none).
	Logger *slog.Logger
}

// privateFiles makes a SQLite database (created if missing) and its -wal and -shm files
// readable by this user only, and logs the files it tightened.
func privateFiles(path string, log *slog.Logger) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		f := private.Existing
		if p == path {
			f = private.File
		}
		was, err := f(p)
		if err != nil {
			return err
		}
		if was != 0 && log != nil {
			log.Warn("Made a database file private: it held citizens' data readable by others", "path", p, "was", was.String(), "now", private.FileMode.String())
		}
	}
	return nil
}

// Open opens the database named by url: "postgres://…" or "postgresql://…" for PostgreSQL,
// otherwise a SQLite file path (created if missing). It runs the migrations.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if opts.Owner == "" {
		opts.Owner = InstanceName("")
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	db := &DB{owner: opts.Owner, lease: opts.Lease, now: opts.Now, stmts: map[string]*sql.Stmt{}, log: opts.Logger}
	if db.log == nil {
		db.log = slog.Default()
	}
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://"):
		db.dialect = Postgres
		db.url = url
		db.w, err = sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.w.SetMaxOpenConns(16)
		db.w.SetMaxIdleConns(16)
		db.r = db.w
	default:
		db.dialect = SQLite
		path := strings.TrimPrefix(url, "sqlite://")
		// Citizens' data: a new folder is 0700, the database and its -wal and -shm 0600.
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, private.DirMode); err != nil {
				return nil, fmt.Errorf("store: open sqlite: %w", err)
			}
		}
		if err := privateFiles(path, opts.Logger); err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		if opts.Exclusive {
			if db.lock, err = lockfile.Lock(path + ".lock"); err != nil {
				if errors.Is(err, lockfile.ErrHeld) {
					return nil, fmt.Errorf("store: open sqlite: %w: the database is in use; stop the other process, or use PostgreSQL for several replicas", err)
				}
				return nil, fmt.Errorf("store: open sqlite: %w", err)
			}
		}
		// auto_vacuum takes effect on a new database only (an existing one keeps its mode:
		// changing it needs a VACUUM, which rewrites the whole file — see Compact);
		// journal_size_limit truncates the WAL back to 64 MiB after a checkpoint, so a burst
		// does not leave it at its largest size for good.
		dsn := "file:" + path + "?_pragma=auto_vacuum(INCREMENTAL)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_size_limit(" + fmt.Sprint(walLimit) + ")&_txlock=immediate"
		if db.w, err = sql.Open("sqlite", dsn); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		db.w.SetMaxOpenConns(1)
		db.w.SetConnMaxIdleTime(0)
		if db.r, err = sql.Open("sqlite", dsn); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		db.r.SetMaxOpenConns(4)
		db.r.SetMaxIdleConns(4) // keep the connections, and the reads prepared on them
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.w.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", db.dialect, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if n, err := db.indexPending(ctx); err != nil {
		db.Close()
		return nil, err
	} else if n > 0 {
		db.log.Info("Indexed earlier tickets for search", "tickets", n)
	}
	if db.dialect == SQLite {
		// SQLite creates -wal and -shm with the database's mode; earlier versions' may be looser.
		if err := privateFiles(strings.TrimPrefix(url, "sqlite://"), opts.Logger); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
	}
	if opts.Exclusive && db.dialect == SQLite {
		if err := db.takeOver(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	writes := hotStatements
	if db.dialect == Postgres {
		writes = append(writes[:len(writes):len(writes)], qMarkSentNotify)
	}
	for _, p := range []struct {
		on      *sql.DB
		queries []string
	}{{db.w, writes}, {db.r, hotReads}} {
		for _, q := range p.queries {
			st, err := p.on.PrepareContext(ctx, q)
			if err != nil {
				db.Close()
				return nil, fmt.Errorf("store: prepare: %w", err)
			}
			db.stmts[q] = st
		}
	}
	return db, nil
}

// InstanceName names one running process in claims: base (BALAI_INSTANCE, default the host
// name) with the process id and a random suffix, so that two processes never share a name,
// even on one host or with one configured name.
func InstanceName(base string) string {
	if base == "" {
		base, _ = os.Hostname()
	}
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", base, os.Getpid(), b)
}

// takeOver releases every claim on unhandled messages and undelivered replies: an Exclusive
// store is the only process, so whoever claimed them before has stopped.
func (db *DB) takeOver(ctx context.Context) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE inbound SET owner = NULL, lease_until = 0 WHERE handled_at IS NULL AND owner IS NOT NULL`); err != nil {
			return fmt.Errorf("store: take over messages: %w", err)
		}
		// A failed item's lease runs to its retry time; its not_before keeps the back-off.
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET owner = NULL, lease_until = 0 WHERE state = 'pending' AND owner IS NOT NULL`); err != nil {
			return fmt.Errorf("store: take over deliveries: %w", err)
		}
		return nil
	})
}

// Owner is this process's name in claims.
func (db *DB) Owner() string { return db.owner }

// Dialect tells which database is behind db.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying writer connection pool (for components with their own
// tables, such as the WhatsApp device store).
func (db *DB) SQL() *sql.DB { return db.w }

// Close closes the connections.
func (db *DB) Close() error {
	var errs []error
	for _, st := range db.stmts {
		st.Close()
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	if db.r != nil && db.r != db.w {
		errs = append(errs, db.r.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.Close())
	}
	return errors.Join(errs...)
}

// migrate applies the embedded migrations not yet applied, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	if db.dialect == Postgres {
		// Several replicas may start at once: one migrates, the others wait. The lock belongs
		// to a session, so it is taken and released on one connection held for the purpose
		// (through the pool, the unlock could run on another connection and leave it held).
		conn, err := db.w.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(774411)`); err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(774411)`)
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS balai_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		base := filepath.Base(f)
		num, name, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		if !ok {
			return fmt.Errorf("store: migration %s: want NNN_name.sql", base)
		}
		version, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", base, err)
		}
		var n int
		if err := db.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM balai_migrations WHERE version = $1`, version).Scan(&n); err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, _ := migrations.ReadFile(f)
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", base, err)
		}
		for _, stmt := range db.dialect.statements(string(body)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				tx.Rollback()
				return fmt.Errorf("store: migrate %s: %w\n%s", base, err, stmt)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO balai_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, version, name, db.now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migrate %s: %w", base, err)
		}
	}
	return nil
}

// apply fills the dialect's placeholders in a migration: {{ID}} is an auto-increment key;
// {{BINARY}} after a TEXT column compares it byte by byte (SQLite's default; PostgreSQL's
// "C" collation), so that a range over it is a prefix whatever the database's locale.
func (d Dialect) apply(s string) string {
	id, binary := "INTEGER PRIMARY KEY AUTOINCREMENT", " COLLATE BINARY"
	if d == Postgres {
		id, binary = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", ` COLLATE "C"`
	}
	return strings.NewReplacer("{{ID}}", id, "{{BINARY}}", binary).Replace(s)
}

// statements are a migration's statements for the dialect: with its placeholders filled
// (apply), and those tagged {{SQLITE}} or {{POSTGRES}} at their start kept on that dialect
// only (the tag removed).
func (d Dialect) statements(body string) []string {
	var out []string
	for _, stmt := range splitStatements(d.apply(body)) {
		for tag, on := range map[string]Dialect{"{{SQLITE}}": SQLite, "{{POSTGRES}}": Postgres} {
			if rest, ok := strings.CutPrefix(stmt, tag); ok {
				stmt = ""
				if d == on {
					stmt = strings.TrimSpace(rest)
				}
			}
		}
		if stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

// splitStatements splits a migration at semicolons that end a line, dropping comments.
func splitStatements(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") || t == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

func (db *DB) ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(ms sql.NullInt64) time.Time {
	if !ms.Valid || ms.Int64 == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64)
}

// Ping checks the database is reachable.
func (db *DB) Ping(ctx context.Context) error { return db.w.PingContext(ctx) }

// stmt returns a hot statement prepared at Open (parsing SQL is a noticeable share of
// SQLite's time per message). Preparing later could deadlock: on SQLite the writer has one
// connection, which a running transaction holds.
func (db *DB) stmt(_ context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts[query]; ok {
		return st, nil
	}
	return nil, fmt.Errorf("store: statement not prepared at open: %.40s", query)
}

// txExec runs a prepared statement in tx.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// txQueryRow runs a prepared query returning one row in tx.
func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	st, err := db.stmt(ctx, query)
	if err != nil {
		return tx.QueryRowContext(ctx, query, args...) // not prepared at Open: parsed now
	}
	return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

// queryRow runs a read prepared at Open (hotReads) returning one row.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := db.stmt(ctx, query)
	if err != nil {
		return db.r.QueryRowContext(ctx, query, args...) // not prepared at Open: parsed now
	}
	return st.QueryRowContext(ctx, args...)
}
