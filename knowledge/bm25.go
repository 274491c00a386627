package knowledge

import (
	"math"
	"sync"
)

// Candidates are found and ranked here, by BM25 from statistics of the whole corpus that
// Balai keeps itself, not by a bleve search. Bleve scores a term with statistics of the
// segments its index happens to consist of: it normalises field lengths by the sum over the
// segments of each one's number of distinct terms in the field, divided by the number of
// documents and rounded up; and it orders equal scores by position in the segments. An
// index in memory (several segments, from indexing batches of 500 entries) and one persisted
// (merged by scorch when built, and again in the background at any later time) gave
// different scores, candidates and decisions for one question: on 2,000 entries, 550 of 593
// questions differed, 44 in their decision. Here every figure is a function of the corpus
// alone, so an index in memory, built on disk or reopened answers alike, bit for bit.
//
// The score keeps the form bleve gave it, which the confidence model was fitted on: per
// term and field, idf × saturated term frequency with length normalisation, weighted by the
// term's boost × idf × query norm, summed over the term-field pairs an entry matches and
// multiplied by the share of pairs it matches (bleve's coord factor).
const (
	bm25K1 = 1.2  // term frequency saturation (bleve's BM25_k1)
	bm25B  = 0.75 // length normalisation (bleve's BM25_b)
)

// numFields is the number of indexed fields (see fields); field i has flag bit 1<<i.
const numFields = 4

// postings lists, for each term, the entries whose field holds it, in entry order, and how
// often it occurs there.
type postings struct {
	start []uint32 // by term id: offset of its list in entry and tf; len(vocab)+1 offsets
	entry []uint32
	tf    []uint16
}

func (p *postings) list(id termID) ([]uint32, []uint16) {
	a, b := p.start[id], p.start[id+1]
	return p.entry[a:b], p.tf[a:b]
}

// bm25 holds what BM25 needs beyond the vocabulary: per field, the postings and each entry's
// length part of the BM25 denominator, k1 × (1 − b + b × length / average length).
type bm25 struct {
	post    [numFields]postings
	lenNorm [numFields][]float64
	scratch sync.Pool // *rankScratch
}

// entryFreqs are the term frequencies of one entry per field, aligned with entryTerms.ids,
// and its field lengths in terms; kept only while the statistics are built.
type entryFreqs struct {
	tf  [][numFields]uint16
	len [numFields]int
}

// newBM25 builds the postings and length norms of the entries whose terms are ets and
// frequencies efs, over a vocabulary of nTerms terms.
func newBM25(ets []entryTerms, efs []entryFreqs, nTerms int) *bm25 {
	b := &bm25{}
	n := len(ets)
	for f := 0; f < numFields; f++ {
		p := &b.post[f]
		p.start = make([]uint32, nTerms+1)
		for i := range ets {
			for k, id := range ets[i].ids {
				if efs[i].tf[k][f] > 0 {
					p.start[id+1]++
				}
			}
		}
		for t := 0; t < nTerms; t++ {
			p.start[t+1] += p.start[t]
		}
		p.entry = make([]uint32, p.start[nTerms])
		p.tf = make([]uint16, p.start[nTerms])
		next := make([]uint32, nTerms)
		copy(next, p.start[:nTerms])
		for i := range ets {
			for k, id := range ets[i].ids {
				if tf := efs[i].tf[k][f]; tf > 0 {
					p.entry[next[id]] = uint32(i)
					p.tf[next[id]] = tf
					next[id]++
				}
			}
		}
		// The length the field's lengths are normalised by. Bleve divides the number of
		// distinct terms of the field, summed over its segments, by the number of entries,
		// rounded up: not a mean length, but what the confidence model was fitted on (on
		// one-segment indexes). Counted over the whole corpus it no longer depends on the
		// segments. (The true mean field length ranks differently: it would need the
		// model refitted.)
		distinct := 0
		for t := 0; t < nTerms; t++ {
			if p.start[t+1] > p.start[t] {
				distinct++
			}
		}
		b.lenNorm[f] = make([]float64, n)
		avg := math.Ceil(float64(distinct) / float64(n))
		if avg == 0 {
			continue // no entry has this field: it has no postings either
		}
		for i := range efs {
			b.lenNorm[f][i] = bm25K1 * (1 - bm25B + bm25B*float64(efs[i].len[f])/avg)
		}
	}
	b.scratch.New = func() any {
		return &rankScratch{sum: make([]float64, n), matched: make([]uint32, n)}
	}
	return b
}

// bm25IDF is the BM25 inverse document frequency of a term in df of n entries.
func bm25IDF(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// rankScratch is the per-question accumulator of rank, reused across questions.
type rankScratch struct {
	sum     []float64 // by entry
	matched []uint32  // by entry: term-field pairs matched
	touched []uint32  // entries with matched > 0
}

// hit is an entry found by rank with its BM25 score.
type hit struct {
	entry int
	score float64
}

// rank returns the k entries with the highest BM25 for the search terms qts, best first; of
// equal scores, the entry that sorts first by id (the corpus order) comes first.
func (st *stats) rank(qts []qterm, k int) []hit {
	if len(qts) == 0 || k <= 0 {
		return nil
	}
	b := st.bm25
	type pair struct {
		entries []uint32
		tfs     []uint16
		lenNorm []float64
		idf, qw float64
	}
	pairs := make([]pair, 0, len(qts)*numFields)
	var sumSq float64
	for _, q := range qts {
		for f, fd := range fields {
			es, tfs := b.post[f].list(q.id)
			idf := bm25IDF(st.n, len(es))
			boost := fd.boost * q.w / q.idf
			sumSq += (boost * idf) * (boost * idf)
			pairs = append(pairs, pair{entries: es, tfs: tfs, lenNorm: b.lenNorm[f], idf: idf, qw: boost * idf})
		}
	}
	// The query norm scales every score alike; it keeps them on the scale they had.
	norm := 1 / math.Sqrt(sumSq)
	sc := b.scratch.Get().(*rankScratch)
	defer b.scratch.Put(sc)
	for _, p := range pairs {
		qw := p.qw * norm
		for j, e := range p.entries {
			tf := math.Sqrt(float64(p.tfs[j]))
			s := p.idf * (tf * bm25K1) / (tf + p.lenNorm[e]) * qw
			if sc.matched[e] == 0 {
				sc.touched = append(sc.touched, e)
			}
			sc.sum[e] += s
			sc.matched[e]++
		}
	}
	top := make([]hit, 0, k)
	better := func(a, b hit) bool { return a.score > b.score || a.score == b.score && a.entry < b.entry }
	for _, e := range sc.touched {
		h := hit{entry: int(e), score: sc.sum[e] * (float64(sc.matched[e]) / float64(len(pairs)))}
		sc.sum[e], sc.matched[e] = 0, 0
		if len(top) == k && !better(h, top[k-1]) {
			continue
		}
		if len(top) < k {
			top = append(top, h)
		} else {
			top[k-1] = h
		}
		for i := len(top) - 1; i > 0 && better(top[i], top[i-1]); i-- {
			top[i], top[i-1] = top[i-1], top[i]
		}
	}
	sc.touched = sc.touched[:0]
	return top
}
