package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestUpgradeFromV6: a database written by the Balai before issue 10 (migrations 1–6, with
// messages waiting, a chat with two active tickets and officers by bare Telegram id) opens
// with migrations 7–10 applied in order, on both databases, and the new code works on it:
// the waiting message is pending with no tries, the chat keeps one active ticket, failures
// park, web sessions, the retention and an erasure run.
func TestUpgradeFromV6(t *testing.T) {
	atVersion(t, 6, func(t *testing.T, ctx context.Context, raw *sql.DB, url string) {
		old := []string{
			`INSERT INTO inbound (channel, chat_id, ext_key, payload, received_at) VALUES ('telegram', '7', 'k1',
					'{"chat":{"channel":"telegram","id":"7"},"key":"k1","kind":"text","text":"halo"}', 1000)`,
			`INSERT INTO tickets (source_key, channel, chat_id, question, reason, status, assignee, created_at, due_at, activity_at)
					VALUES ('a', 'telegram', '7', 'q1', 'asked', 'open', '', 1000, 2000, 1000)`,
			`INSERT INTO tickets (source_key, channel, chat_id, question, reason, status, assignee, created_at, due_at, activity_at)
					VALUES ('b', 'telegram', '7', 'q2', 'asked', 'claimed', '9001', 1100, 2000, 1100)`,
			`INSERT INTO ticket_events (ticket_id, actor, action, created_at) SELECT id, '9001', 'claimed', 1100 FROM tickets WHERE source_key = 'b'`,
		}
		for _, q := range old {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		raw.Close()

		c := storetest.NewClock(time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC))
		db, err := store.Open(ctx, url, store.Options{Owner: "new", Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var versions []int
		rows, err := db.SQL().QueryContext(ctx, `SELECT version FROM balai_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v int
			rows.Scan(&v)
			versions = append(versions, v)
		}
		rows.Close()
		if want := migrationVersions(t); !slices.Equal(versions, want) {
			t.Fatalf("migrations applied: %v, want %v (every file in migrations/)", versions, want)
		}

		pending, err := db.Pending(ctx)
		if err != nil || len(pending) != 1 || pending[0].Attempts != 0 || pending[0].Text != "halo" {
			t.Fatalf("pending after the upgrade = %+v %v, want the waiting message with no tries", pending, err)
		}
		if parked, err := db.Fail(ctx, bot.Failure{Inbound: pending[0], Error: "boom", Permanent: true, RetryAt: c.Now(), MaxTries: 5}); err != nil || !parked {
			t.Errorf("park after the upgrade: %v %v", parked, err)
		}
		if n, err := db.CountDeadLetters(ctx); err != nil || n != 1 {
			t.Errorf("dead letters = %d %v", n, err)
		}

		chat := balai.ChatRef{Channel: balai.Telegram, ID: "7"}
		active, err := db.ActiveTicket(ctx, chat)
		if err != nil || active.SourceKey != "b" || active.Assignee != "telegram:9001" {
			t.Errorf("active ticket = %+v %v, want the newer one, assigned to telegram:9001", active, err)
		}
		tk := desk.Ticket{SourceKey: "c", Chat: chat, Question: "q3", Reason: "asked", CreatedAt: c.Now(), DueAt: c.Now().Add(time.Hour)}
		if got, created, _, err := db.CreateTicketWith(ctx, tk, desk.CreateOptions{PerHour: 3, CardsPerMinute: 10}, nil); err != nil || created || got.ID != active.ID {
			t.Errorf("a new request of the chat: %+v created=%v %v, want its active ticket", got, created, err)
		}

		if err := db.CreateWebSession(ctx, "s1", c.Now()); err != nil {
			t.Fatal(err)
		}
		if live, err := db.TouchWebSession(ctx, "s1", c.Now(), time.Hour); err != nil || !live {
			t.Errorf("web session after the upgrade: %v %v", live, err)
		}
		if p, err := db.EraseChat(ctx, chat); err != nil || p.Tickets != 2 {
			t.Errorf("erase after the upgrade: %+v %v, want both tickets blanked", p, err)
		}
		if _, err := db.PurgeBefore(ctx, c.Now().Add(-24*time.Hour)); err != nil {
			t.Errorf("retention after the upgrade: %v", err)
		}
	})
}

// migrationVersions are the numbers of the migration files, in order.
func migrationVersions(t *testing.T) []int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for _, f := range files {
		num, _, _ := strings.Cut(filepath.Base(f), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// atVersion runs fn on SQLite and PostgreSQL, each a fresh database at migration version
// (raw, opened with the driver only; url opens it with the store).
func atVersion(t *testing.T, version int, fn func(t *testing.T, ctx context.Context, raw *sql.DB, url string)) {
	for _, tc := range []struct {
		name, driver string
		dialect      store.Dialect
		url          func(t *testing.T) string
	}{
		{"SQLite", "sqlite", store.SQLite, func(t *testing.T) string { return filepath.Join(t.TempDir(), "old.db") }},
		{"Postgres", "pgx", store.Postgres, func(t *testing.T) string { return storetest.PostgresURL(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			url := tc.url(t)
			raw, err := sql.Open(tc.driver, url)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if err := store.MigrateTo(ctx, raw, tc.dialect, version); err != nil {
				t.Fatal(err)
			}
			fn(t, ctx, raw, url)
		})
	}
}
