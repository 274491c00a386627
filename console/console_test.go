package console_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

var allRoles = []balai.Role{balai.RoleOfficer, balai.RoleSupervisor, balai.RoleEditor, balai.RoleAdmin}

// routeRequest turns a route pattern into a method and a path (path values: id).
func routeRequest(pattern string, id int64) (string, string) {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))
	return method, path
}

// TestEveryRouteRefusesAnonymousAndWrongRole walks every registered route: anonymous users
// are sent to sign in (GET) or refused with 401, accounts whose role does not allow the
// route get 403, and nothing changes.
func TestEveryRouteRefusesAnonymousAndWrongRole(t *testing.T) {
	e := newEnv(t)
	admin := e.account("admin", balai.RoleAdmin, pw)
	for _, r := range allRoles {
		if r != balai.RoleAdmin {
			e.account(string(r), r, pw)
		}
	}
	routes := e.con.Routes()
	var guarded int
	for _, rt := range routes {
		if rt.Public {
			continue
		}
		guarded++
		method, path := routeRequest(rt.Pattern, admin.ID)
		t.Run(rt.Pattern, func(t *testing.T) {
			anon := e.browser()
			var resp response
			if method == http.MethodGet {
				resp = anon.get(path)
				if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), "/console/login?next=") {
					t.Errorf("anonymous GET: %d %q, want 303 to sign in", resp.status, resp.header.Get("Location"))
				}
			} else {
				// With a valid pre-session token: refused for who it is, not for CSRF.
				resp = anon.submit("/console/login", path, url.Values{"role": {"officer"}, "password": {pw + "x"}, "telegram_id": {"5"}})
				if resp.status != http.StatusUnauthorized {
					t.Errorf("anonymous %s: %d, want 401", method, resp.status)
				}
			}
			for _, role := range allRoles {
				if rt.Role == console.Anyone || role.Allows(rt.Role) {
					continue
				}
				b := e.browser()
				b.mustLogin(string(role), pw)
				if method == http.MethodGet {
					resp = b.get(path)
				} else {
					resp = b.submit("/console/", path, url.Values{"role": {"officer"}, "password": {pw + "x"}, "telegram_id": {"5"}})
				}
				if resp.status != http.StatusForbidden || !strings.Contains(resp.body, "Peran Anda tidak mengizinkan") {
					t.Errorf("%s as %s: %d, want 403 with the reason", method, role, resp.status)
				}
			}
		})
	}
	if guarded < 11 {
		t.Errorf("only %d guarded routes registered", guarded)
	}
	// Nothing changed the admin.
	if a, _ := e.db.Account(context.Background(), admin.ID); a.Role != balai.RoleAdmin || a.Disabled || a.TelegramID != 0 {
		t.Errorf("admin changed by refused requests: %+v", a)
	}
	// Every role reaches the home page; only admins the users page.
	for _, role := range allRoles {
		b := e.browser()
		b.mustLogin(string(role), pw)
		home := b.get("/console/")
		if home.status != http.StatusOK || !strings.Contains(home.body, `id="me-role"`) {
			t.Errorf("home as %s: %d", role, home.status)
		}
		if got := strings.Contains(home.body, `href="/console/users"`); got != (role == balai.RoleAdmin) {
			t.Errorf("home as %s links the users page: %v", role, got)
		}
	}
}

// TestCSRF: a state-changing request needs the session's token, and cross-origin requests
// are refused even with it.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	e.account("admin", balai.RoleAdmin, pw)
	target := e.account("budi", balai.RoleOfficer, pw)
	b := e.browser()
	b.mustLogin("admin", pw)
	path := "/console/users/" + strconv.FormatInt(target.ID, 10) + "/role"
	other := e.browser().csrf("/console/login") // an anonymous visitor's token
	for _, tt := range []struct {
		name   string
		token  string
		header []string
	}{
		{"no token", "", nil},
		{"wrong token", "AAAA", nil},
		{"another visitor's token", other, nil},
		{"cross-site fetch", "valid", []string{"Sec-Fetch-Site", "cross-site"}},
		{"foreign origin", "valid", []string{"Origin", "https://evil.example"}},
	} {
		tok := tt.token
		if tok == "valid" {
			tok = b.csrf("/console/users")
		}
		form := url.Values{"role": {"admin"}}
		if tok != "" {
			form.Set("csrf", tok)
		}
		if r := b.post(path, form, tt.header...); r.status != http.StatusForbidden || !strings.Contains(r.body, "kedaluwarsa") {
			t.Errorf("%s: %d, want 403 with the CSRF message", tt.name, r.status)
		}
	}
	if a, _ := e.db.Account(context.Background(), target.ID); a.Role != balai.RoleOfficer {
		t.Fatalf("role changed by a refused request: %s", a.Role)
	}
	if r := b.submit("/console/users", path, url.Values{"role": {"supervisor"}}); r.status != http.StatusSeeOther {
		t.Fatalf("with the token: %d", r.status)
	}
	if a, _ := e.db.Account(context.Background(), target.ID); a.Role != balai.RoleSupervisor {
		t.Errorf("role = %s, want supervisor", a.Role)
	}
	// Signing in needs the pre-session token too.
	anon := e.browser()
	if r := anon.post("/console/login", url.Values{"username": {"admin"}, "password": {pw}}); r.status != http.StatusForbidden || anon.cookie("__Host-balai_console") != nil {
		t.Errorf("sign-in without a token: %d", r.status)
	}
}

// TestSessionFixationAndCookies: sign-in makes a new session whatever cookie the browser
// had; the cookies are HttpOnly, SameSite=Lax and, when Secure, __Host- with Path=/.
func TestSessionFixationAndCookies(t *testing.T) {
	e := newEnv(t)
	e.account("sari", balai.RoleOfficer, pw)
	b := e.browser()
	tok := b.csrf("/console/login")
	pre := b.cookie("__Host-balai_console_pre")
	if pre == nil {
		t.Fatal("no pre-session cookie")
	}
	// An attacker planted a session cookie of their choosing.
	u, _ := url.Parse(e.srv.URL + "/")
	b.jar.SetCookies(u, []*http.Cookie{{Name: "__Host-balai_console", Value: "planted-by-attacker", Path: "/", Secure: true}})
	r := b.post("/console/login", url.Values{"csrf": {tok}, "username": {"sari"}, "password": {pw}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.status)
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "__Host-balai_console" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie set at sign-in")
	}
	if session.Value == "planted-by-attacker" || session.Value == pre.Value || len(session.Value) < 43 {
		t.Errorf("session cookie %q: not fresh", session.Value)
	}
	if !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Domain != "" {
		t.Errorf("session cookie flags: %+v", session)
	}
	if b.cookie("__Host-balai_console_pre") != nil {
		t.Error("the pre-session cookie outlived sign-in")
	}
	if !b.signedIn() {
		t.Fatal("not signed in with the new cookie")
	}
	// The pre-login cookie's value is no session.
	fake := e.browser()
	fake.jar.SetCookies(u, []*http.Cookie{{Name: "__Host-balai_console", Value: pre.Value, Path: "/", Secure: true}})
	if fake.signedIn() {
		t.Error("the pre-login cookie signs in")
	}
	// Only the token's hash is stored.
	var n int
	if err := e.db.SQL().QueryRow(`SELECT COUNT(*) FROM console_sessions WHERE token_hash = $1`, session.Value).Scan(&n); err != nil || n != 0 {
		t.Errorf("the raw token is stored (%d, %v)", n, err)
	}

	// Without Secure: no prefix, Path=/console, not Secure.
	plain := newEnv(t, func(c *console.Config) { c.Secure = false })
	plain.account("sari", balai.RoleOfficer, pw)
	pb := plain.browser()
	r = pb.login("sari", pw)
	var got *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "balai_console" {
			got = c
		}
	}
	if got == nil || got.Secure || !got.HttpOnly || got.Path != "/console" || got.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie without Secure: %+v", got)
	}
}

// TestEscapesNames: a name with markup is shown as text on every page.
func TestEscapesNames(t *testing.T) {
	e := newEnv(t)
	h, _ := console.HashPassword(pw)
	if _, err := e.db.CreateAccount(context.Background(), balai.Account{Username: "evil", Name: `<script>alert(1)</script>"><img src=x onerror=alert(2)>`, Role: balai.RoleAdmin}, h); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("evil", pw)
	for _, path := range []string{"/console/", "/console/users"} {
		r := b.get(path)
		if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
			t.Errorf("%s renders the name as markup", path)
		}
		if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the escaped name", path)
		}
	}
	if csp := b.get("/console/").header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
}

// TestLockout: five failed sign-ins for a username, or from one client, within 15 minutes
// lock it for 15 minutes, with the same answer for an unknown username; the lock is shared
// through the database and ends on time.
func TestLockout(t *testing.T) {
	e := newEnv(t, func(c *console.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	e.account("sari", balai.RoleOfficer, pw)
	attempt := func(client, username, password string) response {
		b := e.browser()
		tok := b.csrf("/console/login")
		return b.post("/console/login", url.Values{"csrf": {tok}, "username": {username}, "password": {password}}, "X-Forwarded-For", client)
	}
	// Per username, from changing addresses.
	answers := map[string][]int{}
	for _, user := range []string{"sari", "ghost"} {
		for i := range 5 {
			r := attempt("10.0.0."+strconv.Itoa(i+1)+"0", user, "salah-salah-salah")
			answers[user] = append(answers[user], r.status)
			if i < 4 && !strings.Contains(r.body, "Nama pengguna atau kata sandi salah.") {
				t.Errorf("%s failure %d: body lacks the plain failure message", user, i+1)
			}
			e.clk.Add(time.Minute)
		}
		r := attempt("10.0.1.1", user, pw)
		answers[user] = append(answers[user], r.status)
		if !strings.Contains(r.body, "Coba lagi dalam") {
			t.Errorf("%s: 6th attempt not told of the lock:\n%s", user, r.body)
		}
	}
	want := []int{401, 401, 401, 401, 429, 429}
	if !slices.Equal(answers["sari"], want) || !slices.Equal(answers["ghost"], want) {
		t.Errorf("answers sari %v, ghost %v; want both %v", answers["sari"], answers["ghost"], want)
	}
	// A second server on the same database sees the lock.
	e2 := newEnvOn(t, e.db, e.clk)
	b2 := e2.browser()
	tok := b2.csrf("/console/login")
	if r := b2.post("/console/login", url.Values{"csrf": {tok}, "username": {"sari"}, "password": {pw}}); r.status != http.StatusTooManyRequests {
		t.Errorf("other server: %d, want 429", r.status)
	}
	e.clk.Add(16 * time.Minute)
	if r := attempt("10.0.2.1", "sari", pw); r.status != http.StatusSeeOther {
		t.Errorf("after the lock: %d, want signed in", r.status)
	}

	// Per client, over several usernames.
	for i := range 5 {
		attempt("192.0.2.7", "user"+strconv.Itoa(i), "salah-salah-salah")
	}
	if r := attempt("192.0.2.7", "sari", pw); r.status != http.StatusTooManyRequests {
		t.Errorf("locked client signing in: %d, want 429", r.status)
	}
	if r := attempt("192.0.2.8", "sari", pw); r.status != http.StatusSeeOther {
		t.Errorf("another client: %d, want signed in", r.status)
	}
	var locks, failed int
	for _, a := range e.audit() {
		switch a.Action {
		case "login_locked":
			locks++
		case "login_failed":
			failed++
		}
	}
	if locks != 3 || failed != 15 {
		t.Errorf("audit: %d locks, %d failures; want 3 and 15", locks, failed)
	}
}

// TestSessionExpiry: a session ends after the idle time unused, and at its absolute end
// however busy.
func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, func(c *console.Config) { c.SessionIdle, c.SessionLifetime = 30*time.Minute, 2*time.Hour })
	e.account("sari", balai.RoleOfficer, pw)
	b := e.browser()
	b.mustLogin("sari", pw)
	e.clk.Add(29 * time.Minute)
	if !b.signedIn() {
		t.Fatal("signed out within the idle time")
	}
	e.clk.Add(31 * time.Minute)
	if b.signedIn() {
		t.Fatal("signed in after the idle time")
	}
	b.mustLogin("sari", pw)
	start := e.clk.Now()
	for i := 1; i <= 5; i++ { // used every 20 minutes up to 1h40m
		e.clk.Add(20 * time.Minute)
		if !b.signedIn() {
			t.Fatalf("busy session ended at %s", e.clk.Now().Sub(start))
		}
	}
	e.clk.Set(start.Add(2 * time.Hour))
	if b.signedIn() {
		t.Error("session live at its absolute end")
	}
}

// TestSignOutAndAccountChanges: sign-out ends one session, "sign out everywhere" all of
// them, a password change the others, disabling an account all of its own; every action
// is in the audit log.
func TestSignOutAndAccountChanges(t *testing.T) {
	e := newEnv(t)
	admin := e.account("admin", balai.RoleAdmin, pw)
	a, b := e.browser(), e.browser()
	a.mustLogin("admin", pw)
	b.mustLogin("admin", pw)
	if r := a.submit("/console/", "/console/logout", nil); r.status != http.StatusSeeOther || a.signedIn() || !b.signedIn() {
		t.Fatalf("sign out: %d, a in %v, b in %v", r.status, a.signedIn(), b.signedIn())
	}
	a.mustLogin("admin", pw)
	if r := a.submit("/console/", "/console/logout/everywhere", nil); r.status != http.StatusSeeOther || a.signedIn() || b.signedIn() {
		t.Fatalf("sign out everywhere: %d, a in %v, b in %v", r.status, a.signedIn(), b.signedIn())
	}
	a.mustLogin("admin", pw)
	b.mustLogin("admin", pw)
	const newPW = "kata-sandi-baru-sekali"
	if r := a.submit("/console/password", "/console/password", url.Values{"current": {"salah-salah-salah"}, "new": {newPW}, "confirm": {newPW}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Kata sandi saat ini salah") {
		t.Errorf("wrong current password: %d", r.status)
	}
	if r := a.submit("/console/password", "/console/password", url.Values{"current": {pw}, "new": {"pendek"}, "confirm": {"pendek"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "minimal "+strconv.Itoa(console.MinPasswordLength)+" karakter") {
		t.Errorf("short password: %d\n%s", r.status, r.body)
	}
	if r := a.submit("/console/password", "/console/password", url.Values{"current": {pw}, "new": {newPW}, "confirm": {newPW}}); r.status != http.StatusSeeOther {
		t.Fatalf("change password: %d", r.status)
	}
	if !a.signedIn() || b.signedIn() {
		t.Errorf("after a password change: this session %v, the other %v; want only this one", a.signedIn(), b.signedIn())
	}

	// Admin actions on another account.
	if r := a.submit("/console/users", "/console/users", url.Values{"username": {"budi"}, "name": {"Budi"}, "email": {"budi@dinas.go.id"}, "role": {"officer"}, "password": {pw}}); r.status != http.StatusSeeOther {
		t.Fatalf("add user: %d", r.status)
	}
	budi, _, err := e.db.AccountByUsername(context.Background(), "budi")
	if err != nil {
		t.Fatal(err)
	}
	ub := e.browser()
	ub.mustLogin("budi", pw)
	id := "/console/users/" + strconv.FormatInt(budi.ID, 10)
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{id + "/role", url.Values{"role": {"supervisor"}}},
		{id + "/telegram", url.Values{"telegram_id": {"4242"}}},
		{id + "/disable", nil},
	} {
		if r := a.submit("/console/users", step.path, step.form); r.status != http.StatusSeeOther {
			t.Fatalf("%s: %d", step.path, r.status)
		}
	}
	if ub.signedIn() {
		t.Error("a disabled account's session lives")
	}
	if r := ub.login("budi", pw); r.status != http.StatusUnauthorized {
		t.Errorf("disabled account signs in: %d", r.status)
	}
	a.submit("/console/users", id+"/enable", nil)
	ub.mustLogin("budi", pw)
	a.submit("/console/users", id+"/password", url.Values{"password": {newPW}})
	if ub.signedIn() {
		t.Error("a session lives after an admin reset the password")
	}
	got, _ := e.db.Account(context.Background(), budi.ID)
	if got.Role != balai.RoleSupervisor || got.TelegramID != 4242 || got.Disabled {
		t.Errorf("budi = %+v", got)
	}
	// An admin cannot disable themselves.
	if r := a.submit("/console/users", "/console/users/"+strconv.FormatInt(admin.ID, 10)+"/disable", nil); r.status != http.StatusSeeOther || !a.signedIn() {
		t.Errorf("self-disable: %d", r.status)
	}
	if got, _ := e.db.Account(context.Background(), admin.ID); got.Disabled {
		t.Error("the admin disabled themselves")
	}

	var actions []string
	for _, x := range e.audit() {
		actions = append(actions, x.Action)
		if x.At.IsZero() || x.Addr != "127.0.0.1" {
			t.Errorf("audit entry without time or address: %+v", x)
		}
	}
	want := []string{"login", "login", "logout", "login", "logout_everywhere", "login", "login", "password_changed",
		"account_created", "login", "role_changed", "telegram_linked", "account_disabled", "login_failed",
		"account_enabled", "login", "password_reset"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit actions:\n got %v\nwant %v", actions, want)
	}
	// Admins read the log on the users page.
	if r := a.get("/console/users"); !strings.Contains(r.body, "<code>telegram_linked</code>") {
		t.Error("the users page does not show the audit log")
	}
}

// TestFirstAdmin: with no accounts the console shows how to create the first admin, and
// nothing else is open.
func TestFirstAdmin(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	r := b.get("/console/login")
	if r.status != http.StatusOK || !strings.Contains(r.body, "balai user add --role admin") || strings.Contains(r.body, `name="password"`) {
		t.Errorf("login page without accounts: %d\n%s", r.status, r.body)
	}
	if r := b.get("/console/users"); r.status != http.StatusSeeOther {
		t.Errorf("users page without accounts: %d", r.status)
	}
}

// TestLanguage: Indonesian by default, English after the switch.
func TestLanguage(t *testing.T) {
	e := newEnv(t)
	e.account("sari", balai.RoleOfficer, pw)
	b := e.browser()
	if r := b.get("/console/login"); !strings.Contains(r.body, `<html lang="id">`) || !strings.Contains(r.body, "Nama pengguna") {
		t.Error("not Indonesian by default")
	}
	if r := b.submit("/console/login", "/console/lang", url.Values{"lang": {"en"}, "back": {"/console/login"}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/console/login" {
		t.Fatalf("switch: %d %s", r.status, r.header.Get("Location"))
	}
	if r := b.get("/console/login"); !strings.Contains(r.body, `<html lang="en">`) || !strings.Contains(r.body, "Username") {
		t.Error("not English after the switch")
	}
	b.mustLogin("sari", pw)
	if r := b.get("/console/"); !strings.Contains(r.body, "You are signed in as") {
		t.Error("home not in English")
	}
	// The switch never sends anyone off the console.
	if r := b.submit("/console/", "/console/lang", url.Values{"lang": {"id"}, "back": {"https://evil.example/"}}); r.header.Get("Location") != "/console/" {
		t.Errorf("back to %q", r.header.Get("Location"))
	}
}

// TestSessionsAcrossServers: two console servers sharing one PostgreSQL: a session made on
// one works on the other, and signing out on the other ends it on both.
func TestSessionsAcrossServers(t *testing.T) {
	open := storetest.Postgres(t)
	clk := storetest.NewClock(t0)
	e1 := newEnvOn(t, open(t, "shared", store.Options{Owner: "a", Now: clk.Now}), clk)
	e2 := newEnvOn(t, open(t, "shared", store.Options{Owner: "b", Now: clk.Now}), clk)
	e1.account("sari", balai.RoleOfficer, pw)
	b1 := e1.browser()
	b1.mustLogin("sari", pw)
	// The same cookie presented to the second server.
	session := b1.cookie("__Host-balai_console")
	if session == nil {
		t.Fatal("no session cookie")
	}
	with := func(e *env) *browser {
		b := e.browser()
		b.jar.SetCookies(mustURL(e.srv.URL+"/"), []*http.Cookie{{Name: session.Name, Value: session.Value, Path: "/", Secure: true}})
		return b
	}
	b2 := with(e2)
	if !b2.signedIn() {
		t.Fatal("the session does not work on the other server")
	}
	if r := b2.submit("/console/", "/console/logout", nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign out on the other server: %d", r.status)
	}
	if with(e1).signedIn() {
		t.Error("the session still works on the first server after signing out on the second")
	}
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}
