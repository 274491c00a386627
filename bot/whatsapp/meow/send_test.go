package meow_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/render"
	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
)

func TestSend(t *testing.T) {
	db := opener(t)(t, "send", store.Options{Owner: "a"})
	linkDevice(t, db)
	h := startAdapter(t, db, nil)
	f := h.connected()
	ctx := context.Background()

	for _, to := range []types.JID{citizen, citizenLID, group} {
		id, err := h.a.Send(ctx, bot.Outgoing{Chat: wa(to.String()), Kind: bot.OutMessage,
			Text: "**KTP** bisa dibuat di _Dukcapil_.\n\n1. Bawa KK\n2. Datang", ReplyTo: "M1"})
		if err != nil {
			t.Fatalf("Send to %s: %v", to, err)
		}
		sent := f.sentMessages()
		last := sent[len(sent)-1]
		if id == "" || last.to != to {
			t.Errorf("sent to %s (id %q), want %s", last.to, id, to)
		}
		want := "*KTP* bisa dibuat di _Dukcapil_.\n\n1. Bawa KK\n2. Datang"
		if got := last.msg.GetConversation(); got != want {
			t.Errorf("text %q, want %q", got, want)
		}
	}

	// An edit replaces an earlier message.
	id, err := h.a.Send(ctx, bot.Outgoing{Chat: wa(citizen.String()), Kind: bot.OutMessage, Text: "ralat", EditID: "3EB0OLD"})
	if err != nil || id != "3EB0OLD" {
		t.Fatalf("edit: %q %v", id, err)
	}
	sent := f.sentMessages()
	pm := sent[len(sent)-1].msg.GetEditedMessage().GetMessage().GetProtocolMessage()
	if pm.GetKey().GetID() != "3EB0OLD" || pm.GetEditedMessage().GetConversation() != "ralat" {
		t.Errorf("edit message %v", sent[len(sent)-1].msg)
	}

	// Button acknowledgements do not exist on WhatsApp.
	n := len(f.sentMessages())
	if _, err := h.a.Send(ctx, bot.Outgoing{Chat: wa(citizen.String()), Kind: bot.OutCallback, CallbackID: "x"}); err != nil {
		t.Errorf("callback: %v", err)
	}
	if len(f.sentMessages()) != n {
		t.Error("a callback was sent")
	}

	// Chats that cannot exist fail for good.
	for _, id := range []string{"", "bukan-jid", "6281234567890", "6281234567890:3@s.whatsapp.net", "status@broadcast",
		"120363000000000002@newsletter", "@s.whatsapp.net"} {
		_, err := h.a.Send(ctx, bot.Outgoing{Chat: wa(id), Kind: bot.OutMessage, Text: "x"})
		var pe *bot.PermanentError
		if !errors.As(err, &pe) {
			t.Errorf("Send to %q: %v, want a PermanentError", id, err)
		}
	}

	// whatsmeow's errors: rate limits are a pause, timeouts are retried.
	tests := []struct {
		err                   error
		retryAfter, permanent bool
	}{
		{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 429), true, false},
		{fmt.Errorf("failed to get user info: %w", &whatsmeow.IQError{Code: 429, Text: "rate-overlimit"}), true, false},
		{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 400), false, true},
		{fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 500), false, false},
		{whatsmeow.ErrMessageTimedOut, false, false},
		{whatsmeow.ErrNotConnected, false, false},
		{context.DeadlineExceeded, false, false},
	}
	for _, tt := range tests {
		f.mu.Lock()
		f.sendErr = tt.err
		f.mu.Unlock()
		_, err := h.a.Send(ctx, bot.Outgoing{Chat: wa(citizen.String()), Kind: bot.OutMessage, Text: "x"})
		var ra *bot.RetryAfterError
		var pe *bot.PermanentError
		if errors.As(err, &ra) != tt.retryAfter || errors.As(err, &pe) != tt.permanent || !errors.Is(err, tt.err) {
			t.Errorf("%v became %v", tt.err, err)
		}
		if ra != nil && ra.After != meow.RateLimitWait {
			t.Errorf("retry after %s", ra.After)
		}
	}
	f.mu.Lock()
	f.sendErr = nil
	f.mu.Unlock()

	// Typing.
	if err := h.a.Typing(ctx, wa(citizen.String())); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	typed := f.presence
	f.mu.Unlock()
	if len(typed) != 1 || typed[0] != citizen {
		t.Errorf("typing in %v", typed)
	}
}

func TestSendNotConnected(t *testing.T) {
	db := opener(t)(t, "offline", store.Options{Owner: "a"})
	a, err := meow.New(meow.Config{Store: db, Logger: quiet}, &acceptor{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Send(context.Background(), bot.Outgoing{Chat: wa(citizen.String()), Kind: bot.OutMessage, Text: "x"})
	var ra *bot.RetryAfterError
	var pe *bot.PermanentError
	if !errors.Is(err, meow.ErrNotConnected) || errors.As(err, &ra) || errors.As(err, &pe) {
		t.Errorf("Send without a connection: %v, want a plain error to retry", err)
	}
	if err := a.Typing(context.Background(), wa(citizen.String())); !errors.Is(err, meow.ErrNotConnected) {
		t.Errorf("Typing without a connection: %v", err)
	}
}

func TestSplit(t *testing.T) {
	db := opener(t)(t, "split", store.Options{Owner: "a"})
	a, err := meow.New(meow.Config{Store: db, Logger: quiet}, &acceptor{})
	if err != nil {
		t.Fatal(err)
	}
	short := bot.Outgoing{Chat: wa(citizen.String()), Kind: bot.OutMessage, Text: "Halo **warga**", ReplyTo: "M1"}
	if got := a.Split(short); len(got) != 1 || got[0].Text != short.Text {
		t.Errorf("short message split: %+v", got)
	}
	var body strings.Builder
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&body, "Paragraf %d: wajib pajak menyimpan bukti bayar dan melapor bila data objek pajak berubah agar tagihan tahun berikutnya benar.\n\n", i)
	}
	long := bot.Outgoing{Chat: wa(citizen.String()), Kind: bot.OutMessage, Text: body.String(), ReplyTo: "M1"}
	parts := a.Split(long)
	if len(parts) < 2 {
		t.Fatalf("%d parts, want several", len(parts))
	}
	var joined []string
	for i, p := range parts {
		if n := len([]rune(render.WhatsApp(p.Text))); n > meow.MaxText {
			t.Errorf("part %d has %d characters", i, n)
		}
		if (i == 0) != (p.ReplyTo == "M1") {
			t.Errorf("part %d replies to %q", i, p.ReplyTo)
		}
		if !strings.HasPrefix(strings.TrimSpace(p.Text), "Paragraf") {
			t.Errorf("part %d does not start at a paragraph: %.40q", i, p.Text)
		}
		joined = append(joined, strings.TrimSpace(p.Text))
	}
	if strings.Join(joined, "\n\n") != strings.TrimSpace(body.String()) {
		t.Error("the parts do not add up to the message")
	}
}
