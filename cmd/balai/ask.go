package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
)

func init() {
	commands["ask"] = runAsk
	commands["eval"] = runEval
	validateExtras = knowledge.ValidateExtras
}

// indexFlags are the flags shared by commands that open an index.
type indexFlags struct {
	faqDir          string
	answer, suggest float64
	at              atFlag
}

func (f *indexFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.faqDir, "faq", "", "corpus `DIR` (default BALAI_FAQ_DIR or the embedded corpus)")
	fs.Float64Var(&f.answer, "answer-threshold", -1, "minimum confidence to answer (default BALAI_ANSWER_THRESHOLD or built in)")
	fs.Float64Var(&f.suggest, "suggest-threshold", -1, "minimum confidence to suggest (default BALAI_SUGGEST_THRESHOLD or built in)")
	f.at.register(fs)
}

// now is the clock for review dates: the --at date, or Balai's clock.
func (f *indexFlags) now() (func() time.Time, error) { return f.at.now() }

// atFlag is --at DATE: the day review dates are judged as of, for commands whose result
// depends on them (ask, eval, faq stats).
type atFlag string

func (a *atFlag) register(fs *flag.FlagSet) {
	fs.StringVar((*string)(a), "at", "", "judge review dates as of `DATE` (YYYY-MM-DD; default today), so a result does not change with the day it is measured")
}

// now is the clock for review dates: the start of the --at day in the corpus's time zone
// (so the answer does not depend on the machine's zone), or Balai's clock.
func (a atFlag) now() (func() time.Time, error) {
	if a == "" {
		return clock.Now, nil
	}
	at, err := faq.Date(string(a))
	if err != nil {
		return nil, fmt.Errorf("--at %q: want YYYY-MM-DD", string(a))
	}
	return func() time.Time { return at }, nil
}

// open loads and validates the corpus and opens its index. The index lives in memory
// unless BALAI_DATA_DIR is set.
func (f *indexFlags) open(ctx context.Context, stderr io.Writer) (*knowledge.Index, error) {
	dir := f.faqDir
	if dir == "" {
		dir = os.Getenv("BALAI_FAQ_DIR")
	}
	c, ps, err := knowledge.LoadCorpus(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.Severity == faq.Error {
			fmt.Fprintln(stderr, p)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, fmt.Errorf("corpus has %d error(s); run balai faq validate", ps.Errors())
	}
	cal, err := calibrationFromEnv()
	if err != nil {
		return nil, err
	}
	th := cal.Thresholds
	if f.answer >= 0 {
		th.Answer = f.answer
	}
	if f.suggest >= 0 {
		th.Suggest = f.suggest
	}
	now, err := f.now()
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return knowledge.Open(ctx, c, knowledge.Options{
		Now:        now,
		DataDir:    os.Getenv("BALAI_DATA_DIR"),
		Thresholds: th,
		Model:      cal.Model,
		Logger:     logger,
		Progress:   progressPrinter(stderr),
	})
}

func progressPrinter(w io.Writer) func(done, total int) {
	return func(done, total int) {
		fmt.Fprintf(w, "indexing: %d/%d entries (%d%%)\n", done, total, done*100/total)
	}
}

// askJSON is the machine-readable answer of balai ask --json.
type askJSON struct {
	Decision   string                 `json:"decision"`
	ID         string                 `json:"id"`
	Confidence float64                `json:"confidence"`
	Candidates []candidateJSON        `json:"candidates"`
	Answer     string                 `json:"answer"`
	Reason     string                 `json:"reason"`
	Lang       string                 `json:"lang"`
	Topic      string                 `json:"topic,omitempty"`
	Source     string                 `json:"source,omitempty"`
	Explain    *knowledge.Explanation `json:"explain,omitempty"`
}

type candidateJSON struct {
	ID         string              `json:"id"`
	Title      string              `json:"title"`
	Confidence float64             `json:"confidence"`
	Features   *knowledge.Features `json:"features,omitempty"`
}

func runAsk(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai ask", stderr)
	var ixf indexFlags
	ixf.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	explain := fs.Bool("explain", false, "show how the question was read and scored")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	q := joinArgs(pos)
	if q == "" {
		fmt.Fprintln(stderr, `balai ask: give a question: balai ask "cara bikin ktp"`)
		return exitUsage
	}
	ix, err := ixf.open(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "balai ask: %v\n", err)
		return exitFailed
	}
	defer ix.Close()
	var opts []knowledge.AskOption
	if *explain {
		opts = append(opts, knowledge.WithExplain())
	}
	res, err := ix.Ask(ctx, q, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "balai ask: %v\n", err)
		return exitFailed
	}
	out := toJSON(res, *explain, ix.Thresholds())
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return exitFailed
		}
		return exitOK
	}
	printAsk(stdout, res, out, *explain)
	return exitOK
}

func toJSON(res *knowledge.Result, explain bool, th knowledge.Thresholds) askJSON {
	out := askJSON{Decision: string(res.Decision), Lang: res.Lang, Candidates: []candidateJSON{}, Explain: res.Explain}
	if top, ok := res.Top(); ok {
		out.Confidence = top.Confidence
	}
	n := 5
	if res.Decision == knowledge.Suggest || res.Decision == knowledge.Confirm {
		n = 0
		for _, s := range res.Suggestions {
			out.Candidates = append(out.Candidates, candidate(s, explain))
		}
	}
	for i, c := range res.Candidates {
		if i >= n {
			break
		}
		out.Candidates = append(out.Candidates, candidate(c, explain))
	}
	if res.Decision == knowledge.Answer {
		top, _ := res.Top()
		out.ID, out.Answer, out.Source = top.Entry.ID, top.Entry.Body, top.Entry.Source
	}
	if res.Topic != nil {
		out.Topic = res.Topic.ID
	}
	out.Reason = reasonText(res, th)
	return out
}

func candidate(c knowledge.Candidate, explain bool) candidateJSON {
	cj := candidateJSON{ID: c.Entry.ID, Title: c.Entry.Title, Confidence: c.Confidence}
	if explain {
		f := c.Features
		cj.Features = &f
	}
	return cj
}

func reasonText(res *knowledge.Result, th knowledge.Thresholds) string {
	top, ok := res.Top()
	switch res.Reason {
	case knowledge.ReasonTopic:
		return fmt.Sprintf("%s: %s always goes to an officer", res.Reason, res.Topic.Label)
	case knowledge.ReasonRefused:
		return fmt.Sprintf("%s: %s is not served from the corpus: a short refusal", res.Reason, res.Topic.Label)
	case knowledge.ReasonNoContent:
		return fmt.Sprintf("%s: no meaningful words to search for", res.Reason)
	case knowledge.ReasonSmallTalk:
		return fmt.Sprintf("%s: %s, not a question", res.Reason, res.SmallTalk.Label)
	case knowledge.ReasonStale:
		return fmt.Sprintf("%s: %s fits but is past its review date %s", res.Reason, res.Stale.ID, res.Stale.ReviewBy.Format(faq.DateLayout))
	case knowledge.ReasonConfident:
		return fmt.Sprintf("%s: %s at %.2f >= answer threshold %.2f", res.Reason, top.Entry.ID, top.Confidence, th.Answer)
	case knowledge.ReasonUnsure:
		return fmt.Sprintf("%s: best %s at %.2f is below the answer threshold %.2f", res.Reason, top.Entry.ID, top.Confidence, th.Answer)
	case knowledge.ReasonTie:
		return fmt.Sprintf("%s: %s at %.2f is confident, but %d other entries are within %.2f of it: the citizen chooses", res.Reason, top.Entry.ID, top.Confidence, len(res.Suggestions)-1, th.TieMargin)
	case knowledge.ReasonSingle:
		return fmt.Sprintf("%s: %s at %.2f, between the suggest threshold %.2f and the answer threshold %.2f, is the only candidate: the citizen is asked to confirm it", res.Reason, top.Entry.ID, top.Confidence, th.Suggest, th.Answer)
	default:
		if !ok {
			return fmt.Sprintf("%s: no entry shares a word with the question", res.Reason)
		}
		return fmt.Sprintf("%s: best %s at %.2f is below the suggest threshold %.2f", res.Reason, top.Entry.ID, top.Confidence, th.Suggest)
	}
}

func printAsk(w io.Writer, res *knowledge.Result, out askJSON, explain bool) {
	fmt.Fprintf(w, "decision: %s\nreason:   %s\n", out.Decision, out.Reason)
	if len(out.Candidates) > 0 {
		fmt.Fprintln(w, "candidates:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, c := range out.Candidates {
			fmt.Fprintf(tw, "  %d.\t%s\t%.3f\t%s\n", i+1, c.ID, c.Confidence, c.Title)
		}
		tw.Flush()
	}
	if out.Answer != "" {
		fmt.Fprintf(w, "\n%s\n", out.Answer)
		if out.Source != "" {
			fmt.Fprintf(w, "\nsource: %s\n", out.Source)
		}
	}
	if !explain || res.Explain == nil {
		return
	}
	ex := res.Explain
	fmt.Fprintf(w, "\nexplain:\n  words: %s\n", strings.Join(ex.Words, " "))
	for _, f := range ex.Focus {
		fmt.Fprintf(w, "  question sentence: %q (weighs more than the other sentences)\n", f)
	}
	for _, c := range ex.Corrections {
		fmt.Fprintf(w, "  typo: %s → %s (distance %d)\n", c.From, c.To, c.Distance)
	}
	if ex.Topic != "" {
		fmt.Fprintf(w, "  topic %s matched by pattern %q\n", ex.Topic, ex.Pattern)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  term\tfrom\tidf\tweight\tin corpus")
	for _, t := range ex.Terms {
		fmt.Fprintf(tw, "  %s\t%s\t%.2f\t%.2f\t%v\n", t.Term, t.Surface, t.IDF, t.Weight, t.Known)
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  candidate\tconf\tscore\tmargin\tcoverage\tstrong\tphrasing\tcover\tbm25\tclosest phrasing")
	for i, c := range res.Candidates {
		if i >= 5 {
			break
		}
		f := c.Features
		fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%+.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%s\n", c.Entry.ID, c.Confidence,
			f.Score, f.Margin, f.Coverage, f.StrongCoverage, f.Phrasing, f.PhraseCover, f.BM25, f.Closest)
	}
	tw.Flush()
	fmt.Fprintf(w, "  %s\n", ex.Summary)
}
