package deskui_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console/deskui"
	"github.com/balai-id/balai/internal/browsertest"
)

// TestBrowserDesk: inbox → ticket (keyboard: j, Enter) → claim (c) → reply with a canned
// text → close (e) → a new ticket appears in the inbox live, without a reload.
func TestBrowserDesk(t *testing.T) {
	browsertest.Require(t)
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang, bagaimana?")
	canned := "Silakan datang ke kantor Disdukcapil dengan membawa KK."
	if _, err := e.desk.SaveCanned(context.Background(), super, deskui.CannedReply{Title: "KTP hilang", Text: canned}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.mux)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })

	br := browsertest.Start(t, browsertest.Options{Phone: true})
	bctx := br.Ctx
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"X-Officer": sari.ID}}); err != nil {
		t.Fatal(err)
	}
	step, eval, waitFor := br.Do, br.Eval, br.WaitFor
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
