package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

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
	case "accept":
		return faqAccept(args[1:], stdout, stderr)
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

// importClock is the clock of --updated today; tests set their own.
var importClock = clock.Now

func faqImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai faq import", stderr)
	dirFlag := fs.String("faq", "", "corpus `DIR` to write into, created if missing (default BALAI_FAQ_DIR)")
	source := fs.String("source", "", "source `URL` of rows without one (or whose source is not a URL)")
	updated := fs.String("updated", "", "updated `DATE` of new and changed rows without one (YYYY-MM-DD, or \"today\"); default: none")
	merge := fs.Bool("merge-duplicates", false, "fold rows with the same answer into one entry with all their questions")
	dryRun := fs.Bool("dry-run", false, "show what would change and write nothing")
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
	if *source != "" && !faq.ValidSource(*source) {
		fmt.Fprintf(stderr, "balai faq import: --source %q: want an absolute http(s) URL\n", *source)
		return exitUsage
	}
	opt := faq.ImportOptions{Source: *source, MergeDuplicates: *merge, DryRun: *dryRun, Check: validateExtras}
	switch *updated {
	case "":
	case "today", "hari-ini", "hari ini":
		opt.Updated, _ = faq.SheetDate(importClock().Format(time.RFC3339)) // its day in Jakarta
	default:
		if opt.Updated, err = faq.SheetDate(*updated); err != nil {
			fmt.Fprintf(stderr, "balai faq import: --updated %q: want YYYY-MM-DD or \"today\"\n", *updated)
			return exitUsage
		}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "balai faq import: %v\n", err)
		return exitFailed
	}
	defer f.Close()
	res, ps, err := faq.Import(dir, pos[0], f, opt)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	printImport(stdout, dir, pos[0], res, ps, opt)
	if ps.Errors() > 0 {
		return exitFailed
	}
	return exitOK
}

// printImport tells an admin what an import read, what it made of the sheet, and what it
// wrote (or would write): problems first, each with its line, then the summary.
func printImport(w io.Writer, dir, name string, res *faq.ImportResult, ps faq.Problems, opt faq.ImportOptions) {
	if res != nil {
		delim := map[rune]string{',': `","`, ';': `";"`, '\t': "tab"}[res.Delimiter]
		fmt.Fprintf(w, "%s: %s (header on line %d, %s-separated, %s)\n", name, count(res.Rows, "row"), res.HeaderLine, delim, res.Encoding)
	}
	for _, p := range ps {
		fmt.Fprintln(w, p)
	}
	nerr := ps.Errors()
	nwarn := len(ps) - nerr
	if res == nil || nerr > 0 {
		fmt.Fprintf(w, "nothing written: %d errors, %d warnings; fix the lines named above and import again\n", nerr, nwarn)
		return
	}
	section := func(format string, args ...any) { fmt.Fprintf(w, "\n"+format+"\n", args...) }
	if len(res.Headings) > 0 {
		section("headings (category of the rows below them): %d", len(res.Headings))
		for _, h := range res.Headings {
			fmt.Fprintf(w, "  line %d: %s\n", h.Line, h.Category)
		}
	}
	if len(res.FromAbove) > 0 {
		section("category taken from the heading or row above: %s (%s)", count(len(res.FromAbove), "row"), lineList(res.FromAbove))
	}
	if len(res.Categories) > 0 {
		section("categories written one way (same folder name): %d", len(res.Categories))
		for _, c := range res.Categories {
			var sp []string
			for _, s := range c.Spellings {
				sp = append(sp, fmt.Sprintf("%q ×%d", s.Text, s.Rows))
			}
			fmt.Fprintf(w, "  %s (folder %s) ← %s\n", c.Name, c.Folder, strings.Join(sp, ", "))
		}
	}
	made, normalised := 0, []faq.IDChange{}
	for _, c := range res.IDs {
		if c.Made {
			made++
		} else {
			normalised = append(normalised, c)
		}
	}
	if made > 0 {
		section("ids made from titles (or first questions): %s; an id column keeps ids when titles change", count(made, "row"))
	}
	for _, c := range normalised {
		fmt.Fprintf(w, "  line %d: id %q written as %s\n", c.Line, c.From, c.ID)
	}
	if len(res.Shortened) > 0 {
		section("titles shortened for buttons (at most %d characters): %d", faq.MaxTitleLen, len(res.Shortened))
		for _, t := range res.Shortened {
			fmt.Fprintf(w, "  line %d: %s\n", t.Line, titleChange(t))
		}
	}
	if len(res.Distinct) > 0 {
		n := 0
		for _, g := range res.Distinct {
			n += len(g.Entries)
		}
		section("titles made distinct: %d entries that would have read the same in %d groups", n, len(res.Distinct))
		for _, g := range res.Distinct {
			fmt.Fprintf(w, "  %q:\n", g.Same)
			for _, t := range g.Entries {
				fmt.Fprintf(w, "    line %d: %q\n", t.Line, t.To)
			}
		}
	}
	if len(res.Merged) > 0 {
		section("rows merged (same answer): %d", len(res.Merged))
		for _, m := range res.Merged {
			fmt.Fprintf(w, "  line %d → line %d (%s): %s added\n", m.Line, m.IntoLine, m.IntoID, count(m.Questions, "question"))
		}
	}
	if len(res.SourceUsed) > 0 || len(res.UpdatedUsed) > 0 || len(res.KeptDate) > 0 {
		section("defaults:")
		if len(res.SourceUsed) > 0 {
			fmt.Fprintf(w, "  source %s on %s (%s)\n", opt.Source, count(len(res.SourceUsed), "row"), lineList(res.SourceUsed))
		}
		if len(res.UpdatedUsed) > 0 {
			fmt.Fprintf(w, "  updated %s on %s (%s)\n", opt.Updated.Format(faq.DateLayout), count(len(res.UpdatedUsed), "row"), lineList(res.UpdatedUsed))
		}
		if len(res.KeptDate) > 0 {
			fmt.Fprintf(w, "  %s keep an older updated date (%s): fill the updated column or give --updated DATE\n", count(len(res.KeptDate), "changed entry"), lineList(res.KeptDate))
		}
	}

	section("entries:")
	for _, e := range res.Entries {
		switch e.Status {
		case "new":
			fmt.Fprintf(w, "  + %s %q (%s)\n", e.File, e.Title, lineList(e.Lines))
		case "updated":
			fmt.Fprintf(w, "  ~ %s: %s (%s)\n", e.File, strings.Join(e.Changed, ", "), lineList(e.Lines))
		}
	}
	if len(res.Unchanged) > 0 {
		fmt.Fprintf(w, "  = %d unchanged\n", len(res.Unchanged))
	}

	same := 0
	for _, d := range res.Duplicates {
		if d.Same {
			same++
		}
	}
	distinct := 0
	for _, g := range res.Distinct {
		distinct += len(g.Entries)
	}
	section("summary:")
	row := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-12s %s\n", label, fmt.Sprintf(format, args...))
	}
	row("rows read", "%d (and %s)", res.Rows, count(len(res.Headings), "heading"))
	row("entries", "%d new, %d updated, %d unchanged; %s merged into another", len(res.Created), len(res.Updated), len(res.Unchanged), count(len(res.Merged), "row"))
	row("titles", "%d shortened, %d made distinct", len(res.Shortened), distinct)
	row("categories", "%d written one way", len(res.Categories))
	row("duplicates", "%s (%d the same, %d nearly); %s with the answer of another", count(len(res.Duplicates), "question"), same, len(res.Duplicates)-same, count(len(res.SameAnswer), "row"))
	row("defaults", "source on %s, updated on %s", count(len(res.SourceUsed), "row"), count(len(res.UpdatedUsed), "row"))
	row("problems", "%d errors, %d warnings", nerr, nwarn)
	if res.OtherWarnings > 0 {
		fmt.Fprintf(w, "  (and %d warnings in corpus files the sheet does not touch: balai faq validate %s)\n", res.OtherWarnings, dir)
	}
	files := len(res.Created) + len(res.Updated)
	switch {
	case res.DryRun && res.NewDir:
		fmt.Fprintf(w, "dry run: nothing written; the import would create %s and write %d files in it\n", dir, files)
	case res.DryRun:
		fmt.Fprintf(w, "dry run: nothing written; the import would write %d files in %s\n", files, dir)
	case res.NewDir:
		fmt.Fprintf(w, "created %s and wrote %d files in it\n", dir, len(res.Written))
	default:
		fmt.Fprintf(w, "wrote %d files in %s\n", len(res.Written), dir)
	}
}

func titleChange(t faq.TitleChange) string {
	from := fmt.Sprintf("%q", t.From)
	if t.FromQuest {
		from = "question " + from
	}
	return fmt.Sprintf("%s → %q", from, t.To)
}

// count writes a number of things: "1 row", "3 rows", "2 changed entries".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	if s, ok := strings.CutSuffix(thing, "y"); ok {
		return fmt.Sprintf("%d %sies", n, s)
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// lineList names lines, with runs as ranges: "line 3", "lines 3, 5-8, 12".
func lineList(lines []int) string {
	ls := slices.Clone(lines)
	slices.Sort(ls)
	var parts []string
	for i := 0; i < len(ls); {
		j := i
		for j+1 < len(ls) && ls[j+1] == ls[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", ls[i], ls[j]))
		} else {
			parts = append(parts, fmt.Sprint(ls[i]))
		}
		i = j + 1
	}
	if len(ls) == 1 {
		return "line " + parts[0]
	}
	return "lines " + strings.Join(parts, ", ")
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
