package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/internal/private"
	"github.com/balai-id/balai/lapor"
)

// `balai admin lapor-export`: the complaints received in a period, in SP4N-LAPOR!'s fields,
// for the agency's LAPOR! administrator (package lapor).

func init() {
	adminCommands["lapor-export"] = adminCommand{
		usage: "lapor-export --since DATE --until DATE [--format csv|json] [--out FILE]   complaints received in those days, in LAPOR!'s fields",
		run:   runAdminLaporExport,
	}
}

func runAdminLaporExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai admin lapor-export", stderr)
	sinceArg := fs.String("since", "", "first `DATE` (YYYY-MM-DD, the agency's zone) of complaints received")
	untilArg := fs.String("until", "", "last `DATE` (YYYY-MM-DD, included)")
	format := fs.String("format", "csv", "csv or json")
	out := fs.String("out", "", "write to `FILE` (created 0600) instead of standard output")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai admin lapor-export: configuration:\n%v\n", err)
		return exitFailed
	}
	cal, err := calendar(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin lapor-export: %v\n", err)
		return exitFailed
	}
	loc := cal.Location()
	since, err1 := time.ParseInLocation(time.DateOnly, *sinceArg, loc)
	until, err2 := time.ParseInLocation(time.DateOnly, *untilArg, loc)
	if err1 != nil || err2 != nil || until.Before(since) {
		fmt.Fprintln(stderr, "balai admin lapor-export: give --since and --until as dates YYYY-MM-DD, --until not before --since")
		return exitUsage
	}
	var buf bytes.Buffer
	var exp lapor.Exporter
	switch *format {
	case "csv":
		exp = lapor.CSV{W: &buf}
	case "json":
		exp = lapor.JSON{W: &buf}
	default:
		fmt.Fprintf(stderr, "balai admin lapor-export: --format %q: want csv or json\n", *format)
		return exitUsage
	}
	db, _, err := openDataStore(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin lapor-export: %v\n", err)
		return exitFailed
	}
	defer db.Close()
	forms, err := db.Forms(ctx, balai.KindComplaint, since, until.AddDate(0, 0, 1))
	if err != nil {
		fmt.Fprintf(stderr, "balai admin lapor-export: %v\n", err)
		return exitFailed
	}
	var reports []lapor.Report
	for _, f := range forms {
		t, err := db.Ticket(ctx, f.TicketID)
		if err != nil {
			fmt.Fprintf(stderr, "balai admin lapor-export: ticket %d: %v\n", f.TicketID, err)
			return exitFailed
		}
		if r, ok := lapor.FromForm(f, t, cfg.Desk.TicketPrefix, cal, loc); ok {
			reports = append(reports, r)
		}
	}
	if err := exp.Export(ctx, reports); err != nil {
		fmt.Fprintf(stderr, "balai admin lapor-export: %v\n", err)
		return exitFailed
	}
	if *out == "" {
		stdout.Write(buf.Bytes())
		return exitOK
	}
	if err := os.WriteFile(*out, buf.Bytes(), private.FileMode); err != nil {
		fmt.Fprintf(stderr, "balai admin lapor-export: %v\n", err)
		return exitFailed
	}
	if _, err := private.Existing(*out); err != nil { // an existing file keeps its mode
		fmt.Fprintf(stderr, "balai admin lapor-export: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Wrote %d complaints received %s to %s to %s (%d erased skipped). It holds reporters' personal data: hand it to the LAPOR! administrator only.\n",
		len(reports), *sinceArg, *untilArg, *out, len(forms)-len(reports))
	return exitOK
}
