package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

var t0 = time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC)

// env is a console served over TLS on loopback, on a real store, with a test clock.
type env struct {
	t   *testing.T
	db  *store.DB
	clk *storetest.Clock
	con *console.Server
	srv *httptest.Server
}

func messages(t testing.TB) *bot.Messages {
	m, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newEnv starts a console on a fresh SQLite store; edit changes its config.
func newEnv(t *testing.T, edit ...func(*console.Config)) *env {
	clk := storetest.NewClock(t0)
	db := storetest.SQLite(t)(t, "console", store.Options{Now: clk.Now})
	return newEnvOn(t, db, clk, edit...)
}

func newEnvOn(t *testing.T, db *store.DB, clk *storetest.Clock, edit ...func(*console.Config)) *env {
	cfg := console.Config{Store: db, Messages: messages(t), Now: clk.Now, Logger: slog.New(slog.DiscardHandler), Secure: true}
	for _, f := range edit {
		f(&cfg)
	}
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	if cfg.OIDC != nil && cfg.OIDC.RedirectURL == "" {
		cfg.OIDC.RedirectURL = "https://" + srv.Listener.Addr().String() + "/console/oidc/callback"
	}
	con, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(console.Prefix, con.Handler())
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, clk: clk, con: con, srv: srv}
}

// account creates an account with a password.
func (e *env) account(username string, role balai.Role, password string) balai.Account {
	e.t.Helper()
	h, err := console.HashPassword(password)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.db.CreateAccount(context.Background(), balai.Account{Username: username, Name: username, Role: role, Email: username + "@dinas.go.id"}, h)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	e   *env
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := new(http.Client)
	*c = *e.srv.Client() // a copy: the server's client is shared
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{e: e, c: c, jar: jar}
}

type response struct {
	status int
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(body), header: resp.Header}
}

func (b *browser) get(path string) response {
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form; a "csrf" field set to "-" is left out.
func (b *browser) post(path string, form url.Values, header ...string) response {
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the forms on a page.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	r := b.get(path)
	m := csrfRe.FindStringSubmatch(r.body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s (%d):\n%s", path, r.status, r.body)
	}
	return m[1]
}

// submit posts a form with the CSRF token of page from.
func (b *browser) submit(from, path string, form url.Values) response {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(from))
	return b.post(path, form)
}

func (b *browser) login(username, password string) response {
	b.e.t.Helper()
	return b.submit("/console/login", "/console/login", url.Values{"username": {username}, "password": {password}})
}

// mustLogin signs in and checks it worked.
func (b *browser) mustLogin(username, password string) {
	b.e.t.Helper()
	if r := b.login(username, password); r.status != http.StatusSeeOther || r.header.Get("Location") != "/console/" {
		b.e.t.Fatalf("sign in as %s: %d %s\n%s", username, r.status, r.header.Get("Location"), r.body)
	}
}

// signedIn reports whether the home page shows, rather than a redirect to sign in.
func (b *browser) signedIn() bool {
	b.e.t.Helper()
	r := b.get("/console/")
	return r.status == http.StatusOK
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.srv.URL + "/console/")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// audit lists the actions in the audit log, oldest first.
func (e *env) audit() []balai.AuditEntry {
	e.t.Helper()
	au, err := e.db.Audit(context.Background(), 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(au)-1; i < j; i, j = i+1, j-1 {
		au[i], au[j] = au[j], au[i]
	}
	return au
}

const pw = "kata-sandi-panjang-1"
