package console

import (
	"bytes"
	"crypto/subtle"
	"html/template"
	"net/http"
	"strings"

	"github.com/balai-id/balai"
)

// Mount serves pages another package provides (the officer desk's, console/deskui) under
// prefix ("/console/desk/"), behind the console's sessions: anonymous users are sent to
// sign in, roles that do not allow need get 403, and a state-changing request without the
// session's CSRF token is refused, as for the console's own routes. navKey (a catalogue
// key; "" for none) puts the pages in the menu. The handler gets the signed-in account
// from CurrentAccount and the session's CSRF token and language from Auth.
func (s *Server) Mount(prefix string, need balai.Role, navKey string, h http.Handler) {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	s.handle(prefix, need, h.ServeHTTP)
	if navKey != "" {
		s.nav(navKey, prefix, need)
	}
}

// HomeSection adds a part to the home page that mounted pages render for the request (an
// empty part is left out): the FAQ pages' freshness list for editors, for example.
func (s *Server) HomeSection(f func(r *http.Request) template.HTML) {
	s.homeSections = append(s.homeSections, f)
}

// homeData is the home page's data: the mounted pages' parts.
type homeData struct{ Sections []template.HTML }

// Auth gives mounted pages what they need of the console's session: the signed-in officer,
// the session's CSRF token and its check, and the language. It works on requests that came
// through the console's handler.
func (s *Server) Auth() Auth { return Auth{} }

// Auth reads the console session of a request (see Server.Auth).
type Auth struct{}

// Officer is the signed-in account as an officer.
func (Auth) Officer(r *http.Request) (balai.Officer, bool) {
	acc, ok := CurrentAccount(r.Context())
	if !ok || acc.Disabled {
		return balai.Officer{}, false
	}
	return acc.Officer(), true
}

// CSRFToken is the session's CSRF token forms carry.
func (Auth) CSRFToken(r *http.Request) string {
	if st := stateOf(r); st.session != nil {
		return st.session.CSRF
	}
	return ""
}

// CheckCSRF reports whether token is the session's CSRF token.
func (a Auth) CheckCSRF(r *http.Request, token string) bool {
	want := a.CSRFToken(r)
	return want != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}

// Lang is the language the signed-in officer reads the console in ("id" or "en").
func (Auth) Lang(r *http.Request) string { return stateOf(r).lang }

// Chrome gives mounted pages the console's frame, so that they sit in its look: the
// console's page header (brand linking home, the menu, the language switch and sign-out)
// and its style sheet. It works on requests that came through the console's handler.
func (s *Server) Chrome() Chrome { return Chrome{s: s} }

// Chrome is the console's frame for mounted pages (see Server.Chrome).
type Chrome struct{ s *Server }

// Header is the console's page header for r: the menu entry whose path is the longest
// prefix of r's path is marked current, and the language switch comes back to r's URL.
func (c Chrome) Header(r *http.Request) template.HTML {
	s := c.s
	st := stateOf(r)
	p := page{s: s, Lang: st.lang, Account: st.account, CSRF: Auth{}.CSRFToken(r), Back: r.URL.RequestURI(), Nav: s.navFor(st.account)}
	for _, n := range p.Nav {
		if strings.HasPrefix(r.URL.Path, n.Path) && len(n.Path) > len(p.Path) {
			p.Path = n.Path
		}
	}
	var b bytes.Buffer
	// Every page's template set has the layout's "header"; the error page is always there.
	if err := s.pages["error"].ExecuteTemplate(&b, "header", p); err != nil {
		s.log.Error("Failed to render the console header", "error", err)
		return ""
	}
	return template.HTML(b.String()) // html/template escaped it
}

// Stylesheets are the console's style sheets, for mounted pages to link before their own.
func (Chrome) Stylesheets() []string { return []string{"/console/static/console.css"} }
