package faq

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/balai-id/balai/internal/atomicfile"
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
			e.ID, e.SearchTitle(), strings.Join(e.Questions, "\n"), e.Body, e.Category, e.Source,
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

// ValidSource reports whether s can be an entry's source: an absolute http(s) URL.
func ValidSource(s string) bool { return validURL(s) }

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns a category or title into a folder or id: "BPJS Kesehatan" → "bpjs-kesehatan".
func Slug(s string) string {
	return strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// The spreadsheet as admins keep it: any header spelling, several questions in a cell,
// grouped rows. Reading it is separate from merging it into a corpus (csv_import.go).

// csvHeaders maps a header, as normHeader spells it, to the field it fills.
var csvHeaders = map[string]string{
	"id":    "id",
	"title": "title", "judul": "title",
	"question": "questions", "questions": "questions", "pertanyaan": "questions",
	"answer": "answer", "answers": "answer", "jawaban": "answer", "body": "answer",
	"category": "category", "categories": "category", "kategori": "category",
	"source": "source", "sumber": "source",
	"updated": "updated", "diperbarui": "updated", "tanggal": "updated",
	"keywords": "keywords", "keyword": "keywords", "kata kunci": "keywords",
	"owner": "owner", "pemilik": "owner", "unit": "owner",
	"review by": "review_by",
}

// CSVHeaders lists, per field, the headers import accepts (any case and spacing).
const CSVHeaders = "id; title/judul; questions/question/pertanyaan (several columns allowed); answer/jawaban; " +
	"category/kategori; source/sumber; updated/diperbarui/tanggal; keywords/kata kunci; owner/pemilik/unit; review_by"

var (
	numberedQuestion = regexp.MustCompile(`^(?:questions?|pertanyaan) ?\d+$`)
	headerHint       = regexp.MustCompile(`\s*\([^)]*\)$`)
)

// normHeader spells a header cell for lookup: lower case, "_" and "-" as spaces, runs of
// spaces as one, a trailing hint in parentheses and marks like "*" or ":" dropped.
func normHeader(h string) string {
	h = strings.ToLower(h)
	h = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return ' '
		}
		return r
	}, h)
	h = strings.Join(strings.Fields(h), " ")
	h = headerHint.ReplaceAllString(h, "")
	return strings.TrimSpace(strings.Trim(h, " *:."))
}

func headerField(h string) string {
	k := normHeader(h)
	if f, ok := csvHeaders[k]; ok {
		return f
	}
	if numberedQuestion.MatchString(k) {
		return "questions"
	}
	return ""
}

// headerScore counts the distinct fields a record's cells name.
func headerScore(rec []string) int {
	seen := map[string]bool{}
	for _, c := range rec {
		if f := headerField(c); f != "" {
			seen[f] = true
		}
	}
	return len(seen)
}

// lineText is a piece of a cell and the CSV line it is on.
type lineText struct {
	text string
	line int
}

// sheetRow is one data row: the cells given (by field) and where it was.
type sheetRow struct {
	line      int
	cells     map[string]string // trimmed, "\r\n" as "\n"; only fields with a column
	cellLines map[string]int    // the line each cell starts on
	questions []lineText
	// carried is the category of a heading row or of a row above (cells merged in the
	// spreadsheet), used when the row has none of its own.
	carried     string
	carriedFrom int // the line carried came from
}

// sheetHeading is a row that names a group of the rows below it ("A. KEPENDUDUKAN").
type sheetHeading struct {
	line int
	text string
}

// sheet is a spreadsheet read for import.
type sheet struct {
	encoding   string
	comma      rune
	headerLine int
	ignored    []string // header cells of columns that are not imported
	has        map[string]bool
	rows       []sheetRow
	headings   []sheetHeading
}

// decodeSheet returns the text of a spreadsheet export as UTF-8 and how it was encoded:
// UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode text"), or,
// when it is not valid UTF-8, Windows-1252 (Excel's "CSV" on Windows).
func decodeSheet(data []byte) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\uFEFF")):
		return data[3:], "UTF-8 with BOM", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		return out, "UTF-16", err
	case utf8.Valid(data):
		return data, "UTF-8", nil
	default:
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		return out, "Windows-1252", err
	}
}

var sepLine = regexp.MustCompile(`^sep=(.)\r?$`)

// detectComma picks the delimiter: the one Excel's "sep=X" first line names, else the one
// of ",", ";" and tab that finds the best header in the first rows, else the one the first
// line holds most of.
func detectComma(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if m := sepLine.FindSubmatch(first); m != nil {
		r, _ := utf8.DecodeRune(m[1])
		return r
	}
	best, bestScore, bestCount := ',', 0, -1
	for _, c := range []rune{',', ';', '\t'} {
		score := 0
		cr := csv.NewReader(bytes.NewReader(data))
		cr.Comma, cr.FieldsPerRecord = c, -1
		for i := 0; i < 10; i++ {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			score = max(score, headerScore(rec))
		}
		count := bytes.Count(first, []byte(string(c)))
		if score > bestScore || (score == bestScore && count > bestCount) {
			best, bestScore, bestCount = c, score, count
		}
	}
	return best
}

// readSheet reads a spreadsheet export. The header row names the columns in any order (see
// CSVHeaders); rows above it (a sheet title, a blank row) are skipped. Problems are located
// as name:line, lines counted as in the file (a cell over three lines takes three).
func readSheet(name string, r io.Reader) (*sheet, Problems, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("faq: read %s: %w", name, err)
	}
	var ps Problems
	data, enc, err := decodeSheet(raw)
	if err != nil {
		ps.add(name, 1, Error, "cannot read the file as %s text: %v", enc, err)
		return nil, ps, nil
	}
	sh := &sheet{encoding: enc, comma: detectComma(data), has: map[string]bool{}}
	if enc == "Windows-1252" {
		ps.add(name, 1, Warning, "the file is not UTF-8; it was read as Windows-1252 (Excel's \"CSV\" on Windows): check accented letters, or save as \"CSV UTF-8\"")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, cr.FieldsPerRecord = sh.comma, -1

	// All records first: the header is found among the first ones.
	type record struct {
		cells []string
		lines []int
	}
	var recs []record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				msg := pe.Err.Error()
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					msg += `: a quote (") inside a cell must be doubled ("") and a quoted cell closed`
				}
				if pe.StartLine != pe.Line {
					msg += fmt.Sprintf(" (the row starting here ends badly on line %d)", pe.Line)
				}
				ps.add(name, pe.StartLine, Error, "bad CSV, column %d: %s", pe.Column, msg)
				return nil, ps, nil
			}
			return nil, nil, fmt.Errorf("faq: read %s: %w", name, err)
		}
		lines := make([]int, len(rec))
		for i := range rec {
			lines[i], _ = cr.FieldPos(i)
		}
		recs = append(recs, record{rec, lines})
	}
	head, best := -1, 1
	for i := 0; i < len(recs) && i < 10; i++ {
		if s := headerScore(recs[i].cells); s > best {
			head, best = i, s
		}
	}
	if head < 0 { // no header with two known columns: the first non-empty row is meant
		for i, rec := range recs {
			if strings.TrimSpace(strings.Join(rec.cells, "")) != "" {
				head = i
				break
			}
		}
	}
	if head < 0 {
		ps.add(name, 1, Error, "the file is empty: the first row names the columns (%s)", CSVHeaders)
		return nil, ps, nil
	}
	sh.headerLine = recs[head].lines[0]
	cols := make([]string, len(recs[head].cells))
	colOf := map[string]int{}
	for i, h := range recs[head].cells {
		f := headerField(h)
		if f == "" {
			if strings.TrimSpace(h) != "" {
				sh.ignored = append(sh.ignored, strings.TrimSpace(h))
			}
			continue
		}
		if prev, ok := colOf[f]; ok && f != "questions" {
			ps.add(name, sh.headerLine, Error, "columns %q and %q both give the %s: keep one", strings.TrimSpace(recs[head].cells[prev]), strings.TrimSpace(h), f)
			continue
		}
		colOf[f] = i
		cols[i] = f
		sh.has[f] = true
	}
	if len(sh.ignored) > 0 {
		ps.add(name, sh.headerLine, Warning, "column(s) %s not imported: not one of id, title, questions, answer, category, source, updated, keywords, owner, review_by or their Indonesian names", quoteList(sh.ignored))
	}
	for _, need := range []string{"questions", "answer"} {
		if !sh.has[need] {
			ps.add(name, sh.headerLine, Error, "no %s column: the header row needs one (%s)", need, CSVHeaders)
		}
	}
	if ps.Errors() > 0 {
		return nil, ps, nil
	}

	// Data rows. A row with a single cell outside the id, questions and answer columns is a
	// candidate heading ("A. KEPENDUDUKAN", in the first column or the category's).
	type candidate struct {
		row     sheetRow
		heading string
	}
	var cands []candidate
	for _, rec := range recs[head+1:] {
		row := sheetRow{line: rec.lines[0], cells: map[string]string{}, cellLines: map[string]int{}}
		var filled []string
		var filledCol string
		for i, v := range rec.cells {
			v = strings.ReplaceAll(v, "\r\n", "\n")
			if strings.TrimSpace(v) != "" {
				filled = append(filled, strings.TrimSpace(v))
				if i < len(cols) {
					filledCol = cols[i]
				} else {
					filledCol = ""
				}
			}
			if i >= len(cols) || cols[i] == "" {
				continue
			}
			if cols[i] == "questions" {
				row.questions = append(row.questions, splitQuestions(v, rec.lines[i])...)
				if prev := row.cells["questions"]; prev != "" {
					v = prev + "\n" + v
				}
			}
			if _, ok := row.cellLines[cols[i]]; !ok || strings.TrimSpace(v) != "" {
				row.cellLines[cols[i]] = rec.lines[i]
			}
			row.cells[cols[i]] = strings.TrimSpace(v)
		}
		if len(filled) == 0 {
			continue
		}
		c := candidate{row: row}
		if len(filled) == 1 && (filledCol == "" || filledCol == "title" || filledCol == "category") {
			c.heading = filled[0]
		}
		cands = append(cands, c)
	}
	carry, carryLine := "", 0
	for i, c := range cands {
		if c.heading != "" {
			next := -1
			for j := i + 1; j < len(cands); j++ {
				if cands[j].heading == "" {
					next = j
					break
				}
			}
			// A lone title could be a row left unfinished: it heads the rows below only
			// when they have no category of their own.
			if c.row.cells["title"] == "" || next < 0 || cands[next].row.cells["category"] == "" {
				text := cleanHeading(c.heading)
				sh.headings = append(sh.headings, sheetHeading{line: c.row.line, text: text})
				carry, carryLine = text, c.row.line
				continue
			}
		}
		row := c.row
		if cat := row.cells["category"]; cat != "" {
			carry, carryLine = cat, row.line
		} else if carry != "" {
			row.carried, row.carriedFrom = carry, carryLine
		}
		sh.rows = append(sh.rows, row)
	}
	return sh, ps, nil
}

var headingNumber = regexp.MustCompile(`^(?:[A-Za-z]|[IVXLCivxlc]+|\d{1,3})[.)]\s+`)

// cleanHeading turns a heading row's text into a category: "A. KEPENDUDUKAN:" → "KEPENDUDUKAN".
func cleanHeading(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = headingNumber.ReplaceAllString(s, "")
	return strings.TrimSpace(strings.TrimRight(s, ":"))
}

var itemMark = regexp.MustCompile(`^(?:[-•*·▪◦–]+\s*|\d{1,2}[.)]\s+)`)

// splitQuestions splits a questions cell that starts on line into its questions: one per
// line or separated by "|", bullets and numbering dropped.
func splitQuestions(cell string, line int) []lineText {
	var out []lineText
	for i, l := range strings.Split(cell, "\n") {
		for _, part := range strings.Split(l, "|") {
			if q := cleanItem(part); q != "" {
				out = append(out, lineText{text: q, line: line + i})
			}
		}
	}
	return out
}

func cleanItem(s string) string {
	s = strings.TrimSpace(s)
	s = itemMark.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// splitKeywords splits a keywords cell on newlines, "|", "," and ";".
func splitKeywords(cell string) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range strings.FieldsFunc(cell, func(r rune) bool { return r == '\n' || r == '|' || r == ',' || r == ';' }) {
		k = cleanItem(k)
		if k != "" && !seen[strings.ToLower(k)] {
			seen[strings.ToLower(k)] = true
			out = append(out, k)
		}
	}
	return out
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

var (
	isoDate  = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$`)
	dmyDate  = regexp.MustCompile(`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?:[ T].*)?$`)
	textDate = regexp.MustCompile(`^(?:[a-z]+,\s*)?(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$`)
)

var monthNames = map[string]time.Month{
	"januari": 1, "january": 1, "jan": 1,
	"februari": 2, "february": 2, "feb": 2, "pebruari": 2,
	"maret": 3, "march": 3, "mar": 3,
	"april": 4, "apr": 4,
	"mei": 5, "may": 5,
	"juni": 6, "june": 6, "jun": 6,
	"juli": 7, "july": 7, "jul": 7,
	"agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9,
	"oktober": 10, "october": 10, "okt": 10, "oct": 10,
	"november": 11, "nov": 11, "nop": 11,
	"desember": 12, "december": 12, "des": 12, "dec": 12,
}

// SheetDate reads a date as spreadsheets write it, as a day in Asia/Jakarta: 2024-05-01,
// 2024/05/01, 01/05/2024 and 1-5-24 (day first, as in Indonesia), 1 Mei 2024, 1 May 2024,
// or a timestamp (its day in Jakarta).
func SheetDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Date(t.In(jakarta).Format(DateLayout))
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	day := func(y, m, d int) (time.Time, error) {
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, jakarta)
		if m < 1 || m > 12 || d < 1 || t.Day() != d {
			return time.Time{}, fmt.Errorf("%q is not a date", s)
		}
		return t, nil
	}
	if m := isoDate.FindStringSubmatch(s); m != nil {
		return day(atoi(m[1]), atoi(m[2]), atoi(m[3]))
	}
	if m := dmyDate.FindStringSubmatch(s); m != nil {
		y := atoi(m[3])
		if len(m[3]) == 2 {
			y += 2000
		}
		return day(y, atoi(m[2]), atoi(m[1]))
	}
	if m := textDate.FindStringSubmatch(strings.ToLower(s)); m != nil {
		if mon, ok := monthNames[m[2]]; ok {
			return day(atoi(m[3]), int(mon), atoi(m[1]))
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
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
	if err := atomicfile.Write(p, data); err != nil {
		return "", fmt.Errorf("faq: write %s: %w", p, err)
	}
	return p, nil
}
