package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/balai-id/balai"
)

// FAQ corpus versions (migration 020); see corpusdb.Store. Files are kept by content hash
// in corpus_blobs, so a version that changes one entry of 5,000 adds one blob.

const corpusColumns = `id, parent_id, state, author, contributors, approver, publisher, rejecter, note, review_note, rollback_of,
	entries, fingerprint, created_at, updated_at, submitted_at, approved_at, published_at, superseded_at, rejected_at`

func scanCorpusVersion(row rowScanner) (balai.CorpusVersion, error) {
	var v balai.CorpusVersion
	var state, contributors string
	var created, updated, submitted, approved, published, superseded, rejected int64
	if err := row.Scan(&v.ID, &v.Parent, &state, &v.Author, &contributors, &v.Approver, &v.Publisher, &v.Rejecter, &v.Note, &v.ReviewNote,
		&v.RollbackOf, &v.Entries, &v.Fingerprint, &created, &updated, &submitted, &approved, &published, &superseded, &rejected); err != nil {
		return v, err
	}
	v.State = balai.CorpusState(state)
	v.Contributors = strings.Fields(contributors)
	ms := func(x int64) time.Time {
		if x == 0 {
			return time.Time{}
		}
		return time.UnixMilli(x)
	}
	v.CreatedAt, v.UpdatedAt, v.SubmittedAt, v.ApprovedAt = ms(created), ms(updated), ms(submitted), ms(approved)
	v.PublishedAt, v.SupersededAt, v.RejectedAt = ms(published), ms(superseded), ms(rejected)
	return v, nil
}

// CreateCorpusVersion stores a new version with its files and the audit entry, in one
// transaction, and returns it with its id. v.State is a draft, or published (a rollback, or
// the first version seeded from a folder): then the version published so far is superseded
// and other replicas are woken. Files must be UTF-8 text.
func (db *DB) CreateCorpusVersion(ctx context.Context, v balai.CorpusVersion, files []balai.CorpusFile, audit balai.AuditEntry) (balai.CorpusVersion, error) {
	return db.createCorpusVersion(ctx, v, func(tx *sql.Tx, id int64) error { return db.putCorpusFiles(ctx, tx, id, files) }, audit)
}

// CopyCorpusVersion stores a new version holding the files of version from, as
// CreateCorpusVersion does (a draft to edit, or a rollback published at once).
func (db *DB) CopyCorpusVersion(ctx context.Context, v balai.CorpusVersion, from int64, audit balai.AuditEntry) (balai.CorpusVersion, error) {
	return db.createCorpusVersion(ctx, v, func(tx *sql.Tx, id int64) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM corpus_versions WHERE id = $1`, from).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("version %d: %w", from, balai.ErrVersionNotFound)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO corpus_files (version_id, path, hash) SELECT $1, path, hash FROM corpus_files WHERE version_id = $2`, id, from)
		return err
	}, audit)
}

func (db *DB) createCorpusVersion(ctx context.Context, v balai.CorpusVersion, fill func(*sql.Tx, int64) error, audit balai.AuditEntry) (balai.CorpusVersion, error) {
	if v.State != balai.CorpusDraft && v.State != balai.CorpusPublished {
		return v, fmt.Errorf("store: create corpus version: state %q: want draft or published", v.State)
	}
	now := db.ms(db.now())
	v.CreatedAt, v.UpdatedAt = time.UnixMilli(now), time.UnixMilli(now)
	if len(v.Contributors) == 0 && v.Author != "" {
		v.Contributors = []string{v.Author}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO corpus_versions (parent_id, state, author, contributors, approver, note, review_note, rollback_of,
			entries, fingerprint, created_at, updated_at, approved_at) VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id`,
			v.Parent, v.Author, strings.Join(v.Contributors, " "), v.Approver, v.Note, v.ReviewNote, v.RollbackOf, v.Entries, v.Fingerprint, now,
			db.ms0(v.ApprovedAt)).Scan(&v.ID); err != nil {
			return err
		}
		if err := fill(tx, v.ID); err != nil {
			return err
		}
		if v.State == balai.CorpusPublished {
			if err := db.publishTx(ctx, tx, v.ID, v.Author, now); err != nil {
				return err
			}
		}
		return db.auditTx(ctx, tx, audit, v.ID)
	})
	if isUnique(err) {
		return v, fmt.Errorf("store: create corpus version: %w", balai.ErrPublishRace)
	}
	if err != nil {
		return v, fmt.Errorf("store: create corpus version: %w", err)
	}
	return db.CorpusVersion(ctx, v.ID)
}

// ms0 is t in Unix milliseconds, 0 for the zero time.
func (db *DB) ms0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// auditTx writes e to the console's audit log in tx; a target "corpus:" gets the version id.
func (db *DB) auditTx(ctx context.Context, tx *sql.Tx, e balai.AuditEntry, id int64) error {
	if e.Action == "" {
		return nil
	}
	if e.Target == "" {
		e.Target = fmt.Sprintf("corpus:%d", id)
	}
	if e.At.IsZero() {
		e.At = db.now()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO console_audit (at, actor, action, target, detail, addr) VALUES ($1, $2, $3, $4, $5, $6)`,
		db.ms(e.At), e.Actor, e.Action, e.Target, e.Detail, e.Addr)
	return err
}

// putCorpusFiles stores files (blobs first) as the given version's, replacing files of the
// same path, in batches.
func (db *DB) putCorpusFiles(ctx context.Context, tx *sql.Tx, id int64, files []balai.CorpusFile) error {
	const batch = 200
	for start := 0; start < len(files); start += batch {
		part := files[start:min(start+batch, len(files))]
		var blobs, rows strings.Builder
		var bargs, rargs []any
		seen := map[string]bool{}
		for _, f := range part {
			if !utf8.Valid(f.Data) {
				return fmt.Errorf("file %s is not UTF-8 text", f.Path)
			}
			h := sha256.Sum256(f.Data)
			hash := hex.EncodeToString(h[:])
			if !seen[hash] {
				seen[hash] = true
				if len(bargs) > 0 {
					blobs.WriteString(", ")
				}
				fmt.Fprintf(&blobs, "($%d, $%d)", len(bargs)+1, len(bargs)+2)
				bargs = append(bargs, hash, string(f.Data))
			}
			if len(rargs) > 0 {
				rows.WriteString(", ")
			}
			fmt.Fprintf(&rows, "($%d, $%d, $%d)", len(rargs)+1, len(rargs)+2, len(rargs)+3)
			rargs = append(rargs, id, f.Path, hash)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO corpus_blobs (hash, data) VALUES `+blobs.String()+` ON CONFLICT (hash) DO NOTHING`, bargs...); err != nil {
			return fmt.Errorf("store blobs: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO corpus_files (version_id, path, hash) VALUES `+rows.String()+
			` ON CONFLICT (version_id, path) DO UPDATE SET hash = excluded.hash`, rargs...); err != nil {
			return fmt.Errorf("store files: %w", err)
		}
	}
	return nil
}

// UpdateCorpusDraft changes the files of a draft: put adds or replaces files, del removes
// paths. The draft's entry count, fingerprint and contributors are updated and the audit
// entry written in the same transaction. A version that is no longer a draft is
// balai.ErrVersionState.
func (db *DB) UpdateCorpusDraft(ctx context.Context, id int64, put []balai.CorpusFile, del []string, contributor string, entries int, fingerprint string, audit balai.AuditEntry) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var contributors string
		err := tx.QueryRowContext(ctx, `SELECT contributors FROM corpus_versions WHERE id = $1 AND state = 'draft'`, id).Scan(&contributors)
		if errors.Is(err, sql.ErrNoRows) {
			return db.versionMissing(ctx, tx, id)
		}
		if err != nil {
			return err
		}
		cs := strings.Fields(contributors)
		if contributor != "" && !slices.Contains(cs, contributor) {
			cs = append(cs, contributor)
		}
		res, err := tx.ExecContext(ctx, `UPDATE corpus_versions SET contributors = $2, entries = $3, fingerprint = $4, updated_at = $5 WHERE id = $1 AND state = 'draft'`,
			id, strings.Join(cs, " "), entries, fingerprint, db.ms(db.now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return balai.ErrVersionState
		}
		for _, p := range del {
			if _, err := tx.ExecContext(ctx, `DELETE FROM corpus_files WHERE version_id = $1 AND path = $2`, id, p); err != nil {
				return err
			}
		}
		if err := db.putCorpusFiles(ctx, tx, id, put); err != nil {
			return err
		}
		return db.auditTx(ctx, tx, audit, id)
	})
	if err != nil {
		return fmt.Errorf("store: update corpus draft %d: %w", id, err)
	}
	return nil
}

// versionMissing tells why version id was not found in the state wanted.
func (db *DB) versionMissing(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM corpus_versions WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return balai.ErrVersionNotFound
	}
	return balai.ErrVersionState
}

// TransitionCorpusVersion applies t to version id in one transaction with its audit entry.
// A version in another state is balai.ErrVersionState; a version published by someone else
// at the same moment is balai.ErrPublishRace.
func (db *DB) TransitionCorpusVersion(ctx context.Context, id int64, t balai.CorpusTransition) (balai.CorpusVersion, error) {
	now := db.ms(db.now())
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM corpus_versions WHERE id = $1`, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return balai.ErrVersionNotFound
		}
		if err != nil {
			return err
		}
		if !slices.Contains(t.From, balai.CorpusState(state)) {
			return fmt.Errorf("%w: it is %s", balai.ErrVersionState, state)
		}
		var q string
		args := []any{id, now}
		switch t.To {
		case balai.CorpusReview:
			q = `UPDATE corpus_versions SET state = 'review', submitted_at = $2, updated_at = $2 WHERE id = $1`
		case balai.CorpusApproved:
			q = `UPDATE corpus_versions SET state = 'approved', approver = $3, review_note = $4, approved_at = $2, updated_at = $2 WHERE id = $1`
			args = append(args, t.Actor, t.Note)
		case balai.CorpusRejected:
			q = `UPDATE corpus_versions SET state = 'rejected', rejecter = $3, review_note = $4, rejected_at = $2, updated_at = $2 WHERE id = $1`
			args = append(args, t.Actor, t.Note)
		case balai.CorpusDraft:
			q = `UPDATE corpus_versions SET state = 'draft', submitted_at = 0, updated_at = $2 WHERE id = $1`
		case balai.CorpusPublished:
			if err := db.publishTx(ctx, tx, id, t.Actor, now); err != nil {
				return err
			}
		default:
			return fmt.Errorf("no transition to %q", t.To)
		}
		if q != "" {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return db.auditTx(ctx, tx, t.Audit, id)
	})
	if isUnique(err) {
		err = balai.ErrPublishRace
	}
	if err != nil {
		return balai.CorpusVersion{}, fmt.Errorf("store: corpus version %d to %s: %w", id, t.To, err)
	}
	return db.CorpusVersion(ctx, id)
}

// publishTx supersedes the published version and publishes id, waking other replicas at
// commit. The unique index on the published state turns a concurrent publish into a unique
// violation rather than two published versions.
func (db *DB) publishTx(ctx context.Context, tx *sql.Tx, id int64, publisher string, now int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE corpus_versions SET state = 'superseded', superseded_at = $2, updated_at = $2 WHERE state = 'published' AND id <> $1`, id, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE corpus_versions SET state = 'published', publisher = $2, published_at = $3, updated_at = $3 WHERE id = $1`, id, publisher, now); err != nil {
		return err
	}
	return db.notifyTx(ctx, tx, WakeCorpus, fmt.Sprint(id))
}

// CorpusVersion returns version id, or balai.ErrVersionNotFound.
func (db *DB) CorpusVersion(ctx context.Context, id int64) (balai.CorpusVersion, error) {
	v, err := scanCorpusVersion(db.r.QueryRowContext(ctx, `SELECT `+corpusColumns+` FROM corpus_versions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("store: corpus version %d: %w", id, balai.ErrVersionNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("store: corpus version %d: %w", id, err)
	}
	return v, nil
}

// PublishedCorpusVersion returns the version being published, or balai.ErrVersionNotFound
// when there is none yet.
func (db *DB) PublishedCorpusVersion(ctx context.Context) (balai.CorpusVersion, error) {
	v, err := scanCorpusVersion(db.r.QueryRowContext(ctx, `SELECT `+corpusColumns+` FROM corpus_versions WHERE state = 'published'`))
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("store: published corpus version: %w", balai.ErrVersionNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("store: published corpus version: %w", err)
	}
	return v, nil
}

// PublishedCorpusID returns the id of the published version, 0 when none: the cheap
// question replicas ask every few seconds.
func (db *DB) PublishedCorpusID(ctx context.Context) (int64, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, `SELECT id FROM corpus_versions WHERE state = 'published'`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: published corpus id: %w", err)
	}
	return id, nil
}

// CorpusVersions lists versions newest first, at most limit (0: all); with states, only
// versions in them.
func (db *DB) CorpusVersions(ctx context.Context, limit int, states ...balai.CorpusState) ([]balai.CorpusVersion, error) {
	q := `SELECT ` + corpusColumns + ` FROM corpus_versions`
	var args []any
	if len(states) > 0 {
		var ph []string
		for _, s := range states {
			args = append(args, string(s))
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
		q += ` WHERE state IN (` + strings.Join(ph, ", ") + `)`
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		args = append(args, limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: corpus versions: %w", err)
	}
	defer rows.Close()
	var out []balai.CorpusVersion
	for rows.Next() {
		v, err := scanCorpusVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: corpus versions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CorpusFiles returns the files of version id sorted by path, or balai.ErrVersionNotFound.
func (db *DB) CorpusFiles(ctx context.Context, id int64) ([]balai.CorpusFile, error) {
	if _, err := db.CorpusVersion(ctx, id); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT f.path, b.data FROM corpus_files f JOIN corpus_blobs b ON b.hash = f.hash WHERE f.version_id = $1 ORDER BY f.path`, id)
	if err != nil {
		return nil, fmt.Errorf("store: corpus files %d: %w", id, err)
	}
	defer rows.Close()
	var out []balai.CorpusFile
	for rows.Next() {
		var f balai.CorpusFile
		var data string
		if err := rows.Scan(&f.Path, &data); err != nil {
			return nil, fmt.Errorf("store: corpus files %d: %w", id, err)
		}
		f.Data = []byte(data)
		out = append(out, f)
	}
	return out, rows.Err()
}
