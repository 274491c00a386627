package telegram_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// Limits shared by replicas: two engines (two processes' worth: two store handles with
// their own owners) on one PostgreSQL database send through the real Telegram library to
// one fake Bot API, as two replicas of one bot do.

// replicaRig starts one engine per owner on one database, each with its own Telegram adapter
// on the one fake Bot API.
func replicaRig(t *testing.T, open storetest.Opener, cfg bot.Config, limits bot.Limits, owners ...string) (*tgfake.Server, []*bot.Engine) {
	t.Helper()
	fake := tgfake.New(token)
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	ctx := context.Background()
	c, ps, err := knowledge.LoadCorpus(testCorpus(t))
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	var engines []*bot.Engine
	for _, owner := range owners {
		db := open(t, "limits", store.Options{Owner: owner, Now: cfg.Now})
		ec := cfg
		ec.Store, ec.Knowledge, ec.Messages, ec.Logger, ec.Escalator = db, ix, msgs, quiet, &escalations{}
		eng, err := bot.New(ec)
		if err != nil {
			t.Fatal(err)
		}
		ad, err := telegram.New(telegram.Config{Token: token, APIURL: api.URL, Logger: quiet, PollTimeout: 2 * time.Second}, eng)
		if err != nil {
			t.Fatal(err)
		}
		eng.AddSender(balai.Telegram, ad, limits, true)
		if err := eng.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			eng.Close(cctx)
		})
		engines = append(engines, eng)
	}
	return fake, engines
}

func question(chat, seq int) bot.Inbound {
	return bot.Inbound{Chat: balai.ChatRef{Channel: balai.Telegram, ID: strconv.Itoa(chat)}, Kind: bot.KindText,
		Key: fmt.Sprintf("%d-%d", chat, seq), MessageID: strconv.Itoa(seq + 1), Text: "ktp saya ilang gmn min"}
}

// perWindow counts the fake's messages (new ones, not edits) by the second they arrived in,
// for all chats ("") and for each chat.
func perWindow(sent []tgfake.Sent, window time.Duration) map[string]map[int64]int {
	n := map[string]map[int64]int{}
	add := func(k string, w int64) {
		if n[k] == nil {
			n[k] = map[int64]int{}
		}
		n[k][w]++
	}
	for _, m := range sent {
		if m.Edited {
			continue
		}
		w := m.At.Truncate(window).UnixMilli()
		add("", w)
		add(strconv.FormatInt(m.ChatID, 10), w)
	}
	return n
}

// The channel's rate (PerSecond) and a chat's pace (ChatBurst per ChatBurst/PerChatSecond)
// hold for both replicas together: each replica alone would send up to the whole limit in
// every second, both together twice that.
func TestSendRateHoldsAcrossReplicas(t *testing.T) {
	const perSecond, chats, perChat = 5, 10, 2
	fake, engines := replicaRig(t, storetest.Postgres(t), bot.Config{}, bot.Limits{PerSecond: perSecond, PerChatSecond: 1, ChatBurst: 1}, "a", "b")
	ctx := context.Background()
	for s := 0; s < perChat; s++ {
		for c := 0; c < chats; c++ {
			if _, err := engines[(c+s)%2].Accept(ctx, question(1000+c, s)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !fake.WaitFor(60*time.Second, func() bool { return len(fake.AllSent()) >= chats*perChat }) {
		t.Fatalf("%d of %d answers sent", len(fake.AllSent()), chats*perChat)
	}
	sent := fake.AllSent()
	// Counted by arrival at the fake: a send granted at the very end of a window may arrive in
	// the next one, so one more is tolerated; without the shared limit the two replicas send up
	// to twice the rate (10) in a second.
	for w, n := range perWindow(sent, time.Second)[""] {
		if n > perSecond+1 {
			t.Errorf("%d messages in the second from %s: want at most %d", n, time.UnixMilli(w).UTC().Format("15:04:05.000"), perSecond)
		}
	}
	for chat, ws := range perWindow(sent, time.Second) {
		if chat == "" {
			continue
		}
		for w, n := range ws {
			if n > 1 {
				t.Errorf("chat %s: %d messages in the second from %s: want at most 1", chat, n, time.UnixMilli(w).UTC().Format("15:04:05.000"))
			}
		}
	}
}

// A chat's messages accepted by either replica count together toward the flood limit: with a
// limit of 3 per minute, 8 messages alternately on two replicas get 3 answers and one notice,
// and the chat is answered again in the next window.
func TestFloodLimitCountsBothReplicas(t *testing.T) {
	const limit, flooded = 3, 8
	clock := storetest.NewClock(time.Date(2026, 11, 26, 3, 0, 10, 0, time.UTC))
	fake, engines := replicaRig(t, storetest.Postgres(t), bot.Config{Now: clock.Now, FloodMessages: limit, FloodWindow: time.Minute}, bot.Limits{}, "a", "b")
	ctx := context.Background()
	for s := 0; s < flooded; s++ {
		if _, err := engines[s%2].Accept(ctx, question(2000, s)); err != nil {
			t.Fatal(err)
		}
	}
	if !fake.WaitFor(30*time.Second, func() bool { return len(fake.SentTo(2000)) >= limit+1 }) {
		t.Fatalf("%d messages sent, want %d", len(fake.SentTo(2000)), limit+1)
	}
	clock.Add(time.Minute) // the next window
	if _, err := engines[1].Accept(ctx, question(2000, flooded)); err != nil {
		t.Fatal(err)
	}
	if !fake.WaitFor(30*time.Second, func() bool { return len(fake.SentTo(2000)) >= limit+2 }) {
		t.Fatalf("%d messages sent, want %d", len(fake.SentTo(2000)), limit+2)
	}
	for _, eng := range engines {
		ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if !eng.Idle(ictx) {
			t.Error("engine not idle after 10s")
		}
		cancel()
	}
	answers, notices := 0, 0
	for _, m := range fake.SentTo(2000) {
		switch text := tgfake.VisibleText(m.Text, m.ParseMode); {
		case strings.Contains(text, "sangat cepat"):
			notices++
		case strings.Contains(text, "surat kehilangan"):
			answers++
		default:
			t.Errorf("unexpected message %q", text)
		}
	}
	if answers != limit+1 || notices != 1 {
		t.Errorf("%d answers and %d flood notices, want %d and 1", answers, notices, limit+1)
	}
}
