package webchat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
	"github.com/balai-id/balai/internal/browsertest"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

// stepTimeout bounds each step of the browser test.
const stepTimeout = 20 * time.Second

// faults makes the message API fail on demand, and records the message ids it was sent.
type faults struct {
	mu   sync.Mutex
	fail int      // how many of the next POSTs answer 503
	ids  []string // ids of every POSTed message, in order
	uris []string // every request's URI, in order
}

func (f *faults) requested() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.uris)
}

func (f *faults) failNext(n int) {
	f.mu.Lock()
	f.fail = n
	f.ids = nil
	f.mu.Unlock()
}

func (f *faults) posted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ids)
}

func (f *faults) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.uris = append(f.uris, r.RequestURI)
		f.mu.Unlock()
		if r.Method == http.MethodPost && r.URL.Path == "/api/chat/messages" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var m struct{ ID string }
			json.Unmarshal(body, &m)
			f.mu.Lock()
			f.ids = append(f.ids, m.ID)
			failing := f.fail > 0
			if failing {
				f.fail--
			}
			f.mu.Unlock()
			if failing {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"error":"try again"}`)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// startChat builds the real stack: a SQLite store, the knowledge index over the test
// corpus, the engine with the web chat as its sender, and an HTTP server for the chat
// (behind a switch that makes the message API fail on demand).
func startChat(t *testing.T) (*httptest.Server, *faults) {
	t.Helper()
	ctx := context.Background()
	discard := slog.New(slog.DiscardHandler)

	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "balai.db"), store.Options{Owner: "browser-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	corpus, _, err := knowledge.LoadCorpus(filepath.Join("..", "..", "knowledge", "testdata", "mini"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := knowledge.Open(ctx, corpus, knowledge.Options{Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	chat := webchat.New(webchat.Config{Agency: "Dinas Uji", Logger: discard, Sessions: db}, engine, db)
	engine.AddSender(balai.Web, chat, bot.Limits{}, true)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		engine.Close(ctx)
	})
	f := &faults{}
	srv := httptest.NewServer(f.wrap(chat))
	t.Cleanup(func() {
		srv.CloseClientConnections() // the event streams never end by themselves
		srv.Close()
	})
	return srv, f
}

// consoleWatch collects what a tab writes to its console.
type consoleWatch struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func watchConsole(ctx context.Context) *consoleWatch {
	w := &consoleWatch{}
	messages := chromedp.Console(ctx) // subscribes now
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.msgs = append(w.msgs, m)
			w.mu.Unlock()
		}
	}()
	return w
}

// forgive drops the messages from index from on that match: errors a step causes on
// purpose.
func (w *consoleWatch) forgive(from int, match func(chromedp.ConsoleMessage) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	keep := w.msgs[:from:from]
	for _, m := range w.msgs[from:] {
		if !match(m) {
			keep = append(keep, m)
		}
	}
	w.msgs = keep
}

func (w *consoleWatch) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.msgs)
}

// problems lists errors, warnings and uncaught exceptions.
func (w *consoleWatch) problems() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, m := range w.msgs {
		switch m.Type {
		case chromedp.ConsoleError, chromedp.ConsoleException, chromedp.ConsoleWarning:
			out = append(out, fmt.Sprintf("%s (%s:%d %s)", m, m.URL, m.Line+1, m.Source))
		}
	}
	return out
}

// page drives one tab of the chat.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v\n%s", what, err, p.dump())
	}
}

func evalJS[T any](p page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v\n%s", expr, err, p.dump())
	}
	return v
}

// waitFor waits until the JavaScript expression is true.
func (p page) waitFor(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
	if err != nil {
		p.t.Fatalf("waiting for %s (%s): %v\n%s", what, expr, err, p.dump())
	}
}

// dump describes the transcript for failure messages.
func (p page) dump() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const log = document.getElementById('log');
		if (!log) return 'page: ' + location.href + '\n' + document.documentElement.outerHTML.slice(0, 2000);
		return 'transcript of ' + location.href + ':\n' + [...log.querySelectorAll('.msg')].map(m =>
			'  [' + m.className + '] ' + m.innerText.replace(/\s+/g, ' ')).join('\n') +
			'\n  error: ' + (document.getElementById('error').textContent || '-');
	})()`))
	if err != nil {
		return "(no transcript: " + err.Error() + ")"
	}
	return s
}

// message is one entry of the transcript as the page shows it.
type message struct {
	Kind    string   `json:"kind"` // bot, me
	ID      string   `json:"id"`   // the event id of a bot message
	Text    string   `json:"text"`
	Buttons []string `json:"buttons"`
	Enabled []bool   `json:"enabled"`
}

const transcriptJS = `[...document.querySelectorAll('#log .msg')].map(m => ({
	kind: m.classList.contains('bot') ? 'bot' : 'me',
	id: m.getAttribute('data-id') || '',
	text: m.querySelector('.bubble').textContent,
	buttons: [...m.querySelectorAll('.choice')].map(b => b.textContent.replace(/\s*\(.*\)$/, '')),
	enabled: [...m.querySelectorAll('.choice')].map(b => b.tagName === 'A' || !b.disabled),
}))`

func (p page) transcript() []message {
	p.t.Helper()
	raw := evalJS[[]byte](p, `JSON.stringify(`+transcriptJS+`)`)
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		p.t.Fatalf("transcript: %v (%s)", err, raw)
	}
	var msgs []message
	if err := json.Unmarshal([]byte(s), &msgs); err != nil {
		p.t.Fatalf("transcript: %v (%s)", err, s)
	}
	return msgs
}

func count(msgs []message, kind string) int {
	n := 0
	for _, m := range msgs {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

func last(msgs []message, kind string) message {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Kind == kind {
			return msgs[i]
		}
	}
	return message{}
}

// countIs is a JavaScript condition: the transcript holds n messages of a kind.
func countIs(kind string, n int) string {
	return fmt.Sprintf(`document.querySelectorAll('#log .msg.%s').length === %d`, kind, n)
}

// pressEnter presses Enter as a keyboard does. SendKeys would add a separate char event,
// which inserts a line break even when the page cancels the keydown (see chromedp.SendKeys).
var pressEnter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		})
		if err != nil {
			return err
		}
	}
	return nil
})

// ask types a question, sends it with Enter and waits for the reply.
func (p page) ask(text string) message {
	p.t.Helper()
	before := p.transcript()
	p.do("typing "+text, chromedp.SendKeys(chromedp.ID("input"), text), pressEnter)
	p.waitFor("the question in the transcript", countIs("me", count(before, "me")+1))
	p.waitFor("the reply to "+text, countIs("bot", count(before, "bot")+1))
	msgs := p.transcript()
	if got := last(msgs, "me").Text; got != text {
		p.t.Errorf("citizen's message shown as %q, want %q", got, text)
	}
	if v := evalJS[string](p, `document.getElementById('input').value`); v != "" {
		p.t.Errorf("input holds %q after sending", v)
	}
	if !evalJS[bool](p, `document.getElementById('typing').hidden`) {
		p.t.Errorf("the typing indicator stays after the reply")
	}
	return last(msgs, "bot")
}

func TestBrowserChat(t *testing.T) {
	browsertest.Require(t)
	srv, faults := startChat(t)
	ctx := browsertest.Start(t, browsertest.Options{Width: 1024, Height: 768}).Ctx
	console := watchConsole(ctx)

	t.Run("greeting", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		p.do("opening the chat", chromedp.Navigate(srv.URL+"/"))
		p.waitFor("the greeting", countIs("bot", 1))
		msgs := p.transcript()
		if len(msgs) != 1 {
			t.Fatalf("want only the greeting (the /start request is hidden), got %+v", msgs)
		}
		if !strings.Contains(msgs[0].Text, "asisten otomatis Dinas Uji") {
			t.Errorf("greeting = %q", msgs[0].Text)
		}
		if !slices.Equal(msgs[0].Buttons, []string{"📚 Menu", "👤 Bicara dengan petugas"}) {
			t.Errorf("greeting buttons = %q", msgs[0].Buttons)
		}
		if title := evalJS[string](p, `document.title`); !strings.Contains(title, "Dinas Uji") {
			t.Errorf("title = %q", title)
		}
		session := evalJS[string](p, `localStorage.getItem('balai.session') || ''`)
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(session) {
			t.Errorf("session in localStorage = %q", session)
		}
		// The session token is an HttpOnly cookie: not readable by scripts, and in no URL the
		// page requested (the event stream included).
		if c := evalJS[string](p, `document.cookie`); strings.Contains(c, "balai_chat") {
			t.Errorf("the session cookie is readable by scripts: %q", c)
		}
		urls := faults.requested()
		if !slices.ContainsFunc(urls, func(u string) bool { return strings.HasPrefix(u, "/api/chat/events") }) {
			t.Errorf("no event stream among the requests: %q", urls)
		}
		for _, u := range urls {
			if strings.Contains(u, session) || strings.Contains(u, "session=") {
				t.Errorf("a URL carries the session: %s", u)
			}
		}
		// Structure and accessibility basics.
		checks := map[string]string{
			"html lang is id":              `document.documentElement.lang === 'id'`,
			"header names the agency":      `document.querySelector('header h1').textContent === 'Dinas Uji'`,
			"one main landmark":            `document.querySelectorAll('main').length === 1`,
			"the transcript is a live log": `(l => l.getAttribute('role') === 'log' && l.getAttribute('aria-live') === 'polite')(document.getElementById('log'))`,
			"the input has a label":        `document.querySelector('label[for=input]').textContent.trim() !== '' && document.getElementById('input').labels.length === 1`,
			"Indonesian placeholder":       `document.getElementById('input').placeholder === 'Tulis pertanyaan Anda…'`,
			"Indonesian send button":       `document.getElementById('send').textContent.trim() === 'Kirim'`,
			"the service note":             `document.body.textContent.includes('Asisten otomatis — jawaban dari daftar tanya-jawab resmi; petugas membalas pada jam layanan')`,
			"send disabled while empty":    `document.getElementById('send').disabled === true`,
			"answer buttons are buttons":   `[...document.querySelectorAll('#log .choice')].every(b => b.tagName === 'BUTTON' && b.type === 'button' && b.tabIndex === 0)`,
			"no inline styles or scripts":  `document.querySelectorAll('[style]:not(#input), script:not([src]), style').length === 0`,
			"the greeting is not a reply":  `document.getElementById('typing').hidden`,
		}
		for name, expr := range checks {
			if !evalJS[bool](p, expr) {
				t.Errorf("%s: false: %s", name, expr)
			}
		}
	})

	t.Run("answer", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		reply := p.ask("ktp saya hilang gimana")
		if !strings.Contains(reply.Text, "surat kehilangan") {
			t.Errorf("answer = %q", reply.Text)
		}
		if !slices.Equal(reply.Buttons, []string{"👍 Ya", "👎 Tidak"}) {
			t.Errorf("feedback buttons = %q", reply.Buttons)
		}
		// Links in bot messages open in a new tab.
		if !evalJS[bool](p, `(a => !!a && a.target === '_blank' && a.rel.includes('noopener'))([...document.querySelectorAll('#log .msg.bot')].pop().querySelector('.bubble a[href]'))`) {
			t.Errorf("the answer's source link does not open in a new tab safely")
		}
	})

	t.Run("composer", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		before := p.transcript()
		// Shift+Enter makes a new line, it does not send.
		p.do("typing two lines",
			chromedp.SendKeys(chromedp.ID("input"), "baris satu"),
			chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)),
			chromedp.SendKeys(chromedp.ID("input"), "baris dua"))
		if v := evalJS[string](p, `document.getElementById('input').value`); v != "baris satu\nbaris dua" {
			t.Errorf("after Shift+Enter the input holds %q", v)
		}
		if !evalJS[bool](p, `!document.getElementById('send').disabled`) {
			t.Errorf("send disabled with text typed")
		}
		// The counter shows near the limit, and a text over it cannot be sent.
		setText := func(n int) {
			evalJS[chromedp.Void](p, fmt.Sprintf(`(i => { i.value = 'a'.repeat(%d); i.dispatchEvent(new Event('input')); })(document.getElementById('input'))`, n))
		}
		setText(1900)
		if c := evalJS[string](p, `document.getElementById('counter').textContent`); !strings.HasPrefix(c, "1900/2000") {
			t.Errorf("counter at 1900 characters = %q", c)
		}
		setText(2001)
		if !evalJS[bool](p, `document.getElementById('send').disabled && document.getElementById('input').getAttribute('aria-invalid') === 'true' && document.getElementById('counter').classList.contains('over')`) {
			t.Errorf("a text over 2000 characters can be sent")
		}
		setText(0)
		if !evalJS[bool](p, `document.getElementById('send').disabled && document.getElementById('counter').textContent === ''`) {
			t.Errorf("send enabled or counter shown with an empty input")
		}
		if after := p.transcript(); len(after) != len(before) {
			t.Errorf("the composer checks sent messages: %d messages, want %d", len(after), len(before))
		}
	})

	t.Run("suggestions", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		reply := p.ask("ktp")
		if !slices.Contains(reply.Buttons, "KTP-el hilang") {
			t.Fatalf("suggestions = %q (%q)", reply.Buttons, reply.Text)
		}
		before := p.transcript()
		p.do("clicking a suggestion", chromedp.Click(chromedp.JSPath(
			`[...[...document.querySelectorAll('#log .msg.bot')].pop().querySelectorAll('button.choice')].filter(b => b.textContent === 'KTP-el hilang')`)))
		p.waitFor("the entry's answer", countIs("bot", count(before, "bot")+1))
		msgs := p.transcript()
		if got := last(msgs, "me").Text; got != "KTP-el hilang" {
			t.Errorf("the pressed button shows as %q", got)
		}
		if got := last(msgs, "bot").Text; !strings.Contains(got, "surat kehilangan") {
			t.Errorf("entry answer = %q", got)
		}
		// The suggestions' buttons are used up; the chosen one is marked.
		var suggestions message
		for _, m := range msgs {
			if m.ID == reply.ID {
				suggestions = m
			}
		}
		if slices.Contains(suggestions.Enabled, true) {
			t.Errorf("buttons of a used message still enabled: %v", suggestions.Enabled)
		}
		if !evalJS[bool](p, fmt.Sprintf(`document.querySelector('#log .msg.bot[data-id="%s"] .choice.chosen[aria-pressed=true]').textContent === 'KTP-el hilang'`, reply.ID)) {
			t.Errorf("the chosen button is not marked")
		}
	})

	t.Run("citizen text is not HTML", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		const text = `<b>tebal</b> & <script>x</script>`
		p.ask(text) // ask checks that the text shows literally
		if n := evalJS[int](p, `document.querySelectorAll('#log b, #log script, #log .msg.me *:not(.bubble):not(.text):not(.meta):not(.visually-hidden)').length`); n != 0 {
			t.Errorf("the citizen's text made %d elements", n)
		}
		if got := evalJS[string](p, `[...document.querySelectorAll('#log .msg.me .text')].pop().innerHTML`); got != "&lt;b&gt;tebal&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;" {
			t.Errorf("citizen's message rendered as %q", got)
		}
	})

	t.Run("retry", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		from := console.len()
		defer console.forgive(from, func(m chromedp.ConsoleMessage) bool {
			return m.Source == "network" && strings.Contains(m.Text, "503") // the failures below
		})
		sameID := func(what string, ids []string, n int) {
			t.Helper()
			if len(ids) != n || len(slices.Compact(slices.Clone(ids))) != 1 {
				t.Errorf("%s: POSTed ids %q, want %d requests with one id", what, ids, n)
			}
		}
		// Two failures: the page retries with the same id, and the message counts once.
		faults.failNext(2)
		reply := p.ask("syarat membuat ktp baru")
		sameID("two failures", faults.posted(), 3)
		if strings.TrimSpace(reply.Text) == "" {
			t.Errorf("no reply after retries")
		}
		if !evalJS[bool](p, `document.getElementById('error').hidden`) {
			t.Errorf("an error shows after a successful retry")
		}
		// Four failures: the page gives up politely and offers to send again.
		faults.failNext(4)
		before := p.transcript()
		p.do("typing a question that fails", chromedp.SendKeys(chromedp.ID("input"), "pbb bayar di mana"), pressEnter)
		p.waitFor("the error", `!document.getElementById('error').hidden && !!document.querySelector('#log .msg.me.failed .retry')`)
		if msg := evalJS[string](p, `document.getElementById('error').textContent`); !strings.Contains(msg, "belum terkirim") || !strings.Contains(msg, "Kirim ulang") {
			t.Errorf("error text = %q", msg)
		}
		if role := evalJS[string](p, `document.getElementById('error').getAttribute('role')`); role != "alert" {
			t.Errorf("error role = %q", role)
		}
		sameID("four failures", faults.posted(), 4)
		p.do("sending again", chromedp.Click(chromedp.CSS("#log .msg.me.failed .retry")))
		p.waitFor("the reply after sending again", countIs("bot", count(before, "bot")+1))
		p.waitFor("the message marked sent", `!document.querySelector('#log .msg.me.failed') && document.getElementById('error').hidden`)
		sameID("sending again", faults.posted(), 5)
		if msgs := p.transcript(); count(msgs, "me") != count(before, "me")+1 {
			t.Errorf("the retried question shows %d times", count(msgs, "me")-count(before, "me"))
		}
	})

	t.Run("reload", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		before := p.transcript()
		p.do("reloading", chromedp.Reload())
		p.waitFor("the transcript after the reload", fmt.Sprintf(`document.querySelectorAll('#log .msg').length === %d`, len(before)))
		reply := p.ask("jam layanan buka jam berapa")
		after := p.transcript()
		if len(after) != len(before)+2 {
			t.Fatalf("after the reload and one question: %d messages, want %d", len(after), len(before)+2)
		}
		for i := range before {
			if after[i].Kind != before[i].Kind || after[i].Text != before[i].Text || after[i].ID != before[i].ID {
				t.Errorf("message %d changed over the reload:\n  before %+v\n  after  %+v", i, before[i], after[i])
			}
		}
		seen := map[string]bool{}
		for _, m := range after {
			if m.Kind == "bot" {
				if seen[m.ID] {
					t.Errorf("bot message %s shown twice", m.ID)
				}
				seen[m.ID] = true
			}
		}
		if strings.TrimSpace(reply.Text) == "" {
			t.Errorf("empty reply after the reload")
		}
	})

	t.Run("embed mode", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		want := len(p.transcript())
		p.do("opening the embedded page", chromedp.Navigate(srv.URL+"/?embed=1"))
		p.waitFor("the transcript in the embedded page", fmt.Sprintf(`document.querySelectorAll('#log .msg').length === %d`, want))
		if !evalJS[bool](p, `document.documentElement.classList.contains('embed') && getComputedStyle(document.getElementById('top')).display === 'none'`) {
			t.Errorf("the embedded page shows the page header")
		}
	})

	t.Run("mobile", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		defer p.do("resetting the viewport", chromedp.EmulateViewport(1024, 768))
		want := len(p.transcript())
		p.do("opening the chat on a phone",
			chromedp.EmulateViewport(375, 667, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
			chromedp.Navigate(srv.URL+"/"))
		p.waitFor("the transcript on a phone", fmt.Sprintf(`document.querySelectorAll('#log .msg').length === %d`, want))
		fits := `document.documentElement.scrollWidth <= window.innerWidth &&
			['input', 'send', 'log'].every(id => { const r = document.getElementById(id).getBoundingClientRect();
				return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth && r.bottom <= window.innerHeight; })`
		if !evalJS[bool](p, `window.innerWidth === 375`) || !evalJS[bool](p, fits) {
			t.Errorf("the page does not fit 375 px: scrollWidth %v", evalJS[int](p, `document.documentElement.scrollWidth`))
		}
		before := p.transcript()
		p.do("typing and tapping Kirim", chromedp.SendKeys(chromedp.ID("input"), "akta kelahiran anak"), chromedp.Tap(chromedp.ID("send")))
		p.waitFor("the reply on a phone", countIs("bot", count(before, "bot")+1))
		if got := last(p.transcript(), "me").Text; got != "akta kelahiran anak" {
			t.Errorf("question on a phone shows as %q", got)
		}
		p.do("narrowing to 320 px", chromedp.EmulateViewport(320, 568, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
		p.waitFor("the 320 px layout", `window.innerWidth === 320`)
		if !evalJS[bool](p, fits) {
			t.Errorf("the page does not fit 320 px: scrollWidth %v", evalJS[int](p, `document.documentElement.scrollWidth`))
		}
	})

	t.Run("english", func(t *testing.T) {
		tab, cancel := chromedp.NewContext(ctx) // a second tab: same browser profile, same session
		defer cancel()
		tabConsole := watchConsole(tab)
		p := page{t: t, ctx: tab}
		userAgent := evalJS[string](page{t: t, ctx: ctx}, `navigator.userAgent`)
		if _, err := chromedp.Call(tab, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: userAgent, AcceptLanguage: "en-US,en"}); err != nil {
			t.Fatal(err)
		}
		p.do("opening the chat in English", chromedp.Navigate(srv.URL+"/"))
		p.waitFor("the transcript", `document.querySelectorAll('#log .msg').length > 0`)
		checks := map[string]string{
			"html lang is en":     `document.documentElement.lang === 'en'`,
			"English placeholder": `document.getElementById('input').placeholder === 'Type your question…'`,
			"English send button": `document.getElementById('send').textContent.trim() === 'Send'`,
			"English label":       `document.querySelector('label[for=input]').textContent === 'Your question'`,
			"English note":        `document.body.textContent.includes('Automated assistant — answers from the official FAQ; officers reply during service hours')`,
			"agency in the title": `document.title.startsWith('Dinas Uji')`,
		}
		for name, expr := range checks {
			if !evalJS[bool](p, expr) {
				t.Errorf("%s: false: %s", name, expr)
			}
		}
		if probs := tabConsole.problems(); len(probs) > 0 {
			t.Errorf("console problems in the English tab:\n  %s", strings.Join(probs, "\n  "))
		}
	})

	t.Run("embed snippet", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Situs Dinas Uji</title>
<link rel="icon" href="data:,"><script>window.beforeEmbed = Object.keys(window);</script></head>
<body><h1>Situs Dinas Uji</h1><p><a href="#">Beranda</a></p>
<script src="`+srv.URL+`/embed.js" async></script></body></html>`)
		}))
		defer func() {
			site.CloseClientConnections()
			site.Close()
		}()
		const widget = `document.getElementById('balai-chat-widget')`
		const launcher = widget + `.shadowRoot.querySelector('.launcher')`
		const panel = widget + `.shadowRoot.querySelector('.panel')`
		p.do("opening the agency's site", chromedp.Navigate(site.URL+"/"))
		p.waitFor("the chat button", `!!`+widget+` && !!`+launcher)
		if label := evalJS[string](p, launcher+`.getAttribute('aria-label')`); label != "Buka obrolan layanan" {
			t.Errorf("chat button label = %q", label)
		}
		if globals := evalJS[[]string](p, `Object.keys(window).filter(k => !window.beforeEmbed.includes(k) && k !== 'beforeEmbed')`); len(globals) != 0 {
			t.Errorf("the snippet defined globals: %q", globals)
		}
		if n := evalJS[int](p, `document.body.children.length`); n != 4 { // h1, p, script, widget
			t.Errorf("the snippet added %d elements to the body, want 1", n-3)
		}
		// Open it with the keyboard.
		evalJS[chromedp.Void](p, launcher+`.focus()`)
		p.do("pressing Enter on the chat button", chromedp.KeyEvent(kb.Enter))
		p.waitFor("the open panel", `!`+panel+`.hidden && `+launcher+`.getAttribute('aria-expanded') === 'true'`)
		if src := evalJS[string](p, panel+`.querySelector('iframe').src`); src != srv.URL+"/?embed=1" {
			t.Errorf("iframe src = %q, want %q", src, srv.URL+"/?embed=1")
		}
		// Escape inside the chat closes the panel and gives the focus back to the button.
		closed := false
		for deadline := time.Now().Add(stepTimeout); time.Now().Before(deadline); {
			p.do("pressing Escape", chromedp.KeyEvent(kb.Escape))
			if evalJS[bool](p, panel+`.hidden`) {
				closed = true
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if !closed {
			t.Fatalf("Escape does not close the chat panel")
		}
		p.waitFor("the focus back on the chat button", widget+`.shadowRoot.activeElement === `+launcher+` && `+launcher+`.getAttribute('aria-expanded') === 'false'`)
	})

	t.Run("end conversation", func(t *testing.T) {
		p := page{t: t, ctx: ctx}
		from := console.len()
		defer console.forgive(from, func(m chromedp.ConsoleMessage) bool {
			return m.Source == "network" && strings.Contains(m.Text, "401") // the check of the ended session below
		})
		p.do("opening the chat", chromedp.Navigate(srv.URL+"/"))
		p.waitFor("the transcript", `document.querySelectorAll('#log .msg').length > 0`)
		old := evalJS[string](p, `localStorage.getItem('balai.session') || ''`)
		if label := evalJS[string](p, `document.getElementById('end').textContent.trim()`); label != "Akhiri percakapan" {
			t.Errorf("end control = %q", label)
		}
		evalJS[chromedp.Void](p, `window.confirm = () => true`)
		p.do("choosing Akhiri percakapan", chromedp.Click(chromedp.ID("end")))
		p.waitFor("the ended notice", `!document.getElementById('notice').hidden`)
		if n := evalJS[string](p, `document.getElementById('notice').textContent`); !strings.Contains(n, "Percakapan telah diakhiri") {
			t.Errorf("notice = %q", n)
		}
		if !evalJS[bool](p, `document.querySelectorAll('#log .msg').length === 0 && localStorage.getItem('balai.session') === null && localStorage.getItem('balai.transcript') === null && document.getElementById('input').disabled`) {
			t.Errorf("the ended conversation is still on the page or the device")
		}
		// The server ended it: the browser's session answers 401 and streams nothing.
		p.waitFor("the session ended on the server", `!window.__endChecked && (window.__endChecked = true, fetch('api/chat/session').then(r => { window.__endStatus = r.status; })), window.__endStatus === 401`)
		// A reload starts afresh: no old transcript, a new conversation.
		p.do("reloading", chromedp.Reload())
		p.waitFor("a new greeting", `document.querySelectorAll('#log .msg.bot').length === 1 && !!localStorage.getItem('balai.session')`)
		if now := evalJS[string](p, `localStorage.getItem('balai.session')`); now == old {
			t.Errorf("the ended conversation %s came back", old)
		}
		if strings.Contains(evalJS[string](p, `document.getElementById('log').textContent`), "ktp saya hilang") {
			t.Errorf("the old transcript came back")
		}
		// Mulai percakapan baru after ending, without a reload.
		evalJS[chromedp.Void](p, `window.confirm = () => true`)
		p.do("ending again", chromedp.Click(chromedp.ID("end")))
		p.waitFor("the ended notice", `!document.getElementById('notice').hidden`)
		p.do("starting a new conversation", chromedp.Click(chromedp.ID("reset")))
		p.waitFor("the greeting of the new conversation", `document.querySelectorAll('#log .msg.bot').length === 1 && document.getElementById('notice').hidden && !document.getElementById('input').disabled`)
		reply := p.ask("ktp saya hilang gimana")
		if !strings.Contains(reply.Text, "surat kehilangan") {
			t.Errorf("answer in the new conversation = %q", reply.Text)
		}
	})

	if probs := console.problems(); len(probs) > 0 {
		t.Errorf("console problems:\n  %s", strings.Join(probs, "\n  "))
	}
}
