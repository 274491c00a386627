package knowledge

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/balai-id/balai/knowledge/indonesian"
)

// Topic is a subject that always goes to an officer, whatever the corpus says: the status
// of one's own case, a complaint, an emergency. Topics are data: the defaults embedded in
// Balai, plus "escalate.txt" beside the corpus entries.
type Topic struct {
	ID    string
	Label string // shown to officers, e.g. "Status permohonan pribadi"
	// Urgent topics should be answered first (an emergency).
	Urgent   bool
	patterns []pattern
	src      string

	// The patterns by the word they start with, and those that start with word* or
	// <nik>: a message is matched against only the patterns that may start in it.
	byFirst map[string][]int
	loose   []int
}

// pattern is a sequence of words; gap elements allow up to maxGap words in between.
type pattern struct {
	elems []patElem
	text  string
}

type patElem struct {
	word   string
	prefix bool // word* matches any word starting with word
	gap    bool // ".."
	nik    bool // <nik>: a 16-digit identity number
}

const maxGap = 4

// ParseTopics reads a topics file:
//
//	[status-pribadi] Status permohonan pribadi
//	saya .. belum jadi
//	sampai mana
//	[darurat!] Keadaan darurat        (a "!" after the id marks an urgent topic)
//
// Each line under a section header is a phrase pattern matched against the citizen's words
// as typed and after slang rewriting (either may match): ".." allows up to four words in
// between, "word*" matches any word starting with "word", and "<nik>" matches a 16-digit
// identity number. Patterns themselves are not rewritten, so a pattern never shrinks to a
// common word (slang rules delete particles such as "kok").
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
			end := strings.IndexByte(text, ']')
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: topic header %q has no closing ]", file, line, text)
			}
			id := strings.TrimSpace(text[1:end])
			urgent := strings.HasSuffix(id, "!")
			id = strings.TrimSuffix(id, "!")
			if id == "" {
				return nil, fmt.Errorf("%s:%d: topic header has an empty id", file, line)
			}
			label := strings.TrimSpace(text[end+1:])
			if label == "" {
				label = id
			}
			cur = &Topic{ID: id, Label: label, Urgent: urgent, src: fmt.Sprintf("%s:%d", file, line)}
			topics = append(topics, cur)
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: pattern %q comes before any [topic] header", file, line, text)
		}
		p, err := parsePattern(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, line, err)
		}
		cur.patterns = append(cur.patterns, p)
	}
	for _, t := range topics {
		if len(t.patterns) == 0 {
			return nil, fmt.Errorf("%s: topic %q has no patterns", t.src, t.ID)
		}
		t.byFirst = map[string][]int{}
		for i, p := range t.patterns {
			if e := p.elems[0]; e.prefix || e.nik {
				t.loose = append(t.loose, i)
			} else {
				t.byFirst[e.word] = append(t.byFirst[e.word], i)
			}
		}
	}
	return topics, sc.Err()
}

func parsePattern(text string) (pattern, error) {
	p := pattern{text: text}
	var run []string
	flush := func() {
		for _, w := range run {
			p.elems = append(p.elems, patElem{word: w})
		}
		run = nil
	}
	for _, f := range strings.Fields(text) {
		switch {
		case f == "..":
			flush()
			p.elems = append(p.elems, patElem{gap: true})
		case f == "<nik>":
			flush()
			p.elems = append(p.elems, patElem{nik: true})
		case strings.HasSuffix(f, "*"):
			flush()
			ws := indonesian.Words(strings.TrimSuffix(f, "*"))
			if len(ws) != 1 {
				return p, fmt.Errorf("prefix %q must be one word", f)
			}
			p.elems = append(p.elems, patElem{word: ws[0], prefix: true})
		default:
			run = append(run, indonesian.Words(f)...)
		}
	}
	flush()
	words := 0
	for _, e := range p.elems {
		if !e.gap {
			words++
		}
	}
	if len(p.elems) > 0 && p.elems[0].gap {
		return p, fmt.Errorf("pattern %q starts with a gap (..)", text)
	}
	if words == 0 {
		return p, fmt.Errorf("pattern %q has no words", text)
	}
	return p, nil
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
	if i >= len(words) {
		return -1
	}
	w := words[i]
	if w == e.word || (e.prefix && strings.HasPrefix(w, e.word)) || (e.nik && isNIK(w)) {
		return p.matchAt(words, i+1, k+1)
	}
	return -1
}

// isNIK reports whether w looks like a national identity number (16 digits).
func isNIK(w string) bool { return len(w) == 16 && isNumber(w) }

// occurrences calls fn for every occurrence of a pattern of t in words: the pattern's
// index, and the words it spans.
func (t *Topic) occurrences(words []string, fn func(i, start, end int)) {
	for start, w := range words {
		for _, i := range t.byFirst[w] {
			if end := t.patterns[i].matchAt(words, start, 0); end >= 0 {
				fn(i, start, end)
			}
		}
		for _, i := range t.loose {
			if end := t.patterns[i].matchAt(words, start, 0); end >= 0 {
				fn(i, start, end)
			}
		}
	}
}

// Match returns the first pattern of t found in any of the readings of a message (the
// words as typed, the words rewritten), or "".
func (t *Topic) Match(readings ...[]string) string {
	first := len(t.patterns)
	for _, words := range readings {
		t.occurrences(words, func(i, _, _ int) { first = min(first, i) })
	}
	if first == len(t.patterns) {
		return ""
	}
	return t.patterns[first].text
}

// cover marks in covered the words of every occurrence of a pattern of t.
func (t *Topic) cover(words []string, covered []bool) {
	t.occurrences(words, func(_, start, end int) {
		for i := start; i < end; i++ {
			covered[i] = true
		}
	})
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
