package knowledge_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
)

// mustOpen opens an index over a corpus directory ("" = embedded default).
func mustOpen(tb testing.TB, dir string, opts knowledge.Options) *knowledge.Index {
	tb.Helper()
	c, ps, err := knowledge.LoadCorpus(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ps.Err(); err != nil {
		tb.Fatal(err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) }
	}
	ix, err := knowledge.Open(context.Background(), c, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

func TestAskMini(t *testing.T) {
	ix := mustOpen(t, "testdata/mini", knowledge.Options{})
	tests := []struct {
		q        string
		decision knowledge.Decision
		id       string // answered entry, or the topic for a topic escalation
		reason   string
		lang     string
	}{
		{q: "ktp saya ilang gmn min", decision: knowledge.Answer, id: "ktp-hilang"},
		{q: "KTP-el hilang", decision: knowledge.Answer, id: "ktp-hilang"},
		{q: "e-KTP saya patah", decision: knowledge.Answer, id: "ktp-rusak"},
		{q: "kartu penduduk hilang", decision: knowledge.Answer, id: "ktp-hilang"},         // corpus slang file
		{q: "pendaftran akta kelahran bayi", decision: knowledge.Answer, id: "akta-lahir"}, // typos
		{q: "my id card is lost", decision: knowledge.Answer, id: "ktp-hilang", lang: "en"},
		{q: "ktp", decision: knowledge.Suggest},
		{q: "cara daftar npwp", decision: knowledge.Escalate, reason: knowledge.ReasonStale},
		{q: "ada sengketa pajak di kantor", decision: knowledge.Escalate, reason: knowledge.ReasonTopic, id: "sengketa"},
		{q: "KTP sy udh 3 bln blm jadi", decision: knowledge.Escalate, reason: knowledge.ReasonTopic, id: "status-pribadi"},
		{q: "harga cabai hari ini", decision: knowledge.Escalate, reason: knowledge.ReasonNoMatch},
		{q: "halo min, makasih ya", decision: knowledge.Escalate, reason: knowledge.ReasonSmallTalk},
		{q: "lagi apa min? udah makan blm", decision: knowledge.Escalate, reason: knowledge.ReasonSmallTalk},
		{q: "sy mau tanya ya", decision: knowledge.Escalate, reason: knowledge.ReasonNoContent},
		{q: "🙏🙏", decision: knowledge.Escalate, reason: knowledge.ReasonNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			res, err := ix.Ask(context.Background(), tt.q, knowledge.WithExplain())
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision != tt.decision {
				t.Fatalf("decision = %s (%s: %s), want %s", res.Decision, res.Reason, res.Explain.Summary, tt.decision)
			}
			switch {
			case tt.decision == knowledge.Answer:
				if top, _ := res.Top(); top.Entry.ID != tt.id {
					t.Errorf("answered %s, want %s", top.Entry.ID, tt.id)
				}
			case tt.reason != "" && res.Reason != tt.reason:
				t.Errorf("reason = %s, want %s", res.Reason, tt.reason)
			}
			if tt.reason == knowledge.ReasonTopic && res.Topic.ID != tt.id {
				t.Errorf("topic = %s, want %s", res.Topic.ID, tt.id)
			}
			if tt.decision == knowledge.Suggest && len(res.Suggestions) < 2 {
				t.Errorf("suggest with %d entries", len(res.Suggestions))
			}
			if tt.lang != "" && res.Lang != tt.lang {
				t.Errorf("lang = %s, want %s", res.Lang, tt.lang)
			}
			for _, c := range res.Candidates {
				if c.Confidence < 0 || c.Confidence > 1 {
					t.Errorf("confidence %v of %s outside [0,1]", c.Confidence, c.Entry.ID)
				}
			}
		})
	}
}

// TestDecide covers the decision on scored candidates, in particular that a stale entry is
// never answered nor suggested.
func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	stale := &faq.Entry{ID: "stale", ReviewBy: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, b, c := &faq.Entry{ID: "a", Body: "jawaban a"}, &faq.Entry{ID: "b", Body: "jawaban b"}, &faq.Entry{ID: "c", Body: "jawaban c"}
	dupA := &faq.Entry{ID: "a-copy", Body: "jawaban a\n"} // the same answer under another id
	th := knowledge.Thresholds{Answer: 0.5, Suggest: 0.1, SuggestRatio: 0.5, MaxSuggestions: 2, TieMargin: 0.05}
	cand := func(e *faq.Entry, conf float64) knowledge.Candidate {
		return knowledge.Candidate{Entry: e, Confidence: conf}
	}
	tests := []struct {
		name     string
		cands    []knowledge.Candidate
		decision knowledge.Decision
		reason   string
		suggest  []string
	}{
		{"confident", []knowledge.Candidate{cand(a, 0.9), cand(b, 0.2)}, knowledge.Answer, knowledge.ReasonConfident, nil},
		{"confident siblings tie", []knowledge.Candidate{cand(a, 0.9), cand(b, 0.88), cand(c, 0.86)}, knowledge.Suggest, knowledge.ReasonTie, []string{"a", "b"}},
		{"a duplicate of the top is no tie", []knowledge.Candidate{cand(a, 0.9), cand(dupA, 0.89), cand(c, 0.5)}, knowledge.Answer, knowledge.ReasonConfident, nil},
		{"stale sibling is no tie", []knowledge.Candidate{cand(a, 0.9), cand(stale, 0.89)}, knowledge.Answer, knowledge.ReasonConfident, nil},
		{"runner-up beyond the margin", []knowledge.Candidate{cand(a, 0.9), cand(b, 0.84)}, knowledge.Answer, knowledge.ReasonConfident, nil},
		{"confident but stale", []knowledge.Candidate{cand(stale, 0.9), cand(a, 0.2)}, knowledge.Escalate, knowledge.ReasonStale, nil},
		{"suggest skips stale", []knowledge.Candidate{cand(stale, 0.4), cand(a, 0.3), cand(b, 0.25), cand(c, 0.2)}, knowledge.Suggest, knowledge.ReasonUnsure, []string{"a", "b"}},
		{"suggest below ratio", []knowledge.Candidate{cand(a, 0.4), cand(b, 0.3), cand(c, 0.1)}, knowledge.Suggest, knowledge.ReasonUnsure, []string{"a", "b"}},
		{"only stale fits", []knowledge.Candidate{cand(stale, 0.4), cand(a, 0.1)}, knowledge.Escalate, knowledge.ReasonStale, nil},
		{"one weak candidate is confirmed", []knowledge.Candidate{cand(a, 0.4), cand(b, 0.1)}, knowledge.Confirm, knowledge.ReasonSingle, []string{"a"}},
		{"stale top, one other fresh candidate: not what was asked", []knowledge.Candidate{cand(stale, 0.4), cand(a, 0.3)}, knowledge.Escalate, knowledge.ReasonStale, nil},
		{"too weak", []knowledge.Candidate{cand(a, 0.05)}, knowledge.Escalate, knowledge.ReasonNoMatch, nil},
		{"no candidates", nil, knowledge.Escalate, knowledge.ReasonNoMatch, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &knowledge.Result{Candidates: tt.cands}
			knowledge.Decide(res, th, now)
			var got []string
			for _, s := range res.Suggestions {
				got = append(got, s.Entry.ID)
			}
			if res.Decision != tt.decision || res.Reason != tt.reason || !slices.Equal(got, tt.suggest) {
				t.Errorf("Decide = %s (%s) suggesting %v, want %s (%s) suggesting %v", res.Decision, res.Reason, got, tt.decision, tt.reason, tt.suggest)
			}
			if (res.Stale != nil) != (tt.reason == knowledge.ReasonStale) {
				t.Errorf("Stale = %v with reason %s", res.Stale, res.Reason)
			}
		})
	}
}

func TestPersistedIndexIsReusedAndRebuiltOnChange(t *testing.T) {
	data := t.TempDir()
	corpus := copyDir(t, "testdata/mini")
	open := func() knowledge.Info {
		c, _, err := knowledge.LoadCorpus(corpus)
		if err != nil {
			t.Fatal(err)
		}
		ix, err := knowledge.Open(context.Background(), c, knowledge.Options{DataDir: data, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		res, err := ix.Ask(context.Background(), "ktp hilang")
		if err != nil || res.Decision != knowledge.Answer {
			t.Fatalf("ask on reopened index: %v %+v", err, res)
		}
		return ix.Info()
	}
	first := open()
	if !first.Built || first.Path == "" {
		t.Fatalf("first open should build on disk: %+v", first)
	}
	second := open()
	if second.Built || second.Path != first.Path {
		t.Fatalf("second open should reuse %s: %+v", first.Path, second)
	}
	// The on-disk index carries its analyzer definition: plain bleve can open and query it.
	b, err := bleve.Open(second.Path)
	if err != nil {
		t.Fatal(err)
	}
	q := bleve.NewMatchQuery("KTP-el yang hilang")
	q.SetField("title")
	sr, err := b.Search(bleve.NewSearchRequest(q))
	b.Close()
	if err != nil || sr.Total == 0 || sr.Hits[0].ID != "ktp-hilang" {
		t.Fatalf("bleve search on reopened index: %v %v", err, sr)
	}
	writeFile(t, filepath.Join(corpus, "layanan/jam.md"), strings.Replace(readFile(t, filepath.Join(corpus, "layanan/jam.md")), "16.00", "15.00", 1))
	third := open()
	if !third.Built || third.Fingerprint == first.Fingerprint {
		t.Fatalf("changed corpus should rebuild: %+v", third)
	}
	des, _ := os.ReadDir(filepath.Join(data, "index"))
	if len(des) != 1 {
		t.Errorf("old indexes kept: %d dirs", len(des))
	}
}

func TestReloadKeepsWorkingIndexOnBrokenCorpus(t *testing.T) {
	corpus := copyDir(t, "testdata/mini")
	ix := mustOpen(t, corpus, knowledge.Options{DataDir: t.TempDir()})
	before := ix.Info()

	writeFile(t, filepath.Join(corpus, "pajak/rusak.md"), "---\nid: rusak\ntitle: Rusak\n---\n")
	err := ix.Reload(context.Background(), corpus)
	var ve *faq.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("reload of broken corpus: err = %v, want a validation error", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(corpus, "pajak/rusak.md")+":1: error: missing questions") {
		t.Errorf("error does not name file and line: %v", err)
	}
	if ix.Info().Fingerprint != before.Fingerprint {
		t.Fatal("broken corpus replaced the working index")
	}
	if res, err := ix.Ask(context.Background(), "ktp hilang"); err != nil || res.Decision != knowledge.Answer {
		t.Fatalf("index stopped answering: %v %+v", err, res)
	}

	writeFile(t, filepath.Join(corpus, "pajak/rusak.md"), "---\nid: pkb\ntitle: Pajak kendaraan\nquestions: [Bayar pajak motor di mana?]\n---\nDi Samsat.\n")
	if err := ix.Reload(context.Background(), corpus); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Ask(context.Background(), "bayar pajak kendaraan motor di samsat")
	if err != nil {
		t.Fatal(err)
	}
	if top, ok := res.Top(); !ok || top.Entry.ID != "pkb" {
		t.Fatalf("new entry not served after reload: %+v", res.Candidates)
	}
}

// TestSwapAnswersBeforeItsIndexIsBuilt: a swapped-in corpus answers as soon as Swap
// returns; its bleve index is built on disk afterwards, the old one removed, and Close
// during that build leaves no partial index behind.
func TestSwapAnswersBeforeItsIndexIsBuilt(t *testing.T) {
	data := t.TempDir()
	corpus := copyDir(t, "testdata/mini")
	ix := mustOpen(t, corpus, knowledge.Options{DataDir: data})
	first := ix.Info()
	writeFile(t, filepath.Join(corpus, "pajak/pkb.md"), "---\nid: pkb\ntitle: Pajak kendaraan\nquestions: [Bayar pajak motor di mana?]\n---\nDi Samsat.\n")
	c, _, err := knowledge.LoadCorpus(corpus)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Swap(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Ask(context.Background(), "bayar pajak kendaraan motor di samsat")
	if err != nil {
		t.Fatal(err)
	}
	if top, ok := res.Top(); !ok || top.Entry.ID != "pkb" {
		t.Fatalf("new entry not served after the swap: %+v", res.Candidates)
	}
	// The guard only stops a hung test.
	for guard := time.Now().Add(30 * time.Second); ix.Info().Path == ""; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(guard) {
			t.Fatal("the swapped-in corpus's index was never built")
		}
	}
	info := ix.Info()
	if !info.Built || info.Path == first.Path || info.Fingerprint == first.Fingerprint {
		t.Fatalf("index after the swap: %+v, before: %+v", info, first)
	}
	des, _ := os.ReadDir(filepath.Join(data, "index"))
	if len(des) != 1 || filepath.Join(data, "index", des[0].Name()) != info.Path {
		t.Errorf("index dirs after the swap: %v, want only %s", des, info.Path)
	}

	// Back to the first corpus, and closed at once: whether its index was reopened,
	// built or stopped halfway, nothing half-built stays.
	writeFile(t, filepath.Join(corpus, "pajak/pkb.md"), "---\nid: pkb\ntitle: Pajak kendaraan bermotor\nquestions: [Bayar pajak mobil di mana?]\n---\nDi Samsat.\n")
	c2, _, err := knowledge.LoadCorpus(corpus)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Swap(context.Background(), c2); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	des, _ = os.ReadDir(filepath.Join(data, "index"))
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".build-") {
			left, _ := os.ReadDir(filepath.Join(data, "index", d.Name()))
			t.Errorf("a partial index stays after Close: %s %v", d.Name(), left)
		}
	}
	if _, err := ix.Ask(context.Background(), "ktp hilang"); err == nil {
		t.Error("a closed index answers")
	}
}

// TestReloadUnderLoad asks questions from several goroutines while the corpus is swapped
// back and forth: no question may fail.
func TestReloadUnderLoad(t *testing.T) {
	corpus := copyDir(t, "testdata/mini")
	ix := mustOpen(t, corpus, knowledge.Options{DataDir: t.TempDir()})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	asked := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				res, err := ix.Ask(context.Background(), "ktp saya hilang")
				mu.Lock()
				asked++
				if err != nil {
					failures = append(failures, err)
				} else if res.Decision != knowledge.Answer {
					failures = append(failures, errors.New("not answered: "+string(res.Decision)))
				}
				mu.Unlock()
			}
		}()
	}
	jam := filepath.Join(corpus, "layanan/jam.md")
	orig := readFile(t, jam)
	for i := 0; i < 6; i++ {
		writeFile(t, jam, strings.Replace(orig, "16.00", []string{"15.00", "16.00"}[i%2], 1))
		if err := ix.Reload(context.Background(), corpus); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d questions failed during reloads, first: %v", len(failures), asked, failures[0])
	}
	if asked == 0 {
		t.Fatal("no question asked")
	}
}

func TestThresholdsValidate(t *testing.T) {
	if err := (knowledge.Thresholds{Answer: 0.3, Suggest: 0.5, MaxSuggestions: 3}).Validate(); err == nil {
		t.Error("suggest above answer accepted")
	}
	if err := knowledge.DefaultThresholds().Validate(); err != nil {
		t.Error(err)
	}
}

func TestValidateExtrasNamesFileAndLine(t *testing.T) {
	corpus := copyDir(t, "testdata/mini")
	writeFile(t, filepath.Join(corpus, "_balai/slang.txt"), "gmn => bagaimana\njust words\n")
	writeFile(t, filepath.Join(corpus, "_balai/escalate.txt"), "orphan pattern\n")
	_, ps, err := knowledge.LoadCorpus(corpus)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, p := range ps {
		got += p.String() + "\n"
	}
	want := filepath.Join(corpus, "_balai/slang.txt") + ":2: error: not a rule"
	if !strings.Contains(got, want) {
		t.Errorf("problems:\n%s\nwant one starting %q", got, want)
	}
	writeFile(t, filepath.Join(corpus, "_balai/slang.txt"), "gmn => bagaimana\n")
	_, ps, _ = knowledge.LoadCorpus(corpus)
	if len(ps) != 1 || !strings.Contains(ps[0].String(), "escalate.txt:1: error: pattern \"orphan pattern\" comes before any [topic] header") {
		t.Errorf("problems: %v", ps)
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A word the corpus does not have weighs no more than the most telling word it has.
func TestUnknownWordsDoNotOutweighKnownOnes(t *testing.T) {
	ix := mustOpen(t, "testdata/mini", knowledge.Options{})
	res, err := ix.Ask(context.Background(), "ktp hilang qwzx", knowledge.WithExplain())
	if err != nil {
		t.Fatal(err)
	}
	var maxKnown, unknown float64
	found := false
	for _, term := range res.Explain.Terms {
		if term.Known {
			maxKnown = max(maxKnown, term.IDF)
		} else {
			unknown, found = term.IDF, true
		}
	}
	if !found || maxKnown == 0 {
		t.Fatalf("want one unknown and some known terms: %+v", res.Explain.Terms)
	}
	if unknown > maxKnown {
		t.Fatalf("unknown word idf %.3f > heaviest known word's %.3f", unknown, maxKnown)
	}
	if top, ok := res.Top(); !ok || top.Entry.ID != "ktp-hilang" {
		t.Fatalf("top %+v, want ktp-hilang", top)
	}
}
