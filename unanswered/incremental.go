package unanswered

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/redact"
)

// Incremental clustering. The clusters are kept in the store (balai.UnansweredPoint: a
// question, its cluster, its weighted terms, the order it was clustered in) and brought up
// to date by Sync: the questions of the chats with news since the last sync are derived
// again, those that left are dropped, and the new ones are clustered one by one, oldest
// first, against the clusters as they stand. One process at a time syncs (the store's
// lock); every replica reads the same points, so every replica shows the same clusters,
// and a restart loses nothing.
//
// A question's vector is its terms weighted by their inverse document frequency among the
// questions clustered so far (itself included; at least idfPrior), normalised, and fixed
// when it is clustered: a later question never moves an earlier one, and a cluster keeps
// its id (the ref of its first question) as it grows. A cluster's centroid is the sum of
// its questions' vectors added in their order; when a question leaves, its cluster's sum is
// added up again from the rest, so that the sums are the same floats in every process,
// whatever it has seen before. Clustering the same questions in one sync or over many gives
// the same clusters.

// point is one question as the model keeps it (texts masked). Points are not changed once
// made: a change replaces the point.
type point struct {
	at      int64 // q.At in milliseconds
	q       balai.AskedQuestion
	seq     int64
	cluster string
	terms   []int32  // distinct, in the order of their names (the same in every process)
	surf    []string // the word written for each term
	w       []float64
	enc     string // the stored form of terms, surf and w
	key     string // termless points: the grouping key (the text)
}

// stored is p as the store keeps it.
func (p *point) stored() balai.UnansweredPoint {
	return balai.UnansweredPoint{AskedQuestion: p.q, Seq: p.seq, Cluster: p.cluster, Terms: p.enc}
}

// cgroup is a cluster: its points in order and the sum of their vectors.
type cgroup struct {
	id      string
	ix      int32 // index in model.groups
	members []*point
	slot    map[int32]int32 // term → index in w
	w       []float64
	norm2   float64
}

// order is the group's rank among groups for ties: its first question's order.
func (g *cgroup) order() int64 { return g.members[0].seq }

// model is the clustering as this process knows it.
type model struct {
	state    balai.PointsState
	points   map[string]*point
	groups   []*cgroup // by ix; nil once empty
	byID     map[string]*cgroup
	empty    map[string]string // termless key → cluster id
	postings map[int32][]posting
	ids      map[string]int32
	names    []string
	df       []int32
	surface  []map[string]int
	n        int // live points
}

func newModel() *model {
	return &model{points: map[string]*point{}, byID: map[string]*cgroup{}, empty: map[string]string{}, postings: map[int32][]posting{}, ids: map[string]int32{}}
}

// term returns the id of an analysed term, numbering it on first sight.
func (m *model) term(name string) int32 {
	id, ok := m.ids[name]
	if !ok {
		id = int32(len(m.names))
		m.ids[name] = id
		m.names = append(m.names, name)
		m.df = append(m.df, 0)
		m.surface = append(m.surface, map[string]int{})
	}
	return id
}

// word is the surface form written most often for term id among the live points (ties: the
// shortest, then the first in order).
func (m *model) word(id int32) string {
	best, n := m.names[id], 0
	for s, c := range m.surface[id] {
		if c > n || c == n && (len(s) < len(best) || len(s) == len(best) && s < best) {
			best, n = s, c
		}
	}
	return best
}

// encodeTerms is the stored form of a point's terms: "term surface weight" triples (the
// weights exactly, as the shortest decimal that reads back as the same float).
func (m *model) encodeTerms(p *point) string {
	var b strings.Builder
	for i, t := range p.terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(m.names[t])
		b.WriteByte(' ')
		b.WriteString(p.surf[i])
		b.WriteByte(' ')
		b.WriteString(strconv.FormatFloat(p.w[i], 'g', -1, 64))
	}
	return b.String()
}

// decode makes a model point of a stored one.
func (m *model) decode(sp balai.UnansweredPoint) (*point, error) {
	p := &point{at: sp.At.UnixMilli(), q: sp.AskedQuestion, seq: sp.Seq, cluster: sp.Cluster, enc: sp.Terms}
	f := strings.Fields(sp.Terms)
	if len(f)%3 != 0 {
		return nil, fmt.Errorf("unanswered: point %s: terms %q", sp.Ref, sp.Terms)
	}
	for i := 0; i < len(f); i += 3 {
		w, err := strconv.ParseFloat(f[i+2], 64)
		if err != nil {
			return nil, fmt.Errorf("unanswered: point %s: %w", sp.Ref, err)
		}
		p.terms, p.surf, p.w = append(p.terms, m.term(f[i])), append(p.surf, f[i+1]), append(p.w, w)
	}
	if len(p.terms) == 0 {
		p.key = strings.ToLower(strings.TrimSpace(p.q.Text))
	}
	return p, nil
}

// add puts p in its cluster (which it may found) and counts it.
func (m *model) add(p *point) {
	m.points[p.q.Ref] = p
	m.n++
	for i, t := range p.terms {
		m.df[t]++
		m.surface[t][p.surf[i]]++
	}
	if len(p.terms) == 0 {
		if _, ok := m.empty[p.key]; !ok {
			m.empty[p.key] = p.cluster
		}
	}
	g := m.byID[p.cluster]
	if g == nil {
		g = &cgroup{id: p.cluster, ix: int32(len(m.groups)), slot: map[int32]int32{}}
		m.groups = append(m.groups, g)
		m.byID[p.cluster] = g
	}
	if k := len(g.members); k > 0 && g.members[k-1].seq > p.seq {
		i, _ := slices.BinarySearchFunc(g.members, p.seq, func(a *point, s int64) int { return cmp.Compare(a.seq, s) })
		g.members = slices.Insert(g.members, i, p)
		m.refold(g)
		return
	}
	g.members = append(g.members, p)
	m.fold(g, p)
}

// fold adds p's vector to g's sum.
func (m *model) fold(g *cgroup, p *point) {
	for i, t := range p.terms {
		slot, had := g.slot[t]
		if !had {
			slot = int32(len(g.w))
			g.slot[t] = slot
			g.w = append(g.w, 0)
			m.postings[t] = append(m.postings[t], posting{g.ix, slot})
		}
		old := g.w[slot]
		nw := old + p.w[i]
		g.w[slot] = nw
		g.norm2 += nw*nw - old*old
	}
}

// refold adds g's sum up again from its members, in order.
func (m *model) refold(g *cgroup) {
	for t := range g.slot {
		m.postings[t] = slices.DeleteFunc(m.postings[t], func(e posting) bool { return e.g == g.ix })
		if len(m.postings[t]) == 0 {
			delete(m.postings, t)
		}
	}
	g.slot, g.w, g.norm2 = map[int32]int32{}, nil, 0
	for _, p := range g.members {
		m.fold(g, p)
	}
}

// drop takes the live point of ref out of the model.
func (m *model) drop(ref string) {
	p := m.points[ref]
	if p == nil {
		return
	}
	delete(m.points, ref)
	m.n--
	for i, t := range p.terms {
		m.df[t]--
		if m.surface[t][p.surf[i]]--; m.surface[t][p.surf[i]] <= 0 {
			delete(m.surface[t], p.surf[i])
		}
	}
	g := m.byID[p.cluster]
	g.members = slices.DeleteFunc(g.members, func(x *point) bool { return x == p })
	if len(p.terms) == 0 && m.empty[p.key] == g.id && !slices.ContainsFunc(g.members, func(x *point) bool { return x.key == p.key }) {
		delete(m.empty, p.key)
	}
	m.refold(g)
	if len(g.members) == 0 {
		m.groups[g.ix] = nil
		delete(m.byID, g.id)
	}
}

// replace puts np in p's place: the same question, clustered the same, with other fields.
func (m *model) replace(p, np *point) {
	m.points[p.q.Ref] = np
	g := m.byID[p.cluster]
	if i := slices.Index(g.members, p); i >= 0 {
		g.members[i] = np
	}
}

// vectorOf weighs a new question's terms by their idf among the live points and itself,
// normalised.
func (m *model) vectorOf(terms []int32) []float64 {
	n := float64(max(m.n+1, idfPrior))
	w := make([]float64, len(terms))
	var l2 float64
	for i, t := range terms {
		w[i] = math.Log(1 + n/float64(m.df[t]+1))
		l2 += w[i] * w[i]
	}
	l := math.Sqrt(l2)
	for i := range w {
		w[i] /= l
	}
	return w
}

// assign returns the cluster a new point with terms and vector w joins: the one whose sum
// is most similar (cosine) if that reaches threshold (ties: the older cluster), else "".
// Similarities are accumulated over the terms' postings; a term in more than maxPosting
// clusters is not walked, and its share is bounded (a unit vector's component) so that a
// cluster it could still make the best is scored exactly.
func (m *model) assign(terms []int32, w []float64, threshold float64, acc []float64) string {
	var touched []int32
	var long []int
	var slack float64
	for i, t := range terms {
		ps := m.postings[t]
		if len(ps) > maxPosting {
			long = append(long, i)
			slack += w[i]
			continue
		}
		for _, e := range ps {
			if acc[e.g] == 0 {
				touched = append(touched, e.g)
			}
			acc[e.g] += w[i] * m.groups[e.g].w[e.slot]
		}
	}
	var best *cgroup
	bestScore := threshold
	for _, gi := range touched {
		g := m.groups[gi]
		score := acc[gi] / math.Sqrt(g.norm2)
		acc[gi] = 0
		if score+slack < bestScore {
			continue
		}
		if len(long) > 0 {
			var dot float64
			for _, i := range long {
				if k, ok := g.slot[terms[i]]; ok {
					dot += w[i] * g.w[k]
				}
			}
			score += dot / math.Sqrt(g.norm2)
		}
		if score > bestScore || score == bestScore && (best == nil || g.order() < best.order()) {
			best, bestScore = g, score
		}
	}
	if best == nil {
		return ""
	}
	return best.id
}

// apply brings the model up to the stored points of d (a reload or the changed ones).
func (m *model) apply(d balai.PointsDelta) (*model, error) {
	if d.Reload || m == nil {
		m = newModel()
	}
	for _, sp := range d.Points {
		old := m.points[sp.Ref]
		if sp.Cluster == "" {
			m.drop(sp.Ref)
			continue
		}
		p, err := m.decode(sp)
		if err != nil {
			return nil, err
		}
		if old != nil && old.seq == p.seq && old.cluster == p.cluster && old.enc == p.enc {
			p.key = old.key
			m.replace(old, p) // its shown fields changed
			continue
		}
		m.drop(sp.Ref)
		m.add(p)
	}
	m.state = d.State
	return m, nil
}

// syncDelta brings m up to d's stored points, runs d's news through it, and returns the
// model and the points to store (new, changed, and left ones with Cluster "").
func (s *Service) syncDelta(m *model, d balai.PointsDelta) (*model, []balai.UnansweredPoint, error) {
	m, err := m.apply(d)
	if err != nil {
		return nil, nil, err
	}
	if !d.Full && len(d.Chats) == 0 {
		return m, nil, nil
	}
	inScope := func(p *point) bool { return true }
	if !d.Full {
		chats := map[balai.ChatRef]bool{}
		for _, c := range d.Chats {
			chats[c] = true
		}
		inScope = func(p *point) bool { return chats[balai.ChatRef{Channel: p.q.Channel, ID: p.q.Chat}] }
	}
	var out []balai.UnansweredPoint
	derived := map[string]bool{}
	var fresh []balai.AskedQuestion
	for _, q := range d.Asked {
		q.Text, q.Answer = redact.String(q.Text), redact.String(q.Answer) // nothing unmasked beyond this point
		derived[q.Ref] = true
		p := m.points[q.Ref]
		switch {
		case p == nil:
			fresh = append(fresh, q)
		case p.q.Text != q.Text:
			m.drop(q.Ref) // its text changed: it is clustered again
			fresh = append(fresh, q)
		case p.q != q:
			np := *p
			np.q, np.at = q, q.At.UnixMilli()
			m.replace(p, &np)
			out = append(out, np.stored())
		}
	}
	var left []*point
	for _, p := range m.points {
		if !derived[p.q.Ref] && inScope(p) {
			left = append(left, p)
		}
	}
	slices.SortFunc(left, func(a, b *point) int { return cmp.Compare(a.seq, b.seq) })
	for _, p := range left {
		m.drop(p.q.Ref)
		out = append(out, balai.UnansweredPoint{AskedQuestion: p.q, Seq: p.seq}) // Cluster "": left
	}
	slices.SortFunc(fresh, func(a, b balai.AskedQuestion) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	seq := m.state.Seq
	var acc []float64
	for _, q := range fresh {
		seq++
		p := &point{at: q.At.UnixMilli(), q: q, seq: seq}
		type ts struct {
			id   int32
			surf string
		}
		var found []ts
		for _, t := range s.a.Analyze(q.Text) {
			if askingWords[t.Text] {
				continue
			}
			id := m.term(t.Text)
			if !slices.ContainsFunc(found, func(x ts) bool { return x.id == id }) {
				found = append(found, ts{id, t.Surface})
			}
		}
		slices.SortFunc(found, func(a, b ts) int { return strings.Compare(m.names[a.id], m.names[b.id]) })
		for _, x := range found {
			p.terms, p.surf = append(p.terms, x.id), append(p.surf, x.surf)
		}
		if len(p.terms) == 0 {
			p.key = strings.ToLower(strings.TrimSpace(q.Text))
			p.cluster = m.empty[p.key]
		} else {
			p.w = m.vectorOf(p.terms)
			if len(acc) < len(m.groups) {
				acc = append(acc, make([]float64, len(m.groups)-len(acc))...)
			}
			p.cluster = m.assign(p.terms, p.w, s.threshold, acc)
		}
		if p.cluster == "" {
			p.cluster = q.Ref
		}
		p.enc = m.encodeTerms(p)
		m.add(p)
		out = append(out, p.stored())
	}
	return m, out, nil
}
