package unanswered

import (
	"math"
	"slices"
	"strings"

	"github.com/balai-id/balai/knowledge/indonesian"
)

// Clustering: each question becomes the set of its analysed terms (the knowledge index's
// Indonesian analysis: slang and English rewritten to standard Indonesian, stop words
// dropped, stemmed), weighted by inverse document frequency over the questions clustered and
// normalised. Questions are taken oldest first; each joins the cluster whose centroid is
// most similar (cosine) if that similarity reaches the threshold, else starts a cluster. The
// result depends only on the questions and their order: the same input gives the same
// clusters, and a newer question never moves an older one (a cluster keeps its id, its
// oldest question, as it grows).

// maxPosting bounds the clusters a term proposes as candidates: a term in more clusters
// than this says little about which one a question belongs to (its idf is low), so it does
// not propose candidates, though it still counts in the similarity of the others.
const maxPosting = 256

// termSet is one question's analysis.
type termSet struct {
	terms []int32 // term ids, sorted, distinct
}

// analyser turns questions into term sets, numbering the terms it meets.
type analyser struct {
	a     *indonesian.Analyzer
	ids   map[string]int32
	names []string
	// surface counts per term, to name a cluster by the word people wrote
	surface []map[string]int
}

func newAnalyser(a *indonesian.Analyzer) *analyser {
	return &analyser{a: a, ids: map[string]int32{}}
}

// askingWords are analysed terms that say how something is asked, not what: the same
// question is asked with any of them ("cara", "syarat", "di mana", "bikin"), so they do
// not group questions (the index keeps them; they tell its entries apart).
var askingWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`apa apakah bagaimana gimana cara mana kemana dimana kapan berapa siapa kenapa
		mengapa syarat buat bikin dapat urus mau ingin tanya bisa boleh tolong mohon info informasi perlu harus
		lewat sudah belum pak bu bapak ibu min admin kak mas mbak ya dong sih kah nya gak tidak bagaimanakah
		hp no nomor telepon nik npwp email wa`) {
		askingWords[w] = true
	}
}

// idfPrior is the number of questions idf counts at least: in a small log the questions of
// one cluster are a large share of all, and their shared terms should still weigh.
const idfPrior = 1000

func (an *analyser) analyse(text string) termSet {
	var ts termSet
	for _, t := range an.a.Analyze(text) {
		if askingWords[t.Text] {
			continue
		}
		id, ok := an.ids[t.Text]
		if !ok {
			id = int32(len(an.names))
			an.ids[t.Text] = id
			an.names = append(an.names, t.Text)
			an.surface = append(an.surface, map[string]int{})
		}
		if !slices.Contains(ts.terms, id) {
			ts.terms = append(ts.terms, id)
			an.surface[id][t.Surface]++
		}
	}
	slices.Sort(ts.terms)
	return ts
}

// word is the surface form written most often for term id (ties: the shortest, then the
// first in order).
func (an *analyser) word(id int32) string {
	best, n := an.names[id], 0
	for s, c := range an.surface[id] {
		if c > n || c == n && (len(s) < len(best) || len(s) == len(best) && s < best) {
			best, n = s, c
		}
	}
	return best
}

// group is one cluster in the making.
type group struct {
	members []int
	slot    map[int32]int32 // term → index in w
	w       []float64       // sum of the members' vectors, by slot
	norm2   float64         // squared length of the sum
}

// posting is a group having a term, at a slot of its sum.
type posting struct{ g, slot int32 }

// clusterSets clusters the term sets (in the order given) at threshold and returns the
// groups, each a list of indexes into sets, ordered by their first member. Sets without a
// term are grouped by key (their text), so that "???" is not merged with "!!!".
//
// Similarities are accumulated over the terms' postings (group, slot), so a question costs
// the length of its terms' postings, not the number of groups; a term in more than
// maxPosting groups is not walked, and its share is bounded (a unit vector's component) so
// that a group it could still make the best is scored exactly.
func clusterSets(sets []termSet, keys []string, threshold float64) [][]int {
	// Identical term sets are one point: the work grows with distinct phrasings.
	type point struct {
		set     []int32
		members []int
	}
	var points []*point
	bySig := map[string]*point{}
	var sig strings.Builder
	for i, s := range sets {
		sig.Reset()
		if len(s.terms) == 0 {
			sig.WriteString("\x00" + keys[i])
		} else {
			sig.WriteByte(1)
		}
		for _, t := range s.terms {
			sig.Write([]byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)})
		}
		p, ok := bySig[sig.String()]
		if !ok {
			p = &point{set: s.terms}
			bySig[sig.String()] = p
			points = append(points, p)
		}
		p.members = append(p.members, i)
	}
	df := map[int32]int{}
	for _, s := range sets {
		for _, t := range s.terms {
			df[t]++
		}
	}
	idf := idfOf(df, len(sets))

	var groups []*group
	postings := map[int32][]posting{}
	var acc []float64   // partial dot product by group
	var touched []int32 // groups with acc set
	vec := make([]float64, 0, 16)
	var long []int // indexes into the point's terms not walked
	for _, p := range points {
		if len(p.set) == 0 {
			groups = append(groups, &group{members: p.members})
			acc = append(acc, 0)
			continue
		}
		vec = vec[:0]
		var l2 float64
		for _, t := range p.set {
			w := idf(t)
			vec = append(vec, w)
			l2 += w * w
		}
		l := math.Sqrt(l2)
		for i := range vec {
			vec[i] /= l
		}
		touched, long = touched[:0], long[:0]
		var slack float64 // the most the terms not walked can add to a similarity
		for i, t := range p.set {
			ps := postings[t]
			if len(ps) > maxPosting {
				long = append(long, i)
				slack += vec[i]
				continue
			}
			for _, e := range ps {
				if acc[e.g] == 0 {
					touched = append(touched, e.g)
				}
				acc[e.g] += vec[i] * groups[e.g].w[e.slot]
			}
		}
		best, bestScore := int32(-1), threshold
		for _, g := range touched {
			gr := groups[g]
			score := acc[g] / math.Sqrt(gr.norm2)
			acc[g] = 0
			if score+slack < bestScore {
				continue
			}
			if len(long) > 0 {
				var dot float64
				for _, i := range long {
					if k, ok := gr.slot[p.set[i]]; ok {
						dot += vec[i] * gr.w[k]
					}
				}
				score += dot / math.Sqrt(gr.norm2)
			}
			if score > bestScore || score == bestScore && (best < 0 || g < best) {
				best, bestScore = g, score
			}
		}
		if best < 0 {
			best = int32(len(groups))
			groups = append(groups, &group{slot: map[int32]int32{}})
			acc = append(acc, 0)
		}
		gr := groups[best]
		gr.members = append(gr.members, p.members...)
		k := float64(len(p.members))
		for i, t := range p.set {
			slot, had := gr.slot[t]
			if !had {
				slot = int32(len(gr.w))
				gr.slot[t] = slot
				gr.w = append(gr.w, 0)
				postings[t] = append(postings[t], posting{best, slot})
			}
			old := gr.w[slot]
			nw := old + k*vec[i]
			gr.w[slot] = nw
			gr.norm2 += nw*nw - old*old
		}
	}
	out := make([][]int, len(groups))
	for i, g := range groups {
		slices.Sort(g.members)
		out[i] = g.members
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

// topTerms returns the n terms of the members with the most weight (idf times how many
// members have them; ties by name).
func topTerms(sets []termSet, members []int, idf func(int32) float64, n int) []int32 {
	count := map[int32]int{}
	for _, m := range members {
		for _, t := range sets[m].terms {
			count[t]++
		}
	}
	ts := make([]int32, 0, len(count))
	for t := range count {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b int32) int {
		wa, wb := float64(count[a])*idf(a), float64(count[b])*idf(b)
		switch {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		}
		return int(a - b)
	})
	return ts[:min(n, len(ts))]
}

// idfOf is the inverse document frequency of terms counted in df over n questions.
func idfOf(df map[int32]int, n int) func(int32) float64 {
	nn := float64(max(n, idfPrior))
	return func(t int32) float64 { return math.Log(1 + nn/float64(df[t])) }
}
