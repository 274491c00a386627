package knowledge

import (
	_ "embed"
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge/indonesian"
)

// topicsFile is the corpus data file with topics that always go to an officer.
const topicsFile = "escalate.txt"

// smallTalkFile is the corpus data file with extra small-talk patterns.
const smallTalkFile = "smalltalk.txt"

//go:embed data/escalate.txt
var defaultTopics []byte

//go:embed data/smalltalk.txt
var defaultSmallTalk []byte

// LoadCorpus loads and validates the corpus in dir, or the embedded default corpus when dir
// is "". Problems cover the entries and the corpus data files.
func LoadCorpus(dir string) (*faq.Corpus, faq.Problems, error) {
	var (
		c   *faq.Corpus
		ps  faq.Problems
		err error
	)
	if dir == "" {
		c, ps, err = faq.LoadDefault()
	} else {
		c, ps, err = faq.LoadDir(dir)
	}
	if err != nil {
		return nil, nil, err
	}
	return c, append(ps, ValidateExtras(c)...), nil
}

var lineRef = regexp.MustCompile(`^(.*?):(\d+): (.*)$`)

// ValidateExtras checks the corpus data files in faq.ExtrasDir: rule files parse and do not
// repeat a left side, the topics file parses, and unknown files are reported.
func ValidateExtras(c *faq.Corpus) faq.Problems {
	var ps faq.Problems
	where := func(name string) string {
		p := faq.ExtrasDir + "/" + name
		if c.Root != "" && c.Root != "embedded" {
			p = filepath.Join(c.Root, p)
		}
		return p
	}
	known := map[string]bool{topicsFile: true, smallTalkFile: true}
	var layers [][]indonesian.Rule
	for _, name := range ruleFiles {
		known[name] = true
		b, ok := c.Extras[name]
		if !ok {
			continue
		}
		rules, errs := indonesian.ParseRules(where(name), b)
		for _, e := range errs {
			ps = append(ps, faq.Problem{File: e.File, Line: e.Line, Severity: faq.Error, Message: e.Msg})
		}
		layers = append(layers, rules)
	}
	for _, l := range layers {
		if _, errs := indonesian.NewRules(l); len(errs) > 0 {
			for _, e := range errs {
				ps = append(ps, faq.Problem{File: e.File, Line: e.Line, Severity: faq.Error, Message: e.Msg})
			}
		}
	}
	if _, err := corpusTopics(c); err != nil {
		ps = append(ps, problemFromError(where(topicsFile), err))
	}
	if _, err := corpusSmallTalk(c); err != nil {
		ps = append(ps, problemFromError(where(smallTalkFile), err))
	}
	for name := range c.Extras {
		if !known[name] && !strings.HasSuffix(strings.ToLower(name), ".md") {
			ps = append(ps, faq.Problem{File: where(name), Line: 1, Severity: faq.Warning,
				Message: "unknown data file is ignored (known: synonyms.txt, slang.txt, escalate.txt, smalltalk.txt)"})
		}
	}
	return ps
}

// problemFromError turns a "file:line: message" error into a problem.
func problemFromError(file string, err error) faq.Problem {
	msg := err.Error()
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	if m := lineRef.FindStringSubmatch(strings.TrimPrefix(msg, "knowledge: ")); m != nil {
		n, _ := strconv.Atoi(m[2])
		return faq.Problem{File: m[1], Line: n, Severity: faq.Error, Message: m[3]}
	}
	return faq.Problem{File: file, Line: 1, Severity: faq.Error, Message: msg}
}

// corpusTopics returns the default topics with the corpus's own escalate.txt layered on top.
func corpusTopics(c *faq.Corpus) ([]*Topic, error) {
	return layeredTopics(c, topicsFile, defaultTopics)
}

// corpusSmallTalk returns the default small-talk patterns with the corpus's own layered on
// top. They match words as typed, so no rewriting is applied to them.
func corpusSmallTalk(c *faq.Corpus) ([]*Topic, error) {
	return layeredTopics(c, smallTalkFile, defaultSmallTalk)
}

// layeredTopics parses def, the embedded knowledge/data/name, and layers the corpus's own
// file name on top of it.
func layeredTopics(c *faq.Corpus, name string, def []byte) ([]*Topic, error) {
	topics, err := ParseTopics("knowledge/data/"+name, def)
	if err != nil {
		return nil, err
	}
	b, ok := c.Extras[name]
	if !ok {
		return topics, nil
	}
	own, err := ParseTopics(faq.ExtrasDir+"/"+name, b)
	if err != nil {
		return nil, err
	}
	return mergeTopics(topics, own), nil
}
