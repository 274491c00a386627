package main

import (
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/internal/browsertest"
	"github.com/chromedp/chromedp"
)

// TestFAQLifecycleAcrossReplicas runs the FAQ lifecycle through two `balai serve` replicas on
// one PostgreSQL with the corpus in the database (BALAI_CORPUS=db, four eyes on as by
// default) in headless Chromium on replica 1's console: editor Ani edits an entry, sees the
// change previewed as Telegram, WhatsApp and the web chat show it, and submits the draft;
// she may not approve it; editor Budi approves and publishes it; a citizen on replica 2's
// Telegram then gets the new answer without a restart; Budi rolls back to the first version
// on the history page (confirm dialog) and the old answer returns on replica 2. How long each
// switch took after the click is logged, not asserted (speed is measured, not tested).
func TestFAQLifecycleAcrossReplicas(t *testing.T) {
	browsertest.Require(t)
	dbURL := adminDatabases(t)["Postgres"](t)
	env := map[string]string{"BALAI_CORPUS": "db", "BALAI_CORPUS_POLL": "1s", "BALAI_INSTANCE": "r1"}
	r1 := startServe(t, dbURL, env, func() {
		addUser(t, "editor", "Ani", "ani", e2ePassword)
		addUser(t, "editor", "Budi", "budi", e2ePassword)
	})
	env["BALAI_INSTANCE"] = "r2"
	r2 := startServe(t, dbURL, env, nil)

	const (
		citizen  = int64(9401)
		question = "Bagaimana cara mengurus akta kelahiran yang hilang?"
		entryID  = "akta-kelahiran-hilang-rusak"
		oldText  = "surat keterangan kehilangan"
		added    = "Mulai 2027 kutipan kedua juga bisa diajukan di **loket keliling** kelurahan."
		newText  = "loket keliling"
	)
	askUntil(t, r2, citizen, question, oldText, newText)

	br := newBrowser(t)
	step, eval, waitFor := br.Do, br.Eval, br.WaitFor

	// Ani edits the entry on replica 1 and sees the three channels' previews.
	br.signInAs(r1.url, "ani", e2ePassword)
	step("the entry's editor", chromedp.Navigate(r1.url+"/console/faq/v/live/e/"+entryID), chromedp.WaitVisible(chromedp.ID(`e-body`)))
	eval(`(function(){ var b = document.getElementById('e-body'); b.value += "\n\n" + ` + jsString(added) + `; return 'ok'; })()`)
	br.Click("save")
	waitFor("the saved draft", `!!document.getElementById('saved')`)
	if tg := eval(`document.querySelector('#pv-telegram .tg-html').innerHTML`); !strings.Contains(tg, "<b>loket keliling</b>") {
		t.Errorf("Telegram preview: %q", tg)
	}
	if wa := eval(`document.querySelector('#pv-whatsapp .wa-text').textContent`); !strings.Contains(wa, "*loket keliling*") {
		t.Errorf("WhatsApp preview: %q", wa)
	}
	if web := eval(`document.querySelector('#pv-web .web-html').innerHTML`); !strings.Contains(web, "<strong>loket keliling</strong>") {
		t.Errorf("web chat preview: %q", web)
	}
	draft := eval(`location.pathname.split('/')[4]`)
	review := r1.url + "/console/faq/v/" + draft + "/review"
	step("the review", chromedp.Navigate(review), chromedp.WaitVisible(chromedp.ID(`submit`)))
	br.Click("submit")
	waitFor("the submitted draft", `!!document.querySelector('#state .state-review')`)
	if eval(`String(!!document.getElementById('own-change') && !document.getElementById('approve') && !document.getElementById('publish'))`) != "true" {
		t.Errorf("with four eyes Ani may approve or publish her own change:\n%s", eval(`document.getElementById('actions').innerText`))
	}
	// Nothing changed for citizens yet.
	askUntil(t, r2, citizen, question, oldText, newText)
	br.signOut(r1.url)

	// Budi sees the diff, approves and publishes.
	br.signInAs(r1.url, "budi", e2ePassword)
	step("the review as Budi", chromedp.Navigate(review), chromedp.WaitVisible(chromedp.ID(`approve`)))
	if eval(`String(!!document.querySelector('#diff [data-entry="`+entryID+`"]'))`) != "true" {
		t.Errorf("the review's diff does not show %s:\n%s", entryID, eval(`document.body.innerText`))
	}
	step("the approval note", chromedp.SendKeys(chromedp.ID(`approve-note`), "sudah dicek"))
	br.Click("approve")
	waitFor("the approved version", `!!document.querySelector('#state .state-approved')`)
	br.Click("publish")
	waitFor("the published version", `!!document.querySelector('#state .state-published')`)
	published := time.Now()
	askUntil(t, r2, citizen, question, newText, "")
	t.Logf("replica 2 answered with the published change %s after the publish click", time.Since(published).Round(100*time.Millisecond))

	// Budi rolls back to version 1 from the history; the old answer returns on replica 2.
	step("the history", chromedp.Navigate(r1.url+"/console/faq/history"), chromedp.WaitVisible(chromedp.ID(`rollback-1`)))
	eval(`(function(){ window.confirm = function(m){ sessionStorage.setItem('asked', m); return true }; return 'ok'; })()`)
	br.Click("rollback-1")
	waitFor("the rollback's notice", `!!document.getElementById('notice')`)
	if asked := eval(`sessionStorage.getItem('asked') || ''`); !strings.Contains(asked, "#1") {
		t.Errorf("the rollback asked %q", asked)
	}
	rolled := time.Now()
	askUntil(t, r2, citizen, question, oldText, newText)
	t.Logf("replica 2 answered with the old text again %s after the rollback click", time.Since(rolled).Round(100*time.Millisecond))
}
