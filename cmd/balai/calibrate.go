package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/atomicfile"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/knowledge/calibrate"
	"github.com/balai-id/balai/knowledge/eval"
)

func init() { commands["calibrate"] = runCalibrate }

// setsFlag is a repeatable --also DIR=FILE[,FILE]: more corpora and their questions. DIR
// may be a spreadsheet (.csv), imported as balai faq import would (--source for rows
// without one).
type setsFlag []knowledge.FitSet

func (s *setsFlag) String() string { return "" }

func (s *setsFlag) Set(v string) error {
	dir, files, ok := strings.Cut(v, "=")
	if !ok || dir == "" || files == "" {
		return errors.New("want DIR=FILE.jsonl[,FILE.jsonl]")
	}
	*s = append(*s, knowledge.FitSet{Corpus: dir, Cases: splitList(files)})
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func runCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai calibrate", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: balai calibrate --cases FILE.jsonl[,FILE.jsonl] [--faq DIR] [--out FILE] [flags]
       balai calibrate --check FILE

Fits the confidence model and the answer and suggest thresholds to the agency's labelled questions, with
cross-validation, prints the figures before and after, and writes a calibration file that
balai serve, ask and eval read from BALAI_CALIBRATION_FILE. --check refits a calibration
from the settings it records and fails if the result differs (run it where the recorded
paths resolve, e.g. the repository root for knowledge/calibration.json).

`)
		fs.PrintDefaults()
	}
	faqDir := fs.String("faq", "", "corpus `DIR` the questions are about (default BALAI_FAQ_DIR or the embedded corpus)")
	casesList := fs.String("cases", "", "labelled questions, `FILES` separated by commas (required)")
	var also setsFlag
	fs.Var(&also, "also", "another corpus (folder or .csv sheet) and its questions, `DIR=FILE[,FILE]` (repeatable)")
	source := fs.String("source", "", "for a .csv corpus: the source `URL` of rows without one")
	out := fs.String("out", "calibration.json", "write the calibration to `FILE`")
	check := fs.String("check", "", "refit the calibration `FILE` from its recorded settings; exit 1 if it differs")
	var at atFlag
	at.register(fs)
	def := calibrate.DefaultOptions()
	maxWrong := fs.Float64("max-wrong", def.MaxWrong, "wrong answers allowed, `PCT` of in-scope questions")
	maxOOS := fs.Float64("max-oos-answered", def.MaxOOS, "out-of-scope questions answered allowed, `PCT`")
	folds := fs.Int("folds", def.Folds, "cross-validation folds")
	samples := fs.Int("samples", def.Samples, "random sub-corpora per size")
	l2 := fs.Float64("l2", 0, "L2 regularisation of the model's weights (default: chosen by cross-validation)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if _, err := parseInterspersed(fs, args); err != nil {
		return exitUsage
	}
	opts := def
	opts.MaxWrong, opts.MaxOOS, opts.Folds, opts.Samples = *maxWrong, *maxOOS, *folds, *samples
	if *l2 > 0 {
		opts.L2, opts.L2Grid = *l2, nil
	}
	if !*quiet {
		opts.Progress = func(msg string) { fmt.Fprintln(stderr, "calibrate:", msg) }
	}
	var sets []knowledge.FitSet
	if *check != "" {
		var others []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "check" && f.Name != "quiet" {
				others = append(others, "--"+f.Name)
			}
		})
		if len(others) > 0 {
			fmt.Fprintf(stderr, "balai calibrate: --check repeats the settings the file records; %s cannot be given with it\n", strings.Join(others, ", "))
			return exitUsage
		}
		want, err := knowledge.LoadCalibration(*check)
		if err != nil {
			fmt.Fprintf(stderr, "balai calibrate: %v\n", err)
			return exitFailed
		}
		f := want.Fit
		if len(f.Sets) == 0 || f.At == "" {
			fmt.Fprintf(stderr, "balai calibrate: %s records no fit settings to repeat\n", *check)
			return exitFailed
		}
		sets = f.Sets
		opts.SubSizes, opts.Samples, opts.Seed, opts.L2, opts.L2Grid, opts.Folds = f.SubSizes, f.Samples, f.Seed, f.L2, f.L2Grid, f.Folds
		opts.MaxWrong, opts.MaxOOS = f.MaxWrong, f.MaxOOS
		opts.Base = want
		day, err := faq.Date(f.At)
		if err != nil {
			fmt.Fprintf(stderr, "balai calibrate: %s: at: %v\n", *check, err)
			return exitFailed
		}
		opts.Now = day
		rep, err := fitSets(ctx, sets, opts)
		if err != nil {
			fmt.Fprintf(stderr, "balai calibrate: %v\n", err)
			return exitFailed
		}
		if diffs := compareCalibrations(want, rep.Calibration); len(diffs) > 0 {
			fmt.Fprintf(stdout, "%s is not what its settings produce today:\n  %s\n", *check, strings.Join(diffs, "\n  "))
			return exitFailed
		}
		fmt.Fprintf(stdout, "%s is reproduced: %d weights within %.4f, answer threshold %.2f\n", *check, len(knowledge.InputNames), reproTolerance, rep.Calibration.Thresholds.Answer)
		return exitOK
	}

	if *casesList == "" {
		fmt.Fprintln(stderr, "balai calibrate: --cases FILE.jsonl is required (labelled questions about the corpus)")
		return exitUsage
	}
	dir := *faqDir
	if dir == "" {
		dir = os.Getenv("BALAI_FAQ_DIR")
	}
	sets = append([]knowledge.FitSet{{Corpus: dir, Cases: splitList(*casesList)}}, also...)
	for i := range sets {
		if strings.EqualFold(filepath.Ext(sets[i].Corpus), ".csv") {
			sets[i].Source = *source
		}
	}
	now, err := at.now()
	if err != nil {
		fmt.Fprintf(stderr, "balai calibrate: %v\n", err)
		return exitUsage
	}
	opts.Now = now()
	// "Before" is the calibration in use now: BALAI_CALIBRATION_FILE or the built-in one.
	if opts.Base, err = calibrationFromEnv(); err != nil {
		fmt.Fprintf(stderr, "balai calibrate: %v\n", err)
		return exitFailed
	}
	rep, err := fitSets(ctx, sets, opts)
	if err != nil {
		fmt.Fprintf(stderr, "balai calibrate: %v\n", err)
		return exitFailed
	}
	printCalibration(stdout, rep)
	data, err := rep.Calibration.MarshalJSON()
	if err != nil {
		fmt.Fprintf(stderr, "balai calibrate: %v\n", err)
		return exitFailed
	}
	if err := atomicfile.Write(*out, append(data, '\n')); err != nil {
		fmt.Fprintf(stderr, "balai calibrate: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "\nwrote %s — serve with BALAI_CALIBRATION_FILE=%s\n", *out, *out)
	return exitOK
}

// reproTolerance is how far a refitted weight may be from the recorded one (the file keeps
// four decimals).
const reproTolerance = 0.0005

func compareCalibrations(want, got knowledge.Calibration) []string {
	var diffs []string
	for i, name := range knowledge.InputNames {
		if d := math.Abs(want.Model.Weights[i] - got.Model.Weights[i]); d > reproTolerance {
			diffs = append(diffs, fmt.Sprintf("weight %s: recorded %.4f, refitted %.4f", name, want.Model.Weights[i], got.Model.Weights[i]))
		}
	}
	if want.Thresholds != got.Thresholds {
		diffs = append(diffs, fmt.Sprintf("thresholds: recorded %+v, refitted %+v", want.Thresholds, got.Thresholds))
	}
	return diffs
}

// fitSets loads every set's corpus and questions and fits.
func fitSets(ctx context.Context, infos []knowledge.FitSet, opts calibrate.Options) (*calibrate.Report, error) {
	var sets []calibrate.Set
	for _, info := range infos {
		c, ps, err := loadFitCorpus(info)
		if err != nil {
			return nil, err
		}
		if err := ps.Err(); err != nil {
			var lines []string
			for _, p := range ps {
				if p.Severity == faq.Error && len(lines) < 10 {
					lines = append(lines, "  "+p.String())
				}
			}
			check := "balai faq validate " + info.Corpus
			if strings.EqualFold(filepath.Ext(info.Corpus), ".csv") {
				check = "balai faq import --dry-run " + info.Corpus
			}
			return nil, fmt.Errorf("corpus %s has %d error(s) (%s shows them all):\n%s", nameOr(info.Corpus), ps.Errors(), check, strings.Join(lines, "\n"))
		}
		var cases []eval.Case
		for _, name := range info.Cases {
			f, err := os.Open(name)
			if err != nil {
				return nil, err
			}
			cs, err := eval.ReadCases(name, f)
			f.Close()
			if err != nil {
				return nil, err
			}
			for _, cs := range cs {
				for _, id := range cs.Expect {
					if _, ok := c.Entry(id); !ok {
						return nil, fmt.Errorf("%s:%d expects %q, which is not in corpus %s", name, cs.Line, id, nameOr(info.Corpus))
					}
				}
			}
			cases = append(cases, cs...)
		}
		sets = append(sets, calibrate.Set{Corpus: c, Cases: cases, Info: info})
	}
	return calibrate.Run(ctx, sets, opts)
}

// loadFitCorpus loads a set's corpus: a folder, the embedded one, or a spreadsheet imported
// into a temporary folder.
func loadFitCorpus(info knowledge.FitSet) (*faq.Corpus, faq.Problems, error) {
	if !strings.EqualFold(filepath.Ext(info.Corpus), ".csv") {
		return knowledge.LoadCorpus(info.Corpus)
	}
	f, err := os.Open(info.Corpus)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	dir, err := os.MkdirTemp("", "balai-calibrate-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	dir = filepath.Join(dir, "corpus")
	_, ps, err := faq.Import(dir, info.Corpus, f, faq.ImportOptions{Source: info.Source, Check: knowledge.ValidateExtras})
	if err != nil {
		return nil, nil, err
	}
	if ps.Err() != nil {
		return nil, ps, nil
	}
	return knowledge.LoadCorpus(dir)
}

func nameOr(dir string) string {
	if dir == "" {
		return "(embedded)"
	}
	return dir
}

func printCalibration(w io.Writer, rep *calibrate.Report) {
	fmt.Fprintf(w, "%d labelled questions asked of %d corpora (each set's corpus and random sub-corpora); model fitted on %d candidates\n\n",
		rep.Questions, rep.Corpora, rep.Rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "on the corpus to serve\tcorrect %\twrong %\tresolved %\toos answered %\t")
	row := func(name string, m eval.Metrics) {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", name, m.Correct, m.Wrong, m.Resolved, m.OOSAnswered)
	}
	row("before (calibration in use, on these questions)", rep.Before)
	row("after, cross-validated (unseen entries)", rep.CrossValidated)
	row("after, on the questions it was fitted to", rep.InSample)
	tw.Flush()
	if len(rep.Grid) > 1 {
		fmt.Fprintln(w, "\ncross-validated on the corpus to serve, by regularisation (used: most right answers, less two per wrong one):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "L2\tcorrect %\twrong %\tresolved %\toos answered %\t")
		for _, g := range rep.Grid {
			fmt.Fprintf(tw, "%g\t%.1f\t%.1f\t%.1f\t%.1f\t\n", g.L2, g.Metrics.Correct, g.Metrics.Wrong, g.Metrics.Resolved, g.Metrics.OOSAnswered)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\ncross-validated by corpus size:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\tentries\tcorpora\tcorrect %\twrong %\tresolved %\toos answered %\t")
	for _, r := range rep.BySize {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", r.Set+1, r.Entries, r.Corpora, r.Metrics.Correct, r.Metrics.Wrong, r.Metrics.Resolved, r.Metrics.OOSAnswered)
	}
	tw.Flush()
	th := rep.Calibration.Thresholds
	fmt.Fprintf(w, "\nanswer threshold %.2f (most right answers with wrong ≤ %.1f %% and out-of-scope answered ≤ %.1f %%, over all corpora and on the corpus to serve), suggest threshold %.2f\n",
		th.Answer, rep.Calibration.Fit.MaxWrong, rep.Calibration.Fit.MaxOOS, th.Suggest)
}
