package knowledge

import "unicode/utf8"

// corrector proposes the corpus word a misspelt word was meant to be, by edit distance
// (insertions, deletions, substitutions, adjacent transpositions) over a symmetric-delete
// dictionary. Words of 4–7 letters are corrected within distance 1, longer words within 2;
// the first letter must match, which avoids most false friends.
type corrector struct {
	freq     map[string]int
	deletes  map[string][]string
	byPrefix map[string][]string // first three bytes → the words that start with them
}

func newCorrector() *corrector {
	return &corrector{freq: map[string]int{}, deletes: map[string][]string{}, byPrefix: map[string][]string{}}
}

func maxDistance(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

// add puts a word in the dictionary; repeated adds count its frequency.
func (c *corrector) add(w string) {
	if c.freq[w] > 0 {
		c.freq[w]++
		return
	}
	c.freq[w] = 1
	if len(w) >= 3 {
		c.byPrefix[w[:3]] = append(c.byPrefix[w[:3]], w)
	}
	n := utf8.RuneCountInString(w)
	if n < 3 {
		return
	}
	depth := 1
	if n >= 6 {
		depth = 2
	}
	seen := map[string]bool{}
	var gen func(s []rune, d int)
	gen = func(s []rune, d int) {
		for i := 1; i < len(s); i++ { // never delete the first letter
			del := string(append(append([]rune{}, s[:i]...), s[i+1:]...))
			if seen[del] {
				continue
			}
			seen[del] = true
			c.deletes[del] = append(c.deletes[del], w)
			if d > 1 {
				gen([]rune(del), d-1)
			}
		}
	}
	gen([]rune(w), depth)
}

// known reports whether w is in the dictionary.
func (c *corrector) known(w string) bool { return c.freq[w] > 0 }

// complete returns the most frequent dictionary word that starts with w, for clipped words
// of chat ("sertif" for "sertifikat"); "" when w is short or no word starts with it.
func (c *corrector) complete(w string) string {
	if utf8.RuneCountInString(w) < 5 {
		return ""
	}
	best, bestF := "", 0
	for _, cand := range c.byPrefix[w[:3]] {
		if len(cand) <= len(w) || cand[:len(w)] != w {
			continue
		}
		if f := c.freq[cand]; f > bestF || (f == bestF && cand < best) {
			best, bestF = cand, f
		}
	}
	return best
}

// correct returns the closest dictionary word to w and its distance, or "" when none is
// close enough.
func (c *corrector) correct(w string) (string, int) {
	rw := []rune(w)
	maxD := maxDistance(len(rw))
	if maxD == 0 {
		return "", 0
	}
	best, bestD, bestF := "", maxD+1, 0
	consider := func(cand string) {
		if cand == w || cand == "" {
			return
		}
		rc := []rune(cand)
		if rc[0] != rw[0] {
			return
		}
		if abs(len(rc)-len(rw)) > maxD {
			return
		}
		d := osaDistance(rw, rc, maxD)
		if d > maxD || (d == 2 && len(rw)-len(rc) == 2) {
			// Two letters too many is seldom a slip: "diamputasi" is not "dimutasi".
			return
		}
		f := c.freq[cand]
		if d < bestD || (d == bestD && (f > bestF || (f == bestF && cand < best))) {
			best, bestD, bestF = cand, d, f
		}
	}
	// Deletes of w (to maxD) against the dictionary and its deletes.
	seen := map[string]bool{}
	var gen func(s []rune, d int)
	visit := func(s string) {
		if c.freq[s] > 0 {
			consider(s)
		}
		for _, cand := range c.deletes[s] {
			consider(cand)
		}
	}
	visit(w)
	gen = func(s []rune, d int) {
		for i := 1; i < len(s); i++ {
			del := string(append(append([]rune{}, s[:i]...), s[i+1:]...))
			if seen[del] {
				continue
			}
			seen[del] = true
			visit(del)
			if d > 1 {
				gen([]rune(del), d-1)
			}
		}
	}
	gen(rw, maxD)
	if best == "" {
		return "", 0
	}
	return best, bestD
}

// osaDistance is the optimal-string-alignment distance between a and b, stopping early
// once it exceeds limit.
func osaDistance(a, b []rune, limit int) int {
	if abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
