// Command calibrate fits the confidence model of package knowledge: a logistic regression
// from candidate features to "this candidate answers the question", on labelled questions
// dumped by `balai eval --dump`. It reports cross-validated metrics at the answer threshold
// chosen on the training folds, and prints the weights for knowledge.DefaultModel.
//
//	balai eval --cases testdata/eval/dev.jsonl --dump /tmp/dev.dump
//	balai eval --cases testdata/eval/cases.jsonl --dump /tmp/cases.dump
//	go run ./internal/cmd/calibrate /tmp/dev.dump /tmp/cases.dump
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/balai-id/balai/knowledge"
)

type dumpCase struct {
	Line    int    `json:"line"`
	InScope bool   `json:"in_scope"`
	Reason  string `json:"reason"`
	Cands   []struct {
		ID       string             `json:"id"`
		Expected bool               `json:"expected"`
		F        knowledge.Features `json:"f"`
	} `json:"cands"`
}

// sample is one case: the inputs of each candidate and which are right.
type sample struct {
	inScope bool
	scored  bool // false: decided before scoring (topic, small talk) — never answered
	x       [][]float64
	y       []bool
}

func main() {
	l2 := flag.Float64("l2", 0.01, "L2 regularisation")
	iters := flag.Int("iters", 4000, "gradient steps")
	maxWrong := flag.Float64("max-wrong", 3, "wrong answers allowed, % of in-scope")
	maxOOS := flag.Float64("max-oos", 5, "out-of-scope answered allowed, %")
	folds := flag.Int("folds", 5, "cross-validation folds")
	flag.Parse()
	var data []sample
	for _, p := range flag.Args() {
		s, err := read(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		data = append(data, s...)
	}
	if len(data) == 0 {
		fmt.Fprintln(os.Stderr, "usage: calibrate DUMP...")
		os.Exit(2)
	}

	// Cross-validation: fit on k-1 folds, choose the threshold there, measure on the rest.
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(len(data))
	var agg [3]float64
	var ins, oos float64
	for k := 0; k < *folds; k++ {
		var train, test []sample
		for i, j := range perm {
			if i%*folds == k {
				test = append(test, data[j])
			} else {
				train = append(train, data[j])
			}
		}
		w := fit(train, *l2, *iters)
		t, _ := bestThreshold(train, w, *maxWrong, *maxOOS)
		c, wr, o, ni, no := counts(test, w, t)
		agg[0] += c
		agg[1] += wr
		agg[2] += o
		ins += ni
		oos += no
	}
	fmt.Printf("cross-validated (%d folds): correct %.1f%%  wrong %.1f%%  oos answered %.1f%%\n",
		*folds, 100*agg[0]/ins, 100*agg[1]/ins, 100*agg[2]/oos)

	w := fit(data, *l2, *iters)
	t, m := bestThreshold(data, w, *maxWrong, *maxOOS)
	fmt.Printf("all data at answer threshold %.2f: correct %.1f%%  wrong %.1f%%  oos answered %.1f%%\n", t, m[0], m[1], m[2])
	fmt.Println("\nsweep:")
	for th := 0.30; th <= 0.901; th += 0.05 {
		c, wr, o, ni, no := counts(data, w, th)
		fmt.Printf("  %.2f  correct %5.1f%%  wrong %4.1f%%  oos answered %4.1f%%\n", th, 100*c/ni, 100*wr/ni, 100*o/no)
	}
	var parts []string
	for i, v := range w {
		parts = append(parts, fmt.Sprintf("%.3f /* %s */", v, knowledge.InputNames[i]))
	}
	fmt.Printf("\nvar DefaultModel = Model{Weights: []float64{%s}}\n", strings.Join(parts, ", "))
}

func read(path string) ([]sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var d dumpCase
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s := sample{inScope: d.InScope, scored: len(d.Cands) > 0 &&
			d.Reason != knowledge.ReasonTopic && d.Reason != knowledge.ReasonSmallTalk && d.Reason != knowledge.ReasonNoContent}
		for _, c := range d.Cands {
			s.x = append(s.x, knowledge.Inputs(c.F))
			s.y = append(s.y, d.InScope && c.Expected)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func dot(w, x []float64) float64 {
	var z float64
	for i := range w {
		z += w[i] * x[i]
	}
	return z
}

// fit trains the logistic regression on every candidate of every scored case.
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
// in-scope and out-of-scope cases.
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
