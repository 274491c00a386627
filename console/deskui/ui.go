package deskui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console/pagekit"
)

// Chrome is the host's page frame (pagekit.Chrome): the host's page header and style
// sheets, so that the desk's pages sit in the host's look.
type Chrome = pagekit.Chrome

// Config is what the pages are built from.
type Config struct {
	Desk  Desk
	Auth  Auth
	Texts Texts
	// Chrome frames the pages in the host's look (optional: then the pages have a minimal
	// header of their own).
	Chrome Chrome
	// Directory lists the officers to transfer to (optional: then no person transfers).
	Directory Directory
	// Forms gives complaints' and information requests' forms (optional), Calendar their
	// legal deadlines (optional).
	Forms    Forms
	Calendar balai.WorkingDays
	// Categories are the queues a ticket can be moved to (the corpus's categories).
	Categories []string
	// Prefix is the ticket numbers' prefix ("BLI").
	Prefix string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Location is the agency's time zone for times shown (default UTC).
	Location *time.Location
	// PageSize is the inbox's rows per page (default 50).
	PageSize int
	// Poll is how often a live page's event stream reads the change feed (default 1s).
	Poll   time.Duration
	Logger *slog.Logger
}

// UI serves the officers' pages.
type UI struct {
	cfg    Config
	pages  map[string]*template.Template
	static http.Handler
	prefix string
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New parses the pages' templates; it panics on a broken template (a programming error).
func New(cfg Config) *UI {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 50
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "BLI"
	}
	u := &UI{cfg: cfg, pages: map[string]*template.Template{}}
	funcs := template.FuncMap{"mentions": mentions, "pct": func(f float64) int { return int(f*100 + 0.5) }}
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	for _, p := range []string{"inbox", "ticket", "supervisor", "canned"} {
		u.pages[p] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+p+".html"))
	}
	sub, _ := fs.Sub(staticFS, "static")
	u.static = http.FileServerFS(sub)
	return u
}

// Routes registers the pages under prefix ("/console/desk"): the inbox at prefix+"/".
func (u *UI) Routes(mux *http.ServeMux, prefix string) {
	u.prefix = strings.TrimSuffix(prefix, "/")
	for _, rt := range u.table() {
		if rt.Role == "" {
			mux.Handle(rt.Pattern, rt.h)
			continue
		}
		mux.HandleFunc(rt.Pattern, u.guard(rt.Role, rt.page))
	}
}

// Route is one of the pages' routes: its ServeMux pattern and the role it needs ("" for
// the static files, which need none).
type Route struct {
	Pattern string
	Role    balai.Role
}

// Patterns lists the routes Routes registered (tests walk them all).
func (u *UI) Patterns() []Route {
	var out []Route
	for _, rt := range u.table() {
		out = append(out, rt.Route)
	}
	return out
}

type route struct {
	Route
	page handler      // a page, behind guard
	h    http.Handler // the static files
}

// table is the pages' route table under u.prefix.
func (u *UI) table() []route {
	p := u.prefix
	off, sup := balai.RoleOfficer, balai.RoleSupervisor
	page := func(pattern string, need balai.Role, h handler) route {
		return route{Route: Route{Pattern: pattern, Role: need}, page: h}
	}
	return []route{
		{Route: Route{Pattern: "GET " + p + "/static/"}, h: http.StripPrefix(p+"/static", u.static)},
		page("GET "+p+"/{$}", off, u.inbox),
		page("GET "+p+"/t/{id}", off, u.ticket),
		page("POST "+p+"/t/{id}/{action}", off, u.act),
		page("GET "+p+"/events", off, u.events),
		page("GET "+p+"/supervisor", sup, u.supervisor),
		page("POST "+p+"/supervisor/reassign", sup, u.reassign),
		page("GET "+p+"/canned", sup, u.cannedPage),
		page("POST "+p+"/canned", sup, u.cannedSave),
		page("POST "+p+"/canned/{cid}/delete", sup, u.cannedDelete),
	}
}

// request is one request's officer, language and token.
type request struct {
	o    balai.Officer
	lang string
	csrf string
	r    *http.Request
}

type handler func(w http.ResponseWriter, r *http.Request, q request)

// guard lets through an officer whose role allows need and, on a POST, a valid CSRF token.
func (u *UI) guard(need balai.Role, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, ok := pagekit.Admit(w, r, u.cfg.Auth, u.cfg.Texts, need, pagekit.Refusals{SignIn: "deskui_err_signin", Role: "deskui_err_role", CSRF: "deskui_err_csrf"}, nil)
		if !ok {
			return
		}
		h(w, r, request{o: in.Officer, lang: in.Lang, csrf: in.CSRF, r: r})
	}
}

// page is what every page's template receives.
type page struct {
	L          tr
	Prefix     string
	Me         balai.Officer
	CSRF       string
	Supervisor bool
	Title      string
	Error      string // a message shown at the top (role="alert")
	Seq        int64  // the change feed's position when rendered
	TicketID   int64  // the ticket a ticket page shows (live updates of it alone)
	Inbox      *inboxData
	Ticket     *ticketData
	Super      *superData
	Canned     []CannedReply
	// Frame is the host's frame (Config.Chrome); empty without one.
	pagekit.Frame
}

func (u *UI) newPage(ctx context.Context, q request, title string) *page {
	p := &page{L: tr{Cat: u.cfg.Texts, Code: q.lang}, Prefix: u.prefix, Me: q.o, CSRF: q.csrf,
		Supervisor: q.o.Role.Allows(balai.RoleSupervisor), Frame: pagekit.FrameOf(u.cfg.Chrome, q.r)}
	p.Title = p.L.T(title)
	if lc, ok := u.cfg.Desk.(LastChanger); ok {
		if seq, err := lc.LastChange(ctx); err == nil {
			p.Seq = seq
		}
	}
	return p
}

func (u *UI) render(w http.ResponseWriter, status int, name, tmpl string, p *page) {
	var b strings.Builder
	if err := u.pages[name].ExecuteTemplate(&b, tmpl, p); err != nil {
		u.cfg.Logger.Error("Failed to render a desk page", "page", name, "error", err)
		http.Error(w, p.L.T("deskui_err_internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (u *UI) fail(w http.ResponseWriter, q request, err error, op string) {
	status, key := http.StatusInternalServerError, "deskui_err_internal"
	switch {
	case errors.Is(err, ErrNotFound):
		status, key = http.StatusNotFound, "deskui_err_notfound"
	case errors.Is(err, ErrNotAllowed):
		status, key = http.StatusForbidden, "deskui_err_notallowed"
	case errors.Is(err, context.Canceled):
		return // the officer left the page (or the server stops): nobody to answer
	default:
		u.cfg.Logger.Error("Failed to "+op, "officer", q.o.ID, "error", err)
	}
	http.Error(w, u.cfg.Texts.Text(q.lang, key, nil), status)
}

// duration words a duration in hours and minutes ("2 j 05 m").
func duration(t tr, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	return t.T("deskui_duration", "H", int(d/time.Hour), "M", fmt.Sprintf("%02d", int(d%time.Hour/time.Minute)))
}

func (u *UI) slaText(l tr, t Ticket) (string, string) {
	left, state := u.cfg.Desk.SLA(t, u.cfg.Now())
	switch state {
	case SLAOK, SLASoon:
		return state, l.T("deskui_sla_left", "D", duration(l, left))
	case SLAOverdue:
		return state, l.T("deskui_sla_overdue", "D", duration(l, left))
	}
	return SLANone, l.T("deskui_sla_none")
}

func (u *UI) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(u.cfg.Location).Format("02-01-2006 15:04")
}

func (u *UI) ticketURL(id int64) string { return u.prefix + "/t/" + strconv.FormatInt(id, 10) }

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// query keeps the inbox's parameters for links (view tabs, pages).
func query(f Filter, page int) string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("view", string(f.View))
	set("channel", string(f.Channel))
	set("category", f.Category)
	set("priority", f.Priority)
	set("sla", f.SLA)
	set("q", f.Query)
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// Texts is the message catalogue (bot.Messages).
type Texts = pagekit.Texts

// tr renders catalogue texts in one language for templates.
type tr = pagekit.Tr

// Auth is the host console's session (console.Auth implements it).
type Auth = pagekit.Auth
