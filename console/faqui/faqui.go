// Package faqui is the FAQ corpus's pages of the web console, for editors and admins: the
// entries of the published version or of a draft (search, filters by category, owner and
// review date, the 👎 rate when the host can tell it), the freshness list per owner, an
// entry's editor with the validation `balai faq validate` does (problems beside their
// fields), a preview of the answer exactly as each channel renders it (Telegram, WhatsApp,
// web chat, through bot/render as the adapters use it), "coba pertanyaan" (a question asked
// of the draft and of the published version side by side, explained as `balai ask
// --explain` explains it), review (submit, per-entry diff, approve or reject with a note,
// publish; the four-eyes rule of corpusdb), history with a diff between any two versions
// and rollback, export (CSV, Markdown folder as zip) and import of a spreadsheet as a draft.
//
// It drives the corpus lifecycle (corpusdb.Service, which checks roles and the four-eyes
// rule and writes the audit log) and reads the host console's sessions through Auth. When
// the corpus lives in a folder (BALAI_CORPUS=folder) the pages show the served corpus
// read-only and say so.
//
// Pages are server-rendered html/template with their assets in an embed.FS; every text
// comes from the message catalogue (bot/messages.yaml, keys "console_faq_*"); every POST
// checks the session's CSRF token through Auth (and the host console checks it too).
package faqui

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console/pagekit"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
)

// Served is the index citizens are answered from (*knowledge.Index): the published version.
type Served interface {
	Corpus() *faq.Corpus
	Ask(ctx context.Context, text string, opts ...knowledge.AskOption) (*knowledge.Result, error)
}

// Feedback tells, per entry, how often citizens answered 👎 ("tidak membantu") after it.
// Without one the pages say the rate is unavailable.
type Feedback interface {
	// NotHelpful returns, per entry id, the answers given and the 👎 received after them.
	NotHelpful(ctx context.Context) (map[string]Rate, error)
}

// Rate is how often an entry answered and how often citizens said it did not help.
type Rate struct {
	Answers, NotHelpful int
}

// Config is what the pages are built from.
type Config struct {
	Service *corpusdb.Service
	// Served is the serving index: the published corpus (the folder's with
	// BALAI_CORPUS=folder) and its answers.
	Served Served
	Auth   Auth
	Texts  Texts
	// Chrome frames the pages in the host console's look: its header (menu, language switch,
	// sign-out) above the pages' own bar (optional: then the pages have a minimal header of
	// their own).
	Chrome Chrome
	// Index configures the in-memory indexes of other versions "coba pertanyaan" builds
	// (the serving index's thresholds and model); DataDir is ignored.
	Index knowledge.Options
	// Reason words a result's decision as `balai ask --explain` does (optional).
	Reason func(*knowledge.Result, knowledge.Thresholds) string
	// Feedback gives 👎 rates (optional: unavailable without).
	Feedback Feedback
	// Now is the clock (default time.Now); review dates are judged by it.
	Now func() time.Time
	// Location is the agency's time zone for times shown (default UTC).
	Location *time.Location
	// PageSize is the most entries a list shows (default 200).
	PageSize int
	// Indexes is how many versions' indexes are kept for "coba pertanyaan" (default 4).
	Indexes int
	Logger  *slog.Logger
}

// UI serves the FAQ pages.
type UI struct {
	cfg    Config
	pages  map[string]*template.Template
	static http.Handler
	prefix string
	cache  *indexCache

	mu      sync.Mutex
	corpora map[string]*faq.Corpus // loaded versions, by id and update time
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the pages' templates besides the layout.
var pageNames = []string{"versions", "entries", "entry", "ask", "review", "history", "diff", "import", "home"}

// New parses the pages' templates; it panics on a broken template (a programming error).
func New(cfg Config) *UI {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 200
	}
	if cfg.Indexes <= 0 {
		cfg.Indexes = 4
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	u := &UI{cfg: cfg, pages: map[string]*template.Template{}, corpora: map[string]*faq.Corpus{}}
	iopts := cfg.Index
	iopts.DataDir, iopts.Progress = "", nil
	if iopts.Logger == nil {
		iopts.Logger = cfg.Logger
	}
	if iopts.Now == nil {
		iopts.Now = cfg.Now
	}
	u.cache = newIndexCache(cfg.Indexes, iopts)
	funcs := template.FuncMap{
		"join": strings.Join,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format(faq.DateLayout)
		},
		"when": u.when,
		"pct":  func(f float64) string { return strconv.FormatFloat(100*f, 'f', 0, 64) + "%" },
		"conf": func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) },
		"num":  func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
		"list": func(s ...string) []string { return s },
		// sub is the page p with other data, for a shared template.
		"sub": func(p *page, d any) *page { c := *p; c.Data = d; return &c },
		// fld is a field of the entry's editor: page, name, label key, value, input type.
		"fld": func(p *page, name, key, value, typ string) map[string]any {
			return map[string]any{"P": p, "N": name, "K": key, "V": value, "T": typ}
		},
	}
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	for _, p := range pageNames {
		u.pages[p] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+p+".html"))
	}
	sub, _ := fs.Sub(staticFS, "static")
	u.static = http.FileServerFS(sub)
	return u
}

// Close releases the indexes built for "coba pertanyaan".
func (u *UI) Close() error { return u.cache.close() }

// Routes registers the pages under prefix ("/console/faq"): the corpus's overview at
// prefix+"/".
func (u *UI) Routes(mux *http.ServeMux, prefix string) {
	prefix = strings.TrimSuffix(prefix, "/")
	u.prefix = prefix
	mux.Handle("GET "+prefix+"/static/", http.StripPrefix(prefix+"/static", u.static))
	mux.HandleFunc("GET "+prefix+"/{$}", u.guard(u.versionsPage))
	mux.HandleFunc("POST "+prefix+"/drafts", u.guard(u.newDraft))
	mux.HandleFunc("GET "+prefix+"/v/{id}/{$}", u.guard(u.entriesPage))
	mux.HandleFunc("GET "+prefix+"/v/{id}/e/{entry}", u.guard(u.entryPage))
	mux.HandleFunc("POST "+prefix+"/v/{id}/e/{entry}", u.guard(u.saveEntry))
	mux.HandleFunc("POST "+prefix+"/v/{id}/e/{entry}/delete", u.guard(u.deleteEntry))
	mux.HandleFunc("GET "+prefix+"/v/{id}/new", u.guard(u.newEntryPage))
	mux.HandleFunc("POST "+prefix+"/v/{id}/new", u.guard(u.saveEntry))
	mux.HandleFunc("GET "+prefix+"/v/{id}/ask", u.guard(u.askPage))
	mux.HandleFunc("GET "+prefix+"/v/{id}/review", u.guard(u.reviewPage))
	mux.HandleFunc("POST "+prefix+"/v/{id}/{action}", u.guard(u.act))
	mux.HandleFunc("GET "+prefix+"/v/{id}/export.csv", u.guard(u.exportCSV))
	mux.HandleFunc("GET "+prefix+"/v/{id}/export.zip", u.guard(u.exportZip))
	mux.HandleFunc("GET "+prefix+"/history", u.guard(u.historyPage))
	mux.HandleFunc("GET "+prefix+"/diff", u.guard(u.diffPage))
	mux.HandleFunc("POST "+prefix+"/rollback/{id}", u.guard(u.rollback))
	mux.HandleFunc("GET "+prefix+"/import", u.guard(u.importPage))
	mux.HandleFunc("POST "+prefix+"/import", u.guard(u.importCSV))
}

// request is one request's officer, language and token.
type request struct {
	o    balai.Officer
	lang string
	csrf string
	r    *http.Request // nil for the home page's section (no frame)
}

type handler func(w http.ResponseWriter, r *http.Request, q request)

// maxUpload bounds an imported spreadsheet.
const maxUpload = 16 << 20

// guard lets through an editor or admin and, on a POST, a valid CSRF token.
func (u *UI) guard(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, ok := pagekit.Admit(w, r, u.cfg.Auth, u.cfg.Texts, balai.RoleEditor, pagekit.Refusals{SignIn: "console_faq_err_signin", Role: "console_faq_err_role", CSRF: "console_faq_err_csrf"}, parseForm)
		if !ok {
			return
		}
		h(w, r, request{o: in.Officer, lang: in.Lang, csrf: in.CSRF, r: r})
	}
}

// page is what every page's template receives.
type page struct {
	L        tr
	Prefix   string
	Me       balai.Officer
	CSRF     string
	Title    string
	Error    string // a message shown at the top (role="alert")
	Notice   string // a message shown at the top (role="status")
	ReadOnly string // why the corpus cannot be changed here ("": it can)
	FourEyes bool
	Data     any
	// Frame is the host's frame (Config.Chrome); empty without one.
	pagekit.Frame
}

func (u *UI) newPage(q request, titleKey string, data any) *page {
	p := &page{L: tr{Cat: u.cfg.Texts, Code: q.lang}, Prefix: u.prefix, Me: q.o, CSRF: q.csrf, Data: data,
		FourEyes: u.cfg.Service.Policy().FourEyes, Frame: pagekit.FrameOf(u.cfg.Chrome, q.r)}
	if u.cfg.Service.ReadOnly() != "" {
		p.ReadOnly = p.L.T("console_faq_readonly")
	}
	p.Title = p.L.T(titleKey)
	return p
}

func (u *UI) render(w http.ResponseWriter, status int, name string, p *page) {
	var b strings.Builder
	if err := u.pages[name].ExecuteTemplate(&b, "page", p); err != nil {
		u.cfg.Logger.Error("Failed to render a FAQ page", "page", name, "error", err)
		http.Error(w, p.L.T("console_faq_err_internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail answers an error of the corpus service with its status and a catalogue text.
func (u *UI) fail(w http.ResponseWriter, q request, err error, op string) {
	status, key := u.classify(err)
	if status == 0 {
		return
	}
	if status == http.StatusInternalServerError {
		u.cfg.Logger.Error("Failed to "+op, "officer", q.o.ID, "error", err)
	}
	http.Error(w, u.cfg.Texts.Text(q.lang, key, nil), status)
}

// classify maps an error to a status and a catalogue key (status 0: the client left).
func (u *UI) classify(err error) (int, string) {
	var sh *corpusdb.ShrinkError
	switch {
	case errors.Is(err, corpusdb.ErrReadOnly):
		return http.StatusConflict, "console_faq_readonly"
	case errors.Is(err, corpusdb.ErrNotAllowed):
		return http.StatusForbidden, "console_faq_err_notallowed"
	case errors.Is(err, balai.ErrVersionNotFound), errors.Is(err, corpusdb.ErrNoEntry):
		return http.StatusNotFound, "console_faq_err_notfound"
	case errors.Is(err, balai.ErrVersionState):
		return http.StatusConflict, "console_faq_err_state"
	case errors.Is(err, balai.ErrPublishRace):
		return http.StatusConflict, "console_faq_err_race"
	case errors.As(err, &sh):
		return http.StatusConflict, "console_faq_err_shrink"
	case errors.Is(err, context.Canceled):
		return 0, ""
	}
	var ve *faq.ValidationError
	if errors.As(err, &ve) {
		return http.StatusUnprocessableEntity, "console_faq_err_invalid"
	}
	return http.StatusInternalServerError, "console_faq_err_internal"
}

func (u *UI) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(u.cfg.Location).Format("02-01-2006 15:04")
}

func (u *UI) versionURL(id int64) string { return u.prefix + "/v/" + strconv.FormatInt(id, 10) + "/" }

func (u *UI) entryURL(id int64, entry string) string {
	return u.prefix + "/v/" + strconv.FormatInt(id, 10) + "/e/" + entry
}

// pathID reads the version id of the path: a number, 0 for the served corpus ("live").
func pathID(r *http.Request) (int64, bool) {
	s := r.PathValue("id")
	if s == "live" {
		return 0, true
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// Texts is the message catalogue (bot.Messages).
type Texts = pagekit.Texts

// tr renders catalogue texts in one language for templates.
type tr = pagekit.Tr

// Auth is the host console's session (console.Auth implements it).
type Auth = pagekit.Auth

// Chrome is the host's page frame (console.Server.Chrome provides the console's).
type Chrome = pagekit.Chrome

// parseForm reads a POST's form, an upload (multipart) included, within maxUpload.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return r.ParseMultipartForm(maxUpload)
	}
	return r.ParseForm()
}
