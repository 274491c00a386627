package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

func notice(chat, text string, combine bool) bot.Outgoing {
	return bot.Outgoing{Chat: balai.ChatRef{Channel: balai.Telegram, ID: chat}, Kind: bot.OutMessage, Text: text, Lang: bot.LangID, Combine: combine}
}

// TestWaitingNoticesAreCombined: the officers' chat paced at one message a second, its
// first notice still going out while eight more pile up: the eight go out as one message
// listing them, in order — except that an item that may not be combined (a card with
// buttons) keeps its place and splits the run.
func TestWaitingNoticesAreCombined(t *testing.T) {
	dir := t.TempDir()
	h := newPacedHarness(t, dir, &fakeEscalator{}, nil, bot.Limits{PerChatSecond: 1, ChatBurst: 1})
	gate := make(chan struct{})
	var once sync.Once
	first := make(chan struct{})
	h.sender.setFail(func(o bot.Outgoing) error {
		if o.Text == "n0" {
			once.Do(func() { close(first) })
			<-gate // the first notice is on its way while the others are queued
		}
		return nil
	})
	const chat = "-100"
	if err := h.eng.Deliver(context.Background(), notice(chat, "n0", true)); err != nil {
		t.Fatal(err)
	}
	<-first
	var more []bot.Outgoing
	for i := 1; i <= 5; i++ {
		more = append(more, notice(chat, fmt.Sprint("n", i), true))
	}
	card := notice(chat, "kartu", false)
	card.Buttons = [][]bot.Button{{{Text: "Ambil", Data: "d:claim:1"}}}
	more = append(more, card, notice(chat, "n6", true), notice(chat, "n7", true), notice(chat, "n8", true))
	if err := h.eng.Deliver(context.Background(), more...); err != nil {
		t.Fatal(err)
	}
	close(gate)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !h.eng.Idle(ctx) {
		t.Fatal("not idle")
	}
	got := h.sender.to(chat)
	var texts []string
	for _, o := range got {
		texts = append(texts, o.Text)
	}
	if len(got) != 4 {
		t.Fatalf("sent %d messages, want 4 (n0, n1–n5 combined, the card, n6–n8 combined): %q", len(got), texts)
	}
	if got[0].Text != "n0" || got[2].Text != "kartu" {
		t.Fatalf("order broken: %q", texts)
	}
	for i, want := range map[int][]string{1: {"n1", "n2", "n3", "n4", "n5"}, 3: {"n6", "n7", "n8"}} {
		text := got[i].Text
		if !strings.Contains(text, fmt.Sprint(len(want), " pemberitahuan")) {
			t.Errorf("message %d has no heading with its count: %q", i, text)
		}
		at := 0
		for _, w := range want {
			j := strings.Index(text[at:], w)
			if j < 0 {
				t.Fatalf("message %d lacks %s in order: %q", i, w, text)
			}
			at += j + len(w)
		}
	}
	// Every combined item is recorded as sent: nothing goes out again after a restart.
	h.close()
	h2 := newPacedHarness(t, dir, &fakeEscalator{}, nil, bot.Limits{PerChatSecond: 1, ChatBurst: 1})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	h2.eng.Idle(ctx2)
	if again := h2.sender.to(chat); len(again) != 0 {
		t.Fatalf("%d combined notices sent again after a restart", len(again))
	}
}

// TestNoticesAloneAreNotCombined: with no backlog (the chat's pace lets each go at once),
// notices go out one by one, unchanged.
func TestNoticesAloneAreNotCombined(t *testing.T) {
	h := newPacedHarness(t, t.TempDir(), &fakeEscalator{}, nil, bot.Limits{PerChatSecond: 1, ChatBurst: 5})
	if err := h.eng.Deliver(context.Background(), notice("-100", "a", true), notice("-100", "b", true)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.eng.Idle(ctx)
	if got := h.sender.to("-100"); len(got) != 2 || got[0].Text != "a" || got[1].Text != "b" {
		t.Fatalf("got %+v, want a and b apart", got)
	}
}

// TestRetryWaitHoldsNoWorker: with a single send worker, a chat whose reply waits between
// attempts (its channel failing for it) leaves the worker to the other chats, and its own
// later reply keeps its place behind the failing one.
func TestRetryWaitHoldsNoWorker(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, func(c *bot.Config) {
		c.SendWorkers = 1
		c.DeliveryBackoff = 50 * time.Millisecond
		c.MaxDeliveryBackoff = 50 * time.Millisecond
	})
	var mu sync.Mutex
	down := true
	tries := 0
	h.sender.setFail(func(o bot.Outgoing) error {
		mu.Lock()
		defer mu.Unlock()
		if o.Chat.ID == "1" && down {
			tries++
			return errors.New("502 bad gateway")
		}
		return nil
	})
	ctx := context.Background()
	if err := h.eng.Deliver(ctx, reply("1", "pertama"), reply("1", "kedua")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if err := h.eng.Deliver(ctx, reply(fmt.Sprint(100+i), "lain")); err != nil {
			t.Fatal(err)
		}
	}
	// The 20 other chats get their replies while chat 1 is still failing.
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := 0
		for i := 0; i < 20; i++ {
			n += len(h.sender.to(fmt.Sprint(100 + i)))
		}
		mu.Lock()
		stillDown := tries
		mu.Unlock()
		if n == 20 {
			if stillDown == 0 {
				t.Fatal("chat 1 was never tried")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 20 other chats served while one chat waits for retries", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := h.sender.to("1"); len(got) != 0 {
		t.Fatalf("chat 1 got %d while failing (its second reply overtook the first?)", len(got))
	}
	mu.Lock()
	down = false
	mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	h.eng.Idle(wctx)
	if got := h.sender.to("1"); len(got) != 2 || got[0].Text != "pertama" || got[1].Text != "kedua" {
		t.Fatalf("chat 1 got %+v, want pertama then kedua", got)
	}
}

// TestWaitingCardsListedByBrief: cards (with buttons) that pile up in a chat while its first
// one is on its way — a burst of new tickets, or what waited while Balai was stopped — go
// out as one list of their briefs when more than a few wait, without buttons or the cards'
// text, each recorded as delivered in it (nothing is sent again after a restart); a few
// still go one by one, as they are.
func TestWaitingCardsListedByBrief(t *testing.T) {
	tests := []struct {
		name    string
		waiting int
		listed  bool
	}{
		{"a few go one by one", 3, false},
		{"more than a few are listed", 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			h := newPacedHarness(t, dir, &fakeEscalator{}, nil, bot.Limits{})
			gate := make(chan struct{})
			var once sync.Once
			first := make(chan struct{})
			h.sender.setFail(func(o bot.Outgoing) error {
				if o.Text == "kartu 0" {
					once.Do(func() { close(first) })
					<-gate
				}
				return nil
			})
			const chat = "-100"
			card := func(i int) bot.Outgoing {
				c := notice(chat, fmt.Sprint("kartu ", i), false)
				c.Buttons = [][]bot.Button{{{Text: "Ambil", Data: fmt.Sprint("d:claim:", i)}}}
				c.Ref = fmt.Sprint("card:", i)
				c.Brief = fmt.Sprintf("**BLI-%06d** · Kependudukan", i)
				return c
			}
			ctx := context.Background()
			if err := h.eng.Deliver(ctx, card(0)); err != nil {
				t.Fatal(err)
			}
			<-first
			var more []bot.Outgoing
			for i := 1; i <= tt.waiting; i++ {
				more = append(more, card(i))
			}
			if err := h.eng.Deliver(ctx, more...); err != nil {
				t.Fatal(err)
			}
			close(gate)
			ictx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if !h.eng.Idle(ictx) {
				t.Fatal("not idle")
			}
			got := h.sender.to(chat)
			if got[0].Text != "kartu 0" {
				t.Fatalf("first message %q, want the first card", got[0].Text)
			}
			if !tt.listed {
				if len(got) != 1+tt.waiting {
					t.Fatalf("sent %d messages, want %d cards", len(got), 1+tt.waiting)
				}
				for i, o := range got {
					if o.Text != fmt.Sprint("kartu ", i) || len(o.Buttons) == 0 {
						t.Errorf("message %d: %q (buttons %v), want card %d as it is", i, o.Text, o.Buttons, i)
					}
				}
				return
			}
			if len(got) != 2 {
				t.Fatalf("sent %d messages, want the first card and one list", len(got))
			}
			list := got[1]
			if !strings.Contains(list.Text, fmt.Sprint(tt.waiting, " tiket baru")) || len(list.Buttons) != 0 || strings.Contains(list.Text, "kartu 1") || list.Ref != "" {
				t.Errorf("list: %q (buttons %v, ref %q), want a heading with its count, briefs only, no buttons, no ref", list.Text, list.Buttons, list.Ref)
			}
			at := 0
			for i := 1; i <= tt.waiting; i++ {
				w := fmt.Sprintf("BLI-%06d", i)
				j := strings.Index(list.Text[at:], w)
				if j < 0 {
					t.Fatalf("list lacks %s in order: %q", w, list.Text)
				}
				at += j + len(w)
			}
			h.close()
			h2 := newPacedHarness(t, dir, &fakeEscalator{}, nil, bot.Limits{})
			ctx2, cancel2 := context.WithTimeout(ctx, 5*time.Second)
			defer cancel2()
			h2.eng.Idle(ctx2)
			if again := h2.sender.to(chat); len(again) != 0 {
				t.Fatalf("%d listed cards sent again after a restart", len(again))
			}
		})
	}
}
