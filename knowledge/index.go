// Package knowledge finds the corpus entry that answers a citizen's question, or knows that
// none does. It analyses the corpus with Balai's Indonesian analysis into statistics of its
// own (vocabulary, postings per field, document frequencies), from which it finds and ranks
// candidates by BM25 and computes a calibrated confidence per candidate, and decides to
// answer, to suggest a few entries, or to escalate to an officer. It knows nothing of chats.
//
// It also builds a bleve index over the corpus with the same analysis, persisted under
// Options.DataDir and reopened while the corpus is unchanged, which plain bleve can open and
// query. Answers do not depend on it: bleve's scores depend on the segments an index consists
// of, which differ between an index built in memory and one on disk, and change when scorch
// merges segments (see bm25.go). An index in memory, built on disk or reopened answers every
// question alike.
package knowledge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/indonesian"
)

// Options configure an Index.
type Options struct {
	// DataDir holds the persisted index (DataDir/index/<fingerprint>); "" keeps it in memory.
	DataDir string
	// Thresholds decide between answer, suggest and escalate; zero value: DefaultThresholds.
	Thresholds Thresholds
	// Now tells the time for stale entries; default time.Now.
	Now func() time.Time
	// Logger receives build and reload events; default slog.Default().
	Logger *slog.Logger
	// Progress, when set, is called while a large corpus is indexed.
	Progress func(done, total int)
	// Model computes confidences; zero value: DefaultModel.
	Model Model
}

// Index answers questions from a corpus. Reload swaps in a new corpus atomically while
// questions keep being answered. Safe for concurrent use.
type Index struct {
	opts Options
	cur  atomic.Pointer[snapshot]
	mu   sync.Mutex // serialises Reload and Close

	// The bleve index of a corpus swapped in is built after the swap (see Swap); stopBuild
	// cancels that build and waits for it. Both are held under mu.
	stopBuild func()
}

// snapshot is one corpus with its index and statistics.
type snapshot struct {
	corpus   *faq.Corpus
	analyzer *indonesian.Analyzer
	stats    *stats
	topics   []*Topic
	chat     []*Topic // small talk
	key      string   // index fingerprint

	mu     sync.RWMutex // held for reading by queries; Close waits for them
	closed bool
	// The bleve index, nil while it is built after a swap (under mu).
	bleve bleve.Index
	path  string // on-disk location, "" in memory
	built bool   // built rather than opened from disk
}

// mappingVersion changes when the index layout changes, forcing a rebuild.
const mappingVersion = "mapping-v1"

// Field names and their BM25 boosts. Questions weigh most: they are how citizens ask.
var fields = []struct {
	name  string
	boost float64
}{
	{"questions", 3}, {"title", 2}, {"keywords", 2}, {"body", 1},
}

// Open builds or opens the index for c. With a DataDir, an index built earlier for the same
// corpus and analysis data is reused; otherwise it is built and persisted.
func Open(ctx context.Context, c *faq.Corpus, opts Options) (*Index, error) {
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if len(opts.Model.Weights) == 0 {
		opts.Model = DefaultModel
	}
	if len(opts.Model.Weights) != len(InputNames) {
		return nil, fmt.Errorf("knowledge: model has %d weights, want %d", len(opts.Model.Weights), len(InputNames))
	}
	if opts.Thresholds == (Thresholds{}) {
		opts.Thresholds = DefaultThresholds()
	}
	if err := opts.Thresholds.Validate(); err != nil {
		return nil, err
	}
	ix := &Index{opts: opts}
	s, cfg, err := ix.prepare(c)
	if err != nil {
		return nil, err
	}
	if err := ix.attachIndex(ctx, s, cfg); err != nil {
		return nil, err
	}
	ix.cur.Store(s)
	ix.removeOtherIndexes(s.key)
	return ix, nil
}

// Corpus returns the corpus being served.
func (ix *Index) Corpus() *faq.Corpus { return ix.cur.Load().corpus }

// Thresholds returns the decision thresholds in use.
func (ix *Index) Thresholds() Thresholds { return ix.opts.Thresholds }

// Fingerprint identifies the index being served (corpus and analysis data).
func (ix *Index) Fingerprint() string { return ix.cur.Load().key }

// Reload validates the corpus in dir ("" for the embedded one) and, only if it has no
// errors and indexes cleanly, swaps it in. Questions are answered throughout; on any
// problem the working index stays and the error says why (a *faq.ValidationError lists
// every problem with file and line).
func (ix *Index) Reload(ctx context.Context, dir string) error {
	c, ps, err := LoadCorpus(dir)
	if err != nil {
		return err
	}
	if err := ps.Err(); err != nil {
		return err
	}
	return ix.Swap(ctx, c)
}

// Swap serves an already validated corpus. It returns once questions are answered from it;
// its bleve index, which answers do not depend on (see bm25.go), is built or opened after
// that, in the background: until it is, Info has no Path. A failure to build it is logged
// and does not undo the swap.
func (ix *Index) Swap(ctx context.Context, c *faq.Corpus) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.cur.Load()
	if old == nil {
		return errors.New("knowledge: index is closed")
	}
	if indexKey(c) == old.key {
		// Same content and analysis: the working index already is this corpus.
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("knowledge: swap: %w", err)
	}
	start := time.Now()
	s, cfg, err := ix.prepare(c)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("knowledge: swap: %w", err)
	}
	ix.cancelBuild() // of the snapshot being replaced
	ix.cur.Store(s)
	old.close()
	ix.removeOtherIndexes(s.key)
	ix.opts.Logger.Info("Reloaded corpus", "entries", len(c.Entries), "fingerprint", s.key[:12],
		"duration", time.Since(start).Round(time.Millisecond))
	bctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	ix.stopBuild = func() { cancel(); <-done }
	backgroundBuilds.Add(1)
	go func() {
		defer close(done)
		defer backgroundBuilds.Add(-1)
		start := time.Now()
		if err := ix.attachIndex(bctx, s, cfg); err != nil {
			if bctx.Err() == nil {
				ix.opts.Logger.Warn("Failed to build the bleve index of the corpus served; answers do not depend on it", "err", err)
			}
			return
		}
		ix.opts.Logger.Debug("Bleve index of the corpus served ready", "path", s.path, "built", s.built,
			"duration", time.Since(start).Round(time.Millisecond))
	}()
	return nil
}

// cancelBuild stops the bleve index being built after the last swap, if it still is.
func (ix *Index) cancelBuild() {
	if ix.stopBuild != nil {
		ix.stopBuild()
		ix.stopBuild = nil
	}
}

// Close releases the index once running queries finish.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.cancelBuild()
	s := ix.cur.Swap(nil)
	if s == nil {
		return nil
	}
	return s.close()
}

func (s *snapshot) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.bleve == nil {
		return nil
	}
	return s.bleve.Close()
}

// acquire returns the current snapshot, read-locked; release it with s.mu.RUnlock.
func (ix *Index) acquire() (*snapshot, error) {
	for {
		s := ix.cur.Load()
		if s == nil {
			return nil, errors.New("knowledge: index is closed")
		}
		s.mu.RLock()
		if !s.closed {
			return s, nil
		}
		s.mu.RUnlock() // swapped out meanwhile: take the new one
	}
}

// prepare analyses c into a snapshot that answers questions, without its bleve index, and
// returns the analysis configuration to build that with (attachIndex).
func (ix *Index) prepare(c *faq.Corpus) (*snapshot, analyzerConfig, error) {
	cfg, err := corpusAnalyzerConfig(c)
	if err != nil {
		return nil, cfg, err
	}
	a, err := cfg.newAnalyzer()
	if err != nil {
		return nil, cfg, err
	}
	topics, err := corpusTopics(c)
	if err != nil {
		return nil, cfg, err
	}
	chat, err := corpusSmallTalk(c)
	if err != nil {
		return nil, cfg, err
	}
	start := time.Now()
	s := &snapshot{corpus: c, analyzer: a, topics: topics, chat: chat, key: indexKey(c)}
	s.stats = buildStats(c, a)
	ix.opts.Logger.Debug("Corpus statistics built", "entries", len(c.Entries), "duration", time.Since(start).Round(time.Millisecond))
	return s, cfg, nil
}

// attachIndex builds or opens the bleve index of s.
func (ix *Index) attachIndex(ctx context.Context, s *snapshot, cfg analyzerConfig) error {
	start := time.Now()
	b, path, built, err := ix.openOrBuild(ctx, s.corpus, cfg, s.key)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return b.Close()
	}
	s.bleve, s.path, s.built = b, path, built
	ix.opts.Logger.Debug("Loaded index", "entries", len(s.corpus.Entries), "built", built,
		"path", path, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

func indexKey(c *faq.Corpus) string {
	h := sha256.Sum256([]byte(mappingVersion + "\n" + indonesian.DataVersion + "\n" + c.Fingerprint))
	return hex.EncodeToString(h[:])
}

func (ix *Index) indexRoot() string { return filepath.Join(ix.opts.DataDir, "index") }

func (ix *Index) openOrBuild(ctx context.Context, c *faq.Corpus, cfg analyzerConfig, key string) (bleve.Index, string, bool, error) {
	m, err := newMapping(cfg)
	if err != nil {
		return nil, "", false, err
	}
	if ix.opts.DataDir == "" {
		b, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
		if err != nil {
			return nil, "", false, fmt.Errorf("knowledge: create in-memory index: %w", err)
		}
		if err := ix.fill(ctx, b, c); err != nil {
			b.Close()
			return nil, "", false, err
		}
		return b, "", true, nil
	}
	final := filepath.Join(ix.indexRoot(), key[:24])
	if _, err := os.Stat(final); err == nil {
		b, err := bleve.Open(final)
		if err == nil {
			if n, cerr := b.DocCount(); cerr == nil && int(n) == len(c.Entries) {
				return b, final, false, nil
			}
			b.Close()
		}
		ix.opts.Logger.Warn("Failed to open index; rebuilding it", "path", final, "err", err)
		if err := os.RemoveAll(final); err != nil {
			return nil, "", false, fmt.Errorf("knowledge: remove broken index: %w", err)
		}
	}
	if err := os.MkdirAll(ix.indexRoot(), 0o755); err != nil {
		return nil, "", false, fmt.Errorf("knowledge: create index dir: %w", err)
	}
	tmp, err := os.MkdirTemp(ix.indexRoot(), ".build-")
	if err != nil {
		return nil, "", false, fmt.Errorf("knowledge: create index dir: %w", err)
	}
	tmpIndex := filepath.Join(tmp, "idx")
	b, err := bleve.New(tmpIndex, m)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, "", false, fmt.Errorf("knowledge: create index: %w", err)
	}
	if err := ix.fill(ctx, b, c); err != nil {
		b.Close()
		os.RemoveAll(tmp)
		return nil, "", false, err
	}
	if err := b.Close(); err != nil {
		os.RemoveAll(tmp)
		return nil, "", false, fmt.Errorf("knowledge: close new index: %w", err)
	}
	if err := os.Rename(tmpIndex, final); err != nil {
		os.RemoveAll(tmp)
		return nil, "", false, fmt.Errorf("knowledge: install index: %w", err)
	}
	os.RemoveAll(tmp)
	b, err = bleve.Open(final)
	if err != nil {
		return nil, "", false, fmt.Errorf("knowledge: open new index: %w", err)
	}
	return b, final, true, nil
}

// removeOtherIndexes deletes indexes of earlier corpora and abandoned builds.
func (ix *Index) removeOtherIndexes(key string) {
	if ix.opts.DataDir == "" {
		return
	}
	des, err := os.ReadDir(ix.indexRoot())
	if err != nil {
		return
	}
	for _, d := range des {
		if d.Name() == key[:24] {
			continue
		}
		if strings.HasPrefix(d.Name(), ".build-") {
			if info, err := d.Info(); err != nil || time.Since(info.ModTime()) < time.Hour {
				continue // perhaps another process building right now
			}
		}
		if err := os.RemoveAll(filepath.Join(ix.indexRoot(), d.Name())); err != nil {
			ix.opts.Logger.Warn("Failed to remove old index", "path", d.Name(), "err", err)
		}
	}
}

func newMapping(cfg analyzerConfig) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	if err := m.AddCustomAnalyzer(analyzerName, cfg.bleve()); err != nil {
		return nil, fmt.Errorf("knowledge: define analyzer: %w", err)
	}
	m.DefaultAnalyzer = analyzerName
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	doc := bleve.NewDocumentStaticMapping()
	for _, f := range fields {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = analyzerName
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = false
		doc.AddFieldMappingsAt(f.name, fm)
	}
	m.DefaultMapping = doc
	return m, nil
}

// progressEvery is the corpus size above which indexing reports progress.
const progressEvery = 2000

func (ix *Index) fill(ctx context.Context, b bleve.Index, c *faq.Corpus) error {
	const batchSize = 500
	total := len(c.Entries)
	batch := b.NewBatch()
	for i, e := range c.Entries {
		doc := map[string]interface{}{
			"questions": e.Questions,
			"title":     e.SearchTitle(),
			"keywords":  e.Keywords,
			"body":      e.Body,
		}
		if err := batch.Index(e.ID, doc); err != nil {
			return fmt.Errorf("knowledge: index %s: %w", e.ID, err)
		}
		if batch.Size() >= batchSize || i == total-1 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("knowledge: build index: %w", err)
			}
			if err := b.Batch(batch); err != nil {
				return fmt.Errorf("knowledge: build index: %w", err)
			}
			batch.Reset()
			if ix.opts.Progress != nil && total > progressEvery {
				ix.opts.Progress(i+1, total)
			}
		}
	}
	return nil
}

// Info describes the index being served.
type Info struct {
	Entries     int    `json:"entries"`
	Fingerprint string `json:"fingerprint"`
	Path        string `json:"path,omitempty"` // "" for an in-memory index, or while it is built after a swap
	Built       bool   `json:"built"`          // built at load rather than reopened from disk
	Rules       int    `json:"rules"`          // rewrite rules of the analysis
	Topics      int    `json:"topics"`         // always-human topics
}

// Info returns facts about the index being served.
func (ix *Index) Info() Info {
	s := ix.cur.Load()
	if s == nil {
		return Info{}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Info{Entries: len(s.corpus.Entries), Fingerprint: s.key[:16], Path: s.path, Built: s.built,
		Rules: s.analyzer.RuleCount(), Topics: len(s.topics)}
}
