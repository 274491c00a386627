package indonesian

import "strings"

// colloquial reads a word in the informal Jakarta morphology citizens chat in, after the
// formal stemmer found no root: the suffix -in for -kan/-i (diwakilin, bayarin), and the
// nasal prefixes nge-, ng-, ny-, n- without me- (ngecek, ngurus, ngirim, nyari, nanya).
// It returns a root only when one is in the dictionary.
func (s *Stemmer) colloquial(w string) (string, bool) {
	forms := []string{w}
	if strings.HasSuffix(w, "in") && len(w) > 5 {
		base := w[:len(w)-2]
		forms = append(forms, base+"kan", base+"i", base)
	}
	for _, f := range forms {
		for _, c := range colloquialPrefixReadings(f) {
			if _, ok := s.roots[c]; ok {
				return c, true
			}
			if r, ok := s.stem(c); ok {
				return r, true
			}
		}
	}
	return "", false
}

// colloquialPrefixReadings returns f and the words it may stand for without its informal
// nasal prefix, most likely first.
func colloquialPrefixReadings(f string) []string {
	out := []string{f}
	switch {
	case strings.HasPrefix(f, "nge") && len(f) > 5:
		out = append(out, f[3:])
	case strings.HasPrefix(f, "ng") && len(f) > 4:
		out = append(out, f[2:], "k"+f[2:])
	case strings.HasPrefix(f, "ny") && len(f) > 4:
		out = append(out, "c"+f[2:], "s"+f[2:])
	case strings.HasPrefix(f, "n") && len(f) > 4 && strings.ContainsRune("aiueo", rune(f[1])):
		out = append(out, "t"+f[1:]) // nulis, nunggu, nanya
	}
	return out
}
