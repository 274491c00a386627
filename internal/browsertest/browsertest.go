// Package browsertest starts headless Chromium for the browser tests of the web chat and the
// console, and drives it with chromedp: one place for the browser's flags and for the
// helpers every browser test needs (a step with a timeout, evaluate, wait for a condition).
//
// The browser is $BALAI_CHROMIUM, or the first of chromium, chromium-browser, google-chrome
// on PATH; without one, tests that need it are skipped with a message saying how to get it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Find returns the Chromium binary to drive, or "" when there is none.
func Find() string {
	if p := os.Getenv("BALAI_CHROMIUM"); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// Require returns the Chromium binary, or skips the test when there is none.
func Require(t testing.TB) string {
	t.Helper()
	path := Find()
	if path == "" {
		t.Skipf("browser test skipped: no Chromium found (looked for $BALAI_CHROMIUM=%q, then chromium, chromium-browser, google-chrome on PATH); install it with `apt-get install -y chromium` or set BALAI_CHROMIUM", os.Getenv("BALAI_CHROMIUM"))
	}
	return path
}

// Options shape the browser's window.
type Options struct {
	Width, Height int  // default 1280×900
	Phone         bool // a phone's window, 390×844 (Width and Height then ignored)
}

// Browser is a headless Chromium with a fresh profile, closed when the test ends.
type Browser struct {
	T   testing.TB
	Ctx context.Context // the browser's first tab
	// Timeout bounds each Do, Eval and WaitFor (default 30 s).
	Timeout time.Duration
}

// Start starts the browser (skipping the test when there is none). It accepts the
// self-signed certificates of the tests' HTTPS servers, speaks Indonesian first, and reaches
// nothing but the pages it is sent to.
func Start(t testing.TB, o Options) *Browser {
	t.Helper()
	path := Require(t)
	w, h := o.Width, o.Height
	switch {
	case o.Phone:
		w, h = 390, 844
	case w == 0 || h == 0:
		w, h = 1280, 900
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("lang", "id-ID"),
		chromedp.Flag("accept-lang", "id-ID,id"),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Started with a context without a timeout: the first run binds the browser's life.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium at %s: %v", path, err)
	}
	return &Browser{T: t, Ctx: ctx, Timeout: 30 * time.Second}
}

// Do runs actions as one step; on failure the test fails with the step's name, the error,
// and the page's address and text.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.T.Fatalf("%s: %v\npage: %s", what, err, b.page())
	}
}

// Eval evaluates a JavaScript expression that gives a string.
func (b *Browser) Eval(expr string) string {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.T.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// WaitFor polls the JavaScript condition expr until it holds, across page loads (a form's
// POST and redirect may replace the page while it is polled).
func (b *Browser) WaitFor(what, expr string) {
	b.T.Helper()
	deadline := time.Now().Add(b.Timeout)
	for {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.T.Fatalf("waiting for %s: %v\npage: %s", what, err, b.page())
		}
	}
}

// Click waits for the element with id and clicks it from the page's own script (a click by
// coordinates can land elsewhere when a live update shifts the layout meanwhile).
func (b *Browser) Click(id string) {
	b.T.Helper()
	b.Do("click "+id, chromedp.WaitVisible(chromedp.ID(id)))
	b.Eval(`(function(){ document.getElementById(` + "'" + id + "'" + `).click(); return 'ok'; })()`)
}

// page is the current page's path and text, for failure messages.
func (b *Browser) page() string {
	ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + "\n" + document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return v
}
