package knowledge

import (
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/synthcorpus"
)

// TestStatsSameOnAnyNumberOfProcessors: entries analysed on several goroutines give the
// statistics of one goroutine: term ids, document frequencies, entry terms, phrasings,
// postings, length norms and the corrector's dictionary.
func TestStatsSameOnAnyNumberOfProcessors(t *testing.T) {
	base, _, err := faq.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	big, err := synthcorpus.Generate(base, 1500, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []*faq.Corpus{base, big} {
		cfg, err := corpusAnalyzerConfig(c)
		if err != nil {
			t.Fatal(err)
		}
		a, err := cfg.newAnalyzer()
		if err != nil {
			t.Fatal(err)
		}
		runtime.GOMAXPROCS(1)
		if buildWorkers() != 0 {
			t.Fatalf("%d workers on one processor", buildWorkers())
		}
		one := buildStats(c, a)
		runtime.GOMAXPROCS(5)
		if buildWorkers() != 3 {
			t.Fatalf("%d workers on 5 processors, want 3", buildWorkers())
		}
		many := buildStats(c, a)
		for name, pair := range map[string][2]any{
			"vocab": {one.vocab, many.vocab}, "df": {one.df, many.df}, "entries": {one.entries, many.entries},
			"phrasings": {one.phrasings, many.phrasings}, "postings": {one.bm25.post, many.bm25.post},
			"length norms": {one.bm25.lenNorm, many.bm25.lenNorm}, "corrector words": {one.fix.freq, many.fix.freq},
			// The order of a word's deletes follows the rules' map order (RuleWords) and does
			// not matter (correct breaks ties by word).
			"corrector deletes":  {sortedLists(one.fix.deletes), sortedLists(many.fix.deletes)},
			"corrector prefixes": {sortedLists(one.fix.byPrefix), sortedLists(many.fix.byPrefix)},
		} {
			if !reflect.DeepEqual(pair[0], pair[1]) {
				t.Errorf("%d entries: %s differ between 1 and 5 processors", len(c.Entries), name)
			}
		}
	}
}

func sortedLists(m map[string][]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = slices.Sorted(slices.Values(v))
	}
	return out
}
