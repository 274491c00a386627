package corpusdb_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/synthcorpus"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// replica is a second process on the rig's database serving its published version.
type replica struct {
	ix *knowledge.Index
	f  *corpusdb.Follower
}

func startReplica(t *testing.T, open storetest.Opener, name string, poll time.Duration, listen bool) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	db := open(t, name, store.Options{Owner: "replica-b"})
	svc := corpusdb.New(corpusdb.Options{Store: db})
	v, c, err := svc.Published(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Now: func() time.Time { return clockStart }})
	if err != nil {
		t.Fatal(err)
	}
	f := &corpusdb.Follower{Service: svc, Poll: poll,
		Apply: func(ctx context.Context, _ balai.CorpusVersion, c *faq.Corpus) error { return ix.Swap(ctx, c) }}
	if listen {
		f.Listen = func(ctx context.Context, fn func(kind, arg string)) error { return db.Listen(ctx, fn) }
	}
	f.Start(v.ID)
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; ix.Close() })
	return &replica{ix: ix, f: f}
}

// answer returns the body of the entry the replica answers q with.
func (r *replica) answer(t *testing.T, q string) string {
	t.Helper()
	res, err := r.ix.Ask(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	top, ok := res.Top()
	if !ok {
		return ""
	}
	return top.Entry.Body
}

// waitFor polls cond until it holds; the guard only stops a hung test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	guard := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-guard:
			t.Fatalf("never: %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestReplicaSwitches: a version published by one process is served by another, woken by
// the store (PostgreSQL) or finding it at its poll (both databases), and a rollback the same.
func TestReplicaSwitches(t *testing.T) {
	cases := []struct {
		name   string
		opener func(*testing.T) storetest.Opener
		poll   time.Duration
		listen bool
	}{
		{"SQLite/poll", storetest.SQLite, 20 * time.Millisecond, false},
		{"Postgres/poll", storetest.Postgres, 20 * time.Millisecond, false},
		// The poll is far longer than the test's guard: only the wake-up can switch it.
		{"Postgres/notify", storetest.Postgres, time.Hour, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			open := tc.opener(t)
			a := newRig(t, open, "replicas", corpusdb.Policy{})
			b := startReplica(t, open, "replicas", tc.poll, tc.listen)
			q := "Akta kelahiran saya rusak dan sobek, bisa dicetak ulang?"
			old := b.answer(t, q)
			if !strings.Contains(old, "kutipan kedua") {
				t.Fatalf("replica answers %q", old)
			}
			d, _ := a.svc.NewDraft(ctx, editorA, 0, "")
			e := entryOf(t, a.svc, d.ID, ktp)
			e.Body = "Jawaban baru: datang ke Mal Pelayanan Publik dengan KTP."
			if _, err := a.svc.UpdateEntry(ctx, editorA, d.ID, e); err != nil {
				t.Fatal(err)
			}
			v, err := a.svc.Publish(ctx, editorA, d.ID, corpusdb.PublishOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Served is set once the swap returns, just after the new answers start.
			waitFor(t, "the replica answers from the new version", func() bool { return b.answer(t, q) == e.Body && b.f.Served() == v.ID })
			if _, err := a.svc.Rollback(ctx, admin, a.v1.ID, "", corpusdb.PublishOptions{}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the replica answers from the rolled back version", func() bool { return b.answer(t, q) == old })
		})
	}
}

// BenchmarkSwitch5000 publishes a changed 5,000-entry corpus while questions run on the
// serving replica, and reports how long until the replica serves it (switch_ms), the
// slowest answer during that time (max_answer_ms) and answers that failed (failed).
// BALAI_TEST_PG selects PostgreSQL with NOTIFY; otherwise SQLite with a 1 s poll. Questions
// come at BALAI_SWITCH_QPS per second (default 50; 0: as fast as 4 workers can ask).
func BenchmarkSwitch5000(b *testing.B) {
	base, _, err := faq.LoadDefault()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		switchOnce(b, base, uint64(i))
	}
}

func switchOnce(b *testing.B, base *faq.Corpus, seed uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	big1, err := synthcorpus.Generate(base, 5000, 1+seed)
	if err != nil {
		b.Fatal(err)
	}
	big2, err := synthcorpus.Generate(base, 5000, 100+seed)
	if err != nil {
		b.Fatal(err)
	}
	url := storeURL(b)
	open := func(owner string) *store.DB {
		db, err := store.Open(ctx, url, store.Options{Owner: owner})
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	da, db := open("a"), open("b")
	defer da.Close()
	defer db.Close()
	sa := corpusdb.New(corpusdb.Options{Store: da})
	f1, _ := corpusdb.FilesFromCorpus(big1)
	if _, err := sa.Seed(ctx, f1, "bench"); err != nil {
		b.Fatal(err)
	}
	sb := corpusdb.New(corpusdb.Options{Store: db})
	v, c, err := sb.Published(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	f := &corpusdb.Follower{Service: sb, Poll: time.Second,
		Apply: func(ctx context.Context, _ balai.CorpusVersion, c *faq.Corpus) error { return ix.Swap(ctx, c) }}
	if da.Dialect() == store.Postgres {
		f.Listen = func(ctx context.Context, fn func(kind, arg string)) error { return db.Listen(ctx, fn) }
	}
	f.Start(v.ID)
	go f.Run(ctx)
	// Questions from the synthetic corpus, asked without pause by 4 workers.
	var qs []string
	for _, e := range big1.Entries[:200] {
		qs = append(qs, e.Questions[0])
	}
	qps, _ := strconv.Atoi(os.Getenv("BALAI_SWITCH_QPS"))
	if os.Getenv("BALAI_SWITCH_QPS") == "" {
		qps = 50
	}
	var failed, asked atomic.Int64
	var maxNS atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if qps > 0 {
					time.Sleep(time.Duration(4 * float64(time.Second) / float64(qps)))
				}
				start := time.Now()
				if _, err := ix.Ask(ctx, qs[i%len(qs)]); err != nil {
					failed.Add(1)
				}
				asked.Add(1)
				if d := time.Since(start).Nanoseconds(); d > maxNS.Load() {
					maxNS.Store(d)
				}
			}
		}(w)
	}
	time.Sleep(200 * time.Millisecond) // load running before the publish
	maxNS.Store(0)
	b.StartTimer()
	start := time.Now()
	f2, _ := corpusdb.FilesFromCorpus(big2)
	d, _, err := sa.CreateDraft(ctx, admin, f2, "bench")
	if err != nil {
		b.Fatal(err)
	}
	pubStart := time.Now()
	if _, err := sa.Publish(ctx, admin, d.ID, corpusdb.PublishOptions{ConfirmShrink: true}); err != nil {
		b.Fatal(err)
	}
	for f.Served() != d.ID {
		time.Sleep(5 * time.Millisecond)
	}
	end := time.Now()
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(end.Sub(pubStart).Milliseconds()), "switch_ms")
	b.ReportMetric(float64(pubStart.Sub(start).Milliseconds()), "draft_ms")
	b.ReportMetric(float64(maxNS.Load())/1e6, "max_answer_ms")
	b.ReportMetric(float64(failed.Load()), "failed")
	b.ReportMetric(float64(asked.Load()), "answers")
}

var benchSeq atomic.Int64

// storeURL is a fresh database for a benchmark: a PostgreSQL schema when BALAI_TEST_PG is
// set, else a SQLite file.
func storeURL(b *testing.B) string {
	if pg := pgURL(b); pg != "" {
		return pg
	}
	return fmt.Sprintf("%s/bench%d.db", b.TempDir(), benchSeq.Add(1))
}
