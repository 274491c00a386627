package corpusdb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/faq"
)

// Problem is a validation finding about one entry, named by the entry and its field
// ("title", "questions", "body", …; "" for the entry as a whole), as the console shows it
// beside the field.
type Problem struct {
	Entry    string
	Field    string
	Severity faq.Severity
	Message  string
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("%s: %s: %s", p.Entry, p.Severity, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s: %s", p.Entry, p.Field, p.Severity, p.Message)
}

// EntryError is returned when an entry cannot be saved: it lists every problem.
type EntryError struct {
	Problems []Problem
}

func (e *EntryError) Error() string {
	var b strings.Builder
	b.WriteString("corpusdb: the entry has errors")
	for _, p := range e.Problems {
		if p.Severity == faq.Error {
			b.WriteString("\n  ")
			b.WriteString(p.String())
		}
	}
	return b.String()
}

// UpdateEntry saves e in draft id: it replaces the entry with e's id (keeping its file) or
// adds it (as <category slug>/<id>.md). e is validated as balai faq validate validates a
// file, and against the rest of the draft (an id another file uses, questions another entry
// asks). On errors nothing is saved and the error is an *EntryError; warnings are returned.
func (s *Service) UpdateEntry(ctx context.Context, actor balai.Officer, id int64, e *faq.Entry) ([]Problem, error) {
	if err := s.canEdit(actor, "corpusdb: save entry"); err != nil {
		return nil, err
	}
	files, err := s.st.CorpusFiles(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("corpusdb: save entry: %w", err)
	}
	c, _, err := s.load(files)
	if err != nil {
		return nil, fmt.Errorf("corpusdb: save entry: %w", err)
	}
	entryID := e.ID
	p := ""
	var old *faq.Entry
	if prev, ok := c.Entry(entryID); ok {
		p, old = prev.File, prev
	} else {
		cp := *e
		cp.File = ""
		p = entryPath(&cp)
	}
	data, err := e.Markdown()
	if err != nil {
		return nil, fmt.Errorf("corpusdb: save entry: %w", err)
	}
	_, fps := faq.Parse(p, data)
	// The whole draft with this file: ids used twice, questions asked twice.
	next := make([]balai.CorpusFile, 0, len(files)+1)
	for _, f := range files {
		if f.Path != p {
			next = append(next, f)
		}
	}
	next = append(next, balai.CorpusFile{Path: p, Data: data})
	nc, cps, err := s.load(next)
	if err != nil {
		return nil, fmt.Errorf("corpusdb: save entry: %w", err)
	}
	for _, q := range cps {
		if q.File == p && !containsProblem(fps, q) {
			fps = append(fps, q)
		}
	}
	ps := entryProblems(entryID, data, fps)
	if fps.Errors() > 0 {
		return ps, fmt.Errorf("corpusdb: save entry %s: %w", entryID, &EntryError{Problems: ps})
	}
	if err := cps.Err(); err != nil {
		return ps, fmt.Errorf("corpusdb: save entry %s: the draft has errors elsewhere: %w", entryID, err)
	}
	action, detail := "corpus_entry_added", entryID
	if old != nil {
		action = "corpus_entry_changed"
		if fs := changedFields(old, e); len(fs) > 0 {
			detail += ": " + strings.Join(fs, ", ")
		}
	}
	err = s.st.UpdateCorpusDraft(ctx, id, []balai.CorpusFile{{Path: p, Data: data}}, nil, actor.ID, len(nc.Entries), nc.Fingerprint, s.audit(actor, action, detail))
	if err != nil {
		return ps, fmt.Errorf("corpusdb: save entry %s: %w", entryID, err)
	}
	return ps, nil
}

func containsProblem(ps faq.Problems, q faq.Problem) bool {
	for _, p := range ps {
		if p == q {
			return true
		}
	}
	return false
}

// DeleteEntry removes an entry from draft id.
func (s *Service) DeleteEntry(ctx context.Context, actor balai.Officer, id int64, entryID string) error {
	if err := s.canEdit(actor, "corpusdb: delete entry"); err != nil {
		return err
	}
	files, err := s.st.CorpusFiles(ctx, id)
	if err != nil {
		return fmt.Errorf("corpusdb: delete entry: %w", err)
	}
	c, _, err := s.load(files)
	if err != nil {
		return fmt.Errorf("corpusdb: delete entry: %w", err)
	}
	e, ok := c.Entry(entryID)
	if !ok {
		return fmt.Errorf("corpusdb: delete entry %s: %w", entryID, ErrNoEntry)
	}
	var next []balai.CorpusFile
	for _, f := range files {
		if f.Path != e.File {
			next = append(next, f)
		}
	}
	nc, ps, err := s.load(next)
	if err != nil {
		return fmt.Errorf("corpusdb: delete entry: %w", err)
	}
	if err := ps.Err(); err != nil {
		return fmt.Errorf("corpusdb: delete entry %s: %w", entryID, err)
	}
	return s.st.UpdateCorpusDraft(ctx, id, nil, []string{e.File}, actor.ID, len(nc.Entries), nc.Fingerprint, s.audit(actor, "corpus_entry_deleted", entryID))
}

// ErrNoEntry: the version has no entry with that id.
var ErrNoEntry = errors.New("corpusdb: no such entry")

// entryProblems names each problem of an entry file by the field on its line.
func entryProblems(entryID string, data []byte, ps faq.Problems) []Problem {
	lines := strings.Split(string(data), "\n")
	fieldAt := func(line int, msg string) string {
		for _, f := range []string{"id", "title", "questions", "body"} {
			if strings.HasPrefix(msg, "missing "+f) || strings.HasPrefix(msg, f+" is empty") {
				return f
			}
		}
		if strings.HasPrefix(msg, "empty body") {
			return "body"
		}
		if strings.HasPrefix(msg, "question ") && strings.Contains(msg, "is also a question of") {
			return "questions"
		}
		if line < 1 || line > len(lines) {
			return ""
		}
		// The front matter runs from line 1 ("---") to the next "---"; the body follows.
		closing := 0
		for i := 1; i < len(lines); i++ {
			if strings.TrimRight(lines[i], " \t") == "---" {
				closing = i + 1
				break
			}
		}
		if closing > 0 && line > closing {
			return "body"
		}
		for i := line - 1; i >= 1; i-- {
			l := lines[i]
			if k, _, ok := strings.Cut(l, ":"); ok && k != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "-") {
				return strings.TrimSpace(k)
			}
		}
		return ""
	}
	var out []Problem
	for _, p := range ps {
		out = append(out, Problem{Entry: entryID, Field: fieldAt(p.Line, p.Message), Severity: p.Severity, Message: p.Message})
	}
	return out
}
