package unanswered_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/eval"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/unanswered"
)

var (
	editor  = balai.Officer{ID: "user:3", Name: "Citra", Role: balai.RoleEditor}
	officer = balai.Officer{ID: "user:4", Name: "Dedi", Role: balai.RoleOfficer}
	t0      = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
)

func backends(t *testing.T, fn func(t *testing.T, open storetest.Opener)) {
	for _, b := range []struct {
		name string
		open func(*testing.T) storetest.Opener
	}{{"SQLite", storetest.SQLite}, {"Postgres", storetest.Postgres}} {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open(t)) })
	}
}

type rig struct {
	db     *store.DB
	clk    *storetest.Clock
	corpus *corpusdb.Service
	svc    *unanswered.Service
	n      int
}

func newRig(t *testing.T, open storetest.Opener) *rig {
	t.Helper()
	clk := storetest.NewClock(t0)
	db := open(t, "ua", store.Options{Owner: "ua", Now: clk.Now})
	corp := corpusdb.New(corpusdb.Options{Store: db, Now: clk.Now})
	files, err := corpusdb.FilesFromFS(faq.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := corp.Seed(context.Background(), files, "embedded"); err != nil {
		t.Fatal(err)
	}
	svc, err := unanswered.New(unanswered.Options{Store: db, Corpus: corp, Now: clk.Now, GrowBy: 2})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{db: db, clk: clk, corpus: corp, svc: svc}
}

// logIn writes a citizen's message to the message log as the engine does.
func (r *rig) logIn(t *testing.T, channel, chat, kind, text, decision, reason, entry string, at time.Time) {
	t.Helper()
	r.n++
	if _, err := r.db.SQL().Exec(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
		VALUES ($1, $2, $3, 'in', $4, $5, $6, $7, $8, 0.3, 'id', $9)`, channel, chat, r.n, kind, text, decision, reason, entry, at.UnixMilli()); err != nil {
		t.Fatal(err)
	}
}

// ticket writes a ticket as the desk does (closed when resolution is set).
func (r *rig) ticket(t *testing.T, channel, chat, question, reason, answer string, res balai.ResolutionKind, entry string, at time.Time) {
	t.Helper()
	r.n++
	status := "open"
	if res != "" {
		status = "closed"
	}
	if _, err := r.db.SQL().Exec(`INSERT INTO tickets (source_key, channel, chat_id, question, reason, status, created_at, due_at, activity_at, answer, resolution, entry_id, category)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $8, $9, $10, 'Perizinan')`, fmt.Sprint("k", r.n), channel, chat, question, reason, status, at.UnixMilli(), answer, string(res), entry); err != nil {
		t.Fatal(err)
	}
}

var concert = []string{
	"bagaimana cara mengurus izin keramaian untuk konser musik di lapangan desa?",
	"min, syarat izin keramaian acara konser apa aja ya",
	"mau bikin konser dangdut, izin keramaiannya ngurus dimana? hp saya 0812-3456-7890",
	"Izin keramaian konser musik diurus ke mana pak?",
	"gmn caranya dapet ijin keramaian buat acara konser",
}

// seed: five citizens ask for a concert permit (which the corpus lacks) in different words
// on three channels, in different ways the bot fails them; and three unrelated questions.
func (r *rig) seed(t *testing.T) {
	at := t0.Add(-3 * 24 * time.Hour)
	r.logIn(t, "telegram", "1", "text", concert[0], "escalate", "low_confidence", "", at)
	r.ticket(t, "telegram", "1", concert[0], "low_confidence", "Izin keramaian diurus di Polsek setempat paling lambat 14 hari sebelum acara.", balai.ResolvedAnswered, "", at)
	r.logIn(t, "whatsapp", "2", "text", concert[1], "suggest", "low", "ktp-el-baru", at.Add(time.Hour))
	r.logIn(t, "whatsapp", "2", "text", "terima kasih", "small_talk", "thanks", "", at.Add(2*time.Hour))
	r.logIn(t, "web", "3", "text", concert[2], "escalate", "repeated", "", at.Add(3*time.Hour))
	r.logIn(t, "telegram", "4", "text", concert[3], "answer", "confident", "kartu-keluarga-baru", at.Add(4*time.Hour))
	r.logIn(t, "telegram", "4", "button", "no:kartu-keluarga-baru", "escalate", "feedback", "", at.Add(4*time.Hour+time.Minute))
	r.logIn(t, "whatsapp", "5", "text", concert[4], "confirm", "close", "ktp-el-baru", at.Add(5*time.Hour))
	// Taken: an offered entry chosen; answered well: not unanswered.
	r.logIn(t, "web", "6", "text", "cara bikin kk baru", "suggest", "low", "kartu-keluarga-baru", at.Add(6*time.Hour))
	r.logIn(t, "web", "6", "button", "entry:kartu-keluarga-baru", "answer", "chosen", "kartu-keluarga-baru", at.Add(6*time.Hour+time.Minute))
	r.logIn(t, "web", "7", "text", "syarat paspor", "answer", "confident", "ktp-el-baru", at.Add(7*time.Hour))
	// Unrelated questions the corpus lacked.
	r.logIn(t, "telegram", "8", "text", "jadwal imunisasi polio anak di puskesmas kapan?", "escalate", "low_confidence", "", at.Add(8*time.Hour))
	r.logIn(t, "telegram", "9", "text", "berapa harga tiket kapal ke batam", "escalate", "low_confidence", "", at.Add(9*time.Hour))
	// An always-human topic is not a gap of the corpus.
	r.logIn(t, "telegram", "10", "text", "saya mau melaporkan pungli", "escalate", "topic", "", at.Add(10*time.Hour))
}

func find(cs []unanswered.Cluster, text string) (unanswered.Cluster, bool) {
	for _, c := range cs {
		for _, q := range c.Questions {
			if strings.Contains(q.Text, text) {
				return c, true
			}
		}
	}
	return unanswered.Cluster{}, false
}

func TestClusters(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.seed(t)
		ctx := context.Background()
		cs, err := r.svc.Clusters(ctx, unanswered.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 3 {
			for _, c := range cs {
				t.Logf("%s %v %d", c.ID, c.Terms, c.Size)
			}
			t.Fatalf("got %d clusters, want 3 (concert permit, immunisation, ship fare)", len(cs))
		}
		c := cs[0]
		if c.Size != 5 || c.New != 5 {
			t.Fatalf("largest cluster %v has %d questions (%d new), want the five concert questions", c.Terms, c.Size, c.New)
		}
		for _, q := range concert[1:] {
			if _, ok := find(cs[:1], q[:20]); !ok {
				t.Errorf("question %q is not in the concert cluster", q)
			}
		}
		if !slices.Contains(c.Terms, "konser") || !slices.Contains(c.Terms, "keramaian") {
			t.Errorf("terms %v, want konser and keramaian", c.Terms)
		}
		wantSources := map[string]int{"ticket": 1, "suggested": 2, "escalated": 1, "thumbs_down": 1}
		for _, s := range c.Sources {
			if wantSources[s.Name] != s.N {
				t.Errorf("source %s: %d, want %d", s.Name, s.N, wantSources[s.Name])
			}
		}
		if len(c.Sources) != len(wantSources) {
			t.Errorf("sources %v, want %v", c.Sources, wantSources)
		}
		if want := []unanswered.Count{{"telegram", 2}, {"whatsapp", 2}, {"web", 1}}; !slices.Equal(c.Channels, want) {
			t.Errorf("channels %v, want %v", c.Channels, want)
		}
		if len(c.Answers) != 1 || !strings.Contains(c.Answers[0], "Polsek") {
			t.Errorf("answers %q, want the officer's reply", c.Answers)
		}
		if c.Category != "Perizinan" || c.ID != "ticket:"+fmt.Sprint(2) && !strings.HasPrefix(c.ID, "ticket:") {
			t.Errorf("category %q id %q", c.Category, c.ID)
		}
		// Masking: the phone number never leaves the service.
		for _, q := range c.Questions {
			if strings.Contains(q.Text, "0812") || strings.Contains(q.Text, "3456") {
				t.Errorf("question shown unmasked: %q", q.Text)
			}
		}
		if _, ok := find(cs, "[telepon]"); !ok {
			t.Errorf("the masked question is missing")
		}
		if _, ok := find(cs, "pungli"); ok {
			t.Errorf("an always-human topic was counted as unanswered")
		}
		if _, ok := find(cs, "kk baru"); ok {
			t.Errorf("a suggestion the citizen took was counted as unanswered")
		}
		// Channel filter.
		wa, err := r.svc.Clusters(ctx, unanswered.Filter{Channel: balai.WhatsApp})
		if err != nil {
			t.Fatal(err)
		}
		if len(wa) != 1 || wa[0].Size != 2 {
			t.Errorf("WhatsApp: %d clusters, want one of 2 questions", len(wa))
		}
		// Date range: the window before the questions is empty.
		early, err := r.svc.Clusters(ctx, unanswered.Filter{From: t0.Add(-30 * 24 * time.Hour), To: t0.Add(-4 * 24 * time.Hour)})
		if err != nil || len(early) != 0 {
			t.Errorf("window before the questions: %d clusters, %v", len(early), err)
		}
	})
}

func TestDismissHidesUntilGrowth(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.seed(t)
		ctx := context.Background()
		cs, _ := r.svc.Clusters(ctx, unanswered.Filter{})
		id := cs[0].ID
		if err := r.svc.Dismiss(ctx, officer, unanswered.Target{Cluster: id}); !errors.Is(err, unanswered.ErrNotAllowed) {
			t.Fatalf("an officer dismissed: %v", err)
		}
		if err := r.svc.Dismiss(ctx, editor, unanswered.Target{Cluster: id}); err != nil {
			t.Fatal(err)
		}
		visible := func() (unanswered.Cluster, bool) {
			cs, err := r.svc.Clusters(ctx, unanswered.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			return find(cs, "konser")
		}
		if c, ok := visible(); ok {
			t.Fatalf("dismissed cluster still shown: %+v", c.Terms)
		}
		all, _ := r.svc.Clusters(ctx, unanswered.Filter{Hidden: true})
		if c, ok := find(all, "konser"); !ok || !c.Hidden || c.Dismissed != 5 {
			t.Fatalf("hidden list: %v %+v", ok, c)
		}
		// One new question (GrowBy is 2): still hidden; a second: shown, with its history.
		r.logIn(t, "web", "20", "text", "izin keramaian konser amal di alun-alun", "escalate", "low_confidence", "", t0.Add(-time.Hour))
		if _, ok := visible(); ok {
			t.Fatalf("shown after one new question")
		}
		r.logIn(t, "web", "21", "text", "urus izin keramaian konser band sekolah", "escalate", "low_confidence", "", t0.Add(-time.Minute))
		c, ok := visible()
		if !ok || c.New != 2 || c.Dismissed != 5 || c.ID != id {
			t.Fatalf("after growth: shown %v, cluster %s new %d dismissed %d (want %s, 2, 5)", ok, c.ID, c.New, c.Dismissed, id)
		}
		if c.Recent != 7 {
			t.Errorf("recent %d, want 7", c.Recent)
		}
	})
}

func TestAddPhrasingCreatesDraft(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.seed(t)
		ctx := context.Background()
		cs, _ := r.svc.Clusters(ctx, unanswered.Filter{})
		c, _ := find(cs, "kapal")
		draft, _, err := r.svc.AddPhrasing(ctx, editor, unanswered.PhrasingRequest{Target: unanswered.Target{Cluster: c.ID}, EntryID: "kartu-keluarga-baru", Note: "dari pertanyaan"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.corpus.Version(ctx, draft)
		if err != nil || v.State != balai.CorpusDraft || v.Author != editor.ID {
			t.Fatalf("draft %d: %+v %v", draft, v, err)
		}
		corp, _, err := r.corpus.Load(ctx, draft)
		if err != nil {
			t.Fatal(err)
		}
		en, _ := corp.Entry("kartu-keluarga-baru")
		if !slices.Contains(en.Questions, "berapa harga tiket kapal ke batam") {
			t.Errorf("draft entry questions %q lack the phrasing", en.Questions)
		}
		_, pub, _ := r.corpus.Published(ctx)
		if pe, _ := pub.Entry("kartu-keluarga-baru"); slices.Contains(pe.Questions, "berapa harga tiket kapal ke batam") {
			t.Errorf("the published version changed without review")
		}
		cs, _ = r.svc.Clusters(ctx, unanswered.Filter{Hidden: true})
		if _, ok := find(cs, "kapal"); ok {
			t.Errorf("a settled question stays in the inbox")
		}
		// The second action reuses the editor's draft.
		c, _ = find(cs, "imunisasi")
		d2, _, err := r.svc.AddPhrasing(ctx, editor, unanswered.PhrasingRequest{Target: unanswered.Target{Cluster: c.ID}, EntryID: "no-such-entry"})
		if !errors.Is(err, unanswered.ErrNoEntry) || d2 != 0 {
			t.Errorf("unknown entry: %d %v", d2, err)
		}
		d3, _, err := r.svc.AddPhrasing(ctx, editor, unanswered.PhrasingRequest{Target: unanswered.Target{Cluster: c.ID}, EntryID: "kartu-keluarga-baru", Phrasing: "imunisasi polio"})
		if err != nil || d3 != draft {
			t.Errorf("second phrasing went to draft %d (%v), want %d", d3, err, draft)
		}
	})
}

func TestCreateEntryAndExport(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.seed(t)
		ctx := context.Background()
		// A ticket an officer closed as answered by an entry: a labelled example.
		r.ticket(t, "web", "30", "ktp saya rusak kena air, gimana gantinya? email saya budi@contoh.id", "low_confidence", "", balai.ResolvedEntry, "ktp-el-rusak", t0.Add(-2*time.Hour))
		cs, _ := r.svc.Clusters(ctx, unanswered.Filter{})
		c, _ := find(cs, "konser")
		e := r.svc.Prefill(c)
		if len(e.Questions) != 5 || !strings.Contains(e.Body, "Polsek") || e.Category != "Perizinan" {
			t.Fatalf("prefill: %+v", e)
		}
		e.ID, e.Title = "izin-keramaian", "Izin keramaian untuk acara"
		draft, _, err := r.svc.CreateEntry(ctx, editor, unanswered.EntryRequest{Target: unanswered.Target{Cluster: c.ID}, Entry: e})
		if err != nil {
			t.Fatal(err)
		}
		corp, _, _ := r.corpus.Load(ctx, draft)
		if got, ok := corp.Entry("izin-keramaian"); !ok || !strings.Contains(got.Body, "Polsek") {
			t.Fatalf("the draft lacks the new entry")
		}
		c, _ = find(cs, "kapal")
		if err := r.svc.OutOfScope(ctx, editor, unanswered.Target{Cluster: c.ID}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := r.svc.Export(ctx, &buf)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "budi@") || strings.Contains(buf.String(), "0812") {
			t.Errorf("export unmasked:\n%s", buf.String())
		}
		cases, err := eval.ReadCases("export.jsonl", &buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(cases) || n != 5+1+1 {
			t.Fatalf("exported %d, read %d cases, want 7:\n%+v", n, len(cases), cases)
		}
		var entry, oos, ticket int
		for _, cs := range cases {
			switch {
			case !cs.InScope():
				oos++
			case cs.Expect[0] == "izin-keramaian":
				entry++
			case cs.Expect[0] == "ktp-el-rusak" && cs.Kind == "ticket":
				ticket++
			}
		}
		if entry != 5 || oos != 1 || ticket != 1 {
			t.Errorf("labels: %d new entry, %d out of scope, %d ticket; want 5, 1, 1", entry, oos, ticket)
		}
	})
}
