package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// Per-chat order across processes.
//
// The unhandled messages of a chat (not yet handled nor parked as dead letters) belong to one
// process at a time: Accept gives a new message the owner (and lease) of its chat's oldest
// unhandled message, and claims are taken for whole chats, skipping a chat while any of its
// unhandled messages is held by another live process. The owner handles them in id order
// (bot.Engine) and, when it has finished a chat, claims what other processes accepted for
// it meanwhile (ClaimChat). A message waiting for its retry back-off keeps its chat: later
// messages wait behind it, and a parked message no longer does.
//
// On SQLite one connection writes, so these statements never interleave. On PostgreSQL
// Accept, ClaimChat and Pending take a transaction-scoped advisory lock per chat (in
// ascending order, so two transactions never wait for each other crosswise) before they
// read the chat's claims: a message accepted while its chat's owner finishes either sees
// that its earlier message is handled (and is claimed by the accepting process) or is seen
// by the owner's ClaimChat.

// claimChatsPerPass bounds how many chats one Pending takes (PostgreSQL keeps a lock per
// chat until the transaction ends); the engine's next resync takes the rest.
const claimChatsPerPass = 256

// chatKeyExpr is a chat's advisory-lock key on PostgreSQL.
const chatKeyExpr = `hashtextextended(channel || ':' || chat_id, 0)`

// claimCond selects the unhandled messages this process may claim: unowned, or whose claim
// lapsed (its own too), in a chat no other live process holds. Parameters: $1 owner, $3 now.
// The chats held elsewhere are read once per statement (a look-back per message would make a
// claim over a long backlog quadratic: thousands of messages, each scanning its chat's).
// Messages this process holds already are not claimed again (their claims are renewed by
// RenewClaims): they are read by ownLive, without writing them or locking their chats.
const claimCond = `handled_at IS NULL AND (owner IS NULL OR lease_until < $3)
	AND (channel, chat_id) NOT IN (SELECT o.channel, o.chat_id FROM inbound o
		WHERE o.handled_at IS NULL AND o.owner <> $1 AND o.lease_until >= $3`

// claimAny and claimOne complete claimCond: for every chat, or for the chat $4, $5 only.
const (
	claimAny = claimCond + `)`
	claimOne = claimCond + ` AND o.channel = $4 AND o.chat_id = $5)`
)

// claimSet claims; $2 is the new lease end, which never shortens a longer claim (a message
// waiting for its retry keeps its claim until then).
const claimSet = `UPDATE inbound SET owner = $1, lease_until = CASE WHEN lease_until > $2 THEN lease_until ELSE $2 END`

const claimReturning = ` RETURNING id, payload, attempts, not_before`

// lockChats takes the advisory locks of chats (PostgreSQL keys), ascending.
func lockChats(ctx context.Context, tx *sql.Tx, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	_, err := tx.ExecContext(ctx, `SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) s`, keys)
	return err
}

// chatKeys are the advisory-lock keys of chats (PostgreSQL).
func chatKeys(ctx context.Context, tx *sql.Tx, chats []balai.ChatRef) ([]int64, error) {
	keys := make([]int64, 0, len(chats))
	for _, c := range chats {
		var k int64
		if err := tx.QueryRowContext(ctx, `SELECT hashtextextended($1::text || ':' || $2::text, 0)`, string(c.Channel), c.ID).Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// chatHolder is who handles a new message of chat: the owner of its oldest unhandled
// message (with that claim's end), or this process when it has none.
// behind is true when the chat has such a message.
func (db *DB) chatHolder(ctx context.Context, tx *sql.Tx, chat balai.ChatRef) (owner sql.NullString, leaseUntil int64, behind bool, err error) {
	err = tx.QueryRowContext(ctx, `SELECT owner, lease_until FROM inbound
		WHERE channel = $1 AND chat_id = $2 AND handled_at IS NULL ORDER BY id LIMIT 1`,
		string(chat.Channel), chat.ID).Scan(&owner, &leaseUntil)
	if err == sql.ErrNoRows {
		return sql.NullString{String: db.owner, Valid: true}, db.ms(db.now().Add(db.lease)), false, nil
	}
	return owner, leaseUntil, err == nil, err
}

// Pending claims unhandled messages, chat by chat; see bot.Store. It is PendingExcept
// leaving out nothing.
func (db *DB) Pending(ctx context.Context) ([]balai.StoredInbound, error) {
	return db.PendingExcept(ctx, nil)
}

// PendingExcept claims the unhandled messages that are unowned or whose claim lapsed, chat
// by chat, and adds those this process holds already unless known reports them (the
// engine's catch-up leaves out what it has queued: over a long backlog, reading it all again
// at every catch-up would cost more than handling it); see bot.CatchUpStore.
//
// On PostgreSQL it locks only the chats with something to claim: a catch-up that finds
// nothing new takes no lock, and never holds up Accept.
func (db *DB) PendingExcept(ctx context.Context, known func(id int64) bool) ([]balai.StoredInbound, error) {
	now := db.now()
	var out []balai.StoredInbound
	err := db.tx(ctx, func(tx *sql.Tx) error {
		q := claimSet + ` WHERE ` + claimAny
		args := []any{db.owner, db.ms(now.Add(db.lease)), db.ms(now)}
		claim := true
		if db.dialect == Postgres {
			keys, err := queryIDs(ctx, tx, `SELECT DISTINCT `+chatKeyExpr+` AS k FROM inbound
				WHERE handled_at IS NULL AND (owner IS NULL OR lease_until < $1) ORDER BY k LIMIT $2`,
				db.ms(now), claimChatsPerPass)
			if err != nil {
				return err
			}
			if err := lockChats(ctx, tx, keys); err != nil {
				return err
			}
			q += ` AND ` + chatKeyExpr + ` = ANY($4)`
			args = append(args, keys)
			claim = len(keys) > 0
		}
		if claim {
			var err error
			if out, err = scanClaimed(tx.QueryContext(ctx, q+claimReturning, args...)); err != nil {
				return err
			}
		}
		held, err := db.ownLive(ctx, tx, now, "", nil, out, known)
		if err != nil {
			return err
		}
		out = mergeClaimed(out, held)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	return out, nil
}

// ownLive reads the unhandled messages this process holds (in the chats scope selects,
// with its parameters from $3 on), except those in claimed and those known reports: ids
// first, then the messages still missing.
func (db *DB) ownLive(ctx context.Context, tx *sql.Tx, now time.Time, scope string, scopeArgs []any,
	claimed []balai.StoredInbound, known func(int64) bool) ([]balai.StoredInbound, error) {
	ids, err := queryIDs(ctx, tx, `SELECT id FROM inbound WHERE handled_at IS NULL AND owner = $1 AND lease_until >= $2`+scope+` ORDER BY id`,
		append([]any{db.owner, db.ms(now)}, scopeArgs...)...)
	if err != nil {
		return nil, err
	}
	have := make(map[int64]bool, len(claimed))
	for _, c := range claimed {
		have[c.ID] = true
	}
	missing := ids[:0]
	for _, id := range ids {
		if !have[id] && (known == nil || !known(id)) {
			missing = append(missing, id)
		}
	}
	var out []balai.StoredInbound
	for len(missing) > 0 {
		n := min(len(missing), 500)
		args := []any{db.owner}
		marks := make([]string, n)
		for i, id := range missing[:n] {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		part, err := scanClaimed(tx.QueryContext(ctx, `SELECT id, payload, attempts, not_before FROM inbound
			WHERE handled_at IS NULL AND owner = $1 AND id IN (`+strings.Join(marks, ", ")+`)`, args...))
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
		missing = missing[n:]
	}
	return out, nil
}

// mergeClaimed returns a and b (no id in both) in id order.
func mergeClaimed(a, b []balai.StoredInbound) []balai.StoredInbound {
	if len(b) == 0 {
		return a
	}
	out := append(a, b...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ClaimChat claims the unhandled messages of one chat, unless another live process holds
// it, with those of the chat this process holds already; see bot.ChatClaimer.
func (db *DB) ClaimChat(ctx context.Context, chat balai.ChatRef) ([]balai.StoredInbound, error) {
	now := db.now()
	var out []balai.StoredInbound
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			keys, err := chatKeys(ctx, tx, []balai.ChatRef{chat})
			if err != nil {
				return err
			}
			if err := lockChats(ctx, tx, keys); err != nil {
				return err
			}
		}
		var err error
		out, err = scanClaimed(tx.QueryContext(ctx, claimSet+` WHERE channel = $4 AND chat_id = $5 AND `+claimOne+claimReturning,
			db.owner, db.ms(now.Add(db.lease)), db.ms(now), string(chat.Channel), chat.ID))
		if err != nil {
			return err
		}
		held, err := db.ownLive(ctx, tx, now, ` AND channel = $3 AND chat_id = $4`, []any{string(chat.Channel), chat.ID}, out, nil)
		if err != nil {
			return err
		}
		out = mergeClaimed(out, held)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim chat %s: %w", chat, err)
	}
	return out, nil
}

// RenewClaims extends this process's claims on unhandled messages and undelivered replies
// by a lease from now (never shortening a longer one); see bot.ClaimRenewer.
//
// On PostgreSQL it skips rows another transaction holds at the moment (a claim, a turn's
// commit, a delivery being recorded): those set the lease themselves or end the claim, and
// the next renewal, a third of a lease later, takes the rest. Waiting for them instead would
// lock rows in another order than the claims do, and PostgreSQL aborted one of the two as a
// deadlock under load — a renewal lost that way could let a live replica's claims lapse.
func (db *DB) RenewClaims(ctx context.Context) error {
	until := db.ms(db.now().Add(db.lease))
	inbound := `UPDATE inbound SET lease_until = $1 WHERE owner = $2 AND handled_at IS NULL AND lease_until < $1`
	outbox := `UPDATE outbox SET lease_until = $1 WHERE owner = $2 AND state = 'pending' AND lease_until < $1`
	if db.dialect == Postgres {
		inbound = `UPDATE inbound SET lease_until = $1 WHERE id IN (SELECT id FROM inbound
			WHERE owner = $2 AND handled_at IS NULL AND lease_until < $1 FOR UPDATE SKIP LOCKED)`
		outbox = `UPDATE outbox SET lease_until = $1 WHERE id IN (SELECT id FROM outbox
			WHERE owner = $2 AND state = 'pending' AND lease_until < $1 FOR UPDATE SKIP LOCKED)`
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, inbound, until, db.owner); err != nil {
			return fmt.Errorf("store: renew claims on messages: %w", err)
		}
		if _, err := tx.ExecContext(ctx, outbox, until, db.owner); err != nil {
			return fmt.Errorf("store: renew claims on deliveries: %w", err)
		}
		return nil
	})
}

// scanClaimed reads claimed messages (claimReturning), oldest first.
func scanClaimed(rows *sql.Rows, err error) ([]balai.StoredInbound, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []balai.StoredInbound
	for rows.Next() {
		var s balai.StoredInbound
		var payload string
		var nb sql.NullInt64
		if err := rows.Scan(&s.ID, &payload, &s.Attempts, &nb); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(payload), &s.Inbound); err != nil {
			return nil, fmt.Errorf("message %d: %w", s.ID, err)
		}
		if nb.Valid && nb.Int64 > 0 {
			s.NotBefore = fromMS(nb)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
