package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

var officers = balai.ChatRef{Channel: balai.Telegram, ID: "-1001"}

// citizen writes to the bot on db at the store's clock: a message with their secrets, a
// reply, and a ticket (with its card in the officers' chat, a follow-up and an officer's
// note) — the rows of every table that holds personal data. It returns the ticket's id.
func citizen(t *testing.T, db *store.DB, c *storetest.Clock, chat balai.ChatRef, key, secret string) int64 {
	t.Helper()
	ctx := context.Background()
	stored, _, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: key, Kind: bot.KindText, UserID: chat.ID, UserName: "Budi " + secret,
		Text: "ktp saya hilang, " + secret, Time: c.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(ctx, bot.Turn{Inbound: stored[0], State: bot.Conversation{LastQuestion: "ktp hilang " + secret},
		Out: []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "Baik, " + secret + ", kami teruskan"}},
		Log: bot.LogEntry{Decision: "escalate", Reason: "asked", Lang: "id"}}); err != nil {
		t.Fatal(err)
	}
	tk := desk.Ticket{SourceKey: chat.String() + "/" + key, Chat: chat, UserName: "Budi " + secret, Question: "ktp hilang " + secret,
		Reason: bot.EscalateAsked, Category: "Kependudukan", Lang: "id", CreatedAt: c.Now(), DueAt: c.Now().Add(4 * time.Hour),
		Transcript: []desk.Line{{From: "citizen", Text: "ktp hilang " + secret, At: c.Now()}}}
	card := func(tk desk.Ticket) []bot.Outgoing {
		return []bot.Outgoing{{Chat: officers, Kind: bot.OutMessage, Text: "Tiket: " + tk.Question, Ref: desk.CardRef(tk.ID)}}
	}
	tk, _, _, err = db.CreateTicket(ctx, tk, card)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Enqueue(ctx, []bot.Outgoing{{Chat: officers, Kind: bot.OutMessage, Text: "Lanjutan: " + secret, Ref: desk.NoticeRef(tk.ID)}}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []desk.Event{
		{TicketID: tk.ID, Actor: "citizen", ActorName: "Budi " + secret, Action: "followed", Detail: "ini nomor saya " + secret, At: c.Now()},
		{TicketID: tk.ID, Actor: "9001", ActorName: "Petugas A", Action: "noted", Detail: "warga " + secret + " sudah datang", At: c.Now()},
	} {
		if err := db.AddEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// A message of the same citizen that failed for good and was parked.
	parked, _, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: key + "-p", Kind: bot.KindText, Text: "r:x:1 " + secret, Time: c.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Fail(ctx, bot.Failure{Inbound: parked[0], Error: "invalid input", Permanent: true, RetryAt: c.Now(), MaxTries: 5}); err != nil || !ok {
		t.Fatalf("park: %v %v", ok, err)
	}
	return tk.ID
}

// tablesWith lists the tables (and columns) of the store that hold s anywhere.
func tablesWith(t *testing.T, db *store.DB, s string) []string {
	t.Helper()
	var out []string
	for _, table := range []string{"inbound", "outbox", "conversations", "message_log", "log_texts", "tickets", "ticket_events", "dead_letters"} {
		rows, err := db.SQL().Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var text string
				switch v := v.(type) {
				case string:
					text = v
				case []byte:
					text = string(v)
				}
				if strings.Contains(text, s) {
					out = append(out, table+"."+cols[i])
				}
			}
		}
		rows.Close()
	}
	return out
}

func count(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// stats are the counts the retention must keep (terukur): tickets by status and category,
// logged messages by decision (in the log, and folded into the daily counts past the
// retention).
func stats(t *testing.T, db *store.DB) string {
	return fmt.Sprintf("tickets=%d closed=%d kependudukan=%d rated=%d log=%d escalate=%d events=%d",
		count(t, db, `SELECT COUNT(*) FROM tickets`), count(t, db, `SELECT COUNT(*) FROM tickets WHERE status = 'closed'`),
		count(t, db, `SELECT COUNT(*) FROM tickets WHERE category = 'Kependudukan'`), count(t, db, `SELECT COUNT(*) FROM tickets WHERE rating > 0`),
		count(t, db, `SELECT COUNT(*) + (SELECT CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM message_counts) FROM message_log`),
		count(t, db, `SELECT COUNT(*) + (SELECT CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM message_counts WHERE decision = 'escalate') FROM message_log WHERE decision = 'escalate'`),
		count(t, db, `SELECT COUNT(*) FROM ticket_events WHERE action <> 'erased'`))
}

func eachDB(t *testing.T, fn func(t *testing.T, open storetest.Opener)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { fn(t, storetest.Postgres(t)) })
}

// TestRetention: what is older than the retention is gone from every table, what is recent
// is kept whole, and the counts survive.
func TestRetention(t *testing.T) {
	eachDB(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		c := storetest.NewClock(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
		db := open(t, "retention", store.Options{Owner: "a", Now: c.Now})
		oldChat := balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456789"}
		newChat := balai.ChatRef{Channel: balai.Telegram, ID: "777"}
		oldSecret, newSecret := "NIK 3201234567890001 hp 0812-1111-2222", "NIK 3201234567890009 hp 0812-3333-4444"
		oldID := citizen(t, db, c, oldChat, "m1", oldSecret)
		// Answered and rated, then closed: a ticket's life the statistics count.
		if _, _, err := db.Transition(ctx, oldID, []desk.Status{desk.Open}, desk.Answered,
			desk.Event{Actor: "9001", ActorName: "Petugas A", Action: "replied", Detail: "jawaban untuk " + oldSecret, At: c.Now()}, nil,
			desk.TicketUpdate{Answer: "jawaban untuk " + oldSecret, Rating: 4}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Transition(ctx, oldID, []desk.Status{desk.Answered}, desk.Closed,
			desk.Event{Actor: "system", Action: "closed", At: c.Now()}, nil, desk.TicketUpdate{}); err != nil {
			t.Fatal(err)
		}
		c.Add(400 * 24 * time.Hour)
		newID := citizen(t, db, c, newChat, "m2", newSecret)
		before := stats(t, db)

		retention := 365 * 24 * time.Hour
		p, err := db.PurgeBefore(ctx, c.Now().Add(-retention))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"3201234567890001", "0812-1111-2222", "60123456789"} {
			if where := tablesWith(t, db, s); len(where) > 0 {
				t.Errorf("%q older than the retention is still in %v", s, where)
			}
		}
		for _, s := range []string{"3201234567890009", "0812-3333-4444"} {
			if where := tablesWith(t, db, s); len(where) < 10 {
				t.Errorf("recent %q only in %v: recent data must be kept whole", s, where)
			}
		}
		if got := stats(t, db); got != before {
			t.Errorf("counts changed:\n got %s\nwant %s", got, before)
		}
		if p.Inbound != 2 || p.Outbox != 3 || p.Conversations != 1 || p.Counted != 2 || p.Tickets != 1 || p.DeadLetters != 1 {
			t.Errorf("purged %+v, want 2 inbound (answered, parked), 3 outbox (reply, card, notice), 1 conversation, 2 logged (in, reply: cards are not logged) counted, 1 ticket, 1 dead letter", p)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM message_log WHERE created_at < `+fmt.Sprint(c.Now().Add(-retention).UnixMilli())); n != 0 {
			t.Errorf("%d logged messages past the retention left in the log: want them folded into counts", n)
		}
		old, err := db.Ticket(ctx, oldID)
		if err != nil {
			t.Fatal(err)
		}
		if old.Status != desk.Closed || old.Category != "Kependudukan" || old.Rating != 4 || old.CreatedAt.IsZero() || old.AnsweredAt.IsZero() ||
			old.Question != "" || old.UserName != "" || old.Answer != "" || old.Chat.ID != "" || len(old.Transcript) != 0 {
			t.Errorf("old ticket not kept as counts: %+v", old)
		}
		recent, err := db.Ticket(ctx, newID)
		if err != nil || recent.Status != desk.Open || !strings.Contains(recent.Question, newSecret) {
			t.Errorf("recent ticket changed: %+v %v", recent, err)
		}
		if active, err := db.ActiveTicket(ctx, newChat); err != nil || active.ID != newID {
			t.Errorf("recent chat's active ticket = %+v %v", active, err)
		}
		// Nothing left to do: a second run changes nothing.
		if p, err := db.PurgeBefore(ctx, c.Now().Add(-retention)); err != nil || p.Total() != 0 {
			t.Errorf("second purge: %+v %v", p, err)
		}
	})
}

// TestRetentionInBatches purges more rows than one batch holds.
func TestRetentionInBatches(t *testing.T) {
	eachDB(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		c := storetest.NewClock(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
		db := open(t, "batches", store.Options{Owner: "a", Now: c.Now})
		const n = 1200
		in := make([]bot.Inbound, n)
		for i := range in {
			in[i] = bot.Inbound{Chat: balai.ChatRef{Channel: balai.Web, ID: fmt.Sprintf("s%d", i%7)}, Key: fmt.Sprint(i), Kind: bot.KindText, Text: "hp 0812-1111-2222"}
		}
		if _, _, err := db.Accept(ctx, in); err != nil {
			t.Fatal(err)
		}
		c.Add(24 * time.Hour)
		p, err := db.PurgeBefore(ctx, c.Now().Add(-time.Hour))
		if err != nil || p.Inbound != n {
			t.Fatalf("purged %+v %v, want %d messages", p, err, n)
		}
		if left := count(t, db, `SELECT COUNT(*) FROM inbound`); left != 0 {
			t.Errorf("%d messages left", left)
		}
	})
}

// TestEraseChat erases one citizen everywhere, keeps the others and the counts.
func TestEraseChat(t *testing.T) {
	eachDB(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		c := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db := open(t, "erase", store.Options{Owner: "a", Now: c.Now})
		// whatsmeow names the citizen with the JID, the Cloud API with the bare number.
		gone := balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456789@s.whatsapp.net"}
		kept := balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456780"}
		goneSecret, keptSecret := "budi@contoh.id 3201234567890001", "siti@contoh.id 3201234567890009"
		goneID := citizen(t, db, c, gone, "m1", goneSecret)
		citizen(t, db, c, balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456789"}, "m2", goneSecret)
		citizen(t, db, c, kept, "m3", keptSecret)
		before := stats(t, db)

		p, err := db.EraseChat(ctx, balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456789"})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"budi@contoh.id", "3201234567890001", "60123456789"} {
			if where := tablesWith(t, db, s); len(where) > 0 {
				t.Errorf("%q of the erased citizen is still in %v", s, where)
			}
		}
		if where := tablesWith(t, db, "siti@contoh.id"); len(where) < 10 {
			t.Errorf("the other citizen's data only in %v", where)
		}
		if p.Tickets != 2 || p.Inbound != 4 || p.Conversations != 2 || p.Messages != 4 || p.Outbox != 6 || p.DeadLetters != 2 {
			t.Errorf("erased %+v", p)
		}
		tk, err := db.Ticket(ctx, goneID)
		if err != nil || tk.Status != desk.Closed || tk.Category != "Kependudukan" || tk.Question != "" {
			t.Errorf("erased ticket = %+v %v: want closed, blank, counted", tk, err)
		}
		// Counts stay, but for the tickets erasure closed.
		after := stats(t, db)
		if strings.Replace(before, "closed=0", "closed=2", 1) != after {
			t.Errorf("counts:\nbefore %s\n after %s", before, after)
		}
		if _, err := db.ActiveTicket(ctx, gone); err != desk.ErrNotFound {
			t.Errorf("erased chat still has an active ticket: %v", err)
		}
		evs, _ := db.Events(ctx, goneID)
		if last := evs[len(evs)-1]; last.Action != "erased" || last.Actor != "system" {
			t.Errorf("last event = %+v, want the erasure recorded", last)
		}
	})
}

// TestExportChat returns everything kept about one citizen, and nothing about another.
func TestExportChat(t *testing.T) {
	eachDB(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		c := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		db := open(t, "export", store.Options{Owner: "a", Now: c.Now})
		me := balai.ChatRef{Channel: balai.Telegram, ID: "555"}
		id := citizen(t, db, c, me, "m1", "budi@contoh.id")
		citizen(t, db, c, balai.ChatRef{Channel: balai.Telegram, ID: "556"}, "m2", "siti@contoh.id")
		if err := db.AddEvent(ctx, desk.Event{TicketID: id, Actor: "9001", ActorName: "Petugas A", Action: "noted",
			Detail: "tetangganya (0812-9999-8888) juga bertanya", At: c.Now()}); err != nil {
			t.Fatal(err)
		}
		x, err := db.ExportChat(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		if x.Conversation == nil || !strings.Contains(x.Conversation.LastQuestion, "budi@contoh.id") {
			t.Errorf("conversation = %+v", x.Conversation)
		}
		if len(x.Received) != 2 || x.Received[0].UserName != "Budi budi@contoh.id" || !x.Received[0].Handled ||
			x.Received[1].Handled || !x.Received[1].Parked || !strings.Contains(x.Received[1].Text, "budi@contoh.id") {
			t.Errorf("received = %+v", x.Received)
		}
		if len(x.Messages) != 2 || x.Messages[0].Direction != "in" || x.Messages[1].Direction != "out" {
			t.Errorf("messages = %+v", x.Messages)
		}
		if len(x.Replies) != 1 || !strings.Contains(x.Replies[0].Text, "kami teruskan") {
			t.Errorf("replies = %+v", x.Replies)
		}
		if len(x.Tickets) != 1 || x.Tickets[0].ID != id || len(x.Tickets[0].Events) != 4 {
			t.Fatalf("tickets = %+v", x.Tickets)
		}
		var details []string
		for _, e := range x.Tickets[0].Events {
			details = append(details, e.By+":"+e.Action+":"+e.Detail)
		}
		all := strings.Join(details, "|")
		for _, want := range []string{"citizen:followed:ini nomor saya budi@contoh.id", "officer:noted:tetangganya ([telepon]) juga bertanya", "system:created:"} {
			if !strings.Contains(all, want) {
				t.Errorf("events lack %q: %s", want, all)
			}
		}
		if strings.Contains(fmt.Sprintf("%+v", x), "siti@") || strings.Contains(all, "9001") || strings.Contains(all, "9999") {
			t.Errorf("export holds another citizen's data or an officer's id: %+v", x)
		}
	})
}

// TestRetentionDeletesDeadLettersWithTheirMessage: a message received before the retention
// but parked (again) within it — an operator retried it and it failed anew — goes with its
// message: no dead letter is left that names a chat and lists an empty message, nor one that
// `dead-letters retry` would report back in the queue while nothing is.
func TestRetentionDeletesDeadLettersWithTheirMessage(t *testing.T) {
	eachDB(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		c := storetest.NewClock(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
		db := open(t, "deadretention", store.Options{Owner: "a", Now: c.Now})
		stored, _, err := db.Accept(ctx, []bot.Inbound{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "777"}, Key: "k",
			Kind: bot.KindButton, Text: "r:x:1", Time: c.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		fail := func() {
			t.Helper()
			if parked, err := db.Fail(ctx, bot.Failure{Inbound: stored[0], Error: "forged", Permanent: true, RetryAt: c.Now(), MaxTries: 5}); err != nil || !parked {
				t.Fatalf("park: %v %v", parked, err)
			}
		}
		fail()
		c.Add(400 * 24 * time.Hour)
		if err := db.RetryDeadLetter(ctx, stored[0].ID); err != nil {
			t.Fatal(err)
		}
		fail()
		p, err := db.PurgeBefore(ctx, c.Now().Add(-365*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if p.Inbound != 1 || p.DeadLetters != 1 {
			t.Errorf("purged %+v, want the message and its dead letter", p)
		}
		if n, err := db.CountDeadLetters(ctx); err != nil || n != 0 {
			t.Errorf("dead letters left: %d %v", n, err)
		}
	})
}
