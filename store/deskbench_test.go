package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

// BenchmarkDeskList measures the console's queries on 10,000 tickets on SQLite: the first
// page of a view with its total, a search, and the views' counts.
func BenchmarkDeskList(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{Owner: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	statuses := []string{"open", "claimed", "answered", "closed", "closed", "closed", "closed", "closed"}
	for i := range 10000 {
		status := statuses[i%len(statuses)]
		assignee := ""
		if status != "open" {
			assignee = fmt.Sprintf("user:%d", i%20)
		}
		created := now.Add(-time.Duration(10000-i) * time.Minute)
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (source_key, channel, chat_id, user_name, question, transcript, reason,
			category, status, priority, assignee, created_at, due_at, activity_at, version, last_citizen_at, closed_at)
			VALUES ($1, 'telegram', $2, $3, $4, '[]', 'topic', $5, $6, $7, $8, $9, $10, $9, 1, $9, $11)`,
			fmt.Sprint("k", i), fmt.Sprint(i), fmt.Sprint("Warga ", i), fmt.Sprintf("pertanyaan nomor %d tentang akta %d", i, i%97),
			[]string{"Capil", "Pajak", "Izin"}[i%3], status, i%10/9, assignee, created.UnixMilli(), created.Add(4*time.Hour).UnixMilli(),
			map[bool]any{true: created.Add(time.Hour).UnixMilli(), false: nil}[status == "closed"]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	base := desk.Filter{Now: now, Soon: now.Add(30 * time.Minute), Limit: 50}
	for _, bc := range []struct {
		name string
		f    func(desk.Filter) desk.Filter
	}{
		{"open", func(f desk.Filter) desk.Filter { f.View = desk.ViewOpen; return f }},
		{"mine", func(f desk.Filter) desk.Filter { f.View, f.Officer = desk.ViewMine, "user:1"; return f }},
		{"unassigned", func(f desk.Filter) desk.Filter { f.View = desk.ViewUnassigned; return f }},
		{"overdue", func(f desk.Filter) desk.Filter { f.View = desk.ViewOverdue; return f }},
		{"closed", func(f desk.Filter) desk.Filter { f.View = desk.ViewClosed; return f }},
		{"all_category", func(f desk.Filter) desk.Filter { f.View, f.Category = desk.ViewAll, "Pajak"; return f }},
		{"search_words", func(f desk.Filter) desk.Filter { f.View, f.Query = desk.ViewAll, "akta 42"; return f }},
		{"search_number", func(f desk.Filter) desk.Filter { f.View, f.Query, f.Number = desk.ViewAll, "1234", 1234; return f }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := bc.f(base)
			for b.Loop() {
				ts, total, err := db.List(ctx, f)
				if err != nil || total == 0 || len(ts) == 0 {
					b.Fatalf("%d of %d, %v", len(ts), total, err)
				}
			}
		})
	}
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Counts(ctx, "user:3", now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
