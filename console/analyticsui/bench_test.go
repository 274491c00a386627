package analyticsui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/analytics"
	"github.com/balai-id/balai/analytics/analyticstest"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console/analyticsui"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/workhours"
)

// BenchmarkDashboard renders the dashboard page (queries, tables, SVG charts) over a
// generated log: BALAI_BENCH_MESSAGES log rows (default 2,000,000: 1,000,000 citizens'
// messages and the bot's replies) over 90 days, one ticket per 20 rows, on PostgreSQL
// (BALAI_TEST_PG) and SQLite. The log is folded into the rollups first, as serve's job
// does, except its last minutes, which the page counts from the log.
//
//	go test ./console/analyticsui/ -run '^$' -bench Dashboard -benchtime 20x -timeout 60m
func BenchmarkDashboard(b *testing.B) {
	n := 2000000
	if s := os.Getenv("BALAI_BENCH_MESSAGES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	end := analyticstest.Local("2026-06-30 17:00")
	dbs := []struct{ name, url string }{{"sqlite", filepath.Join(b.TempDir(), "bench.db")}}
	if dsn := os.Getenv("BALAI_TEST_PG"); dsn != "" {
		// BALAI_BENCH_SCHEMA keeps the generated database in that schema for the next run.
		schema := os.Getenv("BALAI_BENCH_SCHEMA")
		if schema == "" {
			schema = fmt.Sprintf("bench%d", time.Now().UnixNano())
			admin, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := admin.SQL().Exec("CREATE SCHEMA " + schema); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { admin.SQL().Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() })
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dbs = append([]struct{ name, url string }{{"postgres", dsn + sep + "search_path=" + schema}}, dbs...)
	}
	msgs, err := bot.LoadMessages("", "")
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range dbs {
		now := func() time.Time { return end }
		db, err := store.Open(context.Background(), d.url, store.Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		t0 := time.Now()
		var logged int
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM message_log").Scan(&logged); err != nil {
			b.Fatal(err)
		}
		g := analyticstest.Generated{Messages: logged}
		if logged == 0 {
			g = analyticstest.Generate(b, db, n, 90, end)
		}
		gen := time.Since(t0)
		t0 = time.Now()
		folded, err := db.RollUpAnalytics(context.Background(), analyticstest.Zone)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: generated %d log rows and %d tickets in %v; first roll-up folded %d rows in %v", d.name, g.Messages, g.Tickets, gen.Round(time.Second), folded, time.Since(t0).Round(time.Millisecond))
		if d.name == "postgres" {
			db.SQL().Exec("ANALYZE")
		}
		svc := analytics.New(analytics.Config{Store: db, Calendar: workhours.Default(), Now: now,
			Category: func(id string) string { return "Kategori " + id[len(id)-1:] }})
		ui := analyticsui.New(analyticsui.Config{Dashboards: svc, Auth: auth{}, Texts: msgs, Location: analyticstest.Zone, Now: now})
		mux := http.NewServeMux()
		ui.Routes(mux, prefix)
		for _, c := range []struct{ name, query string }{
			{"30days", ""},
			{"90days", "?from=2026-04-01&to=2026-06-30"},
			{"30days-whatsapp", "?channel=whatsapp"},
		} {
			b.Run(d.name+"/"+c.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					req := httptest.NewRequest("GET", prefix+"/"+c.query, nil)
					req.Header.Set("X-Role", "supervisor")
					w := httptest.NewRecorder()
					mux.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("%d %s", w.Code, w.Body.String())
					}
				}
			})
		}
	}
}
