package indonesian

import "strings"

// Stemmer reduces Indonesian words to their root word using a root-word dictionary,
// following the Nazief–Adriani / Enhanced Confix Stripping approach. Safe for concurrent use.
//
// The algorithm, for a word that is not itself a root:
//
//  1. Remove the inflectional particle (-lah, -kah, -tah, -pun), then the possessive
//     pronoun (-ku, -mu, -nya), then one derivational suffix (-i, -kan, -an), looking the
//     remainder up after each removal.
//  2. Remove up to three derivational prefixes (di-, ke-, se-, me-, be-, pe-, te- and
//     their allomorphs), applying the ECS disambiguation and recoding rules
//     (meny-→s, mem-→p, men-→t, meng-→k, peny-→s, pem-→p, pen-→t, peng-→k, ...),
//     looking the remainder up after each removal. Prefix–suffix pairs that Indonesian
//     morphology does not allow (be-i, di-an, ke-kan, me-an, se-i, se-kan, te-an,
//     pe-kan) are skipped; ke-i is allowed for the common ketahui.
//  3. If that fails, restore the removed suffixes one at a time and retry the prefixes.
//
// A final -kan is read first as -an after a root ending in k (masakan → masak,
// pemasukan → masuk), then as -kan (masukkan → masuk), within the prefix–suffix rules above.
//
// Words that start like be-…-lah, be-…-an, me-…-i, di-…-i, pe-…-i or te-…-i are first
// tried prefix-first (the ECS rule precedence), so that memakai gives pakai, not maka.
// A word that does not reduce to a known root is returned unchanged.
type Stemmer struct {
	// roots maps each root to itself, so that a successful lookup of a
	// recoded candidate returns a string without allocating.
	roots map[string]string
}

const (
	stemMinWordLen = 4 // shorter words are returned unchanged
	stemMinRootLen = 3 // a derived candidate shorter than this is never accepted
	stemMaxPrefix  = 3 // at most this many derivational prefixes are removed
	stemBufLen     = 48
)

// NewStemmer returns a stemmer over the embedded default roots plus extra (lowercase words).
func NewStemmer(extra ...string) *Stemmer {
	def := defaultRootList()
	m := make(map[string]string, len(def)+len(extra))
	for _, w := range def {
		m[w] = w
	}
	for _, w := range extra {
		w = strings.ToLower(strings.TrimSpace(w))
		if w != "" {
			m[w] = w
		}
	}
	return &Stemmer{roots: m}
}

// IsRoot reports whether w is in the dictionary.
func (s *Stemmer) IsRoot(w string) bool {
	_, ok := s.roots[w]
	return ok
}

// Stem returns the root of a single lowercase token (letters/digits only, no spaces).
// Words that are already roots, are shorter than 4 letters, contain digits, or cannot be
// reduced to a known root are returned unchanged (conservative: never over-stem).
func (s *Stemmer) Stem(word string) string {
	if len(word) < stemMinWordLen {
		return word
	}
	for i := 0; i < len(word); i++ {
		if c := word[i]; c < 'a' || c > 'z' {
			return word // digits, upper case, non-ASCII, punctuation
		}
	}
	if _, ok := s.roots[word]; ok {
		return word
	}
	if r, ok := s.stem(word); ok {
		return r
	}
	if r, ok := s.colloquial(word); ok {
		return r
	}
	return word
}

// stem runs the confix-stripping search on a word that is not a root.
func (s *Stemmer) stem(w string) (string, bool) {
	if stemPrecedence(w) || stemPrecedence(stemInflectionless(w)) {
		if r, ok := s.prefixFirst(w); ok {
			// A suffix-first root that begins with the letters taken for a prefix
			// (berikan → beri, not ikan; bersihkan → bersih) wins.
			if n, ok := s.suffixFirst(w); ok && n != r && strings.HasPrefix(n, w[:2]) {
				return n, true
			}
			return r, true
		}
	}
	return s.suffixFirst(w)
}

// suffixFirst is the Nazief–Adriani order: suffixes, then prefixes, then
// restoring the suffixes one by one.
func (s *Stemmer) suffixFirst(w string) (string, bool) {
	f0 := stemForm{tail: w}
	f1, hasParticle := f0.cut(stemParticles[:])
	if hasParticle {
		if r, ok := s.lookup(f1); ok {
			return r, true
		}
	}
	f2, hasPossessive := f1.cut(stemPossessives[:])
	if hasPossessive {
		if r, ok := s.lookup(f2); ok {
			return r, true
		}
	}
	deriv, f3, f3an := f2.cutDerivational()
	if deriv != "" {
		// For -kan, the reading root+k + -an (masakan → masak) is tried before
		// root + -kan (masa): a bare -kan verb over a root that also exists
		// with a final k is rare.
		if deriv == "kan" {
			if r, ok := s.lookup(f3an); ok {
				return r, true
			}
		}
		if r, ok := s.lookup(f3); ok {
			return r, true
		}
		if deriv == "kan" {
			if r, ok := (stemSearch{s: s, deriv: "an"}).prefixes(f3an, 0, 0, 0); ok {
				return r, true
			}
		}
		if r, ok := (stemSearch{s: s, deriv: deriv}).prefixes(f3, 0, 0, 0); ok {
			return r, true
		}
	}
	// Restore the suffixes, innermost first.
	bare := stemSearch{s: s}
	if r, ok := bare.prefixes(f2, 0, 0, 0); ok {
		return r, true
	}
	if hasPossessive {
		if r, ok := bare.prefixes(f1, 0, 0, 0); ok {
			return r, true
		}
	}
	if hasParticle {
		if r, ok := bare.prefixes(f0, 0, 0, 0); ok {
			return r, true
		}
	}
	return "", false
}

// prefixFirst removes prefixes first and tries the suffixes at every step.
func (s *Stemmer) prefixFirst(w string) (string, bool) {
	return stemSearch{s: s, suffixes: true}.prefixes(stemForm{tail: w}, 0, 0, 0)
}

// stemSuffixStages is the number of suffix-removal stages of stemSuffixCuts.
const stemSuffixStages = 4

// stemSuffixCuts removes the suffixes of f (a form whose prefixes are already gone,
// the outermost of kind outer) one stage at a time: the particle, the possessive,
// the derivational suffix read as -an after a root ending in k, and the
// derivational suffix. A stage that does not apply is left invalid.
func stemSuffixCuts(f stemForm, outer byte) (out [stemSuffixStages]stemForm, valid [stemSuffixStages]bool) {
	f, valid[0] = f.cut(stemParticles[:])
	out[0] = f
	f, valid[1] = f.cut(stemPossessives[:])
	out[1] = f
	deriv, f3, f3an := f.cutDerivational()
	if deriv == "kan" && !stemDisallowed(outer, "an") {
		out[2], valid[2] = f3an, true
	}
	if deriv != "" && !stemDisallowed(outer, deriv) {
		out[3], valid[3] = f3, true
	}
	return out, valid
}

// lookup returns the dictionary entry equal to f, without allocating.
func (s *Stemmer) lookup(f stemForm) (string, bool) {
	if f.size() < stemMinRootLen {
		return "", false
	}
	if f.head == 0 {
		r, ok := s.roots[f.tail]
		return r, ok
	}
	if len(f.tail)+1 > stemBufLen {
		r, ok := s.roots[string(f.head)+f.tail]
		return r, ok
	}
	var buf [stemBufLen]byte
	buf[0] = f.head
	n := 1 + copy(buf[1:], f.tail)
	r, ok := s.roots[string(buf[:n])]
	return r, ok
}

// stemSearch is one run of prefix removal.
type stemSearch struct {
	s        *Stemmer
	deriv    string // derivational suffix removed before the prefixes ("" if none)
	suffixes bool   // prefix-first mode: also try removing suffixes at every step
}

// prefixes removes prefixes from f breadth-first by level: every candidate
// at this level is looked up (then, in prefix-first mode, has its suffixes
// removed) before any is stripped further. prev is the kind of
// the prefix removed just before (0 at depth 0), outer the kind of the outermost.
func (st stemSearch) prefixes(f stemForm, depth int, prev, outer byte) (string, bool) {
	var opts stemOptions
	opts.collect(f, depth)
	k := 0
	for _, o := range opts.buf[:opts.n] {
		if o.kind == prev {
			continue // the same prefix twice (e.g. me-me-) is not Indonesian
		}
		if depth == 0 && st.deriv != "" && stemDisallowed(o.kind, st.deriv) {
			continue
		}
		opts.buf[k] = o
		k++
	}
	list := opts.buf[:k]
	for _, o := range list {
		if r, ok := st.s.lookup(o.rest); ok {
			return r, true
		}
	}
	if st.suffixes && len(list) > 0 {
		// Only after every recoding at this level failed as a whole word, and
		// stage by stage across the recodings (memakai → pakai before
		// makai → maka; memakainya → pakainya → pakai before makainya → makai → maka).
		var stages [len(opts.buf)][stemSuffixStages]stemForm
		var valid [len(opts.buf)][stemSuffixStages]bool
		for i, o := range list {
			out := outer
			if depth == 0 {
				out = o.kind
			}
			stages[i], valid[i] = stemSuffixCuts(o.rest, out)
		}
		for stage := 0; stage < stemSuffixStages; stage++ {
			for i := range list {
				if !valid[i][stage] {
					continue
				}
				if r, ok := st.s.lookup(stages[i][stage]); ok {
					return r, true
				}
			}
		}
	}
	if depth+1 >= stemMaxPrefix {
		return "", false
	}
	for _, o := range list {
		out := outer
		if depth == 0 {
			out = o.kind
		}
		if r, ok := st.prefixes(o.rest, depth+1, o.kind, out); ok {
			return r, true
		}
	}
	return "", false
}

var (
	stemParticles   = [...]string{"lah", "kah", "tah", "pun"}
	stemPossessives = [...]string{"nya", "ku", "mu"}
	stemSuffixKan   = [...]string{"kan"}
	stemSuffixAn    = [...]string{"an"}
	stemSuffixI     = [...]string{"i"}
)

// stemDisallowed reports whether a word cannot carry the outermost prefix of
// the given kind together with the derivational suffix.
func stemDisallowed(kind byte, suffix string) bool {
	switch kind {
	case 'b':
		return suffix == "i"
	case 'd', 'm', 't':
		return suffix == "an"
	case 'k':
		return suffix == "kan" // ke-i is allowed for ketahui
	case 's':
		return suffix == "i" || suffix == "kan"
	case 'p':
		return suffix == "kan"
	}
	return false
}

// stemPrecedence reports whether w has one of the confixes whose prefix is
// removed before the suffix: be-lah, be-an, me-i, di-i, pe-i, te-i.
func stemPrecedence(w string) bool {
	if len(w) < 5 {
		return false
	}
	switch w[:2] {
	case "be":
		return strings.HasSuffix(w, "lah") || strings.HasSuffix(w, "an")
	case "me", "di", "pe", "te":
		return w[len(w)-1] == 'i'
	}
	return false
}

// stemInflectionless returns w without its particle and possessive suffixes.
func stemInflectionless(w string) string {
	f, _ := stemForm{tail: w}.cut(stemParticles[:])
	f, _ = f.cut(stemPossessives[:])
	return f.tail
}

// stemForm is a candidate word: an optional recoded first letter (the s of
// meny-+sV, the p of mem-+pV, ...) followed by a substring of the input.
// It lets the search build candidates without allocating.
type stemForm struct {
	head byte
	tail string
}

func (f stemForm) size() int {
	if f.head != 0 {
		return len(f.tail) + 1
	}
	return len(f.tail)
}

// at returns the i-th letter, or 0 past the end.
func (f stemForm) at(i int) byte {
	if f.head != 0 {
		if i == 0 {
			return f.head
		}
		i--
	}
	if i < len(f.tail) {
		return f.tail[i]
	}
	return 0
}

func (f stemForm) hasPrefix(p string) bool {
	if f.size() < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if f.at(i) != p[i] {
			return false
		}
	}
	return true
}

// drop removes the first n ≥ 1 letters.
func (f stemForm) drop(n int) stemForm {
	if f.head != 0 {
		return stemForm{tail: f.tail[n-1:]}
	}
	return stemForm{tail: f.tail[n:]}
}

// recode removes the first n ≥ 1 letters and puts c in front.
func (f stemForm) recode(n int, c byte) stemForm {
	g := f.drop(n)
	g.head = c
	return g
}

// cut removes the first of the suffixes that f ends with, if enough is left.
func (f stemForm) cut(suffixes []string) (stemForm, bool) {
	for _, x := range suffixes {
		if len(f.tail) >= len(x) && f.size()-len(x) >= stemMinRootLen && strings.HasSuffix(f.tail, x) {
			return stemForm{head: f.head, tail: f.tail[:len(f.tail)-len(x)]}, true
		}
	}
	return f, false
}

// cutDerivational removes -kan, -an or -i. For -kan it also returns the form
// with only -an removed (the root ends in k).
func (f stemForm) cutDerivational() (suffix string, rest, restAn stemForm) {
	if g, ok := f.cut(stemSuffixKan[:]); ok {
		h, _ := f.cut(stemSuffixAn[:])
		return "kan", g, h
	}
	if g, ok := f.cut(stemSuffixAn[:]); ok {
		return "an", g, g
	}
	if g, ok := f.cut(stemSuffixI[:]); ok {
		return "i", g, g
	}
	return "", f, f
}

// stemOption is one way to remove a prefix: its kind and what is left.
type stemOption struct {
	kind byte // 'd' di-, 'k' ke-, 's' se-, 'm' me-, 'b' be-, 'p' pe-, 't' te-
	rest stemForm
}

type stemOptions struct {
	buf [4]stemOption
	n   int
}

func (o *stemOptions) add(kind byte, rest stemForm) {
	if o.n < len(o.buf) && rest.size() >= stemMinRootLen {
		o.buf[o.n] = stemOption{kind, rest}
		o.n++
	}
}

func stemVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

func stemConsonant(c byte) bool {
	return c >= 'a' && c <= 'z' && !stemVowel(c)
}

// collect lists the ways to remove one prefix from f, most likely first,
// following the ECS prefix rules. di-, me- and se- are only removed as the
// outermost prefix.
func (o *stemOptions) collect(f stemForm, depth int) {
	if f.size() < 2+stemMinRootLen {
		return
	}
	c0, c1, c2, c3, c4 := f.at(0), f.at(1), f.at(2), f.at(3), f.at(4)
	if c1 != 'e' && !(c0 == 'd' && c1 == 'i') {
		return
	}
	switch c0 {
	case 'd': // di-
		if depth == 0 {
			o.add('d', f.drop(2))
		}
	case 'k': // ke-
		o.add('k', f.drop(2))
	case 's': // se-
		if depth == 0 {
			o.add('s', f.drop(2))
		}
	case 'b': // ber-, be-, bel-
		switch {
		case c2 == 'r' && stemVowel(c3): // berV → ber-V | be-rV
			o.add('b', f.drop(3))
			o.add('b', f.drop(2))
		case c2 == 'r' && stemConsonant(c3) && c3 != 'r': // berC → ber-C
			o.add('b', f.drop(3))
		case f.hasPrefix("belajar"): // belajar → bel-ajar
			o.add('b', f.drop(3))
		case stemConsonant(c2) && c2 != 'r' && c2 != 'l' && c3 == 'e' && c4 == 'r' && stemConsonant(f.at(5)):
			o.add('b', f.drop(2)) // beC1erC2 → be-C1erC2 (bekerja, beserta)
		}
	case 't': // ter-, te-
		switch {
		case c2 == 'r' && stemVowel(c3): // terV → ter-V | te-rV
			o.add('t', f.drop(3))
			o.add('t', f.drop(2))
		case c2 == 'r' && stemConsonant(c3) && c3 != 'r': // terC → ter-C
			o.add('t', f.drop(3))
		case stemConsonant(c2) && c2 != 'r' && c3 == 'e' && c4 == 'r' && stemConsonant(f.at(5)):
			o.add('t', f.drop(2)) // teC1erC2 → te-C1erC2 (tepercaya)
		}
	case 'm': // me-, mem-, men-, meng-, meny-, menge-
		if depth == 0 {
			o.nasal('m', f, c2, c3, c4)
		}
	case 'p': // pe-, per-, pem-, pen-, peng-, peny-, penge-, pel-
		switch {
		case c2 == 'w' || c2 == 'y':
			if stemVowel(c3) {
				o.add('p', f.drop(2))
			}
		case c2 == 'r' && stemVowel(c3): // perV → per-V | pe-rV
			o.add('p', f.drop(3))
			o.add('p', f.drop(2))
		case c2 == 'r' && stemConsonant(c3) && c3 != 'r': // perC → per-C
			o.add('p', f.drop(3))
		case c2 == 'l':
			if f.hasPrefix("pelajar") { // pelajar → pel-ajar
				o.add('p', f.drop(3))
			} else if stemVowel(c3) {
				o.add('p', f.drop(2))
			}
		case c2 == 'm' || c2 == 'n':
			o.nasal('p', f, c2, c3, c4)
		case stemConsonant(c2): // peC → pe-C (pekerja, petugas)
			o.add('p', f.drop(2))
		}
	}
}

// nasal handles the nasal allomorphs of me- and pe- (kind 'm' or 'p').
func (o *stemOptions) nasal(kind byte, f stemForm, c2, c3, c4 byte) {
	switch c2 {
	case 'l', 'r', 'w', 'y': // me{l,r,w,y}V → me-{l,r,w,y}V
		if kind == 'm' && stemVowel(c3) {
			o.add(kind, f.drop(2))
		}
	case 'm':
		switch {
		case c3 == 'b' || c3 == 'f' || c3 == 'v' || c3 == 'p':
			o.add(kind, f.drop(3)) // mem{b,f,v}, mempe-, memproses
		case stemVowel(c3), c3 == 'r' && stemVowel(c4):
			o.add(kind, f.drop(2))        // me-mV (memasak)
			o.add(kind, f.recode(3, 'p')) // mem-pV (memakai)
		}
	case 'n':
		switch {
		case c3 == 'g':
			switch {
			case c4 == 'g' || c4 == 'h' || c4 == 'k' || c4 == 'q':
				o.add(kind, f.drop(4)) // meng{g,h,k,q}
			case c4 == 'l' && kind == 'p':
				o.add(kind, f.drop(4)) // peng-l (penglihatan)
			case stemVowel(c4):
				o.add(kind, f.drop(4))        // meng-V (mengurus)
				o.add(kind, f.recode(4, 'k')) // meng-kV (mengirim)
				if c4 == 'e' && stemConsonant(f.at(5)) {
					o.add(kind, f.drop(5)) // menge-C (mengecek)
				}
			}
		case c3 == 'y':
			if stemVowel(c4) {
				o.add(kind, f.recode(4, 's')) // meny-sV (menyimpan)
				o.add(kind, f.drop(2))        // me-nyV (menyanyi)
			}
		case c3 == 'c' || c3 == 'd' || c3 == 'j' || c3 == 's' || c3 == 'z' || c3 == 't':
			o.add(kind, f.drop(3)) // men{c,d,j,s,z}; men-t in loanwords (mentransfer)
		case stemVowel(c3):
			o.add(kind, f.drop(2))        // me-nV (menikah)
			o.add(kind, f.recode(3, 't')) // men-tV (menulis)
		}
	}
}
