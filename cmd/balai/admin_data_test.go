package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// dataTarget is a database the admin commands open from the environment, as serve would:
// the SQLite file in BALAI_DATA_DIR, or DATABASE_URL on PostgreSQL.
type dataTarget struct {
	name string
	env  func(t *testing.T) string // sets the environment; returns the store's URL
}

var dataTargets = []dataTarget{
	{"SQLite", func(t *testing.T) string {
		dir := t.TempDir()
		t.Setenv("BALAI_DATA_DIR", dir)
		t.Setenv("DATABASE_URL", "")
		return filepath.Join(dir, "balai.db")
	}},
	{"Postgres", func(t *testing.T) string {
		url := storetest.PostgresURL(t)
		t.Setenv("DATABASE_URL", url)
		return url
	}},
}

// talk stores a conversation of chat holding secret: a message, a reply and a ticket.
func talk(t *testing.T, db *store.DB, chat balai.ChatRef, key, secret string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	stored, _, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: key, Kind: bot.KindText, UserName: "Warga", Text: "ktp hilang " + secret, Time: at}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(ctx, bot.Turn{Inbound: stored[0], State: bot.Conversation{LastQuestion: "ktp hilang " + secret},
		Out: []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "kami teruskan ke petugas"}}, Log: bot.LogEntry{Decision: "escalate"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := db.CreateTicket(ctx, desk.Ticket{SourceKey: chat.String() + "/" + key, Chat: chat, UserName: "Warga", Question: "ktp hilang " + secret,
		Reason: bot.EscalateAsked, Category: "Kependudukan", Lang: "id", CreatedAt: at, DueAt: at.Add(4 * time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
}

func admin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"admin"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAdminExportAndErase(t *testing.T) {
	for _, target := range dataTargets {
		t.Run(target.name, func(t *testing.T) {
			url := target.env(t)
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			db, err := store.Open(context.Background(), url, store.Options{Owner: "serve", Now: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			me := balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456789"}
			other := balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456780"}
			talk(t, db, me, "m1", "NIK 3201234567890001", at)
			talk(t, db, other, "m2", "NIK 3201234567890009", at)

			// Export to standard output: everything about me, nothing about the other.
			code, out, stderr := admin(t, "export", "--chat", "whatsapp:60123456789")
			if code != exitOK {
				t.Fatalf("export: %d %s", code, stderr)
			}
			var x store.ChatExport
			if err := json.Unmarshal([]byte(out), &x); err != nil {
				t.Fatalf("export is not JSON: %v\n%s", err, out)
			}
			if x.Chat != me || len(x.Received) != 1 || len(x.Messages) != 2 || len(x.Tickets) != 1 || !strings.Contains(out, "3201234567890001") {
				t.Errorf("export = %s", out)
			}
			if strings.Contains(out, "3201234567890009") || strings.Contains(out, "60123456780") {
				t.Errorf("export holds another citizen's data:\n%s", out)
			}
			// By a ticket number of the citizen's: the same export.
			code, byTicket, stderr := admin(t, "export", "--ticket", "BLI-000001")
			var y store.ChatExport
			if err := json.Unmarshal([]byte(byTicket), &y); code != exitOK || err != nil || y.Chat != me || len(y.Messages) != len(x.Messages) || len(y.Tickets) != 1 {
				t.Errorf("export --ticket BLI-000001: %d %s %v\n%s\nwant the export of whatsapp:60123456789", code, stderr, err, byTicket)
			}
			for _, args := range [][]string{
				{"export"}, // neither
				{"export", "--chat", "whatsapp:60123456789", "--ticket", "BLI-000001"}, // both
				{"export", "--ticket", "ABC-xyz"},
			} {
				if code, _, stderr := admin(t, args...); code != exitUsage || stderr == "" {
					t.Errorf("%v: %d %q, want a usage error", args, code, stderr)
				}
			}
			if code, _, stderr := admin(t, "export", "--ticket", "BLI-000099"); code != exitFailed || !strings.Contains(stderr, "BLI-000099") {
				t.Errorf("export of an unknown ticket: %d %q", code, stderr)
			}
			// Export to a file: private.
			file := filepath.Join(t.TempDir(), "export.json")
			if code, out, stderr := admin(t, "export", "--chat", "whatsapp:60123456789", "--out", file); code != exitOK || !strings.Contains(out, "1 tickets") {
				t.Fatalf("export --out: %d %s %s", code, out, stderr)
			}
			if info, err := os.Stat(file); err != nil || info.Mode().Perm() != fs.FileMode(0o600) {
				t.Errorf("export file: %v %v, want 0600", info.Mode(), err)
			}

			// Erase without --yes changes nothing.
			code, out, _ = admin(t, "erase", "--chat", "whatsapp:60123456789")
			if code != exitFailed || !strings.Contains(out, "Nothing was changed") || !strings.Contains(out, "1 tickets") {
				t.Errorf("erase without --yes: %d %s", code, out)
			}
			if x, _ := db.ExportChat(context.Background(), me); len(x.Messages) != 2 {
				t.Fatalf("erase without --yes changed data: %+v", x)
			}

			// Erase with --yes: my data is gone, the other's is whole, the ticket still counts.
			code, out, stderr = admin(t, "erase", "--chat", "whatsapp:60123456789", "--yes")
			if code != exitOK || !strings.Contains(out, "Erased the personal data of whatsapp:60123456789") {
				t.Fatalf("erase: %d %s %s", code, out, stderr)
			}
			if strings.Contains(stderr, "60123456789") {
				t.Errorf("the erasure's log line shows the number:\n%s", stderr)
			}
			after, err := db.ExportChat(context.Background(), me)
			if err != nil || len(after.Received) != 0 || len(after.Messages) != 0 || len(after.Replies) != 0 || len(after.Tickets) != 0 || after.Conversation != nil {
				t.Errorf("after erase: %+v %v", after, err)
			}
			if x, _ := db.ExportChat(context.Background(), other); len(x.Messages) != 2 || len(x.Tickets) != 1 || !strings.Contains(x.Tickets[0].Question, "3201234567890009") {
				t.Errorf("the other citizen's data changed: %+v", x)
			}
			var tickets int
			db.SQL().QueryRow(`SELECT COUNT(*) FROM tickets WHERE category = 'Kependudukan'`).Scan(&tickets)
			if tickets != 2 {
				t.Errorf("%d tickets counted after erase, want 2", tickets)
			}
		})
	}
}

func TestAdminDataUsage(t *testing.T) {
	t.Setenv("BALAI_DATA_DIR", t.TempDir())
	for _, args := range [][]string{
		{"export"}, {"export", "--chat", "6281234567890"}, {"export", "--chat", "sms:0812"}, {"erase", "--chat", "telegram:"},
	} {
		if code, _, stderr := admin(t, args...); code != exitUsage || !strings.Contains(stderr, "--chat") {
			t.Errorf("%q: %d %s, want a usage error about --chat", args, code, stderr)
		}
	}
}

// TestRetentionJobOnceAcrossReplicas: of two replicas sharing a database, one applies the
// retention; the other takes over when the first stops renewing its lease. Old data goes,
// recent data stays.
func TestRetentionJobOnceAcrossReplicas(t *testing.T) {
	quietLog := slog.New(slog.DiscardHandler)
	for _, open := range []struct {
		name string
		fn   func(t *testing.T) storetest.Opener
	}{{"SQLite", storetest.SQLite}, {"Postgres", storetest.Postgres}} {
		t.Run(open.name, func(t *testing.T) {
			ctx := context.Background()
			c := storetest.NewClock(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
			o := open.fn(t)
			a := o(t, "retention", store.Options{Owner: "a", Now: c.Now})
			b := o(t, "retention", store.Options{Owner: "b", Now: c.Now})
			oldChat, newChat := balai.ChatRef{Channel: balai.Telegram, ID: "1"}, balai.ChatRef{Channel: balai.Telegram, ID: "2"}
			talk(t, a, oldChat, "m1", "hp 0812-1111-2222", c.Now())
			c.Add(400 * 24 * time.Hour)
			talk(t, a, newChat, "m2", "hp 0812-3333-4444", c.Now())

			p, ran, err := purgeOnce(ctx, a, c.Now(), defaultRetention, defaultDoneRetention, quietLog)
			if err != nil || !ran || p.Inbound != 1 || p.Tickets != 1 {
				t.Fatalf("replica a: %+v ran=%v %v", p, ran, err)
			}
			if _, ran, err := purgeOnce(ctx, b, c.Now(), defaultRetention, defaultDoneRetention, quietLog); err != nil || ran {
				t.Fatalf("replica b ran beside a: %v %v", ran, err)
			}
			if x, _ := a.ExportChat(ctx, oldChat); len(x.Messages) != 0 || len(x.Tickets) != 0 {
				t.Errorf("old chat after the retention: %+v", x)
			}
			if x, _ := a.ExportChat(ctx, newChat); len(x.Messages) != 2 || len(x.Tickets) != 1 {
				t.Errorf("recent chat after the retention: %+v", x)
			}
			// a renews on its next run; b still waits.
			c.Add(retentionEvery)
			if _, ran, _ := purgeOnce(ctx, a, c.Now(), defaultRetention, defaultDoneRetention, quietLog); !ran {
				t.Error("replica a lost its own lease")
			}
			if _, ran, _ := purgeOnce(ctx, b, c.Now(), defaultRetention, defaultDoneRetention, quietLog); ran {
				t.Error("replica b ran while a holds the lease")
			}
			// a stops; once its lease runs out, b takes the job and purges what aged since.
			c.Add(retentionTTL + time.Minute)
			p, ran, err = purgeOnce(ctx, b, c.Now(), defaultRetention-retentionTTL, defaultDoneRetention, quietLog)
			if err != nil || !ran {
				t.Fatalf("replica b after a stopped: ran=%v %v", ran, err)
			}
			if x, _ := b.ExportChat(ctx, newChat); len(x.Messages) != 2 {
				t.Errorf("recent chat purged early: %+v", x)
			}
		})
	}
}

func TestRetentionSetting(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want time.Duration
		ok   bool
	}{
		{"", 365 * 24 * time.Hour, true},
		{"365d", 365 * 24 * time.Hour, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"2160h", 90 * 24 * time.Hour, true},
		{"1d", 0, false}, // below the minimum
		{"1h", 0, false},
		{"setahun", 0, false},
		{"-5d", 0, false},
	} {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("BALAI_RETENTION", tt.env)
			got, err := retentionFromEnv()
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("BALAI_RETENTION=%q: %v, %v; want %v (ok=%v)", tt.env, got, err, tt.want, tt.ok)
			}
		})
	}
}

// TestDataDirIsPrivate: serve creates its data directory 0700 and tightens a looser one,
// saying so in the log.
func TestDataDirIsPrivate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		before  fs.FileMode // 0: missing
		wantLog bool
	}{{"created", 0, false}, {"world-readable", 0o755, true}, {"private", 0o700, false}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "balai-data")
			if tt.before != 0 {
				os.Mkdir(dir, 0o700)
				os.Chmod(dir, tt.before)
			}
			var logs bytes.Buffer
			s := &Main{cfg: Config{DataDir: dir}, log: slog.New(slog.NewTextHandler(&logs, nil))}
			if err := s.privateDataDir(); err != nil {
				t.Fatal(err)
			}
			if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
				t.Errorf("data directory %v %v, want 0700", info.Mode(), err)
			}
			if got := strings.Contains(logs.String(), "Made the data directory private"); got != tt.wantLog {
				t.Errorf("log line = %v, want %v:\n%s", got, tt.wantLog, logs.String())
			}
		})
	}
}
