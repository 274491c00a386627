// Package analyticsui is the console's analytics dashboard: for supervisors and admins
// (officers get 403), mounted by the console under /console/analytics/. Each table of
// analytics.Dashboard is drawn as a server-rendered SVG chart (no script, no CDN), shown as
// an accessible table with the same numbers, and offered as a CSV file; a date range and a
// channel filter select the figures. The page shows counts only: no citizen's name, chat,
// NIK, phone number or e-mail (the queries read none).
package analyticsui

import (
	"context"
	"embed"
	"encoding/csv"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/analytics"
	"github.com/balai-id/balai/console/pagekit"
)

// Auth tells the pages who is signed in and in which language (console.Auth).
type Auth interface {
	Officer(r *http.Request) (balai.Officer, bool)
	Lang(r *http.Request) string
}

// Dashboards computes dashboards (*analytics.Service).
type Dashboards interface {
	Dashboard(ctx context.Context, q analytics.Query) (analytics.Dashboard, error)
}

// Config is what the pages are built from.
type Config struct {
	Dashboards Dashboards
	Auth       Auth
	Texts      Texts
	// Chrome frames the dashboard in the host console's look: its header (menu, language
	// switch, sign-out) at the top (optional: then the page has a minimal header of its own).
	Chrome Chrome
	// Location is the agency's zone: the default range ends today there.
	Location *time.Location
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Days is the default range's length (default 30).
	Days   int
	Logger *slog.Logger
}

// Role is the role the pages need: supervisors and admins.
const Role = balai.RoleSupervisor

// UI serves the dashboard.
type UI struct {
	cfg    Config
	page   *template.Template
	static http.Handler
	prefix string
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New parses the templates; it panics on a broken template (a programming error).
func New(cfg Config) *UI {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Days <= 0 {
		cfg.Days = 30
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	sub, _ := fs.Sub(staticFS, "static")
	return &UI{cfg: cfg, page: template.Must(template.New("page").ParseFS(templateFS, "templates/page.html")),
		static: http.FileServerFS(sub)}
}

// Routes registers the pages under prefix ("/console/analytics"): the dashboard at
// prefix+"/" and each table's CSV at prefix+"/csv/{table}".
func (u *UI) Routes(mux *http.ServeMux, prefix string) {
	prefix = strings.TrimSuffix(prefix, "/")
	u.prefix = prefix
	mux.Handle("GET "+prefix+"/static/", http.StripPrefix(prefix+"/static", u.static))
	mux.HandleFunc("GET "+prefix+"/{$}", u.guard(u.dashboard))
	mux.HandleFunc("GET "+prefix+"/csv/{table}", u.guard(u.csv))
}

type handler func(w http.ResponseWriter, r *http.Request, l tr)

func (u *UI) guard(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := tr{Cat: u.cfg.Texts, Code: u.cfg.Auth.Lang(r)}
		o, ok := u.cfg.Auth.Officer(r)
		if !ok {
			http.Error(w, l.T("console_analytics_err_signin"), http.StatusUnauthorized)
			return
		}
		if !o.Role.Allows(Role) {
			http.Error(w, l.T("console_analytics_err_role"), http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, l)
	}
}

// query reads the filters; bad or missing dates give the default range, and a note.
func (u *UI) query(r *http.Request) (analytics.Query, bool) {
	in := r.URL.Query()
	today := u.cfg.Now().In(u.cfg.Location)
	q := analytics.Query{To: today, From: today.AddDate(0, 0, 1-u.cfg.Days)}
	ok := true
	if s := in.Get("from"); s != "" {
		if t, err := time.ParseInLocation(time.DateOnly, s, u.cfg.Location); err == nil {
			q.From = t
		} else {
			ok = false
		}
	}
	if s := in.Get("to"); s != "" {
		if t, err := time.ParseInLocation(time.DateOnly, s, u.cfg.Location); err == nil {
			q.To = t
		} else {
			ok = false
		}
	}
	if q.To.Before(q.From) {
		q.From, q.To = q.To, q.From
	}
	if q.To.Sub(q.From) > (analytics.MaxDays-1)*24*time.Hour {
		q.From, ok = q.To.AddDate(0, 0, 1-analytics.MaxDays), false
	}
	ch := balai.Channel(in.Get("channel"))
	if slices.Contains(analytics.Channels, ch) {
		q.Channel = ch
	} else if ch != "" {
		ok = false
	}
	return q, ok
}

// view is a table as the page shows it.
type view struct {
	analytics.Table
	Title, Note string
	Headers     []string
	Cells       [][]string // per row: label, then values
	Chart       chart
	CSV         string
	Empty       bool
}

type option struct {
	Value, Label string
	Selected     bool
}

type pageData struct {
	L         tr
	Prefix    string
	Me        balai.Officer
	From, To  string
	Channels  []option
	Notice    string
	Views     []view
	Generated string
	CSVSuffix string
	// Frame is the host's frame (Config.Chrome); empty without one.
	pagekit.Frame
}

// labels returns the header and cells of t in l's language: the page's table and the CSV
// file are both written from them.
func labels(t analytics.Table, l tr) (headers []string, cells [][]string) {
	for _, c := range t.Cols {
		if c.Key != "" {
			headers = append(headers, l.T(c.Key))
		} else {
			headers = append(headers, c.Label)
		}
	}
	for _, r := range t.Rows {
		row := []string{r.Label}
		if r.LabelKey != "" {
			row[0] = l.T(r.LabelKey)
		}
		for i, v := range r.Values {
			row = append(row, analytics.FormatValue(v, t.Cols[i+1].Format))
		}
		cells = append(cells, row)
	}
	return headers, cells
}

func (u *UI) build(d analytics.Dashboard, l tr, suffix string) []view {
	var out []view
	for _, t := range d.Tables {
		v := view{Table: t, Title: l.T(t.Title), Note: l.T(t.Note), CSV: u.prefix + "/csv/" + t.ID + suffix}
		v.Headers, v.Cells = labels(t, l)
		rowLabels := make([]string, len(v.Cells))
		for i, c := range v.Cells {
			rowLabels[i] = c[0]
		}
		series := make([]string, len(t.Series))
		for i, s := range t.Series {
			series[i] = v.Headers[s+1]
		}
		v.Chart = layout(t, rowLabels, series)
		v.Empty = len(t.Rows) == 0
		out = append(out, v)
	}
	return out
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request, l tr) {
	q, ok := u.query(r)
	d, err := u.cfg.Dashboards.Dashboard(r.Context(), q)
	if err != nil {
		u.fail(w, l, err)
		return
	}
	p := pageData{L: l, Prefix: u.prefix, From: d.Query.From.Format(time.DateOnly), To: d.Query.To.Format(time.DateOnly),
		Generated: d.At.In(u.cfg.Location).Format("2006-01-02 15:04 MST"), Frame: pagekit.FrameOf(u.cfg.Chrome, r)}
	p.Me, _ = u.cfg.Auth.Officer(r)
	if !ok {
		p.Notice = l.T("console_analytics_bad_filter")
	}
	p.Channels = append(p.Channels, option{Value: "", Label: l.T("console_analytics_all_channels"), Selected: q.Channel == ""})
	for _, ch := range analytics.Channels {
		p.Channels = append(p.Channels, option{Value: string(ch), Label: analytics.ChannelName(ch), Selected: q.Channel == ch})
	}
	args := url.Values{"from": {p.From}, "to": {p.To}}
	if q.Channel != "" {
		args.Set("channel", string(q.Channel))
	}
	p.CSVSuffix = "?" + args.Encode()
	p.Views = u.build(d, l, p.CSVSuffix)
	var b strings.Builder
	if err := u.page.ExecuteTemplate(&b, "page", p); err != nil {
		u.fail(w, l, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

func (u *UI) csv(w http.ResponseWriter, r *http.Request, l tr) {
	q, _ := u.query(r)
	d, err := u.cfg.Dashboards.Dashboard(r.Context(), q)
	if err != nil {
		u.fail(w, l, err)
		return
	}
	t, found := d.Table(r.PathValue("table"))
	if !found {
		http.Error(w, l.T("console_analytics_err_notfound"), http.StatusNotFound)
		return
	}
	headers, cells := labels(t, l)
	name := "balai-" + t.ID + "-" + d.Query.From.Format(time.DateOnly) + "-" + d.Query.To.Format(time.DateOnly)
	if q.Channel != "" {
		name += "-" + string(q.Channel)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(headers)
	_ = cw.WriteAll(cells)
}

func (u *UI) fail(w http.ResponseWriter, l tr, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	u.cfg.Logger.Error("Failed to compute the analytics dashboard", "error", err)
	http.Error(w, l.T("console_analytics_err_internal"), http.StatusInternalServerError)
}

// Texts is the message catalogue (bot.Messages).
type Texts = pagekit.Texts

// tr renders catalogue texts in one language for templates.
type tr = pagekit.Tr

// Chrome is the host's page frame (console.Server.Chrome provides the console's).
type Chrome = pagekit.Chrome
