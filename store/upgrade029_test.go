package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestUpgradeTo029: a database at migration 28 with data (a chat's log with its replies'
// texts inline, a ticket whose words are in ticket_terms, one not yet indexed) opens with
// migration 29 on both databases: the old log reads as before, beside new lines whose
// replies' texts are stored once; both tickets are found by word prefix; the retention folds
// the old and new lines and deletes the texts no line names; an erasure removes the rest.
func TestUpgradeTo029(t *testing.T) {
	atVersion(t, 28, func(t *testing.T, ctx context.Context, raw *sql.DB, url string) {
		start := time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)
		at := start.UnixMilli()
		old := []string{
			fmt.Sprintf(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
					VALUES ('telegram', '7', 1, 'in', 'text', 'OLDQUESTION paspor', 'answer', 'match', 'paspor', 0.9, 'id', %d)`, at),
			fmt.Sprintf(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, lang, created_at)
					VALUES ('telegram', '7', 1, 'out', 'text', 'OLDANSWER paspor', 'id', %d)`, at),
			fmt.Sprintf(`INSERT INTO tickets (source_key, channel, chat_id, user_name, question, reason, status, created_at, due_at, activity_at, terms_indexed)
					VALUES ('a', 'telegram', '7', 'Siti', 'Surat pindah domisili', 'asked', 'closed', %d, %d, %d, 1)`, at, at, at),
			`INSERT INTO ticket_terms (term, ticket_id) SELECT 'siti', id FROM tickets WHERE source_key = 'a'`,
			`INSERT INTO ticket_terms (term, ticket_id) SELECT 'surat', id FROM tickets WHERE source_key = 'a'`,
			`INSERT INTO ticket_terms (term, ticket_id) SELECT 'pindah', id FROM tickets WHERE source_key = 'a'`,
			`INSERT INTO ticket_terms (term, ticket_id) SELECT 'domisili', id FROM tickets WHERE source_key = 'a'`,
			fmt.Sprintf(`INSERT INTO tickets (source_key, channel, chat_id, user_name, question, reason, status, created_at, due_at, activity_at, terms_indexed)
					VALUES ('b', 'telegram', '8', 'Agus', 'Akta kelahiran anak', 'asked', 'closed', %d, %d, %d, 0)`, at, at, at),
		}
		for _, q := range old {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		raw.Close()

		c := storetest.NewClock(start.Add(time.Hour))
		db, err := store.Open(ctx, url, store.Options{Owner: "new", Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		chat := balai.ChatRef{Channel: balai.Telegram, ID: "7"}
		// A new turn of the same chat, and a second chat given the same answer.
		for i, ch := range []balai.ChatRef{chat, {Channel: balai.Telegram, ID: "9"}} {
			stored, _, err := db.Accept(ctx, []bot.Inbound{{Chat: ch, Key: fmt.Sprint("n", i), Kind: bot.KindText, Text: "NEWQUESTION", Time: c.Now()}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Commit(ctx, bot.Turn{Inbound: stored[0], Out: []bot.Outgoing{{Chat: ch, Kind: bot.OutMessage, Text: "NEWANSWER"}},
				Log: bot.LogEntry{Decision: "answer", Reason: "match", EntryID: "paspor"}}); err != nil {
				t.Fatal(err)
			}
		}
		lines, err := db.ChatLog(ctx, chat, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lines {
			got = append(got, l.From+":"+l.Text)
		}
		if want := "[citizen:OLDQUESTION paspor bot:OLDANSWER paspor citizen:NEWQUESTION bot:NEWANSWER]"; fmt.Sprint(got) != want {
			t.Errorf("chat log after the upgrade = %v, want %s", got, want)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM log_texts`); n != 1 {
			t.Errorf("log_texts holds %d texts, want NEWANSWER once", n)
		}

		found := func(q string) []string {
			t.Helper()
			ts, _, err := db.List(ctx, desk.Filter{View: desk.ViewAll, Query: q, Now: c.Now(), Soon: c.Now(), Limit: 10})
			if err != nil {
				t.Fatalf("List(%q): %v", q, err)
			}
			var keys []string
			for _, tk := range ts {
				keys = append(keys, tk.SourceKey)
			}
			return keys
		}
		for q, want := range map[string]string{"domis": "[a]", "siti pin": "[a]", "kelahi": "[b]", "agus akta": "[b]", "pindah agus": "[]"} {
			if got := found(q); fmt.Sprint(got) != want && !(want == "[]" && got == nil) {
				t.Errorf("search %q after the upgrade = %v, want %s", q, got, want)
			}
		}

		// The retention past every line: all folded, and no text left unnamed.
		c.Add(48 * time.Hour)
		p, err := db.PurgeBefore(ctx, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		if p.Counted != 6 {
			t.Errorf("retention folded %d lines, want 6", p.Counted)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM log_texts`); n != 0 {
			t.Errorf("%d texts left after the retention deleted every line naming them", n)
		}
		if got := found("domisili"); got != nil {
			t.Errorf("an expired ticket still found by its words: %v", got)
		}
	})
}
