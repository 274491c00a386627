package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/internal/private"
	"github.com/balai-id/balai/store"
)

// Citizens' data on request (UU 27/2022): `balai admin export` gives a citizen everything
// Balai keeps about them; `balai admin erase` erases it.

func init() {
	adminCommands["export"] = adminCommand{
		usage: "export --chat CHANNEL:ID|--ticket NUMBER [--out FILE]   everything kept about one citizen, as JSON (a request to see their data)",
		run:   runAdminExport,
	}
	adminCommands["erase"] = adminCommand{
		usage: "erase --chat CHANNEL:ID|--ticket NUMBER [--yes]         erase one citizen's personal data everywhere (without --yes: show what would go)",
		run:   runAdminErase,
	}
}

// parseChat reads "telegram:123", "whatsapp:6281…", "web:SESSION".
func parseChat(s string) (balai.ChatRef, error) {
	ch, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	c := balai.ChatRef{Channel: balai.Channel(strings.ToLower(ch)), ID: strings.TrimSpace(id)}
	switch {
	case !ok || c.ID == "":
		return c, fmt.Errorf("--chat %q: want CHANNEL:ID, like whatsapp:6281234567890 or telegram:123456", s)
	case c.Channel != balai.Telegram && c.Channel != balai.WhatsApp && c.Channel != balai.Web:
		return c, fmt.Errorf("--chat %q: the channel is telegram, whatsapp or web", s)
	}
	return c, nil
}

// openDataStore opens the database `balai serve` uses (DATABASE_URL or the SQLite file in
// BALAI_DATA_DIR); it may run beside a running serve.
func openDataStore(ctx context.Context, stderr io.Writer) (*store.DB, *slog.Logger, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(stderr, cfg)
	db, err := store.Open(ctx, cfg.databaseURL(), store.Options{Owner: store.InstanceName(cfg.Instance) + "-admin", Logger: log})
	return db, log, err
}

// chatFlags parses --chat or --ticket (and the command's other flags) and opens the store.
// A citizen who asks for their data seldom knows their chat id (a web chat's is a hash of
// its session; a Telegram user's is a number they never see), but a ticket number is on every
// reply an officer sent them: --ticket finds the chat of that ticket.
func chatFlags(ctx context.Context, name string, args []string, stderr io.Writer, more func(*flag.FlagSet)) (balai.ChatRef, *store.DB, *slog.Logger, int) {
	fs := newFlagSet("balai admin "+name, stderr)
	chatArg := fs.String("chat", "", "the citizen's chat: CHANNEL:ID (telegram:123456, whatsapp:6281234567890, web:CONVERSATION)")
	ticketArg := fs.String("ticket", "", "or the chat of the ticket `NUMBER` (BLI-000123)")
	if more != nil {
		more(fs)
	}
	if err := fs.Parse(args); err != nil {
		return balai.ChatRef{}, nil, nil, exitUsage
	}
	if (*chatArg == "") == (*ticketArg == "") {
		fmt.Fprintf(stderr, "balai admin %s: give the citizen's --chat CHANNEL:ID or a --ticket NUMBER of theirs\n", name)
		return balai.ChatRef{}, nil, nil, exitUsage
	}
	var chat balai.ChatRef
	if *chatArg != "" {
		var err error
		if chat, err = parseChat(*chatArg); err != nil {
			fmt.Fprintf(stderr, "balai admin %s: %v\n", name, err)
			return chat, nil, nil, exitUsage
		}
	}
	db, log, err := openDataStore(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin %s: %v\n", name, err)
		return chat, nil, nil, exitFailed
	}
	if *ticketArg != "" {
		cfg, _ := loadConfig() // loaded without error by openDataStore
		id, ok := desk.ParseNumber(cfg.Desk.TicketPrefix, *ticketArg)
		if !ok {
			db.Close()
			fmt.Fprintf(stderr, "balai admin %s: --ticket %q: want a ticket number like %s-000123\n", name, *ticketArg, cfg.Desk.TicketPrefix)
			return chat, nil, nil, exitUsage
		}
		t, err := db.Ticket(ctx, id)
		switch {
		case err != nil:
			db.Close()
			fmt.Fprintf(stderr, "balai admin %s: ticket %s: %v\n", name, *ticketArg, err)
			return chat, nil, nil, exitFailed
		case t.Chat.ID == "":
			db.Close()
			fmt.Fprintf(stderr, "balai admin %s: ticket %s no longer names its chat (erased or past the retention)\n", name, *ticketArg)
			return chat, nil, nil, exitFailed
		}
		chat = t.Chat
	}
	return chat, db, log, exitOK
}

func runAdminExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var out string
	chat, db, _, code := chatFlags(ctx, "export", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "write the JSON to FILE (created 0600) instead of standard output")
	})
	if db == nil {
		return code
	}
	defer db.Close()
	x, err := db.ExportChat(ctx, chat)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin export: %v\n", err)
		return exitFailed
	}
	data, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "balai admin export: %v\n", err)
		return exitFailed
	}
	data = append(data, '\n')
	if out == "" {
		stdout.Write(data)
		return exitOK
	}
	if err := os.WriteFile(out, data, private.FileMode); err != nil {
		fmt.Fprintf(stderr, "balai admin export: %v\n", err)
		return exitFailed
	}
	if _, err := private.Existing(out); err != nil { // an existing file keeps its mode
		fmt.Fprintf(stderr, "balai admin export: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Wrote everything kept about %s to %s: %d messages, %d tickets. It holds the citizen's personal data: hand it to them only.\n",
		chat, out, len(x.Messages), len(x.Tickets))
	return exitOK
}

func runAdminErase(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var yes bool
	chat, db, log, code := chatFlags(ctx, "erase", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&yes, "yes", false, "erase without asking (otherwise: show what would be erased and stop)")
	})
	if db == nil {
		return code
	}
	defer db.Close()
	if !yes {
		x, err := db.ExportChat(ctx, chat)
		if err != nil {
			fmt.Fprintf(stderr, "balai admin erase: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "Would erase the personal data of %s: %d messages received, %d logged, %d replies, %d tickets (kept as counts).\n"+
			"Nothing was changed. Run again with --yes to erase; it cannot be undone (balai admin export first if the citizen asked for a copy).\n",
			chat, len(x.Received), len(x.Messages), len(x.Replies), len(x.Tickets))
		return exitFailed
	}
	p, err := db.EraseChat(ctx, chat)
	if err != nil {
		fmt.Fprintf(stderr, "balai admin erase: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Erased the personal data of %s: %d messages and %d replies deleted, %d log lines and %d tickets blanked (kept as counts), %d conversation state, %d parked messages and %d web sessions deleted.\n",
		chat, p.Inbound, p.Outbox, p.Messages, p.Tickets, p.Conversations, p.DeadLetters, p.WebSessions)
	log.Info("Erased a citizen's personal data on request", "chat", chat,
		"inbound_deleted", p.Inbound, "outbox_deleted", p.Outbox, "messages_blanked", p.Messages, "tickets_blanked", p.Tickets,
		"dead_letters_deleted", p.DeadLetters, "web_sessions_deleted", p.WebSessions)
	return exitOK
}
