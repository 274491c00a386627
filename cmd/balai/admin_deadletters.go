package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/balai-id/balai/redact"
	"github.com/balai-id/balai/store"
)

func init() {
	adminCommands["dead-letters"] = adminCommand{usage: "dead-letters list|retry ID|drop ID", run: runDeadLetters}
}

// deadLetterListed caps `dead-letters list`.
const deadLetterListed = 200

// runDeadLetters is `balai admin dead-letters list|retry ID|drop ID`: the citizens' messages
// parked after their handling failed for good. retry puts one back in the queue (a running
// balai serve takes it within its resync interval); drop gives it up.
func runDeadLetters(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const use = "Usage: balai admin dead-letters list|retry ID|drop ID\n"
	if len(args) == 0 {
		fmt.Fprint(stderr, use)
		return exitUsage
	}
	var id int64
	switch args[0] {
	case "list":
		if len(args) != 1 {
			fmt.Fprint(stderr, use)
			return exitUsage
		}
	case "retry", "drop":
		var err error
		if len(args) != 2 {
			fmt.Fprint(stderr, use)
			return exitUsage
		}
		if id, err = strconv.ParseInt(args[1], 10, 64); err != nil || id <= 0 {
			fmt.Fprintf(stderr, "balai admin dead-letters %s: %q is not a message id\n", args[0], args[1])
			return exitUsage
		}
	default:
		fmt.Fprint(stderr, use)
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai admin dead-letters: configuration:\n%v\n", err)
		return exitUsage
	}
	// A name of its own: this process claims nothing.
	db, err := store.Open(ctx, cfg.databaseURL(), store.Options{Owner: store.InstanceName("admin")})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	defer db.Close()
	switch args[0] {
	case "retry":
		err = db.RetryDeadLetter(ctx, id)
	case "drop":
		err = db.DropDeadLetter(ctx, id)
	default:
		return listDeadLetters(ctx, db, stdout, stderr)
	}
	if errors.Is(err, store.ErrDeadLetterGone) {
		fmt.Fprintf(stderr, "balai admin dead-letters retry: message %d is no longer kept (erased, or past the retention); its entry is dropped\n", id)
		return exitFailed
	}
	if errors.Is(err, store.ErrNoDeadLetter) {
		fmt.Fprintf(stderr, "balai admin dead-letters %s: no parked message %d\n", args[0], id)
		return exitFailed
	}
	if err != nil {
		fmt.Fprintf(stderr, "balai admin dead-letters %s: %v\n", args[0], err)
		return exitFailed
	}
	if args[0] == "retry" {
		fmt.Fprintf(stdout, "Message %d is back in the queue.\n", id)
	} else {
		fmt.Fprintf(stdout, "Message %d dropped.\n", id)
	}
	return exitOK
}

// listDeadLetters prints the parked messages, their text masked and shortened, each chat
// as its channel and a pseudonym (the same chat has the same one throughout a listing).
func listDeadLetters(ctx context.Context, db *store.DB, stdout, stderr io.Writer) int {
	ds, err := db.DeadLetters(ctx, deadLetterListed)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin dead-letters list: %v\n", err)
		return exitFailed
	}
	n, err := db.CountDeadLetters(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin dead-letters list: %v\n", err)
		return exitFailed
	}
	if n == 0 {
		fmt.Fprintln(stdout, "No parked messages.")
		return exitOK
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tCHAT\tKIND\tTRIES\tCLASS\tPARKED\tERROR\tTEXT")
	for _, d := range ds {
		class := "transient"
		if d.Permanent {
			class = "permanent"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", d.ID, string(d.Chat.Channel)+":"+redact.ID(d.Chat.ID), d.Kind, d.Attempts, class,
			d.ParkedAt.UTC().Format(time.RFC3339), shorten(d.Error, 80), shorten(redact.String(d.Text), 60))
	}
	w.Flush()
	if n > len(ds) {
		fmt.Fprintf(stdout, "… and %d more (oldest listed first).\n", n-len(ds))
	}
	return exitOK
}

// shorten keeps the first n characters of s on one line.
func shorten(s string, n int) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\n' || c == '\r' || c == '\t' {
			r[i] = ' '
		}
	}
	if len(r) > n {
		return strconv.Quote(string(r[:n]) + "…")
	}
	return strconv.Quote(string(r))
}
