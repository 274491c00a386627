package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// floodGuard limits how many messages one chat may send in a window. The first message over
// the limit gets a polite notice; the rest of the window is recorded but not answered.
//
// On a store shared by replicas (PostgreSQL) a chat's messages may be accepted by any replica
// and handled by another (the chat's holder): there the verdict is given when the message is
// handled, from the database (judge), counting the chat's messages every replica accepted.
type floodGuard struct {
	limit  int
	window time.Duration
	shared SharedLimits // nil: this process alone counts (SQLite)
	logger *slog.Logger

	mu    sync.Mutex
	chats map[string]*floodState
	swept time.Time
}

type floodState struct {
	times    []time.Time
	notified bool
}

func newFloodGuard(limit int, window time.Duration) *floodGuard {
	if window <= 0 {
		window = time.Minute
	}
	return &floodGuard{limit: limit, window: window, chats: map[string]*floodState{}}
}

// queued is an accepted message as the engine carries it to its handling, with the flood
// guard's verdict on it, given once when the message was accepted (the store keeps no
// verdict: a message taken up from the store is judged within the limit).
type queued struct {
	StoredInbound
	flood floodVerdict
}

// floodVerdict is what the flood guard said about one message.
type floodVerdict uint8

const (
	floodOK     floodVerdict = iota // within the limit (or not judged: recovered after a restart)
	floodNotify                     // over the limit, first time in the window: tell the chat
	floodSilent                     // over the limit, already told
)

// check records a new message of chat at now and says whether it is within the limit, and,
// if not, whether the chat should get the notice (the first time in a window). The engine
// calls it once per message, when the store accepted it as new.
func (f *floodGuard) check(chat string, now time.Time) floodVerdict {
	ok, notify := f.count(chat, now)
	return verdict(ok, notify)
}

func verdict(ok, notify bool) floodVerdict {
	switch {
	case ok:
		return floodOK
	case notify:
		return floodNotify
	}
	return floodSilent
}

func (f *floodGuard) count(chat string, now time.Time) (ok, notify bool) {
	if f.limit <= 0 {
		return true, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.swept) > f.window {
		for k, s := range f.chats {
			if len(s.times) == 0 || now.Sub(s.times[len(s.times)-1]) > f.window {
				delete(f.chats, k)
			}
		}
		f.swept = now
	}
	s := f.chats[chat]
	if s == nil {
		s = &floodState{}
		f.chats[chat] = s
	}
	cut := 0
	for cut < len(s.times) && now.Sub(s.times[cut]) >= f.window {
		cut++
	}
	s.times = append(s.times[cut:], now)
	if len(s.times) <= f.limit {
		s.notified = false
		return true, false
	}
	if s.notified {
		return false, false
	}
	s.notified = true
	return false, true
}

// judge gives the verdict on a message of a store shared by replicas, when it is handled: by
// the number of the chat's messages, accepted by any replica, in the window ending with it.
// The same message gets the same verdict whichever replica asks, however often. The notice
// goes with the first message over the limit. If the database cannot be asked the message
// is let through.
func (f *floodGuard) judge(ctx context.Context, in StoredInbound) floodVerdict {
	if f.limit <= 0 || f.shared == nil {
		return floodOK
	}
	n, err := f.shared.FloodRank(ctx, in.Chat, in.ID, f.window)
	if err != nil {
		if f.logger != nil {
			f.logger.Warn("Flood limit not judged", "err", err)
		}
		return floodOK
	}
	return verdict(n <= f.limit, n == f.limit+1)
}
