package corpusdb_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

var (
	editorA = balai.Officer{ID: "user:1", Name: "Ani", Role: balai.RoleEditor}
	editorB = balai.Officer{ID: "user:2", Name: "Budi", Role: balai.RoleEditor}
	admin   = balai.Officer{ID: "user:3", Name: "Citra", Role: balai.RoleAdmin}
	officer = balai.Officer{ID: "user:4", Name: "Dedi", Role: balai.RoleOfficer}
	super   = balai.Officer{ID: "user:5", Name: "Eka", Role: balai.RoleSupervisor}
)

var clockStart = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// backends runs fn on SQLite and on PostgreSQL (when BALAI_TEST_PG is set).
func backends(t *testing.T, fn func(t *testing.T, open storetest.Opener)) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) { fn(t, opener(t)) })
	}
}

type rig struct {
	db  *store.DB
	svc *corpusdb.Service
	clk *storetest.Clock
	v1  balai.CorpusVersion
}

// newRig opens a store with the embedded corpus seeded as the published version 1.
func newRig(t *testing.T, open storetest.Opener, name string, policy corpusdb.Policy) *rig {
	t.Helper()
	clk := storetest.NewClock(clockStart)
	db := open(t, name, store.Options{Owner: name, Now: clk.Now})
	svc := corpusdb.New(corpusdb.Options{Store: db, Policy: policy, Now: clk.Now})
	files, err := corpusdb.FilesFromFS(faq.Default())
	if err != nil {
		t.Fatal(err)
	}
	v1, err := svc.Seed(context.Background(), files, "embedded corpus")
	if err != nil {
		t.Fatal(err)
	}
	return &rig{db: db, svc: svc, clk: clk, v1: v1}
}

func embedded(t *testing.T) *faq.Corpus {
	t.Helper()
	c, ps, err := faq.LoadDefault()
	if err != nil || ps.Err() != nil {
		t.Fatalf("embedded corpus: %v %v", err, ps.Err())
	}
	return c
}

func mustLoad(t *testing.T, svc *corpusdb.Service, id int64) *faq.Corpus {
	t.Helper()
	c, ps, err := svc.Load(context.Background(), id)
	if err != nil || ps.Err() != nil {
		t.Fatalf("load version %d: %v %v", id, err, ps.Err())
	}
	return c
}

// sameEntries fails unless a and b hold equal entries (BodyLine ignored when rendered).
func sameEntries(t *testing.T, a, b *faq.Corpus, ignoreBodyLine bool) {
	t.Helper()
	if len(a.Entries) != len(b.Entries) {
		t.Fatalf("%d entries, want %d", len(b.Entries), len(a.Entries))
	}
	for i := range a.Entries {
		x, y := *a.Entries[i], *b.Entries[i]
		if ignoreBodyLine {
			x.BodyLine, y.BodyLine = 0, 0
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("entry %s differs:\n%+v\n%+v", x.ID, x, y)
		}
	}
	if !reflect.DeepEqual(a.Extras, b.Extras) {
		t.Fatalf("data files differ: %v vs %v", keys(a.Extras), keys(b.Extras))
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRoundTrip: the 91 entries of the embedded corpus come back identical from a version,
// whether stored as the folder's files or rendered from a corpus in memory.
func TestRoundTrip(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "roundtrip", corpusdb.Policy{})
		want := embedded(t)
		if len(want.Entries) != 91 {
			t.Fatalf("embedded corpus has %d entries; the test expects 91", len(want.Entries))
		}
		if r.v1.State != balai.CorpusPublished || r.v1.Entries != 91 || r.v1.Fingerprint != want.Fingerprint {
			t.Fatalf("seeded version: %+v", r.v1)
		}
		got := mustLoad(t, r.svc, r.v1.ID)
		sameEntries(t, want, got, false)
		if got.Fingerprint != want.Fingerprint {
			t.Fatalf("fingerprint %s, want %s", got.Fingerprint, want.Fingerprint)
		}
		// Seeding again (another replica starting) keeps version 1.
		again, err := r.svc.Seed(ctx, nil, "again")
		if err != nil || again.ID != r.v1.ID {
			t.Fatalf("second seed: %+v %v", again, err)
		}
		files, err := corpusdb.FilesFromCorpus(want)
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := r.svc.CreateDraft(ctx, editorA, files, "rendered")
		if err != nil {
			t.Fatal(err)
		}
		sameEntries(t, want, mustLoad(t, r.svc, d.ID), true)
		if diff, err := r.svc.Diff(ctx, r.v1.ID, d.ID); err != nil || !diff.Empty() {
			t.Fatalf("diff of the rendered copy: %+v %v", diff, err)
		}
	})
}

func entryOf(t *testing.T, svc *corpusdb.Service, id int64, entry string) *faq.Entry {
	t.Helper()
	e, ok := mustLoad(t, svc, id).Entry(entry)
	if !ok {
		t.Fatalf("version %d has no entry %s", id, entry)
	}
	cp := *e
	return &cp
}

const ktp = "akta-kelahiran-hilang-rusak"

// TestFourEyes: with four eyes, whoever changed a draft cannot approve it, officers and
// supervisors cannot approve or publish, and nothing is published before approval.
func TestFourEyes(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "foureyes", corpusdb.Policy{FourEyes: true})
		d, err := r.svc.NewDraft(ctx, editorA, 0, "judul lebih jelas")
		if err != nil {
			t.Fatal(err)
		}
		e := entryOf(t, r.svc, d.ID, ktp)
		e.Title = "Akta kelahiran hilang/rusak"
		if _, err := r.svc.UpdateEntry(ctx, editorA, d.ID, e); err != nil {
			t.Fatal(err)
		}
		// editorB changes it too: now neither may approve it.
		e.Owner = "Disdukcapil"
		if _, err := r.svc.UpdateEntry(ctx, editorB, d.ID, e); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.UpdateEntry(ctx, officer, d.ID, e); !errors.Is(err, corpusdb.ErrNotAllowed) {
			t.Fatalf("officer edits: %v, want ErrNotAllowed", err)
		}
		if _, err := r.svc.Publish(ctx, editorA, d.ID, corpusdb.PublishOptions{}); !errors.Is(err, corpusdb.ErrNotAllowed) {
			t.Fatalf("publish a draft with four eyes: %v, want ErrNotAllowed", err)
		}
		if _, err := r.svc.Submit(ctx, editorA, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.UpdateEntry(ctx, editorA, d.ID, e); !errors.Is(err, balai.ErrVersionState) {
			t.Fatalf("edit in review: %v, want ErrVersionState", err)
		}
		for _, who := range []balai.Officer{editorA, editorB, officer, super} {
			if _, err := r.svc.Approve(ctx, who, d.ID, "ok"); !errors.Is(err, corpusdb.ErrNotAllowed) {
				t.Fatalf("%s (%s) approves: %v, want ErrNotAllowed", who.ID, who.Role, err)
			}
		}
		v, err := r.svc.Approve(ctx, admin, d.ID, "sudah dicek")
		if err != nil || v.State != balai.CorpusApproved || v.Approver != admin.ID || v.ApprovedAt.IsZero() {
			t.Fatalf("admin approves: %+v %v", v, err)
		}
		if _, err := r.svc.Publish(ctx, officer, d.ID, corpusdb.PublishOptions{}); !errors.Is(err, corpusdb.ErrNotAllowed) {
			t.Fatalf("officer publishes: %v, want ErrNotAllowed", err)
		}
		r.clk.Add(time.Minute)
		v, err = r.svc.Publish(ctx, editorA, d.ID, corpusdb.PublishOptions{})
		if err != nil || v.State != balai.CorpusPublished || v.Publisher != editorA.ID || !v.PublishedAt.Equal(clockStart.Add(time.Minute)) {
			t.Fatalf("publish: %+v %v", v, err)
		}
		if old, _ := r.svc.Version(ctx, r.v1.ID); old.State != balai.CorpusSuperseded || old.SupersededAt.IsZero() {
			t.Fatalf("version 1 after the publish: %+v", old)
		}
		if v.Author != editorA.ID || !reflect.DeepEqual(v.Contributors, []string{editorA.ID, editorB.ID}) || v.Parent != r.v1.ID {
			t.Fatalf("version: author %s contributors %v parent %d", v.Author, v.Contributors, v.Parent)
		}
		// Every step is in the audit log, by whom.
		audit, err := r.db.Audit(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(audit) - 1; i >= 0; i-- {
			got = append(got, audit[i].Actor+" "+audit[i].Action+" "+audit[i].Target)
		}
		want := []string{"system corpus_seeded corpus:1", "user:1 corpus_draft_created corpus:2", "user:1 corpus_entry_changed corpus:2",
			"user:2 corpus_entry_changed corpus:2", "user:1 corpus_submitted corpus:2", "user:3 corpus_approved corpus:2", "user:1 corpus_published corpus:2"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !strings.Contains(audit[len(audit)-3].Detail, "title") {
			t.Fatalf("the edit's audit names no field: %+v", audit[len(audit)-3])
		}
	})
}

// TestSingleAdmin: without four eyes an editor publishes their own draft directly; an
// officer still cannot.
func TestSingleAdmin(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "single", corpusdb.Policy{})
		d, err := r.svc.NewDraft(ctx, editorA, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Publish(ctx, officer, d.ID, corpusdb.PublishOptions{}); !errors.Is(err, corpusdb.ErrNotAllowed) {
			t.Fatalf("officer publishes: %v", err)
		}
		if v, err := r.svc.Publish(ctx, editorA, d.ID, corpusdb.PublishOptions{}); err != nil || v.State != balai.CorpusPublished {
			t.Fatalf("editor publishes own draft: %+v %v", v, err)
		}
		if _, err := r.svc.Publish(ctx, editorA, d.ID, corpusdb.PublishOptions{}); !errors.Is(err, balai.ErrVersionState) {
			t.Fatalf("publish twice: %v", err)
		}
	})
}

// TestEntryValidation: problems name the entry and the field; nothing is saved on errors.
func TestEntryValidation(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "validate", corpusdb.Policy{})
		d, _ := r.svc.NewDraft(ctx, editorA, 0, "")
		base := entryOf(t, r.svc, d.ID, ktp)
		other := entryOf(t, r.svc, d.ID, "akta-kelahiran")
		tests := []struct {
			name   string
			edit   func(e *faq.Entry)
			fields []string // fields with errors; nil: saved
			warn   string   // a warning's field
		}{
			{"bad source", func(e *faq.Entry) { e.Source = "dukcapil.go.id" }, []string{"source"}, ""},
			{"no title", func(e *faq.Entry) { e.Title = "" }, []string{"title"}, ""},
			{"no questions", func(e *faq.Entry) { e.Questions = nil }, []string{"questions"}, ""},
			{"no body", func(e *faq.Entry) { e.Body = " " }, []string{"body"}, ""},
			{"bad id", func(e *faq.Entry) { e.ID = "Akta Baru" }, []string{"id"}, ""},
			{"id of another file", func(e *faq.Entry) { e.ID = other.ID; e.File = "" }, nil, ""}, // replaces that entry: allowed
			{"long title", func(e *faq.Entry) { e.Title = strings.Repeat("panjang ", 10) }, nil, "title"},
			{"question of another entry", func(e *faq.Entry) { e.Questions = append(e.Questions, other.Questions[0]) }, nil, "questions"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := *base
				e.Questions = append([]string(nil), base.Questions...)
				tt.edit(&e)
				before := mustLoad(t, r.svc, d.ID).Fingerprint
				ps, err := r.svc.UpdateEntry(ctx, editorA, d.ID, &e)
				var ee *corpusdb.EntryError
				if tt.fields == nil {
					if err != nil {
						t.Fatalf("save: %v", err)
					}
				} else {
					if !errors.As(err, &ee) {
						t.Fatalf("save: %v, want an EntryError", err)
					}
					var got []string
					for _, p := range ee.Problems {
						if p.Severity == faq.Error {
							got = append(got, p.Field)
							if p.Entry != e.ID {
								t.Errorf("problem names entry %q, want %q", p.Entry, e.ID)
							}
						}
					}
					if !reflect.DeepEqual(got, tt.fields) {
						t.Fatalf("error fields %v, want %v (%v)", got, tt.fields, err)
					}
					if after := mustLoad(t, r.svc, d.ID).Fingerprint; after != before {
						t.Fatal("an entry with errors was saved")
					}
				}
				if tt.warn != "" {
					found := false
					for _, p := range ps {
						found = found || p.Severity == faq.Warning && p.Field == tt.warn
					}
					if !found {
						t.Fatalf("no warning on %s: %+v", tt.warn, ps)
					}
				}
			})
		}
	})
}

// TestDiff: a diff lists added, removed and changed entries with the changed fields.
func TestDiff(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "diff", corpusdb.Policy{})
		d, _ := r.svc.NewDraft(ctx, editorA, 0, "")
		e := entryOf(t, r.svc, d.ID, ktp)
		e.Title, e.Body = "Akta hilang", e.Body+"\n\nTambahan."
		if _, err := r.svc.UpdateEntry(ctx, editorA, d.ID, e); err != nil {
			t.Fatal(err)
		}
		n := &faq.Entry{ID: "sewa-aula", Title: "Sewa aula kecamatan", Questions: []string{"Bagaimana cara menyewa aula kecamatan?"},
			Category: "Layanan Kami", Source: "https://example.go.id/aula", Body: "Ajukan surat permohonan ke kantor kecamatan."}
		if _, err := r.svc.UpdateEntry(ctx, editorA, d.ID, n); err != nil {
			t.Fatal(err)
		}
		if err := r.svc.DeleteEntry(ctx, editorA, d.ID, "akta-kelahiran-terlambat"); err != nil {
			t.Fatal(err)
		}
		if err := r.svc.DeleteEntry(ctx, editorA, d.ID, "tidak-ada"); !errors.Is(err, corpusdb.ErrNoEntry) {
			t.Fatalf("delete a missing entry: %v", err)
		}
		diff, err := r.svc.Diff(ctx, r.v1.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(diff.Added, []string{"sewa-aula"}) || !reflect.DeepEqual(diff.Removed, []string{"akta-kelahiran-terlambat"}) || len(diff.Changed) != 1 {
			t.Fatalf("diff: %+v", diff)
		}
		ch := diff.Changed[0]
		if ch.ID != ktp || len(ch.Fields) != 2 || ch.Fields[0].Field != "title" || ch.Fields[0].To != "Akta hilang" || ch.Fields[1].Field != "body" {
			t.Fatalf("changed: %+v", ch)
		}
		if v, _ := r.svc.Version(ctx, d.ID); v.Entries != 91 {
			t.Fatalf("draft counts %d entries, want 91", v.Entries)
		}
		if c := mustLoad(t, r.svc, d.ID); func() bool { e, ok := c.Entry("sewa-aula"); return !ok || e.File != "layanan-kami/sewa-aula.md" }() {
			t.Fatal("the new entry is not in its category's folder")
		}
	})
}

// TestRollback: a rollback publishes a new version equal to the old one, audited.
func TestRollback(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "rollback", corpusdb.Policy{FourEyes: true})
		d, _ := r.svc.NewDraft(ctx, editorA, 0, "")
		e := entryOf(t, r.svc, d.ID, ktp)
		e.Body = "Jawaban yang salah."
		r.svc.UpdateEntry(ctx, editorA, d.ID, e)
		r.svc.Submit(ctx, editorA, d.ID)
		r.svc.Approve(ctx, editorB, d.ID, "")
		if _, err := r.svc.Publish(ctx, editorB, d.ID, corpusdb.PublishOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Rollback(ctx, officer, r.v1.ID, "", corpusdb.PublishOptions{}); !errors.Is(err, corpusdb.ErrNotAllowed) {
			t.Fatalf("officer rolls back: %v", err)
		}
		d2, _ := r.svc.NewDraft(ctx, editorA, 0, "")
		if _, err := r.svc.Rollback(ctx, editorA, d2.ID, "", corpusdb.PublishOptions{}); !errors.Is(err, balai.ErrVersionState) {
			t.Fatalf("rollback to a draft: %v", err)
		}
		v, err := r.svc.Rollback(ctx, editorA, r.v1.ID, "jawaban salah", corpusdb.PublishOptions{})
		if err != nil || v.State != balai.CorpusPublished || v.RollbackOf != r.v1.ID || v.Parent != d.ID || v.Fingerprint != r.v1.Fingerprint {
			t.Fatalf("rollback: %+v %v", v, err)
		}
		if diff, _ := r.svc.Diff(ctx, r.v1.ID, v.ID); !diff.Empty() {
			t.Fatalf("rolled back version differs from version 1: %+v", diff)
		}
		if p, _ := r.svc.Version(ctx, d.ID); p.State != balai.CorpusSuperseded {
			t.Fatalf("the bad version is %s", p.State)
		}
		hist, _ := r.svc.History(ctx, 0)
		if len(hist) != 4 || hist[0].ID != v.ID {
			t.Fatalf("history: %d versions, newest %d", len(hist), hist[0].ID)
		}
		audit, _ := r.db.Audit(ctx, 1)
		if audit[0].Action != "corpus_rollback" || audit[0].Actor != editorA.ID || !strings.Contains(audit[0].Detail, "jawaban salah") {
			t.Fatalf("audit: %+v", audit[0])
		}
	})
}

// TestShrinkGuard: a version removing more than the limit needs confirmation.
func TestShrinkGuard(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "shrink", corpusdb.Policy{ShrinkLimit: 0.2})
		c := embedded(t)
		half, _ := faq.NewCorpus(c.Entries[:45], c.Extras)
		files, _ := corpusdb.FilesFromCorpus(half)
		d, _, err := r.svc.CreateDraft(ctx, admin, files, "setengah")
		if err != nil {
			t.Fatal(err)
		}
		var sh *corpusdb.ShrinkError
		if _, err := r.svc.Publish(ctx, admin, d.ID, corpusdb.PublishOptions{}); !errors.As(err, &sh) || sh.Removed != 46 || sh.From != 91 {
			t.Fatalf("publish half: %v", err)
		}
		if v, err := r.svc.Publish(ctx, admin, d.ID, corpusdb.PublishOptions{ConfirmShrink: true}); err != nil || v.State != balai.CorpusPublished {
			t.Fatalf("confirmed: %+v %v", v, err)
		}
		// Back to 91 entries is no shrink; rolling back to the half again is.
		if _, err := r.svc.Rollback(ctx, admin, r.v1.ID, "", corpusdb.PublishOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Rollback(ctx, admin, d.ID, "", corpusdb.PublishOptions{}); !errors.As(err, &sh) {
			t.Fatalf("rollback to the half: %v", err)
		}
	})
}

// TestShrinkCountsOnlyEntriesGone: the shrink guard counts the published entries whose id
// the new version no longer has, whether their file was deleted or now holds another id;
// an entry whose file moved is not removed.
func TestShrinkCountsOnlyEntriesGone(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "shrinkfiles", corpusdb.Policy{ShrinkLimit: 0.01})
		files, err := corpusdb.FilesFromFS(faq.Default())
		if err != nil {
			t.Fatal(err)
		}
		c := embedded(t)
		moved, renamed, deleted := c.Entries[3], c.Entries[10], c.Entries[20]
		var next []balai.CorpusFile
		for _, f := range files {
			switch f.Path {
			case moved.File:
				f.Path = "lain/" + path.Base(f.Path)
			case renamed.File:
				f.Data = bytes.Replace(f.Data, []byte("id: "+renamed.ID+"\n"), []byte("id: "+renamed.ID+"-baru\n"), 1)
			case deleted.File:
				continue
			}
			next = append(next, f)
		}
		d, _, err := r.svc.CreateDraft(ctx, admin, next, "dua hilang")
		if err != nil {
			t.Fatal(err)
		}
		var sh *corpusdb.ShrinkError
		_, err = r.svc.Publish(ctx, admin, d.ID, corpusdb.PublishOptions{})
		want := []string{renamed.ID, deleted.ID}
		slices.Sort(want)
		if !errors.As(err, &sh) || sh.From != len(c.Entries) || sh.To != len(c.Entries)-1 || sh.Removed != 2 || !slices.Equal(sh.IDs, want) {
			t.Fatalf("publish: %v (%+v), want %v removed", err, sh, want)
		}
		if _, err := r.svc.Publish(ctx, admin, d.ID, corpusdb.PublishOptions{ConfirmShrink: true}); err != nil {
			t.Fatal(err)
		}
		// Back to the first version: the renamed entry's new id goes, the others come back.
		_, err = r.svc.Rollback(ctx, admin, r.v1.ID, "", corpusdb.PublishOptions{})
		if !errors.As(err, &sh) || sh.Removed != 1 || !slices.Equal(sh.IDs, []string{renamed.ID + "-baru"}) {
			t.Fatalf("rollback: %v (%+v)", err, sh)
		}
	})
}

// TestExport: a version exported as a folder loads to the same corpus; exported as CSV and
// imported onto the published version, it changes nothing.
func TestExport(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open, "export", corpusdb.Policy{})
		dir := filepath.Join(t.TempDir(), "out")
		if err := r.svc.ExportDir(ctx, r.v1.ID, dir); err != nil {
			t.Fatal(err)
		}
		if err := r.svc.ExportDir(ctx, r.v1.ID, dir); err == nil {
			t.Fatal("exported into a folder that is not empty")
		}
		c, ps, err := faq.LoadDir(dir)
		if err != nil || ps.Err() != nil {
			t.Fatal(err, ps.Err())
		}
		v1 := mustLoad(t, r.svc, r.v1.ID)
		sameEntries(t, v1, c, false)
		if c.Fingerprint != v1.Fingerprint {
			t.Fatal("the exported folder has another fingerprint")
		}
		// The folder back as a draft: the same content.
		d, _, err := r.svc.DraftFromDir(ctx, editorA, dir, "from git")
		if err != nil || d.Fingerprint != r.v1.Fingerprint {
			t.Fatalf("draft from the folder: %+v %v", d, err)
		}
		var csv bytes.Buffer
		if err := r.svc.ExportCSV(ctx, r.v1.ID, &csv); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(csv.String(), "https://"); n < 91 {
			t.Fatalf("csv has %d sources", n)
		}
		d, res, _, err := r.svc.DraftFromCSV(ctx, editorA, "faq.csv", bytes.NewReader(csv.Bytes()), faq.ImportOptions{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Unchanged) != 91 || len(res.Created)+len(res.Updated) != 0 {
			t.Fatalf("re-import: %d unchanged, %d created, %d updated", len(res.Unchanged), len(res.Created), len(res.Updated))
		}
		if diff, _ := r.svc.Diff(ctx, r.v1.ID, d.ID); !diff.Empty() {
			t.Fatalf("re-imported CSV differs: %+v", diff)
		}
		// A changed cell in the sheet is a changed field in the draft.
		changed := strings.Replace(csv.String(), "Akta kelahiran hilang atau rusak", "Akta lahir hilang atau rusak", 1)
		d, res, _, err = r.svc.DraftFromCSV(ctx, editorA, "faq.csv", strings.NewReader(changed), faq.ImportOptions{}, "")
		if err != nil || len(res.Updated) != 1 {
			t.Fatalf("changed sheet: %+v %v", res, err)
		}
		if diff, _ := r.svc.Diff(ctx, r.v1.ID, d.ID); len(diff.Changed) != 1 || diff.Changed[0].Fields[0].Field != "title" {
			t.Fatalf("diff after the changed sheet: %+v", diff)
		}
	})
}

// TestReadOnly: with the corpus in a folder, versions cannot change and the error says why.
func TestReadOnly(t *testing.T) {
	db := storetest.SQLite(t)(t, "ro", store.Options{})
	svc := corpusdb.New(corpusdb.Options{Store: db, ReadOnly: "the corpus lives in the folder faq/ (BALAI_CORPUS=folder)"})
	files, _ := corpusdb.FilesFromFS(faq.Default())
	_, _, err := svc.CreateDraft(context.Background(), admin, files, "")
	if !errors.Is(err, corpusdb.ErrReadOnly) || !strings.Contains(err.Error(), "BALAI_CORPUS=folder") {
		t.Fatalf("draft in read-only mode: %v", err)
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
