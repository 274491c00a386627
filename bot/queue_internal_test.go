package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fair turns: with 20 chats flooding the queue (50 messages each) ahead of 100 quiet chats
// (one message each), one worker handles one message of a chat and then lets the other
// chats with work go first: every quiet chat is answered within the first round, not after
// the flood, and each chat's messages still run in order, one at a time.
func TestQueueChatsTakeTurns(t *testing.T) {
	const flooders, flood, quiet = 20, 50, 100
	var mu sync.Mutex
	var order []string
	running := map[string]bool{}
	gate := make(chan struct{})
	q := newSerialQueue(1, 1<<20, func(key string, job int) {
		if key == "first" {
			<-gate // hold the worker until everything is queued
		}
		mu.Lock()
		if running[key] {
			t.Errorf("two jobs of %s at once", key)
		}
		running[key] = true
		order = append(order, fmt.Sprintf("%s/%d", key, job))
		mu.Unlock()
		mu.Lock()
		running[key] = false
		mu.Unlock()
	})
	ctx := context.Background()
	q.Submit(ctx, "first", 0)
	for i := 0; i < flood; i++ {
		for f := 0; f < flooders; f++ {
			q.Submit(ctx, fmt.Sprintf("flood%d", f), i)
		}
	}
	for n := 0; n < quiet; n++ {
		q.Submit(ctx, fmt.Sprintf("quiet%d", n), 0)
	}
	close(gate)
	ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if !q.Idle(ictx) {
		t.Fatal("queue not idle")
	}
	q.Close()
	if len(order) != 1+flooders*flood+quiet {
		t.Fatalf("%d jobs run, want %d", len(order), 1+flooders*flood+quiet)
	}
	last := map[string]int{}
	lastQuiet := 0
	for pos, s := range order {
		key, num, _ := strings.Cut(s, "/")
		job, _ := strconv.Atoi(num)
		if prev, ok := last[key]; ok && job != prev+1 {
			t.Errorf("%s: job %d after %d", key, job, prev)
		}
		last[key] = job
		if strings.HasPrefix(key, "quiet") {
			lastQuiet = pos
		}
	}
	// One round: "first", one message of each flooding chat, then the quiet chats.
	if want := 1 + flooders + quiet - 1; lastQuiet > want {
		t.Errorf("last quiet chat answered at position %d of %d, want within the first round (%d)", lastQuiet, len(order), want)
	}
}
