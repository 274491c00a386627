package faqui_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/console/faqui"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// t0 is the test's day: entries of the embedded corpus reviewed by 2027-11-30 are due soon.
var t0 = time.Date(2027, 11, 10, 9, 0, 0, 0, time.UTC)

const pw = "kata-sandi-panjang-1"

// backends runs fn on SQLite and on PostgreSQL (when BALAI_TEST_PG is set).
func backends(t *testing.T, fn func(t *testing.T, open storetest.Opener)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { fn(t, storetest.Postgres(t)) })
}

// env is the console with the FAQ pages on a real store, the embedded corpus published as
// version 1 and served by a real index.
type env struct {
	t   *testing.T
	db  *store.DB
	svc *corpusdb.Service
	v1  balai.CorpusVersion
	srv *httptest.Server
}

type envOptions struct {
	policy   corpusdb.Policy
	readOnly string
	chrome   bool // the pages in the console's frame (console.Server.Chrome)
}

func newEnv(t *testing.T, open storetest.Opener, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	clk := storetest.NewClock(t0)
	db := open(t, "faqui", store.Options{Owner: "faqui", Now: clk.Now})
	seed := corpusdb.New(corpusdb.Options{Store: db, Now: clk.Now})
	files, err := corpusdb.FilesFromFS(faq.Default())
	if err != nil {
		t.Fatal(err)
	}
	v1, err := seed.Seed(ctx, files, "embedded corpus")
	if err != nil {
		t.Fatal(err)
	}
	svc := corpusdb.New(corpusdb.Options{Store: db, Policy: o.policy, ReadOnly: o.readOnly, Now: clk.Now})
	c, _, err := svc.Load(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	con, err := console.New(console.Config{Store: db, Messages: msgs, Now: clk.Now, Logger: slog.New(slog.DiscardHandler), Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := faqui.Config{Service: svc, Served: ix, Auth: con.Auth(), Texts: msgs, Now: clk.Now,
		Index: knowledge.Options{Now: clk.Now}, Logger: slog.New(slog.DiscardHandler),
		Reason: func(r *knowledge.Result, _ knowledge.Thresholds) string { return "reason:" + r.Reason }}
	if o.chrome {
		cfg.Chrome = con.Chrome()
	}
	ui := faqui.New(cfg)
	t.Cleanup(func() { ui.Close() })
	mux := http.NewServeMux()
	ui.Routes(mux, "/console/faq")
	con.Mount("/console/faq/", balai.RoleEditor, "console_nav_faq", mux)
	con.HomeSection(ui.HomeSection)
	top := http.NewServeMux()
	top.Handle(console.Prefix, con.Handler())
	srv := httptest.NewTLSServer(top)
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, svc: svc, v1: v1, srv: srv}
	for _, a := range []struct {
		name string
		role balai.Role
	}{{"ani", balai.RoleEditor}, {"budi", balai.RoleEditor}, {"dedi", balai.RoleOfficer}, {"citra", balai.RoleAdmin}} {
		h, err := console.HashPassword(pw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateAccount(ctx, balai.Account{Username: a.name, Name: a.name, Role: a.role}, h); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

type browser struct {
	e *env
	c *http.Client
}

type response struct {
	status int
	body   string
	header http.Header
}

// signIn returns a client signed in as username.
func (e *env) signIn(username string) *browser {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := new(http.Client)
	*c = *e.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b := &browser{e: e, c: c}
	r := b.submit("/console/login", "/console/login", url.Values{"username": {username}, "password": {pw}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/console/" {
		e.t.Fatalf("sign in as %s: %d\n%s", username, r.status, r.body)
	}
	return b
}

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(body), header: resp.Header}
}

func (b *browser) get(path string) response {
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf(from string) string {
	b.e.t.Helper()
	r := b.get(from)
	m := csrfRe.FindStringSubmatch(r.body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on %s (%d):\n%s", from, r.status, r.body)
	}
	return m[1]
}

// submit posts form to path with the CSRF token of the page from.
func (b *browser) submit(from, path string, form url.Values) response {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(from))
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// entryForm is the editor's form for e with the fields changed by set.
func entryForm(e *faq.Entry, set map[string]string) url.Values {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(faq.DateLayout)
	}
	f := url.Values{"title": {e.Title}, "questions": {strings.Join(e.Questions, "\n")}, "keywords": {strings.Join(e.Keywords, ", ")},
		"category": {e.Category}, "source": {e.Source}, "updated": {date(e.Updated)}, "review_by": {date(e.ReviewBy)},
		"owner": {e.Owner}, "lang": {e.Lang}, "body": {e.Body}}
	for k, v := range set {
		f.Set(k, v)
	}
	return f
}

func (e *env) entry(id string) *faq.Entry {
	e.t.Helper()
	c, _, err := e.svc.Load(context.Background(), e.v1.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	en, ok := c.Entry(id)
	if !ok {
		e.t.Fatalf("no entry %s", id)
	}
	return en
}

func mustContain(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s lacks %q", what, s)
		}
	}
}

const entryID = "bansos-cek-penerima"

// draftRe finds the draft a first edit made in the redirect.
var draftRe = regexp.MustCompile(`^/console/faq/v/(\d+)/e/` + entryID + `\?saved=1$`)

// TestLifecycle: an editor edits an entry of the published version (a draft is made),
// previews it on the three channels, asks a question of both versions, submits; the same
// editor cannot approve (four eyes), a second one approves and publishes; the history rolls
// back in one action; an officer can do none of it.
func TestLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, envOptions{policy: corpusdb.Policy{FourEyes: true}})
		ani, budi, dedi := e.signIn("ani"), e.signIn("budi"), e.signIn("dedi")
		old := e.entry(entryID)
		live := "/console/faq/v/live/e/" + entryID

		// Officers see none of the FAQ pages and change nothing.
		if r := dedi.get("/console/faq/"); r.status != http.StatusForbidden {
			t.Errorf("officer on the FAQ pages: %d", r.status)
		}
		tok := dedi.csrf("/console/")
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+live, strings.NewReader(url.Values{"csrf": {tok}, "title": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if r := dedi.do(req); r.status != http.StatusForbidden {
			t.Errorf("officer saving an entry: %d", r.status)
		}
		if home := dedi.get("/console/"); strings.Contains(home.body, `id="faq-fresh"`) {
			t.Error("officer's home shows the FAQ freshness list")
		}
		// Editors see the freshness per owner on the home page.
		home := ani.get("/console/")
		mustContain(t, "editor's home", home.body, `id="faq-fresh"`, "Kementerian Sosial", `href="/console/faq/"`)

		// The list: search, category and review filters.
		r := ani.get("/console/faq/v/live/?q=cek+bansos&category=Bantuan+Sosial")
		mustContain(t, "filtered list", r.body, `data-entry="`+entryID+`"`, `id="feedback-note"`)
		if strings.Contains(r.body, `data-entry="ktp-`) {
			t.Error("the category filter let other categories through")
		}
		r = ani.get("/console/faq/v/live/?review=stale")
		if strings.Contains(r.body, `data-entry="`) {
			t.Error("entries listed as past review on a day none is")
		}
		r = ani.get("/console/faq/v/live/?review=soon&owner=Kementerian+Sosial")
		mustContain(t, "due-soon list", r.body, `data-entry="`+entryID+`"`)

		// Validation: a title left empty is refused, the problem beside the field; no draft
		// holds the change.
		r = ani.submit(live, live, entryForm(old, map[string]string{"title": ""}))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty title: %d", r.status)
		}
		mustContain(t, "refused entry", r.body, `id="p-title"`, `aria-invalid="true" aria-describedby="p-title"`)
		r = ani.submit(live, live, entryForm(old, map[string]string{"review_by": "30-11-2027"}))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="p-review_by"`) {
			t.Errorf("bad date: %d", r.status)
		}

		// The first edit makes a draft and shows the entry there, previewed per channel.
		body := old.Body + "\n\nLayanan **KODE-BARU-77** tersedia di kantor kelurahan."
		r = ani.submit(live, live, entryForm(old, map[string]string{"title": "Cek status penerima bansos & PKH", "body": body}))
		m := draftRe.FindStringSubmatch(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || m == nil {
			t.Fatalf("save: %d %q\n%s", r.status, r.header.Get("Location"), r.body)
		}
		draft := m[1]
		page := ani.get(r.header.Get("Location"))
		mustContain(t, "saved entry", page.body, `id="saved"`,
			// Telegram: the adapter's HTML, title bold, & escaped.
			"<b>Cek status penerima bansos &amp; PKH</b>", "<b>KODE-BARU-77</b>",
			// WhatsApp: its own marks.
			"*Cek status penerima bansos &amp; PKH*", "*KODE-BARU-77*",
			// Web chat: goldmark's HTML.
			"<strong>KODE-BARU-77</strong>",
			// The footer and the feedback buttons as citizens get them.
			"Sumber:", "Ya")
		mustContain(t, "saved entry", page.body, `id="pv-telegram"`, `id="pv-whatsapp"`, `id="pv-web"`)

		// Coba pertanyaan: the draft answers with the new text, the published one with the old.
		r = ani.get("/console/faq/v/" + draft + "/ask?q=" + url.QueryEscape("bagaimana cara cek penerima bansos"))
		mustContain(t, "ask", r.body, "Versi #"+draft, "Versi terbit", "reason:", "KODE-BARU-77", `data-answer="`+entryID+`"`, "idf")
		if n := strings.Count(r.body, `data-answer="`+entryID+`"`); n != 2 {
			t.Errorf("both versions should answer with %s: %d answers", entryID, n)
		}
		if strings.Count(r.body, "KODE-BARU-77") != 1 {
			t.Error("the published version's answer shows the draft's text")
		}

		// Review: submit; the author cannot approve; another editor sees the diff, approves, publishes.
		review := "/console/faq/v/" + draft + "/review"
		if r := ani.submit(review, "/console/faq/v/"+draft+"/submit", nil); r.status != http.StatusSeeOther {
			t.Fatalf("submit: %d\n%s", r.status, r.body)
		}
		r = ani.get(review)
		mustContain(t, "author's review page", r.body, `id="own-change"`)
		if strings.Contains(r.body, `id="approve"`) {
			t.Error("the author is offered to approve")
		}
		if r := ani.submit(review, "/console/faq/v/"+draft+"/approve", url.Values{"note": {"ok"}}); r.status != http.StatusForbidden || !strings.Contains(r.body, `id="error"`) {
			t.Errorf("author approving own change: %d", r.status)
		}
		r = budi.get(review)
		mustContain(t, "reviewer's page", r.body, `id="approve"`, `data-entry="`+entryID+`"`, "<ins>", "KODE-BARU-77")
		if r := budi.submit(review, "/console/faq/v/"+draft+"/approve", url.Values{"note": {"sudah dicek"}}); r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", r.status, r.body)
		}
		if r := budi.submit(review, "/console/faq/v/"+draft+"/publish", nil); r.status != http.StatusSeeOther {
			t.Fatalf("publish: %d\n%s", r.status, r.body)
		}
		pub, err := e.db.PublishedCorpusVersion(context.Background())
		if err != nil || fmt.Sprint(pub.ID) != draft || pub.Approver == "" || pub.ReviewNote != "sudah dicek" {
			t.Fatalf("published: %+v %v", pub, err)
		}

		// History: author, approver, note; diff of any two; rollback in one action.
		r = budi.get("/console/faq/history")
		mustContain(t, "history", r.body, `data-version="`+draft+`"`, "sudah dicek", fmt.Sprintf(`action="/console/faq/rollback/%d"`, e.v1.ID), "data-confirm=")
		r = budi.get(fmt.Sprintf("/console/faq/diff?a=%d&b=%s", e.v1.ID, draft))
		mustContain(t, "diff", r.body, `data-entry="`+entryID+`"`, "KODE-BARU-77")
		if r := budi.submit("/console/faq/history", fmt.Sprintf("/console/faq/rollback/%d", e.v1.ID), url.Values{"note": {"kembali"}}); r.status != http.StatusSeeOther {
			t.Fatalf("rollback: %d\n%s", r.status, r.body)
		}
		pub, _ = e.db.PublishedCorpusVersion(context.Background())
		if pub.RollbackOf != e.v1.ID || pub.Fingerprint != e.v1.Fingerprint {
			t.Errorf("after rollback: %+v", pub)
		}
		c, _, _ := e.svc.Load(context.Background(), pub.ID)
		if en, _ := c.Entry(entryID); en.Body != old.Body {
			t.Error("the rollback did not restore the entry")
		}

		// Every change is in the audit log.
		au, _ := e.db.Audit(context.Background(), 100)
		var acts []string
		for _, a := range au {
			acts = append(acts, a.Action)
		}
		for _, want := range []string{"corpus_draft_created", "corpus_submitted", "corpus_approved", "corpus_published", "corpus_rollback"} {
			if !strings.Contains(strings.Join(acts, " "), want) {
				t.Errorf("audit log lacks %s: %v", want, acts)
			}
		}
	})
}

// TestAddDeleteExportImport: entries are added and deleted in a draft; versions export as
// CSV and as the zipped Markdown folder; a CSV upload becomes a draft.
func TestAddDeleteExportImport(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, envOptions{policy: corpusdb.Policy{FourEyes: false}})
		ani := e.signIn("citra")
		r := ani.submit("/console/faq/", "/console/faq/drafts", url.Values{"note": {"tambah"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("new draft: %d", r.status)
		}
		draft := strings.TrimSuffix(strings.TrimPrefix(r.header.Get("Location"), "/console/faq/v/"), "/")
		newURL := "/console/faq/v/" + draft + "/new"
		form := url.Values{"id": {"jam-layanan-sabtu"}, "title": {"Jam layanan hari Sabtu"}, "questions": {"Apakah kantor buka hari Sabtu?\nJam berapa layanan Sabtu?"},
			"category": {"Layanan Kami"}, "source": {"https://dinas.go.id/jam"}, "updated": {"2027-11-01"}, "review_by": {"2028-05-01"},
			"owner": {"Sekretariat"}, "lang": {"id"}, "body": {"Kantor buka Sabtu pukul 08.00–12.00."}}
		if r := ani.submit(newURL, newURL, form); r.status != http.StatusSeeOther {
			t.Fatalf("add: %d\n%s", r.status, r.body)
		}
		// The same id again is refused beside the id field.
		if r := ani.submit(newURL, newURL, form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="p-id"`) {
			t.Errorf("id used twice: %d", r.status)
		}
		entry := "/console/faq/v/" + draft + "/e/" + entryID
		if r := ani.submit(entry, entry+"/delete", nil); r.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.status)
		}
		csv := ani.get("/console/faq/v/" + draft + "/export.csv")
		if csv.status != http.StatusOK || !strings.HasPrefix(csv.body, strings.Join(faq.CSVColumns, ",")) ||
			!strings.Contains(csv.body, "jam-layanan-sabtu") || strings.Contains(csv.body, entryID+",") {
			t.Errorf("CSV export: %d %.200q", csv.status, csv.body)
		}
		z := ani.get("/console/faq/v/" + draft + "/export.zip")
		zr, err := zip.NewReader(strings.NewReader(z.body), int64(len(z.body)))
		if err != nil {
			t.Fatalf("zip export: %v", err)
		}
		names := map[string]bool{}
		for _, f := range zr.File {
			names[f.Name] = true
		}
		if !names["faq-v"+draft+"/layanan-kami/jam-layanan-sabtu.md"] || !names["faq-v"+draft+"/_balai/synonyms.txt"] {
			t.Errorf("zip export lacks files: %v", names)
		}
		// Without four eyes an admin publishes the draft directly.
		review := "/console/faq/v/" + draft + "/review"
		if r := ani.submit(review, "/console/faq/v/"+draft+"/publish", nil); r.status != http.StatusSeeOther {
			t.Fatalf("direct publish: %d\n%s", r.status, r.body)
		}

		// Import: a CSV updating one entry becomes a draft; a broken one shows its problems.
		upload := func(name, data string) response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("csrf", ani.csrf("/console/faq/import"))
			mw.WriteField("note", "impor")
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write([]byte(data))
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/faq/import", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return ani.do(req)
		}
		r = upload("faq.csv", "id,title,questions,answer,category,source\njam-layanan-sabtu,Jam layanan Sabtu,Buka hari Sabtu?,Kantor buka Sabtu pukul 08.00–13.00.,Layanan Kami,https://dinas.go.id/jam\n")
		if r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "/review") {
			t.Fatalf("import: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
		}
		rv := ani.get(r.header.Get("Location"))
		mustContain(t, "imported draft", rv.body, "draft", "13.00")
		r = upload("rusak.csv", "id,title,questions,answer\nx,,,\n")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="problems"`) {
			t.Errorf("broken import: %d\n%.400s", r.status, r.body)
		}
	})
}

// TestReadOnly: with the corpus in a folder the pages show it and say so; nothing changes.
func TestReadOnly(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, envOptions{readOnly: "folder"})
		ani := e.signIn("ani")
		r := ani.get("/console/faq/")
		mustContain(t, "overview", r.body, `id="readonly"`, "BALAI_CORPUS=folder")
		if strings.Contains(r.body, `id="new-draft"`) {
			t.Error("read-only overview offers a draft")
		}
		live := "/console/faq/v/live/e/" + entryID
		r = ani.get(live)
		mustContain(t, "read-only entry", r.body, `id="readonly"`, `id="pv-telegram"`, "readonly>")
		if strings.Contains(r.body, `id="save"`) {
			t.Error("read-only entry offers to save")
		}
		if r := ani.submit(live, live, entryForm(e.entry(entryID), nil)); r.status != http.StatusConflict {
			t.Errorf("saving in read-only mode: %d", r.status)
		}
		n, _ := e.svc.History(context.Background(), 0)
		if len(n) != 1 {
			t.Errorf("versions after a refused save: %d", len(n))
		}
	})
}

// TestChrome: in the console's frame every FAQ page has the console's header (its menu with
// the FAQ marked current, the language switch, sign-out) and style sheet, then the pages'
// own bar (entries, history, import); without a frame, the pages' own minimal header.
func TestChrome(t *testing.T) {
	for _, chrome := range []bool{false, true} {
		t.Run(fmt.Sprintf("chrome=%v", chrome), func(t *testing.T) {
			backends(t, func(t *testing.T, open storetest.Opener) {
				e := newEnv(t, open, envOptions{policy: corpusdb.Policy{FourEyes: true}, chrome: chrome})
				ani := e.signIn("ani")
				v1 := strconv.FormatInt(e.v1.ID, 10)
				for _, path := range []string{"/console/faq/", "/console/faq/v/live/", "/console/faq/v/live/e/" + entryID,
					"/console/faq/v/live/ask?q=ktp+hilang", "/console/faq/v/" + v1 + "/review", "/console/faq/history",
					"/console/faq/diff?a=" + v1 + "&b=" + v1, "/console/faq/import"} {
					r := ani.get(path)
					if r.status != http.StatusOK {
						t.Errorf("chrome %v: GET %s = %d", chrome, path, r.status)
						continue
					}
					host, bar := strings.Index(r.body, `<header class="top">`), strings.Index(r.body, `<div class="pagebar">`)
					hostCSS, ownCSS := strings.Index(r.body, `href="/console/static/console.css"`), strings.Index(r.body, `href="/console/faq/static/faq.css"`)
					if !chrome {
						if host >= 0 || hostCSS >= 0 || strings.Contains(r.body, `id="logout"`) || !strings.Contains(r.body, `<div class="top pagebar">`) {
							t.Errorf("GET %s without a frame: the console's header or no own header:\n%s", path, r.body)
						}
						continue
					}
					if host < 0 || bar < host || hostCSS < 0 || ownCSS < hostCSS {
						t.Errorf("GET %s: console header at %d, own bar at %d, console.css at %d, faq.css at %d", path, host, bar, hostCSS, ownCSS)
					}
					mustContain(t, "GET "+path, r.body, `id="logout"`, `action="/console/lang"`, `href="/console/faq/" aria-current="page"`,
						`href="/console/faq/history"`, `href="/console/faq/import"`)
				}
			})
		})
	}
}

// TestEditKeepsFullTitle: an entry imported with a title cut for buttons keeps the sheet's
// whole title (what search reads) through an edit that leaves the title alone, and drops it
// when the editor gives a new title.
func TestEditKeepsFullTitle(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, envOptions{policy: corpusdb.Policy{FourEyes: false}})
		ani := e.signIn("citra")
		const long = "Persyaratan Klaim Jaminan Hari Tua bagi Pekerja Kontrak (PKWT) yang Masa Kontraknya Berakhir"
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", ani.csrf("/console/faq/import"))
		mw.WriteField("note", "impor")
		fw, _ := mw.CreateFormFile("file", "faq.csv")
		fw.Write([]byte("id,title,questions,answer,category,source\njht-kontrak," + long + ",Apakah JHT dapat dicairkan ketika kontrak habis?,Bisa.,Jaminan Hari Tua,https://dinas.go.id/jht\n"))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/faq/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		r := ani.do(req)
		if r.status != http.StatusSeeOther {
			t.Fatalf("import: %d\n%s", r.status, r.body)
		}
		draft := strings.TrimSuffix(strings.TrimPrefix(r.header.Get("Location"), "/console/faq/v/"), "/review")
		var vid int64
		if _, err := fmt.Sscan(draft, &vid); err != nil {
			t.Fatalf("draft id %q: %v", draft, err)
		}
		entry := func() *faq.Entry {
			c, _, err := e.svc.Load(context.Background(), vid)
			if err != nil {
				t.Fatal(err)
			}
			en, ok := c.Entry("jht-kontrak")
			if !ok {
				t.Fatal("no imported entry")
			}
			return en
		}
		imported := entry()
		if imported.FullTitle != long || imported.Title == long {
			t.Fatalf("imported: title %q, full title %q", imported.Title, imported.FullTitle)
		}
		page := "/console/faq/v/" + draft + "/e/jht-kontrak"
		if r := ani.submit(page, page, entryForm(imported, map[string]string{"body": "Bisa, setelah masa tunggu satu bulan."})); r.status != http.StatusSeeOther {
			t.Fatalf("edit: %d\n%s", r.status, r.body)
		}
		if got := entry(); got.FullTitle != long || !strings.Contains(got.Body, "masa tunggu") {
			t.Errorf("after an edit of the answer: full title %q, body %q", got.FullTitle, got.Body)
		}
		if r := ani.submit(page, page, entryForm(imported, map[string]string{"title": "Klaim JHT setelah kontrak berakhir"})); r.status != http.StatusSeeOther {
			t.Fatalf("retitle: %d\n%s", r.status, r.body)
		}
		if got := entry(); got.FullTitle != "" || got.SearchTitle() != "Klaim JHT setelah kontrak berakhir" {
			t.Errorf("after a new title: full title %q, search title %q", got.FullTitle, got.SearchTitle())
		}
	})
}
