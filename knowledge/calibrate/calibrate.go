// Package calibrate fits Balai's confidence model and answer threshold to labelled
// questions: a logistic regression from a candidate's features to "this candidate answers
// the question", and the threshold with the most right answers within limits on wrong
// answers and out-of-scope questions answered.
//
// Balai must abstain honestly on corpora it has not seen, small or large, so the data come
// from every corpus given and from random sub-corpora of each (shares of its size): a
// question whose entry is not in a sub-corpus becomes an out-of-scope question there — the
// hardest kind, since its entry's siblings are still present. Figures are cross-validated
// with folds by answering entry, so a fold's entries and their paraphrases are never in the
// data the fold is measured with. The fit is deterministic: the same data give the same
// calibration, which is how CI checks that the shipped one is reproducible.
package calibrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/knowledge/eval"
)

// Set is one corpus with its labelled questions.
type Set struct {
	Corpus *faq.Corpus
	Cases  []eval.Case
	// Info is how the set is recorded in the calibration (corpus path, case files).
	Info knowledge.FitSet
}

// Options say how to fit.
type Options struct {
	// SubSizes are the sub-corpus sizes as shares of each corpus (0 < share < 1); Samples
	// sub-corpora of each size are drawn with Seed.
	SubSizes []float64
	Samples  int
	Seed     uint64
	// L2 regularises every weight but the bias. With several values in L2Grid, the one with
	// the best cross-validated figures (right answers, less two per wrong answer) is chosen
	// (L2 is then ignored).
	L2     float64
	L2Grid []float64
	// Folds of cross-validation (≥ 2).
	Folds int
	// MaxWrong and MaxOOS bound the answer threshold (percent of in-scope / out-of-scope
	// questions, over all corpora).
	MaxWrong, MaxOOS float64
	// Base is the calibration in use: its figures are the "before", its thresholds other
	// than the answer threshold are kept.
	Base knowledge.Calibration
	// Now judges review dates.
	Now time.Time
	// Progress, if set, is told what is being done.
	Progress func(msg string)
}

// The fewest labelled questions of the main set a calibration is fitted on: questions an
// entry answers, and questions no entry may answer.
const (
	MinInScope    = 50
	MinOutOfScope = 10
)

// DefaultOptions are the settings of the shipped calibration.
func DefaultOptions() Options {
	return Options{
		SubSizes: []float64{0.07, 0.11, 0.16, 0.27, 0.44, 0.66},
		Samples:  6, Seed: 7, Folds: 5, MaxWrong: 3, MaxOOS: 5,
		L2Grid: []float64{0.01, 0.003, 0.001, 0.0003},
		Base:   knowledge.DefaultCalibration(),
	}
}

// Report is what a fit measured, and the calibration it produced.
type Report struct {
	Questions int // labelled questions over all sets
	Corpora   int // corpora asked: the sets and their sub-corpora
	Rows      int // candidate rows the model was fitted on

	// Before: the base calibration on the main set's corpus (in-sample if it was fitted on it).
	Before eval.Metrics
	// CrossValidated: the new fit on the main set's corpus, each question measured by a
	// model and threshold fitted without its entry's questions. CrossValidatedAll adds every
	// other corpus asked.
	CrossValidated, CrossValidatedAll eval.Metrics
	// InSample: the final fit on the main set's corpus, the data it was fitted on.
	InSample eval.Metrics
	// BySize: cross-validated figures per corpus size.
	BySize []SizeRow
	// Grid: cross-validated figures on the full corpora per L2 tried; the best is used.
	Grid []GridRow

	Calibration knowledge.Calibration
}

// GridRow is the cross-validated figures with one regularisation.
type GridRow struct {
	L2      float64
	Metrics eval.Metrics
}

// SizeRow is the cross-validated figures on corpora of one size.
type SizeRow struct {
	Set     int // index of the set in Run's sets
	Entries int
	Corpora int
	Metrics eval.Metrics
}

// sample is one question asked of one corpus.
type sample struct {
	fold    int
	set     int  // which set it belongs to (0: the main one)
	corpus  int  // which corpus it was asked of
	entries int  // corpus size
	full    bool // asked of a whole set's corpus
	out     eval.Outcome
}

// Run collects the data, cross-validates, fits on everything and returns the report.
func Run(ctx context.Context, sets []Set, opts Options) (*Report, error) {
	if opts.Folds < 2 {
		return nil, errors.New("calibrate: at least 2 folds")
	}
	if len(sets) == 0 {
		return nil, errors.New("calibrate: no labelled questions")
	}
	if opts.Now.IsZero() {
		return nil, errors.New("calibrate: no date to judge review dates (Options.Now)")
	}
	var in, out int
	for _, c := range sets[0].Cases {
		if c.InScope() {
			in++
		} else {
			out++
		}
	}
	if in < MinInScope || out < MinOutOfScope {
		return nil, fmt.Errorf("calibrate: %d questions an entry answers and %d it must not answer; at least %d and %d are needed to fit and measure honestly", in, out, MinInScope, MinOutOfScope)
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	data, corpora, questions, err := collect(ctx, sets, opts, progress)
	if err != nil {
		return nil, err
	}
	rep := &Report{Questions: questions, Corpora: corpora}

	base := opts.Base.Thresholds
	rep.Before = measure(data, opts.Base.Model, base, opts.Now, mainFull)

	grid := opts.L2Grid
	if len(grid) == 0 {
		grid = []float64{opts.L2}
	}
	var cv []sample
	for _, l2 := range grid {
		progress(fmt.Sprintf("cross-validating with L2 %g", l2))
		got, err := crossValidate(data, l2, opts)
		if err != nil {
			return nil, err
		}
		m := eval.Measure(outcomes(got, mainFull))
		rep.Grid = append(rep.Grid, GridRow{L2: l2, Metrics: m})
		if cv == nil || gridScore(m) > gridScore(rep.CrossValidated) {
			cv, rep.CrossValidated, opts.L2 = got, m, l2
		}
	}
	rep.CrossValidatedAll = eval.Measure(outcomes(cv, func(sample) bool { return true }))
	rep.BySize = bySize(cv)

	progress("fitting on all questions")
	m, rows, err := fit(data, opts.L2)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	rep.Rows = rows
	m = roundModel(m) // the file keeps four decimals: choose with the weights it will hold
	th, ok := chooseThresholds(data, m, opts)
	if !ok {
		return nil, fmt.Errorf("calibrate: no answer threshold keeps wrong answers within %.1f%% and out-of-scope questions answered within %.1f%%; label more questions, or allow more (--max-wrong, --max-oos-answered)", opts.MaxWrong, opts.MaxOOS)
	}
	rep.InSample = measure(data, m, th, opts.Now, mainFull)

	info := knowledge.FitInfo{SubSizes: opts.SubSizes, Samples: opts.Samples, Seed: opts.Seed, L2: opts.L2, L2Grid: opts.L2Grid,
		Folds: opts.Folds, MaxWrong: opts.MaxWrong, MaxOOS: opts.MaxOOS, At: opts.Now.Format(faq.DateLayout),
		Entries: len(sets[0].Corpus.Entries),
		CrossValidated: map[string]float64{
			"correct_pct":      round1(rep.CrossValidated.Correct),
			"wrong_pct":        round1(rep.CrossValidated.Wrong),
			"oos_answered_pct": round1(rep.CrossValidated.OOSAnswered),
			"resolved_pct":     round1(rep.CrossValidated.Resolved),
		}}
	for _, s := range sets {
		info.Sets = append(info.Sets, s.Info)
	}
	rep.Calibration = knowledge.Calibration{Model: m, Thresholds: th, Fit: info}
	return rep, nil
}

// mainFull keeps the main set's questions asked of its full corpus: the corpus to be served.
func mainFull(s sample) bool { return s.full && s.set == 0 }

// gridScore ranks regularisations: right answers, a wrong answer costing two (a wrong
// answer is worse than a handover to an officer).
func gridScore(m eval.Metrics) float64 { return m.Correct - 2*m.Wrong }

// crossValidate measures every question with a model and threshold fitted without its fold.
func crossValidate(data []sample, l2 float64, opts Options) ([]sample, error) {
	cv := make([]sample, 0, len(data))
	for k := 0; k < opts.Folds; k++ {
		var train, test []sample
		for _, s := range data {
			if s.fold == k {
				test = append(test, s)
			} else {
				train = append(train, s)
			}
		}
		m, _, err := fit(train, l2)
		if err != nil {
			return nil, fmt.Errorf("calibrate: fold %d: %w", k+1, err)
		}
		th, _ := chooseThresholds(train, m, opts)
		cv = append(cv, decided(test, m, th, opts.Now)...)
	}
	return cv, nil
}

// collect asks every set's questions of its corpus and of its sub-corpora.
func collect(ctx context.Context, sets []Set, opts Options, progress func(string)) ([]sample, int, int, error) {
	var data []sample
	corpora, questions := 0, 0
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	for si, set := range sets {
		n := len(set.Corpus.Entries)
		folds := foldsOf(set.Corpus, set.Cases, opts.Folds, si)
		questions += len(set.Cases)
		ask := func(c *faq.Corpus, full bool) error {
			corpora++
			progress(fmt.Sprintf("asking %d questions of %d entries", len(set.Cases), len(c.Entries)))
			outs, err := askAll(ctx, c, set.Cases, opts.Now)
			if err != nil {
				return err
			}
			for i, o := range outs {
				data = append(data, sample{fold: folds[i], set: si, corpus: corpora, entries: len(c.Entries), full: full, out: o})
			}
			return nil
		}
		if err := ask(set.Corpus, true); err != nil {
			return nil, 0, 0, err
		}
		seen := map[int]bool{}
		for _, share := range opts.SubSizes {
			size := max(5, int(math.Round(share*float64(n))))
			if size >= n || seen[size] {
				continue
			}
			seen[size] = true
			for k := 0; k < opts.Samples; k++ {
				perm := permutation(rng, n)
				sub := make([]*faq.Entry, 0, size)
				for _, i := range perm[:size] {
					sub = append(sub, set.Corpus.Entries[i])
				}
				c, err := faq.NewCorpus(sub, set.Corpus.Extras)
				if err != nil {
					return nil, 0, 0, fmt.Errorf("calibrate: sub-corpus: %w", err)
				}
				if err := ask(c, false); err != nil {
					return nil, 0, 0, err
				}
			}
		}
	}
	return data, corpora, questions, nil
}

// foldsOf puts the questions of one group of entries in one fold (hashed), and
// out-of-scope questions round robin. Entries named together in a question's expect list,
// and entries with the same answer (duplicates), form one group: no fold is measured on an
// entry whose twin the fit has seen.
func foldsOf(c *faq.Corpus, cases []eval.Case, folds, set int) []int {
	parent := map[string]string{}
	var find func(string) string
	find = func(id string) string {
		p, ok := parent[id]
		if !ok || p == id {
			parent[id] = id
			return id
		}
		r := find(p)
		parent[id] = r
		return r
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			// The smaller id is the group's name, so the fold does not depend on order.
			if rb < ra {
				ra, rb = rb, ra
			}
			parent[rb] = ra
		}
	}
	byAnswer := map[string]string{}
	for _, e := range c.Entries {
		body := strings.Join(strings.Fields(e.Body), " ")
		if first, ok := byAnswer[body]; ok {
			union(first, e.ID)
		} else {
			byAnswer[body] = e.ID
		}
	}
	for _, cs := range cases {
		for _, id := range cs.Expect[min(1, len(cs.Expect)):] {
			union(cs.Expect[0], id)
		}
	}
	out := make([]int, len(cases))
	for i, cs := range cases {
		if len(cs.Expect) == 0 {
			out[i] = (i + set) % folds
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(find(cs.Expect[0])))
		out[i] = int(h.Sum32() % uint32(folds))
	}
	return out
}

// askAll asks every case of an in-memory index over c. A case whose entries are not in c
// is out of scope there.
func askAll(ctx context.Context, c *faq.Corpus, cases []eval.Case, now time.Time) ([]eval.Outcome, error) {
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now }})
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	defer ix.Close()
	local := make([]eval.Case, len(cases))
	for i, cs := range cases {
		local[i] = cs
		local[i].Expect = nil
		for _, id := range cs.Expect {
			if _, ok := c.Entry(id); ok {
				local[i].Expect = append(local[i].Expect, id)
			}
		}
	}
	return eval.Run(ctx, ix, func(string) bool { return true }, local)
}

// scored reports whether the outcome has candidates the model scores. Questions an
// always-human topic escalates have them too (the topic may yield to an entry asked the
// same way) and are fitted on; refusals, small talk and messages without content are not
// searched.
func scored(o eval.Outcome) bool {
	switch o.Result.Reason {
	case knowledge.ReasonRefused, knowledge.ReasonSmallTalk, knowledge.ReasonNoContent:
		return false
	}
	return len(o.Result.Candidates) > 0
}

// rowsPerQuestion candidates of each question are fitted on: the answering entry, when it
// is a candidate at all, is nearly always among them.
const rowsPerQuestion = 5

// trainingRows are the model's inputs and labels: the rowsPerQuestion best candidates of
// each scored question by ranking score, which the model does not change (so the data do
// not depend on the calibration in use when they were asked), labelled 1 when the candidate
// answers the question.
func trainingRows(data []sample) (xs [][]float64, ys []float64) {
	for _, s := range data {
		if !scored(s.out) {
			continue
		}
		cands := slices.Clone(s.out.Result.Candidates)
		slices.SortStableFunc(cands, func(a, b knowledge.Candidate) int {
			return cmp.Compare(b.Features.Score, a.Features.Score)
		})
		for _, c := range cands[:min(rowsPerQuestion, len(cands))] {
			xs = append(xs, knowledge.Inputs(c.Features))
			y := 0.0
			if slices.Contains(s.out.Case.Expect, c.Entry.ID) {
				y = 1
			}
			ys = append(ys, y)
		}
	}
	return xs, ys
}

// fit fits the logistic regression by Newton's method (iteratively reweighted least
// squares) to convergence, so the result does not depend on a step size or iteration count.
func fit(data []sample, l2 float64) (knowledge.Model, int, error) {
	xs, ys := trainingRows(data)
	if len(xs) == 0 {
		return knowledge.Model{}, 0, errors.New("no scored questions")
	}
	n := len(knowledge.InputNames)
	w := make([]float64, n)
	loss := func(w []float64) float64 {
		var l float64
		for i, x := range xs {
			z := dot(w, x)
			// log(1+e^z) - y z, stable for large |z|
			l += math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) - ys[i]*z
		}
		l /= float64(len(xs))
		for k := 1; k < n; k++ {
			l += l2 / 2 * w[k] * w[k]
		}
		return l
	}
	cur := loss(w)
	for iter := 0; iter < 100; iter++ {
		g := make([]float64, n)
		h := make([][]float64, n)
		for k := range h {
			h[k] = make([]float64, n)
		}
		for i, x := range xs {
			p := sigmoid(dot(w, x))
			d, v := p-ys[i], p*(1-p)
			for a := 0; a < n; a++ {
				g[a] += d * x[a]
				va := v * x[a]
				for b := 0; b <= a; b++ {
					h[a][b] += va * x[b]
				}
			}
		}
		inv := 1 / float64(len(xs))
		for a := 0; a < n; a++ {
			g[a] *= inv
			for b := 0; b <= a; b++ {
				h[a][b] *= inv
				h[b][a] = h[a][b]
			}
			if a > 0 {
				g[a] += l2 * w[a]
				h[a][a] += l2
			} else {
				h[a][a] += 1e-9
			}
		}
		step, err := solve(h, g)
		if err != nil {
			return knowledge.Model{}, 0, err
		}
		// Damped step: halve until the loss does not rise.
		t := 1.0
		var next []float64
		var nl float64
		for {
			next = make([]float64, n)
			for k := range w {
				next[k] = w[k] - t*step[k]
			}
			nl = loss(next)
			if nl <= cur+1e-15 || t < 1e-6 {
				break
			}
			t /= 2
		}
		w, cur = next, nl
		if maxAbs(step)*t < 1e-10 {
			break
		}
	}
	return knowledge.Model{Weights: w}, len(xs), nil
}

// solve solves h x = g for a symmetric positive definite h (Cholesky).
func solve(h [][]float64, g []float64) ([]float64, error) {
	n := len(g)
	l := make([][]float64, n)
	for i := range l {
		l[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			s := h[i][j]
			for k := 0; k < j; k++ {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if s <= 0 {
					return nil, errors.New("model inputs are degenerate (Hessian not positive definite)")
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		s := g[i]
		for k := 0; k < i; k++ {
			s -= l[i][k] * y[k]
		}
		y[i] = s / l[i][i]
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < n; k++ {
			s -= l[k][i] * x[k]
		}
		x[i] = s / l[i][i]
	}
	return x, nil
}

// decided returns copies of the samples re-scored with m and decided with th.
func decided(data []sample, m knowledge.Model, th knowledge.Thresholds, now time.Time) []sample {
	out := make([]sample, len(data))
	for i, s := range data {
		r := *s.out.Result
		r.Candidates = slices.Clone(r.Candidates)
		if scored(s.out) {
			m.Rescore(&r)
		}
		knowledge.Decide(&r, th, now)
		out[i] = s
		out[i].out.Result = &r
	}
	return out
}

func outcomes(data []sample, keep func(sample) bool) []eval.Outcome {
	var outs []eval.Outcome
	for _, s := range data {
		if keep(s) {
			outs = append(outs, s.out)
		}
	}
	return outs
}

func measure(data []sample, m knowledge.Model, th knowledge.Thresholds, now time.Time, keep func(sample) bool) eval.Metrics {
	return eval.Measure(outcomes(decided(data, m, th, now), keep))
}

// chooseThresholds rescores data with m once and chooses the answer threshold, then the
// suggest threshold; ok is false when no answer threshold keeps the limits.
func chooseThresholds(data []sample, m knowledge.Model, opts Options) (th knowledge.Thresholds, ok bool) {
	rescored := decided(data, m, opts.Base.Thresholds, opts.Now)
	th = opts.Base.Thresholds
	th.Answer, ok = chooseThreshold(rescored, th, opts)
	th = fixSuggest(th)
	th.Suggest = chooseSuggest(rescored, th, opts)
	return th, ok
}

// chooseThreshold returns the answer threshold, and whether any keeps the limits: the one with the most right answers over all of
// data's corpora while wrong answers and out-of-scope questions answered stay within the
// limits both over all corpora and on the main set's full corpus — the corpus that will be
// served (a threshold right on average but wrong on that corpus is not right). Other sets
// add data for the model; their corpora have their own thresholds.
func chooseThreshold(rescored []sample, base knowledge.Thresholds, opts Options) (float64, bool) {
	all := outcomes(rescored, func(sample) bool { return true })
	var main []eval.Outcome
	for _, s := range rescored {
		if s.full && s.set == 0 {
			main = append(main, s.out)
		}
	}
	within := func(mt eval.Metrics) bool {
		return mt.Wrong <= opts.MaxWrong && mt.OOSAnswered <= opts.MaxOOS
	}
	best, bestCorrect := 0.95, -1.0
	for i := 20; i <= 95; i++ {
		t := float64(i) / 100
		th := base
		th.Answer = t
		th = fixSuggest(th)
		for _, o := range all {
			knowledge.Decide(o.Result, th, opts.Now)
		}
		mt := eval.Measure(all)
		// Among thresholds answering as many right, the higher one answers no more wrong.
		if within(mt) && within(eval.Measure(main)) && mt.Correct >= bestCorrect {
			best, bestCorrect = t, mt.Correct
		}
	}
	return best, bestCorrect >= 0
}

// suggestSlack is how many points of resolved questions the suggest threshold may give up
// to offer fewer suggestions to questions the corpus cannot answer.
const suggestSlack = 1.0

// chooseSuggest returns the suggest threshold: the highest (0.01 to 0.10) whose in-scope
// questions resolved (answered right, or their entry offered) are within suggestSlack
// points of the most any of them resolves. A suggestion costs the citizen a tap, an
// escalation costs an officer's time, so low thresholds are cheap — but not free for
// questions no entry answers.
func chooseSuggest(rescored []sample, th knowledge.Thresholds, opts Options) float64 {
	outs := outcomes(rescored, func(sample) bool { return true })
	resolved := map[int]float64{}
	bestR := -1.0
	for i := 1; i <= 10; i++ {
		t := th
		t.Suggest = min(float64(i)/100, t.Answer)
		for _, o := range outs {
			knowledge.Decide(o.Result, t, opts.Now)
		}
		resolved[i] = eval.Measure(outs).Resolved
		bestR = max(bestR, resolved[i])
	}
	for i := 10; i >= 1; i-- {
		if resolved[i] >= bestR-suggestSlack {
			return min(float64(i)/100, th.Answer)
		}
	}
	return th.Suggest
}

func roundModel(m knowledge.Model) knowledge.Model {
	w := make([]float64, len(m.Weights))
	for i, x := range m.Weights {
		w[i] = math.Round(x*1e4) / 1e4
	}
	return knowledge.Model{Weights: w}
}

func fixSuggest(th knowledge.Thresholds) knowledge.Thresholds {
	if th.Suggest > th.Answer {
		th.Suggest = th.Answer
	}
	return th
}

func bySize(data []sample) []SizeRow {
	type key struct{ set, entries int }
	groups := map[key][]sample{}
	var keys []key
	for _, s := range data {
		k := key{s.set, s.entries}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], s)
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.set, b.set), cmp.Compare(a.entries, b.entries)) })
	var rows []SizeRow
	for _, k := range keys {
		g := groups[k]
		corpora := map[int]bool{}
		for _, s := range g {
			corpora[s.corpus] = true
		}
		rows = append(rows, SizeRow{Set: k.set, Entries: k.entries, Corpora: len(corpora), Metrics: eval.Measure(outcomes(g, func(sample) bool { return true }))})
	}
	return rows
}

// permutation shuffles 0..n-1 (Fisher–Yates) from the generator's raw output, whose
// sequence PCG defines, so sub-corpora are the same with every Go release.
func permutation(rng *rand.Rand, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(rng.Uint64() % uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func dot(w, x []float64) float64 {
	var z float64
	for i := range w {
		z += float64(w[i] * x[i]) // no fused multiply-add: the same sums on every machine
	}
	return z
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
