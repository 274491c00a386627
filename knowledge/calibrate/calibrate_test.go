package calibrate

import (
	"context"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/knowledge/eval"
)

var day = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// devSet is the default corpus with the development questions.
func devSet(t *testing.T) Set {
	t.Helper()
	c, ps, err := knowledge.LoadCorpus("")
	if err != nil || ps.Err() != nil {
		t.Fatalf("default corpus: %v %v", err, ps.Err())
	}
	f, err := os.Open("../../testdata/eval/dev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := eval.ReadCases("dev.jsonl", f)
	if err != nil {
		t.Fatal(err)
	}
	return Set{Corpus: c, Cases: cases, Info: knowledge.FitSet{Cases: []string{"dev.jsonl"}}}
}

func quickOptions() Options {
	o := DefaultOptions()
	o.SubSizes, o.Samples, o.Folds, o.L2Grid, o.L2 = []float64{0.2, 0.5}, 2, 3, []float64{0.01, 0.001}, 0
	o.Now = day
	return o
}

func TestRunIsDeterministic(t *testing.T) {
	set := devSet(t)
	a, err := Run(context.Background(), []Set{set}, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), []Set{set}, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Calibration.Model.Weights, b.Calibration.Model.Weights) || a.Calibration.Thresholds != b.Calibration.Thresholds {
		t.Fatalf("two fits of the same data differ:\n%v %+v\n%v %+v", a.Calibration.Model.Weights, a.Calibration.Thresholds,
			b.Calibration.Model.Weights, b.Calibration.Thresholds)
	}
	if a.Corpora != 1+2*2 || a.Questions != len(set.Cases) {
		t.Fatalf("asked %d corpora, %d questions; want 5 corpora, %d questions", a.Corpora, a.Questions, len(set.Cases))
	}
	if len(a.Grid) != 2 || (a.Calibration.Fit.L2 != 0.01 && a.Calibration.Fit.L2 != 0.001) {
		t.Fatalf("grid %+v, chosen L2 %g", a.Grid, a.Calibration.Fit.L2)
	}
	if a.CrossValidated.Cases != len(set.Cases) {
		t.Fatalf("cross-validation measured %d of %d questions on the full corpus", a.CrossValidated.Cases, len(set.Cases))
	}
}

// The answer threshold keeps the limits it is given, over every corpus asked.
func TestThresholdKeepsLimits(t *testing.T) {
	set := devSet(t)
	o := quickOptions()
	o.MaxWrong, o.MaxOOS = 0, 0
	rep, err := Run(context.Background(), []Set{set}, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.InSample.Wrong != 0 || rep.InSample.OOSAnswered != 0 {
		t.Fatalf("limits 0/0 but the fit answers wrong %.1f%%, out of scope %.1f%% at %.2f", rep.InSample.Wrong, rep.InSample.OOSAnswered, rep.Calibration.Thresholds.Answer)
	}
	loose, err := Run(context.Background(), []Set{set}, quickOptions())
	if err != nil {
		t.Fatal(err)
	}
	if loose.Calibration.Thresholds.Answer > rep.Calibration.Thresholds.Answer {
		t.Fatalf("looser limits gave a stricter threshold: %.2f > %.2f", loose.Calibration.Thresholds.Answer, rep.Calibration.Thresholds.Answer)
	}
}

// "Before" is the calibration in use, measured on the same questions.
func TestBeforeIsTheBaseCalibration(t *testing.T) {
	set := devSet(t)
	o := quickOptions()
	o.Base.Thresholds.Answer = 0.999
	rep, err := Run(context.Background(), []Set{set}, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Before.Correct > 5 {
		t.Fatalf("base answers only at 0.999, but before = %.1f%% correct", rep.Before.Correct)
	}
	if rep.CrossValidated.Correct < 50 {
		t.Fatalf("refit answers %.1f%% correct", rep.CrossValidated.Correct)
	}
}

// Newton's method stops at the optimum: the regularised loss's gradient is zero there.
func TestFitConverges(t *testing.T) {
	set := devSet(t)
	o := quickOptions()
	data, _, _, err := collect(context.Background(), []Set{set}, o, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	const l2 = 0.003
	m, rows, err := fit(data, l2)
	if err != nil {
		t.Fatal(err)
	}
	xs, ys := trainingRows(data)
	g := make([]float64, len(m.Weights))
	n := len(xs)
	for i, x := range xs {
		d := sigmoid(dot(m.Weights, x)) - ys[i]
		for k := range g {
			g[k] += d * x[k]
		}
	}
	if n != rows {
		t.Fatalf("%d rows, fit used %d", n, rows)
	}
	for k := range g {
		g[k] /= float64(n)
		if k > 0 {
			g[k] += l2 * m.Weights[k]
		}
		if math.Abs(g[k]) > 1e-6 {
			t.Fatalf("gradient of %s = %g at the fitted weights", knowledge.InputNames[k], g[k])
		}
	}
}

// A question whose entry is not in a sub-corpus is out of scope there.
func TestSubCorporaTurnQuestionsOutOfScope(t *testing.T) {
	set := devSet(t)
	orig := map[int]eval.Case{}
	for _, c := range set.Cases {
		orig[c.Line] = c
	}
	data, _, _, err := collect(context.Background(), []Set{set}, quickOptions(), func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	var oosFull, oosSub, inSub int
	for _, s := range data {
		c := s.out.Case
		switch {
		case s.full && !c.InScope():
			oosFull++
		case !s.full && !c.InScope():
			oosSub++
			for _, cand := range s.out.Result.Candidates {
				if slices.Contains(orig[c.Line].Expect, cand.Entry.ID) {
					t.Fatalf("line %d is out of scope in a sub-corpus that has its entry %s", c.Line, cand.Entry.ID)
				}
			}
		case !s.full:
			inSub++
		}
	}
	// Four sub-corpora of 20 % and 50 % of the entries: most of their questions lose their entry.
	if oosSub <= 4*oosFull || inSub == 0 {
		t.Fatalf("out of scope: %d on the full corpus, %d on sub-corpora (in scope there: %d)", oosFull, oosSub, inSub)
	}
}

func TestRunNeedsEnoughQuestions(t *testing.T) {
	set := devSet(t)
	var oos []eval.Case
	for _, c := range set.Cases {
		if !c.InScope() {
			oos = append(oos, c)
		}
	}
	set.Cases = oos
	_, err := Run(context.Background(), []Set{set}, quickOptions())
	if err == nil || !strings.Contains(err.Error(), "at least 50 and 10 are needed") {
		t.Fatalf("only out-of-scope questions: err = %v", err)
	}
}

func TestRunFailsWhenNoThresholdKeepsTheLimits(t *testing.T) {
	o := quickOptions()
	o.MaxWrong = -1
	_, err := Run(context.Background(), []Set{devSet(t)}, o)
	if err == nil || !strings.Contains(err.Error(), "no answer threshold keeps") {
		t.Fatalf("impossible limits: err = %v", err)
	}
}

// Entries named together in a question, and entries with the same answer, are measured in
// one fold: the fit never sees a twin of an entry it is measured on.
func TestFoldsKeepTwinsTogether(t *testing.T) {
	c := &faq.Corpus{Entries: []*faq.Entry{
		{ID: "a", Body: "Jawaban satu."}, {ID: "b", Body: "Jawaban  satu."}, // duplicates
		{ID: "c", Body: "Jawaban dua."}, {ID: "d", Body: "Jawaban tiga."},
		{ID: "e", Body: "Jawaban empat."},
	}}
	cases := []eval.Case{
		{Q: "1", Expect: []string{"a"}}, {Q: "2", Expect: []string{"b"}},
		{Q: "3", Expect: []string{"d", "c"}}, {Q: "4", Expect: []string{"c", "b"}},
		{Q: "5", Expect: []string{"d"}}, {Q: "6", Expect: nil},
	}
	for folds := 2; folds <= 7; folds++ {
		got := foldsOf(c, cases, folds, 0)
		for i := 1; i < 5; i++ {
			if got[i] != got[0] {
				t.Fatalf("%d folds: a, b, c and d are one group, but questions fall in folds %v", folds, got)
			}
		}
	}
	// An entry of its own gets its own hash: with many folds, e is not always with a.
	apart := false
	for folds := 2; folds <= 9; folds++ {
		cs := append(cases, eval.Case{Q: "7", Expect: []string{"e"}})
		got := foldsOf(c, cs, folds, 0)
		apart = apart || got[6] != got[0]
	}
	if !apart {
		t.Fatal("e is never in another fold than the a-b-c-d group")
	}
}

// Rescoring a result with a model and deciding it again is what Ask answers with that
// model: the calibration chooses thresholds on the decisions serve will take.
func TestRescoredDecisionsAreAsksDecisions(t *testing.T) {
	set := devSet(t)
	o := quickOptions()
	data, _, _, err := collect(context.Background(), []Set{set}, o, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	m := knowledge.Model{Weights: slices.Clone(knowledge.DefaultModel.Weights)}
	m.Weights[0] += 1.5 // a different model than the one the data were asked with
	th := knowledge.DefaultThresholds()
	var full []sample
	for _, s := range data {
		if s.full {
			full = append(full, s)
		}
	}
	before := full[0].out.Result.Candidates[0].Confidence
	re := decided(full, m, th, day)
	if full[0].out.Result.Candidates[0].Confidence != before {
		t.Fatal("decided changed the samples it was given")
	}
	ix, err := knowledge.Open(context.Background(), set.Corpus, knowledge.Options{Model: m, Thresholds: th,
		Now: func() time.Time { return day }})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, s := range re {
		res, err := ix.Ask(context.Background(), s.out.Case.Q)
		if err != nil {
			t.Fatal(err)
		}
		got := s.out.Result
		if res.Decision != got.Decision || res.Reason != got.Reason {
			t.Fatalf("%q: Ask decides %s/%s, rescored %s/%s", s.out.Case.Q, res.Decision, res.Reason, got.Decision, got.Reason)
		}
		if top, ok := res.Top(); ok && (top.Entry.ID != got.Candidates[0].Entry.ID || top.Confidence != got.Candidates[0].Confidence) {
			t.Fatalf("%q: Ask's top %s@%.3f, rescored %s@%.3f", s.out.Case.Q, top.Entry.ID, top.Confidence, got.Candidates[0].Entry.ID, got.Candidates[0].Confidence)
		}
	}
}
