// Package synthcorpus generates large synthetic FAQ corpora from a real one, for benchmarks:
// entries reuse the real corpus's vocabulary and shapes (title, several questions, a body of
// a few sentences), so term statistics stay realistic at 10,000 entries.
package synthcorpus

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/balai-id/balai/faq"
)

// Generate returns n entries derived from base with a fixed seed (the same inputs give the
// same corpus).
func Generate(base *faq.Corpus, n int, seed uint64) (*faq.Corpus, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var vocab []string
	seen := map[string]bool{}
	for _, e := range base.Entries {
		for _, w := range strings.Fields(e.Title + " " + strings.Join(e.Questions, " ") + " " + e.Body) {
			w = strings.Trim(w, ".,;:!?()*[]\"'")
			if len(w) > 2 && !seen[w] {
				seen[w] = true
				vocab = append(vocab, w)
			}
		}
	}
	if len(vocab) == 0 || len(base.Entries) == 0 {
		return nil, fmt.Errorf("synthcorpus: base corpus is empty")
	}
	word := func() string { return vocab[rng.IntN(len(vocab))] }
	// mutate replaces about a third of the words of s with words of the vocabulary.
	mutate := func(s string) string {
		ws := strings.Fields(s)
		for i := range ws {
			if rng.IntN(3) == 0 {
				ws[i] = word()
			}
		}
		return strings.Join(ws, " ")
	}
	entries := make([]*faq.Entry, 0, n)
	for i := 0; i < n; i++ {
		b := base.Entries[rng.IntN(len(base.Entries))]
		e := &faq.Entry{
			ID:       fmt.Sprintf("gen-%05d-%s", i, b.ID),
			Title:    mutate(b.Title) + " " + word(),
			Category: b.Category,
			Source:   b.Source,
			Updated:  b.Updated,
			Lang:     "id",
		}
		for _, q := range b.Questions {
			e.Questions = append(e.Questions, mutate(q))
		}
		for j := 0; j < 3; j++ {
			e.Keywords = append(e.Keywords, word())
		}
		sentences := strings.Split(b.Body, ". ")
		rng.Shuffle(len(sentences), func(a, c int) { sentences[a], sentences[c] = sentences[c], sentences[a] })
		for j := range sentences {
			sentences[j] = mutate(sentences[j])
		}
		e.Body = strings.Join(sentences, ". ")
		entries = append(entries, e)
	}
	return faq.NewCorpus(entries, base.Extras)
}
