// Package analyticstest seeds a store with a small, known message log and desk (for the
// dashboard's hand-counted tests) and generates large ones (for its benchmarks).
package analyticstest

import (
	"context"
	"testing"
	"time"

	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/workhours"
)

// Zone is the seeded agency's zone (WIB, UTC+7).
var Zone = workhours.Default().Location()

// Local returns the instant of a wall-clock time "2006-01-02 15:04" in Zone.
func Local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Zone)
	if err != nil {
		panic(err)
	}
	return t
}

// The seeded range: Monday 2 to Wednesday 4 March 2026; Now is Wednesday 12:00.
var (
	From = Local("2026-03-02 00:00")
	To   = Local("2026-03-04 00:00")
	Now  = Local("2026-03-04 12:00")
)

// Categories are the seeded corpus's entry categories.
var Categories = map[string]string{"ktp": "Kependudukan", "kk": "Kependudukan", "akta": "Catatan sipil"}

// Category gives an entry's category.
func Category(id string) string { return Categories[id] }

// Msg is a logged citizen's message ("out" rows are the bot's replies).
type Msg struct {
	Channel, Chat, At, Decision, Reason, Entry string
	Out                                        bool
}

// Messages is the seeded log, in order. Hand counts are in analytics_test.go.
var Messages = []Msg{
	{Channel: "telegram", Chat: "t0", At: "2026-03-01 23:00", Decision: "answer", Reason: "strong", Entry: "ktp"}, // before the range
	// Monday
	{Channel: "telegram", Chat: "t1", At: "2026-03-02 09:00", Decision: "answer", Reason: "strong", Entry: "ktp"},
	{Channel: "telegram", Chat: "t1", At: "2026-03-02 09:00", Out: true},
	{Channel: "telegram", Chat: "t1", At: "2026-03-02 09:05", Decision: "feedback", Reason: "helpful"},
	{Channel: "telegram", Chat: "t2", At: "2026-03-02 10:00", Decision: "suggest", Reason: "weak", Entry: "kk"},
	{Channel: "telegram", Chat: "t2", At: "2026-03-02 10:01", Decision: "answer", Reason: "chosen", Entry: "kk"},
	{Channel: "whatsapp", Chat: "w1", At: "2026-03-02 11:00", Decision: "escalate", Reason: "no_match"},
	// Tuesday (06:00 WIB is Monday 23:00 UTC)
	{Channel: "web", Chat: "b1", At: "2026-03-03 06:00", Decision: "answer", Reason: "strong", Entry: "ktp"},
	{Channel: "web", Chat: "b1", At: "2026-03-03 06:02", Decision: "escalate", Reason: "feedback"},
	{Channel: "telegram", Chat: "t3", At: "2026-03-03 13:00", Decision: "confirm", Reason: "margin", Entry: "akta"},
	{Channel: "telegram", Chat: "t3", At: "2026-03-03 13:01", Decision: "answer", Reason: "confirmed", Entry: "akta"},
	{Channel: "whatsapp", Chat: "w2", At: "2026-03-03 14:00", Decision: "suggest", Reason: "weak", Entry: "kk"},
	{Channel: "whatsapp", Chat: "w2", At: "2026-03-03 14:05", Decision: "small_talk", Reason: "greeting"},
	// Wednesday
	{Channel: "telegram", Chat: "t1", At: "2026-03-04 08:00", Decision: "answer", Reason: "strong", Entry: "akta"},
	{Channel: "telegram", Chat: "t1", At: "2026-03-04 08:01", Decision: "feedback", Reason: "helpful"},
	// A 👍 logged with the entry its button rated: Monday's ktp answer, not the last one.
	{Channel: "telegram", Chat: "t1", At: "2026-03-04 08:02", Decision: "feedback", Reason: "helpful", Entry: "ktp"},
	{Channel: "telegram", Chat: "t9", At: "2026-03-05 00:30", Decision: "answer", Reason: "strong", Entry: "ktp"}, // after the range
}

// Tkt is a seeded ticket; times are wall-clock in Zone ("" for none).
type Tkt struct {
	Channel, Category, Officer, Status string
	Created, Reply, Closed             string
	Rating                             int
}

// SLA is the seeded desk's reply time in working hours.
const SLA = 4 * time.Hour

// Tickets are the seeded tickets (due = Created + SLA in working hours, Mon–Fri 08–16).
var Tickets = []Tkt{
	{Channel: "telegram", Category: "Kependudukan", Officer: "Sari", Status: "closed", Created: "2026-03-02 09:00", Reply: "2026-03-02 10:00", Closed: "2026-03-02 11:00", Rating: 5},
	{Channel: "whatsapp", Category: "Kependudukan", Officer: "Budi", Status: "closed", Created: "2026-03-02 15:00", Reply: "2026-03-03 10:00", Closed: "2026-03-04 09:00", Rating: 2},
	{Channel: "web", Category: "Catatan sipil", Status: "open", Created: "2026-03-03 14:00"},
	{Channel: "telegram", Officer: "Sari", Status: "claimed", Created: "2026-03-04 09:00"},
	{Channel: "telegram", Category: "Kependudukan", Officer: "Budi", Status: "answered", Created: "2026-03-04 08:30", Reply: "2026-03-04 08:45"},
	{Channel: "telegram", Category: "Catatan sipil", Officer: "Sari", Status: "closed", Created: "2026-02-27 15:00", Reply: "2026-02-27 15:30", Closed: "2026-03-02 09:30", Rating: 4},
	{Channel: "whatsapp", Category: "Kependudukan", Officer: "Budi", Status: "closed", Created: "2026-03-03 10:00", Closed: "2026-03-03 10:30"},
}

// Seed writes Messages and Tickets into db.
func Seed(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	sq := db.SQL()
	for _, m := range Messages {
		at := Local(m.At).UnixMilli()
		var err error
		if m.Out {
			_, err = sq.ExecContext(ctx, `INSERT INTO message_log (channel, chat_id, direction, kind, text, created_at) VALUES ($1, $2, 'out', 'text', 'SEED-REPLY-TEXT', $3)`,
				m.Channel, "chat-"+m.Chat, at)
		} else {
			_, err = sq.ExecContext(ctx, `INSERT INTO message_log (channel, chat_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
				VALUES ($1, $2, 'in', 'text', 'SEED-MESSAGE-TEXT', $3, $4, $5, 0.5, 'id', $6)`, m.Channel, "chat-"+m.Chat, m.Decision, m.Reason, m.Entry, at)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	cal := workhours.Default()
	for i, k := range Tickets {
		created := Local(k.Created)
		ms := func(s string) any {
			if s == "" {
				return nil
			}
			return Local(s).UnixMilli()
		}
		var id int64
		err := sq.QueryRowContext(ctx, `INSERT INTO tickets (source_key, channel, chat_id, question, reason, category, status, assignee, assignee_name,
			created_at, due_at, closed_at, activity_at, rating) VALUES ($1, $2, $3, 'SEED-QUESTION', 'no_match', $4, $5, $6, $7, $8, $9, $10, $8, $11) RETURNING id`,
			"seed:"+string(rune('a'+i)), k.Channel, "chat-"+string(rune('a'+i)), k.Category, k.Status, officerID(k.Officer), k.Officer,
			created.UnixMilli(), cal.Add(created, SLA).UnixMilli(), ms(k.Closed), k.Rating).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		events := [][2]any{{"created", created.UnixMilli()}}
		if k.Reply != "" {
			events = append(events, [2]any{"noted", Local(k.Reply).UnixMilli() - 60000}, [2]any{"replied", ms(k.Reply)}, [2]any{"replied", Local(k.Reply).UnixMilli() + 600000})
		}
		for _, e := range events {
			if _, err := sq.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, actor, action, created_at) VALUES ($1, 'system', $2, $3)`, id, e[0], e[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func officerID(name string) string {
	if name == "" {
		return ""
	}
	return "user:" + name
}
