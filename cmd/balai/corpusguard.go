package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/private"
	"github.com/balai-id/balai/knowledge"
)

// Files in the data directory that guard the corpus against silent shrinking.
const (
	// servedFile records the corpus last served: its fingerprint and entry ids.
	servedFile = "corpus-served.json"
	// acceptFile names a corpus (by fingerprint) an operator accepted with balai faq accept.
	acceptFile = "corpus-accept.json"
)

// servedCorpus is the content of servedFile and acceptFile.
type servedCorpus struct {
	Fingerprint string    `json:"fingerprint"` // faq.Corpus.Fingerprint
	Entries     int       `json:"entries"`
	IDs         []string  `json:"ids,omitempty"` // servedFile only
	At          time.Time `json:"at"`
}

// readCorpusRecord reads servedFile or acceptFile of dataDir; nil when there is none.
func readCorpusRecord(dataDir, name string) (*servedCorpus, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r servedCorpus
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// writeCorpusRecord replaces name in dataDir at once (a crash leaves the old or the new one).
func writeCorpusRecord(dataDir, name string, r servedCorpus) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dataDir, name+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), private.FileMode); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dataDir, name))
}

// corpusRecord describes c for servedFile or acceptFile.
func corpusRecord(c *faq.Corpus, at time.Time, ids bool) servedCorpus {
	r := servedCorpus{Fingerprint: c.Fingerprint, Entries: len(c.Entries), At: at.UTC()}
	if ids {
		for _, e := range c.Entries {
			r.IDs = append(r.IDs, e.ID)
		}
		slices.Sort(r.IDs)
	}
	return r
}

// shrink is what a corpus change removes: entries of the served corpus whose ids are gone.
type shrink struct {
	From, To, Removed int
	IDs               []string // the first healthListed removed ids
}

func corpusShrink(fromIDs []string, to *faq.Corpus) shrink {
	keep := map[string]bool{}
	for _, e := range to.Entries {
		keep[e.ID] = true
	}
	sh := shrink{From: len(fromIDs), To: len(to.Entries)}
	for _, id := range fromIDs {
		if !keep[id] {
			sh.Removed++
			if len(sh.IDs) < healthListed {
				sh.IDs = append(sh.IDs, id)
			}
		}
	}
	return sh
}

// Share is the part of the served entries the change removes.
func (sh shrink) Share() float64 {
	if sh.From == 0 {
		return 0
	}
	return float64(sh.Removed) / float64(sh.From)
}

// held reports whether the change removes more than the limit lets through unconfirmed.
func (sh shrink) held(h healthSettings) bool {
	return h.corpusShrinkLimitOn && sh.Share() > h.CorpusShrinkLimit
}

func idsOf(c *faq.Corpus) []string {
	ids := make([]string, 0, len(c.Entries))
	for _, e := range c.Entries {
		ids = append(ids, e.ID)
	}
	return ids
}

// corpusGuard is the state of corpus reloads shown in /healthz: a change held for removing
// too many entries, or the last change rejected.
type corpusGuard struct {
	mu       sync.Mutex
	held     *heldChange
	rejected string // why the last change was refused (first line)
	since    time.Time
}

type heldChange struct {
	Fingerprint string
	shrink
}

// reloadHealth is the reload part of /healthz's corpus: present only while a change is
// held or the last one was rejected.
type reloadHealth struct {
	State  string    `json:"state"` // "held" or "rejected"
	Detail string    `json:"detail"`
	Since  time.Time `json:"since"`
	// A held change: the corpus waiting for balai faq accept, what it removes.
	Fingerprint    string   `json:"fingerprint,omitempty"`
	FromEntries    int      `json:"from_entries,omitempty"`
	ToEntries      int      `json:"to_entries,omitempty"`
	Removed        int      `json:"removed,omitempty"`
	RemovedPercent float64  `json:"removed_percent,omitempty"`
	RemovedIDs     []string `json:"removed_ids,omitempty"`
}

func (g *corpusGuard) health() *reloadHealth {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.held != nil:
		h := g.held
		return &reloadHealth{State: "held", Since: g.since, Fingerprint: h.Fingerprint[:min(16, len(h.Fingerprint))],
			FromEntries: h.From, ToEntries: h.To, Removed: h.Removed, RemovedPercent: percent(h.Share()), RemovedIDs: h.IDs,
			Detail: fmt.Sprintf("corpus change held: it removes %d of %d entries (%.0f%%); still serving the previous corpus; confirm with balai faq accept or restore the files",
				h.Removed, h.From, percent(h.Share()))}
	case g.rejected != "":
		return &reloadHealth{State: "rejected", Since: g.since, Detail: "corpus change rejected; still serving the previous corpus: " + g.rejected}
	}
	return nil
}

func percent(share float64) float64 { return float64(int(share*1000+0.5)) / 10 }

func (g *corpusGuard) set(held *heldChange, rejected string, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == nil && g.rejected == "" || held != nil && (g.held == nil || g.held.Fingerprint != held.Fingerprint) || rejected != g.rejected {
		g.since = at
	}
	g.held, g.rejected = held, rejected
}

// heldFingerprint is the fingerprint of the held change, or "".
func (g *corpusGuard) heldFingerprint() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == nil {
		return ""
	}
	return g.held.Fingerprint
}

// firstLine is the first line of an error, with the number of errors when it is a
// validation error (whose first line only counts them) followed by the first one.
func firstLine(err error) string {
	var ve *faq.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			if p.Severity == faq.Error {
				return fmt.Sprintf("%d errors, the first: %s", ve.Problems.Errors(), p.String())
			}
		}
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// accepted reports whether an operator accepted the corpus with fingerprint fp (balai faq
// accept wrote its fingerprint into the data directory).
func (s *Main) accepted(fp string) bool {
	r, err := readCorpusRecord(s.cfg.DataDir, acceptFile)
	if err != nil {
		s.log.Warn("Failed to read the corpus acceptance", "file", acceptFile, "err", err)
		return false
	}
	return r != nil && r.Fingerprint == fp
}

// guardStart refuses to start with a corpus that removes more than
// BALAI_CORPUS_SHRINK_LIMIT of the entries served last (by this data directory) unless an
// operator accepted it.
func (s *Main) guardStart(c *faq.Corpus) error {
	if s.cfg.Corpus.Source == corpusDB {
		return nil // a published version passed the guard when it was published
	}
	last, err := readCorpusRecord(s.cfg.DataDir, servedFile)
	if err != nil {
		s.log.Warn("Failed to read the last served corpus; not checking the corpus size", "err", err)
		return nil
	}
	if last == nil || last.Fingerprint == c.Fingerprint {
		return nil
	}
	sh := corpusShrink(last.IDs, c)
	if !sh.held(s.cfg.Health) || s.accepted(c.Fingerprint) {
		return nil
	}
	return fmt.Errorf("the corpus removes %d of the %d entries served last (%.0f%%, more than BALAI_CORPUS_SHRINK_LIMIT %.0f%%), for example %s: "+
		"if that is intended, run `balai faq accept` and start again; otherwise restore the corpus files",
		sh.Removed, sh.From, percent(sh.Share()), percent(s.cfg.Health.CorpusShrinkLimit), strings.Join(sh.IDs, ", "))
}

// recordServed notes the corpus being served in the data directory (for the start guard).
func (s *Main) recordServed(c *faq.Corpus) {
	if err := writeCorpusRecord(s.cfg.DataDir, servedFile, corpusRecord(c, s.now(), true)); err != nil {
		s.log.Warn("Failed to record the corpus served", "file", servedFile, "err", err)
	}
}

// reloadCorpus serves the corpus directory's current content unless it has errors, or
// removes more entries than BALAI_CORPUS_SHRINK_LIMIT allows without an operator's
// acceptance (then the change is held: logged, shown in /healthz, told to the officers).
func (s *Main) reloadCorpus(ctx context.Context) {
	c, ps, err := knowledge.LoadCorpus(s.cfg.FAQDir)
	if err == nil {
		err = ps.Err()
	}
	var ve *faq.ValidationError
	switch {
	case errors.As(err, &ve):
		s.log.Error("Corpus change rejected; still serving the previous corpus", "errors", ve.Problems.Errors())
		for _, p := range ve.Problems {
			if p.Severity == faq.Error {
				s.log.Error("Corpus problem", "problem", p.String())
			}
		}
		s.guard.set(nil, firstLine(err), s.now())
		return
	case err != nil:
		s.log.Error("Failed to reload the corpus; still serving the previous one", "err", err)
		s.guard.set(nil, firstLine(err), s.now())
		return
	}
	cur := s.index.Corpus()
	if c.Fingerprint == cur.Fingerprint {
		s.guard.set(nil, "", s.now()) // back to what is served
		return
	}
	if sh := corpusShrink(idsOf(cur), c); sh.held(s.cfg.Health) && !s.accepted(c.Fingerprint) {
		s.holdCorpus(ctx, c.Fingerprint, sh)
		return
	}
	if err := s.index.Swap(ctx, c); err != nil {
		s.log.Error("Failed to reload the corpus; still serving the previous one", "err", err)
		s.guard.set(nil, firstLine(err), s.now())
		return
	}
	s.guard.set(nil, "", s.now())
	s.recordServed(c)
	s.log.Info("Corpus reloaded", "entries", len(c.Entries), "previous_entries", len(cur.Entries))
	s.logReview(c)
	s.logCalibration(c)
}

// holdCorpus keeps serving the current corpus and tells everyone that a change is waiting.
func (s *Main) holdCorpus(ctx context.Context, fp string, sh shrink) {
	if s.guard.heldFingerprint() == fp {
		return // told already
	}
	s.guard.set(&heldChange{Fingerprint: fp, shrink: sh}, "", s.now())
	s.log.Error("Corpus change held: it removes more entries than BALAI_CORPUS_SHRINK_LIMIT allows; still serving the previous corpus. If intended, confirm with `balai faq accept`; otherwise restore the corpus files",
		"entries", sh.From, "new_entries", sh.To, "removed", sh.Removed, "removed_percent", percent(sh.Share()),
		"limit_percent", percent(s.cfg.Health.CorpusShrinkLimit), "removed_ids", strings.Join(sh.IDs, ", "), "fingerprint", fp[:min(16, len(fp))])
	if s.officers.ID == "" || s.db == nil || s.msgs == nil {
		return
	}
	out := bot.Outgoing{Chat: s.officers, Kind: bot.OutMessage, Lang: bot.LangID,
		Text: s.msgs.Text(bot.LangID, "desk_corpus_shrink_held", map[string]any{"Removed": sh.Removed, "From": sh.From, "To": sh.To,
			"Percent": fmt.Sprintf("%.0f", percent(sh.Share())), "Limit": fmt.Sprintf("%.0f", percent(s.cfg.Health.CorpusShrinkLimit)),
			"IDs": sh.IDs})}
	// Replicas each hold the same change: one notice for all of them.
	items, first, err := s.db.PostOnce(ctx, "corpus_shrink:"+fp, []bot.Outgoing{out})
	if err != nil {
		s.log.Error("Failed to tell the officers about the held corpus change", "err", err)
		return
	}
	if first && s.submit != nil {
		s.submit(items...)
	}
}

// acceptedHeld reports whether a change is held and an operator has accepted it since.
func (s *Main) acceptedHeld() bool {
	fp := s.guard.heldFingerprint()
	return fp != "" && s.accepted(fp)
}
