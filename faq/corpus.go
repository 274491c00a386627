package faq

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// ExtrasDir is the folder, beside the entries, that holds corpus-level data files
// (synonyms, slang additions, topics that always go to an officer).
const ExtrasDir = "_balai"

//go:embed all:corpus
var embedded embed.FS

// Default returns the default corpus embedded in the binary.
func Default() fs.FS {
	sub, err := fs.Sub(embedded, "corpus")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

const msgNoEntries = "no entries: the corpus holds no *.md file with front matter"

// Corpus is a loaded, validated set of entries.
type Corpus struct {
	// Entries are sorted by ID.
	Entries []*Entry
	// Extras holds the data files of ExtrasDir by file name.
	Extras map[string][]byte
	// Fingerprint identifies the corpus content (entries and extras); it changes
	// whenever any of them does.
	Fingerprint string
	// Root is how the corpus was named when loaded (a directory, or "embedded").
	Root string

	byID map[string]*Entry
}

// Entry returns the entry with the given ID.
func (c *Corpus) Entry(id string) (*Entry, bool) {
	e, ok := c.byID[id]
	return e, ok
}

// Categories returns the categories in use, sorted.
func (c *Corpus) Categories() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range c.Entries {
		if !seen[e.Category] {
			seen[e.Category] = true
			out = append(out, e.Category)
		}
	}
	sort.Strings(out)
	return out
}

// NewCorpus builds a corpus from entries made in memory (tests, generators): it checks ids
// are present and unique and computes the fingerprint from the entries' content.
func NewCorpus(entries []*Entry, extras map[string][]byte) (*Corpus, error) {
	c := &Corpus{Extras: map[string][]byte{}, byID: map[string]*Entry{}, Root: "memory"}
	maps.Copy(c.Extras, extras)
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(extras)) {
		fmt.Fprintf(h, "extra %s %d\n", k, len(extras[k]))
		h.Write(extras[k])
	}
	for _, e := range entries {
		if e.ID == "" {
			return nil, fmt.Errorf("faq: new corpus: entry without id")
		}
		if _, dup := c.byID[e.ID]; dup {
			return nil, fmt.Errorf("faq: new corpus: duplicate id %q", e.ID)
		}
		data, err := e.Markdown()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "entry %s %d\n", e.ID, len(data))
		h.Write(data)
		c.byID[e.ID] = e
		c.Entries = append(c.Entries, e)
	}
	sort.Slice(c.Entries, func(i, j int) bool { return c.Entries[i].ID < c.Entries[j].ID })
	c.Fingerprint = hex.EncodeToString(h.Sum(nil))
	return c, nil
}

// LoadDir loads the corpus in a directory. Problems name files by their path under dir.
func LoadDir(dir string) (*Corpus, Problems, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("faq: load %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("faq: load %s: not a directory", dir)
	}
	return Load(os.DirFS(dir), dir)
}

// LoadDefault loads the embedded default corpus.
func LoadDefault() (*Corpus, Problems, error) {
	return Load(Default(), "embedded")
}

// Load reads every entry of fsys. root prefixes file names in problems ("" or "embedded"
// for none). The returned error is non-nil only when the corpus could not be read; a corpus
// with errors comes back with them in Problems (see Problems.Err) and must not be used.
func Load(fsys fs.FS, root string) (*Corpus, Problems, error) {
	display := func(p string) string {
		if root == "" || root == "embedded" {
			return p
		}
		return filepath.Join(root, filepath.FromSlash(p))
	}
	c := &Corpus{Extras: map[string][]byte{}, byID: map[string]*Entry{}, Root: root}
	var ps Problems
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p == "." {
			return nil
		}
		if d.IsDir() {
			if p == ExtrasDir {
				return loadExtras(fsys, c, h)
			}
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
			strings.EqualFold(name, "README.md") || !strings.EqualFold(path.Ext(name), ".md") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "entry %s %d\n", p, len(data))
		h.Write(data)
		e, fps := Parse(display(p), data)
		ps = append(ps, fps...)
		if e == nil {
			return nil
		}
		e.File = p
		if e.Category == "" {
			e.Category = categoryFromDir(path.Dir(p))
		}
		if prev, ok := c.byID[e.ID]; ok {
			ps.add(display(p), 1, Error, "duplicate id %q: also used by %s", e.ID, display(prev.File))
			return nil
		}
		c.byID[e.ID] = e
		c.Entries = append(c.Entries, e)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("faq: load %s: %w", root, err)
	}
	if len(c.Entries) == 0 && ps.Errors() == 0 {
		ps.add(display("."), 0, Error, msgNoEntries)
	}
	sort.Slice(c.Entries, func(i, j int) bool { return c.Entries[i].ID < c.Entries[j].ID })
	ps = append(ps, duplicateQuestions(c, display)...)
	c.Fingerprint = hex.EncodeToString(h.Sum(nil))
	return c, ps, nil
}

func loadExtras(fsys fs.FS, c *Corpus, h interface{ Write([]byte) (int, error) }) error {
	des, err := fs.ReadDir(fsys, ExtrasDir)
	if err != nil {
		return err
	}
	for _, d := range des {
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(ExtrasDir, d.Name()))
		if err != nil {
			return err
		}
		c.Extras[d.Name()] = data
		fmt.Fprintf(h, "extra %s %d\n", d.Name(), len(data))
		h.Write(data)
	}
	return fs.SkipDir
}

// duplicateQuestions warns when two entries list the same question: citizens asking it
// cannot be told apart.
func duplicateQuestions(c *Corpus, display func(string) string) Problems {
	var ps Problems
	owner := map[string]*Entry{}
	for _, e := range c.Entries {
		for _, q := range e.Questions {
			k := strings.Join(strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r)
			}), " ")
			if prev, ok := owner[k]; ok && prev != e {
				ps.add(display(e.File), 1, Warning, "question %q is also a question of %s (%s)", q, prev.ID, display(prev.File))
				continue
			}
			owner[k] = e
		}
	}
	return ps
}

// categoryFromDir names a category after its folder: "bpjs-kesehatan" → "Bpjs Kesehatan".
func categoryFromDir(dir string) string {
	if dir == "." || dir == "" {
		return "Umum"
	}
	words := strings.FieldsFunc(path.Base(dir), func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}
