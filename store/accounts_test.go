package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestAccounts: accounts are created once per username, e-mail, subject and Telegram id,
// found by each, updated; disabling ends their sessions; a password change ends all
// sessions but the one kept.
func TestAccounts(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testAccounts(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testAccounts(t, storetest.Postgres(t)) })
}

func testAccounts(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC))
	db := open(t, "acc", store.Options{Owner: "a", Now: c.Now})
	if n, err := db.CountAccounts(ctx); err != nil || n != 0 {
		t.Fatalf("count on a new database = %d, %v", n, err)
	}
	sari, err := db.CreateAccount(ctx, balai.Account{Username: " Sari ", Name: "Sari W.", Email: "Sari@Dinas.go.id", Role: balai.RoleAdmin, TelegramID: 42}, "$argon2id$x")
	if err != nil {
		t.Fatal(err)
	}
	if sari.ID == 0 || sari.Username != "sari" || sari.Email != "sari@dinas.go.id" || !sari.HasPassword || !sari.CreatedAt.Equal(c.Now()) {
		t.Errorf("created = %+v", sari)
	}
	budi, err := db.CreateAccount(ctx, balai.Account{Username: "budi", Name: "Budi", Role: balai.RoleOfficer, OIDCSubject: "sub-budi"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, dup := range []balai.Account{
		{Username: "SARI", Name: "x", Role: balai.RoleOfficer},
		{Username: "x1", Name: "x", Role: balai.RoleOfficer, Email: "sari@dinas.go.id"},
		{Username: "x2", Name: "x", Role: balai.RoleOfficer, TelegramID: 42},
		{Username: "x3", Name: "x", Role: balai.RoleOfficer, OIDCSubject: "sub-budi"},
	} {
		if _, err := db.CreateAccount(ctx, dup, ""); !errors.Is(err, balai.ErrAccountExists) {
			t.Errorf("duplicate %+v: err = %v, want ErrAccountExists", dup, err)
		}
	}
	// Two accounts without e-mail, subject or Telegram id do not clash.
	if _, err := db.CreateAccount(ctx, balai.Account{Username: "x4", Name: "x", Role: balai.RoleEditor}, ""); err != nil {
		t.Errorf("second account without e-mail: %v", err)
	}
	got, hash, err := db.AccountByUsername(ctx, "SARI")
	if err != nil || got.ID != sari.ID || hash != "$argon2id$x" {
		t.Errorf("by username = %+v %q %v", got, hash, err)
	}
	if got, err := db.AccountByEmail(ctx, "SARI@dinas.go.id"); err != nil || got.ID != sari.ID {
		t.Errorf("by e-mail = %+v %v", got, err)
	}
	if got, err := db.AccountByTelegram(ctx, 42); err != nil || got.ID != sari.ID {
		t.Errorf("by telegram = %+v %v", got, err)
	}
	if got, err := db.AccountByOIDCSubject(ctx, "sub-budi"); err != nil || got.ID != budi.ID || got.HasPassword {
		t.Errorf("by subject = %+v %v", got, err)
	}
	for name, f := range map[string]func() error{
		"username": func() error { _, _, err := db.AccountByUsername(ctx, "nobody"); return err },
		"email":    func() error { _, err := db.AccountByEmail(ctx, ""); return err },
		"subject":  func() error { _, err := db.AccountByOIDCSubject(ctx, ""); return err },
		"telegram": func() error { _, err := db.AccountByTelegram(ctx, 0); return err },
		"id":       func() error { _, err := db.Account(ctx, 999); return err },
		"update":   func() error { return db.UpdateAccount(ctx, balai.Account{ID: 999, Role: balai.RoleOfficer}) },
		"password": func() error { return db.SetPassword(ctx, 999, "h", "") },
	} {
		if err := f(); !errors.Is(err, balai.ErrAccountNotFound) {
			t.Errorf("%s of nobody: err = %v, want ErrAccountNotFound", name, err)
		}
	}
	budi.TelegramID = 42
	if err := db.UpdateAccount(ctx, budi); !errors.Is(err, balai.ErrAccountExists) {
		t.Errorf("linking a Telegram id in use: %v", err)
	}
	budi.TelegramID, budi.Role, budi.Name = 77, balai.RoleSupervisor, "Budi S."
	c.Add(time.Minute)
	if err := db.UpdateAccount(ctx, budi); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Account(ctx, budi.ID); got.TelegramID != 77 || got.Role != balai.RoleSupervisor || got.Name != "Budi S." || !got.UpdatedAt.Equal(c.Now()) {
		t.Errorf("updated = %+v", got)
	}
	if as, err := db.Accounts(ctx); err != nil || len(as) != 3 || as[0].Username != "budi" || as[1].Username != "sari" {
		t.Errorf("accounts = %+v %v", as, err)
	}

	// Sessions: a password change keeps only the session that made it; disabling ends all.
	now := c.Now()
	for _, h := range []string{"s1", "s2", "s3"} {
		if err := db.CreateSession(ctx, balai.Session{TokenHash: h, AccountID: sari.ID, CSRF: "c-" + h, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateSession(ctx, balai.Session{TokenHash: "b1", AccountID: budi.ID, CSRF: "c", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(ctx, sari.ID, "$argon2id$new", "s2"); err != nil {
		t.Fatal(err)
	}
	live := func(h string) bool {
		t.Helper()
		_, _, err := db.TouchSession(ctx, h, c.Now(), time.Hour)
		if err != nil && !errors.Is(err, balai.ErrSessionNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	if live("s1") || !live("s2") || live("s3") || !live("b1") {
		t.Errorf("after a password change: s1 %v s2 %v s3 %v b1 %v, want only s2 and b1", live("s1"), live("s2"), live("s3"), live("b1"))
	}
	if s, a, err := db.TouchSession(ctx, "s2", c.Now(), time.Hour); err != nil || a.ID != sari.ID || s.CSRF != "c-s2" || s.AccountID != sari.ID {
		t.Errorf("touch = %+v %+v %v", s, a, err)
	}
	budi.Disabled = true
	if err := db.UpdateAccount(ctx, budi); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountSessions(ctx, budi.ID); n != 0 {
		t.Errorf("a disabled account keeps %d sessions", n)
	}

	// The desk maps a Telegram user to the linked account's officer; a disabled account's
	// officer has no role (the desk refuses them); other users are not linked.
	for _, tt := range []struct {
		telegram string
		want     balai.Officer
		linked   bool
	}{
		{"42", balai.Officer{ID: balai.AccountOfficerID(sari.ID), Name: sari.Name, Role: sari.Role}, true},
		{"77", balai.Officer{ID: balai.AccountOfficerID(budi.ID), Name: "Budi S."}, true},
		{"43", balai.Officer{}, false},
		{"abc", balai.Officer{}, false},
		{"", balai.Officer{}, false},
	} {
		got, linked, err := db.OfficerByTelegram(ctx, tt.telegram)
		if err != nil || linked != tt.linked || got != tt.want {
			t.Errorf("OfficerByTelegram(%q) = %+v %v %v, want %+v %v", tt.telegram, got, linked, err, tt.want, tt.linked)
		}
	}
}

// TestConsoleSessions: a session lives while used within the idle time and before its
// absolute end; an expired one is never revived, also from another process; purging
// deletes the dead; failed sign-ins are counted per key in a window; the audit log lists
// newest first.
func TestConsoleSessions(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testConsoleSessions(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testConsoleSessions(t, storetest.Postgres(t)) })
}

func testConsoleSessions(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC))
	a := open(t, "sess", store.Options{Owner: "a", Now: c.Now})
	b := open(t, "sess", store.Options{Owner: "b", Now: c.Now})
	acc, err := a.CreateAccount(ctx, balai.Account{Username: "sari", Name: "Sari", Role: balai.RoleOfficer}, "h")
	if err != nil {
		t.Fatal(err)
	}
	t0 := c.Now()
	const idle = 30 * time.Minute
	for _, h := range []string{"idle", "busy", "gone"} {
		if err := a.CreateSession(ctx, balai.Session{TokenHash: h, AccountID: acc.ID, CSRF: "x", CreatedAt: t0, SeenAt: t0, ExpiresAt: t0.Add(2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	live := func(db *store.DB, h string, at time.Duration) bool {
		t.Helper()
		_, _, err := db.TouchSession(ctx, h, t0.Add(at), idle)
		if err != nil && !errors.Is(err, balai.ErrSessionNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	// busy is used every 20 minutes, across both processes, until its absolute end.
	for m := 20; m < 120; m += 20 {
		db := a
		if m%40 == 0 {
			db = b
		}
		if !live(db, "busy", time.Duration(m)*time.Minute) {
			t.Fatalf("busy session dead at %d minutes", m)
		}
	}
	if live(a, "busy", 2*time.Hour) {
		t.Error("session live at its absolute end")
	}
	if live(b, "idle", 31*time.Minute) || live(a, "idle", 32*time.Minute) {
		t.Error("idle session live (or revived) after the idle time")
	}
	if err := b.DeleteSession(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if live(a, "gone", time.Minute) {
		t.Error("a deleted session is live on the other process")
	}
	c.Set(t0.Add(3 * time.Hour))
	if n, err := a.PurgeSessions(ctx, c.Now(), c.Now().Add(-idle), c.Now().Add(-time.Hour)); err != nil || n != 2 {
		t.Errorf("purged %d, %v; want the 2 left", n, err)
	}

	// Failed sign-ins per key within a window.
	for i := range 3 {
		if err := a.RecordLoginFailure(ctx, t0.Add(time.Duration(i)*time.Minute), "user:sari", "addr:10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := b.LoginFailures(ctx, "user:sari", t0.Add(time.Minute), 10)
	if err != nil || len(fs) != 2 || !fs[0].Equal(t0.Add(2*time.Minute)) {
		t.Errorf("failures since t0+1m = %v, %v", fs, err)
	}
	if fs, _ := b.LoginFailures(ctx, "addr:10.0.0.1", t0, 2); len(fs) != 2 {
		t.Errorf("limit not applied: %v", fs)
	}
	if err := b.ClearLoginFailures(ctx, "user:sari"); err != nil {
		t.Fatal(err)
	}
	if fs, _ := a.LoginFailures(ctx, "user:sari", t0, 10); len(fs) != 0 {
		t.Errorf("failures after clearing = %v", fs)
	}
	if fs, _ := a.LoginFailures(ctx, "addr:10.0.0.1", t0, 10); len(fs) != 3 {
		t.Errorf("clearing the username cleared the address: %v", fs)
	}

	for i, action := range []string{"login", "logout"} {
		if err := a.AddAudit(ctx, balai.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Actor: "user:1", Action: action, Target: "user:1", Addr: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	au, err := b.Audit(ctx, 10)
	if err != nil || len(au) != 2 || au[0].Action != "logout" || au[1].Action != "login" || au[1].Addr != "10.0.0.1" || !au[0].At.Equal(t0.Add(time.Second)) {
		t.Errorf("audit = %+v %v", au, err)
	}
}
