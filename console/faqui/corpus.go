package faqui

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
)

// version is a corpus version as the pages show it: the version (ID 0 for the corpus served
// from a folder, which has no version), its corpus and its problems.
type version struct {
	V        balai.CorpusVersion
	C        *faq.Corpus
	Problems faq.Problems
	// Published: it is what citizens are answered from now.
	Published bool
}

// Editable reports whether entries of the version can be changed in place (a draft).
func (v version) Editable() bool { return v.V.ID != 0 && v.V.State == balai.CorpusDraft }

// load returns version id (0: the served corpus). In the database mode the published
// version is loaded from the database like any other.
func (u *UI) load(ctx context.Context, id int64) (version, error) {
	if id == 0 {
		if u.cfg.Service.ReadOnly() == "" {
			if v, err := u.cfg.Service.History(ctx, 0); err == nil {
				for _, x := range v {
					if x.State == balai.CorpusPublished {
						return u.load(ctx, x.ID)
					}
				}
			}
		}
		return version{V: balai.CorpusVersion{State: balai.CorpusPublished, Entries: len(u.cfg.Served.Corpus().Entries)},
			C: u.cfg.Served.Corpus(), Published: true}, nil
	}
	v, err := u.cfg.Service.Version(ctx, id)
	if err != nil {
		return version{}, err
	}
	key := fmt.Sprintf("%d/%d/%s", v.ID, v.UpdatedAt.UnixNano(), v.Fingerprint)
	u.mu.Lock()
	c, ok := u.corpora[key]
	u.mu.Unlock()
	var ps faq.Problems
	if !ok || v.State == balai.CorpusDraft {
		c, ps, err = u.cfg.Service.Load(ctx, id)
		if err != nil {
			return version{}, err
		}
		u.mu.Lock()
		if len(u.corpora) >= 8 {
			clear(u.corpora)
		}
		u.corpora[key] = c
		u.mu.Unlock()
	}
	return version{V: v, C: c, Problems: ps, Published: v.State == balai.CorpusPublished}, nil
}

// indexCache keeps in-memory indexes of the versions "coba pertanyaan" asked, keyed by the
// corpus's fingerprint (a draft's changes make a new one), the most recently used first.
type indexCache struct {
	opts knowledge.Options
	max  int

	mu    sync.Mutex
	lru   *list.List // of *cachedIndex
	byKey map[string]*list.Element
}

type cachedIndex struct {
	key   string
	once  sync.Once
	ix    *knowledge.Index
	err   error
	ready chan struct{}
}

func newIndexCache(max int, opts knowledge.Options) *indexCache {
	return &indexCache{opts: opts, max: max, lru: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the index of c, building it once (concurrent askers wait for one build).
func (ic *indexCache) get(ctx context.Context, c *faq.Corpus) (*knowledge.Index, error) {
	key := c.Fingerprint
	ic.mu.Lock()
	el, ok := ic.byKey[key]
	if ok {
		ic.lru.MoveToFront(el)
	} else {
		el = ic.lru.PushFront(&cachedIndex{key: key, ready: make(chan struct{})})
		ic.byKey[key] = el
		for ic.lru.Len() > ic.max {
			old := ic.lru.Back()
			ic.lru.Remove(old)
			ce := old.Value.(*cachedIndex)
			delete(ic.byKey, ce.key)
			go func() { // once built; askers holding it finish on their snapshot
				<-ce.ready
				if ce.ix != nil {
					ce.ix.Close()
				}
			}()
		}
	}
	ce := el.Value.(*cachedIndex)
	ic.mu.Unlock()
	ce.once.Do(func() {
		defer close(ce.ready)
		// The build outlives the request that started it: others wait for it.
		ce.ix, ce.err = knowledge.Open(context.WithoutCancel(ctx), c, ic.opts)
	})
	select {
	case <-ce.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if ce.err != nil {
		ic.mu.Lock()
		if cur, ok := ic.byKey[key]; ok && cur == el {
			ic.lru.Remove(el)
			delete(ic.byKey, key)
		}
		ic.mu.Unlock()
		return nil, fmt.Errorf("faqui: index version: %w", ce.err)
	}
	return ce.ix, nil
}

func (ic *indexCache) close() error {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	for el := ic.lru.Front(); el != nil; el = el.Next() {
		ce := el.Value.(*cachedIndex)
		select {
		case <-ce.ready:
			if ce.ix != nil {
				ce.ix.Close()
			}
		default:
		}
	}
	ic.lru.Init()
	clear(ic.byKey)
	return nil
}
