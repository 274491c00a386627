// Command tgbench measures Balai's Telegram throughput and latency end to end: updates
// injected into an in-process fake Bot API (internal/tgfake), received by the real adapter
// (polling or webhook), answered by the engine from the default corpus with SQLite, and sent
// back through github.com/go-telegram/bot. The outbound limiter is off. For scale it runs a
// bare go-telegram/bot echo bot (the library's own polling loop and handlers, no storage)
// against the same fake in the same run.
//
//	go run ./internal/cmd/tgbench -n 5000 -chats 100
//	go run ./internal/cmd/tgbench -n 5000 -rate 1000      # open loop at a fixed rate
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

const token = "123456:BENCH"

var questions = []string{
	"ktp saya ilang gmn cara ngurusnya min", "syarat skck", "perpanjnag sim c online bisa gak",
	"How do I renew my passport?", "cara daftar bpjs kesehatan mandiri", "cek bansos pakai nik",
	"Selamat siang, bagaimana prosedur pembuatan akta kelahiran untuk bayi yang baru lahir?",
	"npwp online", "jam layanan petugas", "bayar pbb dimana",
}

func main() {
	n := flag.Int("n", 5000, "questions")
	chats := flag.Int("chats", 100, "chats (closed loop: one question in flight per chat)")
	rate := flag.Float64("rate", 0, "open loop: questions per second (0: closed loop)")
	modes := flag.String("modes", "polling,webhook,bare", "what to measure")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the Balai runs")
	flag.Parse()
	if *cpuprofile != "" {
		f, _ := os.Create(*cpuprofile)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	results := map[string]result{}
	for _, mode := range strings.Split(*modes, ",") {
		r, err := run(mode, *n, *chats, *rate)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tgbench:", mode, err)
			os.Exit(1)
		}
		results[mode] = r
		fmt.Printf("%-8s n=%d chats=%d replied=%d lost=%d throughput=%.0f msg/s p50=%s p99=%s max=%s\n",
			mode, *n, *chats, r.replied, *n-r.replied, r.throughput, r.p50, r.p99, r.max)
	}
	if b, ok := results["bare"]; ok && b.throughput > 0 {
		for _, m := range []string{"polling", "webhook"} {
			if r, ok := results[m]; ok {
				fmt.Printf("ratio %s/bare: %.2f\n", m, r.throughput/b.throughput)
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("heap in use %.1f MiB, goroutines %d\n", float64(ms.HeapInuse)/(1<<20), runtime.NumGoroutine())
}

type result struct {
	replied       int
	throughput    float64
	p50, p99, max time.Duration
}

// run measures one mode.
func run(mode string, n, chats int, rate float64) (result, error) {
	fake := tgfake.New(token)
	api := httptest.NewServer(fake)
	defer api.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var webhook http.Handler
	switch mode {
	case "bare":
		b, err := tg.New(token, tg.WithServerURL(api.URL), tg.WithSkipGetMe(), tg.WithDefaultHandler(func(ctx context.Context, b *tg.Bot, u *models.Update) {
			if u.Message != nil {
				b.SendMessage(ctx, &tg.SendMessageParams{ChatID: u.Message.Chat.ID, Text: u.Message.Text})
			}
		}))
		if err != nil {
			return result{}, err
		}
		go b.Start(ctx)
	case "polling", "webhook":
		dir, _ := os.MkdirTemp("", "tgbench-")
		defer os.RemoveAll(dir)
		quiet := slog.New(slog.DiscardHandler)
		db, err := store.Open(ctx, filepath.Join(dir, "balai.db"), store.Options{Owner: "bench"})
		if err != nil {
			return result{}, err
		}
		defer db.Close()
		c, _, err := knowledge.LoadCorpus("")
		if err != nil {
			return result{}, err
		}
		ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
		if err != nil {
			return result{}, err
		}
		defer ix.Close()
		msgs, _ := bot.LoadMessages("", "Bench")
		eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: quiet})
		if err != nil {
			return result{}, err
		}
		cfg := telegram.Config{Token: token, APIURL: api.URL, Logger: quiet, PollTimeout: 5 * time.Second}
		if mode == "webhook" {
			cfg.Mode, cfg.WebhookURL, cfg.WebhookSecret = telegram.ModeWebhook, "https://bench.invalid/hook", "s3cret"
		}
		ad, err := telegram.New(cfg, eng)
		if err != nil {
			return result{}, err
		}
		eng.AddSender(balai.Telegram, ad, bot.Limits{}, true)
		if err := eng.Start(ctx); err != nil {
			return result{}, err
		}
		defer func() {
			cctx, cc := context.WithTimeout(context.Background(), 5*time.Second)
			eng.Close(cctx)
			cc()
		}()
		if err := ad.Setup(ctx, nil); err != nil {
			return result{}, err
		}
		if mode == "polling" {
			go ad.Run(ctx)
		} else {
			webhook = ad.WebhookHandler()
		}
	default:
		return result{}, fmt.Errorf("unknown mode %q", mode)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if webhook != nil {
			webhook.ServeHTTP(w, r)
		}
	}))
	defer hook.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

	sem := make(chan struct{}, 40) // webhook max_connections
	var mu sync.Mutex
	sentAt := map[int64]time.Time{} // chat → time the question was injected
	var lat []time.Duration
	inject := func(chat int64, q string) {
		mu.Lock()
		sentAt[chat] = time.Now()
		mu.Unlock()
		id, _ := fake.Message(chat, q)
		if webhook != nil {
			// Telegram posts webhook updates over several connections at once.
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				req, _ := http.NewRequest(http.MethodPost, hook.URL, bytes.NewReader(fake.Update(id)))
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
		}
	}
	// Replies are matched to questions by chat; each chat has one question in flight
	// (closed loop) or questions spaced by the rate (open loop, chats round-robin).
	replied := 0
	done := make(chan struct{})
	next := make(chan int64, chats)
	seen := 0
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			fresh, total := fake.SentSince(seen)
			mu.Lock()
			for _, m := range fresh {
				if t, ok := sentAt[m.ChatID]; ok {
					lat = append(lat, m.At.Sub(t))
					delete(sentAt, m.ChatID)
					replied++
					if rate == 0 {
						next <- m.ChatID
					}
				}
			}
			seen = total
			finished := replied >= n
			mu.Unlock()
			if finished {
				close(done)
				return
			}
		}
	}()
	start := time.Now()
	issued := 0
	if rate == 0 {
		for c := 0; c < chats && issued < n; c++ {
			inject(int64(700000+c), questions[issued%len(questions)])
			issued++
		}
		go func() {
			for chat := range next {
				if issued >= n {
					continue
				}
				inject(chat, questions[issued%len(questions)])
				issued++
			}
		}()
	} else {
		interval := time.Duration(float64(time.Second) / rate)
		for issued < n {
			chat := int64(700000 + issued%chats)
			mu.Lock()
			_, busy := sentAt[chat]
			mu.Unlock()
			if !busy {
				inject(chat, questions[issued%len(questions)])
				issued++
			}
			time.Sleep(time.Until(start.Add(time.Duration(issued) * interval)))
		}
	}
	select {
	case <-done:
	case <-time.After(120 * time.Second):
	}
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	r := result{replied: replied, throughput: float64(replied) / elapsed.Seconds()}
	if len(lat) > 0 {
		r.p50, r.p99, r.max = lat[len(lat)/2], lat[int(float64(len(lat)-1)*0.99)], lat[len(lat)-1]
	}
	r.p50, r.p99, r.max = r.p50.Round(100*time.Microsecond), r.p99.Round(100*time.Microsecond), r.max.Round(100*time.Microsecond)
	return r, nil
}
