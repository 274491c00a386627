package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// pageTemplate is the layout with one page's templates.
type pageTemplate = *template.Template

var templateFuncs = template.FuncMap{
	"fmtTime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02 15:04")
	},
	"roles": func() []balai.Role {
		return []balai.Role{balai.RoleOfficer, balai.RoleSupervisor, balai.RoleEditor, balai.RoleAdmin}
	},
}

// parseTemplates parses templates/layout.html with each of templates/pages/*.html.
func parseTemplates() (map[string]pageTemplate, error) {
	base, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	out := map[string]pageTemplate{}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, fmt.Errorf("console: templates: %w", err)
		}
		out[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return out, nil
}

// page is what every template gets: the signed-in account (nil when none), the CSRF token
// forms carry, the language, the pending message, the menu and the page's own Data.
type page struct {
	s         *Server
	Lang      string
	Account   *balai.Account
	CSRF      string
	FlashKind string // "ok" or "error"
	FlashKey  string
	Nav       []navLink
	Path      string
	Back      string // where the language switch returns to
	OIDC      bool
	Data      any
}

// T renders the catalogue's text key in the page's language; args are name, value pairs
// for the text's template.
func (p page) T(key string, args ...any) string {
	var data map[string]any
	if len(args) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	return p.s.msgs.Text(p.Lang, key, data)
}

// Flash is the pending message's text, if any.
func (p page) Flash() string {
	if p.FlashKey == "" {
		return ""
	}
	return p.T(p.FlashKey)
}

// OtherLang is the language the switch offers.
func (p page) OtherLang() string {
	if p.Lang == LangEN {
		return LangID
	}
	return LangEN
}

// render writes the page name with data, status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	s.renderStatus(w, r, http.StatusOK, name, data)
}

// renderStatus writes the page name with data and status: the layout around it, with the
// current account, CSRF token, language and flash message.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		panic("console: no page template " + name) // a programming error, caught by tests
	}
	st := stateOf(r)
	p := page{s: s, Lang: st.lang, Account: st.account, CSRF: s.csrfToken(w, r), Path: r.URL.Path, Back: r.URL.Path, OIDC: s.oidc != nil, Data: data}
	p.FlashKind, p.FlashKey = s.takeFlash(w, r)
	p.Nav = s.navFor(st.account)
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("Failed to render a console page", "page", name, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// navFor is the menu acc sees (none for nobody).
func (s *Server) navFor(acc *balai.Account) []navLink {
	if acc == nil {
		return nil
	}
	var out []navLink
	for _, n := range s.navs {
		if acc.Role.Allows(n.Role) {
			out = append(out, n)
		}
	}
	return out
}

// errorPage is the data of the "error" page: a catalogue key.
type errorPage struct{ Key string }

// serverError logs err and shows the error page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, op string, err error) {
	s.log.Error("Failed to "+op, "error", err)
	s.renderStatus(w, r, http.StatusInternalServerError, "error", errorPage{Key: "console_error_internal"})
}
