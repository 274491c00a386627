package main

import (
	"fmt"
	"io"
	"os"

	"github.com/balai-id/balai/knowledge"
)

// acceptClock is the clock of the acceptance's time; tests set their own.
var acceptClock = importClock

// faqAccept confirms the corpus as it is now (BALAI_FAQ_DIR or DIR) although it removes
// more entries than BALAI_CORPUS_SHRINK_LIMIT lets through: it writes the corpus's
// fingerprint into the data directory, where a running balai serve finds it at its next
// check (BALAI_RELOAD_INTERVAL, or at once on SIGHUP) and the next start finds it too. A later
// change of the files needs a new acceptance.
func faqAccept(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai faq accept", stderr)
	dirFlag := fs.String("faq", "", "corpus `DIR` (default BALAI_FAQ_DIR or the embedded corpus)")
	dataDir := fs.String("data-dir", env("BALAI_DATA_DIR", "balai-data"), "balai serve's data `DIR` (BALAI_DATA_DIR)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if st, err := os.Stat(*dataDir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "balai faq accept: data directory %s: not found; give the one balai serve uses (--data-dir or BALAI_DATA_DIR)\n", *dataDir)
		return exitUsage
	}
	c, ps, err := knowledge.LoadCorpus(corpusDirArg(*dirFlag, pos))
	if err != nil {
		fmt.Fprintf(stderr, "balai faq accept: %v\n", err)
		return exitFailed
	}
	if err := ps.Err(); err != nil {
		fmt.Fprintf(stderr, "balai faq accept: the corpus has errors and will not be served; fix them first (balai faq validate):\n%v\n", err)
		return exitFailed
	}
	if last, err := readCorpusRecord(*dataDir, servedFile); err == nil && last != nil {
		sh := corpusShrink(last.IDs, c)
		fmt.Fprintf(stdout, "served last: %d entries; this corpus: %d entries, %d removed (%.0f%%)\n", sh.From, sh.To, sh.Removed, percent(sh.Share()))
		for _, id := range sh.IDs {
			fmt.Fprintf(stdout, "  - %s\n", id)
		}
		if sh.Removed > len(sh.IDs) {
			fmt.Fprintf(stdout, "  … %d more\n", sh.Removed-len(sh.IDs))
		}
	}
	if err := writeCorpusRecord(*dataDir, acceptFile, corpusRecord(c, acceptClock(), false)); err != nil {
		fmt.Fprintf(stderr, "balai faq accept: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "accepted corpus %s (%d entries): balai serve applies it within BALAI_RELOAD_INTERVAL, at once on SIGHUP, or at its next start\n",
		c.Fingerprint[:16], len(c.Entries))
	return exitOK
}
