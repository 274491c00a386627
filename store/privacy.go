package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/redact"
)

// Citizens' data (UU 27/2022 on personal data protection). What the store keeps about a
// citizen, and where:
//
//   - inbound: every message as received (text, name, user id) — deleted;
//   - outbox: every reply and officers' card (text) — deleted;
//   - conversations: the chat's state (last question, options) — deleted;
//   - message_log: the text of every message both ways — folded into daily counts
//     (message_counts: day, channel, direction, kind, decision, reason, entry, language,
//     number and confidence) and deleted; an erasure blanks text and chat id at once;
//   - log_texts: the replies' texts the log names (logtext.go) — deleted with the last row
//     naming them, by the retention or an erasure;
//   - tickets: name, question, transcript, answer, chat id — blanked, the row kept for counts
//     (status, category, topic, priority, rating, times);
//   - ticket_events: replies, notes and follow-ups (detail), the citizen's name — blanked, the
//     row kept (action, officer, time);
//   - ticket_words: the words of a ticket, for search — deleted with the ticket's text;
//   - unanswered_points: the unanswered questions as the console's clustering keeps them
//     (masked text and reply, chat id, analysed terms) — deleted with their log row or
//     their ticket's text, and by an erasure of the chat;
//   - citizen_links: an officer's link of the chat to the citizen's other chats — deleted by
//     an erasure of the chat, and by the retention once the link is older than it;
//   - dead_letters: messages parked after failing (chat id, error) — deleted with their
//     message;
//   - web_sessions: a web chat's session (chat id, times) — deleted by an erasure, which ends
//     it; the retention leaves them to serve's purge of ended and expired sessions.
//
// PurgeBefore applies the retention to everyone; EraseChat erases one citizen at once;
// ExportChat returns everything kept about one citizen. PruneDone (compact.go) prunes
// handled messages and sent replies much sooner, once they are no longer needed.

// Purged counts the rows a purge or an erasure deleted or blanked, by table.
type Purged struct {
	Inbound       int64 `json:"inbound_deleted"`
	Outbox        int64 `json:"outbox_deleted"`
	Conversations int64 `json:"conversations_deleted"`
	Messages      int64 `json:"messages_blanked"`
	Tickets       int64 `json:"tickets_blanked"`
	DeadLetters   int64 `json:"dead_letters_deleted"`
	WebSessions   int64 `json:"web_sessions_deleted"`
	Counted       int64 `json:"messages_counted"` // message_log rows folded into message_counts
	Notices       int64 `json:"notices_deleted"`
	Stripped      int64 `json:"inbound_stripped"` // handled messages stripped to their dedupe key
	Keys          int64 `json:"keys_deleted"`     // dedupe keys deleted
	Links         int64 `json:"citizen_links_deleted"`
}

// Total is the number of rows changed.
func (p Purged) Total() int64 {
	return p.Inbound + p.Outbox + p.Conversations + p.Messages + p.Tickets + p.DeadLetters + p.WebSessions +
		p.Counted + p.Notices + p.Stripped + p.Keys + p.Links
}

// Add adds q's counts to p's.
func (p Purged) Add(q Purged) Purged {
	return Purged{Inbound: p.Inbound + q.Inbound, Outbox: p.Outbox + q.Outbox, Conversations: p.Conversations + q.Conversations,
		Messages: p.Messages + q.Messages, Tickets: p.Tickets + q.Tickets, DeadLetters: p.DeadLetters + q.DeadLetters,
		WebSessions: p.WebSessions + q.WebSessions, Counted: p.Counted + q.Counted, Notices: p.Notices + q.Notices,
		Stripped: p.Stripped + q.Stripped, Keys: p.Keys + q.Keys, Links: p.Links + q.Links}
}

// purgeBatch is how many rows one transaction of a purge changes: a purge never holds the
// (single) SQLite writer for long.
const purgeBatch = 500

// PurgeBefore deletes or blanks the personal data older than before in every table (see the
// list above): messages received, replies queued and conversations last active before it are
// deleted; logged messages are folded into daily counts and deleted; tickets without activity
// since are blanked (and closed) with their events; once-only notice keys are deleted. It
// works in batches and may be interrupted between them.
func (db *DB) PurgeBefore(ctx context.Context, before time.Time) (Purged, error) {
	var p Purged
	cut := db.ms(before)
	steps := []struct {
		n     *int64
		query string
	}{
		{&p.Inbound, `DELETE FROM inbound WHERE id IN (SELECT id FROM inbound WHERE received_at < $1 LIMIT ` + fmt.Sprint(purgeBatch) + `)`},
		{&p.Outbox, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < $1 LIMIT ` + fmt.Sprint(purgeBatch) + `)`},
		{&p.Conversations, `DELETE FROM conversations WHERE updated_at < $1`},
		{&p.Notices, `DELETE FROM notices WHERE created_at < $1`},
		{&p.Links, `DELETE FROM citizen_links WHERE linked_at < $1`},
		// A dead letter goes with its message (deleted above), also when it was parked again
		// later (an operator retried it): it would name the chat and list an empty message.
		{&p.DeadLetters, `DELETE FROM dead_letters WHERE inbound_id IN (SELECT d.inbound_id FROM dead_letters d
			WHERE d.parked_at < $1 OR NOT EXISTS (SELECT 1 FROM inbound i WHERE i.id = d.inbound_id) LIMIT ` + fmt.Sprint(purgeBatch) + `)`},
	}
	for _, s := range steps {
		for {
			res, err := db.w.ExecContext(ctx, s.query, cut)
			if err != nil {
				return p, fmt.Errorf("store: purge: %w", err)
			}
			n, _ := res.RowsAffected()
			*s.n += n
			if n < purgeBatch {
				break
			}
		}
	}
	var folded []int64 // SQLite: a text the folded rows named (all are swept after the folds)
	for {
		var n int64
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var texts []int64
			var err error
			if n, texts, err = foldMessages(ctx, tx, cut); err != nil {
				return err
			}
			if db.dialect == SQLite {
				if len(folded) == 0 && len(texts) > 0 {
					folded = texts[:1]
				}
				return nil
			}
			return db.deleteUnnamedTexts(ctx, tx, texts)
		})
		if err != nil {
			return p, fmt.Errorf("store: purge: count messages: %w", err)
		}
		p.Counted += n
		if n < purgeBatch {
			break
		}
	}
	if err := db.tx(ctx, func(tx *sql.Tx) error { return db.deleteUnnamedTexts(ctx, tx, folded) }); err != nil {
		return p, fmt.Errorf("store: purge: %w", err)
	}
	for {
		var ids []int64
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var err error
			ids, err = queryIDs(ctx, tx, `SELECT id FROM tickets WHERE erased_at IS NULL AND activity_at < $1 ORDER BY activity_at LIMIT `+fmt.Sprint(purgeBatch), cut)
			if err != nil {
				return err
			}
			return db.eraseTickets(ctx, tx, ids, "retention")
		})
		if err != nil {
			return p, fmt.Errorf("store: purge tickets: %w", err)
		}
		p.Tickets += int64(len(ids))
		if len(ids) < purgeBatch {
			break
		}
	}
	return p, nil
}

// foldBatch selects the batch of message_log rows past the retention ($1) that
// foldMessages folds: the oldest, by id, so that both its statements see the same rows.
var foldBatch = `SELECT id FROM message_log WHERE created_at < $1 ORDER BY id LIMIT ` + fmt.Sprint(purgeBatch)

// foldMessages adds a batch of logged messages older than cut to the daily counts and
// deletes them, in tx. It returns how many rows it folded, and the texts they named.
func foldMessages(ctx context.Context, tx *sql.Tx, cut int64) (int64, []int64, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO message_counts (day, channel, direction, kind, decision, reason, entry_id, lang, messages, confidence_sum)
		SELECT created_at - created_at % 86400000, channel, direction, kind, decision, reason, entry_id, lang, COUNT(*), SUM(confidence)
		FROM message_log WHERE id IN (`+foldBatch+`)
		GROUP BY created_at - created_at % 86400000, channel, direction, kind, decision, reason, entry_id, lang
		ON CONFLICT (day, channel, direction, kind, decision, reason, entry_id, lang) DO UPDATE
		SET messages = message_counts.messages + excluded.messages, confidence_sum = message_counts.confidence_sum + excluded.confidence_sum`, cut); err != nil {
		return 0, nil, err
	}
	// The unanswered questions' points go with their rows (and their masked copies of the texts).
	if err := deletePoints(ctx, tx, `log_id IN (`+foldBatch+`)`, cut); err != nil {
		return 0, nil, err
	}
	texts, err := queryIDs(ctx, tx, `SELECT DISTINCT text_id FROM message_log WHERE id IN (`+foldBatch+`) AND text_id IS NOT NULL`, cut)
	if err != nil {
		return 0, nil, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM message_log WHERE id IN (`+foldBatch+`)`, cut)
	if err != nil {
		return 0, nil, err
	}
	n, _ := res.RowsAffected()
	return n, texts, nil
}

// EraseChat erases one citizen's personal data everywhere (see the list above), at once, in
// one transaction: their messages, replies, conversation and the officers' cards about their
// tickets are deleted; logged texts, tickets and ticket events are blanked and kept as counts.
// Their open tickets are closed, and a web chat's session ends. A WhatsApp chat is found by its number with or without
// "@s.whatsapp.net".
func (db *DB) EraseChat(ctx context.Context, chat balai.ChatRef) (Purged, error) {
	var p Purged
	ch, id, alt := string(chat.Channel), chat.ID, altChatID(chat)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, `SELECT id FROM tickets WHERE channel = $1 AND chat_id IN ($2, $3) ORDER BY id`, ch, id, alt)
		if err != nil {
			return err
		}
		for _, t := range ids {
			n, m, err := eraseCards(ctx, tx, t)
			if err != nil {
				return err
			}
			p.Outbox += n
			p.Messages += m
		}
		if err := db.eraseTickets(ctx, tx, ids, "erased on request"); err != nil {
			return err
		}
		// The chat's unanswered questions, as the clustering keeps them.
		if err := deletePoints(ctx, tx, `channel = $1 AND chat_id IN ($2, $3)`, ch, id, alt); err != nil {
			return err
		}
		p.Tickets = int64(len(ids))
		texts, err := queryIDs(ctx, tx, `SELECT DISTINCT text_id FROM message_log WHERE channel = $1 AND chat_id IN ($2, $3) AND text_id IS NOT NULL`, ch, id, alt)
		if err != nil {
			return err
		}
		for _, s := range []struct {
			n     *int64
			query string
		}{
			{&p.Inbound, `DELETE FROM inbound WHERE channel = $1 AND chat_id IN ($2, $3)`},
			{&p.Outbox, `DELETE FROM outbox WHERE channel = $1 AND chat_id IN ($2, $3)`},
			{&p.Conversations, `DELETE FROM conversations WHERE channel = $1 AND chat_id IN ($2, $3)`},
			{&p.DeadLetters, `DELETE FROM dead_letters WHERE channel = $1 AND chat_id IN ($2, $3)`},
			{&p.Messages, `UPDATE message_log SET text = '', text_id = NULL, chat_id = '' WHERE channel = $1 AND chat_id IN ($2, $3)`},
			{&p.Links, `DELETE FROM citizen_links WHERE channel = $1 AND chat_id IN ($2, $3)`},
		} {
			res, err := tx.ExecContext(ctx, s.query, ch, id, alt)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			*s.n += n
		}
		// The replies' texts no other chat's rows name.
		if err := db.deleteUnnamedTexts(ctx, tx, texts); err != nil {
			return err
		}
		if chat.Channel == balai.Web {
			// The session ends with its data: the browser's token opens nothing any more.
			res, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE chat_id = $1`, id)
			if err != nil {
				return err
			}
			p.WebSessions, _ = res.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return Purged{}, fmt.Errorf("store: erase %s: %w", chat, err)
	}
	return p, nil
}

// eraseCards deletes the officers' cards and notices about ticket id from the outbox, and
// blanks their lines in the officers' chat's log (the same text, logged when queued). It
// returns how many items it deleted and lines it blanked.
func eraseCards(ctx context.Context, tx *sql.Tx, id int64) (deleted, blanked int64, err error) {
	type card struct{ channel, chat, payload string }
	var cards []card
	rows, err := tx.QueryContext(ctx, `SELECT channel, chat_id, payload FROM outbox WHERE ref IN ($1, $2)`, balai.CardRef(id), balai.NoticeRef(id))
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var c card
		if err := rows.Scan(&c.channel, &c.chat, &c.payload); err != nil {
			rows.Close()
			return 0, 0, err
		}
		cards = append(cards, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, c := range cards {
		var o balai.Outgoing
		if json.Unmarshal([]byte(c.payload), &o) != nil || o.Text == "" {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE message_log SET text = '', chat_id = '' WHERE channel = $1 AND chat_id = $2 AND direction = 'out' AND text = $3`,
			c.channel, c.chat, o.Text)
		if err != nil {
			return 0, 0, err
		}
		n, _ := res.RowsAffected()
		blanked += n
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE ref IN ($1, $2)`, balai.CardRef(id), balai.NoticeRef(id))
	if err != nil {
		return 0, 0, err
	}
	deleted, _ = res.RowsAffected()
	return deleted, blanked, nil
}

// eraseTickets blanks the personal fields of tickets ids and of their events, closes those
// still open, and records why.
func (db *DB) eraseTickets(ctx context.Context, tx *sql.Tx, ids []int64, why string) error {
	now := db.ms(db.now())
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET user_name = '', question = '', transcript = '[]', answer = '',
			chat_id = '', source_key = 'erased:' || CAST(id AS TEXT), erased_at = $1, status = 'closed',
			closed_at = COALESCE(closed_at, $1) WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_events SET detail = '',
			actor_name = CASE WHEN actor = 'citizen' THEN '' ELSE actor_name END WHERE ticket_id = $1`, id); err != nil {
			return fmt.Errorf("ticket %d events: %w", id, err)
		}
		if err := db.repack(ctx, tx, "tickets", `id = $1`, id); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
		if err := db.repack(ctx, tx, "ticket_events", `ticket_id = $1`, id); err != nil {
			return fmt.Errorf("ticket %d events: %w", id, err)
		}
		if err := db.deleteWords(ctx, tx, id); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
		if err := deletePoints(ctx, tx, `ticket_id = $1`, id); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
		// A complaint's or information request's fields (forms.go) go; its kind and number stay.
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_forms SET fields = '{}' WHERE ticket_id = $1`, id); err != nil {
			return fmt.Errorf("ticket %d form: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, actor, action, detail, created_at) VALUES ($1, 'system', 'erased', $2, $3)`,
			id, why, now); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
	}
	return nil
}

// altChatID is the other way a chat's id may be stored: a WhatsApp number with and without
// "@s.whatsapp.net" (whatsmeow and the Cloud API name the same citizen differently). For
// other chats it is the id itself.
func altChatID(chat balai.ChatRef) string {
	if chat.Channel != balai.WhatsApp {
		return chat.ID
	}
	if n, ok := strings.CutSuffix(chat.ID, "@s.whatsapp.net"); ok {
		return n
	}
	if !strings.Contains(chat.ID, "@") {
		return chat.ID + "@s.whatsapp.net"
	}
	return chat.ID
}

func queryIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ChatExport is everything the store keeps about one citizen (a chat), for a request to see
// their data. Texts written by officers about them internally (notes) are included with
// other people's personal data masked; officers' ids are left out.
type ChatExport struct {
	Chat         balai.ChatRef       `json:"chat"`
	ExportedAt   time.Time           `json:"exported_at"`
	Conversation *balai.Conversation `json:"conversation,omitempty"`
	Received     []ExportInbound     `json:"received"`
	Messages     []ExportMessage     `json:"messages"`
	Replies      []ExportReply       `json:"replies"`
	Tickets      []ExportTicket      `json:"tickets"`
}

// ExportInbound is a message as Balai received it.
type ExportInbound struct {
	At       time.Time `json:"at"`
	Handled  bool      `json:"handled"`
	Parked   bool      `json:"parked,omitempty"` // not answered: parked after failing`
	UserID   string    `json:"user_id,omitempty"`
	UserName string    `json:"user_name,omitempty"`
	Kind     string    `json:"kind"`
	Text     string    `json:"text,omitempty"`
	Media    string    `json:"media,omitempty"`
}

// ExportMessage is one line of the conversation's log.
type ExportMessage struct {
	At        time.Time `json:"at"`
	Direction string    `json:"direction"` // in: from the citizen; out: to the citizen
	Text      string    `json:"text"`
	Decision  string    `json:"decision,omitempty"`
	Lang      string    `json:"lang,omitempty"`
}

// ExportReply is an item of the outbox to the citizen.
type ExportReply struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
	Text  string    `json:"text,omitempty"`
}

// ExportTicket is a ticket of the citizen with its history.
type ExportTicket struct {
	ID         int64         `json:"id"`
	Status     string        `json:"status"`
	Category   string        `json:"category,omitempty"`
	UserName   string        `json:"user_name,omitempty"`
	Question   string        `json:"question"`
	Transcript []balai.Line  `json:"transcript,omitempty"`
	Answer     string        `json:"answer,omitempty"`
	Rating     int           `json:"rating,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	ClosedAt   *time.Time    `json:"closed_at,omitempty"`
	Events     []ExportEvent `json:"events"`
}

// ExportEvent is one step of a ticket; By is "citizen", "officer" or "system".
type ExportEvent struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// ExportChat returns everything the store keeps about chat (with the WhatsApp number found
// with or without "@s.whatsapp.net").
func (db *DB) ExportChat(ctx context.Context, chat balai.ChatRef) (ChatExport, error) {
	x := ChatExport{Chat: chat, ExportedAt: db.now().UTC(), Received: []ExportInbound{}, Messages: []ExportMessage{},
		Replies: []ExportReply{}, Tickets: []ExportTicket{}}
	ch, id, alt := string(chat.Channel), chat.ID, altChatID(chat)
	err := func() error {
		var state string
		err := db.r.QueryRowContext(ctx, `SELECT state FROM conversations WHERE channel = $1 AND chat_id IN ($2, $3) ORDER BY updated_at DESC LIMIT 1`, ch, id, alt).Scan(&state)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		default:
			var c balai.Conversation
			if err := json.Unmarshal([]byte(state), &c); err != nil {
				return err
			}
			x.Conversation = &c
		}
		if err := eachRow(ctx, db.r, `SELECT i.payload, i.received_at, i.handled_at, d.inbound_id IS NOT NULL
			FROM inbound i LEFT JOIN dead_letters d ON d.inbound_id = i.id
			WHERE i.channel = $1 AND i.chat_id IN ($2, $3) ORDER BY i.id`,
			[]any{ch, id, alt}, func(r *sql.Rows) error {
				var payload string
				var at int64
				var handled sql.NullInt64
				var parked bool
				if err := r.Scan(&payload, &at, &handled, &parked); err != nil {
					return err
				}
				var in balai.Inbound
				if err := json.Unmarshal([]byte(payload), &in); err != nil {
					return err
				}
				x.Received = append(x.Received, ExportInbound{At: time.UnixMilli(at).UTC(), Handled: handled.Valid && !parked, Parked: parked, UserID: in.UserID,
					UserName: in.UserName, Kind: string(in.Kind), Text: in.Text, Media: in.Media})
				return nil
			}); err != nil {
			return err
		}
		if err := eachRow(ctx, db.r, `SELECT m.direction, `+logTextCol+`, m.decision, m.lang, m.created_at FROM message_log m`+logTextJoin+`
			WHERE m.channel = $1 AND m.chat_id IN ($2, $3) ORDER BY m.id`,
			[]any{ch, id, alt}, func(r *sql.Rows) error {
				var m ExportMessage
				var at int64
				if err := r.Scan(&m.Direction, &m.Text, &m.Decision, &m.Lang, &at); err != nil {
					return err
				}
				m.At = time.UnixMilli(at).UTC()
				x.Messages = append(x.Messages, m)
				return nil
			}); err != nil {
			return err
		}
		if err := eachRow(ctx, db.r, `SELECT payload, state, created_at FROM outbox WHERE channel = $1 AND chat_id IN ($2, $3) ORDER BY id`,
			[]any{ch, id, alt}, func(r *sql.Rows) error {
				var payload string
				var e ExportReply
				var at int64
				if err := r.Scan(&payload, &e.State, &at); err != nil {
					return err
				}
				var o balai.Outgoing
				if err := json.Unmarshal([]byte(payload), &o); err != nil {
					return err
				}
				e.At, e.Text = time.UnixMilli(at).UTC(), o.Text
				x.Replies = append(x.Replies, e)
				return nil
			}); err != nil {
			return err
		}
		rows, err := db.r.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE channel = $1 AND chat_id IN ($2, $3) ORDER BY id`, ch, id, alt)
		if err != nil {
			return err
		}
		ts, err := scanTickets(rows)
		if err != nil {
			return err
		}
		for _, t := range ts {
			et := ExportTicket{ID: t.ID, Status: string(t.Status), Category: t.Category, UserName: t.UserName, Question: t.Question,
				Transcript: t.Transcript, Answer: t.Answer, Rating: t.Rating, CreatedAt: t.CreatedAt.UTC(), Events: []ExportEvent{}}
			if !t.ClosedAt.IsZero() {
				c := t.ClosedAt.UTC()
				et.ClosedAt = &c
			}
			evs, err := db.Events(ctx, t.ID)
			if err != nil {
				return err
			}
			for _, e := range evs {
				ev := ExportEvent{At: e.At.UTC(), By: "officer", Action: e.Action, Detail: e.Detail}
				switch e.Actor {
				case "citizen", "system":
					ev.By = e.Actor
				}
				if ev.By != "citizen" {
					ev.Detail = redact.String(ev.Detail) // what others wrote may name other people
				}
				et.Events = append(et.Events, ev)
			}
			x.Tickets = append(x.Tickets, et)
		}
		return nil
	}()
	if err != nil {
		return ChatExport{}, fmt.Errorf("store: export %s: %w", chat, err)
	}
	return x, nil
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func eachRow(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
