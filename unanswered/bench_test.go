package unanswered_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/unanswered"
)

// BenchmarkClusters100k clusters 100,000 logged unanswered questions (SQLite): 2,000 topics
// of three content words drawn from a 3,000-word vocabulary, each question a topic's words
// with two to four noise words and asking words. The figure includes reading them from the
// store.
func BenchmarkClusters100k(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	clk := storetest.NewClock(t0)
	db, err := store.Open(ctx, dir+"/bench.db", store.Options{Owner: "bench", Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(i int) string { // pronounceable distinct words
		syl := []string{"ka", "lu", "mi", "po", "ra", "se", "ti", "nu", "ba", "de", "go", "ha"}
		var sb strings.Builder
		for j := 0; j < 3; j++ {
			sb.WriteString(syl[i%len(syl)])
			i /= len(syl)
		}
		return sb.String() + "n"
	}
	asking := []string{"bagaimana cara", "min", "syarat", "dimana", "berapa", "mau tanya"}
	tx, err := db.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	for i := 0; i < n; i++ {
		topic := rng.IntN(2000)
		ws := []string{asking[rng.IntN(len(asking))], word(topic * 3 % 1700), word(topic*7%1700 + 1), word(1700 + topic%1300)}
		for k := 0; k < 2+rng.IntN(3); k++ {
			ws = append(ws, word(rng.IntN(1728)))
		}
		at := t0.Add(-time.Duration(n-i) * time.Minute)
		if _, err := tx.Exec(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
			VALUES ('telegram', $1, $2, 'in', 'text', $3, 'escalate', 'low_confidence', '', 0.2, 'id', $4)`, fmt.Sprint(i), i, strings.Join(ws, " "), at.UnixMilli()); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	svc, err := unanswered.New(unanswered.Options{Store: db, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var cs []unanswered.Cluster
	for i := 0; i < b.N; i++ {
		cs, err = svc.Clusters(ctx, unanswered.Filter{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cs)), "clusters")
}
