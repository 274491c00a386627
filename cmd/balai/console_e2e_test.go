package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/internal/browsertest"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/internal/wafake"
	"github.com/balai-id/balai/store"
)

// addUser creates a console account with `balai user add` (password on standard input).
func addUser(t testing.TB, role, name, username, password string) {
	t.Helper()
	stdin = strings.NewReader(password + "\n")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"user", "add", "--role", role, "--name", name, username}, &out, &errOut); code != exitOK {
		t.Fatalf("user add %s: %d %s", username, code, errOut.String())
	}
}

// consoleClient is an officer signed in to the console over plain HTTP (no browser).
type consoleClient struct {
	t    testing.TB
	base string
	c    *http.Client
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signIn(t testing.TB, base, username, password string) *consoleClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cc := &consoleClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	_, page := cc.get("/console/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	if code, body := cc.post("/console/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {password}}); code != 200 || strings.Contains(body, `name="password"`) {
		t.Fatalf("sign in as %s: %d", username, code)
	}
	return cc
}

func (cc *consoleClient) get(path string) (int, string) {
	cc.t.Helper()
	resp, err := cc.c.Get(cc.base + path)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (cc *consoleClient) post(path string, form url.Values) (int, string) {
	cc.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, cc.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", cc.base)
	resp, err := cc.c.Do(req)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestConsoleEndToEnd runs `balai serve` whole with headless Chromium, on SQLite and
// PostgreSQL, for a citizen on the fake Telegram Bot API and one on the fake WhatsApp Cloud
// API (signed webhooks to serve's /webhooks/whatsapp): the citizen is escalated; the ticket
// appears live in officer A's inbox (no reload), under the console's own menu; A claims it
// (a WhatsApp ticket shows the 24-hour window open); officer B (signed in too) sees it held
// by A and cannot reply; A replies with a canned text and the citizen receives it on their
// channel; A's internal note never reaches the citizen; A closes the ticket; the citizen
// rates it.
func TestConsoleEndToEnd(t *testing.T) {
	browsertest.Require(t)
	channels := []struct {
		name  string
		start func(t *testing.T, dbURL string, prepare func()) (*e2e, citizen)
	}{
		{"Telegram", func(t *testing.T, dbURL string, prepare func()) (*e2e, citizen) {
			e := startServe(t, dbURL, nil, prepare)
			return e, tgCitizen{e: e, id: 8101}
		}},
		{"WhatsAppCloud", func(t *testing.T, dbURL string, prepare func()) (*e2e, citizen) {
			fake, env := waCloud(t)
			e := startServe(t, dbURL, env, prepare)
			return e, &waCitizen{t: t, e: e, fake: fake, phone: "6281234567801"}
		}},
	}
	for name, database := range adminDatabases(t) {
		for _, ch := range channels {
			t.Run(name+"/"+ch.name, func(t *testing.T) {
				dbURL := database(t)
				e, c := ch.start(t, dbURL, func() {
					addUser(t, "officer", "Sari", "sari", e2ePassword)
					addUser(t, "officer", "Budi", "budi", e2ePassword)
				})
				consoleFlow(t, e, dbURL, c)
			})
		}
	}
}

const e2ePassword = "kata-sandi-panjang-1"

// citizen is an end-to-end test's citizen on one channel's fake API.
type citizen interface {
	// say sends text to the bot as the citizen.
	say(t *testing.T, text string)
	// waitReceived waits until the citizen has n messages and returns their visible texts.
	waitReceived(t *testing.T, n int) []string
	// rate answers the last message, a rating prompt, with stars.
	rate(t *testing.T, stars int)
	chat() balai.ChatRef
}

// tgCitizen is a citizen on the fake Telegram Bot API.
type tgCitizen struct {
	e  *e2e
	id int64
}

func (c tgCitizen) say(t *testing.T, text string) { c.e.fake.Message(c.id, text) }
func (c tgCitizen) chat() balai.ChatRef {
	return balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(c.id)}
}

func (c tgCitizen) waitReceived(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for _, m := range c.e.waitSent(t, c.id, n) {
		out = append(out, tgfake.VisibleText(m.Text, m.ParseMode))
	}
	return out
}

func (c tgCitizen) rate(t *testing.T, stars int) {
	t.Helper()
	sent := c.e.fake.SentTo(c.id)
	last := sent[len(sent)-1]
	if len(last.Buttons) == 0 || len(last.Buttons[0]) != 5 {
		t.Fatalf("no rating buttons: %+v", last)
	}
	c.e.fake.Press(c.id, last.MessageID, last.Buttons[0][stars-1].CallbackData)
}

// waCloud is a fake WhatsApp Cloud API on loopback and the settings that point serve at it.
func waCloud(t testing.TB) (*wafake.Server, map[string]string) {
	t.Helper()
	const token, phoneID = "wa-e2e-token", "100200300"
	fake := wafake.New(token, phoneID)
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	return fake, map[string]string{"WHATSAPP_CLOUD_TOKEN": token, "WHATSAPP_CLOUD_PHONE_ID": phoneID,
		"WHATSAPP_CLOUD_APP_SECRET": waSecret, "WHATSAPP_CLOUD_VERIFY_TOKEN": "verify-e2e", "WHATSAPP_CLOUD_API_URL": api.URL}
}

const waSecret = "wa-e2e-app-secret"

// waCitizen is a citizen on the fake WhatsApp Cloud API: what they write reaches serve as
// webhooks signed with the app secret, as Meta delivers them.
type waCitizen struct {
	t     *testing.T
	e     *e2e
	fake  *wafake.Server
	phone string
	n     int // messages sent (their wamids)
}

func (c *waCitizen) chat() balai.ChatRef { return balai.ChatRef{Channel: balai.WhatsApp, ID: c.phone} }

func (c *waCitizen) say(t *testing.T, text string) {
	t.Helper()
	c.n++
	c.deliver(t, wafake.Text(c.phone, fmt.Sprintf("wamid.citizen.%d", c.n), text))
}

func (c *waCitizen) deliver(t *testing.T, m wafake.Message) {
	t.Helper()
	body := wafake.Payload("100200300", []wafake.Contact{{WaID: c.phone, Name: "Siti"}}, m)
	req, _ := http.NewRequest(http.MethodPost, c.e.url+"/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", wafake.Signature(waSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
}

func (c *waCitizen) waitReceived(t *testing.T, n int) []string {
	t.Helper()
	if !c.fake.WaitFor(30*time.Second, func() bool { return len(c.fake.SentTo(c.phone)) >= n }) {
		t.Fatalf("%s got %d WhatsApp messages, want %d: %+v", c.phone, len(c.fake.SentTo(c.phone)), n, c.fake.SentTo(c.phone))
	}
	var out []string
	for _, m := range c.fake.SentTo(c.phone) {
		out = append(out, m.Text)
	}
	return out
}

func (c *waCitizen) rate(t *testing.T, stars int) {
	t.Helper()
	sent := c.fake.SentTo(c.phone)
	last := sent[len(sent)-1]
	if len(last.Choices) != 5 {
		t.Fatalf("no rating choices: %+v", last)
	}
	ch := last.Choices[stars-1]
	c.n++
	id := fmt.Sprintf("wamid.citizen.%d", c.n)
	if last.Interactive == "list" {
		c.deliver(t, wafake.ListReply(c.phone, id, ch.ID, ch.Title, ch.Description).Replying(last.ID))
	} else {
		c.deliver(t, wafake.ButtonReply(c.phone, id, ch.ID, ch.Title).Replying(last.ID))
	}
}

// consoleFlow is the console's end-to-end flow for a citizen c of the serve e (with
// officers sari and budi): see TestConsoleEndToEnd.
func consoleFlow(t *testing.T, e *e2e, dbURL string, c citizen) {
	ctx := context.Background()
	canned := "Silakan datang ke kantor Disdukcapil dengan membawa KK asli."
	if _, err := e.main.desk.SaveCanned(ctx, balai.Officer{ID: "user:99", Name: "Supervisor", Role: balai.RoleSupervisor},
		balai.CannedReply{Title: "KTP hilang", Text: canned}); err != nil {
		t.Fatal(err)
	}

	br := newBrowser(t)
	step, eval, waitFor := br.Do, br.Eval, br.WaitFor

	// A signs in and opens the open-tickets inbox, which sits under the console's menu.
	br.signIn(e.url, "sari", e2ePassword)
	step("inbox", chromedp.Navigate(e.url+"/console/desk/?view=open"), chromedp.WaitReady(chromedp.ID(`rows`)))
	if v := eval(`String(!!document.querySelector('header.top a.brand[href="/console/"]') && !!document.querySelector('header.top nav a[href="/console/desk/"][aria-current="page"]') && !!document.querySelector('form[action="/console/logout"] #logout') && !!document.querySelector('form[action="/console/lang"] button[name=lang]'))`); v != "true" {
		t.Errorf("the inbox lacks the console's header (home link, menu, sign-out, language switch)")
	}
	eval(`window.notReloaded = 'yes'`)

	// The citizen asks for an officer: the ticket appears in A's inbox without a reload.
	c.say(t, "mau bicara dengan petugas soal ktp saya yang hilang")
	c.waitReceived(t, 1)
	waitFor("the new ticket in the inbox", `document.getElementById('rows').textContent.includes('ktp saya yang hilang')`)
	if v := eval(`String(window.notReloaded)`); v != "yes" {
		t.Errorf("the inbox reloaded for the live update")
	}
	db, err := store.Open(ctx, dbURL, store.Options{Owner: "e2e-check"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tk, err := db.ActiveTicket(ctx, c.chat())
	if err != nil {
		t.Fatal(err)
	}
	tpath := fmt.Sprintf("/console/desk/t/%d", tk.ID)

	// A opens and claims it; a WhatsApp ticket shows the 24-hour window, open as the
	// citizen just wrote.
	step("open", chromedp.Navigate(e.url+tpath), chromedp.WaitVisible(chromedp.ID(`claim`)))
	br.Click("claim")
	step("claimed", chromedp.WaitVisible(chromedp.ID(`reply-text`)))
	window := eval(`(function(){var w=document.getElementById('wa-window'); return w ? w.className+'|'+w.textContent : ''})()`)
	if c.chat().Channel == balai.WhatsApp {
		if !strings.HasPrefix(window, "window open|") || len(window) < len("window open|")+5 {
			t.Errorf("WhatsApp window state on the ticket page = %q, want open with its closing time", window)
		}
	} else if window != "" {
		t.Errorf("a Telegram ticket shows a WhatsApp window: %q", window)
	}

	// B sees it held by Sari, has no reply box, and a reply B forges is refused.
	b := signIn(t, e.url, "budi", e2ePassword)
	code, page := b.get(tpath)
	if code != 200 || !strings.Contains(page, "Sari") || strings.Contains(page, `id="reply-text"`) {
		t.Errorf("B's view of A's ticket: %d, reply box shown %v", code, strings.Contains(page, `id="reply-text"`))
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on B's page")
	}
	if code, _ := b.post(tpath+"/reply", url.Values{"csrf": {m[1]}, "text": {"Jawaban dari Budi"}}); code < 400 {
		t.Errorf("B's reply on A's ticket: %d, want refused", code)
	}

	// A replies with the canned text: the citizen receives it.
	before := len(c.waitReceived(t, 1))
	step("canned", chromedp.WaitVisible(chromedp.CSS(`.canned-insert`)))
	eval(`(function(){ document.querySelector('.canned-insert').click(); return 'ok'; })()`)
	br.Click("send")
	// The page after the reply (the claimed page before it has the same buttons).
	waitFor("the reply in the conversation", `(document.getElementById('transcript')||{textContent:''}).textContent.includes('membawa KK asli')`)
	if got := c.waitReceived(t, before+1); !strings.Contains(got[before], "membawa KK asli") {
		t.Errorf("the citizen got %q", got[before])
	}

	// A's internal note stays internal.
	note := "Catatan internal: cek arsip lama di gudang"
	step("note", chromedp.SendKeys(chromedp.ID(`note-text`), note))
	br.Click("note-add")
	waitFor("the note on the page", `document.getElementById('notes').textContent.includes('cek arsip lama')`)

	// A closes; the citizen is asked to rate and rates 5.
	br.Click("close")
	br.Click("close-do")
	waitFor("the closed ticket", `!!document.getElementById('reopen')`)
	c.waitReceived(t, before+2)
	c.rate(t, 5)
	if !e.fake.WaitFor(30*time.Second, func() bool {
		cur, err := db.Ticket(ctx, tk.ID)
		return err == nil && cur.Rating == 5
	}) {
		t.Errorf("the rating did not reach the ticket")
	}
	for _, s := range c.waitReceived(t, before+2) {
		if strings.Contains(s, "cek arsip") || strings.Contains(s, "Jawaban dari Budi") {
			t.Errorf("the citizen received %q", s)
		}
	}
	cur, _ := db.Ticket(ctx, tk.ID)
	if cur.Status != balai.Closed || cur.Assignee != "user:1" || cur.Answer != canned {
		t.Errorf("ticket after the flow: %+v", cur)
	}
}

// browser is a headless Chromium for a test, with the console's own steps.
type browser struct{ *browsertest.Browser }

func newBrowser(t *testing.T) browser {
	t.Helper()
	return browser{browsertest.Start(t, browsertest.Options{})}
}

// signIn signs in to the console at base with the sign-in form.
func (b browser) signIn(base, username, password string) {
	b.T.Helper()
	b.Do("sign in", chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username), chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/console/desk/"]`)))
}

// TestConsoleReplicasLive: two `balai serve` replicas on one PostgreSQL. A ticket opened on
// replica 1 (its citizen on Telegram) appears live in officer A's inbox on replica 2; officer
// B claims it on replica 1 and A's open ticket page on replica 2 shows the change and B's
// presence without a reload; A's claim from the page as it was is then refused, naming B.
func TestConsoleReplicasLive(t *testing.T) {
	browsertest.Require(t)
	dbURL := adminDatabases(t)["Postgres"](t)
	const pw = e2ePassword
	r1 := startServe(t, dbURL, map[string]string{"BALAI_INSTANCE": "r1"}, func() {
		addUser(t, "officer", "Sari", "sari", pw)
		addUser(t, "officer", "Budi", "budi", pw)
	})
	r2 := startServe(t, dbURL, map[string]string{"BALAI_INSTANCE": "r2"}, nil)
	br := newBrowser(t)
	br.signIn(r2.url, "sari", pw)
	br.Do("inbox on replica 2", chromedp.Navigate(r2.url+"/console/desk/?view=open"), chromedp.WaitReady(chromedp.ID(`rows`)))
	br.Eval(`window.notReloaded = 'yes'`)

	const citizen = int64(9101)
	r1.fake.Message(citizen, "mau bicara dengan petugas soal akta kelahiran anak saya")
	r1.waitSent(t, citizen, 1)
	br.WaitFor("replica 1's ticket in replica 2's inbox", `document.getElementById('rows').textContent.includes('akta kelahiran anak saya')`)
	if v := br.Eval(`String(window.notReloaded)`); v != "yes" {
		t.Errorf("the inbox reloaded for the live update")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, store.Options{Owner: "e2e-check"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tk, err := db.ActiveTicket(ctx, balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(citizen)})
	if err != nil {
		t.Fatal(err)
	}
	tpath := fmt.Sprintf("/console/desk/t/%d", tk.ID)
	br.Do("ticket on replica 2", chromedp.Navigate(r2.url+tpath), chromedp.WaitVisible(chromedp.ID(`claim`)))
	br.Eval(`window.notReloaded = 'yes'`)

	// B, on replica 1, opens the ticket (presence) and claims it.
	b := signIn(t, r1.url, "budi", pw)
	code, page := b.get(tpath)
	m := csrfField.FindStringSubmatch(page)
	if code != 200 || m == nil {
		t.Fatalf("B's ticket page on replica 1: %d", code)
	}
	if code, _ := b.post(tpath+"/presence", url.Values{"csrf": {m[1]}, "typing": {"1"}}); code >= 400 {
		t.Errorf("presence: %d", code)
	}
	br.WaitFor("B's presence on replica 2", `(document.getElementById('presence')||{textContent:''}).textContent.includes('Budi')`)
	if code, _ := b.post(tpath+"/claim", url.Values{"csrf": {m[1]}}); code >= 400 {
		t.Fatalf("B's claim on replica 1: %d", code)
	}
	br.WaitFor("the change on replica 2", `!document.getElementById('live').hidden`)
	if v := br.Eval(`String(window.notReloaded)`); v != "yes" {
		t.Errorf("the ticket page reloaded for the live update")
	}
	// A's claim from the page as it was (before B's) is refused with B's name; nothing is sent.
	before := len(r1.fake.SentTo(citizen))
	br.Click("claim")
	br.WaitFor("the refusal naming B", `document.body.innerText.includes('Budi') && !document.getElementById('reply-text')`)
	cur, _ := db.Ticket(ctx, tk.ID)
	if cur.Assignee != "user:2" || cur.Status != balai.Claimed {
		t.Errorf("after A's late claim: %+v", cur)
	}
	for _, s := range r1.fake.SentTo(citizen)[before:] {
		t.Errorf("the citizen got %q after B's claim and A's refused one", s.Text)
	}
}
