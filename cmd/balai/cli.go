package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `balai — the agency's citizen-service assistant

Usage:
  balai serve                          run the chat channels (web chat always; Telegram/WhatsApp when configured)
  balai whatsapp login [--phone 62812…] link the agency's WhatsApp number (whatsmeow) by QR or pairing code
  balai ask [--faq DIR] [--json] [--explain] [--at DATE] "pertanyaan"
  balai eval [--faq DIR] --cases FILE.jsonl [--json] [--sweep] [--at DATE] [--min-correct P] [--max-wrong P] [--max-oos-answered P]
  balai calibrate --cases FILE.jsonl [--faq DIR] [--out FILE] [--check FILE]
                                       fit confidence and thresholds to labelled questions (cross-validated);
                                       serve reads the file from BALAI_CALIBRATION_FILE
  balai faq validate [DIR]             check a corpus; non-zero exit on any error
  balai faq stats [DIR] [--at DATE]    review dates due or past (per owner), entries, categories, incomplete entries
  balai faq import FILE.csv [--faq DIR] [--source URL] [--updated DATE|today] [--merge-duplicates] [--dry-run]
                                       merge an agency's spreadsheet into the corpus (folder created if missing);
                                       validated first, nothing written on any error; --dry-run shows what would change
  balai faq export [--faq DIR]         write the corpus as CSV to standard output
  balai faq accept [DIR] [--data-dir DIR]  confirm a corpus change held for removing many entries
  balai corpus list|show|diff|draft|submit|approve|reject|publish|rollback|export
                                       FAQ corpus versions in the database (BALAI_CORPUS=db; balai corpus for details)
  balai unanswered export --out FILE  labelled examples from the unanswered-questions loop as an eval file
                                       (for balai eval / balai calibrate --cases)
  balai user add|passwd|disable|enable|role|link-telegram|list
                                       officer console accounts (balai user for details); the first
                                       admin: balai user add --role admin USERNAME

Configuration comes from the environment (see README.md); --faq overrides BALAI_FAQ_DIR.
`

// exit codes
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitMissing = 3 // eval: a target was missed
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "faq":
		return runFAQ(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		if c, ok := commands[cmd]; ok {
			return c(ctx, rest, stdout, stderr)
		}
		fmt.Fprintf(stderr, "balai: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

// commands holds the top-level subcommands other files register.
var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int{}

// parseInterspersed parses flags that may come before or after positional arguments
// ("balai ask --json 'q'" and "balai ask 'q' --json").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func joinArgs(a []string) string { return strings.TrimSpace(strings.Join(a, " ")) }
