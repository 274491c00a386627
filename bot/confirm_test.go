package bot_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/store/storetest"
)

// "pbb telat" has one candidate, not a confident one (the mini corpus): Balai asks
// "Maksud Anda: …?" before answering or handing over.
const unsureOne = "pbb telat"

func TestConfirmSingleCandidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		reply func(h *harness, ask bot.Outgoing) []bot.Outgoing
	}{
		{"button", func(h *harness, ask bot.Outgoing) []bot.Outgoing { return h.press("1", findButton(t, ask, "Ya")) }},
		{"typed ya", func(h *harness, _ bot.Outgoing) []bot.Outgoing { return h.say("1", "iya") }},
		{"typed yes", func(h *harness, _ bot.Outgoing) []bot.Outgoing { return h.say("1", "Yes!") }},
		{"typed button text", func(h *harness, _ bot.Outgoing) []bot.Outgoing { return h.say("1", "ya") }},
		{"typed with fillers", func(h *harness, _ bot.Outgoing) []bot.Outgoing { return h.say("1", "Ya betul kak, itu maksud saya") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			esc := &fakeEscalator{}
			h := newHarness(t, t.TempDir(), esc, nil)
			out := h.say("1", unsureOne)
			if len(out) != 1 || !strings.Contains(out[0].Text, "Maksud Anda: **Membayar PBB**?") {
				t.Fatalf("want a confirmation question, got %+v", out)
			}
			if got := buttonTexts(out[0]); !slices.Equal(got, []string{"✅ Ya", "❌ Bukan"}) {
				t.Fatalf("buttons = %v, want Ya / Bukan", got)
			}
			out = c.reply(h, out[0])
			if len(out) != 1 || !strings.Contains(out[0].Text, "**Membayar PBB**") || !strings.Contains(out[0].Text, "Apakah jawaban ini membantu?") {
				t.Fatalf("after Ya: %+v, want the PBB answer", out)
			}
			if r := esc.reasons(); len(r) != 0 {
				t.Errorf("escalated %v after a confirmed answer", r)
			}
			// Answered: the next unsure question is asked about again, not escalated.
			if out := h.say("1", unsureOne); len(out) != 1 || !strings.Contains(out[0].Text, "Maksud Anda") {
				t.Errorf("after an answer the next unsure question got %+v", out)
			}
		})
	}
}

func TestConfirmDeclinedAsksOnceThenEscalates(t *testing.T) {
	for _, c := range []struct {
		name    string
		decline func(h *harness, ask bot.Outgoing) []bot.Outgoing
	}{
		{"button", func(h *harness, ask bot.Outgoing) []bot.Outgoing { return h.press("1", findButton(t, ask, "Bukan")) }},
		{"typed", func(h *harness, _ bot.Outgoing) []bot.Outgoing { return h.say("1", "bukan") }},
		{"typed no", func(h *harness, _ bot.Outgoing) []bot.Outgoing { return h.say("1", "nggak") }},
		{"typed with fillers", func(h *harness, _ bot.Outgoing) []bot.Outgoing { return h.say("1", "bukan itu maksud saya") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			esc := &fakeEscalator{}
			h := newHarness(t, t.TempDir(), esc, nil)
			out := h.say("1", unsureOne)
			out = c.decline(h, out[0])
			if len(out) != 1 || !strings.Contains(out[0].Text, "dengan kata lain") {
				t.Fatalf("after Bukan: %+v, want to be asked to rephrase", out)
			}
			if r := esc.reasons(); len(r) != 0 {
				t.Fatalf("escalated %v at the first Bukan", r)
			}
			// The rephrased question is still unsure: now an officer takes it.
			out = h.say("1", unsureOne)
			if r := esc.reasons(); !slices.Equal(r, []string{bot.EscalateRepeated}) || len(out) != 1 || !strings.Contains(out[0].Text, "BLI-1") {
				t.Fatalf("after rephrasing: escalations %v, replies %+v", r, out)
			}
		})
	}
}

// Without buttons (whatsmeow), the confirmation is numbered and "1" is Ya.
func TestConfirmNumbered(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	wa := func(text string) []bot.Outgoing {
		return h.send(bot.Inbound{Chat: balai.ChatRef{Channel: balai.WhatsApp, ID: "62811"}, Kind: bot.KindText, Text: text})
	}
	out := wa(unsureOne)
	if len(out) != 1 || !strings.Contains(out[0].Text, "1. ✅ Ya") || !strings.Contains(out[0].Text, "2. ❌ Bukan") {
		t.Fatalf("numbered confirmation: %+v", out)
	}
	if out := wa("1"); len(out) != 1 || !strings.Contains(out[0].Text, "**Membayar PBB**") {
		t.Fatalf("after 1: %+v", out)
	}
}

func TestConfirmInEnglish(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	h.press("1", "l:en")
	out := h.say("1", unsureOne)
	if len(out) != 1 || !strings.Contains(out[0].Text, "Do you mean: **Membayar PBB**?") {
		t.Fatalf("English confirmation: %+v", out)
	}
	if got := buttonTexts(out[0]); !slices.Equal(got, []string{"✅ Yes", "❌ No"}) {
		t.Fatalf("buttons = %v", got)
	}
	if out := h.say("1", "no"); len(out) != 1 || !strings.Contains(out[0].Text, "another way") {
		t.Fatalf("after no: %+v", out)
	}
}

// Typing a suggestion's title (or a menu item) chooses it, like pressing its button.
func TestTypedOptionChoosesIt(t *testing.T) {
	esc := &fakeEscalator{}
	h := newHarness(t, t.TempDir(), esc, nil)
	out := h.say("1", "ktp saya")
	if len(out) != 1 || !strings.Contains(out[0].Text, "Mungkin maksud Anda") {
		t.Fatalf("want suggestions, got %+v", out)
	}
	titles := buttonTexts(out[0])
	if !slices.Contains(titles, "KTP-el hilang") {
		t.Fatalf("suggestions %v lack KTP-el hilang", titles)
	}
	out = h.say("1", "ktp-el hilang.")
	if len(out) != 1 || !strings.Contains(out[0].Text, "**KTP-el hilang**") {
		t.Fatalf("typing a suggested title: %+v, want that entry", out)
	}
	if r := esc.reasons(); len(r) != 0 {
		t.Fatalf("escalated %v: a typed choice is not a second unanswered question", r)
	}
	// A menu category typed by name opens it.
	h.say("1", "/menu")
	if out := h.say("1", "Kependudukan"); len(out) != 1 || !strings.Contains(out[0].Text, "Topik **Kependudukan**") {
		t.Fatalf("typing a menu item: %+v", out)
	}
	// Text that only resembles no option is a question as before.
	if out := h.say("1", "ktp-el hilang kemarin di pasar"); len(out) != 1 || strings.Contains(out[0].Text, "Topik") {
		t.Fatalf("a question after the menu: %+v", out)
	}
}

// A reply that starts like "no" but says more is a question, not a "Bukan".
func TestConfirmWordsDoNotSwallowQuestions(t *testing.T) {
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, nil)
	h.say("1", unsureOne)
	out := h.say("1", "tidak bisa bayar pbb lewat bank")
	if len(out) != 1 || strings.Contains(out[0].Text, "dengan kata lain") {
		t.Fatalf("a question starting with tidak was taken as Bukan: %+v", out)
	}
}

// Options offered long ago are not answered by a "ya" today.
func TestOptionsExpire(t *testing.T) {
	c := storetest.NewClock(harnessNow())
	h := newHarness(t, t.TempDir(), &fakeEscalator{}, func(cfg *bot.Config) { cfg.Now = c.Now })
	h.say("1", unsureOne)
	c.Add(bot.OptionsTTL + time.Minute)
	if out := h.say("1", "ya"); len(out) == 1 && strings.Contains(out[0].Text, "**Membayar PBB**") {
		t.Fatalf("a yes %v after the question answered it: %+v", bot.OptionsTTL, out)
	}
	h.say("2", unsureOne)
	c.Add(bot.OptionsTTL - time.Minute)
	if out := h.say("2", "1"); len(out) != 1 || !strings.Contains(out[0].Text, "**Membayar PBB**") {
		t.Fatalf("a number within %v did not choose: %+v", bot.OptionsTTL, out)
	}
}
