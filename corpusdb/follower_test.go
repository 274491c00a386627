package corpusdb_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

// BenchmarkSwitch5000 publishes a changed 5,000-entry corpus (every entry differs) while
// questions are asked of the serving replica, and reports how long from the publish until
// the replica answers from it (switch_ms; creating the draft, before, is draft_ms), and the
// answers during that time: how many (answers), how many failed (failed) and their p50, p99
// and slowest latency (p50_ms, p99_ms, max_ms), beside p50 and p99 of the same load before
// anything changed (base_p50_ms, base_p99_ms) and in the 3 s after the switch (after_p50_ms,
// after_p99_ms); publish_ms is the part of switch_ms the publishing replica takes, and
// switch_cpu_ms the processor time the process used meanwhile (under 100qps almost all of
// it the switch's: answering takes ~1 % of a core). Two loads:
//
//   - 100qps: questions arrive at 100 a second, whatever answering takes (an open loop:
//     latency counts from the arrival, so a question waiting for a busy worker counts too);
//   - saturated: 4 workers ask without pause, more than the machine can answer (2 cores).
//
// BALAI_TEST_PG selects PostgreSQL with NOTIFY; otherwise SQLite with a 1 s poll.
func BenchmarkSwitch5000(b *testing.B) {
	base, _, err := faq.LoadDefault()
	if err != nil {
		b.Fatal(err)
	}
	for _, load := range []struct {
		name string
		qps  int
	}{{"100qps", 100}, {"saturated", 0}} {
		b.Run(load.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				switchOnce(b, base, uint64(i), load.qps)
			}
		})
	}
}

// sample is one answer: when its question arrived and how long until it was answered.
type sample struct {
	at, lat time.Duration // at: since the load started
	failed  bool
}

// questionLoad asks questions of an index until stopped and records every answer.
type questionLoad struct {
	start   time.Time
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []sample
}

// startLoad asks qs of ix at qps questions a second (8 workers take them as they arrive),
// or, with qps 0, from 4 workers without pause.
func startLoad(ctx context.Context, ix *knowledge.Index, qs []string, qps int) *questionLoad {
	l := &questionLoad{start: time.Now(), stop: make(chan struct{})}
	ask := func(q string, arrived time.Time, own *[]sample) {
		_, err := ix.Ask(ctx, q)
		*own = append(*own, sample{at: arrived.Sub(l.start), lat: time.Since(arrived), failed: err != nil})
	}
	keep := func(own []sample) {
		l.mu.Lock()
		l.samples = append(l.samples, own...)
		l.mu.Unlock()
	}
	if qps == 0 {
		for w := 0; w < 4; w++ {
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				var own []sample
				defer func() { keep(own) }()
				for i := w; ; i += 4 {
					select {
					case <-l.stop:
						return
					default:
					}
					ask(qs[i%len(qs)], time.Now(), &own)
				}
			}()
		}
		return l
	}
	arrivals := make(chan time.Time, 10000)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(arrivals)
		every := time.Second / time.Duration(qps)
		next := time.Now()
		for {
			next = next.Add(every)
			select {
			case <-l.stop:
				return
			case <-time.After(time.Until(next)):
			}
			arrivals <- next
		}
	}()
	var n atomic.Int64
	for w := 0; w < 8; w++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var own []sample
			defer func() { keep(own) }()
			for at := range arrivals {
				ask(qs[int(n.Add(1))%len(qs)], at, &own)
			}
		}()
	}
	return l
}

// halt stops the load once the questions asked are answered.
func (l *questionLoad) halt() {
	close(l.stop)
	l.wg.Wait()
}

// window returns the answers to questions that arrived in [from, to).
func (l *questionLoad) window(from, to time.Time) []sample {
	var out []sample
	for _, s := range l.samples {
		if s.at >= from.Sub(l.start) && s.at < to.Sub(l.start) {
			out = append(out, s)
		}
	}
	return out
}

// processCPU is the processor time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// latencies returns the p50, p99 and slowest latency of ss in milliseconds, and the failed.
func latencies(ss []sample) (p50, p99, slowest float64, failed int) {
	if len(ss) == 0 {
		return 0, 0, 0, 0
	}
	lat := make([]time.Duration, len(ss))
	for i, s := range ss {
		lat[i] = s.lat
		if s.failed {
			failed++
		}
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return ms(lat[len(lat)/2]), ms(lat[(len(lat)*99)/100]), ms(lat[len(lat)-1]), failed
}

func switchOnce(b *testing.B, base *faq.Corpus, seed uint64, qps int) {
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
	// Labelled for profiles: go test -cpuprofile, then go tool pprof -tagfocus part=follower.
	go pprof.Do(ctx, pprof.Labels("part", "follower"), f.Run)
	f2, _ := corpusdb.FilesFromCorpus(big2)
	// Questions of the corpus served, asked before, during and after the switch.
	var qs []string
	for _, e := range big1.Entries[:200] {
		qs = append(qs, e.Questions[0])
	}
	runtime.GC()
	var load *questionLoad
	pprof.Do(ctx, pprof.Labels("part", "questions"), func(ctx context.Context) { load = startLoad(ctx, ix, qs, qps) })
	time.Sleep(500 * time.Millisecond) // warm up
	baseFrom := time.Now()
	time.Sleep(2 * time.Second)
	baseTo := time.Now()
	b.StartTimer()
	d, _, err := sa.CreateDraft(ctx, admin, f2, "bench")
	if err != nil {
		b.Fatal(err)
	}
	pubStart, cpuStart := time.Now(), processCPU()
	pprof.Do(ctx, pprof.Labels("part", "publish"), func(ctx context.Context) {
		_, err = sa.Publish(ctx, admin, d.ID, corpusdb.PublishOptions{ConfirmShrink: true})
	})
	if err != nil {
		b.Fatal(err)
	}
	published := time.Now()
	for f.Served() != d.ID {
		time.Sleep(time.Millisecond)
	}
	end, cpuEnd := time.Now(), processCPU()
	b.StopTimer()
	time.Sleep(3 * time.Second)
	load.halt()
	during := load.window(pubStart, end)
	before := load.window(baseFrom, baseTo)
	after := load.window(end, end.Add(3*time.Second))
	p50, p99, slowest, failed := latencies(during)
	b.ReportMetric(float64(end.Sub(pubStart).Milliseconds()), "switch_ms")
	b.ReportMetric(float64((cpuEnd - cpuStart).Milliseconds()), "switch_cpu_ms")
	b.ReportMetric(float64(published.Sub(pubStart).Milliseconds()), "publish_ms")
	b.ReportMetric(float64(pubStart.Sub(baseTo).Milliseconds()), "draft_ms")
	b.ReportMetric(float64(len(during)), "answers")
	b.ReportMetric(float64(failed), "failed")
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(slowest, "max_ms")
	p50, p99, _, _ = latencies(before)
	b.ReportMetric(p50, "base_p50_ms")
	b.ReportMetric(p99, "base_p99_ms")
	p50, p99, _, _ = latencies(after)
	b.ReportMetric(p50, "after_p50_ms")
	b.ReportMetric(p99, "after_p99_ms")
	if failed > 0 {
		b.Errorf("%d of %d answers during the switch failed", failed, len(during))
	}
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
