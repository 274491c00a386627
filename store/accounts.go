package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/balai-id/balai"
)

// Console accounts, sessions, failed sign-ins and the console's audit log (migration 018);
// see console.Store.

const accountColumns = `id, username, name, email, oidc_subject, role, telegram_id, password_hash, disabled, created_at, updated_at`

func scanAccount(row rowScanner) (balai.Account, string, error) {
	var a balai.Account
	var role, hash string
	var disabled int
	var created, updated int64
	if err := row.Scan(&a.ID, &a.Username, &a.Name, &a.Email, &a.OIDCSubject, &role, &a.TelegramID, &hash, &disabled, &created, &updated); err != nil {
		return a, "", err
	}
	a.Role, a.Disabled, a.HasPassword = balai.Role(role), disabled != 0, hash != ""
	a.CreatedAt, a.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return a, hash, nil
}

// isUnique reports whether err is a unique constraint violation.
func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CountAccounts returns how many console accounts there are (disabled ones included).
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count accounts: %w", err)
	}
	return n, nil
}

// CreateAccount adds an account with a password hash ("" for none) and returns it with its
// id and timestamps. A username, e-mail, OIDC subject or Telegram id already used by another
// account is balai.ErrAccountExists.
func (db *DB) CreateAccount(ctx context.Context, a balai.Account, passwordHash string) (balai.Account, error) {
	now := db.now()
	a.Username, a.Email = balai.NormalizeUsername(a.Username), strings.ToLower(strings.TrimSpace(a.Email))
	err := db.w.QueryRowContext(ctx, `INSERT INTO accounts (username, name, email, oidc_subject, role, telegram_id, password_hash, disabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		a.Username, a.Name, a.Email, a.OIDCSubject, string(a.Role), a.TelegramID, passwordHash, btoi(a.Disabled), db.ms(now)).Scan(&a.ID)
	if isUnique(err) {
		return a, fmt.Errorf("store: create account %s: %w", a.Username, balai.ErrAccountExists)
	}
	if err != nil {
		return a, fmt.Errorf("store: create account: %w", err)
	}
	a.HasPassword = passwordHash != ""
	a.CreatedAt, a.UpdatedAt = time.UnixMilli(db.ms(now)), time.UnixMilli(db.ms(now))
	return a, nil
}

// Account returns the account with id, or balai.ErrAccountNotFound.
func (db *DB) Account(ctx context.Context, id int64) (balai.Account, error) {
	a, _, err := db.accountWhere(ctx, `id = $1`, id)
	return a, err
}

// AccountByUsername returns the account named username and its password hash ("" when it
// has none), or balai.ErrAccountNotFound.
func (db *DB) AccountByUsername(ctx context.Context, username string) (balai.Account, string, error) {
	return db.accountWhere(ctx, `username = $1`, balai.NormalizeUsername(username))
}

// AccountByEmail returns the account with e-mail address email, or balai.ErrAccountNotFound.
func (db *DB) AccountByEmail(ctx context.Context, email string) (balai.Account, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return balai.Account{}, fmt.Errorf("store: account by e-mail: %w", balai.ErrAccountNotFound)
	}
	a, _, err := db.accountWhere(ctx, `email = $1`, email)
	return a, err
}

// AccountByOIDCSubject returns the account linked to an identity provider's subject, or
// balai.ErrAccountNotFound.
func (db *DB) AccountByOIDCSubject(ctx context.Context, subject string) (balai.Account, error) {
	if subject == "" {
		return balai.Account{}, fmt.Errorf("store: account by subject: %w", balai.ErrAccountNotFound)
	}
	a, _, err := db.accountWhere(ctx, `oidc_subject = $1`, subject)
	return a, err
}

// AccountByTelegram returns the account linked to Telegram user id, or
// balai.ErrAccountNotFound.
func (db *DB) AccountByTelegram(ctx context.Context, id int64) (balai.Account, error) {
	if id == 0 {
		return balai.Account{}, fmt.Errorf("store: account by telegram id: %w", balai.ErrAccountNotFound)
	}
	a, _, err := db.accountWhere(ctx, `telegram_id = $1`, id)
	return a, err
}

// OfficerByTelegram returns the officer whose console account is linked to Telegram user
// id (see desk.Accounts): one person, one identity in the audit log whichever door they use.
// A disabled account's officer has no role, so the desk refuses their actions.
func (db *DB) OfficerByTelegram(ctx context.Context, telegramUserID string) (balai.Officer, bool, error) {
	id, err := strconv.ParseInt(telegramUserID, 10, 64)
	if err != nil || id == 0 {
		return balai.Officer{}, false, nil
	}
	a, err := db.AccountByTelegram(ctx, id)
	if errors.Is(err, balai.ErrAccountNotFound) {
		return balai.Officer{}, false, nil
	}
	if err != nil {
		return balai.Officer{}, false, err
	}
	o := a.Officer()
	if a.Disabled {
		o.Role = ""
	}
	return o, true, nil
}

func (db *DB) accountWhere(ctx context.Context, where string, arg any) (balai.Account, string, error) {
	a, hash, err := scanAccount(db.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, "", fmt.Errorf("store: account: %w", balai.ErrAccountNotFound)
	}
	if err != nil {
		return a, "", fmt.Errorf("store: account: %w", err)
	}
	return a, hash, nil
}

// Accounts lists every account by username.
func (db *DB) Accounts(ctx context.Context) ([]balai.Account, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	var out []balai.Account
	for rows.Next() {
		a, _, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("store: accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	return out, nil
}

// UpdateAccount stores an account's name, e-mail, OIDC subject, role, Telegram id and
// disabled flag. Disabling it ends all its sessions in the same transaction.
func (db *DB) UpdateAccount(ctx context.Context, a balai.Account) error {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET name = $2, email = $3, oidc_subject = $4, role = $5, telegram_id = $6, disabled = $7, updated_at = $8 WHERE id = $1`,
			a.ID, a.Name, a.Email, a.OIDCSubject, string(a.Role), a.TelegramID, btoi(a.Disabled), db.ms(db.now()))
		if isUnique(err) {
			return fmt.Errorf("store: update account %d: %w", a.ID, balai.ErrAccountExists)
		}
		if err != nil {
			return fmt.Errorf("store: update account %d: %w", a.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: update account %d: %w", a.ID, balai.ErrAccountNotFound)
		}
		if a.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE account_id = $1`, a.ID); err != nil {
				return fmt.Errorf("store: update account %d: end sessions: %w", a.ID, err)
			}
		}
		return nil
	})
}

// SetPassword stores an account's new password hash and ends all its sessions but keep
// (the token hash of the session that changed it; "" ends all), in one transaction.
func (db *DB) SetPassword(ctx context.Context, id int64, hash, keep string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1`, id, hash, db.ms(db.now()))
		if err != nil {
			return fmt.Errorf("store: set password %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: set password %d: %w", id, balai.ErrAccountNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE account_id = $1 AND token_hash <> $2`, id, keep); err != nil {
			return fmt.Errorf("store: set password %d: end sessions: %w", id, err)
		}
		return nil
	})
}

// CreateSession stores a new console session.
func (db *DB) CreateSession(ctx context.Context, s balai.Session) error {
	if _, err := db.w.ExecContext(ctx, `INSERT INTO console_sessions (token_hash, account_id, csrf, created_at, seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.TokenHash, s.AccountID, s.CSRF, db.ms(s.CreatedAt), db.ms(s.SeenAt), db.ms(s.ExpiresAt)); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// TouchSession returns the live session with token hash and its account, recording the
// activity at now. A session is live before its absolute end, when it was active within idle
// and its account is enabled; otherwise the result is balai.ErrSessionNotFound. One
// statement decides, so a session ended or expired on another replica is never revived.
func (db *DB) TouchSession(ctx context.Context, tokenHash string, now time.Time, idle time.Duration) (balai.Session, balai.Account, error) {
	s := balai.Session{TokenHash: tokenHash}
	var created, seen, expires int64
	err := db.w.QueryRowContext(ctx, `UPDATE console_sessions SET seen_at = CASE WHEN seen_at > $2 THEN seen_at ELSE $2 END
		WHERE token_hash = $1 AND seen_at >= $3 AND expires_at > $2
		AND account_id IN (SELECT id FROM accounts WHERE disabled = 0)
		RETURNING account_id, csrf, created_at, seen_at, expires_at`,
		tokenHash, db.ms(now), db.ms(now.Add(-idle))).Scan(&s.AccountID, &s.CSRF, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, balai.Account{}, fmt.Errorf("store: session: %w", balai.ErrSessionNotFound)
	}
	if err != nil {
		return s, balai.Account{}, fmt.Errorf("store: session: %w", err)
	}
	s.CreatedAt, s.SeenAt, s.ExpiresAt = time.UnixMilli(created), time.UnixMilli(seen), time.UnixMilli(expires)
	a, err := db.Account(ctx, s.AccountID)
	if err != nil {
		return s, a, err
	}
	return s, a, nil
}

// DeleteSession ends one session (signing out).
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM console_sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteSessions ends every session of an account and returns how many ended.
func (db *DB) DeleteSessions(ctx context.Context, accountID int64) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM console_sessions WHERE account_id = $1`, accountID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of %d: %w", accountID, err)
	}
	return res.RowsAffected()
}

// CountSessions returns how many sessions an account has (live or not yet purged).
func (db *DB) CountSessions(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM console_sessions WHERE account_id = $1`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count sessions: %w", err)
	}
	return n, nil
}

// PurgeSessions deletes sessions idle since before idleCutoff or past their end at now,
// and failed sign-ins before failCutoff; it returns how many sessions went.
func (db *DB) PurgeSessions(ctx context.Context, now, idleCutoff, failCutoff time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM console_sessions WHERE seen_at < $1 OR expires_at <= $2`, db.ms(idleCutoff), db.ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM login_failures WHERE at < $1`, db.ms(failCutoff)); err != nil {
		return 0, fmt.Errorf("store: purge login failures: %w", err)
	}
	return res.RowsAffected()
}

// RecordLoginFailure records a failed sign-in at under each key (the username, the client).
func (db *DB) RecordLoginFailure(ctx context.Context, at time.Time, keys ...string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, at) VALUES ($1, $2)`, k, db.ms(at)); err != nil {
				return fmt.Errorf("store: record login failure: %w", err)
			}
		}
		return nil
	})
}

// LoginFailures returns the times of key's failed sign-ins since since, newest first, at
// most limit of them.
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at FROM login_failures WHERE key = $1 AND at >= $2 ORDER BY at DESC LIMIT $3`, key, db.ms(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: login failures: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var ms int64
		if err := rows.Scan(&ms); err != nil {
			return nil, fmt.Errorf("store: login failures: %w", err)
		}
		out = append(out, time.UnixMilli(ms))
	}
	return out, rows.Err()
}

// ClearLoginFailures forgets key's failed sign-ins (after a successful one).
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM login_failures WHERE key = $1`, key); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}

// AddAudit appends an entry to the console's audit log.
func (db *DB) AddAudit(ctx context.Context, e balai.AuditEntry) error {
	if _, err := db.w.ExecContext(ctx, `INSERT INTO console_audit (at, actor, action, target, detail, addr) VALUES ($1, $2, $3, $4, $5, $6)`,
		db.ms(e.At), e.Actor, e.Action, e.Target, e.Detail, e.Addr); err != nil {
		return fmt.Errorf("store: add audit: %w", err)
	}
	return nil
}

// Audit returns the newest limit entries of the console's audit log, newest first.
func (db *DB) Audit(ctx context.Context, limit int) ([]balai.AuditEntry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, at, actor, action, target, detail, addr FROM console_audit ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []balai.AuditEntry
	for rows.Next() {
		var e balai.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Addr); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
