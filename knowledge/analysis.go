package knowledge

import (
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/indonesian"
)

// AnalyzerType is the bleve analyzer type of Balai's Indonesian analysis chain. An index's
// mapping defines an analyzer of this type with the corpus's own rules and roots in its
// configuration, so an index opened from disk analyses exactly as when it was built.
const AnalyzerType = "balai_indonesian"

// analyzerName is the name of the analyzer defined in each index mapping.
const analyzerName = "balai_id"

// Corpus data files (in faq.ExtrasDir) that add rewrite rules, in the order they layer.
var ruleFiles = []string{"synonyms.txt", "slang.txt"}

func init() {
	// Registered at init so that every binary that opens an index finds the analyzer.
	if err := registry.RegisterAnalyzer(AnalyzerType, newBleveAnalyzer); err != nil {
		panic(err)
	}
}

// analyzerConfig is what an index mapping stores about the analysis of its corpus.
type analyzerConfig struct {
	Rules map[string]string // file name → content of the corpus's rule files
	Roots []string          // extra stemmer roots from the corpus vocabulary
}

func (c analyzerConfig) bleve() map[string]interface{} {
	rules := map[string]interface{}{}
	for k, v := range c.Rules {
		rules[k] = v
	}
	roots := make([]interface{}, len(c.Roots))
	for i, r := range c.Roots {
		roots[i] = r
	}
	return map[string]interface{}{"type": AnalyzerType, "rules": rules, "roots": roots}
}

func parseAnalyzerConfig(m map[string]interface{}) (analyzerConfig, error) {
	c := analyzerConfig{Rules: map[string]string{}}
	if rs, ok := m["rules"].(map[string]interface{}); ok {
		for k, v := range rs {
			s, ok := v.(string)
			if !ok {
				return c, fmt.Errorf("rules[%s] is %T, want string", k, v)
			}
			c.Rules[k] = s
		}
	}
	if rs, ok := m["roots"].([]interface{}); ok {
		for _, v := range rs {
			if s, ok := v.(string); ok {
				c.Roots = append(c.Roots, s)
			}
		}
	}
	return c, nil
}

// newAnalyzer builds the Indonesian analyzer for a configuration.
func (c analyzerConfig) newAnalyzer() (*indonesian.Analyzer, error) {
	var layers [][]indonesian.Rule
	for _, name := range ruleFiles {
		text, ok := c.Rules[name]
		if !ok {
			continue
		}
		rules, errs := indonesian.ParseRules(faq.ExtrasDir+"/"+name, []byte(text))
		if len(errs) > 0 {
			return nil, fmt.Errorf("knowledge: %w", errs[0])
		}
		layers = append(layers, rules)
	}
	return indonesian.New(indonesian.Config{Rules: layers, Roots: c.Roots})
}

func newBleveAnalyzer(config map[string]interface{}, _ *registry.Cache) (analysis.Analyzer, error) {
	c, err := parseAnalyzerConfig(config)
	if err != nil {
		return nil, fmt.Errorf("knowledge: analyzer config: %w", err)
	}
	a, err := c.newAnalyzer()
	if err != nil {
		return nil, err
	}
	return bleveAnalyzer{a}, nil
}

// bleveAnalyzer adapts the Indonesian analyzer to bleve.
type bleveAnalyzer struct{ a *indonesian.Analyzer }

// While an index is built after a swap, beside questions being answered (backgroundBuilds
// > 0), at most GOMAXPROCS-1 goroutines (at least 1) analyse text for bleve at once: bleve
// analyses a batch on the 4 workers of its analysis queue, which would keep every processor
// busy, and each question would wait for one.
var (
	backgroundBuilds atomic.Int32
	analysisSlots    = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))
)

func (b bleveAnalyzer) Analyze(input []byte) analysis.TokenStream {
	if backgroundBuilds.Load() > 0 {
		analysisSlots <- struct{}{}
		defer func() { <-analysisSlots }()
	}
	terms := b.a.Analyze(string(input))
	ts := make(analysis.TokenStream, len(terms))
	for i, t := range terms {
		ts[i] = &analysis.Token{
			Term:     []byte(t.Text),
			Position: i + 1,
			Start:    t.Src,
			End:      t.Src + 1,
			Type:     analysis.AlphaNumeric,
		}
	}
	return ts
}

// corpusAnalyzerConfig collects the analysis data of a corpus: its rule files and, as extra
// stemmer roots, the short words of its titles, questions and keywords that no rule or
// root explains (acronyms such as "ktp", "skck", "nib"), so "ktpnya" stems to "ktp".
func corpusAnalyzerConfig(c *faq.Corpus) (analyzerConfig, error) {
	cfg := analyzerConfig{Rules: map[string]string{}}
	for _, name := range ruleFiles {
		if b, ok := c.Extras[name]; ok {
			cfg.Rules[name] = string(b)
		}
	}
	base, err := cfg.newAnalyzer()
	if err != nil {
		return cfg, err
	}
	roots := map[string]bool{}
	add := func(text string) {
		for _, w := range base.Rewrite(indonesian.Words(text)) {
			n := utf8.RuneCountInString(w)
			if n >= 2 && n <= 5 && !base.IsStop(w) && base.Stem(w) == w && !base.Known(w) && !isNumber(w) {
				roots[w] = true
			}
		}
	}
	for _, e := range c.Entries {
		add(e.SearchTitle())
		for _, q := range e.Questions {
			add(q)
		}
		for _, k := range e.Keywords {
			add(k)
		}
	}
	for r := range roots {
		cfg.Roots = append(cfg.Roots, r)
	}
	sort.Strings(cfg.Roots)
	return cfg, nil
}

func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}
