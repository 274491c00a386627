package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/internal/browsertest"
)

// TestBrowserSignInAndOut: in headless Chromium over HTTPS, an officer opens the console,
// is sent to sign in, signs in, sees who they are, and signs out.
func TestBrowserSignInAndOut(t *testing.T) {
	e := newEnv(t)
	e.account("sari", balai.RoleOfficer, pw)
	br := browsertest.Start(t, browsertest.Options{Phone: true})
	do, eval, waitFor := br.Do, br.Eval, br.WaitFor
	do("opening the console", chromedp.Navigate(e.srv.URL+"/console/"))
	waitFor("the sign-in form", `!!document.getElementById("username")`)
	if loc := eval(`location.pathname + location.search`); !strings.HasPrefix(loc, "/console/login?next=") {
		t.Errorf("not sent to sign in: %s", loc)
	}
	do("signing in",
		chromedp.SendKeys(chromedp.ID("username"), "sari"),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.ID("login-submit")))
	waitFor("the home page", `!!document.getElementById("me-name")`)
	who, role, loc := eval(`document.getElementById("me-name").textContent`), eval(`document.getElementById("me-role").textContent`), eval(`location.pathname`)
	if who != "sari" || role != "Petugas" || loc != "/console/" {
		t.Errorf("home: %q %q at %s", who, role, loc)
	}
	if httpOnly := eval(`document.cookie`); strings.Contains(httpOnly, "balai_console") {
		t.Errorf("the session cookie is readable by scripts: %q", httpOnly)
	}
	do("signing out", chromedp.Click(chromedp.ID("logout")))
	waitFor("the sign-in form", `!!document.getElementById("username")`)
	if flash := eval(`(document.querySelector(".flash") || {}).textContent || ""`); flash != "Anda sudah keluar." {
		t.Errorf("after signing out: %q", flash)
	}
	do("opening the console again", chromedp.Navigate(e.srv.URL+"/console/"))
	waitFor("the sign-in form", `!!document.getElementById("username")`)
}
