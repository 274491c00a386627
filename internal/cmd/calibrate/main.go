// Command calibrate fits the confidence model of package knowledge: a logistic regression
// from candidate features to "this candidate answers the question".
//
// Balai must abstain honestly on corpora it has never seen, small or large, so the training
// data comes from many corpora: the default corpus and random sub-corpora of it (6 to 60
// entries). A labelled question whose entry is not in a sub-corpus becomes an out-of-scope
// question there — the hardest kind, since its entry's neighbours are still present.
//
//	go run ./internal/cmd/calibrate -cases testdata/eval/dev.jsonl,testdata/eval/cases.jsonl
//
// It prints cross-validated metrics (folds by question, so no question is in both training
// and test), metrics on the full corpus at the answer threshold, and the weights for
// knowledge.DefaultModel.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/knowledge/eval"
)

// sample is one question asked of one corpus: each candidate's inputs and whether it answers.
type sample struct {
	question int // index of the question, for folds
	size     int // corpus size
	inScope  bool
	scored   bool // false: decided before scoring (topic, small talk) — never answered
	x        [][]float64
	y        []bool
}

func main() {
	casesFlag := flag.String("cases", "testdata/eval/dev.jsonl,testdata/eval/cases.jsonl", "labelled questions, comma-separated files")
	sizesFlag := flag.String("sizes", "6,10,15,25,40,60", "sub-corpus sizes")
	samples := flag.Int("samples", 6, "sub-corpora per size")
	l2 := flag.Float64("l2", 0.01, "L2 regularisation")
	iters := flag.Int("iters", 3000, "gradient steps")
	maxWrong := flag.Float64("max-wrong", 3, "wrong answers allowed, % of in-scope")
	maxOOS := flag.Float64("max-oos", 5, "out-of-scope answered allowed, %")
	folds := flag.Int("folds", 5, "cross-validation folds")
	flag.Parse()

	base, ps, err := faq.LoadDefault()
	if err != nil || ps.Err() != nil {
		fail(fmt.Errorf("default corpus: %v %v", err, ps.Err()))
	}
	var cases []eval.Case
	for _, f := range strings.Split(*casesFlag, ",") {
		fh, err := os.Open(f)
		if err != nil {
			fail(err)
		}
		cs, err := eval.ReadCases(f, fh)
		fh.Close()
		if err != nil {
			fail(err)
		}
		cases = append(cases, cs...)
	}
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fail(err)
		}
		sizes = append(sizes, n)
	}

	rng := rand.New(rand.NewPCG(7, 11))
	full := collect(base, cases, len(base.Entries))
	data := append([]sample{}, full...)
	for _, n := range sizes {
		for k := 0; k < *samples; k++ {
			perm := rng.Perm(len(base.Entries))
			var sub []*faq.Entry
			for _, i := range perm[:n] {
				sub = append(sub, base.Entries[i])
			}
			c, err := faq.NewCorpus(sub, base.Extras)
			if err != nil {
				fail(err)
			}
			data = append(data, collect(c, cases, n)...)
		}
	}
	fmt.Printf("%d samples from %d questions on %d corpora\n", len(data), len(cases), 1+len(sizes)**samples)

	// Cross-validation by question: fit on k-1 folds of questions (all corpora), choose the
	// threshold there, measure on the held-out questions.
	fold := func(s sample) int { return s.question % *folds }
	var agg, aggFull [3]float64
	var ins, oos, insFull, oosFull float64
	for k := 0; k < *folds; k++ {
		var train, test []sample
		for _, s := range data {
			if fold(s) == k {
				test = append(test, s)
			} else {
				train = append(train, s)
			}
		}
		w := fit(train, *l2, *iters)
		t, _ := bestThreshold(train, w, *maxWrong, *maxOOS)
		c, wr, o, ni, no := counts(test, w, t)
		agg[0], agg[1], agg[2], ins, oos = agg[0]+c, agg[1]+wr, agg[2]+o, ins+ni, oos+no
		var testFull []sample
		for _, s := range test {
			if s.size == len(base.Entries) {
				testFull = append(testFull, s)
			}
		}
		c, wr, o, ni, no = counts(testFull, w, t)
		aggFull[0], aggFull[1], aggFull[2], insFull, oosFull = aggFull[0]+c, aggFull[1]+wr, aggFull[2]+o, insFull+ni, oosFull+no
	}
	fmt.Printf("cross-validated, all corpora:    correct %.1f%%  wrong %.1f%%  oos answered %.1f%%\n", 100*agg[0]/ins, 100*agg[1]/ins, 100*agg[2]/oos)
	fmt.Printf("cross-validated, default corpus: correct %.1f%%  wrong %.1f%%  oos answered %.1f%%\n", 100*aggFull[0]/insFull, 100*aggFull[1]/insFull, 100*aggFull[2]/oosFull)

	w := fit(data, *l2, *iters)
	t, m := bestThreshold(data, w, *maxWrong, *maxOOS)
	fmt.Printf("all data, best threshold %.2f: correct %.1f%%  wrong %.1f%%  oos answered %.1f%%\n", t, m[0], m[1], m[2])
	fmt.Println("\nsweep (default corpus | all corpora):")
	for th := 0.35; th <= 0.801; th += 0.05 {
		c, wr, o, ni, no := counts(full, w, th)
		c2, wr2, o2, ni2, no2 := counts(data, w, th)
		fmt.Printf("  %.2f  correct %5.1f%% wrong %4.1f%% oos %4.1f%%  |  correct %5.1f%% wrong %4.1f%% oos %4.1f%%\n",
			th, 100*c/ni, 100*wr/ni, 100*o/no, 100*c2/ni2, 100*wr2/ni2, 100*o2/no2)
	}
	var parts []string
	for i, v := range w {
		parts = append(parts, fmt.Sprintf("%.3f /* %s */", v, knowledge.InputNames[i]))
	}
	fmt.Printf("\nvar DefaultModel = Model{Weights: []float64{%s}}\n", strings.Join(parts, ", "))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "calibrate:", err)
	os.Exit(1)
}

// collect asks every question of an in-memory index over c; a question is in scope when
// one of its expected entries is in c.
func collect(c *faq.Corpus, cases []eval.Case, size int) []sample {
	ix, err := knowledge.Open(context.Background(), c, knowledge.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fail(err)
	}
	defer ix.Close()
	out := make([]sample, 0, len(cases))
	for qi, cs := range cases {
		inScope := slices.ContainsFunc(cs.Expect, func(id string) bool { _, ok := c.Entry(id); return ok })
		res, err := ix.Ask(context.Background(), cs.Q)
		if err != nil {
			fail(err)
		}
		s := sample{question: qi, size: size, inScope: inScope, scored: len(res.Candidates) > 0 &&
			res.Reason != knowledge.ReasonTopic && res.Reason != knowledge.ReasonSmallTalk && res.Reason != knowledge.ReasonNoContent}
		for _, cand := range res.Candidates[:min(5, len(res.Candidates))] {
			s.x = append(s.x, knowledge.Inputs(cand.Features))
			s.y = append(s.y, inScope && slices.Contains(cs.Expect, cand.Entry.ID))
		}
		out = append(out, s)
	}
	return out
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func dot(w, x []float64) float64 {
	var z float64
	for i := range w {
		z += w[i] * x[i]
	}
	return z
}

// fit trains the logistic regression on every candidate of every scored question.
func fit(data []sample, l2 float64, iters int) []float64 {
	n := len(knowledge.InputNames)
	w := make([]float64, n)
	var xs [][]float64
	var ys []float64
	for _, s := range data {
		if !s.scored {
			continue
		}
		for i := range s.x {
			xs = append(xs, s.x[i])
			y := 0.0
			if s.y[i] {
				y = 1
			}
			ys = append(ys, y)
		}
	}
	g := make([]float64, n)
	const rate = 0.5
	for it := 0; it < iters; it++ {
		clear(g)
		for i, x := range xs {
			d := sigmoid(dot(w, x)) - ys[i]
			for k := range g {
				g[k] += d * x[k]
			}
		}
		for k := range w {
			reg := 0.0
			if k > 0 {
				reg = l2 * w[k]
			}
			w[k] -= rate * (g[k]/float64(len(xs)) + reg)
		}
	}
	return w
}

// counts returns correct, wrong and out-of-scope answers at threshold t, and the numbers of
// in-scope and out-of-scope questions.
func counts(data []sample, w []float64, t float64) (c, wr, o, ins, oos float64) {
	for _, s := range data {
		if s.inScope {
			ins++
		} else {
			oos++
		}
		if !s.scored {
			continue
		}
		best, bi := -1.0, -1
		for i, x := range s.x {
			if p := sigmoid(dot(w, x)); p > best {
				best, bi = p, i
			}
		}
		if best < t {
			continue
		}
		switch {
		case !s.inScope:
			o++
		case s.y[bi]:
			c++
		default:
			wr++
		}
	}
	return
}

// bestThreshold is the threshold with the most correct answers within the limits.
func bestThreshold(data []sample, w []float64, maxWrong, maxOOS float64) (float64, [3]float64) {
	bestT, best := 0.9, [3]float64{-1}
	for t := 0.20; t <= 0.951; t += 0.01 {
		c, wr, o, ni, no := counts(data, w, t)
		m := [3]float64{100 * c / ni, 100 * wr / ni, 100 * o / no}
		if m[1] <= maxWrong && m[2] <= maxOOS && m[0] > best[0] {
			bestT, best = t, m
		}
	}
	return bestT, best
}
