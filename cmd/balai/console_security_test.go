package main

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/balai-id/balai"
)

// walkRoute is a route of the running console with a concrete path to request.
type walkRoute struct {
	method, path string
	need         []balai.Role // roles a request must be allowed, all of them (none: anyone signed in)
	public       bool
}

func (w walkRoute) allows(r balai.Role) bool {
	for _, n := range w.need {
		if !r.Allows(n) {
			return false
		}
	}
	return true
}

// consoleWalk lists every route the running console serves: its own (console.Server.Routes)
// and, in place of the desk's mount, the desk's pages (deskui.UI.Patterns) behind it.
func consoleWalk(t *testing.T, m *Main) []walkRoute {
	t.Helper()
	params := map[string]string{"{$}": "", "{id}": "1", "{action}": "claim", "{cid}": "1"}
	concrete := func(pattern string) (string, string) {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			// A mount (pages of another package under a prefix, like the FAQ's): its
			// first page stands for it here; its own tests walk its routes.
			method, path = http.MethodGet, pattern
		}
		for strings.Contains(path, "{") {
			i, j := strings.Index(path, "{"), strings.Index(path, "}")
			v, ok := params[path[i:j+1]]
			if !ok {
				t.Fatalf("route %q: no value for %s in this test", pattern, path[i:j+1])
			}
			path = path[:i] + v + path[j+1:]
		}
		if strings.HasSuffix(path, "/static/") {
			path += "desk.css"
		}
		return method, path
	}
	var out []walkRoute
	desk := 0
	for _, r := range m.con.Routes() {
		if r.Pattern == deskPrefix+"/" {
			for _, d := range m.deskUI.Patterns() {
				method, path := concrete(d.Pattern)
				need := []balai.Role{r.Role}
				if d.Role != "" {
					need = append(need, d.Role)
				}
				out = append(out, walkRoute{method: method, path: path, need: need})
				desk++
			}
			continue
		}
		method, path := concrete(r.Pattern)
		wr := walkRoute{method: method, path: path, public: r.Public}
		if r.Role != "" {
			wr.need = []balai.Role{r.Role}
		}
		out = append(out, wr)
	}
	if desk == 0 {
		t.Fatal("the desk's pages are not mounted in the console")
	}
	return out
}

// noRedirects makes a client answer with redirects instead of following them.
func noRedirects(c *http.Client) {
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
}

// TestConsoleRoutesSecurity walks every route a running `balai serve` console registers,
// the desk's mounted pages included: anonymous users are sent to sign in (GET) or refused
// with 401; an editor gets 403 on the officers' routes and an officer 403 on the
// supervisors' and admins'; a state-changing request without the session's CSRF token, with
// a wrong one, or from another origin is refused, even for an admin.
func TestConsoleRoutesSecurity(t *testing.T) {
	const pw = e2ePassword
	e := startServe(t, filepath.Join(t.TempDir(), "balai.db"), nil, func() {
		addUser(t, "admin", "Adi", "adi", pw)
		addUser(t, "editor", "Eka", "eka", pw)
		addUser(t, "officer", "Sari", "sari", pw)
	})
	routes := consoleWalk(t, e.main)

	anon := &consoleClient{t: t, base: e.url, c: &http.Client{}}
	noRedirects(anon.c)
	type signedIn struct {
		*consoleClient
		role balai.Role
		csrf string
	}
	as := func(username string, role balai.Role) signedIn {
		cc := signIn(t, e.url, username, pw)
		noRedirects(cc.c)
		code, page := cc.get("/console/")
		m := csrfField.FindStringSubmatch(page)
		if code != http.StatusOK || m == nil {
			t.Fatalf("%s's home page: %d, CSRF token found %v", username, code, m != nil)
		}
		return signedIn{cc, role, m[1]}
	}
	admin, editor, officer := as("adi", balai.RoleAdmin), as("eka", balai.RoleEditor), as("sari", balai.RoleOfficer)

	request := func(cc *consoleClient, method, path string, form url.Values, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, cc.base+path, strings.NewReader(form.Encode()))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", origin)
		}
		resp, err := cc.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	walked := map[string]int{}
	for _, r := range routes {
		name := r.method + " " + r.path
		if r.public {
			continue
		}
		// Anonymous.
		resp := request(anon, r.method, r.path, url.Values{}, e.url)
		switch r.method {
		case http.MethodGet:
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/login?next=") {
				t.Errorf("anonymous %s = %d %q, want 303 to sign in", name, resp.StatusCode, loc)
			}
		default:
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous %s = %d, want 401", name, resp.StatusCode)
			}
		}
		walked["anonymous"]++
		// Roles not allowed, with a valid CSRF token: 403.
		for _, who := range []signedIn{editor, officer} {
			if r.allows(who.role) {
				continue
			}
			if resp := request(who.consoleClient, r.method, r.path, url.Values{"csrf": {who.csrf}}, e.url); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s = %d, want 403", who.role, name, resp.StatusCode)
			}
			walked[string(who.role)]++
		}
	}
	// CSRF: every state-changing route, public ones too, refuses an admin's request without
	// the token, with another session's, or from another origin with the right one.
	for _, r := range routes {
		if r.method != http.MethodPost {
			continue
		}
		name := r.method + " " + r.path
		for what, try := range map[string]struct {
			form   url.Values
			origin string
		}{
			"no token":      {url.Values{}, e.url},
			"a wrong token": {url.Values{"csrf": {editor.csrf}}, e.url},
			"another site":  {url.Values{"csrf": {admin.csrf}}, "https://attacker.example"},
		} {
			if resp := request(admin.consoleClient, r.method, r.path, try.form, try.origin); resp.StatusCode != http.StatusForbidden {
				t.Errorf("admin %s with %s = %d, want 403", name, what, resp.StatusCode)
			}
			walked["csrf"]++
		}
	}
	// The walk reached the officers' desk and the admins' pages.
	if walked["editor"] == 0 || walked["officer"] == 0 || walked["csrf"] == 0 {
		t.Errorf("walked %v", walked)
	}
	for _, want := range []struct {
		who  signedIn
		path string
	}{{officer, deskPrefix + "/"}, {editor, "/console/"}, {admin, "/console/users"}, {admin, deskPrefix + "/supervisor"}} {
		if code, _ := want.who.get(want.path); code != http.StatusOK {
			t.Errorf("%s GET %s = %d, want 200", want.who.role, want.path, code)
		}
	}
	t.Logf("walked %d routes (%d desk patterns): %v", len(routes), len(e.main.deskUI.Patterns()), walked)
}
