package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store"
)

// adminDatabases gives the DATABASE_URL of a fresh SQLite file and, with BALAI_TEST_PG, of
// a fresh PostgreSQL schema.
func adminDatabases(t testing.TB) map[string]func(t testing.TB) string {
	return map[string]func(t testing.TB) string{
		"SQLite": func(t testing.TB) string { return filepath.Join(t.TempDir(), "balai.db") },
		"Postgres": func(t testing.TB) string {
			dsn := os.Getenv("BALAI_TEST_PG")
			if dsn == "" {
				t.Skip("BALAI_TEST_PG is not set: no PostgreSQL to test against")
			}
			conn, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			schema := fmt.Sprintf("admin%d", time.Now().UnixNano())
			if _, err := conn.Exec("CREATE SCHEMA " + schema); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Exec("DROP SCHEMA " + schema + " CASCADE") })
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			return dsn + sep + "search_path=" + schema
		},
	}
}

func TestAdminDeadLetters(t *testing.T) {
	for name, database := range adminDatabases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			url := database(t)
			t.Setenv("DATABASE_URL", url)
			db, err := store.Open(ctx, url, store.Options{Owner: "serve"})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			chat := balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890"}
			stored, _, err := db.Accept(ctx, []bot.Inbound{
				{Chat: chat, Key: "a", Kind: bot.KindText, Text: "NIK saya 3201234567890001 racun"},
				{Chat: chat, Key: "b", Kind: bot.KindButton, Text: "r:x:1"},
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range stored {
				if _, err := db.Fail(ctx, bot.Failure{Inbound: s, Error: fmt.Sprintf("boom %d", i), Permanent: true, MaxTries: 5}); err != nil {
					t.Fatal(err)
				}
			}
			admin := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := run(ctx, append([]string{"admin", "dead-letters"}, args...), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			code, out, _ := admin("list")
			if code != exitOK || !strings.Contains(out, "boom 0") || !strings.Contains(out, "boom 1") || !strings.Contains(out, "permanent") {
				t.Fatalf("list: %d\n%s", code, out)
			}
			if strings.Contains(out, "3201234567890001") || strings.Contains(out, "6281234567890") || !strings.Contains(out, "[NIK]") {
				t.Errorf("list shows personal data unmasked:\n%s", out)
			}
			a, b := stored[0].ID, stored[1].ID
			if code, out, _ := admin("retry", fmt.Sprint(a)); code != exitOK || !strings.Contains(out, "back in the queue") {
				t.Errorf("retry: %d %s", code, out)
			}
			if code, out, _ := admin("drop", fmt.Sprint(b)); code != exitOK || !strings.Contains(out, "dropped") {
				t.Errorf("drop: %d %s", code, out)
			}
			p, err := db.Pending(ctx)
			if err != nil || len(p) != 1 || p[0].ID != a || p[0].Attempts != 0 {
				t.Errorf("pending after retry and drop = %+v, %v; want the retried message, tries reset", p, err)
			}
			if code, out, _ := admin("list"); code != exitOK || !strings.Contains(out, "No parked messages") {
				t.Errorf("list after: %d %s", code, out)
			}
			for _, c := range []struct {
				args []string
				code int
			}{
				{[]string{"retry", fmt.Sprint(a)}, exitFailed}, // no longer parked
				{[]string{"drop", "999"}, exitFailed},
				{[]string{"retry", "abc"}, exitUsage},
				{[]string{"purge"}, exitUsage},
				{nil, exitUsage},
			} {
				if code, _, errOut := admin(c.args...); code != c.code {
					t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, errOut)
				}
			}
		})
	}
}

// TestAdminDeadLettersMasksEveryChat: the list masks every citizen's chat id, not only
// those that look like phone numbers: a 9-digit Telegram user id and a web session's chat id
// match no pattern of redact.String and were printed as they are.
func TestAdminDeadLettersMasksEveryChat(t *testing.T) {
	ctx := context.Background()
	url := filepath.Join(t.TempDir(), "balai.db")
	t.Setenv("DATABASE_URL", url)
	db, err := store.Open(ctx, url, store.Options{Owner: "serve"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	chats := []balai.ChatRef{{Channel: balai.Telegram, ID: "123456789"}, {Channel: balai.Web, ID: "0123456789abcdef0123456789abcdef"}}
	for i, chat := range chats {
		stored, _, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: fmt.Sprint(i), Kind: bot.KindButton, Text: "r:x:1"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Fail(ctx, bot.Failure{Inbound: stored[0], Error: "forged", Permanent: true, MaxTries: 5}); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"admin", "dead-letters", "list"}, &out, &errOut); code != exitOK {
		t.Fatalf("list: %d %s", code, errOut.String())
	}
	for _, c := range chats {
		if strings.Contains(out.String(), c.ID) {
			t.Errorf("list shows chat %s unmasked:\n%s", c, out.String())
		}
		if !strings.Contains(out.String(), string(c.Channel)+":~") {
			t.Errorf("list lacks %s's channel with a pseudonym:\n%s", c, out.String())
		}
	}
}
