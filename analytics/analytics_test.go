package analytics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/analytics"
	"github.com/balai-id/balai/analytics/analyticstest"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/workhours"
)

// lines writes a table as "label|value|value…" rows (a catalogue label as @key).
func lines(t analytics.Table) []string {
	var out []string
	for _, r := range t.Rows {
		l := r.Label
		if r.LabelKey != "" {
			l = "@" + strings.TrimPrefix(r.LabelKey, "console_analytics_")
		}
		parts := []string{l}
		for i, v := range r.Values {
			parts = append(parts, analytics.FormatValue(v, t.Cols[i+1].Format))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// want is the seeded database's dashboard, counted by hand from analyticstest's Messages
// and Tickets (see the comments there and below).
var want = map[string][]string{
	// Citizens' messages per local day: Telegram, WhatsApp, Web, total. The bot's reply,
	// the message the evening before and the one after midnight of the 4th are outside.
	"messages": {
		"2026-03-02|4|1|0|5",
		"2026-03-03|2|2|2|6", // the web answer at 06:00 WIB (23:00 UTC the day before) is Tuesday's
		"2026-03-04|3|0|0|3",
	},
	// Questions: answered (strong answers: t1 Mon, b1 Tue, t1 Wed), confirmed (t3),
	// suggested (t2, w2), escalated (w1, b1's 👎): 8 in all.
	"containment": {"@outcome_answered|3|37.5", "@outcome_confirmed|1|12.5", "@outcome_suggested|2|25.0", "@outcome_escalated|2|25.0"},
	// Answers per entry, pressed ones included: akta 2 (confirmed, Wed), ktp 2, kk 1 (chosen).
	"entries":    {"akta|2", "ktp|2", "kk|1"},
	"categories": {"Kependudukan|3", "Catatan sipil|2"},
	// Escalations and suggestions not taken: Mon w1 (t2's suggestion was chosen), Tue b1's
	// 👎 and w2's suggestion.
	"unanswered": {"2026-03-02|1|0|1", "2026-03-03|1|1|2", "2026-03-04|0|0|0"},
	// 👍 t1 Mon on ktp, 👎 b1 on ktp, 👍 t1 Wed on akta (t1's last answer by then), and
	// t1's second 👍 on Wednesday, logged with ktp: on ktp, not on the last answer.
	"feedback": {"ktp|2|1|33.3", "akta|1|0|0.0"},
	// Opened: Mon #1 #2, Tue #3 #7, Wed #4 #5; closed: Mon #1 #6, Tue #7, Wed #2.
	"tickets": {"2026-03-02|2|2", "2026-03-03|2|1", "2026-03-04|2|1"},
	// First response (opened in range): #1 1h, #2 3h (Mon 15–16 + Tue 08–10), #5 0.25h within;
	// #3 unanswered past due (Wed 10:00): 4 counted, 3 within. #4 not yet due, #7 closed
	// without a reply. Resolution (closed in range): #7 0.5h, #1 2h, #6 2.5h (Fri 15–16 +
	// Mon 08–09:30), #2 10h (after its due time): 3 of 4 within.
	"sla": {"@first_response|4|1.0|3.0|75.0", "@resolution|4|2.0|10.0|75.0"},
	// Ratings of tickets closed in range: #1 5, #2 2 (Kependudukan), #6 4 (Catatan sipil).
	"csat_category": {"Kependudukan|2|3.50|50.0", "Catatan sipil|1|4.00|100.0"},
	"csat_officer":  {"Sari|2|4.50|100.0", "Budi|1|2.00|0.0"},
	// Now (Wed 12:00): #3 open and overdue, #4 claimed (due 13:00), #5 answered.
	"queue": {"@queue_open|1", "@queue_claimed|1", "@queue_answered|1", "@queue_overdue|1"},
}

// wantTelegram is the same on Telegram only.
var wantTelegram = map[string][]string{
	"messages":    {"2026-03-02|4|4", "2026-03-03|2|2", "2026-03-04|3|3"},
	"containment": {"@outcome_answered|2|50.0", "@outcome_confirmed|1|25.0", "@outcome_suggested|1|25.0", "@outcome_escalated|0|0.0"},
	"feedback":    {"ktp|2|0|0.0", "akta|1|0|0.0"},
	"tickets":     {"2026-03-02|1|2", "2026-03-03|0|0", "2026-03-04|2|0"},
	// #5 0.25h (rounded to 0.3) and #1 1h; #6 2.5h and #1 2h.
	"sla":   {"@first_response|2|0.3|1.0|100.0", "@resolution|2|2.0|2.5|100.0"},
	"queue": {"@queue_open|0", "@queue_claimed|1", "@queue_answered|1", "@queue_overdue|0"},
}

func TestDashboardHandCount(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(*testing.T) storetest.Opener
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			open := db.open(t)
			// The rollups must not change a figure: counted from the log alone, after
			// folding part of it, and after folding all of it.
			for _, fold := range []struct {
				name string
				upto time.Time // the clock RollUpAnalytics runs at (zero: not run)
			}{{"log only", time.Time{}}, {"half folded", analyticstest.Local("2026-03-03 13:00")}, {"folded", analyticstest.Local("2026-03-06 00:00")}} {
				t.Run(fold.name, func(t *testing.T) {
					clk := storetest.NewClock(analyticstest.Now)
					st := open(t, strings.ReplaceAll(fold.name, " ", "_"), store.Options{Now: clk.Now})
					analyticstest.Seed(t, st)
					if !fold.upto.IsZero() {
						clk.Set(fold.upto)
						n, err := st.RollUpAnalytics(context.Background(), analyticstest.Zone)
						if err != nil {
							t.Fatal(err)
						}
						if n == 0 {
							t.Fatal("RollUpAnalytics folded nothing")
						}
						// Folding again folds nothing more (the watermark moved).
						if again, err := st.RollUpAnalytics(context.Background(), analyticstest.Zone); err != nil || again != 0 {
							t.Fatalf("second RollUpAnalytics: %d, %v", again, err)
						}
					}
					svc := analytics.New(analytics.Config{Store: st, Calendar: workhours.Default(), Category: analyticstest.Category,
						Now: func() time.Time { return analyticstest.Now }})
					for _, c := range []struct {
						channel balai.Channel
						want    map[string][]string
					}{{"", want}, {balai.Telegram, wantTelegram}} {
						d, err := svc.Dashboard(context.Background(), analytics.Query{From: analyticstest.From, To: analyticstest.To, Channel: c.channel})
						if err != nil {
							t.Fatal(err)
						}
						for id, w := range c.want {
							tb, ok := d.Table(id)
							if !ok {
								t.Fatalf("no table %q", id)
							}
							if got := lines(tb); strings.Join(got, "\n") != strings.Join(w, "\n") {
								t.Errorf("channel %q, table %s:\n got %q\nwant %q", c.channel, id, got, w)
							}
						}
					}
				})
			}
		})
	}
}

func TestRollUpStopsBeforeRecentMessages(t *testing.T) {
	clk := storetest.NewClock(analyticstest.Local("2026-03-02 10:00"))
	st := storetest.SQLite(t)(t, "lag", store.Options{Now: clk.Now})
	analyticstest.Seed(t, st)
	// At 10:00:30 the 10:00 message is within the lag: only what was logged before 09:59:30
	// (the log's first 4 rows) is folded.
	clk.Set(analyticstest.Local("2026-03-02 10:00").Add(30 * time.Second))
	n, err := st.RollUpAnalytics(context.Background(), analyticstest.Zone)
	if err != nil || n != 4 {
		t.Fatalf("RollUpAnalytics = %d, %v; want 4 rows", n, err)
	}
}

func TestPercentilesAndRanges(t *testing.T) {
	st := storetest.SQLite(t)(t, "empty", store.Options{})
	svc := analytics.New(analytics.Config{Store: st, Calendar: workhours.Default(), Now: func() time.Time { return analyticstest.Now }})
	// An empty database: every table has its rows (days, outcomes) at zero, no error.
	d, err := svc.Dashboard(context.Background(), analytics.Query{From: analyticstest.To, To: analyticstest.From})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := d.Table("messages"); len(m.Rows) != 3 || !d.Query.From.Equal(analyticstest.From) {
		t.Fatalf("reversed range: %d days from %v", len(m.Rows), d.Query.From)
	}
	if s, _ := d.Table("sla"); strings.Join(lines(s), ";") != "@first_response|0|0.0|0.0|0.0;@resolution|0|0.0|0.0|0.0" {
		t.Fatalf("empty SLA table: %q", lines(s))
	}
	if _, err := svc.Dashboard(context.Background(), analytics.Query{From: analyticstest.From, To: analyticstest.From.AddDate(2, 0, 0)}); err == nil {
		t.Fatal("a two-year range was accepted")
	}
}

// Two processes folding the same log at once count every message once.
func TestRollUpConcurrent(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(*testing.T) storetest.Opener
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			open := db.open(t)
			now := func() time.Time { return analyticstest.Local("2026-03-06 00:00") }
			a := open(t, "shared", store.Options{Now: now, Owner: "a"})
			b := open(t, "shared", store.Options{Now: now, Owner: "b"})
			analyticstest.Seed(t, a)
			var folded [2]int64
			errs := make(chan error, 2)
			for i, st := range []*store.DB{a, b} {
				go func() {
					var err error
					for k := 0; k < 5 && err == nil; k++ {
						var n int64
						n, err = st.RollUpAnalytics(context.Background(), analyticstest.Zone)
						folded[i] += n
					}
					errs <- err
				}()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if got := folded[0] + folded[1]; got != int64(len(analyticstest.Messages)) {
				t.Fatalf("folded %d rows in all, want %d", got, len(analyticstest.Messages))
			}
			svc := analytics.New(analytics.Config{Store: b, Calendar: workhours.Default(), Category: analyticstest.Category,
				Now: func() time.Time { return analyticstest.Now }})
			d, err := svc.Dashboard(context.Background(), analytics.Query{From: analyticstest.From, To: analyticstest.To})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"messages", "containment", "feedback"} {
				tb, _ := d.Table(id)
				if got := lines(tb); strings.Join(got, "\n") != strings.Join(want[id], "\n") {
					t.Errorf("table %s: got %q, want %q", id, got, want[id])
				}
			}
		})
	}
}
