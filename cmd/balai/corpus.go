package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/store"
)

func init() { commands["corpus"] = runCorpus }

const corpusUsage = `Usage:
  balai corpus list [--limit N]
  balai corpus show ID
  balai corpus diff A B
  balai corpus draft --from DIR|FILE.csv [--note TEXT] --as USERNAME
  balai corpus submit ID --as USERNAME
  balai corpus approve ID [--note TEXT] --as USERNAME
  balai corpus reject ID --note TEXT --as USERNAME
  balai corpus publish ID [--confirm-shrink] --as USERNAME
  balai corpus rollback ID [--note TEXT] [--confirm-shrink] --as USERNAME
  balai corpus export ID --out DIR | --csv FILE

FAQ corpus versions in the service's database (BALAI_CORPUS=db). Changes are made as the
console account USERNAME, with its role (editor or admin), and written to the audit log.
With BALAI_CORPUS_FOUR_EYES=on (the default) a version is published once an editor who did
not change it approved it. A draft from a folder replaces the whole corpus; a draft from a
spreadsheet is merged into the published version as balai faq import merges it.
With the corpus in a folder (BALAI_CORPUS=folder, the default) versions are read-only.
`

// runCorpus is `balai corpus …`.
func runCorpus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, corpusUsage)
		return exitUsage
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet("balai corpus "+sub, stderr)
	as := fs.String("as", "", "the console account acting")
	note := fs.String("note", "", "a note: what changed and why")
	from := fs.String("from", "", "a corpus folder or a CSV spreadsheet")
	out := fs.String("out", "", "export: a folder to write the corpus into")
	csvOut := fs.String("csv", "", "export: a CSV file to write (- for standard output)")
	confirm := fs.Bool("confirm-shrink", false, "publish although the version removes many entries")
	limit := fs.Int("limit", 50, "list: how many versions")
	pos, err := parseInterspersed(fs, rest)
	if err != nil {
		return exitUsage
	}
	want := map[string]int{"list": 0, "show": 1, "diff": 2, "draft": 0, "submit": 1, "approve": 1, "reject": 1, "publish": 1, "rollback": 1, "export": 1}
	n, ok := want[sub]
	if !ok || len(pos) != n {
		fmt.Fprint(stderr, corpusUsage)
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "balai corpus %s: %s\n", sub, fmt.Sprintf(format, a...))
		return exitFailed
	}
	ids := make([]int64, len(pos))
	for i, p := range pos {
		if ids[i], err = strconv.ParseInt(p, 10, 64); err != nil || ids[i] <= 0 {
			return fail("%q is not a version number (balai corpus list shows them)", p)
		}
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai corpus: configuration:\n%v\n", err)
		return exitUsage
	}
	db, err := store.Open(ctx, cfg.databaseURL(), store.Options{Owner: store.InstanceName("corpus")})
	if err != nil {
		return fail("%v", err)
	}
	defer db.Close()
	svc := corpusService(cfg, db)

	switch sub {
	case "list":
		vs, err := svc.History(ctx, *limit)
		if err != nil {
			return fail("%v", err)
		}
		if ro := svc.ReadOnly(); ro != "" {
			fmt.Fprintf(stdout, "Read-only: %s.\n", ro)
		}
		if len(vs) == 0 {
			fmt.Fprintln(stdout, "No corpus versions in the database.")
			return exitOK
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATE\tENTRIES\tAUTHOR\tAPPROVER\tPUBLISHED\tNOTE")
		for _, v := range vs {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\n", v.ID, v.State, v.Entries, v.Author, dash(v.Approver), when(v.PublishedAt), oneLine(v.Note))
		}
		tw.Flush()
		return exitOK
	case "show":
		v, err := svc.Version(ctx, ids[0])
		if err != nil {
			return fail("%v", err)
		}
		showVersion(stdout, v)
		return exitOK
	case "diff":
		d, err := svc.Diff(ctx, ids[0], ids[1])
		if err != nil {
			return fail("%v", err)
		}
		printDiff(stdout, d)
		return exitOK
	case "export":
		if (*out == "") == (*csvOut == "") {
			return fail("give --out DIR or --csv FILE")
		}
		if *out != "" {
			if err := svc.ExportDir(ctx, ids[0], *out); err != nil {
				return fail("%v", err)
			}
			fmt.Fprintf(stdout, "Wrote version %d to %s.\n", ids[0], *out)
			return exitOK
		}
		w := stdout
		if *csvOut != "-" {
			f, err := os.Create(*csvOut)
			if err != nil {
				return fail("%v", err)
			}
			defer f.Close()
			w = f
		}
		if err := svc.ExportCSV(ctx, ids[0], w); err != nil {
			return fail("%v", err)
		}
		return exitOK
	}

	// Changes: as a named account.
	if *as == "" {
		return fail("say which console account acts: --as USERNAME (balai user list shows them)")
	}
	acct, _, err := db.AccountByUsername(ctx, *as)
	if errors.Is(err, balai.ErrAccountNotFound) {
		return fail("no account %q (balai user list shows them)", *as)
	}
	if err != nil {
		return fail("%v", err)
	}
	if acct.Disabled {
		return fail("the account %s is disabled", acct.Username)
	}
	actor := acct.Officer()
	var v balai.CorpusVersion
	switch sub {
	case "draft":
		if *from == "" {
			return fail("give --from DIR or --from FILE.csv")
		}
		st, err := os.Stat(*from)
		if err != nil {
			return fail("%v", err)
		}
		var ps faq.Problems
		if st.IsDir() {
			v, ps, err = svc.DraftFromDir(ctx, actor, *from, *note)
		} else {
			f, ferr := os.Open(*from)
			if ferr != nil {
				return fail("%v", ferr)
			}
			var res *faq.ImportResult
			v, res, ps, err = svc.DraftFromCSV(ctx, actor, *from, f, faq.ImportOptions{}, *note)
			f.Close()
			if res != nil && err == nil {
				fmt.Fprintf(stdout, "Spreadsheet: %d new, %d updated, %d unchanged entries.\n", len(res.Created), len(res.Updated), len(res.Unchanged))
			}
		}
		for _, p := range ps {
			fmt.Fprintln(stderr, p.String())
		}
		if err != nil {
			return fail("no draft made: %s", firstLine(err))
		}
		fmt.Fprintf(stdout, "Draft %d made (%d entries). Next: balai corpus diff %d %d, then balai corpus submit %d.\n", v.ID, v.Entries, v.Parent, v.ID, v.ID)
		return exitOK
	case "submit":
		v, err = svc.Submit(ctx, actor, ids[0])
	case "approve":
		v, err = svc.Approve(ctx, actor, ids[0], *note)
	case "reject":
		if strings.TrimSpace(*note) == "" {
			return fail("say why with --note")
		}
		v, err = svc.Reject(ctx, actor, ids[0], *note)
	case "publish":
		v, err = svc.Publish(ctx, actor, ids[0], corpusdb.PublishOptions{ConfirmShrink: *confirm})
	case "rollback":
		v, err = svc.Rollback(ctx, actor, ids[0], *note, corpusdb.PublishOptions{ConfirmShrink: *confirm})
	}
	var sh *corpusdb.ShrinkError
	if errors.As(err, &sh) {
		return fail("%v (add --confirm-shrink if that is intended)", sh)
	}
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "Version %d is %s.\n", v.ID, v.State)
	if v.State == balai.CorpusPublished {
		fmt.Fprintln(stdout, "Every running replica serves it within seconds.")
	}
	return exitOK
}

func showVersion(w io.Writer, v balai.CorpusVersion) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, val string) {
		if val != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, val)
		}
	}
	row("Version", strconv.FormatInt(v.ID, 10))
	row("State", string(v.State))
	row("Entries", strconv.Itoa(v.Entries))
	if v.Parent != 0 {
		row("Made from", strconv.FormatInt(v.Parent, 10))
	}
	if v.RollbackOf != 0 {
		row("Restores", strconv.FormatInt(v.RollbackOf, 10))
	}
	row("Author", v.Author)
	row("Changed by", strings.Join(v.Contributors, ", "))
	row("Note", v.Note)
	row("Created", when(v.CreatedAt))
	row("Submitted", when(v.SubmittedAt))
	row("Approved", strings.TrimSpace(when(v.ApprovedAt)+" "+v.Approver))
	row("Rejected", strings.TrimSpace(when(v.RejectedAt)+" "+v.Rejecter))
	row("Review note", v.ReviewNote)
	row("Published", strings.TrimSpace(when(v.PublishedAt)+" "+v.Publisher))
	row("Superseded", when(v.SupersededAt))
	row("Fingerprint", v.Fingerprint[:min(16, len(v.Fingerprint))])
	tw.Flush()
}

func printDiff(w io.Writer, d corpusdb.Diff) {
	if d.Empty() {
		fmt.Fprintf(w, "Versions %d and %d hold the same entries.\n", d.From, d.To)
		return
	}
	fmt.Fprintf(w, "From version %d to %d: %d added, %d removed, %d changed.\n", d.From, d.To, len(d.Added), len(d.Removed), len(d.Changed))
	for _, id := range d.Added {
		fmt.Fprintf(w, "+ %s\n", id)
	}
	for _, id := range d.Removed {
		fmt.Fprintf(w, "- %s\n", id)
	}
	for _, ch := range d.Changed {
		fmt.Fprintf(w, "~ %s\n", ch.ID)
		for _, f := range ch.Fields {
			fmt.Fprintf(w, "    %s:\n", f.Field)
			for _, l := range strings.Split(f.From, "\n") {
				fmt.Fprintf(w, "      - %s\n", l)
			}
			for _, l := range strings.Split(f.To, "\n") {
				fmt.Fprintf(w, "      + %s\n", l)
			}
		}
	}
	for _, f := range d.DataFiles {
		fmt.Fprintf(w, "~ %s/%s (data file)\n", faq.ExtrasDir, f)
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len([]rune(s)) > 50 {
		s = string([]rune(s)[:49]) + "…"
	}
	return s
}
