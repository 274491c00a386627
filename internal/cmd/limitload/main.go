// Command limitload measures the send limits shared by replicas: two engines (two replicas'
// worth: two store handles with their own instance names) on one PostgreSQL database answer
// questions accepted alternately by either, each through its own real Telegram adapter
// (github.com/go-telegram/bot) to one fake Bot API (internal/tgfake), with Telegram's limits
// (30 msg/s per bot, 1 msg/s per chat, burst 3). It reports the highest number of messages
// the fake received in any one second (by its own clock), overall and per chat, and the
// overall rate. With -shared=false each replica only has its in-memory limits (what the
// limits were before): the bot then gets up to twice its limit.
//
//	go run ./internal/cmd/limitload -pg postgres://root@127.0.0.1:5432/test?sslmode=disable
//	go run ./internal/cmd/limitload -pg ... -shared=false
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

const token = "123456:LIMITS"

// localStore hides the store's shared limits: each replica paces alone.
type localStore struct{ *store.DB }

func (localStore) SharesLimits() bool { return false }

func main() {
	pg := flag.String("pg", os.Getenv("BALAI_TEST_PG"), "PostgreSQL URL (the run uses a schema of its own, dropped at the end)")
	n := flag.Int("n", 600, "questions")
	chats := flag.Int("chats", 200, "chats")
	shared := flag.Bool("shared", true, "limits shared in the database (false: per replica, as before)")
	flag.Parse()
	if err := run(*pg, *n, *chats, *shared); err != nil {
		fmt.Fprintln(os.Stderr, "limitload:", err)
		os.Exit(1)
	}
}

func run(pg string, n, chats int, shared bool) error {
	if pg == "" {
		return fmt.Errorf("no PostgreSQL: set -pg or BALAI_TEST_PG")
	}
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fake := tgfake.New(token)
	api := httptest.NewServer(fake)
	defer api.Close()
	c, _, err := knowledge.LoadCorpus("")
	if err != nil {
		return err
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
	if err != nil {
		return err
	}
	defer ix.Close()
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	// A schema of its own: nothing else's work is touched, nothing is left behind.
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("limitload_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	sep := "?"
	if strings.Contains(pg, "?") {
		sep = "&"
	}
	url := pg + sep + "search_path=" + schema
	var engines []*bot.Engine
	for _, owner := range []string{"limitload-a", "limitload-b"} {
		db, err := store.Open(ctx, url, store.Options{Owner: owner})
		if err != nil {
			return err
		}
		defer db.Close()
		var st bot.Store = db
		if !shared {
			st = localStore{db}
		}
		eng, err := bot.New(bot.Config{Store: st, Knowledge: ix, Messages: msgs, Logger: quiet})
		if err != nil {
			return err
		}
		ad, err := telegram.New(telegram.Config{Token: token, APIURL: api.URL, Logger: quiet}, eng)
		if err != nil {
			return err
		}
		eng.AddSender(balai.Telegram, ad, telegram.Limits, true)
		if err := eng.Start(ctx); err != nil {
			return err
		}
		defer func() {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			eng.Close(cctx)
		}()
		engines = append(engines, eng)
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		chat := balai.ChatRef{Channel: balai.Telegram, ID: strconv.Itoa(1 + i%chats)}
		in := bot.Inbound{Chat: chat, Kind: bot.KindText, Key: fmt.Sprintf("q-%d-%d", start.UnixNano(), i), MessageID: strconv.Itoa(i + 1), Text: "ktp saya ilang gmn cara ngurusnya min"}
		if _, err := engines[i%2].Accept(ctx, in); err != nil {
			return err
		}
	}
	if !fake.WaitFor(10*time.Minute, func() bool { return len(fake.AllSent()) >= n }) {
		return fmt.Errorf("%d of %d answers sent", len(fake.AllSent()), n)
	}
	sent := fake.AllSent()
	all, perChat := map[int64]int{}, map[string]int{}
	first, last := sent[0].At, sent[0].At
	for _, m := range sent {
		s := m.At.Unix()
		all[s]++
		perChat[fmt.Sprint(m.ChatID, "/", s)]++
		if m.At.Before(first) {
			first = m.At
		}
		if m.At.After(last) {
			last = m.At
		}
	}
	maxAll, maxChat := 0, 0
	for _, v := range all {
		maxAll = max(maxAll, v)
	}
	for _, v := range perChat {
		maxChat = max(maxChat, v)
	}
	span := last.Sub(first).Seconds()
	fmt.Printf("shared=%v replicas=2 messages=%d chats=%d span=%.1fs rate=%.1f msg/s max_in_one_second=%d (limit 30) max_per_chat_in_one_second=%d\n",
		shared, len(sent), chats, span, float64(len(sent)-1)/span, maxAll, maxChat)
	return nil
}
