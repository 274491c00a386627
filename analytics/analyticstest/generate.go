package analyticstest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/workhours"
)

// Generated is what Generate wrote.
type Generated struct {
	From, To time.Time // the log's first and last day
	Messages int       // citizens' messages and bot replies logged
	Tickets  int
}

// Generate writes a realistic log of about messages rows (citizens' messages with the
// engine's decisions, 👍/👎 after answers, the bot's replies) spread over days ending at
// end, across three channels, 300 FAQ entries (Zipf) and 50,000 chats, plus one ticket per
// 20 messages with events, SLA due times and ratings. It is deterministic.
func Generate(tb testing.TB, db *store.DB, messages, days int, end time.Time) Generated {
	tb.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.2, 1, 299)
	channels := []string{"telegram", "whatsapp", "web"}
	start := end.AddDate(0, 0, -days)
	span := end.Sub(start).Milliseconds()
	g := Generated{From: start, To: end}
	const cols = 9
	var rows []any
	flush := func() {
		if len(rows) == 0 {
			return
		}
		var sb strings.Builder
		sb.WriteString(`INSERT INTO message_log (channel, chat_id, direction, kind, text, decision, reason, entry_id, created_at) VALUES `)
		for i := 0; i < len(rows)/cols; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for j := 0; j < cols; j++ {
				if j > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "$%d", i*cols+j+1)
			}
			sb.WriteString(")")
		}
		if _, err := db.SQL().ExecContext(ctx, sb.String(), rows...); err != nil {
			tb.Fatal(err)
		}
		rows = rows[:0]
	}
	add := func(ch, chat, dir, decision, reason, entry string, at int64) {
		rows = append(rows, ch, chat, dir, "text", "", decision, reason, entry, at)
		g.Messages++
		if len(rows) >= 100*cols {
			flush()
		}
	}
	// Messages in time order: each "turn" is a citizen's message and the bot's reply.
	turns := messages / 2
	step := span / int64(turns)
	for i := 0; i < turns; i++ {
		at := start.UnixMilli() + int64(i)*step
		ch := channels[r.IntN(len(channels))]
		chat := fmt.Sprintf("g%d", r.IntN(50000))
		entry := fmt.Sprintf("entry-%03d", zipf.Uint64())
		var decision, reason string
		switch p := r.IntN(100); {
		case p < 55:
			decision, reason = "answer", "strong"
		case p < 62:
			decision, reason = "answer", "chosen"
		case p < 70:
			decision, reason = "confirm", "margin"
		case p < 78:
			decision, reason = "suggest", "weak"
		case p < 85:
			decision, reason, entry = "escalate", "no_match", ""
		case p < 93:
			decision, reason, entry = "feedback", "helpful", ""
		case p < 96:
			decision, reason, entry = "escalate", "feedback", ""
		default:
			decision, reason, entry = "small_talk", "greeting", ""
		}
		add(ch, chat, "in", decision, reason, entry, at)
		add(ch, chat, "out", "", "", "", at+1)
	}
	flush()
	// Tickets: one per 20 messages.
	cal := workhours.Default()
	n := messages / 20
	tstep := span / int64(n)
	for i := 0; i < n; i += 200 {
		err := func() error {
			tx, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			for k := i; k < min(i+200, n); k++ {
				created := time.UnixMilli(start.UnixMilli() + int64(k)*tstep)
				due := cal.Add(created, SLA)
				reply := created.Add(time.Duration(r.IntN(8*60)) * time.Minute)
				closed := reply.Add(time.Duration(r.IntN(48*60)) * time.Minute)
				status, rating := "closed", 0
				var closedAt any = closed.UnixMilli()
				if closed.After(end) || r.IntN(10) == 0 {
					status, closedAt = []string{"open", "claimed", "answered"}[r.IntN(3)], nil
				} else if r.IntN(10) < 4 {
					rating = 1 + r.IntN(5)
				}
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO tickets (source_key, channel, chat_id, question, reason, category, status, assignee, assignee_name,
					created_at, due_at, closed_at, activity_at, rating) VALUES ($1, $2, $3, '', 'no_match', $4, $5, $6, $7, $8, $9, $10, $8, $11) RETURNING id`,
					fmt.Sprintf("gen:%d", k), channels[k%3], fmt.Sprintf("gt%d", k), fmt.Sprintf("Kategori %d", r.IntN(12)), status,
					fmt.Sprintf("user:%d", r.IntN(25)), fmt.Sprintf("Petugas %d", r.IntN(25)), created.UnixMilli(), due.UnixMilli(), closedAt, rating).Scan(&id); err != nil {
					return err
				}
				for _, e := range []struct {
					action string
					at     time.Time
				}{{"created", created}, {"claimed", reply.Add(-time.Minute)}, {"replied", reply}, {"closed", closed}} {
					if e.action == "closed" && closedAt == nil {
						continue
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, actor, action, created_at) VALUES ($1, 'system', $2, $3)`, id, e.action, e.at.UnixMilli()); err != nil {
						return err
					}
				}
				g.Tickets++
			}
			return tx.Commit()
		}()
		if err != nil {
			tb.Fatal(err)
		}
	}
	return g
}
