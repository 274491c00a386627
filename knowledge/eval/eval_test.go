package eval_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/knowledge/eval"
)

// Product targets, as in README § Evaluation and the CI gate (.ci/run): correct answers at
// least 85 % of in-scope questions, wrong answers at most 3 %, out-of-scope questions
// answered at most 5 %.
const (
	minCorrect     = 85
	maxWrong       = 3
	maxOOSAnswered = 5
)

// reviewDay is when the default corpus is judged: its entries are fresh then (updated
// 2026-11-26, review_by 2027-11-30), and it is the day the CI gate judges them (--at), so
// the decisions do not change with the date the test runs.
var reviewDay = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// TestDefaultThresholdsKeepTargets asks the default corpus, with the default thresholds,
// questions the CI gate's set (testdata/eval/cases.jsonl) does not contain: the development
// set and a set of out-of-scope questions close to entries. Balai must stay within the
// product's targets on both; a lower answer threshold answers questions nobody wrote an
// entry for, and this test fails in `go test ./...`, not only in the eval gate.
func TestDefaultThresholdsKeepTargets(t *testing.T) {
	c, ps, err := knowledge.LoadCorpus("")
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	ix, err := knowledge.Open(context.Background(), c, knowledge.Options{
		Thresholds: knowledge.DefaultThresholds(),
		Now:        func() time.Time { return reviewDay },
		Logger:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	has := func(id string) bool { _, ok := ix.Corpus().Entry(id); return ok }

	for _, tt := range []struct {
		name, file string
		targets    eval.Targets
	}{
		{"dev", "../../testdata/eval/dev.jsonl", eval.NewTargets(minCorrect, maxWrong, maxOOSAnswered)},
		{"near-miss", "testdata/oos-near-miss.jsonl", eval.NewTargets(-1, -1, maxOOSAnswered)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cases, err := eval.ReadCases(tt.file, f)
			if err != nil {
				t.Fatal(err)
			}
			outs, err := eval.Run(context.Background(), ix, has, cases)
			if err != nil {
				t.Fatal(err)
			}
			m := eval.Measure(outs)
			if m.OOS < 10 {
				t.Fatalf("%s has %d out-of-scope questions: too few to measure a rate", tt.file, m.OOS)
			}
			for _, o := range outs {
				if o.Result.Reason == knowledge.ReasonStale {
					t.Fatalf("%s:%d: entry %s is stale on %s: the test must judge a fresh corpus",
						tt.file, o.Case.Line, o.Result.Stale.ID, reviewDay.Format(time.DateOnly))
				}
			}
			t.Logf("%d cases: correct %.1f%%, wrong %.1f%% of %d in scope; out of scope answered %.1f%% of %d",
				m.Cases, m.Correct, m.Wrong, m.InScope, m.OOSAnswered, m.OOS)
			if miss := tt.targets.Check(m); len(miss) > 0 {
				t.Errorf("default thresholds (answer %.2f) miss the product's targets on %s: %s\n%s",
					ix.Thresholds().Answer, tt.file, strings.Join(miss, "; "), misjudged(outs))
			}
		})
	}
}

// misjudged lists the answers that count against the targets: wrong answers and answered
// out-of-scope questions, with the entry and confidence.
func misjudged(outs []eval.Outcome) string {
	var b strings.Builder
	for _, o := range outs {
		v := eval.Verdict(o)
		if v != eval.Wrong && v != eval.OOSAnswered {
			continue
		}
		top, _ := o.Result.Top()
		fmt.Fprintf(&b, "  line %d %s: answered %s (confidence %.2f): %q\n", o.Case.Line, v, top.Entry.ID, top.Confidence, o.Case.Q)
	}
	return b.String()
}
