// Command fairload measures fair scheduling between chats: it sends normal citizens'
// questions from 100 chats at a steady rate through the engine (real store, real index),
// once alone ("quiet") and once while 20 chats flood it (by default 5 messages a second
// each, four times a citizen's pace, with the flood limit off: every message is handled),
// and reports the normal chats' reply
// latency (accepted → handed to the channel): p50, p95, max. Target: flood p95 ≤ 2 × quiet.
//
//	go run ./internal/cmd/fairload                                                        # SQLite
//	go run ./internal/cmd/fairload -pg 'postgres://root@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/internal/benchstore"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

var questions = []string{
	"ktp saya hilang bagaimana cara mengurusnya", "syarat membuat kartu keluarga baru", "cara bayar pajak kendaraan",
	"bagaimana mengurus akta kelahiran", "berapa lama membuat ktp el", "jam buka kantor dukcapil",
	"cara pindah domisili", "syarat perpanjang sim", "pajak bumi dan bangunan bayar dimana",
}

func main() {
	pg := flag.String("pg", "", "PostgreSQL DSN (default: SQLite in a temporary folder)")
	normal := flag.Int("normal", 1000, "normal messages")
	chats := flag.Int("chats", 100, "normal chats")
	rate := flag.Float64("rate", 50, "normal messages per second")
	flooders := flag.Int("flooders", 20, "flooding chats")
	flood := flag.Int("flood", 100, "messages each flooding chat sends")
	floodRate := flag.Float64("flood-rate", 5, "messages per second each flooding chat sends (0: as fast as Accept takes them)")
	workers := flag.Int("workers", 8, "engine workers (BALAI_WORKERS)")
	flag.Parse()
	ctx := context.Background()
	open, name, cleanup, err := benchstore.Open(ctx, *pg, "fair", "load")
	if err != nil {
		fail(err)
	}
	defer cleanup()
	corpus, ps, err := knowledge.LoadCorpus("")
	if err != nil || ps.Err() != nil {
		fail(errors.Join(err, ps.Err()))
	}
	quiet := slog.New(slog.DiscardHandler)
	ix, err := knowledge.Open(ctx, corpus, knowledge.Options{Logger: quiet})
	if err != nil {
		fail(err)
	}
	defer ix.Close()

	fmt.Printf("fairload on %s: %d normal messages from %d chats at %.0f/s, %d workers; flood: %d chats × %d messages at %.0f/s each\n",
		name, *normal, *chats, *rate, *workers, *flooders, *flood, *floodRate)
	fmt.Printf("%-6s %8s %10s %10s %10s %10s %6s\n", "run", "flood", "p50", "p95", "max", "took", "lost")
	var res [2]result
	for i, nFlood := range []int{0, *flooders} {
		db, err := open(strconv.Itoa(i))
		if err != nil {
			fail(err)
		}
		res[i], err = load(ctx, db, ix, *normal, *chats, *rate, nFlood, *flood, *floodRate, *workers)
		db.Close()
		if err != nil {
			fail(err)
		}
		r := res[i]
		fmt.Printf("%-6s %8d %10s %10s %10s %10s %6d\n", []string{"quiet", "flood"}[i], r.flooded, r.p50.Round(100*time.Microsecond),
			r.p95.Round(100*time.Microsecond), r.max.Round(100*time.Microsecond), r.took.Round(time.Millisecond), r.lost)
	}
	ratio := float64(res[1].p95) / float64(res[0].p95)
	fmt.Printf("normal chats' p95 flood / quiet = %.2f (target ≤ 2)\n", ratio)
	if ratio > 2 || res[0].lost+res[1].lost > 0 {
		os.Exit(1)
	}
}

type result struct {
	p50, p95, max, took time.Duration
	lost, flooded       int
}

// recorder is the web channel's sender: it notes when each message's first reply left.
type recorder struct {
	mu      sync.Mutex
	replied map[string]time.Time // MessageID of the citizen's message → reply time
}

func (r *recorder) Send(_ context.Context, o bot.Outgoing) (string, error) {
	if o.Kind == bot.OutMessage && o.ReplyTo != "" {
		r.mu.Lock()
		if _, ok := r.replied[o.ReplyTo]; !ok {
			r.replied[o.ReplyTo] = time.Now()
		}
		r.mu.Unlock()
	}
	return "", nil
}

func load(ctx context.Context, db *store.DB, ix *knowledge.Index, nNormal, nChats int, rate float64, nFlooders, perFlooder int, floodRate float64, workers int) (result, error) {
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		return result{}, err
	}
	eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Workers: workers, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return result{}, err
	}
	rec := &recorder{replied: map[string]time.Time{}}
	eng.AddSender(balai.Web, rec, bot.Limits{}, true)
	if err := eng.Start(ctx); err != nil {
		return result{}, err
	}
	defer eng.Close(context.Background())
	chat := func(kind string, i int) balai.ChatRef {
		return balai.ChatRef{Channel: balai.Web, ID: fmt.Sprintf("%s%028x", kind, i)}
	}
	start := time.Now()
	// The flooders start first and keep sending while the normal chats write.
	var flooded atomic.Int64
	var wg sync.WaitGroup
	for f := 0; f < nFlooders; f++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := time.Now()
			for i := 0; i < perFlooder; i++ {
				if floodRate > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(time.Duration(float64(time.Second) / floodRate))
				}
				id := fmt.Sprintf("f%d-%d", f, i)
				in := bot.Inbound{Chat: chat("f", f), Kind: bot.KindText, Key: id, MessageID: id, Text: questions[i%len(questions)]}
				if _, err := eng.Accept(ctx, in); err == nil {
					flooded.Add(1)
				}
			}
		}()
	}
	if nFlooders > 0 {
		time.Sleep(200 * time.Millisecond) // let the flood fill the queue
	}
	sent := map[string]time.Time{}
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for i := 0; i < nNormal; i++ {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		id := "n" + strconv.Itoa(i)
		in := bot.Inbound{Chat: chat("n", i%nChats), Kind: bot.KindText, Key: id, MessageID: id, Text: questions[i%len(questions)]}
		at := time.Now()
		if _, err := eng.Accept(ctx, in); err != nil {
			return result{}, err
		}
		sent[id] = at
	}
	wg.Wait()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if !eng.Idle(wctx) {
		fmt.Fprintln(os.Stderr, "fairload: not idle after 5 minutes; counting what is missing as lost")
	}
	res := result{took: time.Since(start), flooded: int(flooded.Load())}
	var lat []time.Duration
	rec.mu.Lock()
	for id, at := range sent {
		if r, ok := rec.replied[id]; ok {
			lat = append(lat, r.Sub(at))
		} else {
			res.lost++
		}
	}
	rec.mu.Unlock()
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50, res.p95, res.max = lat[len(lat)*50/100], lat[min(len(lat)-1, len(lat)*95/100)], lat[len(lat)-1]
	}
	return res, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fairload:", err)
	os.Exit(1)
}
