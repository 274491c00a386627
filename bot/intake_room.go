package bot

import "context"

// HasRoom reports, without waiting, whether Accept would take a message now: the engine
// has started, is not closing and its intake queue is not full (readiness checks).
func (e *Engine) HasRoom() bool {
	e.mu.Lock()
	closing := e.closing
	e.mu.Unlock()
	if closing || e.queue == nil {
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // an ended context: Room answers at once
	return e.queue.Room(ctx)
}
