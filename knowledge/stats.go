package knowledge

import (
	"math"
	"math/bits"
	"sort"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/indonesian"
)

type termID uint32

// Field bits of a term in an entry.
const (
	fQuestion uint8 = 1 << iota
	fTitle
	fKeyword
	fBody

	fStrong = fQuestion | fTitle | fKeyword
)

// entryTerms is the set of terms of one entry with the fields they occur in, sorted by id.
type entryTerms struct {
	ids    []termID
	flags  []uint8
	strong []termID // the ids with a strong flag (questions, title, keywords)
}

func (et *entryTerms) lookup(id termID) uint8 {
	i := sort.Search(len(et.ids), func(i int) bool { return et.ids[i] >= id })
	if i < len(et.ids) && et.ids[i] == id {
		return et.flags[i]
	}
	return 0
}

// stats are the corpus statistics candidates are ranked and confidence is computed from.
// They live in memory and depend on the corpus alone: per-entry term sets, the term sets of
// each phrasing (questions and the title), document frequencies, postings and field lengths
// for BM25, and the dictionary for typo correction.
type stats struct {
	n         int
	vocab     map[string]termID
	df        []uint32 // entries containing the term in any field
	entries   []entryTerms
	phrasings [][][]termID // per entry, the sorted unique terms of its title and each question
	fix       *corrector
	bm25      *bm25 // postings and field lengths that rank candidates
}

func buildStats(c *faq.Corpus, a *indonesian.Analyzer) *stats {
	s := &stats{n: len(c.Entries), vocab: map[string]termID{}, fix: newCorrector()}
	id := func(t string) termID {
		if v, ok := s.vocab[t]; ok {
			return v
		}
		v := termID(len(s.df))
		s.vocab[t] = v
		s.df = append(s.df, 0)
		return v
	}
	// Words the rules understand can be misspelt too ("gimna" → "gimana").
	a.RuleWords(func(w string) {
		if len([]rune(w)) >= 4 {
			s.fix.add(w)
		}
	})
	s.entries = make([]entryTerms, len(c.Entries))
	s.phrasings = make([][][]termID, len(c.Entries))
	freqs := make([]entryFreqs, len(c.Entries))
	for i, e := range c.Entries {
		// The terms of each field as bleve indexes them: the same analysis of each text (each
		// question and keyword separately), counted per field.
		tfs := map[termID][numFields]uint16{}
		addText := func(text string, f uint8) []termID {
			words := indonesian.Words(text)
			for _, w := range words {
				if len(w) >= 4 && !a.IsStop(w) {
					s.fix.add(w)
				}
			}
			field := bits.TrailingZeros8(f)
			terms := a.AnalyzeWords(words)
			freqs[i].len[field] += len(terms)
			ids := make([]termID, 0, len(terms))
			for _, t := range terms {
				tid := id(t.Text)
				tf := tfs[tid]
				if tf[field] < math.MaxUint16 {
					tf[field]++
				}
				tfs[tid] = tf
				ids = append(ids, tid)
			}
			return uniqueSorted(ids)
		}
		s.phrasings[i] = append(s.phrasings[i], addText(e.SearchTitle(), fTitle))
		for _, q := range e.Questions {
			s.phrasings[i] = append(s.phrasings[i], addText(q, fQuestion))
		}
		for _, k := range e.Keywords {
			addText(k, fKeyword)
		}
		addText(e.Body, fBody)
		et := entryTerms{ids: make([]termID, 0, len(tfs)), flags: make([]uint8, 0, len(tfs))}
		for tid := range tfs {
			et.ids = append(et.ids, tid)
		}
		sort.Slice(et.ids, func(a, b int) bool { return et.ids[a] < et.ids[b] })
		freqs[i].tf = make([][numFields]uint16, len(et.ids))
		for k, tid := range et.ids {
			tf := tfs[tid]
			var fl uint8
			for f := range tf {
				if tf[f] > 0 {
					fl |= 1 << f
				}
			}
			et.flags = append(et.flags, fl)
			if fl&fStrong != 0 {
				et.strong = append(et.strong, tid)
			}
			freqs[i].tf[k] = tf
			s.df[tid]++
		}
		s.entries[i] = et
	}
	s.bm25 = newBM25(s.entries, freqs, len(s.df))
	return s
}

func uniqueSorted(ids []termID) []termID {
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	out := ids[:0]
	for i, v := range ids {
		if i == 0 || v != ids[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// idf is the BM25 inverse document frequency of a term found in df of the n entries; an
// unknown term (df 0) weighs the most.
func (s *stats) idf(df uint32) float64 {
	n := float64(s.n)
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}
