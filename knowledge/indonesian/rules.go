package indonesian

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Rule rewrites a sequence of tokens. An empty To deletes the tokens.
type Rule struct {
	From, To []string
	File     string
	Line     int
}

// RuleError is a problem in a rule file, located by file and line.
type RuleError struct {
	File string
	Line int
	Msg  string
}

func (e RuleError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ParseRules reads a rule file. Each line is one of
//
//	gmn => bagaimana                 rewrite: the tokens on the left become those on the right
//	min =>                           an empty right side deletes the tokens
//	bahasa inggris => bahasa inggris the same tokens: the phrase is kept from other rules
//	ktp = ktp el = e ktp             equivalence: every member becomes the first one
//
// Both sides are tokenised like citizens' text, so "e-KTP" is the tokens "e ktp".
// "#" starts a comment. A member of an equivalence equal to its first one is skipped.
func ParseRules(file string, data []byte) ([]Rule, []RuleError) {
	var rules []Rule
	var errs []RuleError
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
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
		bad := func(format string, args ...any) {
			errs = append(errs, RuleError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
		}
		if l, r, ok := strings.Cut(text, "=>"); ok {
			from, to := Words(l), Words(r)
			if len(from) == 0 {
				bad("rule %q has nothing on the left of =>", text)
				continue
			}
			if strings.Contains(r, "=>") {
				bad("rule %q has more than one =>", text)
				continue
			}
			// A rule that keeps its words ("bahasa inggris => bahasa inggris") protects a
			// phrase from the rules of its parts: its output is not rewritten again.
			rules = append(rules, Rule{From: from, To: to, File: file, Line: line})
			continue
		}
		if strings.Contains(text, "=") {
			parts := strings.Split(text, "=")
			canon := Words(parts[0])
			if len(canon) == 0 {
				bad("equivalence %q has an empty first member", text)
				continue
			}
			for _, p := range parts[1:] {
				m := Words(p)
				if len(m) == 0 {
					bad("equivalence %q has an empty member", text)
					continue
				}
				if !equal(m, canon) {
					rules = append(rules, Rule{From: m, To: canon, File: file, Line: line})
				}
			}
			continue
		}
		bad("not a rule: write \"from => to\" or \"canonical = variant = …\"")
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, RuleError{File: file, Line: line, Msg: err.Error()})
	}
	return rules, errs
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Rules rewrites token streams: at each position the longest matching rule applies, once;
// its output is not rewritten again. Safe for concurrent use once built.
type Rules struct {
	root ruleNode
	n    int
}

type ruleNode struct {
	next map[string]*ruleNode
	rule *Rule
}

// NewRules builds rules from layers: a later layer overrides an earlier one for the same
// left side (a corpus's own slang overrides the defaults); the same left side twice in
// one layer with a different right side is an error.
func NewRules(layers ...[]Rule) (*Rules, []RuleError) {
	rs := &Rules{}
	var errs []RuleError
	for _, layer := range layers {
		inLayer := map[string]*Rule{}
		for i := range layer {
			r := &layer[i]
			key := strings.Join(r.From, " ")
			if prev, ok := inLayer[key]; ok {
				if equal(prev.To, r.To) {
					continue // the same rule twice, e.g. "hmm" and "hmmm" both read "hm"
				}
				errs = append(errs, RuleError{File: r.File, Line: r.Line,
					Msg: fmt.Sprintf("%q is already rewritten at %s:%d", key, prev.File, prev.Line)})
				continue
			}
			inLayer[key] = r
			n := &rs.root
			for _, w := range r.From {
				if n.next == nil {
					n.next = map[string]*ruleNode{}
				}
				c, ok := n.next[w]
				if !ok {
					c = &ruleNode{}
					n.next[w] = c
				}
				n = c
			}
			if n.rule == nil {
				rs.n++
			}
			n.rule = r
		}
	}
	return rs, errs
}

// Len is the number of distinct left sides.
func (rs *Rules) Len() int { return rs.n }

// Apply rewrites toks. src[i] is the index in toks of the token out[i] came from.
func (rs *Rules) Apply(toks []string) (out []string, src []int) {
	out = make([]string, 0, len(toks))
	src = make([]int, 0, len(toks))
	for i := 0; i < len(toks); {
		match, l, gap := rs.match(toks, i)
		if match == nil {
			out = append(out, toks[i])
			src = append(src, i)
			i++
			continue
		}
		for _, w := range match.To {
			out = append(out, w)
			src = append(src, i)
		}
		if gap > 0 {
			// The possessive between the words of the phrase follows it, rewritten itself
			// ("paspor sy mati" → "paspor habis berlaku saya").
			p, _, _ := rs.match(toks[gap:gap+1], 0)
			if p != nil {
				for _, w := range p.To {
					out = append(out, w)
					src = append(src, gap)
				}
			} else {
				out = append(out, toks[gap])
				src = append(src, gap)
			}
		}
		i += l
	}
	return out, src
}

// possessives may stand between the first and the second word of a multi-word rule: "paspor
// sy mati" and "kis gw mati" read like "paspor mati" and "kis mati".
var possessives = map[string]bool{
	"saya": true, "sy": true, "aku": true, "ak": true, "gw": true, "gue": true, "gua": true, "ane": true,
	"kami": true, "kita": true, "kamu": true, "km": true, "lu": true, "lo": true, "loe": true,
	"dia": true, "beliau": true, "anda": true, "mereka": true,
}

// match finds the longest rule whose left side starts at toks[i]. It returns the rule, the
// number of tokens it covers, and the index of a possessive skipped after its first word
// (0 when none was).
func (rs *Rules) match(toks []string, i int) (match *Rule, l, gap int) {
	n := &rs.root
	skipped := 0
	for j := i; j < len(toks) && n.next != nil; j++ {
		c, ok := n.next[toks[j]]
		if !ok && j == i+1 && skipped == 0 && possessives[toks[j]] && j+1 < len(toks) {
			if c2, ok2 := n.next[toks[j+1]]; ok2 {
				skipped = j
				j++
				c, ok = c2, true
			}
		}
		if !ok {
			break
		}
		n = c
		if n.rule != nil {
			match, l, gap = n.rule, j-i+1, skipped
		}
	}
	return match, l, gap
}

// InPhrase reports, for each token, whether a rule of two or more tokens matches it in
// Apply: such a token must reach the rules as typed ("hong kong", "kartu keluarga").
func (rs *Rules) InPhrase(toks []string) []bool {
	in := make([]bool, len(toks))
	for i := 0; i < len(toks); {
		m, l, gap := rs.match(toks, i)
		if m == nil {
			i++
			continue
		}
		if l > 1 {
			for k := i; k < i+l; k++ {
				in[k] = k != gap
			}
		}
		i += l
	}
	return in
}

// Knows reports whether w starts the left side of some rule.
func (rs *Rules) Knows(w string) bool {
	_, ok := rs.root.next[w]
	return ok
}

// FirstWords calls fn for every word that starts a rule's left side and every word on
// a right side: the vocabulary the rules understand.
func (rs *Rules) FirstWords(fn func(string)) {
	var walk func(n *ruleNode)
	walk = func(n *ruleNode) {
		if n.rule != nil {
			for _, w := range n.rule.To {
				fn(w)
			}
		}
		for _, c := range n.next {
			walk(c)
		}
	}
	for w := range rs.root.next {
		fn(w)
	}
	walk(&rs.root)
}
