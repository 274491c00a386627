package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Replicas on one PostgreSQL database wake each other with LISTEN/NOTIFY on one channel,
// so that work one replica commits for another is taken up at once rather than at the
// other's next periodic catch-up (which stays as the fallback). A payload is a kind and an
// argument, never a citizen's data:
//
//   - "inbound <owner>": a message was accepted for a chat another process holds;
//   - "outbox <owner>": a delivery was given up to whichever process holds its channel;
//   - "web <chat id>": a web chat reply was marked sent (the chat id is the random id of a
//     web session, not its token): the replica holding the browser's stream replays it;
//   - "corpus <version id>": a FAQ corpus version was published: every replica serves it.
//
// SQLite has one process per database: nothing is sent and Listen returns at once.
const notifyChannel = "balai"

// Wake kinds (see notifyChannel).
const (
	WakeInbound = "inbound"
	WakeOutbox  = "outbox"
	WakeWeb     = "web"
	WakeCorpus  = "corpus"
	// WakeReconnected is passed to a Listen callback after the listener reconnected:
	// notifications sent meanwhile were lost, so the listener should catch up.
	WakeReconnected = "reconnected"
)

// notifySQL sends a notification in the transaction or statement it runs in: PostgreSQL
// delivers it at commit, and not at all on rollback.
const notifySQL = `SELECT pg_notify('` + notifyChannel + `', $1)`

// notifyTx queues a wake-up in tx (PostgreSQL only): it is sent when tx commits.
func (db *DB) notifyTx(ctx context.Context, tx *sql.Tx, kind, arg string) error {
	if db.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, notifySQL, kind+" "+arg); err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	return nil
}

// Listen receives other processes' wake-ups until ctx ends, calling fn(kind, arg) for each
// (kind is one of the Wake constants) from one goroutine. It holds its own connection,
// outside the pool, and reconnects with a growing back-off (up to 5 s) when it is lost,
// calling fn(WakeReconnected, "") once it listens again. Wake-ups this process sent itself
// are passed too, except "inbound" and "outbox" ones (their work is its own). On SQLite it
// returns nil at once. It returns nil when ctx ends.
func (db *DB) Listen(ctx context.Context, fn func(kind, arg string)) error {
	if db.dialect != Postgres {
		return nil
	}
	backoff := 100 * time.Millisecond
	lost := false
	for ctx.Err() == nil {
		err := db.listen(ctx, func() {
			backoff = 100 * time.Millisecond
			if lost {
				fn(WakeReconnected, "")
			}
		}, fn)
		if ctx.Err() != nil {
			return nil
		}
		lost = true
		db.log.Warn("Lost the connection that listens for other replicas; reconnecting (they still find work at their periodic catch-up)", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

// listen runs one listening connection until it fails or ctx ends; ready is called once it
// listens.
func (db *DB) listen(ctx context.Context, ready func(), fn func(kind, arg string)) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, db.url)
	cancel()
	if err != nil {
		return fmt.Errorf("store: listen: connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("store: listen: %w", err)
		}
		kind, arg, _ := strings.Cut(n.Payload, " ")
		if (kind == WakeInbound || kind == WakeOutbox) && arg == db.owner {
			continue
		}
		fn(kind, arg)
	}
}
