package unansweredui_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console/unansweredui"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/eval"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/unanswered"
)

// auth signs in the officer named by the X-Test-Officer header's role; the CSRF token is "tok".
type auth struct{}

func (auth) Officer(r *http.Request) (balai.Officer, bool) {
	role := r.Header.Get("X-Test-Role")
	return balai.Officer{ID: "user:1", Name: "Citra", Role: balai.Role(role)}, role != ""
}
func (auth) CSRFToken(*http.Request) string               { return "tok" }
func (auth) CheckCSRF(_ *http.Request, token string) bool { return token == "tok" }
func (auth) Lang(*http.Request) string                    { return "id" }

var t0 = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

func TestPages(t *testing.T) {
	for name, open := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			clk := storetest.NewClock(t0)
			db := open(t)(t, "ui", store.Options{Owner: "ui", Now: clk.Now})
			for i, q := range []string{"izin keramaian konser musik, NIK saya 3201234567890001", "syarat izin keramaian acara konser", "urus izin keramaian konser dangdut"} {
				if _, err := db.SQL().Exec(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
					VALUES ('telegram', $1, $2, 'in', 'text', $3, 'escalate', 'low_confidence', '', 0.2, 'id', $4)`, string(rune('a'+i)), i, q, t0.Add(-time.Hour).UnixMilli()); err != nil {
					t.Fatal(err)
				}
			}
			svc, err := unanswered.New(unanswered.Options{Store: db, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := bot.LoadMessages("", "Dinas")
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			unansweredui.New(unansweredui.Config{Service: svc, Auth: auth{}, Texts: msgs}).Routes(mux, "/console/unanswered")
			do := func(method, path, role string, form url.Values) *httptest.ResponseRecorder {
				var body *strings.Reader
				if form != nil {
					body = strings.NewReader(form.Encode())
				} else {
					body = strings.NewReader("")
				}
				r := httptest.NewRequest(method, path, body)
				if form != nil {
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				r.Header.Set("X-Test-Role", role)
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, r)
				return w
			}
			if w := do("GET", "/console/unanswered/", "officer", nil); w.Code != http.StatusForbidden {
				t.Errorf("an officer got the inbox: %d", w.Code)
			}
			w := do("GET", "/console/unanswered/", "editor", nil)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "keramaian") || strings.Count(w.Body.String(), `class="cluster`) != 1 {
				t.Fatalf("inbox %d:\n%s", w.Code, w.Body.String())
			}
			cs, _ := svc.Clusters(context.Background(), unanswered.Filter{})
			id := cs[0].ID
			w = do("GET", "/console/unanswered/c/"+id, "admin", nil)
			if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "3201234567890001") || !strings.Contains(w.Body.String(), "[NIK]") {
				t.Fatalf("cluster page %d, NIK masked? %s", w.Code, w.Body.String())
			}
			if w := do("POST", "/console/unanswered/c/"+id+"/dismiss", "editor", url.Values{"csrf": {"wrong"}}); w.Code != http.StatusForbidden {
				t.Errorf("POST without the CSRF token: %d", w.Code)
			}
			if w := do("POST", "/console/unanswered/c/"+id+"/dismiss", "editor", url.Values{"csrf": {"tok"}}); w.Code != http.StatusSeeOther {
				t.Fatalf("dismiss: %d %s", w.Code, w.Body.String())
			}
			if w := do("GET", "/console/unanswered/", "editor", nil); strings.Contains(w.Body.String(), `class="cluster`) {
				t.Errorf("dismissed cluster still listed")
			}
			if w := do("POST", "/console/unanswered/c/"+id+"/out-of-scope", "editor", url.Values{"csrf": {"tok"}}); w.Code != http.StatusSeeOther {
				t.Fatalf("out of scope: %d", w.Code)
			}
			w = do("GET", "/console/unanswered/export.jsonl", "editor", nil)
			cases, err := eval.ReadCases("download", w.Body)
			if err != nil || len(cases) != 3 || cases[0].InScope() {
				t.Errorf("download: %v %+v", err, cases)
			}
		})
	}
}

// chrome is a host's frame: a header naming the page's path, and a style sheet.
type chrome struct{}

func (chrome) Header(r *http.Request) template.HTML {
	return template.HTML(`<header class="top" id="host-header">` + template.HTMLEscapeString(r.URL.Path) + `</header>`)
}
func (chrome) Stylesheets() []string { return []string{"/host/site.css"} }

// pages serves the pages over open's store with three escalated questions about one topic,
// the embedded corpus published as version 1 (the actions' drafts start from it), and the
// configuration cfg completes; do requests path as an officer of role.
func pages(t *testing.T, open storetest.Opener, cfg unansweredui.Config) (svc *unanswered.Service, do func(method, path, role string, form url.Values) *httptest.ResponseRecorder) {
	t.Helper()
	ctx := context.Background()
	clk := storetest.NewClock(t0)
	db := open(t, "ui", store.Options{Owner: "ui", Now: clk.Now})
	for i, q := range []string{"izin keramaian konser musik", "syarat izin keramaian acara konser", "urus izin keramaian konser dangdut"} {
		if _, err := db.SQL().Exec(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
			VALUES ('telegram', $1, $2, 'in', 'text', $3, 'escalate', 'low_confidence', '', 0.2, 'id', $4)`, string(rune('a'+i)), i, q, t0.Add(-time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	corpus := corpusdb.New(corpusdb.Options{Store: db, Now: clk.Now})
	files, err := corpusdb.FilesFromFS(faq.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := corpus.Seed(ctx, files, "embedded corpus"); err != nil {
		t.Fatal(err)
	}
	svc, err = unanswered.New(unanswered.Options{Store: db, Corpus: corpus, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := bot.LoadMessages("", "Dinas")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Service, cfg.Auth, cfg.Texts = svc, auth{}, msgs
	mux := http.NewServeMux()
	unansweredui.New(cfg).Routes(mux, "/console/unanswered")
	return svc, func(method, path, role string, form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.Header.Set("X-Test-Role", role)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
}

// TestChrome: with a host's Chrome the inbox and a cluster's page show the host's header and
// style sheet, then the pages' own bar (the inbox, the eval download); without one, the
// pages' own minimal header with a link home.
func TestChrome(t *testing.T) {
	for _, withChrome := range []bool{false, true} {
		for name, open := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
			t.Run(fmt.Sprintf("%s/chrome=%v", name, withChrome), func(t *testing.T) {
				var cfg unansweredui.Config
				if withChrome {
					cfg.Chrome = chrome{}
				}
				svc, do := pages(t, open(t), cfg)
				cs, err := svc.Clusters(context.Background(), unanswered.Filter{})
				if err != nil || len(cs) != 1 {
					t.Fatalf("clusters: %v %d", err, len(cs))
				}
				// Without a DraftURL a draft's notice links to the console's FAQ review page.
				if body := do("GET", "/console/unanswered/?done=draft&draft=7", "editor", nil).Body.String(); !strings.Contains(body, `<a href="/console/faq/v/7/review" id="draft-link">`) {
					t.Errorf("the draft notice links elsewhere:\n%s", body)
				}
				for _, path := range []string{"/console/unanswered/", "/console/unanswered/c/" + cs[0].ID} {
					w := do("GET", path, "admin", nil)
					body := w.Body.String()
					if w.Code != http.StatusOK {
						t.Fatalf("GET %s: %d", path, w.Code)
					}
					host := strings.Index(body, `<header class="top" id="host-header">`+path+`</header>`)
					hostCSS, ownCSS := strings.Index(body, `href="/host/site.css"`), strings.Index(body, `/static/unanswered.css"`)
					bar, export := strings.Index(body, `<div class="pagebar">`), strings.Index(body, `href="/console/unanswered/export.jsonl"`)
					if !withChrome {
						if host >= 0 || hostCSS >= 0 || !strings.Contains(body, `<div class="top pagebar">`) || !strings.Contains(body, `href="/console/"`) {
							t.Errorf("GET %s without a host: host frame or no own header:\n%s", path, body)
						}
						continue
					}
					if host < 0 || hostCSS < 0 || ownCSS < hostCSS || bar < host || export < bar {
						t.Errorf("GET %s: host header at %d, its style sheet at %d (own at %d), own bar at %d, export link at %d", path, host, hostCSS, ownCSS, bar, export)
					}
				}
			})
		}
	}
}

// TestDraftLink: adding a question as a phrasing and drafting a new entry from a cluster
// both land in a draft; the notice after each names the draft and links to its review page.
func TestDraftLink(t *testing.T) {
	for name, open := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			svc, do := pages(t, open(t), unansweredui.Config{DraftURL: func(d int64) string { return fmt.Sprintf("/corpus/%d/review", d) }})
			cs, err := svc.Clusters(context.Background(), unanswered.Filter{})
			if err != nil || len(cs) != 1 || len(cs[0].Questions) != 3 {
				t.Fatalf("clusters: %v %+v", err, cs)
			}
			c := cs[0]
			follow := func(what string, w *httptest.ResponseRecorder) {
				t.Helper()
				loc := w.Header().Get("Location")
				if w.Code != http.StatusSeeOther || !strings.Contains(loc, "done=draft") {
					t.Fatalf("%s: %d %q\n%s", what, w.Code, loc, w.Body.String())
				}
				u, _ := url.Parse(loc)
				d := u.Query().Get("draft")
				page := do("GET", loc, "editor", nil).Body.String()
				link := `<a href="/corpus/` + d + `/review" id="draft-link">`
				if d == "" || !strings.Contains(page, link) || !strings.Contains(page, "draf versi "+d+".") {
					t.Errorf("%s: the notice of draft %q lacks %s:\n%s", what, d, link, page)
				}
			}
			follow("phrasing", do("POST", "/console/unanswered/c/"+c.ID+"/phrasing", "editor", url.Values{"csrf": {"tok"},
				"ref": {c.Questions[0].Ref}, "entry": {"bansos-cek-penerima"}, "phrasing": {"izin keramaian konser"}}))
			// The cluster's id follows its questions: one of them is settled now.
			if cs, err = svc.Clusters(context.Background(), unanswered.Filter{}); err != nil || len(cs) != 1 || len(cs[0].Questions) != 2 {
				t.Fatalf("clusters after the phrasing: %v %+v", err, cs)
			}
			c = cs[0]
			e := svc.Prefill(c)
			follow("new entry", do("POST", "/console/unanswered/c/"+c.ID+"/entry", "editor", url.Values{"csrf": {"tok"},
				"id": {e.ID}, "title": {"Izin keramaian"}, "category": {"Perizinan"}, "questions": {strings.Join(e.Questions, "\n")},
				"body": {"Ajukan izin keramaian ke Polsek 14 hari sebelum acara."}, "updated": {"2027-03-01"}}))
			// A draft number that is no number gives no notice (and no link).
			if page := do("GET", "/console/unanswered/?done=draft&draft=x%22", "editor", nil).Body.String(); strings.Contains(page, `id="draft-link"`) || strings.Contains(page, `id="notice"`) {
				t.Errorf("a bad draft number gives a notice:\n%s", page)
			}
		})
	}
}
