package faq

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing/fstest"
	"time"
)

// CSVColumns are the columns of the spreadsheet format, in export order. The first six
// are the ones admins fill in; the rest are optional on import.
var CSVColumns = []string{"id", "title", "questions", "answer", "category", "source", "keywords", "updated", "review_by", "owner"}

// WriteCSV writes entries as CSV with a header row. Questions (and keywords) are separated
// by newlines inside their cell.
func WriteCSV(w io.Writer, entries []*Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return fmt.Errorf("faq: write csv: %w", err)
	}
	for _, e := range entries {
		rec := []string{
			e.ID, e.Title, strings.Join(e.Questions, "\n"), e.Body, e.Category, e.Source,
			strings.Join(e.Keywords, "\n"), dateString(e.Updated), dateString(e.ReviewBy), e.Owner,
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("faq: write csv %s: %w", e.ID, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("faq: write csv: %w", err)
	}
	return nil
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(DateLayout)
}

// csvRow is an imported row: the cells given (by column name) and where it was.
type csvRow struct {
	line  int
	cells map[string]string
}

// ReadCSV reads a spreadsheet export. The header row names the columns (any order, any
// case; unknown columns are ignored with a warning); the delimiter is "," or ";" as found
// in the header. Problems are located as name:line.
func readCSV(name string, r io.Reader) ([]csvRow, Problems, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("faq: read %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	var ps Problems
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("faq: read %s: header: %w", name, err)
	}
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	cols := make([]string, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "body" || h == "jawaban" {
			h = "answer"
		}
		if !known[h] {
			ps.add(name, 1, Warning, "unknown column %q is ignored", header[i])
			continue
		}
		cols[i] = h
	}
	for _, need := range CSVColumns[:4] {
		found := false
		for _, c := range cols {
			found = found || c == need
		}
		if !found {
			ps.add(name, 1, Error, "missing column %q (need id, title, questions, answer)", need)
		}
	}
	if ps.Errors() > 0 {
		return nil, ps, nil
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				ps.add(name, pe.Line, Error, "bad CSV: %v", pe.Err)
				return nil, ps, nil
			}
			return nil, nil, fmt.Errorf("faq: read %s: %w", name, err)
		}
		row := csvRow{line: line, cells: map[string]string{}}
		empty := true
		for i, v := range rec {
			if i < len(cols) && cols[i] != "" {
				row.cells[cols[i]] = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
				empty = empty && row.cells[cols[i]] == ""
			}
		}
		if !empty {
			rows = append(rows, row)
		}
	}
	return rows, ps, nil
}

// ImportResult says what an import changed.
type ImportResult struct {
	Created, Updated, Unchanged []string // entry IDs
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns a category or title into a folder or id: "BPJS Kesehatan" → "bpjs-kesehatan".
func Slug(s string) string {
	return strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// ImportCSV merges the rows of a spreadsheet into the corpus directory dir. A row whose id
// exists updates that entry's file (fields not in the sheet are kept); a new id becomes
// dir/<category>/<id>.md. The merged corpus is validated first: on any error nothing is
// written and the problems are returned. now stamps updated on changed entries.
func ImportCSV(dir, name string, r io.Reader, now time.Time) (*ImportResult, Problems, error) {
	rows, ps, err := readCSV(name, r)
	if err != nil || ps.Errors() > 0 {
		return nil, ps, err
	}
	existing, eps, err := LoadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	if eps.Errors() > 0 && !(len(existing.Entries) == 0 && eps.Errors() == 1 && eps[len(eps)-1].Message == msgNoEntries) {
		ps = append(ps, eps...)
		ps.add(name, 0, Error, "the corpus in %s has errors; fix them before importing", dir)
		return nil, ps, nil
	}
	// Start the overlay from the files on disk so the merged corpus validates as a whole.
	overlay := fstest.MapFS{}
	if err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		overlay[p] = &fstest.MapFile{Data: data}
		return err
	}); err != nil {
		return nil, nil, fmt.Errorf("faq: import %s: %w", name, err)
	}
	res := &ImportResult{}
	writes := map[string][]byte{}
	seen := map[string]int{}
	today, _ := Date(now.In(jakarta).Format(DateLayout))
	for _, row := range rows {
		id := row.cells["id"]
		if id == "" {
			id = Slug(row.cells["title"])
		}
		if prev, ok := seen[id]; ok {
			ps.add(name, row.line, Error, "id %q is also on line %d", id, prev)
			continue
		}
		seen[id] = row.line
		var e Entry
		file := ""
		if old, ok := existing.Entry(id); ok {
			e = *old
			file = old.File
		} else {
			e = Entry{ID: id, Lang: "id"}
		}
		before, _ := e.Markdown()
		applyRow(&e, row, name, &ps)
		if file == "" {
			folder := Slug(e.Category)
			if folder == "" {
				folder = "umum"
			}
			file = path.Join(folder, id+".md")
			if _, clash := overlay[file]; clash {
				ps.add(name, row.line, Error, "file %s exists but does not hold id %q", file, id)
				continue
			}
		}
		after, err := e.Markdown()
		if err != nil {
			return nil, nil, err
		}
		if bytes.Equal(before, after) && existingHas(existing, id) {
			res.Unchanged = append(res.Unchanged, id)
			continue
		}
		if row.cells["updated"] == "" {
			e.Updated = today
		}
		after, err = e.Markdown()
		if err != nil {
			return nil, nil, err
		}
		// Problems in a written file are reported against the CSV row.
		_, fps := Parse(file, after)
		for _, p := range fps {
			p.File, p.Line = name, row.line
			ps = append(ps, p)
		}
		overlay[file] = &fstest.MapFile{Data: after}
		writes[file] = after
		if existingHas(existing, id) {
			res.Updated = append(res.Updated, id)
		} else {
			res.Created = append(res.Created, id)
		}
	}
	if ps.Errors() > 0 {
		return nil, ps, nil
	}
	if _, mps, err := Load(overlay, dir); err != nil {
		return nil, nil, err
	} else if mps.Errors() > 0 {
		return nil, append(ps, mps...), nil
	}
	for file, data := range writes {
		if err := writeFileAtomic(filepath.Join(dir, filepath.FromSlash(file)), data); err != nil {
			return nil, nil, fmt.Errorf("faq: import %s: %w", name, err)
		}
	}
	return res, ps, nil
}

func existingHas(c *Corpus, id string) bool { _, ok := c.Entry(id); return ok }

func applyRow(e *Entry, row csvRow, name string, ps *Problems) {
	set := func(col string, dst *string) {
		if v, ok := row.cells[col]; ok && v != "" {
			*dst = v
		}
	}
	set("title", &e.Title)
	set("answer", &e.Body)
	set("category", &e.Category)
	set("source", &e.Source)
	set("owner", &e.Owner)
	if v := row.cells["questions"]; v != "" {
		e.Questions = splitLines(v)
	}
	if v := row.cells["keywords"]; v != "" {
		e.Keywords = splitLines(strings.ReplaceAll(v, ",", "\n"))
	}
	for col, dst := range map[string]*time.Time{"updated": &e.Updated, "review_by": &e.ReviewBy} {
		if v := row.cells[col]; v != "" {
			t, err := Date(v)
			if err != nil {
				ps.add(name, row.line, Error, "%s %q is not a date: write YYYY-MM-DD", col, v)
				continue
			}
			*dst = t
		}
	}
}

func splitLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(sc.Text()), "-•*")); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// WriteEntryFile writes an entry as dir/<category>/<id>.md (atomically) and returns the path.
// It refuses to overwrite an existing file.
func WriteEntryFile(dir string, e *Entry) (string, error) {
	data, err := e.Markdown()
	if err != nil {
		return "", err
	}
	folder := Slug(e.Category)
	if folder == "" {
		folder = "umum"
	}
	p := filepath.Join(dir, folder, e.ID+".md")
	if _, err := os.Stat(p); err == nil {
		return "", fmt.Errorf("faq: write %s: %w", p, fs.ErrExist)
	}
	if err := writeFileAtomic(p, data); err != nil {
		return "", fmt.Errorf("faq: write %s: %w", p, err)
	}
	return p, nil
}

func writeFileAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}
