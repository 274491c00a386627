package unanswered_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/unanswered"
)

// benchWord is a pronounceable distinct word.
func benchWord(i int) string {
	syl := []string{"ka", "lu", "mi", "po", "ra", "se", "ti", "nu", "ba", "de", "go", "ha"}
	var sb strings.Builder
	for j := 0; j < 3; j++ {
		sb.WriteString(syl[i%len(syl)])
		i /= len(syl)
	}
	return sb.String() + "n"
}

var benchAsking = []string{"bagaimana cara", "min", "syarat", "dimana", "berapa", "mau tanya"}

// benchQuestion is a question on one of 2,000 topics of three content words drawn from a
// 3,000-word vocabulary, with two to four noise words and asking words.
func benchQuestion(rng *rand.Rand) string {
	topic := rng.IntN(2000)
	ws := []string{benchAsking[rng.IntN(len(benchAsking))], benchWord(topic * 3 % 1700), benchWord(topic*7%1700 + 1), benchWord(1700 + topic%1300)}
	for k := 0; k < 2+rng.IntN(3); k++ {
		ws = append(ws, benchWord(rng.IntN(1728)))
	}
	return strings.Join(ws, " ")
}

// seedBench logs n escalated questions, one a minute up to t0, each from its own chat.
func seedBench(b *testing.B, db *store.DB, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	tx, err := db.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	for i := 0; i < n; i += batch {
		var q strings.Builder
		q.WriteString(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at) VALUES `)
		var args []any
		for j := i; j < min(n, i+batch); j++ {
			if j > i {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "('telegram', $%d, $%d, 'in', 'text', $%d, 'escalate', 'low_confidence', '', 0.2, 'id', $%d)", k+1, k+2, k+3, k+4)
			args = append(args, fmt.Sprint(j), j, benchQuestion(rng), t0.Add(-time.Duration(n-j)*time.Minute).UnixMilli())
		}
		if _, err := tx.Exec(q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU milliseconds per op since start (the machine may be
// shared: wall time per op then overstates the cost).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkPages100k measures the unanswered-questions pages' requests over 100,000 logged
// unanswered questions (the default window: 90 days back from t0 holds about 89,000 of
// them), on SQLite and PostgreSQL, after the first request has clustered them: the inbox
// (Summaries), a cluster's page (Cluster, the largest), and the inbox when a new question
// was logged since the last request (its logging not counted); the inbox as the page asks
// for it (Summaries: no question lists). The figures include reading the marks and syncing
// with the store.
func BenchmarkPages100k(b *testing.B) {
	const n = 100_000
	for _, backend := range []string{"SQLite", "Postgres"} {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			clk := storetest.NewClock(t0)
			url := b.TempDir() + "/bench.db"
			if backend == "Postgres" {
				url = storetest.PostgresURL(b)
			}
			db, err := store.Open(ctx, url, store.Options{Owner: "bench", Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			seedBench(b, db, n)
			svc, err := unanswered.New(unanswered.Options{Store: db, Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			cs, err := svc.Clusters(ctx, unanswered.Filter{}) // the first request clusters them all
			if err != nil {
				b.Fatal(err)
			}
			first := time.Since(start)
			largest := cs[0].ID
			b.Run("inbox", func(b *testing.B) {
				b.ReportMetric(float64(first.Milliseconds()), "first-ms")
				defer reportCPU(b, cpuTime())
				for i := 0; i < b.N; i++ {
					if cs, err = svc.Summaries(ctx, unanswered.Filter{}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(cs)), "clusters")
			})
			b.Run("cluster", func(b *testing.B) {
				var c unanswered.Cluster
				defer reportCPU(b, cpuTime())
				for i := 0; i < b.N; i++ {
					if c, err = svc.Cluster(ctx, unanswered.Filter{Hidden: true}, largest); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(c.Size), "questions")
			})
			b.Run("inbox-after-new", func(b *testing.B) {
				rng := rand.New(rand.NewPCG(3, 4))
				defer reportCPU(b, cpuTime())
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					if _, err := db.SQL().Exec(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
						VALUES ('web', $1, $2, 'in', 'text', $3, 'escalate', 'low_confidence', '', 0.2, 'id', $4)`, fmt.Sprint("new", i), n+i, benchQuestion(rng), t0.Add(-time.Second).UnixMilli()); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if cs, err = svc.Summaries(ctx, unanswered.Filter{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
