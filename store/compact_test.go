package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

const day = 24 * time.Hour

// answer accepts a message of chat with key and text, answers it with reply and marks the
// reply delivered (as message id ext) at the store's clock. It returns the message's id.
func answer(t *testing.T, db *store.DB, c *storetest.Clock, chat balai.ChatRef, key, text, reply string) int64 {
	t.Helper()
	ctx := context.Background()
	stored, fresh, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: key, Kind: bot.KindText, UserID: chat.ID, UserName: "Budi", Text: text, Time: c.Now()}})
	if err != nil || !fresh[0] {
		t.Fatalf("accept %s: %v %v", key, fresh, err)
	}
	out, err := db.Commit(ctx, bot.Turn{Inbound: stored[0], State: bot.Conversation{LastQuestion: text},
		Out: []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: reply}}, Log: bot.LogEntry{Decision: "answer", Reason: "match", EntryID: "ktp", Confidence: 0.8, Lang: "id"}})
	if err != nil || len(out) != 1 {
		t.Fatalf("commit %s: %v %v", key, out, err)
	}
	if err := db.MarkSent(ctx, out[0].ID, "x"+key, c.Now()); err != nil {
		t.Fatal(err)
	}
	return stored[0].ID
}

// TestPruneDone: handled messages and delivered replies older than the done window are
// pruned, their dedupe keys kept for the dedupe window; pending, held and parked work, open
// tickets' cards and everything recent are kept whole.
func TestPruneDone(t *testing.T) {
	eachDB(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		c := storetest.NewClock(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
		db := open(t, "prunedone", store.Options{Owner: "a", Now: c.Now})
		old := balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456789"}
		answer(t, db, c, old, "wamid.OLD", "ktp hilang NIK 3201234567890001", "Jawaban ktp untuk Budi OLDREPLY")
		// An escalated message with its ticket (open), card, notice and a parked message.
		openID := citizen(t, db, c, balai.ChatRef{Channel: balai.Telegram, ID: "501"}, "u1", "PARKEDSECRET")
		cardOut, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: officers, Kind: bot.OutMessage, Text: "Kartu kedua", Ref: desk.CardRef(openID)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.MarkSent(ctx, cardOut[0].ID, "card-open", c.Now()); err != nil {
			t.Fatal(err)
		}
		// A ticket closed at once, its card delivered.
		closedChat := balai.ChatRef{Channel: balai.Telegram, ID: "502"}
		closedTk, _, cards, err := db.CreateTicket(ctx, onChatTicket("c1", closedChat, c.Now()), func(tk desk.Ticket) []bot.Outgoing {
			return []bot.Outgoing{{Chat: officers, Kind: bot.OutMessage, Text: "Tiket tutup", Ref: desk.CardRef(tk.ID)}}
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.MarkSent(ctx, cards[0].ID, "card-closed", c.Now()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Transition(ctx, closedTk.ID, []desk.Status{desk.Open}, desk.Closed, desk.Event{Actor: "system", Action: "closed", At: c.Now()}, nil, desk.TicketUpdate{}); err != nil {
			t.Fatal(err)
		}
		// Work still to do: a message not handled, a reply pending, one held, one given up.
		waiting := balai.ChatRef{Channel: balai.Web, ID: "w1"}
		if _, _, err := db.Accept(ctx, []bot.Inbound{{Chat: waiting, Key: "w1/1", Kind: bot.KindText, Text: "PENDINGTEXT", Time: c.Now()}}); err != nil {
			t.Fatal(err)
		}
		items, err := db.Enqueue(ctx, []bot.Outgoing{
			{Chat: waiting, Kind: bot.OutMessage, Text: "PENDINGREPLY"},
			{Chat: waiting, Kind: bot.OutMessage, Text: "HELDREPLY"},
			{Chat: waiting, Kind: bot.OutMessage, Text: "GIVENUP"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.MarkHeld(ctx, items[1].ID, "window closed"); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkFailed(ctx, items[2].ID, "blocked by the user", true, c.Now()); err != nil {
			t.Fatal(err)
		}

		c.Add(10 * day)
		recent := balai.ChatRef{Channel: balai.Telegram, ID: "777"}
		answer(t, db, c, recent, "9001", "akta lahir RECENTTEXT", "Jawaban akta RECENTREPLY")
		p, err := db.PruneDone(ctx, c.Now().Add(-7*day), c.Now().Add(-store.DedupeWindow))
		if err != nil {
			t.Fatal(err)
		}
		// Stripped: the answered message and the escalated one (not the parked one).
		// Deleted: the reply, the given-up reply, the closed ticket's card; the open
		// ticket's reply to the citizen too, not its two cards nor its notice.
		if p.Stripped != 2 || p.Outbox != 3 || p.Keys != 0 {
			t.Errorf("pruned %+v, want 2 stripped, 3 replies deleted, no key deleted", p)
		}
		for _, s := range []string{"3201234567890001", "OLDREPLY", "60123456789", "GIVENUP", "Tiket tutup"} {
			if where := tablesWith(t, db, s); len(where) > 0 && !keptForRetention(where) {
				t.Errorf("%q done before the window is still in %v", s, where)
			}
		}
		for s, min := range map[string]int{"PENDINGTEXT": 1, "PENDINGREPLY": 1, "HELDREPLY": 1, "RECENTTEXT": 1, "RECENTREPLY": 1, "Kartu kedua": 1} {
			if where := tablesWith(t, db, s); len(where) < min || keptForRetention(where) {
				t.Errorf("%q still to do or recent: only in %v", s, where)
			}
		}
		if pending, err := db.Pending(ctx); err != nil || len(pending) != 1 || pending[0].Text != "PENDINGTEXT" {
			t.Errorf("pending = %+v %v", pending, err)
		}
		if dl, err := db.DeadLetters(ctx, 10); err != nil || len(dl) != 1 || !strings.Contains(dl[0].Text, "PARKEDSECRET") {
			t.Errorf("dead letters = %+v %v: a parked message is kept whole", dl, err)
		}
		if ext, err := db.CardMessage(ctx, openID); err != nil || ext == "" {
			t.Errorf("open ticket's card = %q %v", ext, err)
		}
		if id, err := db.TicketByCard(ctx, officers, "card-open"); err != nil || id != openID {
			t.Errorf("ticket by the open ticket's card = %d %v", id, err)
		}
		if _, err := db.TicketByCard(ctx, officers, "card-closed"); err != desk.ErrNotFound {
			t.Errorf("closed ticket's card: %v, want pruned", err)
		}
		// A platform's redelivery of a pruned message is still refused.
		redelivered := []bot.Inbound{{Chat: old, Key: "wamid.OLD", Kind: bot.KindText, Text: "ktp hilang", Time: c.Now()}}
		if _, fresh, err := db.Accept(ctx, redelivered); err != nil || fresh[0] {
			t.Errorf("redelivery within the dedupe window: fresh=%v %v, want refused", fresh, err)
		}
		if p, err := db.PruneDone(ctx, c.Now().Add(-7*day), c.Now().Add(-store.DedupeWindow)); err != nil || p.Total() != 0 {
			t.Errorf("second prune: %+v %v, want nothing to do", p, err)
		}

		// Past the dedupe window the key goes too (no platform redelivers that late).
		c.Add(store.DedupeWindow)
		p, err = db.PruneDone(ctx, c.Now().Add(-7*day), c.Now().Add(-store.DedupeWindow))
		if err != nil || p.Keys != 2 {
			t.Errorf("pruned %+v %v, want the 2 keys older than the dedupe window", p, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM inbound`); n != 3 {
			t.Errorf("%d messages left, want the pending, the parked and the recent one (stripped)", n)
		}
		if pending, err := db.Pending(ctx); err != nil || len(pending) != 1 {
			t.Errorf("pending after the dedupe window = %+v %v", pending, err)
		}
	})
}

// keptForRetention tells where lists only the message log and the conversation's state,
// which keep texts for the retention (PurgeBefore), not only the done window.
func keptForRetention(where []string) bool {
	for _, w := range where {
		if !strings.HasPrefix(w, "message_log.") && !strings.HasPrefix(w, "log_texts.") && !strings.HasPrefix(w, "conversations.") {
			return false
		}
	}
	return true
}

func onChatTicket(key string, chat balai.ChatRef, now time.Time) desk.Ticket {
	return desk.Ticket{SourceKey: chat.String() + "/" + key, Chat: chat, Question: "q", Reason: bot.EscalateAsked, Lang: "id", CreatedAt: now, DueAt: now.Add(4 * time.Hour)}
}

// TestRetentionFoldsMessagesIntoCounts: past the retention the message log becomes daily
// counts, with the same totals by decision, entry and language, and the mean confidence.
func TestRetentionFoldsMessagesIntoCounts(t *testing.T) {
	eachDB(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		c := storetest.NewClock(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
		db := open(t, "fold", store.Options{Owner: "a", Now: c.Now})
		// 1,100 messages (2,200 logged lines, more than a batch) over two days.
		for i := range 1100 {
			if i == 600 {
				c.Add(day)
			}
			answer(t, db, c, balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(i % 13)}, fmt.Sprint(i), "pertanyaan", "jawaban")
		}
		c.Add(100 * day)
		answer(t, db, c, balai.ChatRef{Channel: balai.Telegram, ID: "1"}, "new", "baru", "jawaban baru")
		p, err := db.PurgeBefore(ctx, c.Now().Add(-90*day))
		if err != nil || p.Counted != 2200 {
			t.Fatalf("purged %+v %v, want 2,200 lines counted", p, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM message_log`); n != 2 {
			t.Errorf("%d lines left in the log, want the recent message's 2", n)
		}
		type row struct {
			day                        time.Time
			dir, decision, entry, lang string
			n                          int64
			meanConfidence             float64
		}
		var got []row
		rows, err := db.SQL().QueryContext(ctx, `SELECT day, direction, decision, entry_id, lang, messages, confidence_sum FROM message_counts ORDER BY day, direction`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r row
			var ms int64
			var sum float64
			if err := rows.Scan(&ms, &r.dir, &r.decision, &r.entry, &r.lang, &r.n, &sum); err != nil {
				t.Fatal(err)
			}
			r.day, r.meanConfidence = time.UnixMilli(ms).UTC(), float64(int(sum/float64(r.n)*100+0.5))/100
			got = append(got, r)
		}
		rows.Close()
		d1, d2 := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 11, 0, 0, 0, 0, time.UTC)
		want := []row{
			{d1, "in", "answer", "ktp", "id", 600, 0.8}, {d1, "out", "", "", "", 600, 0},
			{d2, "in", "answer", "ktp", "id", 500, 0.8}, {d2, "out", "", "", "", 500, 0},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("counts:\n got %v\nwant %v", got, want)
		}
		// A second run adds nothing.
		if p, err := db.PurgeBefore(ctx, c.Now().Add(-90*day)); err != nil || p.Counted != 0 {
			t.Errorf("second purge: %+v %v", p, err)
		}
	})
}

// TestCompactSQLite: a new database gets incremental auto-vacuum and a WAL size limit;
// Compact gives a large share of free pages back and truncates the WAL; a database made
// before (no auto-vacuum) is left to reuse its free pages.
func TestCompactSQLite(t *testing.T) {
	ctx := context.Background()
	fill := func(t *testing.T, db *store.DB, c *storetest.Clock) {
		t.Helper()
		big := strings.Repeat("isi jawaban panjang ", 100)
		for i := range 600 {
			answer(t, db, c, balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(i % 9)}, fmt.Sprint(i), "pertanyaan "+big, big)
		}
	}
	size := func(t *testing.T, path string) int64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	for _, tt := range []struct {
		name       string
		legacy     bool // the file existed before, without auto-vacuum
		wantVacuum int64
	}{
		{"New", false, 2},
		{"Existing", true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "balai.db")
			if tt.legacy {
				raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := raw.Exec(`CREATE TABLE before_balai (x INTEGER)`); err != nil {
					t.Fatal(err)
				}
				raw.Close()
			}
			c := storetest.NewClock(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
			db, err := store.Open(ctx, path, store.Options{Owner: "a", Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var mode, limit int64
			if err := db.SQL().QueryRow(`PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != tt.wantVacuum {
				t.Errorf("auto_vacuum = %d %v, want %d", mode, err, tt.wantVacuum)
			}
			if err := db.SQL().QueryRow(`PRAGMA journal_size_limit`).Scan(&limit); err != nil || limit != 64<<20 {
				t.Errorf("journal_size_limit = %d %v, want 64 MiB", limit, err)
			}
			fill(t, db, c)
			if size(t, path+"-wal") == 0 {
				t.Fatal("nothing in the WAL to truncate")
			}
			c.Add(10 * day)
			if _, err := db.PurgeBefore(ctx, c.Now().Add(-day)); err != nil {
				t.Fatal(err)
			}
			before := size(t, path)
			got, err := db.Compact(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !got.WALTruncated || size(t, path+"-wal") != 0 {
				t.Errorf("compacted %+v, WAL %d bytes: want it truncated", got, size(t, path+"-wal"))
			}
			after := size(t, path)
			if tt.legacy {
				if got.FreedPages != 0 {
					t.Errorf("freed %d pages of a database without auto-vacuum", got.FreedPages)
				}
				return
			}
			if got.FreedPages == 0 || after*2 > before {
				t.Errorf("compacted %+v: file %d → %d bytes, want most of it given back", got, before, after)
			}
			// Little free space left: nothing to give back.
			if got, err := db.Compact(ctx); err != nil || got.FreedPages != 0 {
				t.Errorf("second compact: %+v %v", got, err)
			}
		})
	}
}

// TestCompactPostgres vacuums the tables the purges change (the test server runs without
// autovacuum: the space of deleted rows is reused only after a VACUUM).
func TestCompactPostgres(t *testing.T) {
	db := storetest.Postgres(t)(t, "compact", store.Options{Owner: "a"})
	got, err := db.Compact(context.Background())
	if err != nil || !got.Vacuumed {
		t.Fatalf("compact = %+v %v, want the tables vacuumed", got, err)
	}
	for _, table := range []string{"inbound", "outbox", "message_log", "log_texts", "tickets", "ticket_words"} {
		if n := count(t, db, `SELECT COUNT(*) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = '`+table+`'
			AND last_vacuum IS NOT NULL`); n != 1 {
			t.Errorf("%s was not vacuumed", table)
		}
	}
}
