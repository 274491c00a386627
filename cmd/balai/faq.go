package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/faq"
)

func runFAQ(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "validate":
		return faqValidate(args[1:], stdout, stderr)
	case "stats":
		return faqStats(args[1:], stdout, stderr)
	case "import":
		return faqImport(args[1:], stdout, stderr)
	case "export":
		return faqExport(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "balai faq: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

// corpusDirArg picks the corpus directory: a positional argument, --faq, or BALAI_FAQ_DIR;
// "" means the embedded default corpus.
func corpusDirArg(flagDir string, pos []string) string {
	if len(pos) > 0 {
		return pos[0]
	}
	if flagDir != "" {
		return flagDir
	}
	return os.Getenv("BALAI_FAQ_DIR")
}

// loadCorpus loads a corpus directory, or the embedded one when dir is "", together with the
// problems of its entries and of its data files.
func loadCorpus(dir string) (*faq.Corpus, faq.Problems, error) {
	var (
		c   *faq.Corpus
		ps  faq.Problems
		err error
	)
	if dir == "" {
		c, ps, err = faq.LoadDefault()
	} else {
		c, ps, err = faq.LoadDir(dir)
	}
	if err != nil {
		return nil, nil, err
	}
	ps = append(ps, validateExtras(c)...)
	return c, ps, nil
}

// validateExtras checks the corpus data files; set by the knowledge wiring.
var validateExtras = func(*faq.Corpus) faq.Problems { return nil }

func faqValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai faq validate", stderr)
	dirFlag := fs.String("faq", "", "corpus `DIR` (default BALAI_FAQ_DIR or the embedded corpus)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	dir := corpusDirArg(*dirFlag, pos)
	c, ps, err := loadCorpus(dir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	for _, p := range ps {
		fmt.Fprintln(stdout, p)
	}
	name := dir
	if name == "" {
		name = "embedded corpus"
	}
	nerr := ps.Errors()
	fmt.Fprintf(stdout, "%s: %d entries, %d errors, %d warnings\n", name, len(c.Entries), nerr, len(ps)-nerr)
	if nerr > 0 {
		return exitFailed
	}
	return exitOK
}

func faqStats(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai faq stats", stderr)
	dirFlag := fs.String("faq", "", "corpus `DIR` (default BALAI_FAQ_DIR or the embedded corpus)")
	var at atFlag
	at.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	now, err := at.now()
	if err != nil {
		fmt.Fprintf(stderr, "balai faq stats: %v\n", err)
		return exitUsage
	}
	c, ps, err := loadCorpus(corpusDirArg(*dirFlag, pos))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	review := c.Review(now(), faq.ReviewWindow)
	perCat := map[string]int{}
	var questions, words int
	var noSource, noUpdated []string
	for _, e := range c.Entries {
		perCat[e.Category]++
		questions += len(e.Questions)
		words += len(strings.Fields(e.Body))
		if e.Source == "" {
			noSource = append(noSource, e.ID)
		}
		if e.Updated.IsZero() {
			noUpdated = append(noUpdated, e.ID)
		}
	}
	printReviewWarning(stdout, review)
	n := len(c.Entries)
	fmt.Fprintf(stdout, "entries:    %d in %d categories\n", n, len(perCat))
	if n > 0 {
		fmt.Fprintf(stdout, "questions:  %d (%.1f per entry)\n", questions, float64(questions)/float64(n))
		fmt.Fprintf(stdout, "body words: %.0f per entry\n", float64(words)/float64(n))
	}
	fmt.Fprintf(stdout, "problems:   %d errors, %d warnings\n", ps.Errors(), len(ps)-ps.Errors())
	cats := make([]string, 0, len(perCat))
	for k := range perCat {
		cats = append(cats, k)
	}
	sort.Strings(cats)
	fmt.Fprintln(stdout, "\ncategories:")
	for _, k := range cats {
		fmt.Fprintf(stdout, "  %-32s %3d\n", k, perCat[k])
	}
	list := func(title string, ids []string) {
		fmt.Fprintf(stdout, "\n%s: %d\n", title, len(ids))
		for _, id := range ids {
			fmt.Fprintf(stdout, "  %s\n", id)
		}
	}
	reviewList := func(es []*faq.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%s (review_by %s, owner %s)", e.ID, e.ReviewBy.Format(faq.DateLayout), orDash(e.Owner)))
		}
		return out
	}
	list("stale (never answered; officers answer instead)", reviewList(review.Stale))
	list(fmt.Sprintf("review due within %d days", review.WindowDays()), reviewList(review.DueSoon))
	list("without source", noSource)
	list("without updated date", noUpdated)
	return exitOK
}

// printReviewWarning tells admins, before anything else, that entries are past review or
// about to be, and whose they are; it prints nothing when no review is due.
func printReviewWarning(w io.Writer, r faq.ReviewReport) {
	if r.Empty() {
		return
	}
	next := ""
	if len(r.DueSoon) > 0 {
		next = fmt.Sprintf(" (the first on %s)", r.DueSoon[0].ReviewBy.Format(faq.DateLayout))
	}
	fmt.Fprintf(w, "WARNING: %d entries past review (never answered: questions about them go to officers), %d due for review within %d days%s; by owner:\n",
		len(r.Stale), len(r.DueSoon), r.WindowDays(), next)
	for _, o := range r.ByOwner() {
		fmt.Fprintf(w, "  %3d past review, %3d due soon: %s\n", o.Stale, o.DueSoon, orDash(o.Owner))
	}
	fmt.Fprintln(w, "  update these entries and their review_by (lists below)")
	fmt.Fprintln(w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func faqImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai faq import", stderr)
	dirFlag := fs.String("faq", "", "corpus `DIR` to write into (default BALAI_FAQ_DIR)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "balai faq import: give one CSV file: balai faq import FILE.csv --faq DIR")
		return exitUsage
	}
	dir := *dirFlag
	if dir == "" {
		dir = os.Getenv("BALAI_FAQ_DIR")
	}
	if dir == "" {
		fmt.Fprintln(stderr, "balai faq import: the embedded corpus is read-only; name the corpus directory with --faq DIR or BALAI_FAQ_DIR")
		return exitUsage
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "balai faq import: %v\n", err)
		return exitFailed
	}
	defer f.Close()
	res, ps, err := faq.ImportCSV(dir, pos[0], f, clock.Now())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	for _, p := range ps {
		fmt.Fprintln(stdout, p)
	}
	if ps.Errors() > 0 {
		fmt.Fprintf(stdout, "nothing written: %d errors\n", ps.Errors())
		return exitFailed
	}
	fmt.Fprintf(stdout, "%s: %d created, %d updated, %d unchanged\n", dir, len(res.Created), len(res.Updated), len(res.Unchanged))
	for _, id := range res.Created {
		fmt.Fprintf(stdout, "  + %s\n", id)
	}
	for _, id := range res.Updated {
		fmt.Fprintf(stdout, "  ~ %s\n", id)
	}
	return exitOK
}

func faqExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai faq export", stderr)
	dirFlag := fs.String("faq", "", "corpus `DIR` (default BALAI_FAQ_DIR or the embedded corpus)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	c, ps, err := loadCorpus(corpusDirArg(*dirFlag, pos))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	if err := ps.Err(); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	if err := faq.WriteCSV(stdout, c.Entries); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	return exitOK
}
