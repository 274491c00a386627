package main

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/balai-id/balai/internal/browsertest"
	"github.com/balai-id/balai/internal/tgfake"
)

// TestUnansweredLoopEndToEnd runs the unanswered-questions loop through `balai serve` whole
// (corpus in the database, BALAI_CORPUS=db, four eyes on as by default), on SQLite and
// PostgreSQL, with headless Chromium: five citizens, each in their own Telegram chat, ask
// about something the corpus lacks (a crowd permit, "izin keramaian") and are handed to
// officers; officer Sari answers one of the tickets in the console and that citizen gets her
// answer; admin Ani finds the five questions as one cluster in the unanswered inbox, the new
// entry's form prefilled with Sari's answer, creates the entry in a draft, tries a paraphrase
// on the draft and submits it (four eyes: she may not approve her own change); editor Budi
// approves and publishes it; once "coba pertanyaan" on the published corpus answers the
// paraphrase with the new entry, a sixth citizen asking it is answered on Telegram with
// Sari's text, not escalated. Every step is checked by what its user sees: console pages and
// the messages the fake Telegram Bot API received.
func TestUnansweredLoopEndToEnd(t *testing.T) {
	browsertest.Require(t)
	for name, database := range adminDatabases(t) {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			dbURL := database(t)
			e := startServe(t, dbURL, map[string]string{"BALAI_CORPUS": "db", "BALAI_CORPUS_POLL": "1s"}, func() {
				addUser(t, "officer", "Sari", "sari", e2ePassword)
				addUser(t, "admin", "Ani", "ani", e2ePassword)
				addUser(t, "editor", "Budi", "budi", e2ePassword)
			})
			unansweredLoop(t, e)
			t.Logf("the loop on %s took %s (serve's start included)", name, time.Since(start).Round(100*time.Millisecond))
		})
	}
}

// The citizens' questions: none is answered by the shipped corpus (each escalates for want
// of an answer); five people planning a hajatan, asking in their own words about the crowd
// permit ("izin keramaian"), each with a detail of their own.
var loopQuestions = []string{
	"Mau bikin hajatan nikahan di kampung, perlu izin keramaian tidak?",
	"Bagaimana cara mendapatkan izin keramaian untuk hajatan dari polsek?",
	"Izin keramaian hajatan di lapangan desa diurus di mana?",
	"Syarat izin keramaian acara hajatan apa saja?",
	"gmn caranya dapet ijin keramaian buat hajatan sunatan",
}

// loopParaphrase is the sixth citizen's question: none of the five, the same need.
const loopParaphrase = "Apa saja persyaratan untuk mendapatkan izin keramaian?"

// loopAnswer is officer Sari's reply to one ticket, which becomes the new entry's body.
const loopAnswer = "Izin keramaian diurus di Polsek setempat paling lambat 14 hari sebelum acara. Bawa fotokopi KTP-el penanggung jawab, surat pengantar dari kelurahan, dan rincian acara (tanggal, tempat, perkiraan jumlah tamu). Layanan ini gratis."

// unansweredLoop is TestUnansweredLoopEndToEnd's flow on one serve e.
func unansweredLoop(t *testing.T, e *e2e) {
	const firstCitizen = int64(8301)
	visible := func(chat int64, n int) []string {
		t.Helper()
		var out []string
		for _, m := range e.waitSent(t, chat, n) {
			out = append(out, tgfake.VisibleText(m.Text, m.ParseMode))
		}
		return out
	}

	// Five citizens ask what the corpus lacks: each is told an officer will answer.
	for i, q := range loopQuestions {
		chat := firstCitizen + int64(i)
		e.fake.Message(chat, q)
		got := visible(chat, 1)
		if !strings.Contains(got[0], "belum menemukan jawaban") || !strings.Contains(got[0], "nomor tiket") {
			t.Fatalf("citizen %d asking %q got %q, want the handover to an officer", chat, q, got[0])
		}
	}

	br := newBrowser(t)
	step, eval, waitFor := br.Do, br.Eval, br.WaitFor

	// Officer Sari answers the third citizen's ticket from the console.
	const answered = 2
	br.signIn(e.url, "sari", e2ePassword)
	step("desk inbox", chromedp.Navigate(e.url+"/console/desk/?view=open"), chromedp.WaitReady(chromedp.ID(`rows`)))
	for _, q := range loopQuestions {
		waitFor("the ticket of "+q, `document.getElementById('rows').textContent.includes(`+jsString(q)+`)`)
	}
	eval(`(function(){ for (const tr of document.querySelectorAll('#rows tr')) { if (tr.textContent.includes(` + jsString(loopQuestions[answered]) + `)) { tr.querySelector('a.open').click(); return 'ok'; } } return 'none'; })()`)
	br.Click("claim")
	step("claimed", chromedp.WaitVisible(chromedp.ID(`reply-text`)))
	eval(`(function(){ document.getElementById('reply-text').value = ` + jsString(loopAnswer) + `; return 'ok'; })()`)
	br.Click("send")
	waitFor("the reply in the conversation", `(document.getElementById('transcript')||{textContent:''}).textContent.includes('14 hari sebelum acara')`)
	chat := firstCitizen + answered
	if got := visible(chat, 2); !strings.Contains(got[1], loopAnswer) {
		t.Fatalf("the answered citizen got %q, want Sari's answer", got[1])
	}
	br.signOut(e.url)

	// Admin Ani: the five questions are one cluster, with Sari's answer.
	br.signInAs(e.url, "ani", e2ePassword)
	step("unanswered inbox", chromedp.Navigate(e.url+"/console/unanswered/"), chromedp.WaitReady(chromedp.ID(`main`)))
	if n := eval(`String(document.querySelectorAll('#clusters tbody tr.cluster').length)`); n != "1" {
		t.Fatalf("the unanswered inbox lists %s clusters, want 1:\n%s", n, eval(`document.body.innerText`))
	}
	if size := eval(`document.querySelector('#clusters tr.cluster td.size').textContent.trim()`); size != "5" {
		t.Errorf("the cluster's size is %s, want 5", size)
	}
	eval(`(function(){ document.querySelector('#clusters tr.cluster th a').click(); return 'ok'; })()`)
	step("cluster page", chromedp.WaitVisible(chromedp.ID(`entry-form`)))
	for _, q := range loopQuestions {
		if eval(`String(document.getElementById('questions').textContent.includes(`+jsString(q)+`))`) != "true" {
			t.Errorf("the cluster page lacks the question %q", q)
		}
	}
	if eval(`String(document.getElementById('answers').textContent.includes(`+jsString(loopAnswer)+`))`) != "true" {
		t.Errorf("the cluster page does not show Sari's answer:\n%s", eval(`document.body.innerText`))
	}
	if body := eval(`document.getElementById('new-body').value`); body != loopAnswer {
		t.Errorf("the new entry's body is prefilled with %q, want Sari's answer", body)
	}
	entryID := eval(`document.getElementById('new-id').value`)
	if !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(entryID) || !strings.Contains(entryID, "keramaian") {
		t.Errorf("the new entry's prefilled id is %q", entryID)
	}
	for _, q := range loopQuestions {
		if eval(`String(document.getElementById('new-questions').value.includes(`+jsString(q)+`))`) != "true" {
			t.Errorf("the new entry's phrasings lack %q", q)
		}
	}
	// Ani gives the entry a title of her own and keeps the rest; she creates it.
	eval(`(function(){ document.getElementById('new-title').value = 'Izin keramaian untuk acara'; return 'ok'; })()`)
	br.Click("create-entry")
	waitFor("the draft notice", `location.pathname === '/console/unanswered/' && new URLSearchParams(location.search).get('draft') !== null`)
	draft := eval(`new URLSearchParams(location.search).get('draft')`)
	if _, err := strconv.ParseInt(draft, 10, 64); err != nil {
		t.Fatalf("draft %q in %s", draft, eval(`location.href`))
	}
	if notice := eval(`(document.querySelector('.notice')||{textContent:''}).textContent`); !strings.Contains(notice, draft) {
		t.Errorf("the notice after creating the entry is %q, want draft %s named", notice, draft)
	}
	review := "/console/faq/v/" + draft + "/review"
	if eval(`String(!!document.querySelector('#notice a#draft-link[href="`+review+`"]'))`) != "true" {
		t.Errorf("the notice after creating the entry does not link to %s:\n%s", review, eval(`document.getElementById('notice').outerHTML`))
	}
	if eval(`String(!!document.getElementById('empty') && !document.getElementById('clusters'))`) != "true" {
		t.Errorf("the cluster is still listed after the entry was drafted:\n%s", eval(`document.body.innerText`))
	}

	// Ani finds the draft on the corpus page, tries the paraphrase on it, and submits it.
	step("corpus page", chromedp.Navigate(e.url+"/console/faq/"), chromedp.WaitVisible(chromedp.ID(`open`)))
	if eval(`String(!!document.querySelector('#open a[href="`+review+`"]'))`) != "true" {
		t.Fatalf("the corpus page does not list draft %s:\n%s", draft, eval(`document.body.innerText`))
	}
	step("try the draft", chromedp.Navigate(e.url+"/console/faq/v/"+draft+"/ask?q="+url.QueryEscape(loopParaphrase)), chromedp.WaitVisible(chromedp.ID(`sides`)))
	sides := eval(`JSON.stringify(Array.from(document.querySelectorAll('#sides .side')).map(s => [s.querySelector('.decision strong').textContent, (s.querySelector('[data-answer]')||{dataset:{answer:''}}).dataset.answer]))`)
	if want := `[["answer","` + entryID + `"],["escalate",""]]`; sides != want {
		t.Errorf("coba pertanyaan on draft %s (decision, entry: draft, published) = %s, want %s", draft, sides, want)
	}
	step("review", chromedp.Navigate(e.url+review), chromedp.WaitVisible(chromedp.ID(`submit`)))
	if eval(`String(document.body.innerText.includes(`+jsString(entryID)+`))`) != "true" {
		t.Errorf("the review's diff does not show the new entry %s", entryID)
	}
	br.Click("submit")
	waitFor("the submitted draft", `!!document.querySelector('#state .state-review')`)
	if eval(`String(!!document.getElementById('own-change') && !document.getElementById('approve') && !document.getElementById('publish'))`) != "true" {
		t.Errorf("with four eyes Ani may approve or publish her own change:\n%s", eval(`document.getElementById('actions').innerText`))
	}
	br.signOut(e.url)

	// Editor Budi approves and publishes it.
	br.signInAs(e.url, "budi", e2ePassword)
	step("review as Budi", chromedp.Navigate(e.url+review), chromedp.WaitVisible(chromedp.ID(`approve`)))
	step("approve note", chromedp.SendKeys(chromedp.ID(`approve-note`), "sesuai jawaban petugas"))
	br.Click("approve")
	waitFor("the approved version", `!!document.querySelector('#state .state-approved')`)
	br.Click("publish")
	waitFor("the published version", `!!document.querySelector('#state .state-published')`)

	// Budi asks the published corpus until serve answers from the new version (the switch
	// takes a moment); then the sixth citizen asks.
	live := e.url + "/console/faq/v/live/ask?q=" + url.QueryEscape(loopParaphrase)
	deadline := time.Now().Add(30 * time.Second)
	for {
		step("try the published corpus", chromedp.Navigate(live), chromedp.WaitVisible(chromedp.ID(`sides`)))
		if eval(`String(!!document.querySelector('#sides [data-answer="`+entryID+`"]'))`) == "true" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the published corpus never answered %q with %s:\n%s", loopParaphrase, entryID, eval(`document.body.innerText`))
		}
		time.Sleep(500 * time.Millisecond)
	}
	sixth := firstCitizen + int64(len(loopQuestions))
	e.fake.Message(sixth, loopParaphrase)
	got := visible(sixth, 1)[0]
	if !strings.Contains(got, loopAnswer) || !strings.Contains(got, "Izin keramaian untuk acara") || strings.Contains(got, "tiket") {
		t.Errorf("the sixth citizen got %q, want the new entry's answer", got)
	}
	if sent := e.fake.SentTo(sixth); len(sent[0].Buttons) == 0 {
		t.Errorf("the answer to the sixth citizen has no feedback buttons: %+v", sent[0])
	}
	// The unanswered inbox stays empty: the sixth question was answered.
	step("unanswered inbox after", chromedp.Navigate(e.url+"/console/unanswered/"), chromedp.WaitReady(chromedp.ID(`main`)))
	if eval(`String(!!document.getElementById('empty'))`) != "true" {
		t.Errorf("the unanswered inbox after the loop:\n%s", eval(`document.body.innerText`))
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return strconv.Quote(s) }

// signInAs signs in to the console at base with the sign-in form, whatever the account's
// role (it waits for the sign-out button every signed-in page has).
func (b browser) signInAs(base, username, password string) {
	b.T.Helper()
	b.Do("sign in as "+username, chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username), chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)), chromedp.WaitVisible(chromedp.ID(`logout`)))
}

// signOut signs out with the console home page's sign-out button.
func (b browser) signOut(base string) {
	b.T.Helper()
	b.Do("console home", chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.ID(`logout`)))
	b.Click("logout")
	b.Do("signed out", chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)))
}
