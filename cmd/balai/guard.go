package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/guard"
)

// The outbound guard's settings (package guard), from the environment:
//
//	BALAI_GUARD_WORDS       internal words and phrases, comma-separated
//	BALAI_GUARD_WORDS_FILE  a file of them: one a line or comma-separated, '#' comments
//	BALAI_GUARD_ALLOW       the agency's public contacts replies may give: phone numbers,
//	                        e-mail addresses, "@domain" for a whole domain; comma-separated
//	BALAI_GUARD_MIN_WORDS   words in a row shared with a note that count as copied (6)
func guardConfig() (guard.Config, error) {
	cfg := guard.Config{
		Words:   guard.SplitList(os.Getenv("BALAI_GUARD_WORDS")),
		Allowed: guard.SplitList(os.Getenv("BALAI_GUARD_ALLOW")),
	}
	if path := strings.TrimSpace(os.Getenv("BALAI_GUARD_WORDS_FILE")); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return cfg, fmt.Errorf("BALAI_GUARD_WORDS_FILE: %w", err)
		}
		words, err := guard.ParseWords(f)
		f.Close()
		if err != nil {
			return cfg, fmt.Errorf("BALAI_GUARD_WORDS_FILE %s: %w", path, err)
		}
		cfg.Words = append(cfg.Words, words...)
	}
	if v := strings.TrimSpace(os.Getenv("BALAI_GUARD_MIN_WORDS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 3 {
			return cfg, fmt.Errorf("BALAI_GUARD_MIN_WORDS=%q: want a number of words, at least 3", v)
		}
		cfg.MinShared = n
	}
	return cfg, nil
}

// newGuard builds the outbound guard serve gives the desk (desk's CheckReply hook).
func newGuard(cfg Config) (*guard.Guard, error) {
	gc, err := guardConfig()
	if err != nil {
		return nil, err
	}
	msgs, err := bot.LoadMessages(cfg.MessagesFile, cfg.Agency)
	if err != nil {
		return nil, err
	}
	return guard.New(gc, msgs), nil
}

func init() {
	adminCommands["guard-check"] = adminCommand{
		usage: "guard-check --ticket NUMBER < REPLY          what the outbound guard says of a reply to that ticket (try the word list and allowed contacts)",
		run:   runAdminGuardCheck,
	}
}

// runAdminGuardCheck reads a reply from standard input and prints the guard's reasons for
// holding it as a reply to the ticket, exiting 1 when there are any.
func runAdminGuardCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return guardCheck(ctx, args, os.Stdin, stdout, stderr)
}

func guardCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai admin guard-check", stderr)
	ticketArg := fs.String("ticket", "", "the ticket `NUMBER` (BLI-000123) the reply answers")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai admin guard-check: configuration:\n%v\n", err)
		return exitFailed
	}
	id, ok := desk.ParseNumber(cfg.Desk.TicketPrefix, *ticketArg)
	if !ok {
		fmt.Fprintf(stderr, "balai admin guard-check: --ticket %q: want a ticket number like %s-000123\n", *ticketArg, cfg.Desk.TicketPrefix)
		return exitUsage
	}
	g, err := newGuard(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin guard-check: %v\n", err)
		return exitFailed
	}
	reply, err := io.ReadAll(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin guard-check: %v\n", err)
		return exitFailed
	}
	db, _, err := openDataStore(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin guard-check: %v\n", err)
		return exitFailed
	}
	defer db.Close()
	t, err := db.Ticket(ctx, id)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin guard-check: ticket %s: %v\n", *ticketArg, err)
		return exitFailed
	}
	events, err := db.Events(ctx, id)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin guard-check: ticket %s: %v\n", *ticketArg, err)
		return exitFailed
	}
	var notes []balai.Event
	for _, e := range events {
		if e.Action == "noted" {
			notes = append(notes, e)
		}
	}
	reasons := g.CheckReply(t, notes, string(reply))
	if len(reasons) == 0 {
		fmt.Fprintln(stdout, "ok")
		return exitOK
	}
	for _, r := range reasons {
		fmt.Fprintln(stdout, "- "+r)
	}
	return exitFailed
}
