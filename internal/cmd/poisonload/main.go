// Command poisonload measures how poison messages affect real ones: it sends 2,000 real
// citizens' questions through the engine (real store, real index, the real officer desk),
// once clean and once with 100 poison messages (5 %) mixed in, and reports the real
// replies' p50/p99 latency (accepted → handed to the channel) and how many real messages
// got no reply. Poison: forged rating buttons (no ticket, another chat's ticket), text with
// NUL bytes and invalid UTF-8, and messages whose handling always fails (parked after their
// tries), and abuse: "/petugas" from ever new sessions and again and again from one chat
// (ticket caps). Half the poison comes from chats that also send real questions.
//
//	go run ./internal/cmd/poisonload                                                        # SQLite
//	go run ./internal/cmd/poisonload -pg 'postgres://root@127.0.0.1:5432/test?sslmode=disable'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/desk/officerchat"
	"github.com/balai-id/balai/internal/benchstore"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

var questions = []string{
	"ktp saya hilang bagaimana cara mengurusnya", "syarat membuat kartu keluarga baru", "cara bayar pajak kendaraan",
	"bagaimana mengurus akta kelahiran", "berapa lama membuat ktp el", "jam buka kantor dukcapil",
	"cara pindah domisili", "syarat perpanjang sim", "bagaimana cara mengurus akta kematian", "halo",
	"pajak bumi dan bangunan bayar dimana", "kk saya rusak", "terima kasih", "mau bicara dengan petugas",
}

func main() {
	pg := flag.String("pg", "", "PostgreSQL DSN (default: SQLite in a temporary folder)")
	real := flag.Int("real", 2000, "real messages")
	poison := flag.Int("poison", 100, "poison messages in the poisoned run")
	chats := flag.Int("chats", 400, "citizens' chats the real messages come from")
	rate := flag.Float64("rate", 100, "messages sent per second")
	workers := flag.Int("workers", 8, "engine workers (BALAI_WORKERS)")
	flag.Parse()
	ctx := context.Background()
	open, name, cleanup, err := benchstore.Open(ctx, *pg, "poison", "load")
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

	fmt.Printf("poisonload on %s: %d real messages from %d chats at %.0f/s, %d workers\n", name, *real, *chats, *rate, *workers)
	fmt.Printf("%-10s %8s %8s %10s %10s %6s %7s\n", "run", "real", "poison", "p50", "p99", "lost", "parked")
	var clean, poisoned result
	for _, run := range []struct {
		name   string
		poison int
		res    *result
	}{{"clean", 0, &clean}, {"poisoned", *poison, &poisoned}} {
		db, err := open(run.name)
		if err != nil {
			fail(err)
		}
		*run.res, err = load(ctx, db, ix, *real, run.poison, *chats, *rate, *workers)
		db.Close()
		if err != nil {
			fail(err)
		}
		r := run.res
		fmt.Printf("%-10s %8d %8d %10s %10s %6d %7d\n", run.name, *real, run.poison, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.lost, r.parked)
	}
	ratio := float64(poisoned.p99) / float64(clean.p99)
	fmt.Printf("p99 poisoned / clean = %.2f (target ≤ 2), real messages lost: %d (target 0)\n", ratio, clean.lost+poisoned.lost)
	if ratio > 2 || clean.lost+poisoned.lost > 0 {
		os.Exit(1)
	}
}

type result struct {
	p50, p99     time.Duration
	lost, parked int
}

// alwaysFails fails every question carrying the poison marker, the same way every time (a
// bug the message triggers).
type alwaysFails struct{ *knowledge.Index }

func (a alwaysFails) Ask(ctx context.Context, q string, opts ...knowledge.AskOption) (*knowledge.Result, error) {
	if strings.Contains(q, "\u2620") {
		return nil, errors.New("index: cannot score this question")
	}
	return a.Index.Ask(ctx, q, opts...)
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

type message struct {
	in   bot.Inbound
	real bool
}

func load(ctx context.Context, db *store.DB, ix *knowledge.Index, nReal, nPoison, nChats int, rate float64, workers int) (result, error) {
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		return result{}, err
	}
	quiet := slog.New(slog.DiscardHandler)
	d, err := desk.New(desk.Config{Store: db, Messages: msgs, SLA: 4 * time.Hour, Logger: quiet, TicketsPerHour: 3, CardsPerMinute: 10})
	if err != nil {
		return result{}, err
	}
	eng, err := bot.New(bot.Config{Store: db, Knowledge: alwaysFails{ix}, Messages: msgs, Escalator: d, Workers: workers,
		FloodMessages: 20, FloodWindow: time.Minute, Logger: quiet})
	if err != nil {
		return result{}, err
	}
	rec := &recorder{replied: map[string]time.Time{}}
	eng.AddSender(balai.Web, rec, bot.Limits{}, true)
	d.SetQueuer(eng)
	eng.AddHandler(officerchat.New(d, officerchat.Config{Logger: quiet}))
	if err := eng.Start(ctx); err != nil {
		return result{}, err
	}
	defer eng.Close(context.Background())

	rnd := rand.New(rand.NewPCG(1, 2))
	chat := func(i int) balai.ChatRef {
		return balai.ChatRef{Channel: balai.Web, ID: fmt.Sprintf("%032x", i)}
	}
	var all []message
	for i := 0; i < nReal; i++ {
		all = append(all, message{real: true, in: bot.Inbound{Chat: chat(i % nChats), Kind: bot.KindText, Text: questions[rnd.IntN(len(questions))]}})
	}
	for i := 0; i < nPoison; i++ {
		c := chat(nChats + i) // a fresh session, as a script would use
		if i%2 == 0 {
			c = chat(rnd.IntN(nChats)) // a citizen's chat, which also sends real questions
		}
		var in bot.Inbound
		switch i % 6 {
		case 4:
			// Abuse: a script asking for an officer from ever new sessions (tickets per chat and
			// the officers' card cap apply).
			in = bot.Inbound{Chat: chat(nChats + nPoison + i), Kind: bot.KindText, Text: "/petugas"}
		case 5:
			// Abuse: a citizen asking for an officer again and again (one active ticket).
			in = bot.Inbound{Chat: c, Kind: bot.KindText, Text: "/petugas"}
		case 0:
			in = bot.Inbound{Chat: c, Kind: bot.KindButton, Text: "r:x:1"}
		case 1:
			in = bot.Inbound{Chat: c, Kind: bot.KindButton, Text: "r:BLI-000001:5"}
		case 2:
			in = bot.Inbound{Chat: c, Kind: bot.KindText, Text: "ktp\x00 hilang \xff\xfe\x00"}
		default:
			in = bot.Inbound{Chat: c, Kind: bot.KindText, Text: "\u2620 racun " + strconv.Itoa(i)}
		}
		all = slices.Insert(all, rnd.IntN(len(all)+1), message{in: in})
	}
	sent := map[string]time.Time{}
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for i, m := range all {
		m.in.Key = strconv.Itoa(i)
		m.in.MessageID = strconv.Itoa(i)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		at := time.Now()
		if _, err := eng.Accept(ctx, m.in); err != nil {
			return result{}, err
		}
		if m.real {
			sent[m.in.MessageID] = at
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if !eng.Idle(wctx) {
		fmt.Fprintln(os.Stderr, "poisonload: not idle after 3 minutes; counting what is missing as lost")
	}
	var lat []time.Duration
	res := result{}
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
		res.p50 = lat[len(lat)*50/100]
		res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	if res.parked, err = db.CountDeadLetters(ctx); err != nil {
		return result{}, err
	}
	return res, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "poisonload:", err)
	os.Exit(1)
}
