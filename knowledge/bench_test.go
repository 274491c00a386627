package knowledge_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/synthcorpus"
	"github.com/balai-id/balai/knowledge"
)

// benchQuestions mix the kinds of messages citizens send.
var benchQuestions = []string{
	"ktp saya ilang gmn cara ngurusnya min",
	"Selamat siang, bagaimana prosedur pembuatan akta kelahiran untuk bayi yang baru lahir?",
	"syarat skck",
	"perpanjnag sim c online bisa gak",
	"How do I renew my passport?",
	"harga cabai hari ini berapa ya",
	"Saya baru pindah dari Medan ke Bandung bulan lalu, sudah kerja di sini, mau tanya kalau mau pindah domisili KTP dan KK itu caranya bagaimana dan apa saja yang dibawa?",
	"cek bansos",
	"daftar bpjs kesehatan mandiri",
	"npwp",
	"halo min",
	"pajak motor telat bayar dendanya berapa",
}

// benchAsk asks the questions round-robin and reports p50/p99 latency per question.
func benchAsk(b *testing.B, ix *knowledge.Index) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := ix.Ask(ctx, benchQuestions[i%len(benchQuestions)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func BenchmarkAskDefaultCorpus(b *testing.B) {
	ix := mustOpen(b, "", knowledge.Options{})
	benchAsk(b, ix)
}

// generated returns a synthetic corpus of n entries built from the default one.
func generated(b *testing.B, n int) *faq.Corpus {
	base, _, err := faq.LoadDefault()
	if err != nil {
		b.Fatal(err)
	}
	c, err := synthcorpus.Generate(base, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkAskLarge asks persisted indexes of 5,000 and 10,000 generated entries.
func BenchmarkAskLarge(b *testing.B) {
	for _, n := range []int{5000, 10000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			c := generated(b, n)
			ix, err := knowledge.Open(context.Background(), c, knowledge.Options{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			benchAsk(b, ix)
		})
	}
}

// BenchmarkBuildLarge builds 5,000- and 10,000-entry indexes on disk and reports the build
// time and the heap the open index holds.
func BenchmarkBuildLarge(b *testing.B) {
	for _, n := range []int{5000, 10000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			c := generated(b, n)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				dir, _ := os.MkdirTemp("", "balai-bench-")
				t0 := time.Now()
				ix, err := knowledge.Open(context.Background(), c, knowledge.Options{DataDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(time.Since(t0).Seconds(), "build-s")
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
				ix.Close()
				os.RemoveAll(dir)
			}
		})
	}
}

func ExampleIndex_Ask() {
	c, _, _ := knowledge.LoadCorpus("testdata/mini")
	ix, _ := knowledge.Open(context.Background(), c, knowledge.Options{})
	defer ix.Close()
	res, _ := ix.Ask(context.Background(), "ktp sy ilang gmn min")
	top, _ := res.Top()
	fmt.Println(res.Decision, top.Entry.ID)
	// Output: answer ktp-hilang
}
