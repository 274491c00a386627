// Command deskbench measures the officer desk: ticket creation throughput on SQLite and
// PostgreSQL, and, with 200 tickets open, the time from an officer's reply in the Telegram
// group to the sendMessage that carries it to the citizen (through the real adapter and an
// in-process fake Bot API).
//
//	go run ./internal/cmd/deskbench                               # SQLite
//	go run ./internal/cmd/deskbench -pg postgres://root@127.0.0.1:5432/test?sslmode=disable
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/desk/officerchat"
	"github.com/balai-id/balai/internal/benchstore"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
)

const (
	token       = "123456:DESKBENCH"
	officerChat = int64(-1009)
	officer     = int64(77)
)

func main() {
	pg := flag.String("pg", "", "PostgreSQL DSN (default: SQLite in a temporary folder)")
	tickets := flag.Int("tickets", 200, "open tickets")
	creates := flag.Int("creates", 2000, "tickets to create for the throughput figure")
	workers := flag.Int("workers", 8, "concurrent ticket creators")
	flag.Parse()
	ctx := context.Background()
	open, name, cleanup, err := benchstore.Open(ctx, *pg, "bench", "bench")
	if err != nil {
		fail(err)
	}
	defer cleanup()

	// 1. Ticket creation throughput (with the card queued in the same transaction).
	db, err := open("create")
	if err != nil {
		fail(err)
	}
	now := time.Now()
	start := time.Now()
	var wg sync.WaitGroup
	per := *creates / *workers
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				t := desk.Ticket{SourceKey: fmt.Sprintf("c%d-%d", w, i), Chat: balai.ChatRef{Channel: balai.Telegram, ID: strconv.Itoa(w*per + i)},
					Question: "ktp saya hilang", Reason: bot.EscalateUnsure, Lang: "id", CreatedAt: now, DueAt: now.Add(4 * time.Hour)}
				card := func(t desk.Ticket) []bot.Outgoing {
					return []bot.Outgoing{{Chat: balai.ChatRef{Channel: balai.Telegram, ID: "-1"}, Kind: bot.OutMessage, Text: "kartu", Ref: desk.CardRef(t.ID)}}
				}
				if _, _, _, err := db.CreateTicket(ctx, t, card); err != nil {
					fail(err)
				}
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	fmt.Printf("%s: created %d tickets with %d workers in %s: %.0f tickets/s\n", name, per**workers, *workers, el.Round(time.Millisecond), float64(per**workers)/el.Seconds())
	db.Close()

	// 2. Officer reply → citizen, with many tickets open.
	db, err = open("latency")
	if err != nil {
		fail(err)
	}
	defer db.Close()
	fake := tgfake.New(token)
	fake.SetMember(officerChat, officer, "member")
	api := httptest.NewServer(fake)
	defer api.Close()
	quiet := slog.New(slog.DiscardHandler)
	c, _, err := knowledge.LoadCorpus("")
	if err != nil {
		fail(err)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
	if err != nil {
		fail(err)
	}
	msgs, _ := bot.LoadMessages("", "Bench")
	officers := balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(officerChat, 10)}
	d, _ := desk.New(desk.Config{Store: db, Messages: msgs, OfficerChat: officers, Logger: quiet})
	eng, _ := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Escalator: d, Logger: quiet})
	ad, _ := telegram.New(telegram.Config{Token: token, APIURL: api.URL, Logger: quiet, PollTimeout: 5 * time.Second}, eng)
	eng.AddSender(balai.Telegram, ad, bot.Limits{}, true)
	d.SetQueuer(eng)
	eng.AddHandler(officerchat.New(d, officerchat.Config{Logger: quiet}))
	if err := eng.Start(ctx); err != nil {
		fail(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go ad.Run(runCtx)
	// Open the tickets the way citizens do.
	for i := 0; i < *tickets; i++ {
		fake.Message(int64(10000+i), "/petugas")
	}
	if !fake.WaitFor(60*time.Second, func() bool { return len(fake.SentTo(officerChat)) >= *tickets }) {
		fail(fmt.Errorf("only %d cards posted", len(fake.SentTo(officerChat))))
	}
	cards := map[int]int64{} // card message id → citizen chat
	for _, m := range fake.SentTo(officerChat) {
		if i := strings.Index(m.Text, "BLI-"); i >= 0 && !m.Edited {
			id, _ := strconv.Atoi(strings.TrimLeft(m.Text[i+4:i+10], "0"))
			tk, err := db.Ticket(ctx, int64(id))
			if err == nil {
				chat, _ := strconv.ParseInt(tk.Chat.ID, 10, 64)
				cards[m.MessageID] = chat
			}
		}
	}
	// Officers answer every card, a few at a time; measure reply → sendMessage to the citizen.
	var lat []time.Duration
	var mu sync.Mutex
	sem := make(chan struct{}, 10)
	start = time.Now()
	for msgID, chat := range cards {
		sem <- struct{}{}
		wg.Add(1)
		go func(msgID int, chat int64) {
			defer wg.Done()
			defer func() { <-sem }()
			before := len(fake.SentTo(chat))
			t0 := time.Now()
			fake.MessageIn(officerChat, officer, "supergroup", "Silakan datang ke kantor dengan membawa KTP.", msgID)
			var at time.Time
			fake.WaitFor(30*time.Second, func() bool {
				ms := fake.SentTo(chat)
				if len(ms) > before {
					at = ms[before].At
					return true
				}
				return false
			})
			mu.Lock()
			lat = append(lat, at.Sub(t0))
			mu.Unlock()
		}(msgID, chat)
	}
	wg.Wait()
	el = time.Since(start)
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(10 * time.Microsecond) }
	fmt.Printf("%s: %d officer replies with %d tickets open in %s: reply → citizen p50=%s p99=%s max=%s\n",
		name, len(lat), len(cards), el.Round(time.Millisecond), q(0.5), q(0.99), q(1))
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	eng.Close(cctx)
	cancel()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "deskbench:", err)
	os.Exit(1)
}
