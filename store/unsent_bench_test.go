package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/store"
)

// BenchmarkUnsentBusyChat: the resync's claim of undelivered items when one chat (the
// officers' group after a long stop) has 4,000 pending items and 200 other chats have one.
func BenchmarkUnsentBusyChat(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{Owner: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	group := balai.ChatRef{Channel: balai.Telegram, ID: "-100"}
	var items []balai.Outgoing
	for i := range 4000 {
		items = append(items, balai.Outgoing{Chat: group, Kind: balai.OutMessage, Text: fmt.Sprint("notice ", i)})
	}
	for i := range 200 {
		items = append(items, balai.Outgoing{Chat: balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(i)}, Kind: balai.OutMessage, Text: "reply"})
	}
	if _, err := db.Enqueue(ctx, items); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		got, err := db.Unsent(ctx)
		if err != nil || len(got) != len(items) {
			b.Fatalf("unsent: %d items, %v", len(got), err)
		}
	}
}
