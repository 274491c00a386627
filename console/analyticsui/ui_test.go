package analyticsui_test

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/analytics"
	"github.com/balai-id/balai/analytics/analyticstest"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console/analyticsui"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/workhours"
)

// auth reads the test's officer from headers: X-Role ("" for nobody) and X-Lang.
type auth struct{}

func (auth) Officer(r *http.Request) (balai.Officer, bool) {
	role := r.Header.Get("X-Role")
	if role == "" {
		return balai.Officer{}, false
	}
	return balai.Officer{ID: "user:1", Name: "Penyelia", Role: balai.Role(role)}, true
}

func (auth) Lang(r *http.Request) string {
	if l := r.Header.Get("X-Lang"); l != "" {
		return l
	}
	return "id"
}

const prefix = "/console/analytics"

// server serves the dashboard over the seeded database opened by open.
func server(t *testing.T, open storetest.Opener) *httptest.Server {
	t.Helper()
	return framed(t, open, nil)
}

// framed serves the dashboard over the seeded database opened by open, in the host's frame
// c (nil: none).
func framed(t *testing.T, open storetest.Opener, c analyticsui.Chrome) *httptest.Server {
	t.Helper()
	st := open(t, "ui", store.Options{Now: func() time.Time { return analyticstest.Now }})
	analyticstest.Seed(t, st)
	msgs, err := bot.LoadMessages("", "Dinas Dukcapil")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return analyticstest.Now }
	svc := analytics.New(analytics.Config{Store: st, Calendar: workhours.Default(), Category: analyticstest.Category, Now: now})
	ui := analyticsui.New(analyticsui.Config{Dashboards: svc, Auth: auth{}, Chrome: c, Texts: msgs, Location: analyticstest.Zone, Now: now, Days: 3})
	mux := http.NewServeMux()
	ui.Routes(mux, prefix)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path, role, lang string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("X-Role", role)
	req.Header.Set("X-Lang", lang)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var (
	svgRE   = regexp.MustCompile(`(?s)<svg xmlns.*?</svg>`)
	tableRE = regexp.MustCompile(`(?s)<table id="([a-z_]+)-table">(.*?)</table>`)
	rowRE   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tagRE   = regexp.MustCompile(`<[^>]+>`)
)

// cells reads an HTML table's rows as text.
func cells(body string) [][]string {
	var out [][]string
	for _, r := range rowRE.FindAllStringSubmatch(body, -1) {
		var row []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			row = append(row, html.UnescapeString(tagRE.ReplaceAllString(c[1], "")))
		}
		out = append(out, row)
	}
	return out
}

func TestDashboardPage(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(*testing.T) storetest.Opener
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			srv := server(t, db.open(t))
			t.Run("roles", func(t *testing.T) {
				for _, c := range []struct {
					role string
					want int
				}{{"supervisor", 200}, {"admin", 200}, {"officer", 403}, {"editor", 403}, {"", 401}} {
					for _, path := range []string{prefix + "/", prefix + "/csv/messages"} {
						if code, _, _ := get(t, srv, path, c.role, "id"); code != c.want {
							t.Errorf("%s as %q: %d, want %d", path, c.role, code, c.want)
						}
					}
				}
			})
			for _, lang := range []string{"id", "en"} {
				t.Run(lang, func(t *testing.T) {
					// The default range is the last 3 days up to Now: the seeded range.
					code, page, _ := get(t, srv, prefix+"/", "supervisor", lang)
					if code != 200 {
						t.Fatalf("page: %d %s", code, page)
					}
					svgs := svgRE.FindAllString(page, -1)
					tables := tableRE.FindAllStringSubmatch(page, -1)
					if len(svgs) != 11 || len(tables) != 11 {
						t.Fatalf("%d charts and %d tables, want 11 of each", len(svgs), len(tables))
					}
					for i, s := range svgs {
						d := xml.NewDecoder(strings.NewReader(s))
						for {
							_, err := d.Token()
							if errors.Is(err, io.EOF) {
								break
							}
							if err != nil {
								t.Fatalf("chart %d is not well-formed XML: %v\n%s", i, err, s)
							}
						}
					}
					for _, tb := range tables {
						id, htmlRows := tb[1], cells(tb[2])
						code, body, h := get(t, srv, prefix+"/csv/"+id+"?from=2026-03-02&to=2026-03-04", "supervisor", lang)
						if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
							t.Fatalf("csv %s: %d %s", id, code, h.Get("Content-Type"))
						}
						csvRows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
						if err != nil {
							t.Fatal(err)
						}
						if len(csvRows) != len(htmlRows) {
							t.Fatalf("table %s: %d CSV rows, %d table rows", id, len(csvRows), len(htmlRows))
						}
						for i := range csvRows {
							if strings.Join(csvRows[i], "|") != strings.Join(htmlRows[i], "|") {
								t.Errorf("table %s row %d: CSV %q, table %q", id, i, csvRows[i], htmlRows[i])
							}
						}
					}
					// A known figure in the table and in the chart: Tuesday's 6 messages.
					if !strings.Contains(page, `<th scope="row">2026-03-03</th><td class="num">2</td><td class="num">2</td><td class="num">2</td><td class="num">6</td>`) {
						t.Error("Tuesday's messages are not in the table")
					}
					if !strings.Contains(page, "<title>2026-03-03 · Web: 2</title>") {
						t.Error("Tuesday's web bar is not in the chart")
					}
					// Counts only: no message text, question, chat or officer's account id.
					for _, leak := range []string{"SEED-", "user:Sari", "chat-"} {
						if strings.Contains(page, leak) {
							t.Errorf("the page shows %q", leak)
						}
					}
				})
			}
			t.Run("filters", func(t *testing.T) {
				_, page, _ := get(t, srv, prefix+"/?from=2026-03-02&to=2026-03-04&channel=telegram", "admin", "en")
				if !strings.Contains(page, `<option value="telegram" selected>`) || strings.Contains(page, "Web: ") {
					t.Error("the channel filter is not applied")
				}
				if !strings.Contains(page, `href="/console/analytics/csv/messages?channel=telegram&amp;from=2026-03-02&amp;to=2026-03-04"`) {
					t.Error("the CSV link does not carry the filters")
				}
				_, page, _ = get(t, srv, prefix+"/?from=bad&channel=fax", "admin", "en")
				if !strings.Contains(page, `role="status"`) || !strings.Contains(page, `<option value="" selected>`) {
					t.Error("bad filters are not reported, or not reset")
				}
				code, _, _ := get(t, srv, prefix+"/csv/nope", "admin", "en")
				if code != 404 {
					t.Errorf("unknown table: %d", code)
				}
			})
		})
	}
}

// A failing store answers 500 with the catalogue's text, not the error.
type failing struct{}

func (failing) Dashboard(context.Context, analytics.Query) (analytics.Dashboard, error) {
	return analytics.Dashboard{}, errors.New("db down: secret detail")
}

func TestDashboardError(t *testing.T) {
	msgs, err := bot.LoadMessages("", "")
	if err != nil {
		t.Fatal(err)
	}
	ui := analyticsui.New(analyticsui.Config{Dashboards: failing{}, Auth: auth{}, Texts: msgs, Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	ui.Routes(mux, prefix)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	code, body, _ := get(t, srv, prefix+"/", "admin", "en")
	if code != 500 || strings.Contains(body, "secret") || !strings.Contains(body, msgs.Text("en", "console_analytics_err_internal", nil)) {
		t.Fatalf("%d %q", code, body)
	}
}

// chrome is a host's frame: a header naming the page's path, and a style sheet.
type chrome struct{}

func (chrome) Header(r *http.Request) template.HTML {
	return template.HTML(`<header class="top" id="host-header">` + template.HTMLEscapeString(r.URL.Path) + `</header>`)
}
func (chrome) Stylesheets() []string { return []string{"/host/site.css"} }

// TestChrome: with a host's Chrome the dashboard shows the host's header and style sheet
// (before its own) and no header of its own; without one, its own minimal header.
func TestChrome(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(*testing.T) storetest.Opener
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		for _, c := range []analyticsui.Chrome{nil, chrome{}} {
			t.Run(fmt.Sprintf("%s/chrome=%v", db.name, c != nil), func(t *testing.T) {
				code, body, _ := get(t, framed(t, db.open(t), c), prefix+"/", "supervisor", "id")
				if code != http.StatusOK {
					t.Fatalf("%d\n%s", code, body)
				}
				host := strings.Index(body, `<header class="top" id="host-header">`+prefix+`/</header>`)
				hostCSS, ownCSS := strings.Index(body, `href="/host/site.css"`), strings.Index(body, `/static/analytics.css"`)
				own := strings.Contains(body, `<header class="top pagebar">`)
				if c == nil {
					if host >= 0 || hostCSS >= 0 || !own {
						t.Errorf("without a host: host frame or no own header:\n%s", body)
					}
					return
				}
				if host < 0 || hostCSS < 0 || ownCSS < hostCSS || own || host > strings.Index(body, `<main`) {
					t.Errorf("host header at %d, its style sheet at %d (own at %d), own header %v", host, hostCSS, ownCSS, own)
				}
			})
		}
	}
}
