package webchat

import (
	"context"
	"sync"
	"time"
)

// memSessions keeps sessions in this process's memory: for a single process and tests.
// Several replicas share sessions through the store (*store.DB).
type memSessions struct {
	mu      sync.Mutex
	m       map[string]*memSession
	sweepAt int
}

type memSession struct {
	seen  time.Time
	ended bool
}

func newMemSessions() *memSessions { return &memSessions{m: map[string]*memSession{}, sweepAt: 1024} }

func (s *memSessions) CreateWebSession(_ context.Context, chat string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.sweepAt { // forget what can never be used again
		for id, v := range s.m {
			if v.ended || now.Sub(v.seen) > 30*24*time.Hour {
				delete(s.m, id)
			}
		}
		s.sweepAt = max(1024, 2*len(s.m))
	}
	s.m[chat] = &memSession{seen: now}
	return nil
}

func (s *memSessions) TouchWebSession(_ context.Context, chat string, now time.Time, idle time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.m[chat]
	if v == nil || v.ended || now.Sub(v.seen) > idle {
		return false, nil
	}
	v.seen = now
	return true, nil
}

func (s *memSessions) EndWebSession(_ context.Context, chat string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.m[chat]; v != nil {
		v.ended = true
	}
	return nil
}
