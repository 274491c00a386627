package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/balai-id/balai"
)

// A citizen's chats: an officer may say that two chats (on one channel or two) are the same
// person; the chats then share a citizen number in citizen_links, and the desk shows the
// person's tickets and conversations from all of them. Balai never links chats by itself.

// citizenOf returns the citizen number of chat in tx (0: not linked).
func citizenOf(ctx context.Context, tx balai.Tx, chat balai.ChatRef) (int64, error) {
	var c int64
	err := tx.QueryRowContext(ctx, `SELECT citizen FROM citizen_links WHERE channel = $1 AND chat_id = $2`, string(chat.Channel), chat.ID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return c, err
}

// LinkChats records that chats a and b are one citizen's (with the chats either was linked
// to already), and events in the tickets' audit logs, in one transaction; see
// desk.ServiceStore.
func (db *DB) LinkChats(ctx context.Context, a, b balai.ChatRef, by string, at time.Time, events []balai.Event) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockEvents(ctx, tx); err != nil {
			return err
		}
		ca, err := citizenOf(ctx, tx, a)
		if err != nil {
			return err
		}
		cb, err := citizenOf(ctx, tx, b)
		if err != nil {
			return err
		}
		insert := func(chat balai.ChatRef, citizen int64) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO citizen_links (channel, chat_id, citizen, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5)`,
				string(chat.Channel), chat.ID, citizen, by, db.ms(at))
			return err
		}
		switch {
		case ca == 0 && cb == 0:
			var r [8]byte
			rand.Read(r[:])
			c := int64(binary.BigEndian.Uint64(r[:])>>1) | 1
			if err := insert(a, c); err != nil {
				return err
			}
			err = insert(b, c)
		case cb == 0:
			err = insert(b, ca)
		case ca == 0:
			err = insert(a, cb)
		case ca != cb:
			_, err = tx.ExecContext(ctx, `UPDATE citizen_links SET citizen = $1 WHERE citizen = $2`, ca, cb)
		}
		if err != nil {
			return err
		}
		for _, ev := range events {
			if err := addEvent(ctx, tx, db, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: link chats: %w", err)
	}
	return nil
}

// UnlinkChat takes chat out of its citizen's chats (the others stay linked), and records
// events, in one transaction; false when it was not linked (nothing is recorded). See
// desk.ServiceStore.
func (db *DB) UnlinkChat(ctx context.Context, chat balai.ChatRef, events []balai.Event) (bool, error) {
	var unlinked bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockEvents(ctx, tx); err != nil {
			return err
		}
		c, err := citizenOf(ctx, tx, chat)
		if err != nil || c == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM citizen_links WHERE channel = $1 AND chat_id = $2`, string(chat.Channel), chat.ID); err != nil {
			return err
		}
		// A chat left alone is linked to nobody.
		if _, err := tx.ExecContext(ctx, `DELETE FROM citizen_links WHERE citizen = $1 AND 1 = (SELECT COUNT(*) FROM citizen_links WHERE citizen = $1)`, c); err != nil {
			return err
		}
		for _, ev := range events {
			if err := addEvent(ctx, tx, db, ev); err != nil {
				return err
			}
		}
		unlinked = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: unlink chat: %w", err)
	}
	return unlinked, nil
}

// LinkedChats returns the other chats of chat's citizen, by channel and id; see
// desk.ServiceStore.
func (db *DB) LinkedChats(ctx context.Context, chat balai.ChatRef) ([]balai.ChatRef, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT o.channel, o.chat_id FROM citizen_links c JOIN citizen_links o ON o.citizen = c.citizen
		WHERE c.channel = $1 AND c.chat_id = $2 AND NOT (o.channel = c.channel AND o.chat_id = c.chat_id)
		ORDER BY o.channel, o.chat_id`, string(chat.Channel), chat.ID)
	if err != nil {
		return nil, fmt.Errorf("store: linked chats: %w", err)
	}
	defer rows.Close()
	var out []balai.ChatRef
	for rows.Next() {
		var ch string
		var c balai.ChatRef
		if err := rows.Scan(&ch, &c.ID); err != nil {
			return nil, fmt.Errorf("store: linked chats: %w", err)
		}
		c.Channel = balai.Channel(ch)
		out = append(out, c)
	}
	return out, rows.Err()
}
