package corpusdb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/balai-id/balai/faq"
)

// Diff is what changes from version From to version To, entry by entry.
type Diff struct {
	From, To int64
	Added    []string // entry ids new in To
	Removed  []string // entry ids gone from To
	Changed  []EntryChange
	// DataFiles are data files (faq.ExtrasDir) added, removed or changed.
	DataFiles []string
}

// Empty reports whether the versions hold the same entries and data files.
func (d Diff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0 && len(d.DataFiles) == 0
}

// EntryChange is one entry present in both versions with different fields.
type EntryChange struct {
	ID     string
	Fields []FieldChange
}

// FieldChange is a field's text before and after (lists one item a line).
type FieldChange struct {
	Field    string
	From, To string
}

// entryFields are the fields compared, in the order of an entry file.
var entryFields = []string{"title", "full_title", "questions", "keywords", "category", "source", "updated", "review_by", "owner", "lang", "body", "file"}

func fieldText(e *faq.Entry, f string) string {
	date := func(t interface{ IsZero() bool }, s string) string {
		if t.IsZero() {
			return ""
		}
		return s
	}
	switch f {
	case "title":
		return e.Title
	case "full_title":
		return e.FullTitle
	case "questions":
		return strings.Join(e.Questions, "\n")
	case "keywords":
		return strings.Join(e.Keywords, "\n")
	case "category":
		return e.Category
	case "source":
		return e.Source
	case "updated":
		return date(e.Updated, e.Updated.Format(faq.DateLayout))
	case "review_by":
		return date(e.ReviewBy, e.ReviewBy.Format(faq.DateLayout))
	case "owner":
		return e.Owner
	case "lang":
		return e.Lang
	case "body":
		return e.Body
	case "file":
		return e.File
	}
	return ""
}

// changedFields lists the fields in which a and b differ.
func changedFields(a, b *faq.Entry) []string {
	var out []string
	for _, f := range entryFields {
		if f == "file" {
			continue // an edit keeps the file
		}
		if fieldText(a, f) != fieldText(b, f) {
			out = append(out, f)
		}
	}
	return out
}

// Diff compares versions a and b.
func (s *Service) Diff(ctx context.Context, a, b int64) (Diff, error) {
	ca, _, err := s.Load(ctx, a)
	if err != nil {
		return Diff{}, fmt.Errorf("corpusdb: diff: %w", err)
	}
	cb, _, err := s.Load(ctx, b)
	if err != nil {
		return Diff{}, fmt.Errorf("corpusdb: diff: %w", err)
	}
	d := DiffCorpora(ca, cb)
	d.From, d.To = a, b
	return d, nil
}

// DiffCorpora compares two corpora entry by entry.
func DiffCorpora(a, b *faq.Corpus) Diff {
	var d Diff
	for _, e := range b.Entries {
		old, ok := a.Entry(e.ID)
		if !ok {
			d.Added = append(d.Added, e.ID)
			continue
		}
		ch := EntryChange{ID: e.ID}
		for _, f := range entryFields {
			if x, y := fieldText(old, f), fieldText(e, f); x != y {
				ch.Fields = append(ch.Fields, FieldChange{Field: f, From: x, To: y})
			}
		}
		if len(ch.Fields) > 0 {
			d.Changed = append(d.Changed, ch)
		}
	}
	for _, e := range a.Entries {
		if _, ok := b.Entry(e.ID); !ok {
			d.Removed = append(d.Removed, e.ID)
		}
	}
	names := map[string]bool{}
	for k := range a.Extras {
		names[k] = true
	}
	for k := range b.Extras {
		names[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(names)) {
		x, okx := a.Extras[k]
		y, oky := b.Extras[k]
		if okx != oky || string(x) != string(y) {
			d.DataFiles = append(d.DataFiles, k)
		}
	}
	return d
}
