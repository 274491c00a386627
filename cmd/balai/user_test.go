package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/store"
)

// TestUserCommands: balai user add/list/role/link-telegram/disable/enable/passwd on both
// databases, the password from standard input (never argv), its length checked, every
// change in the console's audit log.
func TestUserCommands(t *testing.T) {
	for name, database := range adminDatabases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			url := database(t)
			t.Setenv("DATABASE_URL", url)
			user := func(input string, args ...string) (int, string, string) {
				t.Helper()
				stdin = strings.NewReader(input)
				var out, errOut bytes.Buffer
				code := run(ctx, append([]string{"user"}, args...), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			if code, _, errOut := user("pendek\n", "add", "--role", "admin", "sari"); code != exitFailed || !strings.Contains(errOut, "at least 12 characters") {
				t.Errorf("short password: %d %s", code, errOut)
			}
			if code, out, errOut := user("kata-sandi-panjang-1\n", "add", "--role", "admin", "--name", "Sari W.", "--email", "sari@dinas.go.id", "Sari"); code != exitOK || !strings.Contains(out, "Created sari (admin)") {
				t.Fatalf("add: %d %s %s", code, out, errOut)
			}
			if code, _, errOut := user("kata-sandi-panjang-1\n", "add", "sari"); code != exitFailed || !strings.Contains(errOut, "already used") {
				t.Errorf("add twice: %d %s", code, errOut)
			}
			if code, _, _ := user("", "add", "--role", "boss", "x"); code != exitFailed {
				t.Errorf("unknown role accepted")
			}
			if code, _, _ := user("", "add", "--no-password", "--email", "budi@dinas.go.id", "budi"); code != exitOK {
				t.Errorf("sso-only account refused")
			}
			steps := [][]string{{"role", "budi", "supervisor"}, {"link-telegram", "budi", "4242"}, {"disable", "budi"}, {"enable", "budi"}}
			for _, s := range steps {
				if code, _, errOut := user("", s...); code != exitOK {
					t.Fatalf("%v: %d %s", s, code, errOut)
				}
			}
			if code, _, errOut := user("", "link-telegram", "sari", "4242"); code != exitFailed || !strings.Contains(errOut, "another account") {
				t.Errorf("telegram id used twice: %d %s", code, errOut)
			}
			if code, _, _ := user("", "disable", "nobody"); code != exitFailed {
				t.Errorf("disable nobody succeeded")
			}
			if code, _, _ := user("kata-sandi-baru-sekali\n", "passwd", "sari"); code != exitOK {
				t.Errorf("passwd failed")
			}
			code, out, _ := user("", "list")
			if code != exitOK || !strings.Contains(out, "sari") || !strings.Contains(out, "Sari W.") || !strings.Contains(out, "4242") || !strings.Contains(out, "supervisor") {
				t.Errorf("list: %d\n%s", code, out)
			}
			if code, _, _ := user("", "add"); code != exitUsage {
				t.Errorf("add without a username: %d", code)
			}

			db, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			sari, hash, err := db.AccountByUsername(ctx, "sari")
			if err != nil || sari.Role != balai.RoleAdmin || !console.VerifyPassword(hash, "kata-sandi-baru-sekali") || console.VerifyPassword(hash, "kata-sandi-panjang-1") {
				t.Errorf("sari = %+v, password changed: %v", sari, err)
			}
			if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
				t.Errorf("hash %q: not an argon2id PHC string", hash)
			}
			budi, _, _ := db.AccountByUsername(ctx, "budi")
			if budi.Role != balai.RoleSupervisor || budi.TelegramID != 4242 || budi.Disabled || budi.HasPassword {
				t.Errorf("budi = %+v", budi)
			}
			au, _ := db.Audit(ctx, 100)
			var actions []string
			for i := len(au) - 1; i >= 0; i-- {
				if au[i].Actor != "cli" {
					t.Errorf("audit actor %q", au[i].Actor)
				}
				actions = append(actions, au[i].Action)
			}
			want := "account_created account_created role_changed telegram_linked account_disabled account_enabled password_reset"
			if strings.Join(actions, " ") != want {
				t.Errorf("audit = %v, want %s", actions, want)
			}
		})
	}
}
