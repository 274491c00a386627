// Command balai is the citizen-service assistant: it serves the chat channels, answers
// questions from the FAQ corpus on the command line, evaluates retrieval and manages the corpus.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // office hours and review dates are in Asia/Jakarta, also in a static image
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
