package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"

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

// claimCond selects the unhandled messages this process may claim: unowned, its own, or
// whose claim lapsed, in a chat no other live process holds. Parameters: $1 owner, $3 now.
const claimCond = `handled_at IS NULL AND (owner IS NULL OR owner = $1 OR lease_until < $3)
	AND NOT EXISTS (SELECT 1 FROM inbound o WHERE o.channel = inbound.channel AND o.chat_id = inbound.chat_id
		AND o.handled_at IS NULL AND o.owner <> $1 AND o.lease_until >= $3)`

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

// Pending claims unhandled messages, chat by chat; see bot.Store.
func (db *DB) Pending(ctx context.Context) ([]balai.StoredInbound, error) {
	now := db.now()
	var out []balai.StoredInbound
	err := db.tx(ctx, func(tx *sql.Tx) error {
		q := claimSet + ` WHERE ` + claimCond
		args := []any{db.owner, db.ms(now.Add(db.lease)), db.ms(now)}
		if db.dialect == Postgres {
			var keys []int64
			rows, err := tx.QueryContext(ctx, `SELECT DISTINCT `+chatKeyExpr+` AS k FROM inbound
				WHERE handled_at IS NULL AND (owner IS NULL OR owner = $1 OR lease_until < $2) ORDER BY k LIMIT $3`,
				db.owner, db.ms(now), claimChatsPerPass)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k int64
				if err := rows.Scan(&k); err != nil {
					rows.Close()
					return err
				}
				keys = append(keys, k)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(keys) == 0 {
				return nil
			}
			if err := lockChats(ctx, tx, keys); err != nil {
				return err
			}
			q += ` AND ` + chatKeyExpr + ` = ANY($4)`
			args = append(args, keys)
		}
		var err error
		out, err = scanClaimed(tx.QueryContext(ctx, q+claimReturning, args...))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	return out, nil
}

// ClaimChat claims the unhandled messages of one chat, unless another live process holds
// it; see bot.ChatClaimer.
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
		out, err = scanClaimed(tx.QueryContext(ctx, claimSet+` WHERE channel = $4 AND chat_id = $5 AND `+claimCond+claimReturning,
			db.owner, db.ms(now.Add(db.lease)), db.ms(now), string(chat.Channel), chat.ID))
		return err
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
