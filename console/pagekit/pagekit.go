// Package pagekit holds what the console's page packages (console/deskui, console/faqui,
// console/unansweredui, console/analyticsui) share: the host console's session as they see
// it (Auth), the host console's page frame (Chrome, Frame), the message catalogue (Texts),
// the translator their templates call (Tr) and the admission of a request (Admit: signed in,
// role, CSRF token).
package pagekit

import (
	"fmt"
	"html/template"
	"net/http"

	"github.com/balai-id/balai"
)

// Auth is the host console's session: the signed-in officer, the session's CSRF token and
// its check, and the language (console.Auth implements it).
type Auth interface {
	Officer(r *http.Request) (balai.Officer, bool)
	CSRFToken(r *http.Request) string
	CheckCSRF(r *http.Request, token string) bool
	Lang(r *http.Request) string
}

// Chrome is the host's page frame, so that a package's pages sit in the host's look: the
// host's page header (its menu, sign-out, language switch) and its style sheets
// (console.Server.Chrome provides the console's).
type Chrome interface {
	// Header is the host's page header for r, ready to insert.
	Header(r *http.Request) template.HTML
	// Stylesheets are URLs of the host's style sheets, linked before the package's own.
	Stylesheets() []string
}

// Frame is what a page's layout renders of the host's frame: the host's header at the top
// of the body and its style sheets before the page's own. A page with an empty HostHeader
// (no Chrome) shows a minimal header of its own instead.
type Frame struct {
	HostHeader template.HTML
	HostStyles []string
}

// FrameOf is c's frame for r: the zero Frame when c is nil.
func FrameOf(c Chrome, r *http.Request) Frame {
	if c == nil || r == nil {
		return Frame{}
	}
	return Frame{HostHeader: c.Header(r), HostStyles: c.Stylesheets()}
}

// Texts is the message catalogue (bot.Messages).
type Texts interface {
	Text(lang, key string, data map[string]any) string
}

// Tr renders catalogue texts in one language; templates call {{$.L.T "key" "Field" value}}.
type Tr struct {
	Cat  Texts
	Code string // the language
}

// T renders key with data given as name, value pairs.
func (t Tr) T(key string, kv ...any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return t.Cat.Text(t.Code, key, data)
}

// Lang is the language texts are rendered in.
func (t Tr) Lang() string { return t.Code }

// Refusals are the catalogue keys of a page package's refusals.
type Refusals struct {
	SignIn string // not signed in (401)
	Role   string // the role does not allow it (403)
	CSRF   string // a POST without the session's token, or an unreadable form (403)
}

// Admitted is a request Admit let through.
type Admitted struct {
	Officer balai.Officer
	Lang    string
	CSRF    string // the token the page's forms carry
}

// Admit lets r through when a signed-in officer whose role allows need makes it and, on a
// POST, its form (read by parse; nil: r.ParseForm) carries the session's CSRF token.
// Otherwise it answers the refusal (401 or 403, the text in the officer's language) and
// returns false. Admitted responses are not to be cached.
func Admit(w http.ResponseWriter, r *http.Request, a Auth, t Texts, need balai.Role, keys Refusals,
	parse func(http.ResponseWriter, *http.Request) error) (Admitted, bool) {
	lang := a.Lang(r)
	o, ok := a.Officer(r)
	if !ok {
		http.Error(w, t.Text(lang, keys.SignIn, nil), http.StatusUnauthorized)
		return Admitted{}, false
	}
	if !o.Role.Allows(need) {
		http.Error(w, t.Text(lang, keys.Role, nil), http.StatusForbidden)
		return Admitted{}, false
	}
	if r.Method == http.MethodPost {
		var err error
		if parse != nil {
			err = parse(w, r)
		} else {
			err = r.ParseForm()
		}
		if err != nil || !a.CheckCSRF(r, r.PostFormValue("csrf")) {
			http.Error(w, t.Text(lang, keys.CSRF, nil), http.StatusForbidden)
			return Admitted{}, false
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return Admitted{Officer: o, Lang: lang, CSRF: a.CSRFToken(r)}, true
}
