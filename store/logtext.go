package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/balai-id/balai"
)

// The texts of the replies in the message log (migration 029). Most replies are the same
// few FAQ answers and notices, so a reply's log row names its text in log_texts, which holds
// each distinct text once; a citizen's message keeps its text in its row. Rows logged before
// the table existed keep their replies' texts inline too: readers take
// COALESCE(t.text, m.text) over LEFT JOIN log_texts t ON t.id = m.text_id (logTextJoin).
//
// A text goes with the last row that names it: the retention (PurgeBefore) and an erasure
// (EraseChat) delete the texts of the rows they delete or blank that no other row names. A
// text the officers wrote to one citizen is therefore erased with them; a text also sent to
// another chat (an FAQ answer, a canned reply) stays while that chat's rows do. On
// PostgreSQL a turn may name a text while another transaction deletes it as unnamed: the
// foreign key then refuses the delete, the purge or erasure fails, and its next run finds
// the text named.

const (
	qFindLogText = `SELECT id FROM log_texts WHERE hash = $1 AND text = $2 LIMIT 1`
	qAddLogText  = `INSERT INTO log_texts (hash, text) VALUES ($1, $2) RETURNING id`
)

// logTextJoin joins a message_log m to its reply's text t: read the text as logTextCol.
const (
	logTextJoin = ` LEFT JOIN log_texts t ON t.id = m.text_id`
	logTextCol  = `COALESCE(t.text, m.text)`
)

// logTextHash is the 64-bit FNV-1a of text, as a signed integer (log_texts.hash).
func logTextHash(text string) int64 {
	h := fnv.New64a()
	h.Write([]byte(text))
	return int64(h.Sum64())
}

// logTextID returns the id of text in log_texts, adding it when missing; NULL for "".
func (db *DB) logTextID(ctx context.Context, tx *sql.Tx, text string) (sql.NullInt64, error) {
	if text == "" {
		return sql.NullInt64{}, nil
	}
	hash := logTextHash(text)
	var id int64
	err := db.txQueryRow(ctx, tx, qFindLogText, hash, text).Scan(&id)
	if err == sql.ErrNoRows {
		err = db.txQueryRow(ctx, tx, qAddLogText, hash, text).Scan(&id)
	}
	if err != nil {
		return sql.NullInt64{}, fmt.Errorf("log text: %w", err)
	}
	return sql.NullInt64{Int64: id, Valid: true}, nil
}

// deleteUnnamedTexts deletes the texts ids that no message_log row names any more. On
// PostgreSQL it looks each up by the index on text_id; SQLite has no such index (its single
// writer needs no foreign key either): there it deletes every text no row names, in one
// pass over the log, when ids is not empty — once per purge or erasure (see sweepTexts).
func (db *DB) deleteUnnamedTexts(ctx context.Context, tx balai.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if db.dialect == SQLite {
		if _, err := tx.ExecContext(ctx, `DELETE FROM log_texts WHERE id NOT IN (SELECT text_id FROM message_log WHERE text_id IS NOT NULL)`); err != nil {
			return fmt.Errorf("log texts: %w", err)
		}
		return nil
	}
	for len(ids) > 0 {
		n := min(len(ids), purgeBatch)
		list := make([]string, n)
		for i, id := range ids[:n] {
			list[i] = strconv.FormatInt(id, 10)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM log_texts WHERE id IN (`+strings.Join(list, ", ")+`)
			AND NOT EXISTS (SELECT 1 FROM message_log m WHERE m.text_id = log_texts.id)`); err != nil {
			return fmt.Errorf("log texts: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}
