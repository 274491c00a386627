package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// The unanswered-questions loop (migration 025): the questions the corpus did not answer,
// read from the message log and the tickets, and editors' marks on them.

// gapReasons are the escalation reasons that say the corpus lacked an answer (not an
// always-human topic, a form, or a citizen asking for a person).
var gapReasons = map[string]bool{"low_confidence": true, "repeated": true, "stale_entry": true, "feedback": true}

// UnansweredQuestions returns the questions received in [from, to) that the corpus did not
// answer, oldest first, at most limit (0: no limit): escalations for want of an answer,
// suggestions the citizen took none of, answers the citizen gave a 👎, and tickets of
// questions (with the officer's last reply and resolution; spam left out). A ticket and the
// log row of the message that opened it are one question (the ticket's).
func (db *DB) UnansweredQuestions(ctx context.Context, from, to time.Time, limit int) ([]balai.AskedQuestion, error) {
	out, err := askedQuestions(ctx, db.r, db.ms(from), db.ms(to), nil)
	if err != nil {
		return nil, err
	}
	sortAsked(out)
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:] // the newest
	}
	return out, nil
}

// askedQuestions returns the unanswered questions received in [from, to) (milliseconds),
// in no particular order: all, or those of the chat only (when not nil).
func askedQuestions(ctx context.Context, q queryer, from, to int64, only *balai.ChatRef) ([]balai.AskedQuestion, error) {
	type key struct{ channel, chat, text string }
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	var out []balai.AskedQuestion
	tickets := map[key]bool{}
	args := []any{from, to}
	var inChat string
	if only != nil {
		inChat = ` AND channel = $3 AND chat_id = $4`
		args = append(args, string(only.Channel), only.ID)
	}
	err := eachRow(ctx, q, `SELECT id, channel, chat_id, question, answer, reason, resolution, entry_id, category, created_at
		FROM tickets WHERE created_at >= $1 AND created_at < $2 AND resolution <> 'spam' AND kind IN ('question', '')`+inChat+` ORDER BY created_at, id`,
		args, func(rows *sql.Rows) error {
			var q balai.AskedQuestion
			var channel, chat, reason, resolution string
			var at int64
			if err := rows.Scan(&q.TicketID, &channel, &chat, &q.Text, &q.Answer, &reason, &resolution, &q.EntryID, &q.Category, &at); err != nil {
				return err
			}
			q.Resolution = balai.ResolutionKind(resolution)
			gap := q.Resolution == balai.ResolvedEntry
			for _, r := range strings.FieldsFunc(reason, func(r rune) bool { return r == ',' || r == ' ' }) {
				gap = gap || gapReasons[r]
			}
			if !gap || strings.TrimSpace(q.Text) == "" {
				return nil
			}
			q.Ref, q.Source, q.Channel, q.Chat, q.At = "ticket:"+strconv.FormatInt(q.TicketID, 10), balai.AskTicket, balai.Channel(channel), chat, time.UnixMilli(at)
			tickets[key{channel, chat, norm(q.Text)}] = true
			out = append(out, q)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: unanswered questions: tickets: %w", err)
	}
	// The log, chat by chat in order: a suggestion counts unless the citizen's next message
	// took one of the offered entries; a 👎 rates the chat's last answered question.
	var (
		chat, channel string
		pending       *balai.AskedQuestion // a suggestion not taken yet
		answered      *balai.AskedQuestion // the chat's last answered question
	)
	emit := func(q balai.AskedQuestion) {
		if !tickets[key{string(q.Channel), chat, norm(q.Text)}] {
			out = append(out, q)
		}
	}
	flush := func() {
		if pending != nil {
			emit(*pending)
		}
		pending = nil
	}
	err = eachRow(ctx, q, `SELECT id, channel, chat_id, kind, text, decision, reason, entry_id, created_at FROM message_log
		WHERE created_at >= $1 AND created_at < $2 AND direction = 'in' AND chat_id <> ''
		AND decision IN ('escalate', 'suggest', 'confirm', 'answer', 'feedback')`+inChat+` ORDER BY channel, chat_id, id`,
		args, func(rows *sql.Rows) error {
			var id, at int64
			var ch, c, kind, text, decision, reason, entry string
			if err := rows.Scan(&id, &ch, &c, &kind, &text, &decision, &reason, &entry, &at); err != nil {
				return err
			}
			if ch != channel || c != chat {
				flush()
				channel, chat, answered = ch, c, nil
			}
			q := balai.AskedQuestion{Ref: "log:" + strconv.FormatInt(id, 10), Channel: balai.Channel(ch), Chat: c, Text: text, At: time.UnixMilli(at), EntryID: entry}
			typed := kind == "text" && strings.TrimSpace(text) != ""
			switch {
			case decision == "answer" && (reason == "chosen" || reason == "confirmed"):
				pending = nil // the citizen took an offered entry
			case decision == "answer" && typed:
				flush()
				answered = &q
			case decision == "feedback" && reason == "not_helpful", decision == "escalate" && reason == "feedback":
				flush()
				if answered != nil {
					a := *answered
					a.Source, a.At = balai.AskThumbsDown, q.At
					emit(a)
					answered = nil
				}
			case (decision == "suggest" || decision == "confirm") && typed:
				flush()
				q.Source = balai.AskSuggested
				pending = &q
			case decision == "escalate" && typed && gapReasons[reason]:
				flush()
				q.Source = balai.AskEscalated
				emit(q)
			case typed:
				flush()
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: unanswered questions: log: %w", err)
	}
	flush()
	return out, nil
}

func sortAsked(qs []balai.AskedQuestion) {
	less := func(a, b balai.AskedQuestion) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	}
	slices.SortFunc(qs, less)
}

// EntryResolvedTickets returns the questions of tickets an officer closed as answered by a
// FAQ entry (the entry in EntryID), oldest first, at most limit (0: all): labelled examples.
func (db *DB) EntryResolvedTickets(ctx context.Context, limit int) ([]balai.AskedQuestion, error) {
	q := `SELECT id, channel, question, entry_id, category, created_at FROM tickets
		WHERE resolution = 'entry' AND entry_id <> '' AND question <> '' ORDER BY id`
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	var out []balai.AskedQuestion
	err := eachRow(ctx, db.r, q, nil, func(rows *sql.Rows) error {
		var a balai.AskedQuestion
		var channel string
		var at int64
		if err := rows.Scan(&a.TicketID, &channel, &a.Text, &a.EntryID, &a.Category, &at); err != nil {
			return err
		}
		a.Ref, a.Source, a.Channel, a.At, a.Resolution = "ticket:"+strconv.FormatInt(a.TicketID, 10), balai.AskTicket, balai.Channel(channel), time.UnixMilli(at), balai.ResolvedEntry
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: entry-resolved tickets: %w", err)
	}
	return out, nil
}

// MarkUnanswered records marks (a mark replaces the question's earlier one) and the audit
// entry (its Target names the cluster), in one transaction.
func (db *DB) MarkUnanswered(ctx context.Context, marks []balai.UnansweredMark, audit balai.AuditEntry) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, m := range marks {
			at := m.At
			if at.IsZero() {
				at = db.now()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO unanswered_marks (ref, action, entry_id, version_id, question, channel, actor, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (ref) DO UPDATE SET action = excluded.action, entry_id = excluded.entry_id, version_id = excluded.version_id,
				question = excluded.question, channel = excluded.channel, actor = excluded.actor, at = excluded.at`,
				m.Ref, string(m.Action), m.EntryID, m.Version, m.Question, string(m.Channel), m.Actor, db.ms(at)); err != nil {
				return err
			}
		}
		if audit.Action == "" {
			return nil
		}
		if audit.At.IsZero() {
			audit.At = db.now()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO console_audit (at, actor, action, target, detail, addr) VALUES ($1, $2, $3, $4, $5, $6)`,
			db.ms(audit.At), audit.Actor, audit.Action, audit.Target, audit.Detail, audit.Addr)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: mark unanswered: %w", err)
	}
	return nil
}

// UnansweredMarks returns the marks, by ref; with actions, only marks of those actions.
func (db *DB) UnansweredMarks(ctx context.Context, actions ...balai.UnansweredAction) (map[string]balai.UnansweredMark, error) {
	q := `SELECT ref, action, entry_id, version_id, question, channel, actor, at FROM unanswered_marks`
	var args []any
	if len(actions) > 0 {
		ph := make([]string, len(actions))
		for i, a := range actions {
			ph[i] = "$" + strconv.Itoa(i+1)
			args = append(args, string(a))
		}
		q += ` WHERE action IN (` + strings.Join(ph, ", ") + `)`
	}
	out := map[string]balai.UnansweredMark{}
	err := eachRow(ctx, db.r, q+` ORDER BY at, ref`, args, func(rows *sql.Rows) error {
		var m balai.UnansweredMark
		var action, channel string
		var at int64
		if err := rows.Scan(&m.Ref, &action, &m.EntryID, &m.Version, &m.Question, &channel, &m.Actor, &at); err != nil {
			return err
		}
		m.Action, m.Channel, m.At = balai.UnansweredAction(action), balai.Channel(channel), time.UnixMilli(at)
		out[m.Ref] = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: unanswered marks: %w", err)
	}
	return out, nil
}
