package faq

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing/fstest"
	"time"

	"github.com/balai-id/balai/internal/atomicfile"
)

// ImportOptions say how a spreadsheet is merged into a corpus.
type ImportOptions struct {
	// Source is the source of rows without one, and of rows whose source is not an
	// absolute http(s) URL (a warning names them). Empty: such a row is an error.
	Source string
	// Updated is the updated date of new and changed rows without one. Zero: they get
	// none; the import never stamps a date of its own.
	Updated time.Time
	// MergeDuplicates folds rows with the same answer (compared ignoring case, spacing and
	// punctuation) into one entry holding all their questions.
	MergeDuplicates bool
	// DryRun works out the result and writes nothing.
	DryRun bool
	// Check validates the merged corpus beyond its entries (its data files); nil checks
	// nothing more. Its errors stop the import like any other.
	Check func(*Corpus) Problems
}

// ImportResult says what an import changed or, in a dry run, would change. Lines are the
// spreadsheet's, counted as in the file.
type ImportResult struct {
	// Created, Updated and Unchanged are entry ids in sheet order.
	Created, Updated, Unchanged []string
	// Entries are the entries made from the sheet, in sheet order.
	Entries []ImportedEntry

	Rows       int    // data rows read (headings and empty rows not counted)
	Encoding   string // "UTF-8", "UTF-8 with BOM", "UTF-16" or "Windows-1252"
	Delimiter  rune
	HeaderLine int
	Ignored    []string  // header cells of columns that were not imported
	Headings   []Heading // rows read as headings of the rows below them

	Merged      []RowPair           // rows folded into another (MergeDuplicates)
	SameAnswer  []RowPair           // rows with the same answer, not folded
	Duplicates  []DuplicateQuestion // questions asked in two entries
	Shortened   []TitleChange       // titles cut for buttons
	Distinct    []TitleGroup        // titles that would have been the same, made distinct
	Categories  []CategoryName      // categories spelled otherwise than they are written
	IDs         []IDChange          // ids made from a title or question, or written as ids must be
	FromAbove   []int               // lines that took the category of a heading or the row above
	SourceUsed  []int               // lines given ImportOptions.Source
	UpdatedUsed []int               // lines given ImportOptions.Updated
	// KeptDate are lines of changed entries that keep an older updated date: neither the
	// sheet nor ImportOptions.Updated gave a new one.
	KeptDate []int
	// OtherWarnings counts warnings of corpus files the sheet does not touch (balai faq
	// validate lists them).
	OtherWarnings int

	NewDir  bool     // the corpus folder did not exist (it is created unless DryRun)
	DryRun  bool     // nothing was written
	Written []string // files written, relative to the corpus folder
}

// ImportedEntry is one entry made from the sheet.
type ImportedEntry struct {
	ID      string
	Title   string
	File    string // relative to the corpus folder
	Lines   []int  // the rows it came from (several when rows were merged)
	Status  string // "new", "updated" or "unchanged"
	Changed []string
}

// Heading is a row that names the category of the rows below it.
type Heading struct {
	Line     int
	Category string
}

// RowPair names two rows with the same answer: Line and the earlier IntoLine.
type RowPair struct {
	Line      int
	ID        string // the row's entry; "" when it was folded into IntoID
	IntoLine  int
	IntoID    string
	Questions int // questions the row brought (Merged)
}

// DuplicateQuestion is a question asked, the same or nearly, in two entries.
type DuplicateQuestion struct {
	Line     int
	ID       string
	Question string
	// The other question: on OtherLine of the sheet, or in OtherFile of the corpus.
	OtherLine     int
	OtherFile     string
	OtherID       string
	OtherQuestion string
	// Same: the questions are the same ignoring case, spacing and punctuation; otherwise
	// they share Shared of their Union distinct words (at least NearDuplicate of them).
	Same          bool
	Shared, Union int
}

func (d DuplicateQuestion) shared() string {
	if d.Shared == d.Union {
		return "the same words in another order"
	}
	return fmt.Sprintf("%d of %d words shared", d.Shared, d.Union)
}

// TitleChange is a title as the sheet gave it and as it was written.
type TitleChange struct {
	Line      int
	ID        string
	From, To  string
	FromQuest bool // the sheet had no title: it was made from the first question
}

// TitleGroup is a set of entries whose titles would have read the same on a button.
type TitleGroup struct {
	Same    string // the title they shared
	Entries []TitleChange
}

// CategoryName is a category and the spellings the sheet used for it.
type CategoryName struct {
	Name      string
	Folder    string
	Spellings []Spelling
}

// Spelling is one way a category was written and on how many rows.
type Spelling struct {
	Text string
	Rows int
}

// IDChange is an id the sheet did not give as ids are written.
type IDChange struct {
	Line int
	ID   string
	From string // the sheet's id, or the title or question it was made from
	Made bool   // made from a title or question (the sheet gave none)
}

// NearDuplicate is the share of words (Jaccard) from which two questions are reported as
// nearly the same: 9 of 10 words shared.
const NearDuplicate = 0.9

// ImportCSV merges a spreadsheet into dir as Import does, with now's day (in Asia/Jakarta)
// as the updated date of new and changed rows without one.
//
// Deprecated: use Import, which stamps a date only when asked (ImportOptions.Updated).
func ImportCSV(dir, name string, r io.Reader, now time.Time) (*ImportResult, Problems, error) {
	day, _ := Date(now.In(jakarta).Format(DateLayout))
	return Import(dir, name, r, ImportOptions{Updated: day})
}

// item is one entry in the making: one row, or several folded together.
type item struct {
	rows      []sheetRow
	line      int
	cells     map[string]string
	questions []lineText
	givenID   string // normalised id from the sheet; "" when none
	id        string
	existing  *Entry
	e         Entry
	category  string // as the sheet spells it (own cell, else carried for new entries)
	file      string
	title     titleCand
	before    []byte
	status    string
	changed   []string
}

// cellLine is the line a cell of the item's first row starts on.
func (it *item) cellLine(field string) int {
	if l, ok := it.rows[0].cellLines[field]; ok {
		return l
	}
	return it.line
}

func (it *item) lines() []int {
	out := make([]int, len(it.rows))
	for i, r := range it.rows {
		out[i] = r.line
	}
	return out
}

// Import merges the rows of a spreadsheet (name is how problems call it) into the corpus
// folder dir, creating the folder when it does not exist. A row whose id exists updates
// that entry's file (cells left empty keep what the entry has); a new id becomes
// dir/<category>/<id>.md. The merged corpus is validated first: on any error nothing is
// written and the problems, located as name:line, are returned (with the result as far as
// it got). The error is non-nil only when a file could not be read or written.
func Import(dir, name string, r io.Reader, opt ImportOptions) (*ImportResult, Problems, error) {
	sh, ps, err := readSheet(name, r)
	if err != nil || ps.Errors() > 0 {
		return nil, ps, err
	}
	res := &ImportResult{
		Rows: len(sh.rows), Encoding: sh.encoding, Delimiter: sh.comma, HeaderLine: sh.headerLine,
		Ignored: sh.ignored, DryRun: opt.DryRun,
	}
	for _, h := range sh.headings {
		res.Headings = append(res.Headings, Heading{Line: h.line, Category: h.text})
	}
	if opt.Source != "" && !validURL(opt.Source) {
		ps.add(name, 0, Error, "--source %q is not an absolute http(s) URL", opt.Source)
		return res, ps, nil
	}
	if len(sh.rows) == 0 {
		ps.add(name, sh.headerLine, Error, "no rows below the header: nothing to import")
		return res, ps, nil
	}
	existing, overlay, err := loadForImport(dir, name, res, &ps)
	if err != nil {
		return nil, nil, err
	}
	if ps.Errors() > 0 {
		return res, ps, nil
	}

	items, same := foldRows(sh, existing, opt, res, name, &ps)
	assignIDs(items, existing, res, name, &ps)
	reportSameAnswers(same, res, name, &ps)
	if ps.Errors() > 0 {
		return res, sortProblems(ps), nil
	}
	folders := nameCategories(items, existing, res)
	inSheet := map[string]bool{}
	for _, it := range items {
		inSheet[it.id] = true
		fillEntry(it, opt, res, name, &ps)
	}
	makeTitles(items, existing, inSheet, res)
	findDuplicates(items, existing, inSheet, dir, res, name, &ps)

	// What changes, where it goes.
	files := map[string]*item{}
	writes := map[string][]byte{}
	for _, it := range items {
		after, err := it.e.Markdown()
		if err != nil {
			return nil, nil, err
		}
		switch {
		case it.existing == nil:
			it.status = "new"
		case bytes.Equal(it.before, after):
			it.status = "unchanged"
		default:
			it.status = "updated"
			it.changed = changedFields(it.existing, &it.e)
		}
		if it.status != "unchanged" && it.cells["updated"] == "" {
			switch {
			case !opt.Updated.IsZero():
				it.e.Updated = opt.Updated
				res.UpdatedUsed = append(res.UpdatedUsed, it.line)
				if it.existing != nil {
					it.changed = changedFields(it.existing, &it.e)
				}
			case it.existing != nil && !it.existing.Updated.IsZero():
				res.KeptDate = append(res.KeptDate, it.line)
			}
			if after, err = it.e.Markdown(); err != nil {
				return nil, nil, err
			}
		}
		if it.existing != nil {
			it.file = it.existing.File
		} else {
			folder := folders[Slug(foldAccents(it.e.Category))]
			if folder == "" {
				folder = "umum"
			}
			it.file = path.Join(folder, it.id+".md")
			if _, clash := overlay[it.file]; clash {
				ps.add(name, it.line, Error, "file %s exists but does not hold id %q: give the row another id", filepath.Join(dir, it.file), it.id)
				continue
			}
		}
		files[it.file] = it
		if it.status != "unchanged" {
			overlay[it.file] = &fstest.MapFile{Data: after}
			writes[it.file] = after
		}
		ie := ImportedEntry{ID: it.id, Title: it.e.Title, File: it.file, Lines: it.lines(), Status: it.status, Changed: it.changed}
		res.Entries = append(res.Entries, ie)
		switch it.status {
		case "new":
			res.Created = append(res.Created, it.id)
		case "updated":
			res.Updated = append(res.Updated, it.id)
		default:
			res.Unchanged = append(res.Unchanged, it.id)
		}
	}
	if ps.Errors() > 0 {
		return res, sortProblems(ps), nil
	}

	// Validate the corpus as it would be, as balai faq validate does; problems of the
	// sheet's entries are reported on their rows.
	merged, mps, err := Load(overlay, dir)
	if err != nil {
		return nil, nil, err
	}
	if opt.Check != nil && merged != nil {
		mps = append(mps, opt.Check(merged)...)
	}
	display := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	byDisplay := map[string]*item{}
	for f, it := range files {
		byDisplay[display(f)] = it
	}
	for _, p := range mps {
		it, mine := byDisplay[p.File]
		if isDuplicateQuestionWarning(p) && (mine || mentionsAny(p.Message, byDisplay)) {
			continue // reported with rows and lines by findDuplicates
		}
		switch {
		case mine:
			p.Message = fmt.Sprintf("%s (id %s, would be %s)", p.Message, it.id, p.File)
			p.File, p.Line = name, it.line
			ps = append(ps, p)
		case p.Severity == Warning:
			res.OtherWarnings++
		default:
			ps = append(ps, p)
		}
	}
	ps = sortProblems(ps)
	if ps.Errors() > 0 || opt.DryRun {
		return res, ps, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("faq: import %s: %w", name, err)
	}
	for _, f := range slices.Sorted(maps.Keys(writes)) {
		if err := atomicfile.Write(filepath.Join(dir, filepath.FromSlash(f)), writes[f]); err != nil {
			return nil, nil, fmt.Errorf("faq: import %s: %w", name, err)
		}
		res.Written = append(res.Written, f)
	}
	return res, ps, nil
}

// loadForImport loads the corpus in dir (an empty one when dir does not exist or holds no
// entries) and copies its files into an overlay the import writes over. A corpus with
// errors is not imported into.
func loadForImport(dir, name string, res *ImportResult, ps *Problems) (*Corpus, fstest.MapFS, error) {
	overlay := fstest.MapFS{}
	st, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		res.NewDir = true
		c, _ := NewCorpus(nil, nil)
		return c, overlay, nil
	case err != nil:
		return nil, nil, fmt.Errorf("faq: import %s: %w", name, err)
	case !st.IsDir():
		return nil, nil, fmt.Errorf("faq: import %s: %s is not a folder", name, dir)
	}
	existing, eps, err := LoadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	if eps.Errors() > 0 && !(len(existing.Entries) == 0 && eps.Errors() == 1 && eps[len(eps)-1].Message == msgNoEntries) {
		for _, p := range eps {
			if p.Severity == Error {
				*ps = append(*ps, p)
			}
		}
		ps.add(name, 0, Error, "the corpus in %s has errors; fix them before importing (balai faq validate %s)", dir, dir)
		return nil, nil, nil
	}
	err = fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		overlay[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("faq: import %s: %w", name, err)
	}
	return existing, overlay, nil
}

// normID writes a sheet's id as ids are written: "FAQ_001" → "faq-001".
func normID(s string) string {
	if idPattern.MatchString(s) {
		return s
	}
	return Slug(foldAccents(s))
}

// sameAnswer is a row whose answer an earlier row (into) has: folded into it, or not.
type sameAnswer struct {
	line   int
	it     *item // the row's own item when not folded
	into   *item
	folded bool
	qs     int
}

// foldRows turns rows into items. With MergeDuplicates, rows with the same answer become
// one item; either way they are listed (reportSameAnswers reports them once ids are known).
func foldRows(sh *sheet, existing *Corpus, opt ImportOptions, res *ImportResult, name string, ps *Problems) ([]*item, []sameAnswer) {
	var items []*item
	var same []sameAnswer
	byAnswer := map[string]*item{}
	for _, row := range sh.rows {
		it := &item{rows: []sheetRow{row}, line: row.line, cells: maps.Clone(row.cells), questions: slices.Clone(row.questions)}
		if given := row.cells["id"]; given != "" {
			it.givenID = normID(given)
			if it.givenID == "" {
				ps.add(name, row.cellLines["id"], Error, "id %q has no letter or digit: ids are written a-z, 0-9 and -", given)
				continue
			}
			if it.givenID != given {
				res.IDs = append(res.IDs, IDChange{Line: row.line, ID: it.givenID, From: given})
			}
		}
		key := textKey(row.cells["answer"])
		into, dup := byAnswer[key]
		if key == "" || !dup {
			if key != "" {
				byAnswer[key] = it
			}
			items = append(items, it)
			continue
		}
		if !opt.MergeDuplicates {
			same = append(same, sameAnswer{line: row.line, it: it, into: into})
			items = append(items, it)
			continue
		}
		if _, exists := existing.Entry(it.givenID); exists && it.givenID != into.givenID {
			ps.add(name, row.line, Warning, "the answer is the same as on line %d, but id %s is an entry of the corpus: not folded (delete one of the two entries by hand if they are the same)", into.line, it.givenID)
			items = append(items, it)
			continue
		}
		// Fold: the first row's cells win, the others fill what it lacks.
		into.rows = append(into.rows, row)
		into.questions = append(into.questions, row.questions...)
		for k, v := range row.cells {
			switch {
			case k == "keywords" && into.cells[k] != "" && v != "":
				into.cells[k] += "\n" + v
			case k == "updated" && into.cells[k] != "" && v != "":
				a, aerr := SheetDate(into.cells[k])
				b, berr := SheetDate(v)
				if aerr == nil && berr == nil && b.After(a) {
					into.cells[k] = v // the newest date
					into.rows[0].cellLines[k] = row.cellLines[k]
				}
			case into.cells[k] == "" && v != "":
				into.cells[k] = v
				into.rows[0].cellLines[k] = row.cellLines[k]
			}
		}
		if into.givenID == "" {
			into.givenID = it.givenID
		}
		same = append(same, sameAnswer{line: row.line, into: into, folded: true, qs: len(row.questions)})
	}
	return items, same
}

// reportSameAnswers lists rows with the same answer as an earlier one, now that ids are known.
func reportSameAnswers(same []sameAnswer, res *ImportResult, name string, ps *Problems) {
	for _, s := range same {
		if s.folded {
			res.Merged = append(res.Merged, RowPair{Line: s.line, IntoLine: s.into.line, IntoID: s.into.id, Questions: s.qs})
			continue
		}
		res.SameAnswer = append(res.SameAnswer, RowPair{Line: s.line, ID: s.it.id, IntoLine: s.into.line, IntoID: s.into.id})
		ps.add(name, s.line, Warning, "the answer (id %s) is the same as on line %d (id %s): --merge-duplicates folds the rows into one entry", s.it.id, s.into.line, s.into.id)
	}
}

// assignIDs gives every item its id: the sheet's, or one made from its title (or first
// question) that no other row uses. A made id that names an entry of the corpus updates it,
// so a sheet without ids imports the same way twice.
func assignIDs(items []*item, existing *Corpus, res *ImportResult, name string, ps *Problems) {
	taken := map[string]int{}
	for _, it := range items {
		if it.givenID == "" {
			continue
		}
		if prev, ok := taken[it.givenID]; ok {
			ps.add(name, it.line, Error, "id %q is also on line %d: give each row its own id, or the same answer to fold them with --merge-duplicates", it.givenID, prev)
			continue
		}
		taken[it.givenID] = it.line
		it.id = it.givenID
	}
	madeFrom := map[string]string{} // made id → the text it was made from
	for _, it := range items {
		if it.givenID != "" {
			continue
		}
		from := oneLine(it.cells["title"])
		if from == "" && len(it.questions) > 0 {
			from = it.questions[0].text
		}
		base := slugID(from, maxIDLen)
		if base == "" {
			base = "entri"
		}
		id := base
		if _, clash := taken[id]; clash {
			// The words that set this row apart from the one holding the id, after its
			// first word: "jam-layanan" and "jam-layanan-apakah-kantor-buka-hari-sabtu".
			other := strings.Fields(madeFrom[id])
			mine := strings.Fields(from)
			p := commonPrefix([][]string{mine, other})
			tail := trimWords(mine[min(p, len(mine)):])
			if len(tail) == 0 && len(it.questions) > 0 {
				tail = strings.Fields(it.questions[0].text)
			}
			if len(tail) > 0 {
				id = slugID(idLead(mine[:min(p, len(mine))])+" "+strings.Join(tail, " "), maxIDLen)
			}
		}
		for n := 2; ; n++ {
			if _, clash := taken[id]; !clash {
				break
			}
			id = fmt.Sprintf("%s-%d", base, n)
		}
		taken[id] = it.line
		madeFrom[id] = from
		it.id = id
		res.IDs = append(res.IDs, IDChange{Line: it.line, ID: id, From: from, Made: true})
	}
	for _, it := range items {
		if e, ok := existing.Entry(it.id); ok {
			it.existing = e
		}
	}
}

// idLead is the part of a shared beginning an id keeps: its first word and its abbreviation
// ("persyaratan-ktp-el-…"), else its first three words.
func idLead(ws []string) string {
	ws = contractAbbrev(ws)
	for i := 1; i < len(ws); i++ {
		if isAbbrev(ws[i]) {
			return ws[0] + " " + ws[i]
		}
	}
	return strings.Join(ws[:min(3, len(ws))], " ")
}

// nameCategories gives every item's category one name: the corpus's spelling when the
// category exists, else the Title Case of the sheet's most common spelling. Spellings are
// the same category when their folder names are ("INFORMASI PUBLIK", " informasi  publik ").
// It returns the folder of each category key.
func nameCategories(items []*item, existing *Corpus, res *ImportResult) map[string]string {
	type group struct {
		spellings []Spelling
		names     map[string]int // collapsed spelling → rows
		order     []string
	}
	groups := map[string]*group{}
	var keys []string
	for _, it := range items {
		cat := it.cells["category"]
		if cat == "" && it.existing == nil {
			cat = it.rows[0].carried
			if cat != "" {
				res.FromAbove = append(res.FromAbove, it.line)
			}
		}
		it.category = cat
		if cat == "" {
			continue
		}
		key := Slug(foldAccents(cat))
		if key == "" {
			continue
		}
		g := groups[key]
		if g == nil {
			g = &group{names: map[string]int{}}
			groups[key] = g
			keys = append(keys, key)
		}
		found := false
		for i := range g.spellings {
			if g.spellings[i].Text == cat {
				g.spellings[i].Rows++
				found = true
			}
		}
		if !found {
			g.spellings = append(g.spellings, Spelling{Text: cat, Rows: 1})
		}
		collapsed := strings.Join(strings.Fields(cat), " ")
		if g.names[collapsed] == 0 {
			g.order = append(g.order, collapsed)
		}
		g.names[collapsed]++
	}
	// The corpus's own spellings and folders, per key.
	corpusName := map[string]map[string]int{}
	corpusFolders := map[string]map[string]bool{}
	for _, e := range existing.Entries {
		key := Slug(foldAccents(e.Category))
		if corpusName[key] == nil {
			corpusName[key] = map[string]int{}
			corpusFolders[key] = map[string]bool{}
		}
		corpusName[key][e.Category]++
		corpusFolders[key][path.Dir(e.File)] = true
	}
	mostCommon := func(counts map[string]int, order []string) string {
		best := ""
		for _, s := range order {
			if best == "" || counts[s] > counts[best] {
				best = s
			}
		}
		return best
	}
	folders := map[string]string{}
	nameOf := map[string]string{}
	for _, key := range keys {
		g := groups[key]
		name := ""
		if cn := corpusName[key]; len(cn) > 0 {
			name = mostCommon(cn, slices.Sorted(maps.Keys(cn)))
		} else {
			name = titleCase(mostCommon(g.names, g.order))
		}
		nameOf[key] = name
		folder := Slug(foldAccents(name))
		if fs := corpusFolders[key]; len(fs) == 1 {
			for f := range fs {
				if f != "." {
					folder = f
				}
			}
		}
		folders[key] = folder
		if len(g.spellings) > 1 || g.spellings[0].Text != name {
			res.Categories = append(res.Categories, CategoryName{Name: name, Folder: folder, Spellings: g.spellings})
		}
	}
	for _, it := range items {
		if it.category != "" {
			if n := nameOf[Slug(foldAccents(it.category))]; n != "" {
				it.category = n
			}
		}
	}
	return folders
}

// fillEntry makes the item's entry: the corpus's entry (or a new one) with the sheet's cells
// over it. Titles come later (makeTitles): they depend on the other rows.
func fillEntry(it *item, opt ImportOptions, res *ImportResult, name string, ps *Problems) {
	if it.existing != nil {
		it.e = *it.existing
		it.e.Questions = slices.Clone(it.existing.Questions)
		it.e.Keywords = slices.Clone(it.existing.Keywords)
		it.before, _ = it.existing.Markdown()
	} else {
		it.e = Entry{ID: it.id, Lang: "id"}
	}
	e := &it.e
	e.ID = it.id
	// Questions: each once, in sheet order.
	var qs []string
	seen := map[string]int{}
	var kept []lineText
	for _, q := range it.questions {
		k := textKey(q.text)
		if k == "" {
			continue
		}
		if prev, dup := seen[k]; dup {
			if len(it.rows) == 1 {
				ps.add(name, q.line, Warning, "question %q is given twice for this row (also line %d); it is kept once", q.text, prev)
			}
			continue
		}
		seen[k] = q.line
		qs = append(qs, q.text)
		kept = append(kept, q)
	}
	it.questions = kept
	switch {
	case len(qs) > 0:
		e.Questions = qs
	case it.existing == nil:
		ps.add(name, it.cellLine("questions"), Error, "no question: write at least one way citizens ask it in the questions (pertanyaan) column")
	}
	if v := it.cells["answer"]; v != "" {
		e.Body = v
	} else if it.existing == nil {
		ps.add(name, it.cellLine("answer"), Error, "no answer: write it in the answer (jawaban) column")
	}
	if it.category != "" {
		e.Category = it.category
	}
	if v := it.cells["owner"]; v != "" {
		e.Owner = strings.Join(strings.Fields(v), " ")
	}
	if v := it.cells["keywords"]; v != "" {
		e.Keywords = splitKeywords(v)
	}
	for _, col := range []string{"updated", "review_by"} {
		v := it.cells[col]
		if v == "" {
			continue
		}
		t, err := SheetDate(v)
		if err != nil {
			ps.add(name, it.cellLine(col), Error, "%s %q is not a date: write YYYY-MM-DD (or DD/MM/YYYY)", col, v)
			continue
		}
		if col == "updated" {
			e.Updated = t
		} else {
			e.ReviewBy = t
		}
	}
	// Source: the sheet's URL, else the default, else what the entry has.
	src := it.cells["source"]
	switch {
	case src == "":
		if e.Source == "" && opt.Source != "" {
			e.Source = opt.Source
			res.SourceUsed = append(res.SourceUsed, it.line)
		}
	case validURL(src):
		e.Source = src
	case validURL(strings.Fields(src)[0]):
		e.Source = strings.Fields(src)[0]
		ps.add(name, it.cellLine("source"), Warning, "source holds more than a URL; only %s is kept", e.Source)
	case opt.Source != "":
		e.Source = opt.Source
		res.SourceUsed = append(res.SourceUsed, it.line)
		ps.add(name, it.cellLine("source"), Warning, "source %q is not an absolute http(s) URL; the default --source %s is used", oneLine(src), opt.Source)
	default:
		hint := ""
		if !strings.ContainsAny(src, " \t\n") && strings.Contains(src, ".") {
			hint = fmt.Sprintf(" (https://%s?)", strings.TrimPrefix(src, "//"))
		}
		ps.add(name, it.cellLine("source"), Error, "source %q is not an absolute http(s) URL%s: write the full address, or give --source URL for rows without one", oneLine(src), hint)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// changedFields names the fields in which b differs from a.
func changedFields(a, b *Entry) []string {
	var out []string
	add := func(diff bool, name string) {
		if diff {
			out = append(out, name)
		}
	}
	add(a.Title != b.Title, "title")
	add(a.FullTitle != b.FullTitle, "full_title")
	add(!slices.Equal(a.Questions, b.Questions), "questions")
	add(strings.TrimSpace(a.Body) != strings.TrimSpace(b.Body), "answer")
	add(a.Category != b.Category, "category")
	add(a.Source != b.Source, "source")
	add(!slices.Equal(a.Keywords, b.Keywords), "keywords")
	add(!a.Updated.Equal(b.Updated), "updated")
	add(!a.ReviewBy.Equal(b.ReviewBy), "review_by")
	add(a.Owner != b.Owner, "owner")
	return out
}

// titleCand is an item's title in the making.
type titleCand struct {
	full      string // as the sheet gave it, spacing collapsed
	short     string
	fromQuest bool
	fixed     bool // the entry keeps the title it has
}

// makeTitles gives every item a title short enough for a button and different from every
// other entry's: a long title is cut between words; titles that would read the same get the
// words that tell them apart, from their full titles or else their first questions.
func makeTitles(items []*item, existing *Corpus, inSheet map[string]bool, res *ImportResult) {
	taken := map[string]string{} // title key → title, of entries keeping theirs
	for _, e := range existing.Entries {
		if !inSheet[e.ID] {
			taken[textKey(e.Title)] = e.Title
		}
	}
	var free []*item
	for _, it := range items {
		t := &it.title
		t.full = oneLine(it.cells["title"])
		if t.full == "" {
			if it.existing != nil {
				t.full = it.existing.Title
			} else if len(it.questions) > 0 {
				t.full = strings.TrimRight(it.questions[0].text, "?!. ")
				t.fromQuest = true
			}
		}
		if it.existing != nil && t.full == it.existing.Title {
			t.fixed, t.short = true, t.full
			it.e.Title = t.full
			if it.cells["title"] != "" {
				it.e.FullTitle = "" // the sheet's title is whole
			}
			taken[textKey(t.full)] = t.full
			continue
		}
		t.short = shorten(t.full, MaxTitleLen)
		free = append(free, it)
	}
	groups := map[string][]*item{}
	var order []string
	for _, it := range free {
		k := textKey(it.title.short)
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], it)
	}
	// Titles that fit and read like no other stay as they are.
	var colliding []*titleGroup
	for _, k := range order {
		g := groups[k]
		if _, clash := taken[k]; len(g) == 1 && !clash {
			it := g[0]
			it.e.Title = it.title.short
			it.keepFullTitle()
			taken[k] = it.e.Title
			if it.title.short != it.title.full {
				res.Shortened = append(res.Shortened, TitleChange{Line: it.line, ID: it.id, From: it.title.full, To: it.title.short, FromQuest: it.title.fromQuest})
			}
			continue
		}
		var others []string
		if t, clash := taken[k]; clash {
			others = append(others, t)
		}
		colliding = append(colliding, newTitleGroup(g, others))
	}
	// Groups whose shared part would read the same once cut keep the word where they part:
	// "Persyaratan Penerbitan … Jenis Alfa", "Persyaratan Penerbitan … Jenis Beta".
	byHead := map[string][]*titleGroup{}
	var heads []string
	for _, tg := range colliding {
		h := textKey(fitHead(tg.head, tg.keep, MaxTitleLen-runeLen(" – ")-tg.longestTail(firstTailLimit)))
		if byHead[h] == nil {
			heads = append(heads, h)
		}
		byHead[h] = append(byHead[h], tg)
	}
	for _, h := range heads {
		same := byHead[h]
		if len(same) < 2 {
			continue
		}
		for _, tg := range same {
			d := 0
			for _, o := range same {
				if o != tg {
					d = max(d, commonPrefix([][]string{tg.head, o.head}))
				}
			}
			for d < len(tg.head) && isConnector(tg.head[d]) {
				d++
			}
			if d < len(tg.head) {
				tg.keep = append(tg.keep, d)
			}
		}
	}
	for _, tg := range colliding {
		titles := tg.compose(taken)
		out := TitleGroup{Same: tg.items[0].title.short}
		for i, it := range tg.items {
			it.e.Title = titles[i]
			it.keepFullTitle()
			taken[textKey(titles[i])] = titles[i]
			out.Entries = append(out.Entries, TitleChange{Line: it.line, ID: it.id, From: it.title.full, To: titles[i], FromQuest: it.title.fromQuest})
		}
		res.Distinct = append(res.Distinct, out)
	}
}

// keepFullTitle keeps the sheet's title as the entry's FullTitle when its Title had to be
// shortened or told apart, so that search still reads every word of it. A title taken from
// the first question needs none: the question is searched as it is.
func (it *item) keepFullTitle() {
	if t := it.title; !t.fromQuest && it.e.Title != t.full {
		it.e.FullTitle = t.full
	}
}

// titleGroup is a set of items whose titles would read the same (and others: titles of
// entries outside the sheet that read the same too). Each gets the words the group's full
// titles share (head), then " – " and the words that set it apart (its tail), taken from
// its full title or, when the full titles are the same, from its first questions.
type titleGroup struct {
	items  []*item
	others []string
	head   []string
	tails  [][]string
	keep   []int // indexes of head words a shortened head keeps
}

// firstTailLimit is how long a distinguishing part may be before it is cut: a head of 20
// characters fits beside it.
const firstTailLimit = MaxTitleLen - 3 - 20

func newTitleGroup(g []*item, others []string) *titleGroup {
	tg := &titleGroup{items: g, others: others}
	full := make([][]string, 0, len(g)+len(others))
	for _, it := range g {
		full = append(full, contractAbbrev(strings.Fields(it.title.full)))
	}
	for _, o := range others {
		full = append(full, contractAbbrev(strings.Fields(o)))
	}
	p := commonPrefix(full)
	tg.head = trimWords(full[0][:p])
	tg.tails = make([][]string, len(g))
	for i := range g {
		tg.tails[i] = trimWords(full[i][p:])
	}
	// Rows whose title adds nothing of its own are told apart by their questions: the
	// first that differs, without the words those questions share.
	for qi := 0; qi < 3; qi++ {
		var need []int
		count := map[string]int{}
		for i := range g {
			count[textKey(strings.Join(tg.tails[i], " "))]++
		}
		for i := range g {
			if k := textKey(strings.Join(tg.tails[i], " ")); k == "" || count[k] > 1 {
				need = append(need, i)
			}
		}
		if len(need) == 0 {
			break
		}
		qs := make([][]string, len(need))
		for j, i := range need {
			if qi < len(g[i].questions) {
				qs[j] = strings.Fields(strings.TrimRight(g[i].questions[qi].text, "?!. "))
			}
		}
		qp := 0
		if len(need) > 1 {
			qp = commonPrefix(qs)
		}
		for j, i := range need {
			if qs[j] == nil {
				continue
			}
			t := trimWords(qs[j][qp:])
			if len(t) == 0 {
				t = qs[j]
			}
			tg.tails[i] = t
		}
	}
	// A shortened head keeps its abbreviation: "Persyaratan … KTP-el".
	for i, w := range tg.head {
		if i > 0 && isAbbrev(w) {
			tg.keep = append(tg.keep, i)
			break
		}
	}
	return tg
}

// longestTail is the length of the longest distinguishing part cut to limit.
func (tg *titleGroup) longestTail(limit int) int {
	n := 0
	for _, t := range tg.tails {
		n = max(n, runeLen(shorten(strings.Join(t, " "), limit)))
	}
	return n
}

// compose writes the group's titles: the distinguishing parts whole if they fit beside a
// short head, else cut; the head fits what is left. Titles differ from each other and from
// taken ones; when nothing tells two apart (same title, same questions) the second is
// numbered.
func (tg *titleGroup) compose(taken map[string]string) []string {
	try := func(tailLimit int) ([]string, bool) {
		out := make([]string, len(tg.items))
		h := ""
		if len(tg.head) > 0 {
			if budget := MaxTitleLen - runeLen(" – ") - tg.longestTail(tailLimit); budget >= 8 {
				h = fitHead(tg.head, tg.keep, budget)
			}
		}
		seen := map[string]bool{}
		ok := true
		for i := range tg.items {
			cut := shorten(strings.Join(tg.tails[i], " "), tailLimit)
			switch {
			case cut == "":
				out[i] = fitHead(tg.head, tg.keep, MaxTitleLen)
			case h == "":
				out[i] = cut
			default:
				out[i] = h + " – " + cut
			}
			k := textKey(out[i])
			if _, clash := taken[k]; clash || seen[k] {
				ok = false
			}
			seen[k] = true
		}
		return out, ok
	}
	var out []string
	for _, limit := range []int{firstTailLimit, MaxTitleLen - 3 - 12, MaxTitleLen} {
		var ok bool
		if out, ok = try(limit); ok {
			return out
		}
	}
	seen := map[string]int{}
	for i := range out {
		k := textKey(out[i])
		seen[k]++
		n := seen[k]
		if _, clash := taken[k]; clash {
			n++
		}
		if n > 1 {
			suffix := fmt.Sprintf(" (%d)", n)
			out[i] = shorten(out[i], MaxTitleLen-runeLen(suffix)) + suffix
		}
	}
	return out
}

// fitHead fits the shared part of titles in limit characters, keeping the words at the
// indexes keep: its first words, then " … " and the words from the first kept one to the
// last ("Persyaratan Penerbitan … Jenis Alfa", "Persyaratan … KTP-el"). With nothing to
// keep it is cut like any title.
func fitHead(ws []string, keep []int, limit int) string {
	if s := strings.Join(ws, " "); runeLen(s) <= limit {
		return s
	}
	if len(keep) == 0 {
		return shorten(strings.Join(ws, " "), limit)
	}
	lo, hi := slices.Min(keep), slices.Max(keep)
	if lo == 0 { // the first word is kept anyway: the window starts after the lead
		lo = hi
	}
	window := strings.Join(ws[lo:hi+1], " ")
	render := func(a int) string {
		lead := trimWords(ws[:a])
		if a >= lo {
			return strings.Join(trimWords(ws[:hi+1]), " ")
		}
		if len(lead) == 0 {
			return window
		}
		return strings.Join(lead, " ") + " … " + window
	}
	best := ""
	for a := 1; a <= lo; a++ {
		if c := render(a); runeLen(c) <= limit {
			best = c
		} else {
			break
		}
	}
	if best == "" {
		return shorten(window, limit)
	}
	return best
}

// commonPrefix counts the leading words all lists share (compared ignoring case and
// punctuation).
func commonPrefix(lists [][]string) int {
	if len(lists) == 0 {
		return 0
	}
	n := 0
	for {
		if n >= len(lists[0]) {
			return n
		}
		w := textKey(lists[0][n])
		for _, l := range lists[1:] {
			if n >= len(l) || textKey(l[n]) != w {
				return n
			}
		}
		n++
	}
}

// findDuplicates reports questions asked in two entries, the same (ignoring case, spacing and
// punctuation) or nearly (NearDuplicate of their words shared): between rows, and between a
// row and an entry of the corpus the sheet does not touch.
func findDuplicates(items []*item, existing *Corpus, inSheet map[string]bool, dir string, res *ImportResult, name string, ps *Problems) {
	type q struct {
		it   *item
		e    *Entry
		text string
		line int
		key  string
		set  map[string]bool
	}
	var sheetQs, corpusQs []q
	for _, it := range items {
		for _, lq := range it.questions {
			sheetQs = append(sheetQs, q{it: it, text: lq.text, line: lq.line, key: textKey(lq.text), set: wordSet(lq.text)})
		}
	}
	for _, e := range existing.Entries {
		if inSheet[e.ID] {
			continue
		}
		for _, text := range e.Questions {
			corpusQs = append(corpusQs, q{e: e, text: text, key: textKey(text), set: wordSet(text)})
		}
	}
	near := func(a, b q) (int, int, bool) {
		if a.key == b.key {
			return len(a.set), len(a.set), true
		}
		la, lb := len(a.set), len(b.set)
		if la == 0 || lb == 0 || float64(min(la, lb)) < NearDuplicate*float64(max(la, lb)) {
			return 0, 0, false
		}
		s, u := jaccard(a.set, b.set)
		return s, u, float64(s) >= NearDuplicate*float64(u)
	}
	report := func(d DuplicateQuestion) {
		res.Duplicates = append(res.Duplicates, d)
		var msg string
		switch {
		case d.Same && d.OtherFile == "":
			msg = fmt.Sprintf("is also on line %d (id %s)", d.OtherLine, d.OtherID)
		case d.Same:
			msg = fmt.Sprintf("is also a question of %s (%s)", d.OtherID, d.OtherFile)
		case d.OtherFile == "":
			msg = fmt.Sprintf("is nearly the one on line %d (id %s), %q: %s", d.OtherLine, d.OtherID, d.OtherQuestion, d.shared())
		default:
			msg = fmt.Sprintf("is nearly %q, a question of %s (%s): %s", d.OtherQuestion, d.OtherID, d.OtherFile, d.shared())
		}
		ps.add(name, d.Line, Warning, "question %q (id %s) %s; citizens asking it cannot be told apart", d.Question, d.ID, msg)
	}
	for j, b := range sheetQs {
		found := false
		for _, a := range sheetQs[:j] {
			if a.it == b.it {
				continue
			}
			if s, u, ok := near(a, b); ok {
				report(DuplicateQuestion{Line: b.line, ID: b.it.id, Question: b.text, OtherLine: a.line, OtherID: a.it.id, OtherQuestion: a.text, Same: a.key == b.key, Shared: s, Union: u})
				found = true
				break
			}
		}
		if found {
			continue
		}
		for _, a := range corpusQs {
			if s, u, ok := near(a, b); ok {
				report(DuplicateQuestion{Line: b.line, ID: b.it.id, Question: b.text, OtherFile: filepath.Join(dir, filepath.FromSlash(a.e.File)), OtherID: a.e.ID, OtherQuestion: a.text, Same: a.key == b.key, Shared: s, Union: u})
				break
			}
		}
	}
}

// isDuplicateQuestionWarning recognises Load's warning about a question two entries share
// (corpus.go, duplicateQuestions).
func isDuplicateQuestionWarning(p Problem) bool {
	return p.Severity == Warning && strings.HasPrefix(p.Message, "question ") && strings.Contains(p.Message, " is also a question of ")
}

func mentionsAny(msg string, files map[string]*item) bool {
	for f := range files {
		if strings.HasSuffix(msg, "("+f+")") {
			return true
		}
	}
	return false
}

// sortProblems orders problems by file, then line (the sheet's rows in order), keeping the
// order of problems on one line.
func sortProblems(ps Problems) Problems {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
	return ps
}
