package knowledge

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/balai-id/balai/faq"
)

// TestRankIsBleveBM25OnOneSegment checks that rank scores as bleve does on an index of one
// segment (where bleve's statistics are the corpus's), which is what the confidence model was
// fitted on: the same entries with the same scores, up to bleve storing field lengths as
// float32 norms. Entries only one side ranks among the best must tie with the last one.
func TestRankIsBleveBM25OnOneSegment(t *testing.T) {
	c, _, err := faq.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(context.Background(), c, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	s := ix.cur.Load()
	adv, err := s.bleve.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	n := len(r.(*scorch.IndexSnapshot).Segments())
	r.Close()
	if n != 1 {
		t.Fatalf("in-memory index of the default corpus has %d segments, want 1", n)
	}
	const tolerance = 1e-6
	st := s.stats
	asked := 0
	for _, text := range evalQuestions(t, "../testdata/eval/cases.jsonl") {
		var qts []qterm
		seen := map[string]bool{}
		fq := focusWeights(text, s.analyzer)
		for _, tm := range s.analyzer.AnalyzeWords(fq.words) {
			id, known := st.vocab[tm.Text]
			if seen[tm.Text] || !known {
				continue
			}
			seen[tm.Text] = true
			idf := st.idf(st.df[id])
			qts = append(qts, qterm{text: tm.Text, id: id, known: true, idf: idf, w: fq.weights[tm.Src] * idf})
		}
		qts = searchTerms(qts, st)
		if len(qts) == 0 {
			continue
		}
		var disj []query.Query
		for _, q := range qts {
			for _, f := range fields {
				tq := bleve.NewTermQuery(q.text)
				tq.SetField(f.name)
				tq.SetBoost(f.boost * q.w / q.idf)
				disj = append(disj, tq)
			}
		}
		sr, err := s.bleve.Search(bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(disj...), candidatesK, 0, false))
		if err != nil {
			t.Fatal(err)
		}
		hits := st.rank(qts, candidatesK)
		if len(hits) != len(sr.Hits) {
			t.Fatalf("%q: rank found %d entries, bleve %d", text, len(hits), len(sr.Hits))
		}
		asked++
		ours := map[string]float64{}
		for _, h := range hits {
			ours[c.Entries[h.entry].ID] = h.score
		}
		theirs := map[string]float64{}
		for _, h := range sr.Hits {
			theirs[h.ID] = h.Score
		}
		last := hits[len(hits)-1].score
		close := func(a, b float64) bool { return math.Abs(a-b) <= tolerance*math.Abs(b) }
		for id, want := range theirs {
			got, ok := ours[id]
			switch {
			case ok && !close(got, want):
				t.Errorf("%q: %s scores %g, bleve %g", text, id, got, want)
			case !ok && !close(last, want):
				t.Errorf("%q: bleve ranks %s (%g) among the best, rank does not (last %g)", text, id, want, last)
			}
		}
		for id, got := range ours {
			if _, ok := theirs[id]; !ok && !close(got, last) {
				t.Errorf("%q: rank ranks %s (%g) among the best, bleve does not", text, id, got)
			}
		}
	}
	if asked < 400 {
		t.Fatalf("only %d questions compared", asked)
	}
}

func evalQuestions(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c struct {
			Q string `json:"q"`
		}
		if json.Unmarshal(sc.Bytes(), &c) == nil && c.Q != "" {
			qs = append(qs, c.Q)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return qs
}

// TestRankTies checks that entries of equal score rank in corpus order, whatever the order
// the postings are visited in.
func TestRankTies(t *testing.T) {
	var es []*faq.Entry
	for _, id := range []string{"c", "a", "d", "b"} {
		es = append(es, &faq.Entry{ID: id, Title: "Paspor " + id, Questions: []string{"Cara membuat paspor?"}, Body: "Di kantor imigrasi.", Lang: "id"})
	}
	c, err := faq.NewCorpus(es, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(context.Background(), c, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st := ix.cur.Load().stats
	id, ok := st.vocab["paspor"]
	if !ok {
		t.Fatal("paspor not in the vocabulary")
	}
	idf := st.idf(st.df[id])
	hits := st.rank([]qterm{{text: "paspor", id: id, known: true, idf: idf, w: idf}}, 3)
	var got []string
	for _, h := range hits {
		got = append(got, c.Entries[h.entry].ID)
		if h.score != hits[0].score {
			t.Fatalf("scores differ: %+v", hits)
		}
	}
	if want := "a b c"; len(got) != 3 || got[0]+" "+got[1]+" "+got[2] != want {
		t.Fatalf("ranked %v, want %s", got, want)
	}
}
