package console_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/balai-id/balai"
)

// chromium returns $BALAI_CHROMIUM, or skips the test when it is unset or not found.
func chromium(t *testing.T) string {
	p := os.Getenv("BALAI_CHROMIUM")
	if p == "" {
		t.Skip("BALAI_CHROMIUM is not set: no browser to test with")
	}
	path, err := exec.LookPath(p)
	if err != nil {
		t.Skipf("BALAI_CHROMIUM=%s: %v", p, err)
	}
	return path
}

// TestBrowserSignInAndOut: in headless Chromium over HTTPS, an officer opens the console,
// is sent to sign in, signs in, sees who they are, and signs out.
func TestBrowserSignInAndOut(t *testing.T) {
	path := chromium(t)
	e := newEnv(t)
	e.account("sari", balai.RoleOfficer, pw)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844), // a phone
		chromedp.Flag("ignore-certificate-errors", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-dev-shm-usage", true))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluating %s: %v", expr, err)
		}
		return v
	}
	// waitFor polls expr until true; a navigation in progress makes a poll fail, so it
	// polls again.
	waitFor := func(what, expr string) {
		t.Helper()
		var last error
		for range 200 {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](expr))
			cancel()
			if err == nil && ok {
				return
			}
			last = err
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("waiting for %s: %v", what, last)
	}
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
