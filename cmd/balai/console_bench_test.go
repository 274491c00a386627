package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

// benchTickets is how many tickets the console's benchmark seeds.
const benchTickets = 10000

// seedTickets stores n tickets through the store, as the desk opens them (with a transcript
// and the opening event): every fourth is claimed by user:1 (Sari), every third of the rest
// is closed with a closing event, and the due times spread from overdue to hours ahead,
// their reminders marked sent.
// It returns the tickets' ids.
func seedTickets(tb testing.TB, dbURL string, n int, now time.Time) []int64 {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, store.Options{Owner: "bench-seed"})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	chans := []balai.Channel{balai.Telegram, balai.WhatsApp, balai.Web}
	topics := []string{"akta kelahiran", "KTP elektronik", "kartu keluarga", "pindah domisili", "surat keterangan"}
	noCard := func(desk.Ticket) []bot.Outgoing { return nil }
	ids := make([]int64, 0, n)
	for i := range n {
		created := now.Add(-time.Duration(n-i) * time.Minute)
		topic := topics[i%len(topics)]
		question := fmt.Sprintf("Bagaimana cara mengurus %s untuk keluarga nomor %d?", topic, i)
		t := desk.Ticket{SourceKey: fmt.Sprint("bench-", i), Chat: balai.ChatRef{Channel: chans[i%3], ID: fmt.Sprint(620000 + i)},
			UserName: fmt.Sprint("Warga ", i), Question: question, Reason: "topic", Category: []string{"kependudukan", "pajak", "izin"}[i%3],
			Priority: i % 10 / 9, CreatedAt: created, DueAt: now.Add(time.Duration(i%600-120) * time.Minute), LastCitizenAt: created,
			Transcript: []balai.Line{
				{From: "citizen", Text: fmt.Sprintf("Halo, saya mau tanya soal %s.", topic), At: created.Add(-2 * time.Minute)},
				{From: "bot", Text: "Baik, berikut syarat yang biasanya diperlukan: KK asli dan KTP.", At: created.Add(-time.Minute)},
				{From: "citizen", Text: question, At: created},
			}}
		tk, _, _, err := db.CreateTicket(ctx, t, noCard)
		if err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, tk.ID)
		switch {
		case i%4 == 0:
			// Claimed lately: older claims without a reply go back to the queue when serve starts.
			if _, err := db.Claim(ctx, tk.ID, "user:1", "Sari", now.Add(-10*time.Minute)); err != nil {
				tb.Fatal(err)
			}
		case i%3 == 0:
			ev := desk.Event{TicketID: tk.ID, Actor: "user:2", ActorName: "Budi", Action: "closed", At: created.Add(time.Hour)}
			if _, _, err := db.Transition(ctx, tk.ID, nil, desk.Closed, ev, nil, desk.TicketUpdate{Answer: "Sudah dijawab."}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	// The desk has been running: its reminders of these tickets went out long ago (else serve
	// would start by queueing thousands of notices to the officers' group).
	if _, err := db.DueForReminder(ctx, now, now.Add(24*time.Hour)); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.OverdueTickets(ctx, now); err != nil {
		tb.Fatal(err)
	}
	return ids
}

// BenchmarkConsolePages renders the console's desk pages through the real handlers of a
// running `balai serve` (the console with the desk mounted, its session checks and the
// store) with 10,000 tickets in the database, on SQLite and, when BALAI_TEST_PG is set,
// PostgreSQL: the inbox's views, a word search, a ticket-number search and a ticket page,
// for a signed-in officer. The target is ≤ 100 ms per page.
func BenchmarkConsolePages(b *testing.B) {
	dbs := map[string]func(testing.TB) string{"SQLite": adminDatabases(nil)["SQLite"]}
	if os.Getenv("BALAI_TEST_PG") != "" {
		dbs["Postgres"] = adminDatabases(nil)["Postgres"]
	}
	for name, database := range dbs {
		b.Run(name, func(b *testing.B) {
			dbURL := database(b)
			var ids []int64
			// Every channel of the seeded tickets has its sender (what serve sends them is
			// delivered, not left pending).
			_, env := waCloud(b)
			e := startServe(b, dbURL, env, func() {
				addUser(b, "officer", "Sari", "sari", e2ePassword)
				addUser(b, "officer", "Budi", "budi", e2ePassword)
				ids = seedTickets(b, dbURL, benchTickets, clock.Now())
			})
			cc := signIn(b, e.url, "sari", e2ePassword)
			u, _ := url.Parse(e.url + "/console/desk/")
			cookies := cc.c.Jar.Cookies(u)
			h := e.main.con.Handler()
			ticket := ids[len(ids)-2] // an open ticket (not claimed, not closed)
			for _, page := range []struct{ name, path, want string }{
				{"open", "/console/desk/?view=open", "Warga "},
				{"mine", "/console/desk/?view=mine", "Warga "},
				{"overdue", "/console/desk/?view=overdue", "Warga "},
				{"closed", "/console/desk/?view=closed", "Warga "},
				{"search_words", "/console/desk/?view=all&q=" + url.QueryEscape("kartu keluarga 4242"), "nomor 4242"},
				{"search_number", "/console/desk/?view=all&q=" + url.QueryEscape(fmt.Sprintf("BLI-%06d", ids[4242])), "nomor 4242"},
				{"ticket", fmt.Sprintf("/console/desk/t/%d", ticket), fmt.Sprintf("nomor %d?", len(ids)-2)},
			} {
				b.Run(page.name, func(b *testing.B) {
					get := func() *httptest.ResponseRecorder {
						req := httptest.NewRequest(http.MethodGet, e.url+page.path, nil)
						for _, c := range cookies {
							req.AddCookie(c)
						}
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						return rec
					}
					if rec := get(); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), page.want) {
						b.Fatalf("GET %s = %d, %q not on the page:\n%.2000s", page.path, rec.Code, page.want, rec.Body.String())
					}
					for b.Loop() {
						if rec := get(); rec.Code != http.StatusOK {
							b.Fatalf("GET %s = %d", page.path, rec.Code)
						}
					}
				})
			}
		})
	}
}
