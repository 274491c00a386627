package deskui_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/balai-id/balai"
)

// BenchmarkInbox renders the inbox's first page (with its counts) over 10,000 tickets in the
// fake desk; the target is ≤100 ms per page of server time.
func BenchmarkInbox(b *testing.B) {
	e := newEnv(b)
	chans := []balai.Channel{balai.Telegram, balai.WhatsApp, balai.Web}
	for i := range 10000 {
		t := balai.Ticket{Chat: balai.ChatRef{Channel: chans[i%3], ID: fmt.Sprint(1000 + i)},
			UserName: fmt.Sprintf("Warga %d", i), Question: fmt.Sprintf("Bagaimana cara mengurus dokumen nomor %d?", i),
			Category: []string{"kependudukan", "pajak"}[i%2], Priority: i % 7 / 6, CreatedAt: e.now,
			DueAt: e.now.Add(time.Duration(i%300-60) * time.Minute)}
		if i%5 == 0 {
			t.Assignee, t.AssigneeName, t.Status = sari.ID, sari.Name, balai.Claimed
		}
		if i%4 == 0 {
			t.Status = balai.Closed
		}
		e.desk.Add(t)
	}
	for _, q := range []string{"", "view=mine", "view=overdue&channel=whatsapp"} {
		b.Run("q="+q, func(b *testing.B) {
			for b.Loop() {
				if r := e.get(sari, prefix+"/?"+q); r.code != http.StatusOK {
					b.Fatal(r.code)
				}
			}
		})
	}
}
