// Package unansweredui serves the console's unanswered-questions pages for editors and
// admins: the clusters inbox (by size or trend, channel and date filters), a cluster with its
// questions, the officers' replies and the actions (add as a phrasing of an entry, draft a new
// entry prefilled from the officers' reply, out of scope, dismiss), and the eval-file download
// of the labelled examples. The console mounts it (console.Server.Mount) behind its sessions;
// every POST carries the session's CSRF token. Texts come from the message catalogue
// (console_unanswered_* keys); citizens' texts are masked by the unanswered service.
package unansweredui

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
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/unanswered"
)

// Config is what the pages are built from.
type Config struct {
	Service *unanswered.Service
	Auth    Auth
	Texts   Texts
	// Chrome frames the pages in the host console's look: its header (menu, language switch,
	// sign-out) above the pages' own bar (optional: then the pages have a minimal header of
	// their own).
	Chrome Chrome
	// DraftURL is the page of a corpus draft an action saved to, which its notice links to
	// (default: the console's FAQ review page, /console/faq/v/<draft>/review).
	DraftURL func(draft int64) string
	Location *time.Location // for dates shown and read (default UTC)
	Logger   *slog.Logger
}

// UI serves the pages.
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

// New parses the templates; it panics on a broken template (a programming error).
func New(cfg Config) *UI {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DraftURL == nil {
		cfg.DraftURL = func(draft int64) string { return "/console/faq/v/" + strconv.FormatInt(draft, 10) + "/review" }
	}
	u := &UI{cfg: cfg, pages: map[string]*template.Template{}}
	funcs := template.FuncMap{"join": strings.Join, "day": func(t time.Time) string { return t.In(cfg.Location).Format("02-01-2006") }}
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	for _, p := range []string{"inbox", "cluster"} {
		u.pages[p] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+p+".html"))
	}
	sub, _ := fs.Sub(staticFS, "static")
	u.static = http.FileServerFS(sub)
	return u
}

// Routes registers the pages under prefix ("/console/unanswered").
func (u *UI) Routes(mux *http.ServeMux, prefix string) {
	prefix = strings.TrimSuffix(prefix, "/")
	u.prefix = prefix
	mux.Handle("GET "+prefix+"/static/", http.StripPrefix(prefix+"/static", u.static))
	mux.HandleFunc("GET "+prefix+"/{$}", u.guard(u.inbox))
	mux.HandleFunc("GET "+prefix+"/export.jsonl", u.guard(u.export))
	mux.HandleFunc("GET "+prefix+"/c/{id}", u.guard(u.cluster))
	mux.HandleFunc("POST "+prefix+"/c/{id}/{action}", u.guard(u.act))
}

type request struct {
	o    balai.Officer
	lang string
	csrf string
	r    *http.Request
}

type handler func(w http.ResponseWriter, r *http.Request, q request)

// guard lets through editors and admins and, on a POST, a valid CSRF token.
func (u *UI) guard(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, ok := pagekit.Admit(w, r, u.cfg.Auth, u.cfg.Texts, balai.RoleEditor, pagekit.Refusals{SignIn: "console_unanswered_err_signin", Role: "console_unanswered_err_role", CSRF: "console_unanswered_err_csrf"}, nil)
		if !ok {
			return
		}
		h(w, r, request{o: in.Officer, lang: in.Lang, csrf: in.CSRF, r: r})
	}
}

// form is the filter as the pages' forms and links carry it.
type form struct {
	Channel, From, To, Sort string
	Hidden                  bool
}

func (f form) Query() string {
	v := url.Values{}
	for k, s := range map[string]string{"channel": f.Channel, "from": f.From, "to": f.To, "sort": f.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Hidden {
		v.Set("hidden", "1")
	}
	return v.Encode()
}

// filter reads the filter from the request's query (or a POST's fields): dates are days in
// the agency's time zone, To inclusive.
func (u *UI) filter(r *http.Request) (form, unanswered.Filter) {
	get := func(k string) string {
		if v := r.PostFormValue(k); v != "" {
			return v
		}
		return r.URL.Query().Get(k)
	}
	fm := form{Channel: get("channel"), From: get("from"), To: get("to"), Sort: get("sort"), Hidden: get("hidden") == "1"}
	f := unanswered.Filter{Channel: balai.Channel(fm.Channel), Hidden: fm.Hidden, Sort: fm.Sort}
	switch f.Channel {
	case balai.Telegram, balai.WhatsApp, balai.Web:
	default:
		f.Channel, fm.Channel = "", ""
	}
	if d, err := time.ParseInLocation("2006-01-02", fm.From, u.cfg.Location); err == nil {
		f.From = d
	} else {
		fm.From = ""
	}
	if d, err := time.ParseInLocation("2006-01-02", fm.To, u.cfg.Location); err == nil {
		f.To = d.AddDate(0, 0, 1)
	} else {
		fm.To = ""
	}
	return fm, f
}

// page is what every template receives.
type page struct {
	L        tr
	Prefix   string
	CSRF     string
	Title    string
	Error    string
	Notice   string
	Form     form
	GrowBy   int
	Rows     []unanswered.Cluster
	Channels []string
	Cluster  *unanswered.Cluster
	Entry    *faq.Entry // the new entry's form, prefilled
	Problems []corpusdb.Problem
	// Draft is the corpus draft an action saved to (0: none), named by the notice with a
	// link to DraftURL.
	Draft    int64
	DraftURL string
	// Frame is the host's frame (Config.Chrome); empty without one.
	pagekit.Frame
}

func (u *UI) newPage(q request, fm form, title string) *page {
	l := tr{Cat: u.cfg.Texts, Code: q.lang}
	return &page{L: l, Prefix: u.prefix, CSRF: q.csrf, Title: l.T(title), Form: fm, GrowBy: u.cfg.Service.GrowBy(),
		Channels: []string{string(balai.Telegram), string(balai.WhatsApp), string(balai.Web)}, Frame: pagekit.FrameOf(u.cfg.Chrome, q.r)}
}

// draftNotice makes p's notice name the draft of the request's "draft" parameter, with a
// link to its page; an unreadable draft number gives no notice.
func (u *UI) draftNotice(p *page, r *http.Request) {
	d, err := strconv.ParseInt(r.URL.Query().Get("draft"), 10, 64)
	if err != nil || d <= 0 {
		return
	}
	p.Draft, p.DraftURL = d, u.cfg.DraftURL(d)
	p.Notice = p.L.T("console_unanswered_done_draft", "Draft", d)
}

func (u *UI) render(w http.ResponseWriter, status int, name string, p *page) {
	var b strings.Builder
	if err := u.pages[name].ExecuteTemplate(&b, "page", p); err != nil {
		u.cfg.Logger.Error("Failed to render an unanswered-questions page", "page", name, "error", err)
		http.Error(w, p.L.T("console_unanswered_err_internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (u *UI) fail(w http.ResponseWriter, q request, err error, op string) {
	status, key := http.StatusInternalServerError, "console_unanswered_err_internal"
	switch {
	case errors.Is(err, unanswered.ErrNotFound):
		status, key = http.StatusNotFound, "console_unanswered_err_notfound"
	case errors.Is(err, unanswered.ErrNotAllowed), errors.Is(err, corpusdb.ErrNotAllowed):
		status, key = http.StatusForbidden, "console_unanswered_err_role"
	case errors.Is(err, context.Canceled):
		return
	default:
		u.cfg.Logger.Error("Failed to "+op, "officer", q.o.ID, "error", err)
	}
	http.Error(w, u.cfg.Texts.Text(q.lang, key, nil), status)
}

func (u *UI) inbox(w http.ResponseWriter, r *http.Request, q request) {
	fm, f := u.filter(r)
	cs, err := u.cfg.Service.Summaries(r.Context(), f)
	if err != nil {
		u.fail(w, q, err, "list unanswered clusters")
		return
	}
	p := u.newPage(q, fm, "console_unanswered_title")
	p.Rows = cs
	switch done := r.URL.Query().Get("done"); done {
	case "":
	case "draft":
		u.draftNotice(p, r)
	default:
		p.Notice = p.L.T("console_unanswered_done_" + done)
	}
	u.render(w, http.StatusOK, "inbox", p)
}

func (u *UI) cluster(w http.ResponseWriter, r *http.Request, q request) {
	fm, f := u.filter(r)
	f.Hidden = true
	c, err := u.cfg.Service.Cluster(r.Context(), f, r.PathValue("id"))
	if err != nil {
		u.fail(w, q, err, "show an unanswered cluster")
		return
	}
	p := u.newPage(q, fm, "console_unanswered_cluster_title")
	p.Cluster = &c
	p.Entry = u.cfg.Service.Prefill(c)
	u.draftNotice(p, r)
	u.render(w, http.StatusOK, "cluster", p)
}

func (u *UI) export(w http.ResponseWriter, r *http.Request, q request) {
	var b strings.Builder
	if _, err := u.cfg.Service.Export(r.Context(), &b); err != nil {
		u.fail(w, q, err, "export labelled questions")
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="balai-unanswered-eval.jsonl"`)
	_, _ = w.Write([]byte(b.String()))
}

// act runs an action on a cluster (or the questions ticked on its page).
func (u *UI) act(w http.ResponseWriter, r *http.Request, q request) {
	fm, f := u.filter(r)
	f.Hidden = true
	t := unanswered.Target{Filter: f, Cluster: r.PathValue("id"), Refs: r.PostForm["ref"]}
	ctx := r.Context()
	back := u.prefix + "/?" + fm.Query()
	note := u.cfg.Texts.Text(q.lang, "console_unanswered_draft_note", nil)
	var err error
	var draft int64
	var problems []corpusdb.Problem
	action := r.PathValue("action")
	switch action {
	case "dismiss":
		err = u.cfg.Service.Dismiss(ctx, q.o, t)
	case "out-of-scope":
		err = u.cfg.Service.OutOfScope(ctx, q.o, t)
	case "phrasing":
		draft, problems, err = u.cfg.Service.AddPhrasing(ctx, q.o, unanswered.PhrasingRequest{Target: t, EntryID: strings.TrimSpace(r.PostFormValue("entry")),
			Phrasing: r.PostFormValue("phrasing"), Note: note})
		if err != nil && errors.As(err, new(*corpusdb.EntryError)) {
			u.again(w, r, q, fm, f, t.Cluster, nil, problems, "console_unanswered_err_entry")
			return
		}
	case "entry":
		e := &faq.Entry{ID: strings.TrimSpace(r.PostFormValue("id")), Title: strings.TrimSpace(r.PostFormValue("title")),
			Category: strings.TrimSpace(r.PostFormValue("category")), Body: strings.TrimSpace(r.PostFormValue("body")), Lang: "id",
			Source: strings.TrimSpace(r.PostFormValue("source")), Owner: strings.TrimSpace(r.PostFormValue("owner"))}
		if d, perr := time.Parse(faq.DateLayout, r.PostFormValue("updated")); perr == nil {
			e.Updated = d
		}
		for _, l := range strings.Split(r.PostFormValue("questions"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				e.Questions = append(e.Questions, l)
			}
		}
		t.Refs = nil // the whole cluster is answered by the new entry
		draft, problems, err = u.cfg.Service.CreateEntry(ctx, q.o, unanswered.EntryRequest{Target: t, Entry: e, Note: note})
		if err != nil && (errors.As(err, new(*corpusdb.EntryError)) || errors.Is(err, unanswered.ErrEmpty)) {
			u.again(w, r, q, fm, f, t.Cluster, e, problems, "console_unanswered_err_entry")
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	switch {
	case errors.Is(err, unanswered.ErrNoEntry):
		u.again(w, r, q, fm, f, t.Cluster, nil, nil, "console_unanswered_err_noentry")
		return
	case errors.Is(err, unanswered.ErrEmpty):
		u.again(w, r, q, fm, f, t.Cluster, nil, nil, "console_unanswered_err_empty")
		return
	case errors.Is(err, unanswered.ErrNoCorpus), errors.Is(err, corpusdb.ErrReadOnly):
		u.again(w, r, q, fm, f, t.Cluster, nil, nil, "console_unanswered_err_readonly")
		return
	case err != nil:
		u.fail(w, q, err, "act on an unanswered cluster")
		return
	}
	if draft != 0 {
		back += fmt.Sprintf("&done=draft&draft=%d", draft)
	} else {
		back += "&done=" + strings.ReplaceAll(action, "-", "_")
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// again shows the cluster page with an error (and the entry form as sent).
func (u *UI) again(w http.ResponseWriter, r *http.Request, q request, fm form, f unanswered.Filter, id string, e *faq.Entry, ps []corpusdb.Problem, key string) {
	c, err := u.cfg.Service.Cluster(r.Context(), f, id)
	if err != nil {
		u.fail(w, q, err, "show an unanswered cluster")
		return
	}
	p := u.newPage(q, fm, "console_unanswered_cluster_title")
	p.Cluster, p.Entry, p.Problems = &c, e, ps
	if p.Entry == nil {
		p.Entry = u.cfg.Service.Prefill(c)
	}
	p.Error = p.L.T(key)
	u.render(w, http.StatusUnprocessableEntity, "cluster", p)
}

// Texts is the message catalogue (bot.Messages).
type Texts = pagekit.Texts

// tr renders catalogue texts in one language for templates.
type tr = pagekit.Tr

// Auth is the host console's session (console.Auth implements it).
type Auth = pagekit.Auth

// Chrome is the host's page frame (console.Server.Chrome provides the console's).
type Chrome = pagekit.Chrome
