package indonesian

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

//go:embed data/slang.txt data/english.txt data/synonyms.txt data/stopwords.txt
var data embed.FS

// DataVersion identifies the embedded language data and the analysis code; an index built
// with another version must be rebuilt.
var DataVersion = func() string {
	h := sha256.New()
	h.Write([]byte("analysis-v2\n"))
	for _, f := range []string{"data/slang.txt", "data/english.txt", "data/synonyms.txt", "data/stopwords.txt", "data/roots.txt"} {
		b, _ := data.ReadFile(f)
		if f == "data/roots.txt" {
			b = []byte(strings.Join(DefaultRoots(), "\n"))
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}()

// Term is one index term produced from the input.
type Term struct {
	Text    string // the term: rewritten, stemmed
	Surface string // the word after rewriting, before stemming
	Src     int    // index of the input word it came from
}

// Config adds corpus-specific data to the embedded defaults.
type Config struct {
	// Rules are extra rule layers (a corpus's slang and synonyms), each overriding the
	// defaults and the layers before it for the same left side.
	Rules [][]Rule
	// Roots are extra root words for the stemmer (e.g. acronyms of the corpus).
	Roots []string
}

// Analyzer turns text into index terms. Safe for concurrent use.
type Analyzer struct {
	rules *Rules
	stop  map[string]bool
	stem  *Stemmer
}

// DefaultRules parses the embedded rule files, in the order they layer: synonyms, English,
// slang (a left side may appear in only one of them).
func DefaultRules() ([]Rule, error) {
	var all []Rule
	var errs []error
	for _, f := range []string{"data/synonyms.txt", "data/english.txt", "data/slang.txt"} {
		b, err := data.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rs, perrs := ParseRules(f, b)
		for _, e := range perrs {
			errs = append(errs, e)
		}
		all = append(all, rs...)
	}
	return all, errors.Join(errs...)
}

// DefaultStopWords returns the embedded stop words.
func DefaultStopWords() map[string]bool {
	b, _ := data.ReadFile("data/stopwords.txt")
	stop := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		for _, w := range Words(l) {
			stop[w] = true
		}
	}
	return stop
}

// New builds an analyzer over the embedded data and cfg.
func New(cfg Config) (*Analyzer, error) {
	def, err := DefaultRules()
	if err != nil {
		return nil, fmt.Errorf("indonesian: default rules: %w", err)
	}
	layers := append([][]Rule{def}, cfg.Rules...)
	rules, rerrs := NewRules(layers...)
	if len(rerrs) > 0 {
		errs := make([]error, len(rerrs))
		for i, e := range rerrs {
			errs[i] = e
		}
		return nil, fmt.Errorf("indonesian: rules: %w", errors.Join(errs...))
	}
	return &Analyzer{rules: rules, stop: DefaultStopWords(), stem: NewStemmer(cfg.Roots...)}, nil
}

// Analyze returns the index terms of text.
func (a *Analyzer) Analyze(text string) []Term {
	return a.AnalyzeWords(Words(text))
}

// AnalyzeWords returns the index terms of already tokenised words (see Words).
func (a *Analyzer) AnalyzeWords(words []string) []Term { return a.analyzeWords(words, nil) }

// StemMemo remembers the stems of the words an analyzer has seen: AnalyzeWordsMemo looks a
// word up before stemming it. Not safe for concurrent use: one per goroutine.
type StemMemo map[string]string

// AnalyzeWordsMemo is AnalyzeWords with stems remembered in memo, for analysing many
// texts (a corpus) on one goroutine.
func (a *Analyzer) AnalyzeWordsMemo(words []string, memo StemMemo) []Term {
	return a.analyzeWords(words, memo)
}

func (a *Analyzer) analyzeWords(words []string, memo StemMemo) []Term {
	out, src := a.rules.Apply(a.unclitic(classLetters(words)))
	terms := make([]Term, 0, len(out))
	for i, w := range out {
		if a.stop[w] || (utf8.RuneCountInString(w) == 1 && !isDigit(w)) {
			continue
		}
		if strings.Contains(w, "_") { // a class: "sim_c"
			terms = append(terms, Term{Text: w, Surface: strings.ReplaceAll(w, "_", " "), Src: src[i]})
			continue
		}
		stem, ok := memo[w]
		if !ok {
			stem = a.stem.Stem(w)
			if memo != nil {
				memo[w] = stem
			}
		}
		terms = append(terms, Term{Text: stem, Surface: w, Src: src[i]})
	}
	return terms
}

// classLetters joins a class letter to the word before it that takes one ("sim c" → "sim
// sim_c"): a single letter is otherwise noise and is dropped, but "SIM C", "Paket B" and
// "golongan A" are other services than "SIM A". The word itself stays.
func classLetters(words []string) []string {
	var out []string
	for i, w := range words {
		if i > 0 && len(w) == 1 && w[0] >= 'a' && w[0] <= 'e' && classWords[words[i-1]] {
			if out == nil {
				out = append([]string(nil), words...)
			}
			out[i] = words[i-1] + "_" + w
		}
	}
	if out == nil {
		return words
	}
	return out
}

// classWords take a class letter after them (SIM A, Paket C, golongan B, tipe D).
var classWords = map[string]bool{"sim": true, "paket": true, "golongan": true, "gol": true, "tipe": true, "kategori": true}

// Rewrite applies only the rewrite rules: the words of text in standard Indonesian, stop
// words kept, not stemmed. Phrase patterns match against this form.
func (a *Analyzer) Rewrite(words []string) []string {
	out, _ := a.rules.Apply(a.unclitic(words))
	return out
}

// RewriteSource is Rewrite with, for each word of out, the index in words of the word it
// came from (the first word of a rule's left side), so that a phrase found in the rewritten
// words can be traced back to the words as typed.
func (a *Analyzer) RewriteSource(words []string) (out []string, src []int) {
	return a.rules.Apply(a.unclitic(words))
}

// clitics are the particles and possessives Indonesian attaches to a word.
var clitics = []string{"nya", "lah", "kah", "pun", "ku", "mu"}

// unclitic strips a clitic from words the rules know without it ("prosedurnya" →
// "prosedur", "bpjsnya" → "bpjs"), so the rules rewrite them too. Other words keep their
// clitics; the stemmer removes them later.
func (a *Analyzer) unclitic(words []string) []string {
	var out []string
	for i, w := range words {
		for _, c := range clitics {
			if len(w) > len(c)+2 && strings.HasSuffix(w, c) && !a.rules.Knows(w) && a.rules.Knows(w[:len(w)-len(c)]) {
				if out == nil {
					out = append([]string(nil), words...)
				}
				out[i] = w[:len(w)-len(c)]
				break
			}
		}
	}
	if out == nil {
		return words
	}
	return out
}

// InPhrase reports, for each word, whether it is part of a multi-word rule (after clitics
// are stripped as in Analyze); a spelling corrector must leave those words alone.
func (a *Analyzer) InPhrase(words []string) []bool { return a.rules.InPhrase(a.unclitic(words)) }

// Known reports whether the analyzer itself understands w without a corpus: a rule word,
// a stop word or a root.
func (a *Analyzer) Known(w string) bool {
	return a.rules.Knows(w) || a.stop[w] || a.stem.IsRoot(w)
}

// IsStop reports whether w is a stop word.
func (a *Analyzer) IsStop(w string) bool { return a.stop[w] }

// Stem returns the root of one word.
func (a *Analyzer) Stem(w string) string { return a.stem.Stem(w) }

// RuleWords calls fn for every word the rules read or write.
func (a *Analyzer) RuleWords(fn func(string)) { a.rules.FirstWords(fn) }

// RuleCount is the number of rewrite rules in use.
func (a *Analyzer) RuleCount() int { return a.rules.Len() }

func isDigit(w string) bool { return w != "" && w[0] >= '0' && w[0] <= '9' }
