// Package unanswered is the unanswered-questions loop of the admin console: it collects what
// the corpus did not answer (escalations for want of an answer, suggestions the citizen took
// none of, 👎 after an answer, tickets officers handled, with their replies), groups the
// questions into clusters of similar ones by their shared analysed terms, and lets editors
// act on a cluster or a question: add it as a phrasing of an entry or draft a new entry from
// it (both through a corpus draft, so through review), mark it out of scope, or dismiss it
// until it grows. Questions settled this way, and tickets closed "answered by entry X", are
// labelled examples exported as an eval file for balai eval and balai calibrate.
//
// Clusters are kept incrementally in the store (incremental.go): each request first clusters
// the questions logged since the last sync (by any replica), then shows those of a window
// (Filter.From/To; DefaultWindow back from now when unset). Every text leaving the package
// is masked (redact): no NIK, phone number or e-mail.
package unanswered

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/indonesian"
	"github.com/balai-id/balai/redact"
)

// Store reads the questions and keeps the clusters and the marks; *store.DB implements it.
type Store interface {
	// SyncUnanswered brings the stored clustering up to date through fn, one process at a
	// time (see store.DB.SyncUnanswered).
	SyncUnanswered(ctx context.Context, have balai.PointsState, fn func(balai.PointsDelta) ([]balai.UnansweredPoint, error)) (balai.PointsState, error)
	EntryResolvedTickets(ctx context.Context, limit int) ([]balai.AskedQuestion, error)
	MarkUnanswered(ctx context.Context, marks []balai.UnansweredMark, audit balai.AuditEntry) error
	UnansweredMarks(ctx context.Context, actions ...balai.UnansweredAction) (map[string]balai.UnansweredMark, error)
}

// Corpus is the corpus lifecycle the actions go through; *corpusdb.Service implements it.
type Corpus interface {
	History(ctx context.Context, limit int) ([]balai.CorpusVersion, error)
	NewDraft(ctx context.Context, actor balai.Officer, from int64, note string) (balai.CorpusVersion, error)
	Load(ctx context.Context, id int64) (*faq.Corpus, faq.Problems, error)
	UpdateEntry(ctx context.Context, actor balai.Officer, id int64, e *faq.Entry) ([]corpusdb.Problem, error)
}

// Defaults.
const (
	DefaultWindow    = 90 * 24 * time.Hour
	DefaultThreshold = 0.45
	DefaultGrowBy    = 3
	// TrendSpan is the span the trend compares: the last TrendSpan of the window against
	// the TrendSpan before it.
	TrendSpan = 7 * 24 * time.Hour
)

// Options configure a Service.
type Options struct {
	Store  Store
	Corpus Corpus // nil: the phrasing and new-entry actions return ErrNoCorpus
	// Threshold is the cosine similarity (0–1) a question needs to a cluster to join it.
	Threshold float64
	// GrowBy is how many new questions a dismissed cluster needs to show again.
	GrowBy int
	Now    func() time.Time
}

// Service is the unanswered-questions loop. Safe for concurrent use.
type Service struct {
	mu        sync.Mutex
	m         *model                // the clustering as last synced; nil: load it
	lists     map[listKey][]Cluster // lists computed for the clustering's current version
	st        Store
	corpus    Corpus
	a         *indonesian.Analyzer
	threshold float64
	growBy    int
	now       func() time.Time
}

// Errors.
var (
	ErrNotFound   = errors.New("unanswered: no such cluster or question")
	ErrNotAllowed = errors.New("unanswered: not allowed")
	ErrNoCorpus   = errors.New("unanswered: the corpus cannot be edited here")
	ErrNoEntry    = errors.New("unanswered: no such entry in the draft")
	ErrEmpty      = errors.New("unanswered: nothing selected")
)

// New returns a Service.
func New(opts Options) (*Service, error) {
	a, err := indonesian.New(indonesian.Config{})
	if err != nil {
		return nil, fmt.Errorf("unanswered: analyser: %w", err)
	}
	s := &Service{lists: map[listKey][]Cluster{}, st: opts.Store, corpus: opts.Corpus, a: a, threshold: opts.Threshold, growBy: opts.GrowBy, now: opts.Now}
	if s.threshold <= 0 || s.threshold > 1 {
		s.threshold = DefaultThreshold
	}
	if s.growBy <= 0 {
		s.growBy = DefaultGrowBy
	}
	if s.now == nil {
		s.now = clock.Now
	}
	return s, nil
}

// GrowBy is how many new questions bring a dismissed cluster back.
func (s *Service) GrowBy() int { return s.growBy }

// Filter selects the questions clustered.
type Filter struct {
	From, To time.Time     // [From, To); zero: DefaultWindow back from now, and now
	Channel  balai.Channel // "" for all
	// Hidden also lists dismissed clusters that did not grow enough.
	Hidden bool
	// Sort: "size" (default: most questions first), "trend" (most growth in the last
	// TrendSpan first) or "recent" (last seen first).
	Sort string
}

func (s *Service) window(f Filter) (time.Time, time.Time) {
	to := f.To
	if to.IsZero() {
		to = s.now()
	}
	from := f.From
	if from.IsZero() {
		from = to.Add(-DefaultWindow)
	}
	return from, to
}

// Question is one unanswered question as the console shows it: its text masked.
type Question struct {
	Ref     string
	Source  balai.AskSource
	Channel balai.Channel
	Text    string // masked
	At      time.Time
	EntryID string
	// TicketID, Answer (masked) and Resolution: the ticket an officer handled it on.
	TicketID   int64
	Answer     string
	Resolution balai.ResolutionKind
	Category   string
	// Dismissed: an editor dismissed it (with its cluster).
	Dismissed bool
}

// Count is a name with how often it occurs.
type Count struct {
	Name string
	N    int
}

// EntryLink is an entry linked to a cluster's questions: offered or answered by the bot
// (Offered), or named by an officer as the answer (Resolved: labelled examples).
type EntryLink struct {
	ID                string
	Offered, Resolved int
}

// Cluster is a group of similar unanswered questions.
type Cluster struct {
	// ID is the ref of its oldest question: it stays as the cluster grows.
	ID    string
	Terms []string // the words it is about, most telling first
	Size  int
	// New counts the questions not dismissed; Dismissed the others.
	New, Dismissed int
	// Hidden: dismissed, and not grown by GrowBy since.
	Hidden              bool
	Channels, Sources   []Count
	FirstSeen, LastSeen time.Time
	// Recent and Before count the questions of the last TrendSpan of the window and of the
	// TrendSpan before it.
	Recent, Before int
	Examples       []Question // up to five distinct texts, newest first
	Answers        []string   // the officers' distinct replies (masked), newest first, up to five
	Entries        []EntryLink
	Category       string     // the most frequent ticket category, "" when none
	Questions      []Question // all of them, oldest first
}

// Trend is the change from Before to Recent.
func (c Cluster) Trend() int { return c.Recent - c.Before }

// Clusters groups the questions f selects, minus those already settled (out of scope,
// added as a phrasing, answered by a new entry), and returns the clusters in f.Sort order;
// dismissed ones that did not grow are left out unless f.Hidden.
func (s *Service) Clusters(ctx context.Context, f Filter) ([]Cluster, error) {
	return s.list(ctx, f, true)
}

// Summaries is Clusters without the clusters' Questions (the inbox's rows: their figures,
// terms, examples and answers).
func (s *Service) Summaries(ctx context.Context, f Filter) ([]Cluster, error) {
	return s.list(ctx, f, false)
}

func (s *Service) list(ctx context.Context, f Filter, questions bool) ([]Cluster, error) {
	all, err := s.clusters(ctx, f, "", questions)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if !c.Hidden || f.Hidden {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Cluster) int {
		switch f.Sort {
		case "trend":
			if d := b.Trend() - a.Trend(); d != 0 {
				return d
			}
		case "recent":
			if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
				return c
			}
		}
		if d := b.Size - a.Size; d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Cluster returns the cluster with id among those f selects (hidden ones too).
func (s *Service) Cluster(ctx context.Context, f Filter, id string) (Cluster, error) {
	all, err := s.clusters(ctx, f, id, true)
	if err != nil {
		return Cluster{}, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return Cluster{}, fmt.Errorf("unanswered: cluster %q: %w", id, ErrNotFound)
}

// Sync brings the clusters up to date with the message log and the tickets: the questions
// logged since the last sync (by this process or another) are clustered and stored. The
// pages sync on every request; serve also syncs in the background, so that they rarely wait.
func (s *Service) Sync(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncLocked(ctx)
}

func (s *Service) syncLocked(ctx context.Context) error {
	err := s.syncOnce(ctx)
	if errors.Is(err, balai.ErrPointsMoved) {
		err = s.syncOnce(ctx) // another process synced meanwhile: take its points, and what came since
	}
	return err
}

func (s *Service) syncOnce(ctx context.Context) error {
	var have balai.PointsState
	if s.m != nil {
		have = s.m.state
	}
	var next *model
	st, err := s.st.SyncUnanswered(ctx, have, func(d balai.PointsDelta) ([]balai.UnansweredPoint, error) {
		m, ps, err := s.syncDelta(s.m, d)
		next = m
		return ps, err
	})
	if err != nil {
		s.m = nil // it may hold changes that were not stored
		return fmt.Errorf("unanswered: sync: %w", err)
	}
	if next != nil {
		next.state = st
		s.m = next
	}
	return nil
}

// clusters returns the clusters of the questions f selects (only the one with id only,
// when not ""), in the order of their first question, minus the settled questions; their
// Questions are listed when questions.
func (s *Service) clusters(ctx context.Context, f Filter, only string, questions bool) ([]Cluster, error) {
	from, to := s.window(f)
	fromMS, toMS := from.UnixMilli(), to.UnixMilli()
	if to.Sub(time.UnixMilli(toMS)) > 0 {
		toMS++ // [from, to) in whole milliseconds: the points' times are
	}
	if from.Sub(time.UnixMilli(fromMS)) > 0 {
		fromMS++
	}
	marks, err := s.st.UnansweredMarks(ctx)
	if err != nil {
		return nil, fmt.Errorf("unanswered: clusters: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.syncLocked(ctx); err != nil {
		return nil, fmt.Errorf("unanswered: clusters: %w", err)
	}
	m := s.m
	key := listKey{state: m.state, marks: marksPrint(marks), channel: f.Channel, from: fromMS, to: toMS, questions: questions}
	if f.To.IsZero() { // the default window ends now: the list is reused within the minute
		key.from, key.to = 0, to.Truncate(time.Minute).UnixMilli()
		if !f.From.IsZero() {
			key.from = fromMS
		}
	}
	if only == "" {
		if out, ok := s.lists[key]; ok {
			return slices.Clone(out), nil
		}
	}
	type selected struct {
		g  *cgroup
		ps []*point
	}
	var sel []selected
	df := make([]int32, len(m.names))
	n := 0
	var buf []*point
	for _, g := range m.groups {
		if g == nil {
			continue
		}
		buf = buf[:0]
		for _, p := range g.members {
			if p.at < fromMS || p.at >= toMS || f.Channel != "" && p.q.Channel != f.Channel {
				continue
			}
			if len(marks) > 0 {
				if mk, ok := marks[p.q.Ref]; ok && mk.Action != balai.MarkDismissed {
					continue
				}
			}
			buf = append(buf, p)
			for _, t := range p.terms {
				df[t]++
			}
		}
		n += len(buf)
		if len(buf) > 0 && (only == "" || g.id == only) {
			sel = append(sel, selected{g, slices.Clone(buf)})
		}
	}
	nn := float64(max(n, idfPrior))
	idf := func(t int32) float64 { return math.Log(1 + nn/float64(df[t])) }
	out := make([]Cluster, 0, len(sel))
	tc := &termCounter{count: make([]int32, len(m.names))}
	byAge := func(a, b *point) int {
		if c := a.q.At.Compare(b.q.At); c != 0 {
			return c
		}
		return strings.Compare(a.q.Ref, b.q.Ref)
	}
	for _, x := range sel {
		if !slices.IsSortedFunc(x.ps, byAge) {
			slices.SortFunc(x.ps, byAge)
		}
		c := Cluster{ID: x.g.id}
		for _, t := range tc.top(x.ps, idf, m.names, 3) {
			c.Terms = append(c.Terms, m.word(t))
		}
		if len(c.Terms) == 0 {
			c.Terms = []string{strings.ToLower(strings.TrimSpace(x.ps[0].q.Text))}
		}
		s.fill(&c, x.ps, marks, to, questions)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cluster) int {
		if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if only == "" {
		for k := range s.lists {
			if k.state != key.state || len(s.lists) >= maxLists {
				delete(s.lists, k)
			}
		}
		s.lists[key] = out
		return slices.Clone(out), nil
	}
	return out, nil
}

// listKey is what a list of clusters depends on: the clustering's version, the marks, the
// filter's channel and window (the default window's end to the minute) and whether the
// questions are listed.
type listKey struct {
	state     balai.PointsState
	marks     [2]uint64
	channel   balai.Channel
	from, to  int64
	questions bool
}

// maxLists is how many lists of clusters a Service keeps for reuse (filters differ).
const maxLists = 16

// marksPrint is a fingerprint of the marks (their count and a hash of each, in any order).
func marksPrint(marks map[string]balai.UnansweredMark) [2]uint64 {
	var x uint64
	for _, m := range marks {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d", m.Ref, m.Action, m.EntryID, m.Version, m.At.UnixMilli())
		x += h.Sum64()
	}
	return [2]uint64{uint64(len(marks)), x}
}

// termCounter counts terms over a cluster's points in a dense array reused across clusters.
type termCounter struct {
	count   []int32
	touched []int32
}

// top returns the n terms of the points with the most weight (idf times how many points
// have them; ties by name, as term ids differ between processes).
func (tc *termCounter) top(ps []*point, idf func(int32) float64, names []string, n int) []int32 {
	tc.touched = tc.touched[:0]
	for _, p := range ps {
		for _, t := range p.terms {
			if tc.count[t] == 0 {
				tc.touched = append(tc.touched, t)
			}
			tc.count[t]++
		}
	}
	type tw struct {
		t int32
		w float64
	}
	best := make([]tw, 0, n+1)
	for _, t := range tc.touched {
		x := tw{t, float64(tc.count[t]) * idf(t)}
		tc.count[t] = 0
		i := len(best)
		for i > 0 && (x.w > best[i-1].w || x.w == best[i-1].w && names[x.t] < names[best[i-1].t]) {
			i--
		}
		if i < n {
			best = slices.Insert(best, i, x)
			best = best[:min(len(best), n)]
		}
	}
	out := make([]int32, len(best))
	for i, x := range best {
		out[i] = x.t
	}
	return out
}

// fill computes a cluster's figures from its members.
// Questions are listed when questions.
func (s *Service) fill(c *Cluster, ps []*point, marks map[string]balai.UnansweredMark, to time.Time, questions bool) {
	channels, sources, cats := map[string]int{}, map[string]int{}, map[string]int{}
	entries := map[string]*EntryLink{}
	var entryOrder []string
	link := func(id string) *EntryLink {
		if entries[id] == nil {
			entries[id] = &EntryLink{ID: id}
			entryOrder = append(entryOrder, id)
		}
		return entries[id]
	}
	view := func(q *balai.AskedQuestion) Question {
		return Question{Ref: q.Ref, Source: q.Source, Channel: q.Channel, Text: q.Text, At: q.At, EntryID: q.EntryID,
			TicketID: q.TicketID, Answer: q.Answer, Resolution: q.Resolution, Category: q.Category,
			Dismissed: len(marks) > 0 && marks[q.Ref].Action == balai.MarkDismissed}
	}
	if questions {
		c.Questions = make([]Question, 0, len(ps))
	}
	for _, p := range ps {
		q := &p.q
		dismissed := len(marks) > 0 && marks[q.Ref].Action == balai.MarkDismissed
		if questions {
			c.Questions = append(c.Questions, view(q))
		}
		c.Size++
		if dismissed {
			c.Dismissed++
		} else {
			c.New++
		}
		channels[string(q.Channel)]++
		sources[string(q.Source)]++
		if q.Category != "" {
			cats[q.Category]++
		}
		if c.FirstSeen.IsZero() || q.At.Before(c.FirstSeen) {
			c.FirstSeen = q.At
		}
		if q.At.After(c.LastSeen) {
			c.LastSeen = q.At
		}
		switch age := to.Sub(q.At); {
		case age <= TrendSpan:
			c.Recent++
		case age <= 2*TrendSpan:
			c.Before++
		}
		if q.EntryID != "" {
			if q.Resolution == balai.ResolvedEntry {
				link(q.EntryID).Resolved++
			} else {
				link(q.EntryID).Offered++
			}
		}
	}
	c.Hidden = c.Dismissed > 0 && c.New < s.growBy
	c.Channels, c.Sources = counts(channels), counts(sources)
	if cs := counts(cats); len(cs) > 0 {
		c.Category = cs[0].Name
	}
	for _, id := range entryOrder {
		c.Entries = append(c.Entries, *entries[id])
	}
	slices.SortStableFunc(c.Entries, func(a, b EntryLink) int { return (b.Resolved*1000 + b.Offered) - (a.Resolved*1000 + a.Offered) })
	seenText, seenAnswer := map[string]bool{}, map[string]bool{}
	for i := len(ps) - 1; i >= 0 && (len(c.Examples) < 5 || len(c.Answers) < 5); i-- {
		q := &ps[i].q
		if len(c.Examples) < 5 {
			if k := strings.ToLower(q.Text); !seenText[k] {
				seenText[k] = true
				c.Examples = append(c.Examples, view(q))
			}
		}
		if a := strings.TrimSpace(q.Answer); a != "" && !seenAnswer[a] && len(c.Answers) < 5 {
			seenAnswer[a] = true
			c.Answers = append(c.Answers, a)
		}
	}
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Target names the questions an action applies to: a cluster (under the filter it was
// shown with), and optionally some of its questions by ref (none: all of them).
type Target struct {
	Filter  Filter
	Cluster string
	Refs    []string
}

// selected returns the cluster and the questions of t.
func (s *Service) selected(ctx context.Context, t Target) (Cluster, []Question, error) {
	c, err := s.Cluster(ctx, t.Filter, t.Cluster)
	if err != nil {
		return c, nil, err
	}
	if len(t.Refs) == 0 {
		return c, c.Questions, nil
	}
	var qs []Question
	for _, q := range c.Questions {
		if slices.Contains(t.Refs, q.Ref) {
			qs = append(qs, q)
		}
	}
	if len(qs) != len(t.Refs) {
		return c, nil, fmt.Errorf("unanswered: cluster %s: questions %v: %w", t.Cluster, t.Refs, ErrNotFound)
	}
	return c, qs, nil
}

func mayEdit(actor balai.Officer) error {
	if !actor.Role.Allows(balai.RoleEditor) {
		return fmt.Errorf("%w: %s has role %q; editors and admins keep the corpus", ErrNotAllowed, actor.ID, actor.Role)
	}
	return nil
}

func (s *Service) mark(ctx context.Context, actor balai.Officer, c Cluster, qs []Question, action balai.UnansweredAction, entry string, version int64) error {
	if len(qs) == 0 {
		return ErrEmpty
	}
	now := s.now()
	marks := make([]balai.UnansweredMark, len(qs))
	for i, q := range qs {
		marks[i] = balai.UnansweredMark{Ref: q.Ref, Action: action, EntryID: entry, Version: version, Question: q.Text, Channel: q.Channel, Actor: actor.ID, At: now}
	}
	detail := fmt.Sprintf("%d questions", len(qs))
	if entry != "" {
		detail += ": entry " + entry
	}
	if version != 0 {
		detail += fmt.Sprintf(" in draft %d", version)
	}
	audit := balai.AuditEntry{At: now, Actor: actor.ID, Action: "unanswered_" + string(action), Target: "unanswered:" + c.ID, Detail: detail}
	return s.st.MarkUnanswered(ctx, marks, audit)
}

// Dismiss hides the questions of t until their cluster grows by GrowBy new ones.
func (s *Service) Dismiss(ctx context.Context, actor balai.Officer, t Target) error {
	if err := mayEdit(actor); err != nil {
		return fmt.Errorf("unanswered: dismiss: %w", err)
	}
	c, qs, err := s.selected(ctx, t)
	if err != nil {
		return fmt.Errorf("unanswered: dismiss: %w", err)
	}
	if err := s.mark(ctx, actor, c, qs, balai.MarkDismissed, "", 0); err != nil {
		return fmt.Errorf("unanswered: dismiss: %w", err)
	}
	return nil
}

// OutOfScope settles the questions of t as nothing the corpus should answer; they are
// exported as out-of-scope examples.
func (s *Service) OutOfScope(ctx context.Context, actor balai.Officer, t Target) error {
	if err := mayEdit(actor); err != nil {
		return fmt.Errorf("unanswered: out of scope: %w", err)
	}
	c, qs, err := s.selected(ctx, t)
	if err != nil {
		return fmt.Errorf("unanswered: out of scope: %w", err)
	}
	if err := s.mark(ctx, actor, c, qs, balai.MarkOutOfScope, "", 0); err != nil {
		return fmt.Errorf("unanswered: out of scope: %w", err)
	}
	return nil
}

// draft returns the draft the actor's changes go to: draft (when not 0), else the actor's
// newest draft, else a new draft copied from the published version with note.
func (s *Service) draft(ctx context.Context, actor balai.Officer, draft int64, note string) (int64, error) {
	if s.corpus == nil {
		return 0, ErrNoCorpus
	}
	if draft != 0 {
		return draft, nil
	}
	vs, err := s.corpus.History(ctx, 200)
	if err != nil {
		return 0, err
	}
	for _, v := range vs { // newest first
		if v.State == balai.CorpusDraft && v.Author == actor.ID {
			return v.ID, nil
		}
	}
	v, err := s.corpus.NewDraft(ctx, actor, 0, note)
	if err != nil {
		return 0, err
	}
	return v.ID, nil
}

// PhrasingRequest adds a question as a phrasing of an entry.
type PhrasingRequest struct {
	Target
	EntryID string
	// Phrasing is the text added to the entry's questions (default: the newest selected
	// question's masked text).
	Phrasing string
	Draft    int64  // the draft to change; 0: the actor's newest draft, else a new one
	Note     string // the new draft's note
}

// AddPhrasing adds the phrasing to the entry in a draft (which then goes through review)
// and settles the questions as asking that entry. It returns the draft's id.
func (s *Service) AddPhrasing(ctx context.Context, actor balai.Officer, r PhrasingRequest) (int64, []corpusdb.Problem, error) {
	if err := mayEdit(actor); err != nil {
		return 0, nil, fmt.Errorf("unanswered: add phrasing: %w", err)
	}
	c, qs, err := s.selected(ctx, r.Target)
	if err != nil {
		return 0, nil, fmt.Errorf("unanswered: add phrasing: %w", err)
	}
	if len(qs) == 0 {
		return 0, nil, fmt.Errorf("unanswered: add phrasing: %w", ErrEmpty)
	}
	phrasing := strings.TrimSpace(redact.String(r.Phrasing))
	if phrasing == "" {
		phrasing = qs[len(qs)-1].Text
	}
	id, err := s.draft(ctx, actor, r.Draft, r.Note)
	if err != nil {
		return 0, nil, fmt.Errorf("unanswered: add phrasing: %w", err)
	}
	corp, _, err := s.corpus.Load(ctx, id)
	if err != nil {
		return 0, nil, fmt.Errorf("unanswered: add phrasing: %w", err)
	}
	en, ok := corp.Entry(r.EntryID)
	if !ok {
		return 0, nil, fmt.Errorf("unanswered: add phrasing: %q: %w", r.EntryID, ErrNoEntry)
	}
	e := *en
	e.Questions = slices.Clone(en.Questions)
	if !slices.ContainsFunc(e.Questions, func(q string) bool { return strings.EqualFold(strings.TrimSpace(q), phrasing) }) {
		e.Questions = append(e.Questions, phrasing)
	}
	ps, err := s.corpus.UpdateEntry(ctx, actor, id, &e)
	if err != nil {
		return id, ps, fmt.Errorf("unanswered: add phrasing: %w", err)
	}
	if err := s.mark(ctx, actor, c, qs, balai.MarkPhrasing, r.EntryID, id); err != nil {
		return id, ps, fmt.Errorf("unanswered: add phrasing: %w", err)
	}
	return id, ps, nil
}

// Prefill returns a new entry drafted from a cluster: its questions' distinct texts as the
// phrasings, the newest as the title, the officers' newest reply as the body, the tickets'
// category, dated today. The editor completes it before CreateEntry.
func (s *Service) Prefill(c Cluster) *faq.Entry {
	e := &faq.Entry{Lang: "id", Category: c.Category, Updated: s.now().UTC().Truncate(24 * time.Hour)}
	for _, q := range c.Examples {
		e.Questions = append(e.Questions, q.Text)
	}
	if len(e.Questions) > 0 {
		e.Title = e.Questions[0]
	}
	if len(c.Answers) > 0 {
		e.Body = c.Answers[0]
	}
	e.ID = faq.Slug(strings.Join(c.Terms, " "))
	return e
}

// EntryRequest creates an entry from a cluster.
type EntryRequest struct {
	Target
	Entry *faq.Entry
	Draft int64
	Note  string
}

// CreateEntry adds the entry to a draft (which then goes through review) and settles the
// questions as answered by it. On validation errors nothing changes and the error wraps a
// *corpusdb.EntryError. It returns the draft's id.
func (s *Service) CreateEntry(ctx context.Context, actor balai.Officer, r EntryRequest) (int64, []corpusdb.Problem, error) {
	if err := mayEdit(actor); err != nil {
		return 0, nil, fmt.Errorf("unanswered: create entry: %w", err)
	}
	c, qs, err := s.selected(ctx, r.Target)
	if err != nil {
		return 0, nil, fmt.Errorf("unanswered: create entry: %w", err)
	}
	id, err := s.draft(ctx, actor, r.Draft, r.Note)
	if err != nil {
		return 0, nil, fmt.Errorf("unanswered: create entry: %w", err)
	}
	ps, err := s.corpus.UpdateEntry(ctx, actor, id, r.Entry)
	if err != nil {
		return id, ps, fmt.Errorf("unanswered: create entry: %w", err)
	}
	if err := s.mark(ctx, actor, c, qs, balai.MarkNewEntry, r.Entry.ID, id); err != nil {
		return id, ps, fmt.Errorf("unanswered: create entry: %w", err)
	}
	return id, ps, nil
}

// Label is one labelled example of the eval export.
type Label struct {
	Q      string   `json:"q"`
	Expect []string `json:"expect"` // nil: out of scope
	Kind   string   `json:"kind"`
}

// Labels returns the labelled examples: tickets closed as answered by an entry, questions
// added as a phrasing or answered by a new entry (expect that entry), questions marked out
// of scope (expect nothing). Texts are masked; a question labelled twice keeps its latest
// label, and a text appears once per label.
func (s *Service) Labels(ctx context.Context) ([]Label, error) {
	tickets, err := s.st.EntryResolvedTickets(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("unanswered: labels: %w", err)
	}
	marks, err := s.st.UnansweredMarks(ctx, balai.MarkOutOfScope, balai.MarkPhrasing, balai.MarkNewEntry)
	if err != nil {
		return nil, fmt.Errorf("unanswered: labels: %w", err)
	}
	type item struct {
		at  time.Time
		ref string
		l   Label
	}
	var items []item
	for _, t := range tickets {
		if _, ok := marks[t.Ref]; ok {
			continue // an editor's later label wins
		}
		items = append(items, item{t.At, t.Ref, Label{Q: redact.String(t.Text), Expect: []string{t.EntryID}, Kind: "ticket"}})
	}
	for _, m := range marks {
		l := Label{Q: redact.String(m.Question), Kind: string(m.Action)}
		if m.Action == balai.MarkOutOfScope {
			l.Kind = "out-of-scope"
		} else {
			l.Expect = []string{m.EntryID}
		}
		items = append(items, item{m.At, m.Ref, l})
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.ref, b.ref)
	})
	seen := map[string]bool{}
	var out []Label
	for _, it := range items {
		if strings.TrimSpace(it.l.Q) == "" {
			continue
		}
		k := strings.ToLower(strings.Join(strings.Fields(it.l.Q), " ")) + "\x00" + strings.Join(it.l.Expect, ",")
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, it.l)
	}
	return out, nil
}

// Export writes the labelled examples as an eval file (JSON Lines, as balai eval --cases
// and balai calibrate --cases read it) and returns how many it wrote.
func (s *Service) Export(ctx context.Context, w io.Writer) (int, error) {
	ls, err := s.Labels(ctx)
	if err != nil {
		return 0, err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, l := range ls {
		if err := enc.Encode(l); err != nil {
			return 0, fmt.Errorf("unanswered: export: %w", err)
		}
	}
	return len(ls), nil
}
