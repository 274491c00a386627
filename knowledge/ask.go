package knowledge

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/indonesian"
)

// Decision is what to do with a question.
type Decision string

const (
	// Answer: one entry fits with confidence; send its body.
	Answer Decision = "answer"
	// Suggest: a few entries might fit; let the citizen choose.
	Suggest Decision = "suggest"
	// Confirm: one entry might fit, not confidently: ask the citizen whether it is the one
	// ("Maksud Anda: …?") before answering or handing over. Suggestions holds it.
	Confirm Decision = "confirm"
	// Escalate: nothing fits well enough, or the topic always needs a human.
	Escalate Decision = "escalate"
	// Refuse: the message asks for something Balai does not serve (forgery, a bribe, getting
	// round a rule, someone else's data) or instructs the assistant itself: the caller replies
	// with a short refusal (Result.Topic says which) and answers nothing from the corpus.
	Refuse Decision = "refuse"
)

// Reason codes say why a decision was taken.
const (
	ReasonConfident = "confident"     // answer
	ReasonUnsure    = "unsure"        // suggest: candidates, none confident
	ReasonSingle    = "single"        // confirm: one candidate, not confident
	ReasonTie       = "near_tie"      // suggest: confident, but siblings score within the tie margin
	ReasonNoMatch   = "no_match"      // escalate: confidence too low
	ReasonNoContent = "no_content"    // escalate: no meaningful words (greeting, thanks, emoji)
	ReasonTopic     = "human_topic"   // escalate: always-human topic
	ReasonStale     = "stale_entry"   // escalate: the fitting entry is past its review date
	ReasonSmallTalk = "small_talk"    // escalate: a greeting, thanks or chat, for the caller to reply to itself
	ReasonRefused   = "refused_topic" // refuse: a refusal topic
)

// Thresholds decide between the three outcomes from the top candidate's confidence.
type Thresholds struct {
	// Answer is the minimum confidence to answer.
	Answer float64 `json:"answer"`
	// Suggest is the minimum confidence of the top candidate to suggest; below, escalate.
	Suggest float64 `json:"suggest"`
	// SuggestRatio: further suggestions need at least this share of the top confidence.
	SuggestRatio float64 `json:"suggest_ratio"`
	// MaxSuggestions is how many entries a suggestion offers (2–3).
	MaxSuggestions int `json:"max_suggestions"`
	// TieMargin: entries within this much of a confident top are offered with it instead of
	// answering (siblings of one procedure in several situations).
	TieMargin float64 `json:"tie_margin"`
}

// DefaultThresholds are those of the embedded calibration (chosen by `balai calibrate`).
func DefaultThresholds() Thresholds { return defaultCalibration.Thresholds }

// Validate checks that the thresholds are ordered and in range.
func (t Thresholds) Validate() error {
	if t.Answer <= 0 || t.Answer > 1 || t.Suggest < 0 || t.Suggest > t.Answer {
		return fmt.Errorf("knowledge: thresholds must satisfy 0 <= suggest (%.2f) <= answer (%.2f) <= 1", t.Suggest, t.Answer)
	}
	if t.MaxSuggestions < 1 || t.MaxSuggestions > 10 {
		return fmt.Errorf("knowledge: max suggestions %d out of 1..10", t.MaxSuggestions)
	}
	return nil
}

// Candidate is an entry that may answer the question.
type Candidate struct {
	Entry      *faq.Entry
	Confidence float64 // calibrated, in [0,1]
	Features   Features
}

// Features are the evidence a confidence is computed from.
type Features struct {
	BM25           float64 `json:"bm25"`            // BM25 score from corpus statistics (not comparable across questions)
	Coverage       float64 `json:"coverage"`        // share of the question's weight the entry contains (body counts half)
	StrongCoverage float64 `json:"strong_coverage"` // share found in questions, title or keywords
	Phrasing       float64 `json:"phrasing"`        // similarity to the closest question or title of the entry
	PhraseCover    float64 `json:"phrase_cover"`    // share of the best-covered question or title found in the question
	TitleCover     float64 `json:"title_cover"`     // share of the title found in the question
	MissMax        float64 `json:"miss_max"`        // weight of the heaviest question term the entry lacks, as a share of the question
	MissIDF        float64 `json:"miss_idf"`        // that term's weight relative to the weight of a word the corpus does not have
	MissStrong     float64 `json:"miss_strong"`     // heaviest question term absent from the entry's questions, title and keywords, as a share
	Unknown        float64 `json:"unknown"`         // share of the question's weight in words the corpus does not have
	Terms          int     `json:"terms"`           // distinct terms of the question
	BM25Rel        float64 `json:"bm25_rel"`        // BM25 relative to the best candidate's
	Relevance      float64 `json:"relevance"`       // coverage and phrasing combined
	Score          float64 `json:"score"`           // ranking score: BM25Rel and Relevance combined
	Margin         float64 `json:"margin"`          // Score minus the best Score of a candidate with another answer (duplicates are one answer)
	Crowd          int     `json:"crowd"`           // candidates with another answer within crowdBand of this one's Score (siblings)
	Entries        int     `json:"entries"`         // entries in the corpus
	Closest        string  `json:"closest"`         // the closest phrasing
	// DistinctMiss is what the entry says that its rivals do not and the question does not
	// either: the weight of the terms of its best-covered phrasing missing from the question,
	// each counted by how few of the other candidates share it, as a share of the question's
	// weight. An entry for a particular situation ("KTP-el orang asing yang hilang") among
	// siblings has a qualifier that a question about the plain case ("ktp saya hilang")
	// lacks; see distinctMiss.
	DistinctMiss float64 `json:"distinct_miss"`

	closest int // index of the closest phrasing: 0 title, then questions
}

// Result is the outcome of a question.
type Result struct {
	Question   string
	Decision   Decision
	Reason     string // one of the Reason codes
	Candidates []Candidate
	// Suggestions are the candidates to offer when Decision is Suggest.
	Suggestions []Candidate
	// Topic is the topic that decided, if any: an always-human topic (Escalate) or a
	// refusal topic (Refuse).
	Topic *Topic
	// Yielded is an always-human topic the message matched that the corpus answers itself:
	// the answered entry is asked the same way (see askedAlike). Topic is then nil.
	Yielded *Topic
	// SmallTalk is the kind of small talk (greeting, thanks, bye, chitchat) when the message
	// is nothing else.
	SmallTalk *Topic
	// Stale is the entry that would have answered but is past its review date.
	Stale *faq.Entry
	// Lang is the citizen's language: "id" or "en".
	Lang    string
	Explain *Explanation

	human      *Topic              // the always-human topic matched, for Decide
	askedAlike map[*faq.Entry]bool // entries asked the way the message matched its topics
}

// Top returns the best candidate, if any.
func (r *Result) Top() (Candidate, bool) {
	if len(r.Candidates) == 0 {
		return Candidate{}, false
	}
	return r.Candidates[0], true
}

// Explanation shows how a question was read and scored.
type Explanation struct {
	Words       []string      `json:"words"`
	Corrections []Correction  `json:"corrections,omitempty"`
	Terms       []ExplainTerm `json:"terms"`
	Topic       string        `json:"topic,omitempty"`
	Pattern     string        `json:"pattern,omitempty"`
	Focus       []string      `json:"focus,omitempty"` // the sentences that ask, weighed above their context
	Summary     string        `json:"summary"`
}

// Correction is a misspelt word read as a corpus word.
type Correction struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Distance int    `json:"distance"`
}

// ExplainTerm is one term of the question with its weight.
type ExplainTerm struct {
	Term    string  `json:"term"`
	Surface string  `json:"surface"`
	IDF     float64 `json:"idf"`
	Weight  float64 `json:"weight"`
	Known   bool    `json:"known"` // occurs in the corpus
}

// AskOption changes how one question is handled.
type AskOption func(*askConfig)

type askConfig struct{ explain bool }

// WithExplain fills Result.Explain.
func WithExplain() AskOption { return func(c *askConfig) { c.explain = true } }

// candidatesK is how many entries, the best by BM25 (see rank), are scored. Among a
// thousand siblings the right entry is often not among BM25's best ten (3.3 % of the
// agency sheet's calibration messages) although the features then rank it near the top;
// twenty find 98.5 %.
const candidatesK = 20

// Ask reads a citizen's question and decides.
func (ix *Index) Ask(ctx context.Context, text string, opts ...AskOption) (*Result, error) {
	var cfg askConfig
	for _, o := range opts {
		o(&cfg)
	}
	s, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	words := indonesian.Words(text)
	res := &Result{Question: text, Lang: indonesian.DetectLanguage(words)}
	if cfg.explain {
		res.Explain = &Explanation{}
	}
	if t, ok := smallTalk(s.chat, words, s.analyzer); ok {
		res.Decision, res.Reason, res.SmallTalk = Escalate, ReasonSmallTalk, t
		if res.Explain != nil {
			res.Explain.Words = words
			res.Explain.Summary = fmt.Sprintf("small talk (%s)", t.ID)
		}
		return res, nil
	}
	// The first topic found decides: a refusal at once; an always-human topic after scoring,
	// since it yields to an entry that is asked the same way (applyTopic).
	topics := matchTopics(s.topics, readings(words, s.analyzer))
	if t := topics.first; t != nil {
		if res.Explain != nil {
			res.Explain.Topic, res.Explain.Pattern = t.ID, topics.pattern
		}
		if t.Kind == TopicRefuse {
			res.Decision, res.Reason, res.Topic = Refuse, ReasonRefused, t
			if res.Explain != nil {
				res.Explain.Words = words
				res.Explain.Summary = fmt.Sprintf("refusal topic %q matched pattern %q", t.ID, topics.pattern)
			}
			return res, nil
		}
		res.human = t
	}

	focus := focusWeights(text, s.analyzer)
	best, err := ix.score(s, focus, res.Lang, res.Explain)
	if err != nil {
		return nil, err
	}
	res.Candidates = best.cands
	res.askedAlike = topics.askedAlike(res.Candidates, s.analyzer)
	if best.noContent {
		res.Decision, res.Reason = Escalate, ReasonNoContent
		if res.human != nil {
			res.Reason, res.Topic = ReasonTopic, res.human
		}
	} else {
		Decide(res, ix.opts.Thresholds, ix.opts.Now())
		if res.Reason == ReasonStale {
			ix.opts.Logger.Warn("Stale entry matched; escalating instead of answering",
				"entry", res.Stale.ID, "review_by", res.Stale.ReviewBy.Format(faq.DateLayout), "owner", res.Stale.Owner)
		}
	}
	if res.Explain != nil {
		res.Explain.Summary = summary(res, ix.opts.Thresholds)
		if t := res.Yielded; t != nil {
			top, _ := res.Top()
			res.Explain.Summary = fmt.Sprintf("always-human topic %q (pattern %q) yields: %s is asked the same way; %s", t.ID, res.Explain.Pattern, top.Entry.ID, res.Explain.Summary)
		}
	}
	return res, nil
}

// contextWeight is the weight of words outside the sentences that ask the question, in a
// message that tells a story before (or after) asking: "Anak saya lahir di bidan minggu lalu.
// Bagaimana cara mengurus akta kelahirannya?"
const contextWeight = 0.5

// questionCues are words (after rewriting) that mark a sentence as the question.
var questionCues = map[string]bool{
	"bagaimana": true, "apa": true, "apakah": true, "berapa": true, "kapan": true, "dimana": true,
	"mana": true, "siapa": true, "kenapa": true, "mengapa": true, "bisa": true, "bisakah": true,
	"boleh": true, "bolehkah": true, "syarat": true, "cara": true, "harus": true, "haruskah": true,
	"perlu": true, "perlukah": true, "adakah": true, "kah": true, "gimana": true,
}

// focused is the question split into words, each with the weight of its sentence.
type focused struct {
	words   []string
	weights []float64
	asks    []string // the sentences that ask, when the message has context around them
}

// focusWeights tokenises text sentence by sentence and weighs the words of sentences that
// do not ask anything at contextWeight, when other sentences do.
func focusWeights(text string, a *indonesian.Analyzer) focused {
	var ss []sentence
	for _, raw := range strings.FieldsFunc(text, func(r rune) bool {
		return r == '.' || r == '!' || r == '\n' || r == ';'
	}) {
		// A question mark ends a sentence too, and marks it as asking.
		for _, p := range strings.SplitAfter(raw, "?") {
			if ws := indonesian.Words(p); len(ws) > 0 {
				p = strings.TrimSpace(p)
				ss = append(ss, sentence{words: ws, asks: strings.HasSuffix(p, "?"), text: p})
			}
		}
	}
	contextual := markAsking(ss, a)
	var f focused
	for _, s := range ss {
		w := 1.0
		if contextual && !s.asks {
			w = contextWeight
		}
		if contextual && s.asks {
			f.asks = append(f.asks, s.text)
		}
		for _, word := range s.words {
			f.words = append(f.words, word)
			f.weights = append(f.weights, w)
		}
	}
	return f
}

// sentence is one sentence of a question, as read by focusWeights.
type sentence struct {
	words []string
	asks  bool
	text  string
}

// markAsking marks the sentences of ss that ask and reports whether the message has
// context around them: several sentences, some but not all of them asking. A message of
// one sentence is not analysed further.
func markAsking(ss []sentence, a *indonesian.Analyzer) bool {
	if len(ss) < 2 {
		return false
	}
	nAsk := 0
	for i := range ss {
		for _, w := range a.Rewrite(ss[i].words) {
			ss[i].asks = ss[i].asks || questionCues[w]
		}
		if ss[i].asks {
			nAsk++
		}
	}
	if nAsk == 0 || nAsk == len(ss) {
		return false
	}
	// Context weighs less only when the asking sentences say what they ask about: "Bagaimana
	// prosedurnya?" after "Saya ingin mengganti nama." asks about the first sentence.
	content := 0
	for _, s := range ss {
		if !s.asks {
			continue
		}
		for _, t := range a.AnalyzeWords(s.words) {
			if !questionCues[t.Surface] && !questionCues[t.Text] {
				content++
			}
		}
	}
	return content >= 2
}

// scored is the ranking of one reading of the question.
type scored struct {
	cands     []Candidate
	noContent bool
}

// qterm is a question term with its weight.
type qterm struct {
	text, surface string
	id            termID
	known         bool
	idf, w        float64 // w = weight × idf
}

func (ix *Index) score(s *snapshot, fq focused, lang string, ex *Explanation) (scored, error) {
	st := s.stats
	words := fq.words
	// Correct misspelt words against the corpus vocabulary before analysis, so that
	// "pendaftran" becomes "pendaftaran" and then stems like it.
	fixed := make([]string, len(words))
	dist := make([]int, len(words))
	phrase := s.analyzer.InPhrase(words)
	for i, w := range words {
		fixed[i] = w
		if len(w) < 4 || isNumber(w) || phrase[i] || st.fix.known(w) || s.analyzer.Known(w) {
			continue
		}
		if stem := s.analyzer.Stem(w); stem != w {
			continue // a correctly formed word of a known root ("melahirkan")
		}
		if c, d := st.fix.correct(w); c != "" {
			fixed[i], dist[i] = c, d
			if ex != nil {
				ex.Corrections = append(ex.Corrections, Correction{From: w, To: c, Distance: d})
			}
		} else if c := st.fix.complete(w); c != "" {
			fixed[i], dist[i] = c, 2 // a clipped word weighs like a distant correction
			if ex != nil {
				ex.Corrections = append(ex.Corrections, Correction{From: w, To: c, Distance: 2})
			}
		}
	}
	if ex != nil {
		ex.Words = words
		ex.Focus = fq.asks
	}
	terms := s.analyzer.AnalyzeWords(fixed)
	var qts []qterm
	seen := map[string]int{}
	for _, t := range terms {
		weight := fq.weights[t.Src]
		if d := dist[t.Src]; d > 0 {
			weight *= 0.75 - 0.15*float64(d-1)
		}
		if i, ok := seen[t.Text]; ok {
			// A repeated term counts once, with its best weight.
			if weight*qts[i].idf > qts[i].w {
				qts[i].w = weight * qts[i].idf
			}
			continue
		}
		id, known := st.vocab[t.Text]
		var df uint32
		if known {
			df = st.df[id]
		}
		idf := st.idf(df)
		if !known && lang == indonesian.LangEN {
			// Our English is a dictionary of the main terms: an English word outside it says
			// little about whether the topic is covered.
			weight *= 0.5
		}
		seen[t.Text] = len(qts)
		qts = append(qts, qterm{text: t.Text, surface: t.Surface, id: id, known: known, idf: idf, w: weight * idf})
	}
	capUnknown(qts)
	if ex != nil {
		for _, q := range qts {
			ex.Terms = append(ex.Terms, ExplainTerm{Term: q.text, Surface: q.surface, IDF: round3(q.idf), Weight: round3(q.w), Known: q.known})
		}
	}
	if len(qts) == 0 {
		return scored{noContent: true}, nil
	}

	hits := st.rank(searchTerms(qts, st), candidatesK)
	if len(hits) == 0 {
		return scored{}, nil
	}
	var total float64
	for _, q := range qts {
		total += q.w
	}
	cands := make([]Candidate, 0, len(hits))
	for _, h := range hits {
		e := s.corpus.Entries[h.entry]
		f := features(st, h.entry, qts, total)
		f.BM25 = h.score
		f.Entries = len(s.corpus.Entries)
		f.Closest = phrasingText(e, f.closest)
		cands = append(cands, Candidate{Entry: e, Features: f})
	}
	distinctMiss(st, hits, qts, total, cands)
	calibrate(cands, ix.opts.Model)
	return scored{cands: cands}, nil
}

// A term in more than commonShare of the entries, and more than commonMin entries, is too
// common to search for in a large corpus: its posting list is long and its BM25 weight small.
// It still counts in the features. Small corpora search every term.
const (
	commonShare = 0.08
	commonMin   = 400
)

// searchTerms picks the known terms to search bleve with: every term rarer than
// commonShare, and at least the two rarest terms.
func searchTerms(qts []qterm, st *stats) []qterm {
	var known []qterm
	for _, q := range qts {
		if q.known {
			known = append(known, q)
		}
	}
	sort.Slice(known, func(a, b int) bool { return st.df[known[a].id] < st.df[known[b].id] })
	limit := uint32(max(commonShare*float64(st.n), commonMin))
	for i, q := range known {
		if i >= 2 && st.df[q.id] > limit {
			return known[:i]
		}
	}
	return known
}

// features computes the evidence for entry i against the question terms.
func features(st *stats, i int, qts []qterm, total float64) Features {
	et := &st.entries[i]
	var cov, strong, missMax, missStrong, unknown float64
	for _, q := range qts {
		if !q.known {
			unknown += q.w
			missMax = math.Max(missMax, q.w)
			missStrong = math.Max(missStrong, q.w)
			continue
		}
		fl := et.lookup(q.id)
		if fl == 0 {
			missMax = math.Max(missMax, q.w)
		}
		if fl&fStrong == 0 {
			missStrong = math.Max(missStrong, q.w)
		}
		switch {
		case fl&fStrong != 0:
			cov += q.w
			strong += q.w
		case fl&fBody != 0:
			cov += 0.5 * q.w
		}
	}
	f := Features{Coverage: cov / total, StrongCoverage: strong / total, MissMax: missMax / total,
		MissIDF: missMax / st.idf(0), MissStrong: missStrong / total, Unknown: unknown / total, Terms: len(qts)}
	// Phrasing: weighted Dice similarity between the question and each phrasing; phrase
	// cover: the share of a phrasing's weight that the question contains.
	best, bestJ := 0.0, 0
	for j, ph := range st.phrasings[i] {
		if len(ph) == 0 {
			continue
		}
		var inter, phw, covered float64
		for _, id := range ph {
			phw += st.idf(st.df[id])
		}
		for _, q := range qts {
			if q.known && containsID(ph, q.id) {
				inter += q.w + q.idf // both sides' weight of the shared term
				covered += q.idf * math.Min(1, q.w/q.idf*2)
			}
		}
		if d := inter / (total + phw); d > best {
			best, bestJ = d, j
		}
		c := covered / phw
		if j == 0 {
			f.TitleCover = c
		}
		f.PhraseCover = math.Max(f.PhraseCover, c)
	}
	f.Phrasing, f.closest = best, bestJ
	return f
}

func containsID(ids []termID, id termID) bool {
	k := sort.Search(len(ids), func(i int) bool { return ids[i] >= id })
	return k < len(ids) && ids[k] == id
}

// phrasingText turns the index of a phrasing (0 = title) into its text.
func phrasingText(e *faq.Entry, k int) string {
	if k == 0 {
		return e.SearchTitle()
	}
	if k-1 < len(e.Questions) {
		return e.Questions[k-1]
	}
	return ""
}

// Decide sets the decision of a scored result for thresholds th at time now. Ask calls it;
// an evaluation calls it again to sweep thresholds without searching again. Refusals,
// small talk and results without content keep their decision; a result that matched an
// always-human topic is escalated unless the topic yields to a confident answer.
func Decide(res *Result, th Thresholds, now time.Time) {
	switch {
	case res.Reason == ReasonRefused || res.Reason == ReasonNoContent || res.Reason == ReasonSmallTalk:
		return
	case res.Reason == ReasonTopic && res.human == nil:
		return // escalated by whoever built the result
	}
	res.Topic, res.Yielded = nil, nil
	decideScores(res, th, now)
	if res.human != nil {
		res.applyTopic()
	}
}

// decideScores decides from the candidates' confidences alone.
func decideScores(res *Result, th Thresholds, now time.Time) {
	res.Suggestions, res.Stale = nil, nil
	if len(res.Candidates) == 0 {
		res.Decision, res.Reason = Escalate, ReasonNoMatch
		return
	}
	top := res.Candidates[0]
	switch {
	case top.Confidence >= th.Answer:
		if top.Entry.Stale(now) {
			res.Decision, res.Reason, res.Stale = Escalate, ReasonStale, top.Entry
			return
		}
		res.Decision, res.Reason = Answer, ReasonConfident
		// Siblings within a hair of the top are not a confident answer: offer them. Entries
		// with the same answer (duplicates) count as one.
		ties := []Candidate{top}
		for _, c := range res.Candidates[1:] {
			if len(ties) == th.MaxSuggestions || c.Confidence < top.Confidence-th.TieMargin {
				break
			}
			if !c.Entry.Stale(now) && !sameAnswer(ties, c.Entry) {
				ties = append(ties, c)
			}
		}
		if len(ties) > 1 {
			res.Suggestions = ties
			res.Decision, res.Reason = Suggest, ReasonTie
		}
	case top.Confidence >= th.Suggest || askedBroadly(res.Candidates):
		for _, c := range res.Candidates {
			if len(res.Suggestions) == th.MaxSuggestions {
				break
			}
			if c.Entry.Stale(now) || c.Confidence < th.SuggestRatio*top.Confidence {
				continue
			}
			res.Suggestions = append(res.Suggestions, c)
		}
		switch {
		case len(res.Suggestions) == 0 && top.Entry.Stale(now):
			res.Decision, res.Reason, res.Stale = Escalate, ReasonStale, top.Entry
			return
		case len(res.Suggestions) == 1 && res.Suggestions[0].Entry == top.Entry:
			// One candidate that is not confident: the citizen confirms it, or not.
			res.Decision, res.Reason = Confirm, ReasonSingle
			return
		case len(res.Suggestions) == 1:
			// The best fit is past review and one other entry is left: not what was asked.
			res.Suggestions = nil
			res.Decision, res.Reason, res.Stale = Escalate, ReasonStale, top.Entry
			return
		}
		res.Decision, res.Reason = Suggest, ReasonUnsure
	default:
		res.Decision, res.Reason = Escalate, ReasonNoMatch
	}
}

// capUnknown keeps a word the corpus does not have from outweighing the words it has: its
// idf (the highest, df 0) is capped at the heaviest known word's of the question. A slang
// word or a name Balai cannot read ("tu", "bu rt") still counts against coverage, but no
// more than the most telling word it can read.
func capUnknown(qts []qterm) {
	var maxKnown float64
	for _, q := range qts {
		if q.known {
			maxKnown = math.Max(maxKnown, q.idf)
		}
	}
	if maxKnown == 0 {
		return
	}
	for i := range qts {
		if q := &qts[i]; !q.known && q.idf > maxKnown {
			q.w *= maxKnown / q.idf
			q.idf = maxKnown
		}
	}
}

// askedBroadly tells whether the question is too broad to choose an entry, rather than
// unknown: every word of it is in the questions, titles or keywords of two or more entries
// ("ktp" in a corpus of KTP-el procedures). The citizen is offered them, not an officer.
func askedBroadly(cands []Candidate) bool {
	n := 0
	for _, c := range cands {
		if c.Features.StrongCoverage >= 0.999 && c.Features.Unknown == 0 {
			n++
		}
	}
	return n >= 2
}

// sameAnswer tells whether e answers like one of cs (a duplicate entry).
func sameAnswer(cs []Candidate, e *faq.Entry) bool {
	for _, c := range cs {
		if sameBody(c.Entry, e) {
			return true
		}
	}
	return false
}

// sameBody tells whether two entries give the same answer (duplicate rows of a sheet).
func sameBody(a, b *faq.Entry) bool {
	return a == b || strings.TrimSpace(a.Body) == strings.TrimSpace(b.Body)
}

func summary(res *Result, th Thresholds) string {
	top, ok := res.Top()
	switch {
	case res.Reason == ReasonTopic:
		return fmt.Sprintf("always-human topic %q matched pattern %q", res.Topic.ID, res.Explain.Pattern)
	case res.Reason == ReasonNoContent:
		return "no meaningful words after analysis"
	case !ok:
		return "no entry shares a word with the question"
	case res.Decision == Answer:
		return fmt.Sprintf("top %s confidence %.3f >= answer threshold %.2f", top.Entry.ID, top.Confidence, th.Answer)
	case res.Reason == ReasonTie:
		return fmt.Sprintf("top %s confidence %.3f >= answer threshold %.2f, but %d more within %.2f: suggest them", top.Entry.ID, top.Confidence, th.Answer, len(res.Suggestions)-1, th.TieMargin)
	case res.Decision == Suggest && top.Confidence < th.Suggest:
		return fmt.Sprintf("top %s confidence %.3f < suggest threshold %.2f, but every word of the question is in %d entries' questions or titles (a broad question): suggest them", top.Entry.ID, top.Confidence, th.Suggest, len(res.Suggestions))
	case res.Decision == Suggest:
		return fmt.Sprintf("top %s confidence %.3f in [%.2f, %.2f): suggest %d", top.Entry.ID, top.Confidence, th.Suggest, th.Answer, len(res.Suggestions))
	case res.Decision == Confirm:
		return fmt.Sprintf("top %s confidence %.3f in [%.2f, %.2f), the only candidate: ask to confirm", top.Entry.ID, top.Confidence, th.Suggest, th.Answer)
	case res.Reason == ReasonStale:
		return fmt.Sprintf("entry %s fits but is past review_by %s", res.Stale.ID, res.Stale.ReviewBy.Format(faq.DateLayout))
	default:
		return fmt.Sprintf("top %s confidence %.3f < suggest threshold %.2f", top.Entry.ID, top.Confidence, th.Suggest)
	}
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// distinctMiss sets Features.DistinctMiss of the candidates found by hits. A term of a
// candidate's questions, title or keywords is distinctive by the share of the other
// candidates that lack it there: 1 when no other has it, 0 when all do. For each phrasing
// (title or question) of a candidate, the distinctive weight (idf × distinctiveness) of its
// terms the question lacks is summed; the smallest over its phrasings, relative to the
// question's weight, is the feature. Terms the siblings share ("akta", "kematian", "syarat")
// cost nothing; a qualifier only this candidate has ("kota lain", "orang asing") costs its
// full weight when the question does not say it. With one candidate there is no sibling to
// tell apart, and the feature is 0.
// sharedPool holds the term counts of distinctMiss between questions.
var sharedPool = sync.Pool{New: func() any { return make(map[termID]int, 512) }}

func distinctMiss(st *stats, hits []hit, qts []qterm, total float64, cands []Candidate) {
	k := len(hits)
	if k < 2 || total == 0 {
		return
	}
	// shared counts the candidates with the term in a strong field.
	shared := sharedPool.Get().(map[termID]int)
	defer func() {
		clear(shared)
		sharedPool.Put(shared)
	}()
	for _, h := range hits {
		for _, id := range st.entries[h.entry].strong {
			shared[id]++
		}
	}
	inQuestion := func(id termID) bool {
		for _, q := range qts {
			if q.known && q.id == id {
				return true
			}
		}
		return false
	}
	others := float64(k - 1)
	for ci, h := range hits {
		least := math.Inf(1)
		for _, ph := range st.phrasings[h.entry] {
			if len(ph) == 0 {
				continue
			}
			var miss float64
			for _, id := range ph {
				if !inQuestion(id) {
					miss += st.idf(st.df[id]) * (1 - float64(shared[id]-1)/others)
				}
			}
			least = math.Min(least, miss)
		}
		if !math.IsInf(least, 1) {
			cands[ci].Features.DistinctMiss = least / total
		}
	}
}
