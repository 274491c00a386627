package faq

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text helpers of the import: keys that ignore case, spacing and punctuation, readable
// ids, category spellings and titles short enough for buttons.

// words splits text into lower-case words of letters and digits: the form questions,
// answers and titles are compared in.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// textKey is s compared ignoring case, spacing and punctuation.
func textKey(s string) string { return strings.Join(words(s), " ") }

// wordSet is the set of words of s.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range words(s) {
		set[w] = true
	}
	return set
}

// jaccard is the share of words two sets have in common: |a∩b| / |a∪b|.
func jaccard(a, b map[string]bool) (shared, union int) {
	for w := range a {
		if b[w] {
			shared++
		}
	}
	return shared, len(a) + len(b) - shared
}

// foldAccents drops diacritics: "Pendaftaran Ulang Sekolah Dasar (é)" → "... (e)".
func foldAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxIDLen is how long an id made from a title may be; longer slugs are cut at a hyphen.
const maxIDLen = 50

// slugID makes a readable id from a title or question: "Syarat Membuat KTP-el untuk
// Pemula?" → "syarat-membuat-ktp-el-pemula": a name with its abbreviation written as the
// abbreviation, connectors dropped, at most limit characters, cut between words.
func slugID(s string, limit int) string {
	ws := contractAbbrev(strings.Fields(s))
	var kept []string
	for _, w := range ws {
		if !isConnector(w) {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		kept = ws
	}
	id := ""
	for _, w := range kept {
		part := Slug(foldAccents(w))
		switch {
		case part == "":
		case id == "":
			id = part
		case len(id)+1+len(part) <= limit:
			id += "-" + part
		default:
			return id
		}
	}
	if len(id) > limit { // one word longer than the limit
		id = strings.TrimRight(id[:limit], "-")
	}
	return id
}

// contractAbbrev writes a name followed by its abbreviation in parentheses as the
// abbreviation: "Kartu Tanda Penduduk Elektronik (KTP-el)" → "KTP-el". The name is the
// longest run of words before it whose initials (connectors aside) spell the abbreviation's
// letters in order, starting with its first.
func contractAbbrev(ws []string) []string {
	var out []string
	for _, w := range ws {
		core := strings.TrimRight(w, ",.;:")
		if strings.HasPrefix(core, "(") && strings.HasSuffix(core, ")") && len(out) >= 2 {
			abbr := core[1 : len(core)-1]
			letters := []rune(strings.ToLower(strings.Join(words(abbr), "")))
			upper := 0
			for _, r := range abbr {
				if unicode.IsUpper(r) {
					upper++
				}
			}
			if upper >= 2 && len(letters) >= 2 {
				matched := false
				for n := min(len(out), 2*len(letters)); n >= 2; n-- {
					var initials []rune
					for _, x := range out[len(out)-n:] {
						if k := []rune(textKey(x)); len(k) > 0 && !isConnector(x) {
							initials = append(initials, k[0])
						}
					}
					if len(initials) >= 2 && initials[0] == letters[0] && subsequence(initials, letters) &&
						!isConnector(out[len(out)-n]) {
						out = append(out[:len(out)-n], abbr+w[len(core):])
						matched = true
						break
					}
				}
				if matched {
					continue
				}
			}
		}
		out = append(out, w)
	}
	return out
}

// subsequence reports whether a's runes appear in b in order.
func subsequence(a, b []rune) bool {
	i := 0
	for _, r := range b {
		if i < len(a) && a[i] == r {
			i++
		}
	}
	return i == len(a)
}

// connectors are words a shortened title or a distinguishing part does not end or start
// with: "Syarat KTP-el bagi" reads as cut off.
var connectors = map[string]bool{
	"dan": true, "atau": true, "bagi": true, "untuk": true, "yang": true, "di": true, "ke": true,
	"dari": true, "pada": true, "dengan": true, "karena": true, "serta": true, "oleh": true,
	"dalam": true, "tentang": true, "terhadap": true, "melalui": true, "sebagai": true,
	"and": true, "or": true, "for": true, "of": true, "the": true, "to": true, "in": true,
	"with": true, "by": true, "a": true, "an": true, "on": true, "about": true,
}

func isConnector(w string) bool { return connectors[textKey(w)] }

// trimWords drops connectors and dangling punctuation at both ends of a run of words, and
// an opening parenthesis the run does not close.
func trimWords(ws []string) []string {
	for {
		n := len(ws)
		for len(ws) > 0 && (isConnector(ws[0]) || textKey(ws[0]) == "") {
			ws = ws[1:]
		}
		for len(ws) > 0 && (isConnector(ws[len(ws)-1]) || textKey(ws[len(ws)-1]) == "") {
			ws = ws[:len(ws)-1]
		}
		if len(ws) > 0 {
			last := ws[len(ws)-1]
			joined := strings.Join(ws, " ")
			if strings.Count(joined, "(") > strings.Count(joined, ")") {
				// Cut before the unclosed parenthesis.
				i := len(ws) - 1
				for i > 0 && !strings.Contains(ws[i], "(") {
					i--
				}
				ws = ws[:i]
			} else if t := strings.TrimRight(last, ",;:–—-/"); t != last {
				ws = append(ws[:len(ws)-1:len(ws)-1], t)
			}
		}
		if len(ws) == n {
			return ws
		}
	}
}

// runeLen counts characters as buttons show them.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// ellipsis marks a title that was cut.
const ellipsis = "…"

// shorten fits text in limit characters: a name followed by its abbreviation becomes the
// abbreviation, then the text is cut between words, without a connector or an unclosed
// parenthesis at the end, and the cut is marked with "…". Text that fits is returned
// unchanged (spacing collapsed).
func shorten(text string, limit int) string {
	ws := strings.Fields(text)
	if s := strings.Join(ws, " "); runeLen(s) <= limit {
		return s
	}
	ws = contractAbbrev(ws)
	if s := strings.Join(ws, " "); runeLen(s) <= limit {
		return s
	}
	n := 0
	for n < len(ws) && runeLen(strings.Join(ws[:n+1], " ")+ellipsis) <= limit {
		n++
	}
	kept := trimWords(ws[:n])
	if len(kept) == 0 { // one word longer than the limit
		r := []rune(strings.Join(ws, " "))
		return strings.TrimSpace(string(r[:limit-1])) + ellipsis
	}
	return strings.Join(kept, " ") + ellipsis
}

// isAbbrev reports whether a word is an abbreviation: two capitals or more ("KTP-el", "BPJS").
func isAbbrev(w string) bool {
	n := 0
	for _, r := range w {
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n >= 2
}

// lowerWords stay in lower case inside a title-cased category ("Informasi dan Pengaduan").
var lowerWords = map[string]bool{
	"dan": true, "atau": true, "di": true, "ke": true, "dari": true, "untuk": true, "yang": true,
	"serta": true, "pada": true, "dalam": true, "bagi": true,
	"and": true, "of": true, "the": true, "for": true, "or": true, "in": true, "to": true,
}

// acronymLike tells whether a word in capitals reads as an acronym rather than a shouted
// word: letters and digits with a digit, or up to five letters with at most one vowel that
// are short (≤ 3) or start with two consonants (KK, NIK, SPT, NPWP, PPID, BPJS; not BANK).
func acronymLike(w string) bool {
	if strings.ContainsFunc(w, unicode.IsDigit) {
		return true
	}
	r := []rune(w)
	if len(r) < 2 || len(r) > 5 {
		return false
	}
	vowels := 0
	for _, c := range r {
		if !unicode.IsLetter(c) {
			return false
		}
		if strings.ContainsRune("AEIOU", unicode.ToUpper(c)) {
			vowels++
		}
	}
	consonant := func(c rune) bool { return !strings.ContainsRune("AEIOU", unicode.ToUpper(c)) }
	return vowels <= 1 && (len(r) <= 3 || (consonant(r[0]) && consonant(r[1])))
}

// titleCase writes a category in Title Case. Words in capitals inside a spelling that is
// not all capitals are acronyms and stay ("BPJS Kesehatan"); a spelling in capitals
// throughout is shouting and is title-cased ("INFORMASI PUBLIK" → "Informasi Publik").
func titleCase(s string) string {
	ws := strings.Fields(s)
	shouting := strings.ToUpper(s) == s
	for i, w := range ws {
		r := []rune(w)
		inner := strings.ContainsFunc(string(r[1:]), unicode.IsUpper)
		switch {
		case !shouting && inner: // acronym or a name like "KTP-el", "e-KTP"
		case !shouting && unicode.IsUpper(r[0]) && i > 0 && lowerWords[strings.ToLower(w)]:
			ws[i] = strings.ToLower(w)
		case i > 0 && lowerWords[strings.ToLower(w)]:
			ws[i] = strings.ToLower(w)
		case shouting && acronymLike(w): // "SKCK", "NPWP DAN PENDAFTARAN" → "NPWP dan Pendaftaran"
		default:
			lr := []rune(strings.ToLower(w))
			lr[0] = unicode.ToUpper(lr[0])
			ws[i] = string(lr)
		}
	}
	return strings.Join(ws, " ")
}
