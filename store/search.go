package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/balai-id/balai"
)

// Ticket search. Each ticket's words — the citizen's name, question and transcript, their
// follow-ups and the officers' replies — are kept in ticket_words (migration 029), folded by
// searchTerms: on SQLite a contentless FTS5 table whose row id is the ticket's (the index
// alone, no copy of the words), on PostgreSQL a tsvector with a GIN index. A query's words
// are folded the same way and each must begin a word of the ticket (so "paspor" finds
// "paspornya", as Indonesian suffixes go: a prefix query); a query word of one letter or
// digit must be a whole word. No ticket is read to match words.

// maxTermLen caps a term's length in runes (longer words are cut: a link, a code).
const maxTermLen = 40

// searchActions are the events whose detail is searchable: a citizen's follow-up and an
// officer's reply.
var searchActions = map[string]bool{"followed": true, "replied": true}

// searchTerms returns the distinct words of texts, lower-cased with accents folded ("Café"
// → "cafe"), in the order they first appear. A word is a run of letters and digits.
func searchTerms(texts ...string) []string {
	fold := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	seen := map[string]bool{}
	var out []string
	for _, text := range texts {
		if text == "" {
			continue
		}
		folded, _, err := transform.String(fold, text)
		if err != nil {
			folded = text
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(folded), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsNumber(r)
		}) {
			if utf8.RuneCountInString(w) > maxTermLen {
				w = string([]rune(w)[:maxTermLen])
			}
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// ticketTexts are the searchable texts of a ticket as created.
func ticketTexts(userName, question, transcript string) []string {
	texts := []string{userName, question}
	var lines []balai.Line
	if json.Unmarshal([]byte(transcript), &lines) == nil {
		for _, l := range lines {
			texts = append(texts, l.Text)
		}
	}
	return texts
}

// wordsKey is ticket_words' column holding the ticket's id.
func (db *DB) wordsKey() string {
	if db.dialect == Postgres {
		return "ticket_id"
	}
	return "rowid"
}

// putWords sets ticket id's words to terms (replacing those it had).
func (db *DB) putWords(ctx context.Context, tx balai.Tx, id int64, terms []string) error {
	if terms == nil {
		terms = []string{}
	}
	if db.dialect == Postgres {
		_, err := tx.ExecContext(ctx, `INSERT INTO ticket_words (ticket_id, words) VALUES ($1, array_to_tsvector(CAST($2 AS text[])))
			ON CONFLICT (ticket_id) DO UPDATE SET words = excluded.words`, id, terms)
		if err != nil {
			return fmt.Errorf("ticket words: %w", err)
		}
		return nil
	}
	// A contentless table's row is replaced whole: deleted, then inserted.
	if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_words WHERE rowid = $1`, id); err != nil {
		return fmt.Errorf("ticket words: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_words (rowid, words) VALUES ($1, $2)`, id, strings.Join(terms, " ")); err != nil {
		return fmt.Errorf("ticket words: %w", err)
	}
	return nil
}

// deleteWords deletes ticket id's words.
func (db *DB) deleteWords(ctx context.Context, tx balai.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_words WHERE `+db.wordsKey()+` = $1`, id); err != nil {
		return fmt.Errorf("ticket words: %w", err)
	}
	return nil
}

// indexTicket adds the words of texts to ticket id's: on PostgreSQL they are added to its
// tsvector; a contentless FTS5 row cannot be read back, so on SQLite the ticket's words are
// computed again from the ticket and its events in tx (which hold texts by now).
func (db *DB) indexTicket(ctx context.Context, tx balai.Tx, id int64, texts ...string) error {
	if db.dialect == Postgres {
		terms := searchTerms(texts...)
		if terms == nil {
			terms = []string{}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ticket_words (ticket_id, words) VALUES ($1, array_to_tsvector(CAST($2 AS text[])))
			ON CONFLICT (ticket_id) DO UPDATE SET words = ticket_words.words || excluded.words`, id, terms)
		if err != nil {
			return fmt.Errorf("ticket words: %w", err)
		}
		return nil
	}
	all, err := ticketsTexts(ctx, tx, []int64{id})
	if err != nil {
		return fmt.Errorf("ticket words: %w", err)
	}
	return db.putWords(ctx, tx, id, searchTerms(all[id]...))
}

// ticketsTexts returns the searchable texts of tickets ids: name, question, transcript, and
// the events' follow-ups and replies.
func ticketsTexts(ctx context.Context, tx balai.Tx, ids []int64) (map[int64][]string, error) {
	texts := map[int64][]string{}
	if len(ids) == 0 {
		return texts, nil
	}
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = strconv.FormatInt(id, 10)
	}
	list := strings.Join(in, ", ")
	rows, err := tx.QueryContext(ctx, `SELECT id, user_name, question, transcript FROM tickets WHERE id IN (`+list+`)`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var name, question, transcript string
		if err := rows.Scan(&id, &name, &question, &transcript); err != nil {
			rows.Close()
			return nil, err
		}
		texts[id] = ticketTexts(name, question, transcript)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT ticket_id, detail FROM ticket_events WHERE ticket_id IN (`+list+`)
		AND action IN ('followed', 'replied') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var detail string
		if err := rows.Scan(&id, &detail); err != nil {
			rows.Close()
			return nil, err
		}
		texts[id] = append(texts[id], detail)
	}
	return texts, errors.Join(rows.Err(), rows.Close())
}

// indexBatch is how many tickets one transaction of indexPending indexes.
const indexBatch = 200

// indexPending indexes the words of the tickets stored before ticket search (migration 23),
// a batch per transaction; it returns how many it indexed. Replicas starting together take
// turns (lockEvents) and index each ticket once.
func (db *DB) indexPending(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if err := db.lockEvents(ctx, tx); err != nil {
				return err
			}
			ids, err := queryIDs(ctx, tx, `SELECT id FROM tickets WHERE terms_indexed = 0 ORDER BY id LIMIT $1`, indexBatch)
			if err != nil || len(ids) == 0 {
				return err
			}
			texts, err := ticketsTexts(ctx, tx, ids)
			if err != nil {
				return err
			}
			in := make([]string, len(ids))
			for i, id := range ids {
				in[i] = strconv.FormatInt(id, 10)
				if err := db.putWords(ctx, tx, id, searchTerms(texts[id]...)); err != nil {
					return err
				}
			}
			list := strings.Join(in, ", ")
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET terms_indexed = 1 WHERE id IN (`+list+`)`); err != nil {
				return err
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("store: index tickets for search: %w", err)
		}
		total += n
		if n < indexBatch {
			return total, nil
		}
	}
}

// searchCond is the condition matching the tickets that have every word of query (see
// searchTerms), with its argument added through arg; false when the query has no word.
func (db *DB) searchCond(query string, arg func(any) string) (string, bool) {
	terms := searchTerms(query)
	if len(terms) == 0 {
		return "", false
	}
	// The terms hold letters and digits only: quoted, none is an operator.
	parts := make([]string, len(terms))
	for i, t := range terms {
		whole := utf8.RuneCountInString(t) == 1
		switch {
		case db.dialect == Postgres && whole:
			parts[i] = "'" + t + "'"
		case db.dialect == Postgres:
			parts[i] = "'" + t + "':*"
		case whole:
			parts[i] = `"` + t + `"`
		default:
			parts[i] = `"` + t + `"*`
		}
	}
	if db.dialect == Postgres {
		return `id IN (SELECT ticket_id FROM ticket_words WHERE words @@ CAST(` + arg(strings.Join(parts, " & ")) + ` AS tsquery))`, true
	}
	return `id IN (SELECT rowid FROM ticket_words WHERE ticket_words MATCH ` + arg(strings.Join(parts, " ")) + `)`, true
}
