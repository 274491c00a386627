package deskui_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console/deskui"
)

// findChromium returns $BALAI_CHROMIUM when it is set and runnable ("" otherwise).
func findChromium() string {
	if p := os.Getenv("BALAI_CHROMIUM"); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// TestBrowserDesk: inbox → ticket (keyboard: j, Enter) → claim (c) → reply with a canned
// text → close (e) → a new ticket appears in the inbox live, without a reload.
func TestBrowserDesk(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("browser test skipped: set BALAI_CHROMIUM to a Chromium binary")
	}
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang, bagaimana?")
	canned := "Silakan datang ke kantor Disdukcapil dengan membawa KK."
	if _, err := e.desk.SaveCanned(context.Background(), super, deskui.CannedReply{Title: "KTP hilang", Text: canned}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.mux)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844), // a phone's width
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true))
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"X-Officer": sari.ID}}); err != nil {
		t.Fatal(err)
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, c := context.WithTimeout(bctx, 20*time.Second)
		defer c()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		ctx, c := context.WithTimeout(bctx, 20*time.Second)
		defer c()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	// waitFor polls expr until it holds, across page loads (a form's POST and redirect may
	// replace the page while it is polled).
	waitFor := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			ctx, c := context.WithTimeout(bctx, 5*time.Second)
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
			c()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %v", what, err)
			}
		}
	}
	step("inbox", chromedp.Navigate(srv.URL+prefix+"/"), chromedp.WaitVisible(chromedp.CSS(`#rows a.open`)))
	step("open with j, Enter", chromedp.KeyEvent("j"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID(`claim`)))
	if loc := eval(`location.pathname`); loc != tpath(tk.ID, "") {
		t.Fatalf("Enter opened %s", loc)
	}
	step("claim with c", chromedp.KeyEvent("c"), chromedp.WaitVisible(chromedp.ID(`reply-text`)))
	step("insert canned", chromedp.Click(chromedp.CSS(`.canned-insert`)))
	if v := eval(`document.getElementById('reply-text').value`); v != canned {
		t.Fatalf("reply box holds %q after the canned reply", v)
	}
	// The page after the reply (the claimed page before it has the same buttons).
	step("send", chromedp.Click(chromedp.ID(`send`)))
	waitFor("the reply in the conversation", `(document.getElementById('transcript')||{textContent:''}).textContent.includes(`+strconv.Quote(canned)+`)`)
	step("the page after the reply", chromedp.WaitVisible(chromedp.ID(`release`)))
	waitFor("the page's scripts", `document.readyState === 'complete'`)
	step("close with e", chromedp.KeyEvent("e"), chromedp.WaitVisible(chromedp.ID(`close-do`)))
	if f := eval(`document.activeElement.name`); f != "resolution" {
		t.Errorf("e focused %q, want the resolution", f)
	}
	step("close", chromedp.Click(chromedp.ID(`close-do`)), chromedp.WaitVisible(chromedp.ID(`reopen`)))
	got, _ := e.desk.Ticket(context.Background(), tk.ID)
	if got.Answer != canned || got.Status != balai.Closed || got.Resolution != deskui.ResolvedAnswered {
		t.Errorf("after the flow: answer %q, status %s, resolution %q", got.Answer, got.Status, got.Resolution)
	}

	step("inbox again", chromedp.Navigate(srv.URL+prefix+"/?view=open"), chromedp.WaitReady(chromedp.ID(`rows`)))
	eval(`window.notReloaded = 'yes'`)
	e.ticket("300", "Citra", "Tiket baru datang langsung")
	waitFor("the new row", `document.getElementById('rows').textContent.includes('Tiket baru datang langsung')`)
	if b := eval(`document.getElementById('live').textContent`); b != "Tiket diperbarui" {
		t.Errorf("banner %q", b)
	}
	if v := eval(`String(window.notReloaded)`); v != "yes" {
		t.Errorf("the page reloaded for the live update")
	}
	if w := eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); w != "true" {
		t.Errorf("the inbox is wider than a phone's screen")
	}
}
