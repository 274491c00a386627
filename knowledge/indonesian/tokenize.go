// Package indonesian is Balai's analysis of Indonesian text as citizens write it: Unicode
// normalisation, lower case, tokens, rewrite rules for slang, abbreviations, program acronyms
// and English (data files, not code), stop words that keep the words deciding an answer, and
// a dictionary-based stemmer. It knows nothing of bleve; package knowledge registers it as a
// bleve analyzer.
package indonesian

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Token is a word of the input with its byte span in the normalised text.
type Token struct {
	Text       string
	Start, End int
}

// Normalize applies Unicode NFKC normalisation, lower case, and removes invisible
// characters (zero-width spaces and joiners, soft hyphens, variation selectors).
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' || r == '\u00ad':
			return -1
		case r >= '\ufe00' && r <= '\ufe0f':
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// Tokenize splits normalised text into words: runs of letters (with combining marks) or
// runs of digits. A change between letters and digits splits too ("17thn" → "17", "thn").
// Letters repeated three or more times collapse to one ("tolonggg" → "tolong").
func Tokenize(s string) []Token {
	var out []Token
	start, kind := -1, 0 // kind 1 letters, 2 digits
	flush := func(end int) {
		if start >= 0 {
			out = append(out, Token{Text: collapseRepeats(s[start:end]), Start: start, End: end})
		}
		start, kind = -1, 0
	}
	for i, r := range s {
		k := 0
		switch {
		case unicode.IsLetter(r) || (unicode.Is(unicode.Mn, r) && kind == 1):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind {
			flush(i)
			if k != 0 {
				start, kind = i, k
			}
		}
	}
	flush(len(s))
	return out
}

// collapseRepeats turns runs of three or more equal letters into one letter. Indonesian
// words never have three equal letters in a row; chat elongation does ("bangettt").
func collapseRepeats(w string) string {
	if len(w) < 3 {
		return w
	}
	var prev rune
	run := 0
	need := false
	for _, r := range w {
		if r == prev {
			run++
			if run >= 3 && unicode.IsLetter(r) {
				need = true
				break
			}
		} else {
			prev, run = r, 1
		}
	}
	if !need {
		return w
	}
	var b strings.Builder
	rs := []rune(w)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		n := j - i
		if n >= 3 && unicode.IsLetter(rs[i]) {
			n = 1
		}
		for k := 0; k < n; k++ {
			b.WriteRune(rs[i])
		}
		i = j
	}
	return b.String()
}

// Words normalises and tokenises s and returns the token texts.
func Words(s string) []string {
	toks := Tokenize(Normalize(s))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}
