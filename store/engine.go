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

// Hot statements, prepared once at Open.
const (
	qAcceptInbound = `INSERT INTO inbound (channel, chat_id, ext_key, payload, received_at, owner, lease_until)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (channel, ext_key) DO NOTHING RETURNING id`
	// A turn commits only while this process holds the message: when its claim lapsed and
	// another process took the message over, that one handles it (in its chat's order).
	qMarkHandled        = `UPDATE inbound SET handled_at = $1 WHERE id = $2 AND handled_at IS NULL AND owner = $3`
	qUpsertConversation = `INSERT INTO conversations (channel, chat_id, state, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (channel, chat_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`
	qLogInbound = `INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
			VALUES ($1, $2, $3, 'in', $4, $5, $6, $7, $8, $9, $10, $11)`
	qInsertOutbox = `INSERT INTO outbox (channel, chat_id, inbound_id, payload, ref, created_at, owner, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`
	// A reply's text is named by text_id (logtext.go).
	qLogOutbound = `INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, text_id, lang, created_at)
				VALUES ($1, $2, $3, 'out', 'text', '', $4, $5, $6)`
	qMarkSent = `UPDATE outbox SET state = 'sent', external_id = $1, sent_at = $2, attempts = attempts + 1 WHERE id = $3`
)

// qMarkSentNotify is qMarkSent on PostgreSQL: a web reply also wakes the replica holding
// the browser's stream, which may not be this one (notify.go), in the same statement.
const qMarkSentNotify = `WITH u AS (UPDATE outbox SET state = 'sent', external_id = $1, sent_at = $2, attempts = attempts + 1 WHERE id = $3
		RETURNING channel, chat_id)
	SELECT pg_notify('` + notifyChannel + `', '` + WakeWeb + ` ' || chat_id) FROM u WHERE channel = 'web'`

var hotStatements = []string{qAcceptInbound, qMarkHandled, qUpsertConversation, qLogInbound, qInsertOutbox, qLogOutbound, qMarkSent,
	qFindLogText, qAddLogText}

// Hot reads, prepared once at Open on the readers: each citizen message reads its
// conversation and its chat's active ticket (parsing the ticket query took twice as long as
// running it on SQLite).
const (
	qConversation = `SELECT state FROM conversations WHERE channel = $1 AND chat_id = $2`
	qTicket       = `SELECT ` + ticketColumns + ` FROM tickets WHERE id = $1`
	qActiveTicket = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE channel = $1 AND chat_id = $2 AND status <> 'closed' ORDER BY id DESC LIMIT 1`
)

var hotReads = []string{qConversation, qTicket, qActiveTicket}

// Accept records inbound messages in one transaction; see bot.Store.
func (db *DB) Accept(ctx context.Context, in []balai.Inbound) ([]balai.StoredInbound, []bool, error) {
	stored := make([]balai.StoredInbound, len(in))
	fresh := make([]bool, len(in))
	if len(in) == 0 {
		return stored, fresh, nil
	}
	now := db.now()
	elsewhere := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		elsewhere = false
		if db.dialect == Postgres {
			// Per-chat order: see order.go.
			seen := map[balai.ChatRef]bool{}
			var chats []balai.ChatRef
			for _, m := range in {
				if !seen[m.Chat] {
					seen[m.Chat] = true
					chats = append(chats, m.Chat)
				}
			}
			keys, err := chatKeys(ctx, tx, chats)
			if err != nil {
				return err
			}
			if err := lockChats(ctx, tx, keys); err != nil {
				return err
			}
		}
		for i, m := range in {
			payload, err := json.Marshal(m)
			if err != nil {
				return err
			}
			owner, leaseUntil, behind, err := db.chatHolder(ctx, tx, m.Chat)
			if err != nil {
				return err
			}
			var id int64
			err = db.txQueryRow(ctx, tx, qAcceptInbound,
				string(m.Chat.Channel), m.Chat.ID, m.Key, string(payload), db.ms(now), owner, leaseUntil).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				stored[i] = balai.StoredInbound{Inbound: m}
			case err != nil:
				return err
			default:
				stored[i] = balai.StoredInbound{ID: id, Inbound: m, Elsewhere: owner.String != db.owner, Behind: behind}
				fresh[i] = true
				elsewhere = elsewhere || stored[i].Elsewhere
			}
		}
		if elsewhere { // the chat's holder takes it up now (notify.go)
			return db.notifyTx(ctx, tx, WakeInbound, db.owner)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: accept: %w", err)
	}
	return stored, fresh, nil
}

// Conversation returns a chat's state; see bot.Store.
func (db *DB) Conversation(ctx context.Context, chat balai.ChatRef) (balai.Conversation, error) {
	var c balai.Conversation
	var state string
	err := db.queryRow(ctx, qConversation, string(chat.Channel), chat.ID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("store: conversation %s: %w", chat, err)
	}
	if err := json.Unmarshal([]byte(state), &c); err != nil {
		return c, fmt.Errorf("store: conversation %s: %w", chat, err)
	}
	return c, nil
}

// Commit applies a turn atomically; see bot.Store.
func (db *DB) Commit(ctx context.Context, t balai.Turn) ([]balai.StoredOutgoing, error) {
	now := db.now()
	var out []balai.StoredOutgoing
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockOutboxChats(ctx, tx, t.Out); err != nil {
			return err
		}
		res, err := db.txExec(ctx, tx, qMarkHandled, db.ms(now), t.Inbound.ID, db.owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errAlreadyHandled
		}
		state, err := json.Marshal(t.State)
		if err != nil {
			return &balai.PermanentError{Err: err}
		}
		chat := t.Inbound.Chat
		if _, err := db.txExec(ctx, tx, qUpsertConversation,
			string(chat.Channel), chat.ID, string(state), db.ms(now)); err != nil {
			return err
		}
		text := t.Inbound.Transcript()
		l := t.Log
		if _, err := db.txExec(ctx, tx, qLogInbound,
			string(chat.Channel), chat.ID, t.Inbound.ID, string(t.Inbound.Kind), text, l.Decision, l.Reason, l.EntryID, l.Confidence, l.Lang, db.ms(now)); err != nil {
			return err
		}
		if out, err = db.enqueue(ctx, tx, t.Out, t.Inbound.ID, now); err != nil {
			return err
		}
		if t.Also != nil {
			return t.Also(ctx, tx)
		}
		return nil
	})
	if errors.Is(err, errAlreadyHandled) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: commit turn %d: %w", t.Inbound.ID, classify(err))
	}
	return out, nil
}

var errAlreadyHandled = errors.New("already handled")

// Enqueue puts items in the outbox; see bot.Store.
func (db *DB) Enqueue(ctx context.Context, items []balai.Outgoing) ([]balai.StoredOutgoing, error) {
	var out []balai.StoredOutgoing
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockOutboxChats(ctx, tx, items); err != nil {
			return err
		}
		var err error
		out, err = db.enqueue(ctx, tx, items, 0, db.now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: enqueue: %w", err)
	}
	return out, nil
}

// Replies of a chat in order across processes (see order.go for the inbound side).
//
// A chat's undelivered replies (pending: not sent, failed nor held) belong to one process at
// a time. enqueue gives a new item the owner and claim of its chat's oldest pending item when
// that is not this process (another process, live or not, or none: given up for the
// channel's holder), marks it Elsewhere so that this process does not send it, and wakes the
// others ("outbox", notify.go): the owner takes it up behind its earlier items, in id order.
// Unsent claims an item only when no earlier pending item of its chat is held by another live
// process, so that when an owner dies its chat's items are claimed together, from the oldest.
// On PostgreSQL Commit and Enqueue take their chats' advisory locks (lockOutboxChats) before
// they look, so that two processes enqueuing for one chat see each other's items.

// lockOutboxChats takes the advisory locks of the chats of items, ascending, in one round
// trip (PostgreSQL). Like Accept, ClaimChat and Pending it takes them before any row lock.
func (db *DB) lockOutboxChats(ctx context.Context, tx *sql.Tx, items []balai.Outgoing) error {
	if db.dialect != Postgres || len(items) == 0 {
		return nil
	}
	channels := make([]string, len(items))
	ids := make([]string, len(items))
	for i, o := range items {
		channels[i], ids[i] = string(o.Chat.Channel), o.Chat.ID
	}
	_, err := tx.ExecContext(ctx, `SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT hashtextextended(c || ':' || i, 0) AS k
		FROM unnest($1::text[], $2::text[]) AS u(c, i) ORDER BY 1) s`, channels, ids)
	return err
}

// outboxHolder is who delivers a new item of chat: the owner of its oldest pending item, with
// that claim's end, when that is not this process (elsewhere); otherwise this process, and
// after lists the chat's pending items this process holds (see balai.StoredOutgoing.After).
func (db *DB) outboxHolder(ctx context.Context, tx *sql.Tx, chat balai.ChatRef, now time.Time) (h outboxClaim, err error) {
	err = tx.QueryRowContext(ctx, `SELECT owner, lease_until FROM outbox
		WHERE channel = $1 AND chat_id = $2 AND state = 'pending' ORDER BY id LIMIT 1`,
		string(chat.Channel), chat.ID).Scan(&h.owner, &h.leaseUntil)
	if err == nil && h.owner.String != db.owner {
		h.elsewhere = true
		return h, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, err
	}
	if err == nil {
		// The chat's earlier replies are this process's. Another process may have joined some
		// to its claim a moment ago (they are not queued here until it is woken): the new item
		// must not go out before them.
		if h.after, err = db.ownPendingIDs(ctx, tx, chat); err != nil {
			return h, err
		}
	}
	h.owner, h.leaseUntil = sql.NullString{String: db.owner, Valid: true}, db.ms(now.Add(db.lease))
	return h, nil
}

// ownPendingIDs are the ids of chat's pending items this process holds, oldest first.
func (db *DB) ownPendingIDs(ctx context.Context, tx *sql.Tx, chat balai.ChatRef) ([]int64, error) {
	return queryIDs(ctx, tx, `SELECT id FROM outbox WHERE channel = $1 AND chat_id = $2 AND state = 'pending' AND owner = $3 ORDER BY id`,
		string(chat.Channel), chat.ID, db.owner)
}

type outboxClaim struct {
	owner      sql.NullString
	leaseUntil int64
	elsewhere  bool
	after      []int64 // the chat's pending items this process holds (not elsewhere)
}

func (db *DB) enqueue(ctx context.Context, tx *sql.Tx, items []balai.Outgoing, inbound int64, now time.Time) ([]balai.StoredOutgoing, error) {
	out := make([]balai.StoredOutgoing, 0, len(items))
	var inb any
	if inbound != 0 {
		inb = inbound
	}
	holders := map[balai.ChatRef]outboxClaim{}
	elsewhere := false
	for _, o := range items {
		payload, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		h, ok := holders[o.Chat]
		var after []int64 // on the chat's first item only: the others follow it
		if !ok {
			if h, err = db.outboxHolder(ctx, tx, o.Chat, now); err != nil {
				return nil, err
			}
			holders[o.Chat] = h
			elsewhere = elsewhere || h.elsewhere
			after = h.after
		}
		var id int64
		if err := db.txQueryRow(ctx, tx, qInsertOutbox,
			string(o.Chat.Channel), o.Chat.ID, inb, string(payload), o.Ref, db.ms(now), h.owner, h.leaseUntil).Scan(&id); err != nil {
			return nil, err
		}
		// The officers' cards and notices about tickets are not the citizens' conversation:
		// the ticket and its events keep what they say.
		if _, card := balai.ParseRef(o.Ref); o.Kind == balai.OutMessage && !card {
			textID, err := db.logTextID(ctx, tx, o.Text)
			if err != nil {
				return nil, err
			}
			if _, err := db.txExec(ctx, tx, qLogOutbound,
				string(o.Chat.Channel), o.Chat.ID, inb, textID, o.Lang, db.ms(now)); err != nil {
				return nil, err
			}
		}
		out = append(out, balai.StoredOutgoing{ID: id, Outgoing: o, Elsewhere: h.elsewhere, After: after})
	}
	if elsewhere { // the chat's holder takes its new items up now (notify.go)
		if err := db.notifyTx(ctx, tx, WakeOutbox, db.owner); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Unsent claims undelivered outbox items; see bot.Store.
//
// This process's own items are listed again unless an earlier pending item of their chat is
// held by another live process. Another process's items (unclaimed, or whose claim lapsed)
// are taken over only in a chat where no pending item is held by another live process: a
// dead process's claims lapse one by one (an item claimed after its last renewal lapses
// later), and taking a chat's lapsed items while a later one is still held would split the
// chat between two owners — the new one would then deliver the chat's next replies (which
// join the oldest pending item's owner) before that later item.
//
// On PostgreSQL the claim runs under one advisory lock (unsentLock), so that two processes'
// claims never interleave: a statement reads the claims (held) as they were when it started,
// and one that started while another process's claim was being committed could take a
// chat's item that the other did not see, while the other took the chat's earlier ones.
func (db *DB) Unsent(ctx context.Context) ([]balai.StoredOutgoing, error) {
	now := db.now()
	// held is, per chat, the first pending item another live process holds. Computed once
	// (not per item: a chat with thousands of pending items, such as the officers' group
	// after a long stop, would make a per-item look-back quadratic).
	const q = `WITH held AS MATERIALIZED (
			SELECT channel, chat_id, MIN(id) AS first FROM outbox
			WHERE state = 'pending' AND owner <> $1 AND lease_until >= $3
			GROUP BY channel, chat_id)
		UPDATE outbox SET owner = $1, lease_until = $2
		WHERE state = 'pending' AND (owner IS NULL OR owner = $1 OR lease_until < $3)
		AND NOT EXISTS (SELECT 1 FROM held h WHERE h.channel = outbox.channel AND h.chat_id = outbox.chat_id
			AND (h.first < outbox.id OR outbox.owner IS NULL OR outbox.owner <> $1))
		RETURNING ` + outboxColumns
	args := []any{db.owner, db.ms(now.Add(db.lease)), db.ms(now)}
	var out []balai.StoredOutgoing
	var err error
	if db.dialect == Postgres {
		err = db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, unsentLock); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			out, err = scanOutbox(rows)
			return err
		})
	} else { // one writer: the statement never interleaves with another
		var rows *sql.Rows
		if rows, err = db.w.QueryContext(ctx, q, args...); err == nil {
			out, err = scanOutbox(rows)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: unsent: %w", err)
	}
	return out, nil
}

// unsentLock serializes Unsent's claims across processes on PostgreSQL.
const unsentLock = 774414

// Claimed returns those of ids that are still pending and claimed by this process, oldest
// first; see bot.ClaimedLoader.
func (db *DB) Claimed(ctx context.Context, ids []int64) ([]balai.StoredOutgoing, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{db.owner}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox
		WHERE state = 'pending' AND owner = $1 AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: claimed items: %w", err)
	}
	out, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("store: claimed items: %w", err)
	}
	return out, nil
}

// outboxColumns are the columns scanOutbox reads.
const outboxColumns = `id, payload, attempts, not_before, failing_since`

// scanOutbox reads outbox items (outboxColumns), oldest first.
func scanOutbox(rows *sql.Rows) ([]balai.StoredOutgoing, error) {
	defer rows.Close()
	var out []balai.StoredOutgoing
	for rows.Next() {
		var s balai.StoredOutgoing
		var payload string
		var nb, fs sql.NullInt64
		if err := rows.Scan(&s.ID, &payload, &s.Attempts, &nb, &fs); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(payload), &s.Outgoing); err != nil {
			return nil, fmt.Errorf("item %d: %w", s.ID, err)
		}
		s.Outgoing.ID = s.ID
		s.NotBefore = fromMS(nb)
		s.FailingSince = fromMS(fs)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// MarkSent records a delivery; see bot.Store.
func (db *DB) MarkSent(ctx context.Context, id int64, externalID string, at time.Time) error {
	q := qMarkSent
	if db.dialect == Postgres {
		q = qMarkSentNotify
	}
	st, err := db.stmt(ctx, q)
	if err == nil {
		_, err = st.ExecContext(ctx, externalID, db.ms(at), id)
	}
	if err != nil {
		return fmt.Errorf("store: mark sent %d: %w", id, err)
	}
	return nil
}

// MarkFailed records a failed delivery; see bot.Store. The first failure since the item
// was queued (or released from a hold) is remembered: the delivery horizon counts from it.
func (db *DB) MarkFailed(ctx context.Context, id int64, reason string, permanent bool, retryAt time.Time) error {
	state := "pending"
	if permanent {
		state = "failed"
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE outbox SET state = $1, last_error = $2, attempts = attempts + 1, not_before = $3, lease_until = $4,
			failing_since = COALESCE(failing_since, $5) WHERE id = $6`,
		state, reason, db.ms(retryAt), db.ms(retryAt.Add(db.lease)), db.ms(db.now()), id); err != nil {
		return fmt.Errorf("store: mark failed %d: %w", id, err)
	}
	return nil
}

// tx runs fn in a write transaction.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// SentAfter returns the delivered messages of a chat with outbox ids above after, oldest
// first, at most limit (the web chat replays them to a browser that reconnects).
func (db *DB) SentAfter(ctx context.Context, chat balai.ChatRef, after int64, limit int) ([]balai.StoredOutgoing, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox
		WHERE channel = $1 AND chat_id = $2 AND id > $3 AND state = 'sent' ORDER BY id LIMIT $4`,
		string(chat.Channel), chat.ID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: sent after: %w", err)
	}
	out, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("store: sent after: %w", err)
	}
	return out, nil
}

// MarkHeld parks an item until its chat writes again; see bot.Store.
func (db *DB) MarkHeld(ctx context.Context, id int64, reason string) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE outbox SET state = 'held', last_error = $1, attempts = attempts + 1 WHERE id = $2`, reason, id); err != nil {
		return fmt.Errorf("store: hold %d: %w", id, err)
	}
	return nil
}

// ReleaseHeld returns a chat's held items to the outbox, claimed by this process; see bot.Store.
func (db *DB) ReleaseHeld(ctx context.Context, chat balai.ChatRef) ([]balai.StoredOutgoing, error) {
	now := db.now()
	rows, err := db.w.QueryContext(ctx, `UPDATE outbox SET state = 'pending', owner = $1, lease_until = $2, failing_since = NULL, not_before = 0
		WHERE channel = $3 AND chat_id = $4 AND state = 'held' RETURNING `+outboxColumns,
		db.owner, db.ms(now.Add(db.lease)), string(chat.Channel), chat.ID)
	if err != nil {
		return nil, fmt.Errorf("store: release held: %w", err)
	}
	out, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("store: release held: %w", err)
	}
	return out, nil
}

// LastInbound is when a chat last wrote; see bot.Store.
func (db *DB) LastInbound(ctx context.Context, chat balai.ChatRef) (time.Time, error) {
	var ms sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT MAX(received_at) FROM inbound WHERE channel = $1 AND chat_id = $2`,
		string(chat.Channel), chat.ID).Scan(&ms); err != nil {
		return time.Time{}, fmt.Errorf("store: last inbound: %w", err)
	}
	return fromMS(ms), nil
}

// Unclaim gives an item's claim up; see bot.Store.
func (db *DB) Unclaim(ctx context.Context, id int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET owner = NULL, lease_until = 0 WHERE id = $1 AND owner = $2`, id, db.owner); err != nil {
			return err
		}
		// The process holding the item's channel takes it up now (notify.go).
		return db.notifyTx(ctx, tx, WakeOutbox, db.owner)
	})
	if err != nil {
		return fmt.Errorf("store: unclaim %d: %w", id, err)
	}
	return nil
}

// Confirm renews this process's claim on a pending item; see bot.Store.
func (db *DB) Confirm(ctx context.Context, id int64) (bool, error) {
	now := db.now()
	res, err := db.w.ExecContext(ctx, `UPDATE outbox SET lease_until = $1 WHERE id = $2 AND owner = $3 AND state = 'pending'`,
		db.ms(now.Add(db.lease)), id, db.owner)
	if err != nil {
		return false, fmt.Errorf("store: confirm %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimTTL is how long a claim lasts; see bot.Store.
func (db *DB) ClaimTTL() time.Duration { return db.lease }

// ReleaseClaims gives up this process's claims on unhandled messages and undelivered replies
// (a graceful stop): another process — a replica, or this one restarted under its new
// name — takes the work at once instead of when the claims lapse.
func (db *DB) ReleaseClaims(ctx context.Context) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE inbound SET owner = NULL, lease_until = 0 WHERE owner = $1 AND handled_at IS NULL`, db.owner); err != nil {
			return fmt.Errorf("store: release claims on messages: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET owner = NULL, lease_until = 0 WHERE owner = $1 AND state = 'pending'`, db.owner); err != nil {
			return fmt.Errorf("store: release claims on deliveries: %w", err)
		}
		return nil
	})
}

// OutboxBacklog counts the undelivered outbox items by channel and state, with the oldest's
// time; see bot.Backlog.
func (db *DB) OutboxBacklog(ctx context.Context) ([]balai.OutboxState, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT channel, state, COUNT(*), MIN(created_at) FROM outbox
		WHERE state IN ('pending', 'held') GROUP BY channel, state ORDER BY channel, state`)
	if err != nil {
		return nil, fmt.Errorf("store: outbox backlog: %w", err)
	}
	defer rows.Close()
	var out []balai.OutboxState
	for rows.Next() {
		var s balai.OutboxState
		var ch string
		var oldest sql.NullInt64
		if err := rows.Scan(&ch, &s.State, &s.Items, &oldest); err != nil {
			return nil, fmt.Errorf("store: outbox backlog: %w", err)
		}
		s.Channel = balai.Channel(ch)
		s.Oldest = fromMS(oldest)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: outbox backlog: %w", err)
	}
	return out, nil
}
