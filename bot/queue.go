package bot

import (
	"context"
	"sync"
)

// serialQueue runs jobs of the same key one after another, in order, and jobs of different
// keys in parallel on a bounded number of workers. Submit blocks while more than limit jobs
// wait, so a flood slows its producer down instead of growing memory.
type serialQueue[T any] struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending map[string][]T // a key is present while it has jobs queued or running
	ready   []string       // keys with jobs and no worker
	waiting int
	limit   int
	closed  bool
	run     func(key string, job T)
	wg      sync.WaitGroup
	active  int
}

func newSerialQueue[T any](workers, limit int, run func(key string, job T)) *serialQueue[T] {
	q := &serialQueue[T]{pending: map[string][]T{}, limit: limit, run: run}
	q.cond = sync.NewCond(&q.mu)
	for i := 0; i < workers; i++ {
		q.wg.Add(1)
		go q.work()
	}
	return q
}

// Submit queues job under key. It returns false when the queue is closed or ctx ends while
// waiting for room.
func (q *serialQueue[T]) Submit(ctx context.Context, key string, job T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.waiting >= q.limit && !q.closed {
		if !q.wait(ctx) {
			return false
		}
	}
	if q.closed {
		return false
	}
	_, busy := q.pending[key]
	q.pending[key] = append(q.pending[key], job)
	q.waiting++
	if !busy {
		q.ready = append(q.ready, key)
		q.cond.Broadcast()
	}
	return true
}

// Room waits until the queue has room for another job. It returns false when the queue is
// closed or ctx ends first.
func (q *serialQueue[T]) Room(ctx context.Context) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.waiting >= q.limit && !q.closed {
		if !q.wait(ctx) {
			return false
		}
	}
	return !q.closed
}

func (q *serialQueue[T]) work() {
	defer q.wg.Done()
	q.mu.Lock()
	for {
		for len(q.ready) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.ready) == 0 && q.closed {
			q.mu.Unlock()
			return
		}
		// Keys take turns: one job of a key, then the key goes to the back of the line
		// behind the other keys with jobs, so a key with a long backlog (a flooding chat)
		// cannot hold a worker while others wait. A key is never in ready while its job runs,
		// so its jobs still run one at a time, in order.
		key := q.ready[0]
		q.ready = q.ready[1:]
		q.active++
		job := q.pending[key][0]
		q.pending[key] = q.pending[key][1:]
		q.waiting--
		q.cond.Broadcast()
		q.mu.Unlock()
		q.run(key, job)
		q.mu.Lock()
		if len(q.pending[key]) > 0 {
			q.ready = append(q.ready, key)
		} else {
			delete(q.pending, key)
		}
		q.active--
		q.cond.Broadcast()
	}
}

// Requeue queues jobs under key at once, without waiting for room: they were queued before
// and put aside (the engine defers a chat's message while an earlier one is unfinished).
func (q *serialQueue[T]) Requeue(key string, jobs ...T) {
	if len(jobs) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	_, busy := q.pending[key]
	q.pending[key] = append(q.pending[key], jobs...)
	q.waiting += len(jobs)
	if !busy {
		q.ready = append(q.ready, key)
	}
	q.cond.Broadcast()
}

// Close stops taking jobs, lets the workers finish every queued job and waits for them.
func (q *serialQueue[T]) Close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	q.wg.Wait()
}

// Idle waits until no job is queued or running, or ctx ends.
func (q *serialQueue[T]) Idle(ctx context.Context) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.waiting > 0 || q.active > 0 {
		if !q.wait(ctx) {
			return false
		}
	}
	return true
}

// wait waits for a change of the queue with q.mu held, or returns false when ctx ended.
func (q *serialQueue[T]) wait(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	q.cond.Wait()
	stop()
	return true
}
