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
// follow-ups and the officers' replies — are kept in ticket_terms, one row per distinct
// word, folded by searchTerms. A query's words are folded the same way and each must begin
// a word of the ticket (so "paspor" finds "paspornya", as Indonesian suffixes go); a query
// word of one letter or digit must be a whole word. Every word is a range over the index on
// ticket_terms (term, ticket_id): no ticket is read to match words.

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

// termRow is one word of one ticket.
type termRow struct {
	term string
	id   int64
}

// insertTerms adds rows to ticket_terms (a word already there is kept).
func insertTerms(ctx context.Context, tx balai.Tx, rows []termRow) error {
	const chunk = 200
	for len(rows) > 0 {
		n := min(len(rows), chunk)
		var b strings.Builder
		b.WriteString(`INSERT INTO ticket_terms (term, ticket_id) VALUES `)
		args := make([]any, 0, 2*n)
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, r.term, r.id)
		}
		b.WriteString(` ON CONFLICT DO NOTHING`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("ticket terms: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// indexTicket adds the words of texts to ticket id's terms.
func indexTicket(ctx context.Context, tx balai.Tx, id int64, texts ...string) error {
	terms := searchTerms(texts...)
	rows := make([]termRow, len(terms))
	for i, t := range terms {
		rows[i] = termRow{t, id}
	}
	return insertTerms(ctx, tx, rows)
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
			texts := map[int64][]string{}
			var ids []int64
			rows, err := tx.QueryContext(ctx, `SELECT id, user_name, question, transcript FROM tickets WHERE terms_indexed = 0
				ORDER BY id LIMIT $1`, indexBatch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var name, question, transcript string
				if err := rows.Scan(&id, &name, &question, &transcript); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
				texts[id] = ticketTexts(name, question, transcript)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil || len(ids) == 0 {
				return err
			}
			in := make([]string, len(ids))
			for i, id := range ids {
				in[i] = strconv.FormatInt(id, 10)
			}
			list := strings.Join(in, ", ")
			rows, err = tx.QueryContext(ctx, `SELECT ticket_id, detail FROM ticket_events WHERE ticket_id IN (`+list+`)
				AND action IN ('followed', 'replied') ORDER BY id`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var detail string
				if err := rows.Scan(&id, &detail); err != nil {
					rows.Close()
					return err
				}
				texts[id] = append(texts[id], detail)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			var terms []termRow
			for _, id := range ids {
				for _, t := range searchTerms(texts[id]...) {
					terms = append(terms, termRow{t, id})
				}
			}
			if err := insertTerms(ctx, tx, terms); err != nil {
				return err
			}
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
// searchTerms), with its arguments added through arg; false when the query has no word.
func searchCond(query string, arg func(any) string) (string, bool) {
	terms := searchTerms(query)
	if len(terms) == 0 {
		return "", false
	}
	conds := make([]string, len(terms))
	for i, t := range terms {
		if utf8.RuneCountInString(t) == 1 {
			conds[i] = `id IN (SELECT ticket_id FROM ticket_terms WHERE term = ` + arg(t) + `)`
			continue
		}
		// Every term beginning with t sorts from t to t followed by the last code point
		// (byte order: the column is binary on both databases).
		conds[i] = `id IN (SELECT ticket_id FROM ticket_terms WHERE term >= ` + arg(t) + ` AND term < ` + arg(t+"\U0010FFFF") + `)`
	}
	return strings.Join(conds, " AND "), true
}
