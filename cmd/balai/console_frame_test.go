package main

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// framePrefixes are the page packages the console mounts: the desk's, the FAQ corpus's, the
// unanswered questions' and the analytics dashboard's.
var framePrefixes = []string{deskPrefix + "/", faqPrefix + "/", unansweredPrefix + "/", analyticsPrefix + "/"}

// framePages are the shapes of every page those packages serve (shape: a path segment after
// a one-letter one, an id, is "*"): the crawl must reach each.
var framePages = []string{
	deskPrefix + "/", deskPrefix + "/t/*", deskPrefix + "/supervisor", deskPrefix + "/canned",
	faqPrefix + "/", faqPrefix + "/v/*/", faqPrefix + "/v/*/e/*", faqPrefix + "/v/*/new", faqPrefix + "/v/*/ask",
	faqPrefix + "/v/*/review", faqPrefix + "/history", faqPrefix + "/diff", faqPrefix + "/import",
	unansweredPrefix + "/", unansweredPrefix + "/c/*",
	analyticsPrefix + "/",
}

var hrefAttr = regexp.MustCompile(`href="([^"#]+)"`)

// pageShape is path with the ids (a segment after a one-letter word: /t/{id}, /v/{id}/e/{entry})
// as "*".
func pageShape(path string) string {
	seg := strings.Split(path, "/")
	for i := 1; i < len(seg); i++ {
		if p := seg[i-1]; len(p) == 1 && p >= "a" && p <= "z" && seg[i] != "" {
			seg[i] = "*"
		}
	}
	return strings.Join(seg, "/")
}

// TestConsoleFrame: through `balai serve` (corpus in the database), an admin crawling the
// desk's, the FAQ corpus's, the unanswered questions' and the analytics pages from their
// first pages by their links finds the console's own header on every one: the sign-out
// button, the language switch and the menu with the section marked current; the crawl
// reaches every kind of page the four packages serve (a ticket, a cluster, an entry of a
// draft, its review...).
func TestConsoleFrame(t *testing.T) {
	for name, database := range adminDatabases(t) {
		t.Run(name, func(t *testing.T) {
			e := startServe(t, database(t), map[string]string{"BALAI_CORPUS": "db"}, func() {
				addUser(t, "admin", "Adi", "adi", e2ePassword)
			})
			// Three citizens ask what the corpus lacks: three tickets, one cluster.
			for i, q := range loopQuestions[:3] {
				chat := int64(8401 + i)
				e.fake.Message(chat, q)
				e.waitSent(t, chat, 1)
			}
			adi := signIn(t, e.url, "adi", e2ePassword)
			_, home := adi.get("/console/")
			m := csrfField.FindStringSubmatch(home)
			if m == nil {
				t.Fatal("no CSRF token on the home page")
			}
			// A draft of the corpus, for its entries, new-entry page and review.
			if code, body := adi.post(faqPrefix+"/drafts", url.Values{"csrf": {m[1]}}); code != http.StatusOK {
				t.Fatalf("new draft: %d\n%s", code, body)
			}

			queue := []string{deskPrefix + "/?view=open", faqPrefix + "/", faqPrefix + "/diff?a=1&b=2", unansweredPrefix + "/", analyticsPrefix + "/"}
			seen := map[string]bool{}
			for _, u := range queue {
				seen[strings.Split(u, "?")[0]] = true
			}
			shapes, queued := map[string]int{}, map[string]int{} // pages fetched, queued per shape
			for len(queue) > 0 {
				u := queue[0]
				queue = queue[1:]
				resp, err := adi.c.Get(e.url + u)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				body, path := string(b), resp.Request.URL.Path
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					continue
				}
				shapes[pageShape(path)]++
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s = %d", u, resp.StatusCode)
					continue
				}
				section := ""
				for _, p := range framePrefixes {
					if strings.HasPrefix(path, p) {
						section = p
					}
				}
				for _, want := range []string{`id="logout"`, `action="/console/lang"`, `href="` + section + `" aria-current="page"`} {
					if section == "" || !strings.Contains(body, want) {
						t.Errorf("GET %s (%s) lacks %s of the console's header", u, path, want)
					}
				}
				for _, h := range hrefAttr.FindAllStringSubmatch(body, -1) {
					ref, err := resp.Request.URL.Parse(html.UnescapeString(h[1]))
					if err != nil || ref.Host != resp.Request.URL.Host || seen[ref.Path] {
						continue
					}
					in := false
					for _, p := range framePrefixes {
						in = in || strings.HasPrefix(ref.Path, p)
					}
					// Files (style sheets, exports) are no pages; the live event stream never ends.
					if !in || strings.Contains(ref.Path, "/static/") || strings.Contains(ref.Path, "/csv/") || strings.HasSuffix(ref.Path, "/events") ||
						strings.HasSuffix(ref.Path, ".csv") || strings.HasSuffix(ref.Path, ".zip") || strings.HasSuffix(ref.Path, ".jsonl") {
						continue
					}
					seen[ref.Path] = true
					if sh := pageShape(ref.Path); queued[sh] < 2 {
						queued[sh]++
						queue = append(queue, ref.RequestURI())
					}
				}
			}
			for _, want := range framePages {
				if shapes[want] == 0 {
					t.Errorf("the crawl did not reach %s", want)
				}
			}
			var got []string
			for s, n := range shapes {
				got = append(got, fmt.Sprintf("%s ×%d", s, n))
			}
			sort.Strings(got)
			t.Logf("pages crawled: %s", strings.Join(got, ", "))
		})
	}
}
