package pagekit_test

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console/pagekit"
)

type auth struct {
	o  *balai.Officer
	tk string
}

func (a auth) Officer(*http.Request) (balai.Officer, bool) {
	if a.o == nil {
		return balai.Officer{}, false
	}
	return *a.o, true
}
func (a auth) CSRFToken(*http.Request) string           { return a.tk }
func (a auth) CheckCSRF(_ *http.Request, t string) bool { return t != "" && t == a.tk }
func (auth) Lang(*http.Request) string                  { return "en" }

type texts struct{}

func (texts) Text(lang, key string, _ map[string]any) string { return lang + ":" + key }

// TestAdmit: who gets through, and what the others are told.
func TestAdmit(t *testing.T) {
	officer := &balai.Officer{ID: "user:1", Name: "Sari", Role: balai.RoleOfficer}
	editor := &balai.Officer{ID: "user:2", Name: "Ani", Role: balai.RoleEditor}
	keys := pagekit.Refusals{SignIn: "signin", Role: "role", CSRF: "csrf"}
	for _, tt := range []struct {
		name   string
		who    *balai.Officer
		method string
		token  string
		code   int
		body   string
	}{
		{"anonymous", nil, http.MethodGet, "", 401, "en:signin"},
		{"wrong role", editor, http.MethodGet, "", 403, "en:role"},
		{"officer reads", officer, http.MethodGet, "", 200, "ok"},
		{"post without token", officer, http.MethodPost, "", 403, "en:csrf"},
		{"post with another token", officer, http.MethodPost, "other", 403, "en:csrf"},
		{"post with the token", officer, http.MethodPost, "tok", 200, "ok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			if tt.token != "" {
				form.Set("csrf", tt.token)
			}
			r := httptest.NewRequest(tt.method, "/x", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			if in, ok := pagekit.Admit(w, r, auth{o: tt.who, tk: "tok"}, texts{}, balai.RoleOfficer, keys, nil); ok {
				if in.Officer.ID != tt.who.ID || in.Lang != "en" || in.CSRF != "tok" || w.Header().Get("Cache-Control") != "no-store" {
					t.Errorf("admitted %+v, headers %v", in, w.Header())
				}
				w.WriteString("ok")
			}
			if w.Code != tt.code || strings.TrimSpace(w.Body.String()) != tt.body {
				t.Errorf("%d %q, want %d %q", w.Code, w.Body.String(), tt.code, tt.body)
			}
		})
	}
	if got := (pagekit.Tr{Cat: texts{}, Code: "id"}).T("k", "A", 1); got != "id:k" {
		t.Errorf("Tr.T = %q", got)
	}
}

type chrome struct{}

func (chrome) Header(r *http.Request) template.HTML {
	return template.HTML(`<header id="host">` + template.HTMLEscapeString(r.URL.Path) + `</header>`)
}
func (chrome) Stylesheets() []string { return []string{"/host.css"} }

// TestFrameOf: a Chrome gives its header for the request and its style sheets; none gives
// an empty frame (the page's own header then).
func TestFrameOf(t *testing.T) {
	r := httptest.NewRequest("GET", "/console/faq/<x>", nil)
	f := pagekit.FrameOf(chrome{}, r)
	if f.HostHeader != `<header id="host">/console/faq/&lt;x&gt;</header>` || len(f.HostStyles) != 1 || f.HostStyles[0] != "/host.css" {
		t.Errorf("FrameOf(chrome) = %+v", f)
	}
	if f := pagekit.FrameOf(nil, r); f.HostHeader != "" || f.HostStyles != nil {
		t.Errorf("FrameOf(nil) = %+v", f)
	}
}
