package deskui_test

import (
	"bufio"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/console/deskui"
	"github.com/balai-id/balai/console/deskui/deskuitest"
	"github.com/balai-id/balai/guard"
)

const prefix = "/console/desk"

var (
	sari  = balai.Officer{ID: "user:1", Name: "Sari", Role: balai.RoleOfficer}
	budi  = balai.Officer{ID: "user:2", Name: "Budi", Role: balai.RoleOfficer}
	super = balai.Officer{ID: "user:3", Name: "Wati", Role: balai.RoleSupervisor}
	edit  = balai.Officer{ID: "user:4", Name: "Eko", Role: balai.RoleEditor}
	t0    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

// testAuth signs requests in by the X-Officer header; a session's CSRF token is "tok-" and
// the officer's ID.
type testAuth map[string]balai.Officer

func (a testAuth) Officer(r *http.Request) (balai.Officer, bool) {
	o, ok := a[r.Header.Get("X-Officer")]
	return o, ok
}
func (a testAuth) CSRFToken(r *http.Request) string { return "tok-" + r.Header.Get("X-Officer") }
func (a testAuth) CheckCSRF(r *http.Request, token string) bool {
	return token != "" && token == a.CSRFToken(r)
}
func (a testAuth) Lang(r *http.Request) string {
	if r.Header.Get("Accept-Language") == "en" {
		return "en"
	}
	return "id"
}

type env struct {
	t    testing.TB
	desk *deskuitest.Fake
	mux  *http.ServeMux
	now  time.Time
}

func newEnv(t testing.TB) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv with the pages' Config adjusted by set.
func newEnvWith(t testing.TB, set func(*deskui.Config)) *env {
	t.Helper()
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, now: t0}
	e.desk = deskuitest.New(func() time.Time { return e.now })
	g := guard.New(guard.Config{Words: []string{"sandi merah"}}, msgs)
	e.desk.Guard = g.CheckReply
	for _, o := range []balai.Officer{sari, budi, super} {
		e.desk.AddOfficer(o)
	}
	auth := testAuth{}
	for _, o := range []balai.Officer{sari, budi, super, edit} {
		auth[o.ID] = o
	}
	cfg := deskui.Config{Desk: e.desk, Auth: auth, Texts: msgs, Directory: e.desk, Forms: e.desk,
		Categories: []string{"kependudukan", "pajak"}, Now: func() time.Time { return e.now }, Poll: 5 * time.Millisecond}
	if set != nil {
		set(&cfg)
	}
	ui := deskui.New(cfg)
	e.mux = http.NewServeMux()
	ui.Routes(e.mux, prefix)
	return e
}

// ticket adds an open ticket of a Telegram citizen.
func (e *env) ticket(chat, name, question string) deskui.Ticket {
	return e.desk.Add(balai.Ticket{Chat: balai.ChatRef{Channel: balai.Telegram, ID: chat},
		UserName: name, Question: question, Category: "kependudukan", CreatedAt: e.now, DueAt: e.now.Add(4 * time.Hour),
		Transcript: []balai.Line{{From: "citizen", Text: question, At: e.now}}, LastCitizenAt: e.now})
}

type resp struct {
	code int
	body string
	loc  string
}

func (e *env) get(o balai.Officer, path string) resp { return e.do(o, http.MethodGet, path, nil) }

// post sends form with o's CSRF token (unless form sets csrf itself).
func (e *env) post(o balai.Officer, path string, form url.Values) resp {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", "tok-"+o.ID)
	}
	return e.do(o, http.MethodPost, path, form)
}

func (e *env) do(o balai.Officer, method, path string, form url.Values) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if o.ID != "" {
		r.Header.Set("X-Officer", o.ID)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return resp{w.Code, w.Body.String(), w.Header().Get("Location")}
}

func tpath(id int64, action string) string {
	p := fmt.Sprintf("%s/t/%d", prefix, id)
	if action != "" {
		p += "/" + action
	}
	return p
}

func TestInboxPassesViewFiltersAndSearch(t *testing.T) {
	e := newEnv(t)
	for i := range 60 {
		e.ticket(fmt.Sprint(100+i), "Warga", fmt.Sprintf("pertanyaan %d", i))
	}
	for _, tc := range []struct {
		query string
		want  deskui.Filter
	}{
		{"", deskui.Filter{View: deskui.ViewOpen, Officer: sari.ID, Limit: 50}},
		{"view=mine", deskui.Filter{View: deskui.ViewMine, Officer: sari.ID, Limit: 50}},
		{"view=unassigned", deskui.Filter{View: deskui.ViewUnassigned, Officer: sari.ID, Limit: 50}},
		{"view=overdue", deskui.Filter{View: deskui.ViewOverdue, Officer: sari.ID, Limit: 50}},
		{"view=closed", deskui.Filter{View: deskui.ViewClosed, Officer: sari.ID, Limit: 50}},
		{"view=bogus", deskui.Filter{View: deskui.ViewOpen, Officer: sari.ID, Limit: 50}},
		{"channel=whatsapp&category=pajak&priority=urgent&sla=soon", deskui.Filter{View: deskui.ViewOpen, Officer: sari.ID,
			Channel: balai.WhatsApp, Category: "pajak", Priority: "urgent", SLA: deskui.SLASoon, Limit: 50}},
		{"channel=fax&priority=high&sla=late", deskui.Filter{View: deskui.ViewOpen, Officer: sari.ID, Limit: 50}},
		{"q=BLI-000007", deskui.Filter{View: deskui.ViewOpen, Officer: sari.ID, Query: "BLI-000007", Limit: 50}},
		{"q=ktp+hilang&page=2", deskui.Filter{View: deskui.ViewOpen, Officer: sari.ID, Query: "ktp hilang", Limit: 50, Offset: 50}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := e.get(sari, prefix+"/?"+tc.query)
			if r.code != http.StatusOK {
				t.Fatalf("status %d: %s", r.code, r.body)
			}
			fs := e.desk.Filters()
			if diff := cmp.Diff(tc.want, fs[len(fs)-1]); diff != "" {
				t.Errorf("filter (-want +got):\n%s", diff)
			}
		})
	}
	r := e.get(sari, prefix+"/")
	if n := strings.Count(r.body, `class="row `); n != 50 {
		t.Errorf("first page shows %d rows, want 50", n)
	}
	for _, want := range []string{"60 tiket", "Halaman 1 dari 2", `rel="next"`, "sisa 4 j 00 m jam kerja", "Telegram", "BLI-000001"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	if r := e.get(sari, prefix+"/?q=BLI-000007"); !strings.Contains(r.body, "BLI-000007") || strings.Contains(r.body, "BLI-000008") {
		t.Errorf("search by number shows other tickets or not the one")
	}
}

func TestClaimConflictShowsHolderAndNoReplyForm(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang")
	if r := e.post(sari, tpath(tk.ID, "claim"), nil); r.code != http.StatusSeeOther {
		t.Fatalf("claim: %d %s", r.code, r.body)
	}
	r := e.get(sari, tpath(tk.ID, ""))
	if !strings.Contains(r.body, `id="reply-text"`) || !strings.Contains(r.body, "Anda menangani tiket ini") {
		t.Errorf("the holder has no reply form")
	}
	r = e.get(budi, tpath(tk.ID, ""))
	if !strings.Contains(r.body, "Ditangani oleh Sari") {
		t.Errorf("another officer is not told who holds the ticket")
	}
	if strings.Contains(r.body, `id="reply-text"`) || strings.Contains(r.body, `id="claim"`) {
		t.Errorf("another officer gets a reply form or a claim button")
	}
	r = e.post(budi, tpath(tk.ID, "claim"), nil)
	if r.code != http.StatusConflict || !strings.Contains(r.body, "sudah diambil oleh Sari") {
		t.Errorf("second claim: %d, want 409 with the holder; body has holder: %v", r.code, strings.Contains(r.body, "Sari"))
	}
	r = e.post(budi, tpath(tk.ID, "reply"), url.Values{"text": {"jawaban Budi"}, "seen": {"2"}})
	if r.code != http.StatusConflict {
		t.Errorf("a reply by a non-holder: %d, want 409", r.code)
	}
	got, _ := e.desk.Ticket(context.Background(), tk.ID)
	if got.Assignee != sari.ID || len(got.Transcript) != 1 {
		t.Errorf("after B's attempts: assignee %q, %d lines", got.Assignee, len(got.Transcript))
	}
}

var seenRE = regexp.MustCompile(`name="seen" value="(\d+)"`)

func seen(t *testing.T, body string) string {
	t.Helper()
	m := seenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no seen version in the reply form")
	}
	return m[1]
}

func TestStaleReplyIsBlockedAndNewerStateShown(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang")
	e.post(sari, tpath(tk.ID, "claim"), nil)
	old := seen(t, e.get(sari, tpath(tk.ID, "")).body)
	if err := e.desk.CitizenWrites(tk.ID, "Oh ya, KK saya juga hilang"); err != nil {
		t.Fatal(err)
	}
	r := e.post(sari, tpath(tk.ID, "reply"), url.Values{"text": {"Silakan datang ke kantor"}, "seen": {old}})
	if r.code != http.StatusConflict {
		t.Fatalf("stale reply: %d, want 409", r.code)
	}
	for _, want := range []string{"tiket berubah sejak Anda membukanya", "KK saya juga hilang", `id="stale"`, ">Silakan datang ke kantor</textarea>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the refusal lacks %q", want)
		}
	}
	if now := seen(t, r.body); now == old {
		t.Errorf("the form still carries the stale version %s", old)
	}
	got, _ := e.desk.Ticket(context.Background(), tk.ID)
	if got.Answer != "" {
		t.Errorf("a stale reply was sent: %q", got.Answer)
	}
	// Sent again from the page showing the newer state, it goes.
	if r := e.post(sari, tpath(tk.ID, "reply"), url.Values{"text": {"Silakan datang ke kantor"}, "seen": {seen(t, r.body)}}); r.code != http.StatusSeeOther {
		t.Errorf("reply from the newer page: %d", r.code)
	}
}

func TestGuardConfirmation(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "Kapan layanan buka?")
	e.post(sari, tpath(tk.ID, "claim"), nil)
	v := seen(t, e.get(sari, tpath(tk.ID, "")).body)
	text := "Kode sandi merah berlaku hari ini"
	r := e.post(sari, tpath(tk.ID, "reply"), url.Values{"text": {text}, "seen": {v}})
	if r.code != http.StatusUnprocessableEntity {
		t.Fatalf("held reply: %d, want 422", r.code)
	}
	for _, want := range []string{"istilah internal", "sandi merah", `id="send-anyway"`, "Tetap kirim (dicatat)", `id="guard-edit"`, `name="confirm" value="1"`, ">" + text + "</textarea>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the guard's page lacks %q", want)
		}
	}
	if got, _ := e.desk.Ticket(context.Background(), tk.ID); got.Answer != "" {
		t.Fatalf("the held reply went out")
	}
	r = e.post(sari, tpath(tk.ID, "reply"), url.Values{"text": {text}, "seen": {seen(t, r.body)}, "confirm": {"1"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("confirmed reply: %d", r.code)
	}
	got, _ := e.desk.Ticket(context.Background(), tk.ID)
	evs, _ := e.desk.Events(context.Background(), tk.ID)
	if got.Answer != text || evs[len(evs)-1].Detail != "confirmed" {
		t.Errorf("confirmed reply: answer %q, last event %+v", got.Answer, evs[len(evs)-1])
	}
}

func TestNotesAreNeverShownAsSent(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang")
	note := "Cek arsip dulu @budi sebelum menjawab"
	if r := e.post(budi, tpath(tk.ID, "note"), url.Values{"text": {note}}); r.code != http.StatusSeeOther {
		t.Fatalf("note: %d", r.code)
	}
	r := e.get(sari, tpath(tk.ID, ""))
	transcript := between(r.body, `id="transcript"`, "</ol>")
	notes := between(r.body, `id="notes"`, "</ol>")
	if strings.Contains(transcript, "arsip") {
		t.Errorf("the note appears in the conversation with the citizen")
	}
	if !strings.Contains(notes, `Cek arsip dulu <mark class="mention">@budi</mark> sebelum menjawab`) {
		t.Errorf("the note is not listed with its mention highlighted: %s", notes)
	}
	got, _ := e.desk.Ticket(context.Background(), tk.ID)
	if len(got.Transcript) != 1 {
		t.Errorf("the note reached the transcript: %+v", got.Transcript)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

func TestScriptsInTranscriptsAndNotesAreEscaped(t *testing.T) {
	e := newEnv(t)
	xss := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	tk := e.ticket("100", xss, xss)
	e.post(sari, tpath(tk.ID, "note"), url.Values{"text": {"@sari " + xss}})
	e.desk.AddLine(tk.Chat, deskui.HistoryLine{From: "bot", Text: xss, EntryID: xss, Confidence: 0.8})
	for _, path := range []string{tpath(tk.ID, ""), prefix + "/", prefix + "/?partial=rows"} {
		r := e.get(sari, path)
		if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
			t.Errorf("%s renders the citizen's markup", path)
		}
		if !strings.Contains(r.body, "&lt;script&gt;alert") {
			t.Errorf("%s does not show the escaped text", path)
		}
	}
}

func TestOnlyThisCitizensHistory(t *testing.T) {
	e := newEnv(t)
	a := e.ticket("100", "Ani", "KTP saya hilang")
	e.ticket("200", "Bayu", "Rahasia Bayu: NIK 3201010101010001")
	e.desk.AddLine(balai.ChatRef{Channel: balai.Telegram, ID: "200"}, deskui.HistoryLine{From: "citizen", Text: "pesan pribadi Bayu"})
	e.desk.AddLine(a.Chat, deskui.HistoryLine{From: "bot", Text: "Jawaban KTP", EntryID: "ktp-hilang", Confidence: 0.82, Feedback: "helpful"})
	r := e.get(sari, tpath(a.ID, ""))
	if strings.Contains(r.body, "Bayu") {
		t.Errorf("another citizen's data shows on Ani's ticket")
	}
	for _, want := range []string{"Jawaban KTP", "entri ktp-hilang (keyakinan 82%)", "👍"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("history lacks %q", want)
		}
	}
}

func TestCSRFIsRefused(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang")
	for _, path := range []string{tpath(tk.ID, "claim"), tpath(tk.ID, "note"), tpath(tk.ID, "presence"), prefix + "/canned"} {
		for _, tok := range []string{"", "tok-" + budi.ID} {
			o := sari
			if strings.HasSuffix(path, "canned") {
				o = super
			}
			r := e.post(o, path, url.Values{"csrf": {tok}, "text": {"x"}, "title": {"x"}})
			if r.code != http.StatusForbidden {
				t.Errorf("POST %s with token %q: %d, want 403", path, tok, r.code)
			}
		}
	}
	got, _ := e.desk.Ticket(context.Background(), tk.ID)
	evs, _ := e.desk.Events(context.Background(), tk.ID)
	if got.Assignee != "" || len(evs) != 0 {
		t.Errorf("a refused POST changed the ticket: %+v %+v", got.Assignee, evs)
	}
}

func TestRoles(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang")
	for _, tc := range []struct {
		o      balai.Officer
		method string
		path   string
		want   int
	}{
		{balai.Officer{}, "GET", prefix + "/", 401},
		{balai.Officer{}, "GET", tpath(tk.ID, ""), 401},
		{balai.Officer{}, "GET", prefix + "/events", 401},
		{edit, "GET", prefix + "/", 403},
		{edit, "POST", tpath(tk.ID, "claim"), 403},
		{sari, "GET", prefix + "/supervisor", 403},
		{sari, "GET", prefix + "/canned", 403},
		{sari, "POST", prefix + "/canned", 403},
		{sari, "POST", prefix + "/supervisor/reassign", 403},
		{sari, "GET", prefix + "/", 200},
		{super, "GET", prefix + "/supervisor", 200},
		{super, "GET", prefix + "/canned", 200},
		{sari, "GET", tpath(999, ""), 404},
	} {
		var r resp
		if tc.method == "POST" {
			r = e.post(tc.o, tc.path, url.Values{"title": {"a"}, "text": {"b"}})
		} else {
			r = e.get(tc.o, tc.path)
		}
		if r.code != tc.want {
			t.Errorf("%s %s as %q: %d, want %d", tc.method, tc.path, tc.o.Role, r.code, tc.want)
		}
	}
}

func TestCloseReopenAndTransfer(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP saya hilang")
	e.post(sari, tpath(tk.ID, "claim"), nil)
	if r := e.post(sari, tpath(tk.ID, "transfer"), url.Values{"to": {budi.ID}}); r.code != http.StatusSeeOther {
		t.Fatalf("transfer: %d", r.code)
	}
	if got, _ := e.desk.Ticket(context.Background(), tk.ID); got.Assignee != budi.ID {
		t.Fatalf("transferred to %q", got.Assignee)
	}
	if r := e.post(budi, tpath(tk.ID, "close"), url.Values{"resolution": {"referred"}}); r.code != http.StatusForbidden {
		t.Errorf("referred without an agency: %d, want 403", r.code)
	}
	if r := e.post(budi, tpath(tk.ID, "close"), url.Values{"resolution": {"referred"}, "agency": {"Kantor Pajak"}}); r.code != http.StatusSeeOther {
		t.Fatalf("close: %d %s", r.code, r.body)
	}
	r := e.get(budi, tpath(tk.ID, ""))
	if !strings.Contains(r.body, "dirujuk ke Kantor Pajak") || !strings.Contains(r.body, `id="reopen"`) || strings.Contains(r.body, `id="reply-text"`) {
		t.Errorf("closed ticket page: resolution, reopen button or no reply form missing")
	}
	if r := e.post(budi, tpath(tk.ID, "reopen"), nil); r.code != http.StatusSeeOther {
		t.Errorf("reopen: %d", r.code)
	}
	if r := e.post(sari, tpath(tk.ID, "transfer"), url.Values{"category": {"pajak"}}); r.code != http.StatusSeeOther {
		t.Errorf("to a category: %d", r.code)
	}
	if got, _ := e.desk.Ticket(context.Background(), tk.ID); got.Category != "pajak" || got.Assignee != "" {
		t.Errorf("after moving to a queue: %q %q", got.Category, got.Assignee)
	}
}

func TestWhatsAppWindowAndForm(t *testing.T) {
	e := newEnv(t)
	tk := e.desk.Add(balai.Ticket{Chat: balai.ChatRef{Channel: balai.WhatsApp, ID: "62811"},
		Question: "Lapor jalan rusak", CreatedAt: e.now, LastCitizenAt: e.now.Add(-20 * time.Hour)})
	e.desk.SetForm(balai.Form{TicketID: tk.ID, Kind: balai.KindComplaint, ReceivedAt: e.now,
		Complaint: &balai.Complaint{Title: "Jalan berlubang", Description: "Di depan pasar", Agency: "Dinas PU"}})
	e.post(sari, tpath(tk.ID, "claim"), nil)
	r := e.get(sari, tpath(tk.ID, ""))
	for _, want := range []string{"terbuka sampai 02-03-2026 13:00 (sisa 4 j 00 m)", "Pengaduan", "Jalan berlubang", "Dinas PU"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	e.now = e.now.Add(5 * time.Hour)
	r = e.get(sari, tpath(tk.ID, ""))
	if !strings.Contains(r.body, "tertutup sejak") || !strings.Contains(r.body, `id="send" disabled`) {
		t.Errorf("closed window not shown or send enabled")
	}
}

func TestSupervisorViewAndCanned(t *testing.T) {
	e := newEnv(t)
	a := e.ticket("100", "Ani", "KTP")
	e.ticket("101", "Bayu", "KK")
	e.post(sari, tpath(a.ID, "claim"), nil)
	e.now = e.now.Add(5 * time.Hour) // both overdue
	r := e.get(super, prefix+"/supervisor")
	cats := between(r.body, `id="categories"`, "</tbody>")
	if !strings.Contains(cats, "<th scope=\"row\">kependudukan</th><td>2</td><td>1</td><td>2</td>") {
		t.Errorf("queue by category: %s", cats)
	}
	if offs := between(r.body, `id="officers"`, "</tbody>"); !strings.Contains(offs, "Sari</th><td>1</td><td>1</td>") {
		t.Errorf("per-officer load: %s", offs)
	}
	if r := e.post(super, prefix+"/supervisor/reassign", url.Values{"ticket": {fmt.Sprint(a.ID)}, "to": {budi.ID}}); r.code != http.StatusSeeOther {
		t.Fatalf("reassign: %d", r.code)
	}
	if got, _ := e.desk.Ticket(context.Background(), a.ID); got.Assignee != budi.ID {
		t.Errorf("reassigned to %q", got.Assignee)
	}
	if r := e.post(super, prefix+"/canned", url.Values{"title": {"Salam"}, "text": {"Terima kasih telah menghubungi kami."}}); r.code != http.StatusSeeOther {
		t.Fatalf("save canned: %d", r.code)
	}
	r = e.get(budi, tpath(a.ID, ""))
	if !strings.Contains(r.body, `data-text="Terima kasih telah menghubungi kami."`) {
		t.Errorf("canned reply not offered in the reply box")
	}
	if r := e.post(super, prefix+"/canned/1/delete", nil); r.code != http.StatusSeeOther {
		t.Errorf("delete canned: %d", r.code)
	}
	if cs, _ := e.desk.CannedReplies(context.Background()); len(cs) != 0 {
		t.Errorf("canned after delete: %+v", cs)
	}
}

func TestPresence(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP")
	if r := e.post(sari, tpath(tk.ID, "presence"), url.Values{"typing": {"1"}}); r.code != http.StatusNoContent {
		t.Fatalf("presence: %d", r.code)
	}
	if r := e.get(budi, tpath(tk.ID, "")); !strings.Contains(r.body, "Sari sedang membalas") {
		t.Errorf("Budi is not told Sari is replying")
	}
	if r := e.get(sari, tpath(tk.ID, "")); strings.Contains(r.body, "Sari sedang") {
		t.Errorf("Sari is told about herself")
	}
}

func TestEventStreamSendsChanges(t *testing.T) {
	e := newEnv(t)
	tk := e.ticket("100", "Ani", "KTP")
	other := e.ticket("101", "Bayu", "KK")
	srv := httptest.NewServer(e.mux)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s%s/events?ticket=%d", srv.URL, prefix, tk.ID), nil)
	req.Header.Set("X-Officer", budi.ID)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(res.Body)
	next := func(prefix string) string {
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), prefix) {
				return sc.Text()
			}
		}
		t.Fatalf("stream ended before %q: %v", prefix, sc.Err())
		return ""
	}
	next("retry:")
	// A change of another ticket is not this page's; the claim of this one is.
	e.post(sari, tpath(other.ID, "claim"), nil)
	e.post(sari, tpath(tk.ID, "claim"), nil)
	ev := next("event:")
	data := next("data:")
	if ev != "event: change" || !strings.Contains(data, fmt.Sprintf(`"ticket":%d`, tk.ID)) || !strings.Contains(data, "Tiket diperbarui") {
		t.Errorf("got %q %q", ev, data)
	}
	if strings.Contains(data, fmt.Sprintf(`"ticket":%d`, other.ID)) {
		t.Errorf("another ticket's change reached this ticket's stream")
	}
	e.post(sari, tpath(tk.ID, "presence"), url.Values{"typing": {"1"}})
	for {
		if next("event:") == "event: presence" {
			break
		}
	}
	if d := next("data:"); !strings.Contains(d, "Sari sedang membalas") {
		t.Errorf("presence data %q", d)
	}
}

// hostChrome is a host's frame: a header naming the page's path, and a style sheet.
type hostChrome struct{}

func (hostChrome) Header(r *http.Request) template.HTML {
	return template.HTML(`<header class="top" id="host-header">` + template.HTMLEscapeString(r.URL.RequestURI()) + `</header>`)
}
func (hostChrome) Stylesheets() []string { return []string{"/host/site.css"} }

// TestHostChrome: with a host's Chrome, every desk page shows the host's header (for that
// request) and links its style sheet before the desk's; the desk's own bar stays, below it.
// Without one, the desk's bar is the page's header.
func TestHostChrome(t *testing.T) {
	for _, withChrome := range []bool{false, true} {
		e := newEnvWith(t, func(c *deskui.Config) {
			if withChrome {
				c.Chrome = hostChrome{}
			}
		})
		tk := e.ticket("7001", "Siti", "KTP saya hilang")
		for _, path := range []string{prefix + "/?view=open", fmt.Sprintf("%s/t/%d", prefix, tk.ID), prefix + "/supervisor", prefix + "/canned"} {
			r := e.get(super, path)
			if r.code != http.StatusOK {
				t.Fatalf("GET %s = %d", path, r.code)
			}
			hostAt := strings.Index(r.body, `<header class="top" id="host-header">`+template.HTMLEscapeString(path)+`</header>`)
			hostCSS, deskCSS := strings.Index(r.body, `href="/host/site.css"`), strings.Index(r.body, `/static/desk.css"`)
			if !withChrome {
				if hostAt >= 0 || hostCSS >= 0 || !strings.Contains(r.body, `<div class="top deskbar">`) {
					t.Errorf("GET %s without a host: host frame or no own header", path)
				}
				continue
			}
			if hostAt < 0 || hostCSS < 0 || hostCSS > deskCSS {
				t.Errorf("GET %s: host header at %d, host style sheet at %d (desk's at %d)", path, hostAt, hostCSS, deskCSS)
			}
			if bar := strings.Index(r.body, `<div class="deskbar">`); bar < hostAt {
				t.Errorf("GET %s: the desk's bar (at %d) is not under the host's header (at %d)", path, bar, hostAt)
			}
		}
	}
}

// TestLinkCitizenAcrossChannels: an officer links a WhatsApp ticket to the same citizen's
// Telegram ticket by its number; the ticket page then names the other channel and lists the
// other ticket in the history; unlinking undoes it; an unknown number is refused.
func TestLinkCitizenAcrossChannels(t *testing.T) {
	e := newEnv(t)
	tg := e.ticket("100", "Ani", "KTP saya hilang")
	wa := e.desk.Add(balai.Ticket{Chat: balai.ChatRef{Channel: balai.WhatsApp, ID: "62811"}, UserName: "Ani",
		Question: "Lanjutan soal KTP hilang", Status: balai.Open, CreatedAt: e.now, DueAt: e.now.Add(time.Hour)})
	if r := e.post(sari, tpath(wa.ID, "link"), url.Values{"other": {tg.Number("BLI")}}); r.code != http.StatusSeeOther {
		t.Fatalf("link: %d %s", r.code, r.body)
	}
	page := e.get(sari, tpath(wa.ID, ""))
	if !strings.Contains(page.body, `id="linked"`) || !strings.Contains(page.body, "Telegram") || !strings.Contains(page.body, "/unlink") {
		t.Errorf("the WhatsApp ticket does not show the linked Telegram chat:\n%s", page.body)
	}
	if r := e.post(sari, tpath(wa.ID, "unlink"), nil); r.code != http.StatusSeeOther {
		t.Fatalf("unlink: %d", r.code)
	}
	if page := e.get(sari, tpath(wa.ID, "")); strings.Contains(page.body, `id="linked"`) {
		t.Errorf("still linked after unlinking")
	}
	if r := e.post(sari, tpath(wa.ID, "link"), url.Values{"other": {"BLI-999999"}}); r.code != http.StatusNotFound {
		t.Errorf("link to an unknown ticket: %d, want 404", r.code)
	}
}
