package indonesian

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// rootsFile is Balai's own curated list of Indonesian root words (kata dasar).
//
//go:embed data/roots.txt
var rootsFile string

// defaultRootList parses rootsFile once; the result is shared and must not be modified.
var defaultRootList = sync.OnceValue(func() []string { return parseRootList(rootsFile) })

// DefaultRoots returns the embedded root-word list: one word per line, with
// '#' comments and blank lines ignored, lowercased and deduplicated, in file order.
// The returned slice is a fresh copy that the caller may modify.
func DefaultRoots() []string {
	return slices.Clone(defaultRootList())
}

// parseRootList parses a root-word list in the data/roots.txt format.
func parseRootList(text string) []string {
	seen := make(map[string]struct{}, 4096)
	out := make([]string, 0, 4096)
	for line := range strings.Lines(text) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		w := strings.ToLower(strings.TrimSpace(line))
		if w == "" {
			continue
		}
		if _, dup := seen[w]; dup {
			continue
		}
		seen[w] = struct{}{}
		out = append(out, w)
	}
	return out
}
