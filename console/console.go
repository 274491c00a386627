// Package console is the officer console: the web pages officers, supervisors, editors and
// admins use, served by `balai serve` under /console/. This file holds the server, its
// configuration and the route helpers pages are added with; session.go signs people in and
// out, csrf.go guards forms, throttle.go limits failed sign-ins, render.go renders pages,
// oidc.go does single sign-on, and pages_*.go are the pages.
//
// Adding a page: put its template in templates/pages/NAME.html (it defines "content" and
// may define "title"), register its handler in routes with s.handle(pattern, role, h),
// render it with s.render(w, r, "NAME", data), and, for a page in the menu, s.nav(…).
// Every route registered with s.handle refuses anonymous users and roles that do not allow
// it, and checks the CSRF token of every state-changing request.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

//go:embed templates static
var assets embed.FS

// Prefix is where the console is mounted.
const Prefix = "/console/"

// Store keeps accounts, sessions, failed sign-ins and the audit log; store.DB implements it.
// Every method does I/O and returns wrapped errors; lookups of what is not there return
// balai.ErrAccountNotFound or balai.ErrSessionNotFound.
type Store interface {
	CountAccounts(ctx context.Context) (int, error)
	CreateAccount(ctx context.Context, a balai.Account, passwordHash string) (balai.Account, error)
	Account(ctx context.Context, id int64) (balai.Account, error)
	AccountByUsername(ctx context.Context, username string) (balai.Account, string, error)
	AccountByEmail(ctx context.Context, email string) (balai.Account, error)
	AccountByOIDCSubject(ctx context.Context, subject string) (balai.Account, error)
	Accounts(ctx context.Context) ([]balai.Account, error)
	UpdateAccount(ctx context.Context, a balai.Account) error
	SetPassword(ctx context.Context, id int64, hash, keepSession string) error

	CreateSession(ctx context.Context, s balai.Session) error
	TouchSession(ctx context.Context, tokenHash string, now time.Time, idle time.Duration) (balai.Session, balai.Account, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteSessions(ctx context.Context, accountID int64) (int64, error)
	PurgeSessions(ctx context.Context, now, idleCutoff, failCutoff time.Time) (int64, error)

	RecordLoginFailure(ctx context.Context, at time.Time, keys ...string) error
	LoginFailures(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error)
	ClearLoginFailures(ctx context.Context, key string) error

	AddAudit(ctx context.Context, e balai.AuditEntry) error
	Audit(ctx context.Context, limit int) ([]balai.AuditEntry, error)
}

// Catalogue gives the console's texts per language (bot.Messages, from messages.yaml and
// the admin's overrides). Text panics on an unknown key (a programming error tests catch).
type Catalogue interface {
	Text(lang, key string, data map[string]any) string
	Has(key string) bool
}

// Languages of the console.
const (
	LangID = "id"
	LangEN = "en"
)

// Defaults of Config.
const (
	DefaultSessionIdle     = 2 * time.Hour
	DefaultSessionLifetime = 12 * time.Hour
	DefaultMaxFailures     = 5
	DefaultFailureWindow   = 15 * time.Minute
	DefaultLockout         = 15 * time.Minute
)

// Config configures a console Server.
type Config struct {
	Store    Store
	Messages Catalogue
	// Now is the clock (default time.Now); sessions, lockouts and the audit log read it.
	Now    func() time.Time
	Logger *slog.Logger
	// Secure marks cookies Secure and gives them the __Host- prefix: set it whenever the
	// console is reached over HTTPS, also behind a TLS-terminating proxy.
	Secure bool
	// TrustedProxies are the proxies whose X-Forwarded-For names the client, for per-client
	// sign-in limits and the audit log.
	TrustedProxies []netip.Prefix
	// TrustedOrigins are origins (scheme://host) besides the console's own allowed to post
	// forms, such as the public URL when a proxy rewrites the Host header.
	TrustedOrigins []string

	SessionIdle     time.Duration // a session ends after this long unused (DefaultSessionIdle)
	SessionLifetime time.Duration // and this long after sign-in in any case (DefaultSessionLifetime)
	MaxFailures     int           // failed sign-ins per username or client within FailureWindow that lock it
	FailureWindow   time.Duration
	Lockout         time.Duration // how long a lock lasts

	// OIDC enables single sign-on with the agency's identity provider; nil: passwords only.
	OIDC *OIDCConfig

	// WhatsApp is the whatsmeow session the admins' WhatsApp page links and shows; nil when
	// whatsmeow is not enabled (the page says how to enable it).
	WhatsApp WhatsApp
}

// Anyone is the role of routes every signed-in account may use, whatever its role.
const Anyone balai.Role = ""

// Route is one registered console route: its ServeMux pattern and who may use it.
type Route struct {
	Pattern string
	// Role is the role a route needs (Anyone: any signed-in account); ignored when Public.
	Role balai.Role
	// Public routes are open to anonymous users (sign-in, static assets, language).
	Public bool
}

// navLink is an entry of the menu, shown to roles that allow it.
type navLink struct {
	Key  string // text key in the catalogue
	Path string
	Role balai.Role
}

// Server is the officer console.
type Server struct {
	cfg     Config
	store   Store
	msgs    Catalogue
	now     func() time.Time
	log     *slog.Logger
	mux     *http.ServeMux
	pages   map[string]pageTemplate
	routes  []Route
	navs    []navLink
	oidc    *oidcClient
	handler http.Handler
	// homeSections are mounted pages' parts of the home page (HomeSection).
	homeSections []func(*http.Request) template.HTML
}

// New builds the console from cfg; it parses its templates and registers its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Messages == nil {
		return nil, errors.New("console: Store and Messages are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.SessionIdle, DefaultSessionIdle)
	def(&cfg.SessionLifetime, DefaultSessionLifetime)
	def(&cfg.FailureWindow, DefaultFailureWindow)
	def(&cfg.Lockout, DefaultLockout)
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	s := &Server{cfg: cfg, store: cfg.Store, msgs: cfg.Messages, now: cfg.Now, log: cfg.Logger.With("component", "console"), mux: http.NewServeMux()}
	var err error
	if s.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	if cfg.OIDC != nil {
		if s.oidc, err = newOIDCClient(*cfg.OIDC, cfg.Now); err != nil {
			return nil, err
		}
	}
	s.registerRoutes()

	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("console: trusted origin %q: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.refuseCSRF(w, r)
	}))
	s.handler = securityHeaders(cop.Handler(s.mux))
	return s, nil
}

// Handler serves the console; mount it at Prefix ("/console/").
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists every registered route (tests walk them all).
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// registerRoutes is the console's route table.
func (s *Server) registerRoutes() {
	static, _ := fs.Sub(assets, "static")
	// Static assets: public, without reading the session.
	s.routes = append(s.routes, Route{Pattern: "GET /console/static/", Public: true})
	s.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	s.public("GET /console/login", s.loginPage)
	s.public("POST /console/login", s.login)
	s.public("POST /console/lang", s.setLang)
	if s.oidc != nil {
		s.public("GET /console/oidc/start", s.oidcStart)
		s.public("GET /console/oidc/callback", s.oidcCallback)
	}
	s.handle("GET /console/{$}", Anyone, s.home)
	s.handle("POST /console/logout", Anyone, s.logout)
	s.handle("POST /console/logout/everywhere", Anyone, s.logoutEverywhere)
	s.handle("GET /console/password", Anyone, s.passwordPage)
	s.handle("POST /console/password", Anyone, s.changePassword)

	s.nav("console_nav_users", "/console/users", balai.RoleAdmin)
	s.handle("GET /console/users", balai.RoleAdmin, s.usersPage)
	s.handle("POST /console/users", balai.RoleAdmin, s.addUser)
	s.handle("POST /console/users/{id}/disable", balai.RoleAdmin, s.setDisabled(true))
	s.handle("POST /console/users/{id}/enable", balai.RoleAdmin, s.setDisabled(false))
	s.handle("POST /console/users/{id}/password", balai.RoleAdmin, s.resetPassword)
	s.handle("POST /console/users/{id}/role", balai.RoleAdmin, s.setRole)
	s.handle("POST /console/users/{id}/telegram", balai.RoleAdmin, s.linkTelegram)
	s.registerWhatsApp()
}

// handle registers a route for signed-in accounts whose role allows need (Anyone: all):
// anonymous users are sent to sign in (GET) or refused with 401, other roles get 403, and
// a state-changing request without the session's CSRF token is refused.
func (s *Server) handle(pattern string, need balai.Role, h http.HandlerFunc) {
	s.routes = append(s.routes, Route{Pattern: pattern, Role: need})
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		st := s.load(w, r)
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if st.account == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/console/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderStatus(w, r, http.StatusUnauthorized, "error", errorPage{Key: "console_error_signin"})
			return
		}
		if need != Anyone && !st.account.Role.Allows(need) {
			s.renderStatus(w, r, http.StatusForbidden, "error", errorPage{Key: "console_error_forbidden"})
			return
		}
		if !safeMethod(r.Method) && !s.validCSRF(r, st) {
			s.refuseCSRF(w, r)
			return
		}
		h(w, r)
	})
}

// public registers a route open to anonymous users; state-changing requests still need the
// CSRF token (the session's, or before sign-in the one bound to the pre-session cookie).
func (s *Server) public(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, Route{Pattern: pattern, Public: true})
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		st := s.load(w, r)
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		if !safeMethod(r.Method) && !s.validCSRF(r, st) {
			s.refuseCSRF(w, r)
			return
		}
		h(w, r)
	})
}

// nav adds a menu entry for roles that allow role.
func (s *Server) nav(key, path string, role balai.Role) {
	s.navs = append(s.navs, navLink{Key: key, Path: path, Role: role})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// securityHeaders sets headers every console response carries: no framing, no sniffing,
// scripts and styles from the console only, nothing cached.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/console/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// audit appends an entry to the audit log; a failure is logged, not returned: the action
// it records has happened.
func (s *Server) audit(ctx context.Context, r *http.Request, actor, action, target, detail string) {
	e := balai.AuditEntry{At: s.now(), Actor: actor, Action: action, Target: target, Detail: detail}
	if r != nil {
		e.Addr = clientAddr(r, s.cfg.TrustedProxies)
	}
	if err := s.store.AddAudit(ctx, e); err != nil {
		s.log.Error("Failed to write the console audit log", "action", action, "error", err)
	}
}

// Purge deletes expired sessions and old failed sign-ins; serve calls it now and then.
func (s *Server) Purge(ctx context.Context) (int64, error) {
	now := s.now()
	return s.store.PurgeSessions(ctx, now, now.Add(-s.cfg.SessionIdle), now.Add(-s.cfg.FailureWindow-s.cfg.Lockout))
}
