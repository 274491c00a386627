package unansweredui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console/unansweredui"
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
