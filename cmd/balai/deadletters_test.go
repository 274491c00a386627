package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// /healthz counts the parked messages, and the officers are told once an hour.
func TestHealthzAndOfficersSeeParkedMessages(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	s := reviewServer(t, time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC), &logs)
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	s.msgs = msgs
	count := func() float64 {
		t.Helper()
		rec := httptest.NewRecorder()
		s.healthz(rec, httptest.NewRequest("GET", "/healthz", nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		n, ok := body["dead_letters"].(float64)
		if !ok {
			t.Fatalf("no dead_letters in %s", rec.Body)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Errorf("dead_letters = %v before any failure", n)
	}
	chat := balai.ChatRef{Channel: balai.Web, ID: "00112233445566778899aabbccddeeff"}
	stored, _, err := s.db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: "1", Kind: bot.KindText, Text: "x"}, {Chat: chat, Key: "2", Kind: bot.KindText, Text: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	officers := balai.ChatRef{Channel: balai.Telegram, ID: "-100123"}
	submitted := 0
	notify := s.parkedNotice(officers, func(items ...bot.StoredOutgoing) { submitted += len(items) })
	for _, in := range stored {
		if _, err := s.db.Fail(ctx, bot.Failure{Inbound: in, Error: "boom", Permanent: true, MaxTries: 5}); err != nil {
			t.Fatal(err)
		}
		notify(ctx, bot.DeadLetter{ID: in.ID})
	}
	if n := count(); n != 2 {
		t.Errorf("dead_letters = %v, want 2", n)
	}
	// One notice (the hour's), with the count when it was posted; nothing queued twice.
	unsent, err := s.db.Unsent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if submitted != 1 {
		t.Errorf("%d notices handed to delivery, want 1", submitted)
	}
	if len(unsent) != 1 || unsent[0].Chat != officers || !strings.Contains(unsent[0].Text, "1 pesan warga gagal diproses") ||
		!strings.Contains(unsent[0].Text, "balai admin dead-letters list") {
		t.Errorf("officers' notices = %+v", unsent)
	}
}
