package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

const ticketColumns = `id, source_key, channel, chat_id, user_name, question, transcript, reason, topic, topic_label,
	category, candidates, lang, status, priority, assignee, assignee_name, answer, rating, created_at, due_at,
	claimed_at, answered_at, closed_at, activity_at, reminded_at, overdue_at, card_held, version, resolution,
	entry_id, refer_to, last_citizen_at, kind, legal_due_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanTicket(r rowScanner) (balai.Ticket, error) {
	var t balai.Ticket
	var ch, transcript, cands, status string
	var created, due, activity int64
	var claimed, answered, closed, reminded, overdue, citizen, legalDue sql.NullInt64
	var held int
	var resolution, kind string
	err := r.Scan(&t.ID, &t.SourceKey, &ch, &t.Chat.ID, &t.UserName, &t.Question, &transcript, &t.Reason, &t.Topic,
		&t.TopicLabel, &t.Category, &cands, &t.Lang, &status, &t.Priority, &t.Assignee, &t.AssigneeName, &t.Answer,
		&t.Rating, &created, &due, &claimed, &answered, &closed, &activity, &reminded, &overdue, &held, &t.Version,
		&resolution, &t.EntryID, &t.ReferTo, &citizen, &kind, &legalDue)
	if errors.Is(err, sql.ErrNoRows) {
		return t, balai.ErrTicketNotFound
	}
	if err != nil {
		return t, err
	}
	t.Chat.Channel = balai.Channel(ch)
	t.Status = balai.Status(status)
	t.CardHeld = held != 0
	json.Unmarshal([]byte(transcript), &t.Transcript)
	if cands != "" {
		t.Candidates = strings.Split(cands, ",")
	}
	t.CreatedAt, t.DueAt, t.ActivityAt = time.UnixMilli(created), time.UnixMilli(due), time.UnixMilli(activity)
	t.ClaimedAt, t.AnsweredAt, t.ClosedAt = fromMS(claimed), fromMS(answered), fromMS(closed)
	t.RemindedAt, t.OverdueAt = fromMS(reminded), fromMS(overdue)
	t.Resolution, t.LastCitizenAt = balai.ResolutionKind(resolution), fromMS(citizen)
	t.Kind, t.LegalDueAt = balai.TicketKind(kind), fromMS(legalDue)
	return t, nil
}

func scanTickets(rows *sql.Rows) ([]balai.Ticket, error) {
	defer rows.Close()
	var out []balai.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateTicket stores a ticket once per source key and one active ticket per chat, without
// limits; see CreateTicketWith.
func (db *DB) CreateTicket(ctx context.Context, t balai.Ticket, card func(balai.Ticket) []balai.Outgoing) (balai.Ticket, bool, []balai.StoredOutgoing, error) {
	return db.CreateTicketWith(ctx, t, balai.CreateTicketOptions{}, card)
}

// cardLock serializes the count of cards against the officers' chat's limit on PostgreSQL
// (SQLite has one writer at a time): two replicas creating tickets at once see each other's.
const cardLock = 774412

// CreateTicketWith stores a ticket once per source key and at most one active ticket per chat
// (a partial unique index: it holds across processes), within opts' limits; see desk.Store.
func (db *DB) CreateTicketWith(ctx context.Context, t balai.Ticket, opts balai.CreateTicketOptions, card func(balai.Ticket) []balai.Outgoing) (balai.Ticket, bool, []balai.StoredOutgoing, error) {
	transcript, _ := json.Marshal(t.Transcript)
	kind := t.Kind
	switch {
	case opts.Form != nil:
		kind = opts.Form.Kind
	case kind == "":
		kind = balai.KindQuestion
	}
	if !kind.Valid() {
		return balai.Ticket{}, false, nil, fmt.Errorf("store: create ticket: kind %q", kind)
	}
	var out balai.Ticket
	var created bool
	var items []balai.StoredOutgoing
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockEvents(ctx, tx); err != nil {
			return err
		}
		// existing is the ticket this request (a retry) or another one of the chat opened.
		existing := func() error {
			var err error
			out, err = scanTicket(tx.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE source_key = $1`, t.SourceKey))
			if errors.Is(err, balai.ErrTicketNotFound) {
				out, err = scanTicket(tx.QueryRowContext(ctx, qActiveTicket, string(t.Chat.Channel), t.Chat.ID))
			}
			return err
		}
		if !opts.CloseAnsweredBefore.IsZero() {
			// The chat's answered ticket idle past the reopen window was about to close by
			// itself (desk.Store.StaleAnswered): it closes now, for the new one.
			rows, err := tx.QueryContext(ctx, `UPDATE tickets SET status = 'closed', closed_at = $1, activity_at = $1
				WHERE channel = $2 AND chat_id = $3 AND status = 'answered' AND activity_at < $4 RETURNING id`,
				db.ms(t.CreatedAt), string(t.Chat.Channel), t.Chat.ID, db.ms(opts.CloseAnsweredBefore))
			if err != nil {
				return err
			}
			var closed []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				closed = append(closed, id)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			for _, id := range closed {
				if err := addEvent(ctx, tx, db, balai.Event{TicketID: id, Actor: "system", Action: "closed", Detail: "no reply from the citizen", At: t.CreatedAt}); err != nil {
					return err
				}
			}
		}
		switch err := existing(); {
		case err == nil:
			return nil
		case !errors.Is(err, balai.ErrTicketNotFound):
			return err
		}
		if opts.PerHour > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE channel = $1 AND chat_id = $2 AND created_at > $3`,
				string(t.Chat.Channel), t.Chat.ID, db.ms(t.CreatedAt.Add(-time.Hour))).Scan(&n); err != nil {
				return err
			}
			if n >= opts.PerHour {
				return balai.ErrTooMany
			}
		}
		held := 0
		if card != nil && opts.CardsPerMinute > 0 {
			if db.dialect == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, cardLock); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE created_at > $1 AND card_held = 0`,
				db.ms(t.CreatedAt.Add(-time.Minute))).Scan(&n); err != nil {
				return err
			}
			if n >= opts.CardsPerMinute {
				held = 1
			}
		}
		var err error
		out, err = scanTicket(tx.QueryRowContext(ctx, `INSERT INTO tickets (source_key, channel, chat_id, user_name, question, transcript, reason,
			topic, topic_label, category, candidates, lang, status, priority, created_at, due_at, activity_at, card_held, last_citizen_at,
			kind, legal_due_at, terms_indexed)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, $15, $14, $16, $14, $17, $18, 1)
			ON CONFLICT DO NOTHING RETURNING `+ticketColumns,
			t.SourceKey, string(t.Chat.Channel), t.Chat.ID, t.UserName, t.Question, string(transcript), t.Reason,
			t.Topic, t.TopicLabel, t.Category, strings.Join(t.Candidates, ","), t.Lang, t.Priority,
			db.ms(t.CreatedAt), db.ms(t.DueAt), held, string(kind), msOrNull(db, t.LegalDueAt)))
		switch {
		case errors.Is(err, balai.ErrTicketNotFound): // another process created it (or the chat's) meanwhile
			return existing()
		case err != nil:
			return err
		}
		created = true
		if err := db.indexTicket(ctx, tx, out.ID, ticketTexts(t.UserName, t.Question, string(transcript))...); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, db, balai.Event{TicketID: out.ID, Actor: "system", Action: "created", Detail: t.Reason, At: t.CreatedAt}); err != nil {
			return err
		}
		if opts.Form != nil {
			// The form is stored with its ticket, or neither is.
			f := *opts.Form
			f.TicketID = out.ID
			if _, err := db.saveFormTx(ctx, tx, f, opts.FormPrefix); err != nil {
				return fmt.Errorf("form: %w", err)
			}
		}
		out.Version++ // the created event
		if card != nil && held == 0 {
			items, err = db.enqueue(ctx, tx, card(out), 0, t.CreatedAt)
		}
		return err
	})
	if errors.Is(err, balai.ErrTooMany) {
		return balai.Ticket{}, false, nil, err
	}
	if err != nil {
		return balai.Ticket{}, false, nil, fmt.Errorf("store: create ticket: %w", err)
	}
	return out, created, items, nil
}

// HeldCards takes the tickets whose cards were held back and not yet summarized, and queues
// summary's messages for them in the same transaction: each held ticket is in exactly one
// summary, across processes. See desk.Store.
func (db *DB) HeldCards(ctx context.Context, now time.Time, summary func([]balai.Ticket) []balai.Outgoing) ([]balai.Ticket, []balai.StoredOutgoing, error) {
	var ts []balai.Ticket
	var items []balai.StoredOutgoing
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE tickets SET card_held = 2 WHERE card_held = 1 RETURNING `+ticketColumns)
		if err != nil {
			return err
		}
		if ts, err = scanTickets(rows); err != nil || len(ts) == 0 {
			return err
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
		items, err = db.enqueue(ctx, tx, summary(ts), 0, now)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: held cards: %w", err)
	}
	return ts, items, nil
}

// Ticket returns a ticket; see desk.Store.
func (db *DB) Ticket(ctx context.Context, id int64) (balai.Ticket, error) {
	return scanTicket(db.queryRow(ctx, qTicket, id))
}

// ActiveTicket returns the chat's newest ticket that is not closed; see desk.Store.
func (db *DB) ActiveTicket(ctx context.Context, chat balai.ChatRef) (balai.Ticket, error) {
	return scanTicket(db.queryRow(ctx, qActiveTicket, string(chat.Channel), chat.ID))
}

// Queue lists open and claimed tickets; see desk.Store.
func (db *DB) Queue(ctx context.Context, limit int) ([]balai.Ticket, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE status IN ('open', 'claimed')
		ORDER BY priority DESC, due_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: queue: %w", err)
	}
	return scanTickets(rows)
}

// Claim assigns an open ticket in one atomic statement; see desk.Store. On PostgreSQL the
// next ticket is picked with FOR UPDATE SKIP LOCKED, so concurrent claims take different
// tickets instead of waiting for each other.
func (db *DB) Claim(ctx context.Context, id int64, officer, name string, now time.Time) (balai.Ticket, error) {
	var target string
	var args []any
	if id != 0 {
		target, args = `$5`, []any{id}
	} else {
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		target = `(SELECT id FROM tickets WHERE status = 'open' ORDER BY priority DESC, due_at, id LIMIT 1` + lock + `)`
	}
	var t balai.Ticket
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockEvents(ctx, tx); err != nil {
			return err
		}
		var err error
		t, err = scanTicket(tx.QueryRowContext(ctx, `UPDATE tickets SET status = 'claimed', assignee = $1, assignee_name = $2,
			claimed_at = $3, activity_at = $4, version = version + 1 WHERE id = `+target+` AND status = 'open' RETURNING `+ticketColumns,
			append([]any{officer, name, db.ms(now), db.ms(now)}, args...)...))
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, db, balai.Event{TicketID: t.ID, Actor: officer, ActorName: name, Action: "claimed", At: now})
	})
	if errors.Is(err, balai.ErrTicketNotFound) {
		if id == 0 {
			return t, balai.ErrTicketNotFound
		}
		if _, gerr := db.Ticket(ctx, id); gerr != nil {
			return t, gerr
		}
		return t, balai.ErrConflict
	}
	if err != nil {
		return t, fmt.Errorf("store: claim: %w", err)
	}
	return t, nil
}

// Transition changes a ticket's status atomically; see desk.Store.
func (db *DB) Transition(ctx context.Context, id int64, from []balai.Status, to balai.Status, ev balai.Event, out []balai.Outgoing, set balai.TicketUpdate) (balai.Ticket, []balai.StoredOutgoing, error) {
	var t balai.Ticket
	var items []balai.StoredOutgoing
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = db.TransitionTx(ctx, tx, id, from, to, ev, set)
		if err != nil {
			return err
		}
		items, err = db.enqueue(ctx, tx, out, 0, ev.At)
		return err
	})
	if err != nil {
		return t, nil, err
	}
	return t, items, nil
}

// TransitionTx is Transition within a caller's transaction (a turn of the officers' chat).
func (db *DB) TransitionTx(ctx context.Context, tx balai.Tx, id int64, from []balai.Status, to balai.Status, ev balai.Event, set balai.TicketUpdate) (balai.Ticket, error) {
	return db.ApplyTx(ctx, tx, balai.TicketAction{ID: id, From: from, To: to, Events: []balai.Event{ev}, Set: set})
}

// addEvent records ev in the ticket's audit log and counts it as a change of the ticket (its
// Version); a citizen's event is their latest message (LastCitizenAt); the words of a
// follow-up or a reply become searchable.
func addEvent(ctx context.Context, tx balai.Tx, db *DB, ev balai.Event) error {
	if err := db.lockEvents(ctx, tx); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, db, ev); err != nil {
		return err
	}
	if searchActions[ev.Action] {
		if err := db.indexTicket(ctx, tx, ev.TicketID, ev.Detail); err != nil {
			return err
		}
	}
	q := `UPDATE tickets SET version = version + 1 WHERE id = $1`
	args := []any{ev.TicketID}
	if ev.Actor == "citizen" {
		q = `UPDATE tickets SET version = version + 1, last_citizen_at = $2 WHERE id = $1`
		args = append(args, db.ms(ev.At))
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// insertEvent records ev only (the caller's update counted the change).
func insertEvent(ctx context.Context, tx balai.Tx, db *DB, ev balai.Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, actor, actor_name, action, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		ev.TicketID, ev.Actor, ev.ActorName, ev.Action, ev.Detail, db.ms(ev.At))
	return err
}

// eventLock serializes the transactions that record ticket events on PostgreSQL, from their
// first change of a ticket to their commit: event ids then become visible in increasing
// order, so the change feed (Changes) never skips an event committed late. SQLite has one
// writer at a time.
const eventLock = 774413

// lockEvents takes eventLock in tx (PostgreSQL; again in the same transaction is free).
// Every transaction that changes tickets and records events takes it before its first
// change of a ticket, so that two of them never wait for each other's rows in turn.
func (db *DB) lockEvents(ctx context.Context, tx balai.Tx) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, eventLock)
	return err
}

// AddEvent records an event; a citizen's follow-up also extends the transcript. See desk.Store.
func (db *DB) AddEvent(ctx context.Context, ev balai.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return db.AddEventTx(ctx, tx, ev) })
}

// AddEventTx is AddEvent within a caller's transaction.
func (db *DB) AddEventTx(ctx context.Context, tx balai.Tx, ev balai.Event) error {
	if err := addEvent(ctx, tx, db, ev); err != nil {
		return fmt.Errorf("store: ticket event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET activity_at = $1 WHERE id = $2`, db.ms(ev.At), ev.TicketID); err != nil {
		return fmt.Errorf("store: ticket event: %w", err)
	}
	return nil
}

// Events lists a ticket's events; see desk.Store.
func (db *DB) Events(ctx context.Context, id int64) ([]balai.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT ticket_id, actor, actor_name, action, detail, created_at FROM ticket_events WHERE ticket_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []balai.Event
	for rows.Next() {
		var e balai.Event
		var at int64
		if err := rows.Scan(&e.TicketID, &e.Actor, &e.ActorName, &e.Action, &e.Detail, &at); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DueForReminder marks and returns tickets due soon; see desk.Store.
func (db *DB) DueForReminder(ctx context.Context, now, soon time.Time) ([]balai.Ticket, error) {
	rows, err := db.w.QueryContext(ctx, `UPDATE tickets SET reminded_at = $1 WHERE status IN ('open', 'claimed')
		AND reminded_at IS NULL AND due_at <= $2 AND due_at > $1 RETURNING `+ticketColumns, db.ms(now), db.ms(soon))
	if err != nil {
		return nil, fmt.Errorf("store: reminders: %w", err)
	}
	return scanTickets(rows)
}

// OverdueTickets marks and returns tickets past due; see desk.Store.
func (db *DB) OverdueTickets(ctx context.Context, now time.Time) ([]balai.Ticket, error) {
	rows, err := db.w.QueryContext(ctx, `UPDATE tickets SET overdue_at = $1 WHERE status IN ('open', 'claimed')
		AND overdue_at IS NULL AND due_at <= $1 RETURNING `+ticketColumns, db.ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: overdue: %w", err)
	}
	return scanTickets(rows)
}

// LapsedClaims returns silent claims to the queue; see desk.Store.
func (db *DB) LapsedClaims(ctx context.Context, before, now time.Time) ([]balai.Ticket, error) {
	out, err := db.sweep(ctx, `UPDATE tickets SET status = 'open', assignee = '', assignee_name = '', claimed_at = NULL,
		activity_at = $1 WHERE status = 'claimed' AND activity_at < $2 RETURNING `+ticketColumns, before,
		balai.Event{Actor: "system", Action: "released", Detail: "claim lapsed", At: now})
	if err != nil {
		return nil, fmt.Errorf("store: lapsed claims: %w", err)
	}
	return out, nil
}

// StaleAnswered closes answered tickets the citizen did not follow up; see desk.Store.
func (db *DB) StaleAnswered(ctx context.Context, before, now time.Time) ([]balai.Ticket, error) {
	out, err := db.sweep(ctx, `UPDATE tickets SET status = 'closed', closed_at = $1, activity_at = $1
		WHERE status = 'answered' AND activity_at < $2 RETURNING `+ticketColumns, before,
		balai.Event{Actor: "system", Action: "closed", Detail: "no reply from the citizen", At: now})
	if err != nil {
		return nil, fmt.Errorf("store: close answered: %w", err)
	}
	return out, nil
}

// sweep runs update (with $1 the time of ev and $2 before) and records ev for every ticket it
// returns, in one transaction.
func (db *DB) sweep(ctx context.Context, update string, before time.Time, ev balai.Event) ([]balai.Ticket, error) {
	var out []balai.Ticket
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockEvents(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, update, db.ms(ev.At), db.ms(before))
		if err != nil {
			return err
		}
		if out, err = scanTickets(rows); err != nil {
			return err
		}
		for i, t := range out {
			ev.TicketID = t.ID
			if err := addEvent(ctx, tx, db, ev); err != nil {
				return err
			}
			out[i].Version++
		}
		return nil
	})
	return out, err
}

// CardMessage returns the delivered card's message id; see desk.Store.
func (db *DB) CardMessage(ctx context.Context, id int64) (string, error) {
	var ext string
	err := db.r.QueryRowContext(ctx, `SELECT external_id FROM outbox WHERE ref = $1 AND state = 'sent' ORDER BY id LIMIT 1`, balai.CardRef(id)).Scan(&ext)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return ext, err
}

// TicketByCard finds a ticket by the message id of its card or of a notice about it; see
// desk.Store.
func (db *DB) TicketByCard(ctx context.Context, chat balai.ChatRef, msgID string) (int64, error) {
	// Notices about several tickets sent as one message share its id: such a message names
	// no one ticket (MIN <> MAX), and a reply to it is not taken as an answer to any.
	var ref, other sql.NullString
	err := db.r.QueryRowContext(ctx, `SELECT MIN(ref), MAX(ref) FROM outbox WHERE channel = $1 AND chat_id = $2 AND external_id = $3 AND ref <> ''`,
		string(chat.Channel), chat.ID, msgID).Scan(&ref, &other)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (!ref.Valid || ref.String != other.String) {
		return 0, balai.ErrTicketNotFound
	}
	if err != nil {
		return 0, err
	}
	id, ok := balai.ParseRef(ref.String)
	if !ok {
		return 0, balai.ErrTicketNotFound
	}
	return id, nil
}

// RecentMessages returns a chat's last messages; see desk.Store.
func (db *DB) RecentMessages(ctx context.Context, chat balai.ChatRef, n int) ([]balai.Line, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.direction, `+logTextCol+`, m.created_at FROM message_log m`+logTextJoin+`
		WHERE m.channel = $1 AND m.chat_id = $2 ORDER BY m.id DESC LIMIT $3`, string(chat.Channel), chat.ID, n)
	if err != nil {
		return nil, fmt.Errorf("store: recent messages: %w", err)
	}
	defer rows.Close()
	var out []balai.Line
	for rows.Next() {
		var dir, text string
		var at int64
		if err := rows.Scan(&dir, &text, &at); err != nil {
			return nil, err
		}
		from := "citizen"
		if dir == "out" {
			from = "bot"
		}
		out = append(out, balai.Line{From: from, Text: text, At: time.UnixMilli(at)})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// msOrNull is t in milliseconds, NULL when zero.
func msOrNull(db *DB, t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: db.ms(t), Valid: true}
}
