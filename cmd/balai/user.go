package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/store"
)

func init() { commands["user"] = runUser }

const userUsage = `Usage:
  balai user add [--role officer|supervisor|editor|admin] [--name NAME] [--email ADDR] [--oidc-subject SUB] [--no-password] USERNAME
  balai user passwd USERNAME
  balai user disable USERNAME      (ends the account's sessions)
  balai user enable USERNAME
  balai user role USERNAME ROLE
  balai user link-telegram USERNAME TELEGRAM_USER_ID   (0 unlinks)
  balai user list

Passwords are read from the terminal (asked twice), or from the first line of standard
input when it is not a terminal; never from the command line. The first admin of the
officer console is made with: balai user add --role admin USERNAME
`

// stdin is where passwords are read from (tests replace it).
var stdin io.Reader = os.Stdin

// runUser is `balai user …`: console accounts in the service's database (DATABASE_URL or
// the data directory's SQLite file). Every change is written to the console's audit log as
// done by "cli".
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return exitUsage
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet("balai user "+sub, stderr)
	role := fs.String("role", string(balai.RoleOfficer), "the account's role")
	name := fs.String("name", "", "the person's name (default: the username)")
	email := fs.String("email", "", "e-mail address (single sign-on matches it)")
	subject := fs.String("oidc-subject", "", "the identity provider's subject of this person")
	noPassword := fs.Bool("no-password", false, "no password: the account signs in with single sign-on only")
	pos, err := parseInterspersed(fs, rest)
	if err != nil {
		return exitUsage
	}
	want := map[string]int{"add": 1, "passwd": 1, "disable": 1, "enable": 1, "role": 2, "link-telegram": 2, "list": 0}
	n, ok := want[sub]
	if !ok || len(pos) != n {
		fmt.Fprint(stderr, userUsage)
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "balai user %s: %s\n", sub, fmt.Sprintf(format, a...))
		return exitFailed
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai user: configuration:\n%v\n", err)
		return exitUsage
	}
	db, err := store.Open(ctx, cfg.databaseURL(), store.Options{Owner: store.InstanceName("user")})
	if err != nil {
		return fail("%v", err)
	}
	defer db.Close()
	audit := func(action string, a balai.Account, detail string) {
		if err := db.AddAudit(ctx, balai.AuditEntry{At: clock.Now(), Actor: "cli", Action: action, Target: a.Officer().ID, Detail: detail}); err != nil {
			fmt.Fprintf(stderr, "balai user %s: audit log: %v\n", sub, err)
		}
	}
	if sub == "list" {
		as, err := db.Accounts(ctx)
		if err != nil {
			return fail("%v", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLE\tEMAIL\tTELEGRAM\tSTATUS")
		for _, a := range as {
			status := "active"
			if a.Disabled {
				status = "disabled"
			}
			tg := ""
			if a.TelegramID != 0 {
				tg = strconv.FormatInt(a.TelegramID, 10)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Username, a.Name, a.Role, a.Email, tg, status)
		}
		tw.Flush()
		return exitOK
	}
	username := balai.NormalizeUsername(pos[0])
	if sub == "add" {
		a := balai.Account{Username: username, Name: strings.TrimSpace(*name), Email: *email, OIDCSubject: *subject, Role: balai.Role(*role)}
		if !balai.ValidUsername(username) {
			return fail("%q: a username has 2-64 characters: lower-case letters, digits, dots, dashes, underscores or @", pos[0])
		}
		if !a.Role.Valid() {
			return fail("--role %q: want officer, supervisor, editor or admin", *role)
		}
		if a.Name == "" {
			a.Name = username
		}
		var hash string
		if !*noPassword {
			if hash, err = readNewPassword(stdout, stderr); err != nil {
				return fail("%v", err)
			}
		} else if a.Email == "" && a.OIDCSubject == "" {
			return fail("--no-password needs --email or --oidc-subject: single sign-on finds the account by them")
		}
		a, err = db.CreateAccount(ctx, a, hash)
		if errors.Is(err, balai.ErrAccountExists) {
			return fail("%s: the username, e-mail, subject or Telegram id is already used by another account", username)
		}
		if err != nil {
			return fail("%v", err)
		}
		audit("account_created", a, "username "+a.Username+", role "+string(a.Role))
		fmt.Fprintf(stdout, "Created %s (%s), id %d. Sign in at /console/.\n", a.Username, a.Role, a.ID)
		return exitOK
	}
	a, _, err := db.AccountByUsername(ctx, username)
	if errors.Is(err, balai.ErrAccountNotFound) {
		return fail("no account %q (balai user list shows them)", username)
	}
	if err != nil {
		return fail("%v", err)
	}
	var detail string
	switch sub {
	case "passwd":
		hash, err := readNewPassword(stdout, stderr)
		if err != nil {
			return fail("%v", err)
		}
		if err := db.SetPassword(ctx, a.ID, hash, ""); err != nil {
			return fail("%v", err)
		}
		audit("password_reset", a, "all sessions ended")
		fmt.Fprintf(stdout, "Password of %s changed; their sessions have ended.\n", a.Username)
		return exitOK
	case "disable", "enable":
		a.Disabled = sub == "disable"
	case "role":
		r := balai.Role(pos[1])
		if !r.Valid() {
			return fail("%q: want officer, supervisor, editor or admin", pos[1])
		}
		detail = string(a.Role) + " → " + string(r)
		a.Role = r
	case "link-telegram":
		id, err := strconv.ParseInt(pos[1], 10, 64)
		if err != nil || id < 0 {
			return fail("%q is not a Telegram user id", pos[1])
		}
		a.TelegramID = id
	}
	err = db.UpdateAccount(ctx, a)
	if errors.Is(err, balai.ErrAccountExists) {
		return fail("that Telegram id is linked to another account")
	}
	if err != nil {
		return fail("%v", err)
	}
	switch sub {
	case "disable":
		audit("account_disabled", a, "")
	case "enable":
		audit("account_enabled", a, "")
	case "role":
		audit("role_changed", a, detail)
	case "link-telegram":
		audit("telegram_linked", a, "telegram "+pos[1])
	}
	fmt.Fprintf(stdout, "Saved %s.\n", a.Username)
	return exitOK
}

// readNewPassword reads a new password from the terminal (asked twice, not echoed) or the
// first line of standard input, checks the length rules and returns its hash.
func readNewPassword(stdout, stderr io.Writer) (string, error) {
	var p string
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "New password: ")
		b1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stderr, "Repeat it: ")
		b2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(b1) != string(b2) {
			return "", errors.New("the two passwords differ")
		}
		p = string(b1)
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || line == "") {
			return "", errors.New("no password on standard input (give it on the first line)")
		}
		p = strings.TrimRight(line, "\r\n")
	}
	h, err := console.HashPassword(p)
	switch {
	case errors.Is(err, console.ErrPasswordTooShort):
		return "", fmt.Errorf("the password is too short: use at least %d characters (a phrase of several words is easy to remember)", console.MinPasswordLength)
	case errors.Is(err, console.ErrPasswordTooLong):
		return "", fmt.Errorf("the password is too long: at most %d characters", console.MaxPasswordLength)
	}
	return h, err
}
