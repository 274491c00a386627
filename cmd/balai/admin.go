package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

func init() { commands["admin"] = runAdmin }

// adminCommands holds the `balai admin` subcommands; each lives in its own file
// (admin_*.go) and registers itself in an init function.
var adminCommands = map[string]adminCommand{}

type adminCommand struct {
	usage string // one line: "dead-letters list|retry ID|drop ID"
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// runAdmin is `balai admin SUBCOMMAND …`: operator tasks on the running service's database.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage())
		return exitUsage
	}
	c, ok := adminCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "balai admin: unknown subcommand %q\n\n%s", args[0], adminUsage())
		return exitUsage
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func adminUsage() string {
	names := make([]string, 0, len(adminCommands))
	for n := range adminCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  balai admin %s\n", adminCommands[n].usage)
	}
	return b.String()
}
