package corpusdb

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/faq"
)

// WakeCorpus is the store's wake-up kind for a published version (store.WakeCorpus).
const WakeCorpus = "corpus"

// DefaultPoll is how often a Follower asks which version is published when nothing woke it.
const DefaultPoll = 3 * time.Second

// Follower keeps a process serving the published version: when another version is
// published (a wake-up from the store, Poke, or the poll) it loads and validates it and
// calls Apply, which builds the new index in the background and swaps it in. Questions are
// answered from the old index until then.
type Follower struct {
	Service *Service
	// Apply serves a newly published version; an error keeps the old one served (and the
	// same version is not tried again until another is published).
	Apply func(ctx context.Context, v balai.CorpusVersion, c *faq.Corpus) error
	// Failed, when set, is told why a published version could not be served.
	Failed func(v balai.CorpusVersion, err error)
	// Listen, when set, receives the store's wake-ups (store.DB.Listen): on PostgreSQL a
	// publish on any replica is seen at once.
	Listen func(ctx context.Context, fn func(kind, arg string)) error
	// Poll is the fallback interval (default DefaultPoll).
	Poll time.Duration
	// Logger receives switches and failures (default slog.Default()).
	Logger *slog.Logger

	served atomic.Int64 // the version served, 0 before Start
	tried  int64        // the last version tried (served or failed); Run's goroutine only
	wake   chan struct{}
}

// Start records the version served at start.
func (f *Follower) Start(served int64) {
	f.served.Store(served)
	f.tried = served
}

// Served returns the id of the version being served.
func (f *Follower) Served() int64 { return f.served.Load() }

// Poke asks the follower to check now (a publish in this process).
func (f *Follower) Poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *Follower) init() {
	if f.wake == nil {
		f.wake = make(chan struct{}, 1)
	}
	if f.Poll <= 0 {
		f.Poll = DefaultPoll
	}
	if f.Logger == nil {
		f.Logger = slog.Default()
	}
}

// Init prepares the follower so that Poke can be called before Run.
func (f *Follower) Init() { f.init() }

// Run follows the published version until ctx ends.
func (f *Follower) Run(ctx context.Context) {
	f.init()
	if f.Listen != nil {
		go f.Listen(ctx, func(kind, _ string) {
			if kind == WakeCorpus || kind == "reconnected" {
				f.Poke()
			}
		})
	}
	t := time.NewTicker(f.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.wake:
		}
		f.Check(ctx)
	}
}

// Check serves the published version if it is not the one served (or tried) yet.
func (f *Follower) Check(ctx context.Context) {
	f.init()
	id, err := f.Service.st.PublishedCorpusID(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.Logger.Warn("Failed to check the published corpus version", "err", err)
		}
		return
	}
	if id == 0 || id == f.tried {
		return
	}
	f.tried = id
	start := time.Now()
	v, err := f.Service.st.CorpusVersion(ctx, id)
	var loaded time.Duration
	if err == nil {
		loaded, err = f.apply(ctx, v)
	}
	if err != nil {
		if ctx.Err() != nil {
			f.tried = 0 // try again next start
			return
		}
		f.Logger.Error("Failed to serve the published corpus version; still serving the previous one", "version", id, "served", f.served.Load(), "err", err)
		if f.Failed != nil {
			f.Failed(v, err)
		}
		return
	}
	f.Logger.Info("Serving the published corpus version", "version", id, "entries", v.Entries, "previous", f.served.Load(),
		"duration", time.Since(start).Round(time.Millisecond), "load", loaded.Round(time.Millisecond))
	f.served.Store(id)
}

// apply loads and serves v; it returns how long loading (reading and validating) took.
func (f *Follower) apply(ctx context.Context, v balai.CorpusVersion) (time.Duration, error) {
	start := time.Now()
	c, ps, err := f.Service.Load(ctx, v.ID)
	if err != nil {
		return 0, err
	}
	if err := ps.Err(); err != nil {
		return 0, fmt.Errorf("version %d: %w", v.ID, err)
	}
	loaded := time.Since(start)
	return loaded, f.Apply(ctx, v, c)
}
