package knowledge

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/indonesian"
)

// TopicKind says what Balai does with a message on a topic.
type TopicKind string

const (
	// TopicHuman topics go to an officer: the citizen's own case, a complaint, an emergency
	// happening now, a request for a human.
	TopicHuman TopicKind = "human"
	// TopicRefuse topics are requests Balai does not serve — forgery, bribes, getting round a
	// rule or a queue, someone else's personal data — and instructions aimed at the assistant
	// itself: a short refusal, never an answer from the corpus, no ticket.
	TopicRefuse TopicKind = "refuse"
)

// Topic is a subject Balai never answers from the corpus on its own judgement: an
// always-human topic (the status of one's own case, a complaint, an emergency) goes to an
// officer, a refusal topic (a request for forgery or a bribe) gets a short refusal. Topics are
// data: the defaults embedded in Balai, plus "escalate.txt" beside the corpus entries.
type Topic struct {
	ID    string
	Label string // shown to officers, e.g. "Status permohonan pribadi"
	Kind  TopicKind
	// Urgent topics should be answered first (an emergency).
	Urgent bool
	// Always: an always-human topic that never yields to the corpus, even to an entry asked
	// the same way (a request for a human is honoured; so is an urgent topic).
	Always   bool
	patterns patternSet
	except   patternSet // exceptions: where one occurs, the patterns it overlaps do not count
	src      string
}

// patternSet is a list of patterns indexed by the words they may start with: a message is
// matched against only the patterns that may start in it.
type patternSet struct {
	list []pattern
	// byFirst holds the patterns by a first word, and by "*" and the first prefixLen bytes of a
	// first word* ("*pet" for petugas*).
	byFirst map[string][]int
	nik     []int // patterns that may start with <nik>
	number  []int // patterns that may start with <nomor>
	loose   []int // patterns that may start with a word* shorter than prefixLen
}

// prefixLen is how much of a word* the index keys on.
const prefixLen = 3

// pattern is a sequence of elements; gap elements allow up to maxGap words in between.
type pattern struct {
	elems []patElem
	text  string
}

// patElem is a gap or one word out of its alternatives ("kasar|judes|ketus").
type patElem struct {
	alts []alt
	gap  bool // ".."
}

type alt struct {
	word   string
	prefix bool // word* matches any word starting with word
	nik    bool // <nik>: a 16-digit identity number
	number bool // <nomor>: a reference number (five digits or more)
}

func (e patElem) matches(w string) bool {
	for _, a := range e.alts {
		if w == a.word || (a.prefix && strings.HasPrefix(w, a.word)) || (a.nik && isNIK(w)) || (a.number && isRefNumber(w)) {
			return true
		}
	}
	return false
}

const maxGap = 4

// ParseTopics reads a topics file:
//
//	[status-pribadi] Status permohonan pribadi
//	saya .. belum jadi
//	sampai mana
//	[darurat!] Keadaan darurat        (a "!" after the id marks an urgent topic)
//	ada|terjadi kecelakaan|kebakaran
//	-kalau|jika ada|terjadi            (an exception)
//	[pemalsuan refuse] Permintaan memalsukan dokumen   (a refusal topic)
//	buat*|bikin* .. palsu
//	[minta-petugas always] Minta petugas   (never yields to the corpus)
//
// A header is "[id] Label"; after the id, "!" marks an urgent always-human topic, the word
// "always" an always-human topic that never yields to the corpus, and the word "refuse" a
// refusal topic (TopicRefuse); without any it is an always-human topic, as in files written
// before refusals existed. Each line under a header is a phrase pattern matched
// against the citizen's words as typed and after slang rewriting (either may match): ".."
// allows up to four words in between, "word*" matches any word starting with "word", "<nik>"
// a 16-digit identity number, "<nomor>" a reference number (five digits or more: an
// application, billing or registration number), and "a|b|c" any one of the words a, b, c. Patterns themselves are
// not rewritten, so a pattern never shrinks to a common word (slang rules delete particles
// such as "kok"). A line starting with "-" is an exception: an occurrence of one of the
// topic's patterns that shares a word with an occurrence of an exception does not count
// ("-kalau ada" keeps "kalau ada kecelakaan kerja, siapa yang menanggung?" from reading as an
// accident happening now).
func ParseTopics(file string, data []byte) ([]*Topic, error) {
	var topics []*Topic
	var cur *Topic
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "[") {
			t, err := parseTopicHeader(text)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, line, err)
			}
			t.src = fmt.Sprintf("%s:%d", file, line)
			cur = t
			topics = append(topics, cur)
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: pattern %q comes before any [topic] header", file, line, text)
		}
		set := &cur.patterns
		if rest, ok := strings.CutPrefix(text, "-"); ok {
			set, text = &cur.except, strings.TrimSpace(rest)
		}
		p, err := parsePattern(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, line, err)
		}
		set.list = append(set.list, p)
	}
	for _, t := range topics {
		if len(t.patterns.list) == 0 {
			return nil, fmt.Errorf("%s: topic %q has no patterns", t.src, t.ID)
		}
		t.patterns.index()
		t.except.index()
	}
	return topics, sc.Err()
}

// parseTopicHeader reads "[id] Label", "[id!] Label", "[id always] Label" or
// "[id refuse] Label".
func parseTopicHeader(text string) (*Topic, error) {
	end := strings.IndexByte(text, ']')
	if end < 0 {
		return nil, fmt.Errorf("topic header %q has no closing ]", text)
	}
	fields := strings.Fields(text[1:end])
	if len(fields) == 0 || fields[0] == "!" {
		return nil, fmt.Errorf("topic header has an empty id")
	}
	id, urgent := strings.CutSuffix(fields[0], "!")
	t := &Topic{ID: id, Kind: TopicHuman, Urgent: urgent}
	for _, f := range fields[1:] {
		switch f {
		case string(TopicRefuse):
			t.Kind = TopicRefuse
		case "always":
			t.Always = true
		case "!":
			t.Urgent = true
		default:
			return nil, fmt.Errorf("topic %q: unknown kind %q (want refuse or always, or ! after the id for an urgent topic)", id, f)
		}
	}
	if (t.Urgent || t.Always) && t.Kind == TopicRefuse {
		return nil, fmt.Errorf("topic %q: a refusal is never urgent nor always-human", id)
	}
	t.Always = t.Always || t.Urgent
	t.Label = strings.TrimSpace(text[end+1:])
	if t.Label == "" {
		t.Label = id
	}
	return t, nil
}

func parsePattern(text string) (pattern, error) {
	p := pattern{text: text}
	words := 0
	for _, f := range strings.Fields(text) {
		if f == ".." {
			p.elems = append(p.elems, patElem{gap: true})
			continue
		}
		if !strings.Contains(f, "|") && f != "<nik>" && f != "<nomor>" && !strings.HasSuffix(f, "*") {
			// A plain word, or several ("e-ktp" is "e ktp").
			for _, w := range indonesian.Words(f) {
				p.elems = append(p.elems, patElem{alts: []alt{{word: w}}})
				words++
			}
			continue
		}
		var e patElem
		for _, part := range strings.Split(f, "|") {
			a, err := parseAlt(part)
			if err != nil {
				return p, fmt.Errorf("pattern %q: %w", text, err)
			}
			e.alts = append(e.alts, a)
		}
		p.elems = append(p.elems, e)
		words++
	}
	if len(p.elems) > 0 && p.elems[0].gap {
		return p, fmt.Errorf("pattern %q starts with a gap (..)", text)
	}
	if words == 0 {
		return p, fmt.Errorf("pattern %q has no words", text)
	}
	return p, nil
}

// parseAlt reads one alternative of an element: a word, word*, <nik> or <nomor>.
func parseAlt(s string) (alt, error) {
	switch s {
	case "<nik>":
		return alt{nik: true}, nil
	case "<nomor>":
		return alt{number: true}, nil
	}
	stem, prefix := strings.CutSuffix(s, "*")
	ws := indonesian.Words(stem)
	if len(ws) != 1 {
		if prefix {
			return alt{}, fmt.Errorf("prefix %q must be one word", s)
		}
		return alt{}, fmt.Errorf("alternative %q must be one word", s)
	}
	return alt{word: ws[0], prefix: prefix}, nil
}

// index fills byFirst, nik and loose.
func (ps *patternSet) index() {
	ps.byFirst = map[string][]int{}
	add := func(list []int, i int) []int {
		if len(list) > 0 && list[len(list)-1] == i {
			return list // two alternatives with the same key
		}
		return append(list, i)
	}
	for i, p := range ps.list {
		for _, a := range p.elems[0].alts {
			switch {
			case a.nik:
				ps.nik = add(ps.nik, i)
			case a.number:
				ps.number = add(ps.number, i)
			case a.prefix && len(a.word) < prefixLen:
				ps.loose = add(ps.loose, i)
			case a.prefix:
				key := "*" + a.word[:prefixLen]
				ps.byFirst[key] = add(ps.byFirst[key], i)
			default:
				ps.byFirst[a.word] = add(ps.byFirst[a.word], i)
			}
		}
	}
}

// matchAt returns the end of a match of elements k… starting at word i, or -1.
func (p pattern) matchAt(words []string, i, k int) int {
	if k == len(p.elems) {
		return i
	}
	e := p.elems[k]
	if e.gap {
		for skip := 0; skip <= maxGap && i+skip <= len(words); skip++ {
			if end := p.matchAt(words, i+skip, k+1); end >= 0 {
				return end
			}
		}
		return -1
	}
	if i >= len(words) || !e.matches(words[i]) {
		return -1
	}
	return p.matchAt(words, i+1, k+1)
}

// isNIK reports whether w looks like a national identity number (16 digits).
func isNIK(w string) bool { return len(w) == 16 && isNumber(w) }

// isRefNumber reports whether w looks like a reference number a citizen quotes about their
// own case (an application, billing or registration number): five digits or more. Years,
// amounts written with separators and counts are shorter or split.
func isRefNumber(w string) bool { return len(w) >= 5 && isNumber(w) }

// occurrences calls fn for every occurrence of a pattern of ps in words: the pattern's
// index, and the words it spans.
func (ps *patternSet) occurrences(words []string, fn func(i, start, end int)) {
	if len(ps.list) == 0 {
		return
	}
	try := func(list []int, start int) {
		for _, i := range list {
			if end := ps.list[i].matchAt(words, start, 0); end >= 0 {
				fn(i, start, end)
			}
		}
	}
	// A pattern listed under several keys a word has may be reported twice; callers do not
	// mind.
	for start, w := range words {
		try(ps.byFirst[w], start)
		if len(w) >= prefixLen {
			try(ps.byFirst["*"+w[:prefixLen]], start)
		}
		if isNIK(w) {
			try(ps.nik, start)
		}
		if isRefNumber(w) {
			try(ps.number, start)
		}
		try(ps.loose, start)
	}
}

// reading is one way of reading a message: its words as typed, or rewritten (slang and
// abbreviations in standard Indonesian). src maps each rewritten word to the typed word it
// came from; it is nil for the words as typed.
type reading struct {
	words []string
	src   []int
	typed int // number of typed words
}

// readings returns the ways topic patterns read words: as typed and rewritten.
func readings(words []string, a *indonesian.Analyzer) []reading {
	rw, src := a.RewriteSource(words)
	return []reading{{words: words, typed: len(words)}, {words: rw, src: src, typed: len(words)}}
}

// span returns the typed words [start, end) that the words [i, j) of r came from.
func (r reading) span(i, j int) (int, int) {
	if r.src == nil {
		return i, j
	}
	end := r.typed
	if j < len(r.src) {
		end = r.src[j]
	}
	return r.src[i], max(end, r.src[i]+1)
}

// find returns the indices of the patterns of t found in a message read as rs, in order,
// leaving out occurrences that overlap an occurrence of an exception (in either reading).
func (t *Topic) find(rs []reading) []int {
	type occurrence struct{ pattern, start, end int } // in typed words
	var occs []occurrence
	for _, r := range rs {
		t.patterns.occurrences(r.words, func(p, i, j int) {
			a, b := r.span(i, j)
			occs = append(occs, occurrence{p, a, b})
		})
	}
	if len(occs) == 0 {
		return nil // the common case: exceptions need not be looked for
	}
	var except [][2]int
	for _, r := range rs {
		t.except.occurrences(r.words, func(_, i, j int) {
			a, b := r.span(i, j)
			except = append(except, [2]int{a, b})
		})
	}
	var found []int
	for _, o := range occs {
		if slices.Contains(found, o.pattern) || slices.ContainsFunc(except, func(x [2]int) bool { return o.start < x[1] && x[0] < o.end }) {
			continue
		}
		found = append(found, o.pattern)
	}
	slices.Sort(found)
	return found
}

// cover marks in covered the words of every occurrence of a pattern of t.
func (t *Topic) cover(words []string, covered []bool) {
	t.patterns.occurrences(words, func(_, start, end int) {
		for i := start; i < end; i++ {
			covered[i] = true
		}
	})
}

// topicMatch is what the topics found in a message.
type topicMatch struct {
	first   *Topic     // the first topic, in order, that matched: it decides
	pattern string     // the first of its patterns found
	human   []topicHit // the always-human topics found, with their patterns
	always  bool       // one of them never yields (urgent, or a request for a human)
}

type topicHit struct {
	t    *Topic
	pats []int
}

// matchTopics finds the topics of a message read as rs.
func matchTopics(topics []*Topic, rs []reading) topicMatch {
	var m topicMatch
	for _, t := range topics {
		pats := t.find(rs)
		if len(pats) == 0 {
			continue
		}
		if m.first == nil {
			m.first, m.pattern = t, t.patterns.list[pats[0]].text
		}
		if t.Kind == TopicHuman {
			m.human = append(m.human, topicHit{t: t, pats: pats})
			m.always = m.always || t.Always
		}
	}
	return m
}

// askedAlike returns the entries among cands that are asked the way the message matched its
// always-human topics: their title and questions, taken together, contain every pattern the
// message matched. Such an entry answers the situation itself ("Kenapa permintaan informasi
// saya ditolak?" is a question of the PPID entries), so the topic yields to it when it is a
// confident answer. Nothing yields when a topic that never yields matched (Topic.Always).
func (m topicMatch) askedAlike(cands []Candidate, a *indonesian.Analyzer) map[*faq.Entry]bool {
	if m.always || len(m.human) == 0 {
		return nil
	}
	out := map[*faq.Entry]bool{}
	for _, c := range cands {
		missing := 0
		seen := make([][]bool, len(m.human))
		for k, h := range m.human {
			seen[k] = make([]bool, len(h.pats))
			missing += len(h.pats)
		}
		for _, ph := range append([]string{c.Entry.Title}, c.Entry.Questions...) {
			rs := readings(indonesian.Words(ph), a)
			for k, h := range m.human {
				for _, p := range h.t.find(rs) {
					if i := slices.Index(h.pats, p); i >= 0 && !seen[k][i] {
						seen[k][i] = true
						missing--
					}
				}
			}
		}
		if missing == 0 {
			out[c.Entry] = true
		}
	}
	return out
}

// applyTopic lets the always-human topic a message matched overrule its scores: an officer
// answers, unless the corpus answers confidently with an entry asked the same way.
func (res *Result) applyTopic() {
	top, ok := res.Top()
	if ok && res.askedAlike[top.Entry] && (res.Decision == Answer || res.Reason == ReasonTie) {
		res.Yielded = res.human
		return
	}
	res.Decision, res.Reason, res.Topic = Escalate, ReasonTopic, res.human
	res.Suggestions, res.Stale = nil, nil
}

// mergeTopics layers topic lists: a later topic with the same id replaces an earlier one.
func mergeTopics(layers ...[]*Topic) []*Topic {
	var out []*Topic
	pos := map[string]int{}
	for _, l := range layers {
		for _, t := range l {
			if i, ok := pos[t.ID]; ok {
				out[i] = t
				continue
			}
			pos[t.ID] = len(out)
			out = append(out, t)
		}
	}
	return out
}

// smallTalk reports whether the small-talk topics together cover every word of words that
// the analyzer would keep: the message only greets, thanks or chats. It returns the topic
// that covers the most words, a greeting only when no other topic matched.
func smallTalk(topics []*Topic, words []string, a *indonesian.Analyzer) (*Topic, bool) {
	covered := make([]bool, len(words))
	mine := make([]bool, len(words))
	var first *Topic
	bestN := 0
	for _, t := range topics {
		clear(mine)
		t.cover(words, mine)
		n := countTrue(mine)
		for i, m := range mine {
			covered[i] = covered[i] || m
		}
		// The kind is the topic that covers most; a greeting only when nothing else matched
		// ("makasih min" is thanks, not a greeting).
		if n > 0 && (first == nil || (first.ID == "greeting" && t.ID != "greeting") || (n > bestN && t.ID != "greeting")) {
			first, bestN = t, n
		}
	}
	if first == nil {
		return nil, false
	}
	var rest []string
	for i, w := range words {
		if !covered[i] {
			rest = append(rest, w)
		}
	}
	return first, len(a.AnalyzeWords(rest)) == 0
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}
