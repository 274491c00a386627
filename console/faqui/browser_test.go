package faqui_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/internal/browsertest"
	"github.com/balai-id/balai/store/storetest"
)

// TestBrowserEditReviewPublishRollback: in headless Chromium on a phone-sized window, an
// editor edits an entry, sees it previewed on Telegram, WhatsApp and the web chat, submits
// the draft; a second editor approves and publishes it; the history rolls back to the first
// version after the confirm dialog.
func TestBrowserEditReviewPublishRollback(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), envOptions{policy: corpusdb.Policy{FourEyes: true}})
	br := browsertest.Start(t, browsertest.Options{Phone: true})
	do, eval, waitFor := br.Do, br.Eval, br.WaitFor
	signIn := func(name string) {
		t.Helper()
		do("opening the console", chromedp.Navigate(e.srv.URL+"/console/"))
		waitFor("the sign-in form", `!!document.getElementById("username")`)
		do("signing in as "+name, chromedp.SendKeys(chromedp.ID("username"), name), chromedp.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.ID("login-submit")))
		waitFor("the home page", `!!document.getElementById("me-name")`)
	}

	signIn("ani")
	waitFor("the freshness list on the home page", `!!document.getElementById("faq-fresh")`)
	do("opening the entry", chromedp.Navigate(e.srv.URL+"/console/faq/v/live/e/"+entryID))
	waitFor("the editor", `!!document.getElementById("e-body")`)
	eval(`(function(){var b=document.getElementById("e-body"); b.value += "\n\nLayanan **KODE-BARU-77** di kelurahan."; return ""})()`)
	do("saving", chromedp.Click(chromedp.ID("save")))
	waitFor("the saved draft", `!!document.getElementById("saved")`)
	if tg := eval(`document.querySelector("#pv-telegram .tg-html").innerHTML`); !strings.Contains(tg, "<b>KODE-BARU-77</b>") {
		t.Errorf("Telegram preview: %q", tg)
	}
	if wa := eval(`document.querySelector("#pv-whatsapp .wa-text").textContent`); !strings.Contains(wa, "*KODE-BARU-77*") {
		t.Errorf("WhatsApp preview: %q", wa)
	}
	if web := eval(`document.querySelector("#pv-web .web-html").innerHTML`); !strings.Contains(web, "<strong>KODE-BARU-77</strong>") {
		t.Errorf("web chat preview: %q", web)
	}
	draft := eval(`location.pathname.split("/")[4]`)
	do("opening the review", chromedp.Navigate(e.srv.URL+"/console/faq/v/"+draft+"/review"))
	waitFor("the submit button", `!!document.getElementById("submit")`)
	do("submitting", chromedp.Click(chromedp.ID("submit")))
	waitFor("submitted", `!!document.getElementById("notice") && !!document.getElementById("own-change")`)
	do("back home", chromedp.Navigate(e.srv.URL+"/console/"))
	waitFor("the home page", `!!document.getElementById("logout")`)
	do("signing out", chromedp.Click(chromedp.ID("logout")))
	waitFor("the sign-in form", `!!document.getElementById("username")`)

	signIn("budi")
	do("opening the review", chromedp.Navigate(e.srv.URL+"/console/faq/v/"+draft+"/review"))
	waitFor("the diff and the approve button", `!!document.querySelector('#diff [data-entry="`+entryID+`"]') && !!document.getElementById("approve")`)
	do("approving", chromedp.SendKeys(chromedp.ID("approve-note"), "sudah dicek"), chromedp.Click(chromedp.ID("approve")))
	waitFor("the publish button", `!!document.getElementById("publish")`)
	do("publishing", chromedp.Click(chromedp.ID("publish")))
	waitFor("published", `document.getElementById("state").textContent.trim() === "published"`)
	pub, err := e.db.PublishedCorpusVersion(context.Background())
	if err != nil || strconv.FormatInt(pub.ID, 10) != draft {
		t.Fatalf("published %d (%v), want the draft %s", pub.ID, err, draft)
	}

	do("opening the history", chromedp.Navigate(e.srv.URL+"/console/faq/history"))
	waitFor("the rollback button", `!!document.getElementById("rollback-`+strconv.FormatInt(e.v1.ID, 10)+`")`)
	// The confirm dialog is answered yes; its question is kept across the page's reload.
	eval(`(function(){window.confirm=function(m){sessionStorage.setItem("asked",m);return true};return ""})()`)
	do("rolling back", chromedp.Click(chromedp.ID("rollback-"+strconv.FormatInt(e.v1.ID, 10))))
	waitFor("rolled back", `!!document.getElementById("notice")`)
	if asked := eval(`sessionStorage.getItem("asked") || ""`); !strings.Contains(asked, "#"+strconv.FormatInt(e.v1.ID, 10)) {
		t.Errorf("the rollback asked %q", asked)
	}
	pub, _ = e.db.PublishedCorpusVersion(context.Background())
	if pub.RollbackOf != e.v1.ID || pub.Fingerprint != e.v1.Fingerprint {
		t.Errorf("after the rollback the published version is %+v", pub)
	}
}
