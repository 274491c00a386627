package knowledge

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"sync/atomic"

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

// analysedText is one text of an entry as buildStats needs it: the words that typo
// correction may correct to, and the terms bleve indexes.
type analysedText struct {
	field int      // the field's index (see fields)
	words []string // words of 4 bytes or more that are not stop words, in order
	terms []string // the terms, in order
}

// analyseEntry analyses each text of e as bleve indexes it (each question and keyword
// separately): the title, the questions, the keywords, then the body.
func analyseEntry(e *faq.Entry, a *indonesian.Analyzer, memo indonesian.StemMemo) []analysedText {
	out := make([]analysedText, 0, 2+len(e.Questions)+len(e.Keywords))
	add := func(text string, f uint8) {
		words := indonesian.Words(text)
		t := analysedText{field: bits.TrailingZeros8(f)}
		for _, w := range words {
			if len(w) >= 4 && !a.IsStop(w) {
				t.words = append(t.words, w)
			}
		}
		terms := a.AnalyzeWordsMemo(words, memo)
		t.terms = make([]string, len(terms))
		for k, term := range terms {
			t.terms[k] = term.Text
		}
		out = append(out, t)
	}
	add(e.SearchTitle(), fTitle)
	for _, q := range e.Questions {
		add(q, fQuestion)
	}
	for _, k := range e.Keywords {
		add(k, fKeyword)
	}
	add(e.Body, fBody)
	return out
}

// buildWorkers is how many goroutines analyse a corpus's entries beside the one that merges
// their results while statistics are built; 0: all on the caller's goroutine. A corpus is
// built beside questions being answered (a switch to a newly published version), and a
// question waits for a processor whenever every one is busy, up to the scheduler's time
// slice (10 ms): the build keeps at most GOMAXPROCS-1 busy, so with 2 it uses one.
func buildWorkers() int { return min(4, max(0, runtime.GOMAXPROCS(0)-2)) }

// analyseAll analyses the entries of c and hands each entry's texts to use in corpus order;
// with buildWorkers goroutines, each as soon as it and those before it are analysed.
func analyseAll(c *faq.Corpus, a *indonesian.Analyzer, use func(i int, texts []analysedText)) {
	workers := buildWorkers()
	if workers == 0 {
		memo := indonesian.StemMemo{}
		for i, e := range c.Entries {
			use(i, analyseEntry(e, a, memo))
		}
		return
	}
	const chunk = 32
	n := len(c.Entries)
	chunks := (n + chunk - 1) / chunk
	done := make([]chan [][]analysedText, chunks)
	for k := range done {
		done[k] = make(chan [][]analysedText, 1)
	}
	var next atomic.Int64
	// Workers take chunks in order and never run more than window chunks ahead of use, so
	// the analysed texts waiting to be merged stay few.
	window := make(chan struct{}, 4*workers)
	stop := make(chan struct{})
	defer close(stop)
	for w := 0; w < workers; w++ {
		go func() {
			memo := indonesian.StemMemo{}
			for {
				select {
				case window <- struct{}{}:
				case <-stop:
					return
				}
				k := int(next.Add(1)) - 1
				if k >= chunks {
					return
				}
				res := make([][]analysedText, 0, chunk)
				for i := k * chunk; i < min(n, (k+1)*chunk); i++ {
					res = append(res, analyseEntry(c.Entries[i], a, memo))
				}
				done[k] <- res
			}
		}()
	}
	for k := range done {
		res := <-done[k]
		<-window
		for j, texts := range res {
			use(k*chunk+j, texts)
		}
	}
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
	// The entries are analysed in parallel; everything that depends on their order (term
	// ids, the corrector's dictionary) is done here, in corpus order, so the statistics are
	// the same whatever the number of goroutines.
	analyseAll(c, a, func(i int, texts []analysedText) {
		// The terms of each field as bleve indexes them: the same analysis of each text (each
		// question and keyword separately), counted per field.
		tfs := map[termID][numFields]uint16{}
		for _, t := range texts {
			for _, w := range t.words {
				s.fix.add(w)
			}
			freqs[i].len[t.field] += len(t.terms)
			ids := make([]termID, 0, len(t.terms))
			for _, term := range t.terms {
				tid := id(term)
				tf := tfs[tid]
				if tf[t.field] < math.MaxUint16 {
					tf[t.field]++
				}
				tfs[tid] = tf
				ids = append(ids, tid)
			}
			ids = uniqueSorted(ids)
			if t.field == bits.TrailingZeros8(fTitle) || t.field == bits.TrailingZeros8(fQuestion) {
				s.phrasings[i] = append(s.phrasings[i], ids)
			}
		}
		et := entryTerms{ids: make([]termID, 0, len(tfs)), flags: make([]uint8, 0, len(tfs))}
		for tid := range tfs {
			et.ids = append(et.ids, tid)
		}
		slices.Sort(et.ids)
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
	})
	s.bm25 = newBM25(s.entries, freqs, len(s.df))
	return s
}

func uniqueSorted(ids []termID) []termID {
	slices.Sort(ids)
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
