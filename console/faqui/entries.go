package faqui

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
)

// versionsData is the overview: the published version, the versions in the works and the
// freshness of the published corpus per owner.
type versionsData struct {
	Live  version
	Open  []balai.CorpusVersion // drafts, in review, approved
	Fresh freshness
}

// freshness is a corpus's entries past or near their review date, per owner.
type freshness struct {
	Owners  []faq.OwnerReview
	Stale   []*faq.Entry
	DueSoon []*faq.Entry
	Days    int
	Version int64 // the version listed (0: the served corpus)
}

func (u *UI) freshness(v version) freshness {
	r := v.C.Review(u.cfg.Now(), faq.ReviewWindow)
	return freshness{Owners: r.ByOwner(), Stale: r.Stale, DueSoon: r.DueSoon, Days: r.WindowDays(), Version: v.V.ID}
}

func (u *UI) versionsPage(w http.ResponseWriter, r *http.Request, q request) {
	live, err := u.load(r.Context(), 0)
	if err != nil {
		u.fail(w, q, err, "load the published corpus")
		return
	}
	d := versionsData{Live: live, Fresh: u.freshness(live)}
	if u.cfg.Service.ReadOnly() == "" {
		all, err := u.cfg.Service.History(r.Context(), 0)
		if err != nil {
			u.fail(w, q, err, "list corpus versions")
			return
		}
		for _, v := range all {
			if v.State == balai.CorpusDraft || v.State == balai.CorpusReview || v.State == balai.CorpusApproved {
				d.Open = append(d.Open, v)
			}
		}
	}
	u.render(w, http.StatusOK, "versions", u.newPage(q, "console_faq_title", d))
}

// newDraft starts a draft as a copy of the published version.
func (u *UI) newDraft(w http.ResponseWriter, r *http.Request, q request) {
	v, err := u.cfg.Service.NewDraft(r.Context(), q.o, 0, strings.TrimSpace(r.PostFormValue("note")))
	if err != nil {
		u.fail(w, q, err, "start a draft")
		return
	}
	http.Redirect(w, r, u.versionURL(v.ID), http.StatusSeeOther)
}

// filter selects entries of a list.
type filter struct {
	Q        string
	Category string
	Owner    string
	Review   string // "stale" (past review_by), "soon" (within faq.ReviewWindow), "due" (either)
}

// row is one entry of a list.
type row struct {
	E          *faq.Entry
	Stale      bool
	Soon       bool
	Rate       Rate
	HasRate    bool
	RateString string
}

type entriesData struct {
	V          version
	F          filter
	Rows       []row
	Matched    int
	Categories []string
	Owners     []string
	Fresh      freshness
	// Feedback: 👎 rates are known (else the column says they are unavailable).
	Feedback bool
}

func (u *UI) entriesPage(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	v, err := u.load(r.Context(), id)
	if err != nil {
		u.fail(w, q, err, "load a corpus version")
		return
	}
	qs := r.URL.Query()
	f := filter{Q: strings.TrimSpace(qs.Get("q")), Category: qs.Get("category"), Owner: qs.Get("owner"), Review: qs.Get("review")}
	d := entriesData{V: v, F: f, Categories: v.C.Categories(), Fresh: u.freshness(v)}
	owners := map[string]bool{}
	for _, e := range v.C.Entries {
		if e.Owner != "" && !owners[e.Owner] {
			owners[e.Owner] = true
			d.Owners = append(d.Owners, e.Owner)
		}
	}
	slices.Sort(d.Owners)
	var rates map[string]Rate
	if u.cfg.Feedback != nil {
		if rates, err = u.cfg.Feedback.NotHelpful(r.Context()); err != nil {
			u.cfg.Logger.Warn("Failed to read the entries' feedback", "error", err)
		} else {
			d.Feedback = true
		}
	}
	now := u.cfg.Now()
	soon := now.Add(faq.ReviewWindow)
	words := strings.Fields(strings.ToLower(f.Q))
	for _, e := range v.C.Entries {
		rw := row{E: e, Stale: e.Stale(now)}
		rw.Soon = !rw.Stale && !e.ReviewBy.IsZero() && e.Stale(soon)
		if !matches(e, f, words, rw) {
			continue
		}
		d.Matched++
		if len(d.Rows) >= u.cfg.PageSize {
			continue
		}
		if rt, ok := rates[e.ID]; ok && rt.Answers > 0 {
			rw.Rate, rw.HasRate = rt, true
		}
		d.Rows = append(d.Rows, rw)
	}
	u.render(w, http.StatusOK, "entries", u.newPage(q, "console_faq_entries_title", d))
}

// matches reports whether e passes f; words are f.Q's, lower-cased, all required.
func matches(e *faq.Entry, f filter, words []string, rw row) bool {
	if f.Category != "" && e.Category != f.Category || f.Owner != "" && e.Owner != f.Owner {
		return false
	}
	switch f.Review {
	case "stale":
		if !rw.Stale {
			return false
		}
	case "soon":
		if !rw.Soon {
			return false
		}
	case "due":
		if !rw.Stale && !rw.Soon {
			return false
		}
	}
	if len(words) == 0 {
		return true
	}
	text := strings.ToLower(strings.Join([]string{e.ID, e.Title, strings.Join(e.Questions, " "), strings.Join(e.Keywords, " "), e.Body}, " "))
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// form is an entry's editor: the values typed and the problems per field.
type form struct {
	ID, Title, Questions, Keywords, Category, Source, Updated, ReviewBy, Owner, Lang, Body string
	Problems                                                                               map[string][]corpusdb.Problem
	New                                                                                    bool
}

// Has reports whether field has a problem (for aria-invalid).
func (f form) Has(field string) bool { return len(f.Problems[field]) > 0 }

func formOf(e *faq.Entry) form {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(faq.DateLayout)
	}
	return form{ID: e.ID, Title: e.Title, Questions: strings.Join(e.Questions, "\n"), Keywords: strings.Join(e.Keywords, ", "),
		Category: e.Category, Source: e.Source, Updated: date(e.Updated), ReviewBy: date(e.ReviewBy), Owner: e.Owner, Lang: e.Lang, Body: e.Body}
}

// readForm reads the posted editor; dates that do not parse are problems of their field.
func readForm(r *http.Request) (form, *faq.Entry) {
	v := func(k string) string { return strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(k), "\r\n", "\n")) }
	f := form{ID: v("id"), Title: v("title"), Questions: v("questions"), Keywords: v("keywords"), Category: v("category"),
		Source: v("source"), Updated: v("updated"), ReviewBy: v("review_by"), Owner: v("owner"), Lang: v("lang"), Body: v("body"),
		Problems: map[string][]corpusdb.Problem{}}
	e := &faq.Entry{ID: f.ID, Title: f.Title, Category: f.Category, Source: f.Source, Owner: f.Owner, Lang: f.Lang, Body: f.Body}
	for _, l := range strings.Split(f.Questions, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			e.Questions = append(e.Questions, l)
		}
	}
	for _, k := range strings.FieldsFunc(f.Keywords, func(r rune) bool { return r == ',' || r == '\n' }) {
		if k = strings.TrimSpace(k); k != "" {
			e.Keywords = append(e.Keywords, k)
		}
	}
	for _, d := range []struct {
		field, s string
		t        *time.Time
	}{{"updated", f.Updated, &e.Updated}, {"review_by", f.ReviewBy, &e.ReviewBy}} {
		if d.s == "" {
			continue
		}
		t, err := faq.Date(d.s)
		if err != nil {
			f.Problems[d.field] = append(f.Problems[d.field], corpusdb.Problem{Entry: f.ID, Field: d.field, Severity: faq.Error, Message: err.Error()})
			continue
		}
		*d.t = t
	}
	return f, e
}

type entryData struct {
	V        version
	Entry    *faq.Entry // as saved (nil for a new entry)
	Form     form
	Preview  *Preview
	Langs    []string
	Saved    bool
	Warnings []corpusdb.Problem
}

func (u *UI) entryPage(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	v, err := u.load(r.Context(), id)
	if err != nil {
		u.fail(w, q, err, "load a corpus version")
		return
	}
	e, ok := v.C.Entry(r.PathValue("entry"))
	if !ok {
		u.fail(w, q, corpusdb.ErrNoEntry, "")
		return
	}
	d := entryData{V: v, Entry: e, Form: formOf(e), Saved: r.URL.Query().Get("saved") == "1"}
	d.Form.Problems = map[string][]corpusdb.Problem{}
	for _, p := range v.Problems {
		if p.File == e.File {
			d.Form.Problems[""] = append(d.Form.Problems[""], corpusdb.Problem{Entry: e.ID, Severity: p.Severity, Message: p.Message})
		}
	}
	u.withPreview(&d, r, e)
	u.render(w, http.StatusOK, "entry", u.newPage(q, "console_faq_entry_title", d))
}

// withPreview adds e's preview in the language asked (?lang=), the entry's by default.
func (u *UI) withPreview(d *entryData, r *http.Request, e *faq.Entry) {
	lang := r.URL.Query().Get("lang")
	if lang != "id" && lang != "en" {
		lang = e.Lang
		if lang != "en" {
			lang = "id"
		}
	}
	p := previewEntry(u.cfg.Texts, e, lang)
	d.Preview, d.Langs = &p, []string{"id", "en"}
}

func (u *UI) newEntryPage(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	v, err := u.load(r.Context(), id)
	if err != nil {
		u.fail(w, q, err, "load a corpus version")
		return
	}
	d := entryData{V: v, Form: form{New: true, Lang: "id", Category: r.URL.Query().Get("category"), Problems: map[string][]corpusdb.Problem{}}}
	u.render(w, http.StatusOK, "entry", u.newPage(q, "console_faq_new_title", d))
}

// draftOf returns the draft to change for a change asked on version id: id itself when it
// is a draft, else a new draft copied from it (the first edit of the published version).
func (u *UI) draftOf(ctx context.Context, q request, id int64) (int64, error) {
	if id != 0 {
		v, err := u.cfg.Service.Version(ctx, id)
		if err != nil {
			return 0, err
		}
		if v.State == balai.CorpusDraft {
			return id, nil
		}
	}
	v, err := u.cfg.Service.NewDraft(ctx, q.o, id, "")
	if err != nil {
		return 0, err
	}
	return v.ID, nil
}

// saveEntry saves the posted entry in the version's draft (made on the first edit); with
// problems the editor shows again with each problem beside its field.
func (u *UI) saveEntry(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	f, e := readForm(r)
	isNew := r.PathValue("entry") == ""
	if !isNew {
		e.ID, f.ID = r.PathValue("entry"), r.PathValue("entry") // the id of an entry stays
	}
	f.New = isNew
	ctx := r.Context()
	show := func(vid int64, status int) {
		v, err := u.load(ctx, vid)
		if err != nil {
			u.fail(w, q, err, "load a corpus version")
			return
		}
		d := entryData{V: v, Form: f}
		if old, ok := v.C.Entry(e.ID); ok && !isNew {
			d.Entry = old
		}
		key := "console_faq_entry_title"
		if isNew {
			key = "console_faq_new_title"
		}
		p := u.newPage(q, key, d)
		p.Error = p.L.T("console_faq_entry_has_errors")
		u.render(w, status, "entry", p)
	}
	if len(f.Problems) > 0 {
		show(id, http.StatusUnprocessableEntity)
		return
	}
	if isNew {
		if e.ID == "" {
			e.ID = faq.Slug(e.Title)
			f.ID = e.ID
		}
		if v, err := u.load(ctx, id); err == nil {
			if _, taken := v.C.Entry(e.ID); taken {
				f.Problems["id"] = append(f.Problems["id"], corpusdb.Problem{Entry: e.ID, Field: "id", Severity: faq.Error,
					Message: tr{Cat: u.cfg.Texts, Code: q.lang}.T("console_faq_id_taken")})
				show(id, http.StatusUnprocessableEntity)
				return
			}
		}
	}
	draft, err := u.draftOf(ctx, q, id)
	if err != nil {
		u.fail(w, q, err, "start a draft")
		return
	}
	if !isNew {
		// The editor shows the title; the full title an import kept for search stays while
		// the title does (a new title replaces both).
		if v, err := u.load(ctx, draft); err == nil {
			if old, ok := v.C.Entry(e.ID); ok && old.Title == e.Title {
				e.FullTitle = old.FullTitle
			}
		}
	}
	warnings, err := u.cfg.Service.UpdateEntry(ctx, q.o, draft, e)
	var ee *corpusdb.EntryError
	if errors.As(err, &ee) {
		for _, p := range ee.Problems {
			f.Problems[p.Field] = append(f.Problems[p.Field], p)
		}
		show(draft, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		u.fail(w, q, err, "save an entry")
		return
	}
	_ = warnings // shown by the entry page, which validates the draft again
	http.Redirect(w, r, u.entryURL(draft, e.ID)+"?saved=1", http.StatusSeeOther)
}

func (u *UI) deleteEntry(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	draft, err := u.draftOf(r.Context(), q, id)
	if err != nil {
		u.fail(w, q, err, "start a draft")
		return
	}
	if err := u.cfg.Service.DeleteEntry(r.Context(), q.o, draft, r.PathValue("entry")); err != nil {
		u.fail(w, q, err, "delete an entry")
		return
	}
	http.Redirect(w, r, u.versionURL(draft), http.StatusSeeOther)
}

// HomeSection is the console home page's part for editors: the published corpus's entries
// past or near their review date per owner, with a link to the list. Empty for other roles
// and when every entry is fresh.
func (u *UI) HomeSection(r *http.Request) template.HTML {
	o, ok := u.cfg.Auth.Officer(r)
	if !ok || !o.Role.Allows(balai.RoleEditor) {
		return ""
	}
	q := request{o: o, lang: u.cfg.Auth.Lang(r)}
	v, err := u.load(r.Context(), 0)
	if err != nil {
		u.cfg.Logger.Warn("Failed to load the corpus for the home page", "error", err)
		return ""
	}
	var b strings.Builder
	if err := u.pages["home"].ExecuteTemplate(&b, "home", u.newPage(q, "console_faq_fresh_title", u.freshness(v))); err != nil {
		u.cfg.Logger.Error("Failed to render the FAQ home section", "error", err)
		return ""
	}
	return template.HTML(b.String())
}
