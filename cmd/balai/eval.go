package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/balai-id/balai/knowledge/eval"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai eval", stderr)
	var ixf indexFlags
	ixf.register(fs)
	casesPath := fs.String("cases", "", "labelled questions `FILE.jsonl` (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sweep := fs.Bool("sweep", false, "also print the metrics across answer thresholds")
	failures := fs.Bool("failures", false, "list the cases that were not handled right")
	minCorrect := fs.Float64("min-correct", -1, "fail unless correct answers are at least `PCT` % of in-scope questions")
	maxWrong := fs.Float64("max-wrong", -1, "fail if wrong answers exceed `PCT` % of in-scope questions")
	maxOOS := fs.Float64("max-oos-answered", -1, "fail if answered out-of-scope questions exceed `PCT` %")
	dump := fs.String("dump", "", "write every case with its candidates and features as JSON Lines to `FILE` (for tuning)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return exitUsage
	}
	if *casesPath == "" {
		fmt.Fprintln(stderr, "balai eval: --cases FILE.jsonl is required")
		return exitUsage
	}
	f, err := os.Open(*casesPath)
	if err != nil {
		fmt.Fprintf(stderr, "balai eval: %v\n", err)
		return exitFailed
	}
	cases, err := eval.ReadCases(*casesPath, f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "balai eval: %v\n", err)
		return exitFailed
	}
	ix, err := ixf.open(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "balai eval: %v\n", err)
		return exitFailed
	}
	defer ix.Close()
	has := func(id string) bool { _, ok := ix.Corpus().Entry(id); return ok }
	start := time.Now()
	outs, err := eval.Run(ctx, ix, has, cases)
	if err != nil {
		fmt.Fprintf(stderr, "balai eval: %v\n", err)
		return exitFailed
	}
	elapsed := time.Since(start)
	if *dump != "" {
		if err := dumpOutcomes(*dump, outs); err != nil {
			fmt.Fprintf(stderr, "balai eval: %v\n", err)
			return exitFailed
		}
	}
	m := eval.Measure(outs)
	kinds := eval.ByKind(outs)
	var rows []eval.SweepRow
	if *sweep {
		now, _ := ixf.now() // valid: the index opened with it
		rows = eval.Sweep(outs, ix.Thresholds(), 0.20, 0.80, 0.05, now())
	}
	targets := eval.NewTargets(*minCorrect, *maxWrong, *maxOOS)
	missed := targets.Check(m)

	if *asJSON {
		report := map[string]any{
			"metrics": m, "by_kind": kinds, "thresholds": ix.Thresholds(),
			"cases_file": *casesPath, "corpus_entries": len(ix.Corpus().Entries),
			"missed_targets": missed, "ms_per_question": float64(elapsed.Microseconds()) / 1000 / float64(max(1, len(cases))),
		}
		if *sweep {
			report["sweep"] = rows
		}
		if *failures {
			report["failures"] = failureList(outs)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(report)
	} else {
		printEval(stdout, m, kinds, rows, ix.Thresholds().Answer, ix.Thresholds().Suggest, elapsed, len(cases))
		if *failures {
			fmt.Fprintln(stdout, "\nnot handled right:")
			for _, fl := range failureList(outs) {
				fmt.Fprintf(stdout, "  %s\n", fl)
			}
		}
	}
	if len(missed) > 0 {
		fmt.Fprintf(stderr, "balai eval: targets missed: %s\n", strings.Join(missed, "; "))
		return exitMissing
	}
	return exitOK
}

func failureList(outs []eval.Outcome) []string {
	var out []string
	for _, o := range outs {
		v := eval.Verdict(o)
		if v == eval.Correct || v == eval.OOSEscalated {
			continue
		}
		got := string(o.Result.Decision)
		if top, ok := o.Result.Top(); ok {
			got += fmt.Sprintf(" top=%s@%.2f", top.Entry.ID, top.Confidence)
		}
		if o.Result.Topic != nil {
			got += " topic=" + o.Result.Topic.ID
		}
		out = append(out, fmt.Sprintf("line %d [%s] %s: %q expect=%v got %s", o.Case.Line, o.Case.Kind, v, o.Case.Q, o.Case.Expect, got))
	}
	return out
}

func printEval(w io.Writer, m eval.Metrics, kinds []eval.KindRow, rows []eval.SweepRow, answer, suggest float64, elapsed time.Duration, n int) {
	fmt.Fprintf(w, "cases: %d (%d in scope, %d out of scope); thresholds answer=%.2f suggest=%.2f; %.2f ms/question\n\n",
		m.Cases, m.InScope, m.OOS, answer, suggest, float64(elapsed.Microseconds())/1000/float64(max(1, n)))
	fmt.Fprintf(w, "in scope:     correct %5.1f%%  wrong %4.1f%%  suggest/confirm %5.1f%% (expected among them %5.1f%%)  escalate %5.1f%%  resolved %5.1f%%\n",
		m.Correct, m.Wrong, m.Suggested, m.SuggestHitOfSugg, m.Escalated, m.Resolved)
	fmt.Fprintf(w, "out of scope: answered %4.1f%%  suggest %5.1f%%  escalate %5.1f%%\n", m.OOSAnswered, m.OOSSuggested, m.OOSEscalated)
	fmt.Fprintf(w, "ranking:      top-1 %5.1f%%  MRR@5 %.3f\n\n", m.Top1, m.MRR5)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\ttotal\tcorrect\twrong\tsuggest\t(with exp.)\tescalate\toos answered\t")
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", k.Kind, k.Total, k.Correct, k.Wrong, k.Suggested, k.SuggestWith, k.Escalated, k.OOSAnswered)
	}
	tw.Flush()
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nsweep (answer threshold; suggest threshold as configured):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "answer\tcorrect%\twrong%\tsuggest%\t(with exp.)%\tescalate%\toos answered%\t")
	for _, r := range rows {
		mm := r.Metrics
		fmt.Fprintf(tw, "%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", r.Thresholds.Answer, mm.Correct, mm.Wrong, mm.Suggested, mm.SuggestedWith, mm.Escalated, mm.OOSAnswered)
	}
	tw.Flush()
}

func dumpOutcomes(path string, outs []eval.Outcome) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, o := range outs {
		type cand struct {
			ID       string  `json:"id"`
			Expected bool    `json:"expected"`
			Conf     float64 `json:"conf"`
			F        any     `json:"f"`
		}
		var cs []cand
		for _, c := range o.Result.Candidates[:min(5, len(o.Result.Candidates))] {
			cs = append(cs, cand{ID: c.Entry.ID, Expected: slices.Contains(o.Case.Expect, c.Entry.ID), Conf: c.Confidence, F: c.Features})
		}
		if err := enc.Encode(map[string]any{"line": o.Case.Line, "q": o.Case.Q, "kind": o.Case.Kind, "in_scope": o.Case.InScope(),
			"reason": o.Result.Reason, "verdict": eval.Verdict(o), "cands": cs}); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
