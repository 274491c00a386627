package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/console/unansweredui"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/unanswered"
)

func init() { commands["unanswered"] = runUnanswered }

const unansweredUsage = `Usage:
  balai unanswered export --out FILE   write the labelled examples of the unanswered-questions loop
                                       (tickets closed "answered by entry X", phrasings added, questions
                                       out of scope) as an eval file for balai eval and balai calibrate
                                       (--out - for standard output)
`

func runUnanswered(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprint(stderr, unansweredUsage)
		return exitUsage
	}
	fs := newFlagSet("balai unanswered export", stderr)
	out := fs.String("out", "", "the eval `FILE` to write (JSON Lines; - for standard output)")
	if pos, err := parseInterspersed(fs, args[1:]); err != nil || len(pos) != 0 || *out == "" {
		fmt.Fprint(stderr, unansweredUsage)
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai unanswered: configuration:\n%v\n", err)
		return exitUsage
	}
	db, err := store.Open(ctx, cfg.databaseURL(), store.Options{Owner: store.InstanceName("unanswered")})
	if err != nil {
		fmt.Fprintf(stderr, "balai unanswered export: %v\n", err)
		return exitFailed
	}
	defer db.Close()
	svc, err := unanswered.New(unanswered.Options{Store: db})
	if err != nil {
		fmt.Fprintf(stderr, "balai unanswered export: %v\n", err)
		return exitFailed
	}
	w := stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintf(stderr, "balai unanswered export: %v\n", err)
			return exitFailed
		}
		w = f
	}
	n, err := svc.Export(ctx, w)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "balai unanswered export: %v\n", err)
		return exitFailed
	}
	if *out != "-" {
		fmt.Fprintf(stdout, "%d labelled questions written to %s (balai eval --cases %s)\n", n, *out, *out)
	}
	return exitOK
}

// mountUnanswered serves the unanswered-questions pages in the console for editors and
// admins; their corpus actions go through drafts of the database corpus.
func (s *Main) mountUnanswered(con *console.Server, msgs *bot.Messages) error {
	svc, err := unanswered.New(unanswered.Options{Store: s.db, Corpus: corpusService(s.cfg, s.db)})
	if err != nil {
		return err
	}
	s.unanswered = svc
	mux := http.NewServeMux()
	unansweredui.New(unansweredui.Config{Service: svc, Auth: con.Auth(), Chrome: con.Chrome(), Texts: msgs, Logger: s.log,
		DraftURL: func(draft int64) string { return faqPrefix + "/v/" + strconv.FormatInt(draft, 10) + "/review" }}).Routes(mux, unansweredPrefix)
	con.Mount(unansweredPrefix+"/", balai.RoleEditor, "console_nav_unanswered", mux)
	return nil
}

// unansweredPrefix is where the unanswered-questions pages are in the console.
const unansweredPrefix = "/console/unanswered"

// syncUnansweredEvery is how often serve clusters the unanswered questions logged since the
// last sync (the pages sync too, so they only wait for what came since).
const syncUnansweredEvery = time.Minute

// syncUnanswered keeps the unanswered questions' clusters up to date every interval until
// ctx ends (replicas may run it at once: one syncs, the others then read its points). The
// first sync after an upgrade clusters the whole log.
func (s *Main) syncUnanswered(ctx context.Context, every time.Duration) {
	if s.unanswered == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.unanswered.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("Failed to sync the unanswered questions' clusters; trying again later", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
