// Package corpusdb keeps the FAQ corpus as versions in the database, for agencies that run
// several replicas or edit the corpus in the console (BALAI_CORPUS=db): drafts made from an
// import (a folder or a spreadsheet) or by editing entries, review with an optional
// four-eyes rule, publication, history with per-entry diffs, rollback, and export of any
// version as the documented Markdown folder or CSV. Every change is written to the
// console's audit log in the same transaction.
//
// A version's files are the corpus's files byte for byte (faq's Markdown entries and the
// _balai data files), so a version loads through the same parser and validation as a
// folder (faq.Load, knowledge.ValidateExtras) and exports back to an identical folder.
//
// Follower serves the published version in a running process: it notices a newly published
// one (woken by the store or by polling its id), loads it and hands it over to be swapped in.
package corpusdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
)

// Store keeps versions; *store.DB implements it on SQLite and PostgreSQL.
type Store interface {
	// CreateCorpusVersion stores a new draft or published version with its files.
	CreateCorpusVersion(ctx context.Context, v balai.CorpusVersion, files []balai.CorpusFile, audit balai.AuditEntry) (balai.CorpusVersion, error)
	// CopyCorpusVersion stores a new version with the files of version from.
	CopyCorpusVersion(ctx context.Context, v balai.CorpusVersion, from int64, audit balai.AuditEntry) (balai.CorpusVersion, error)
	// UpdateCorpusDraft changes a draft's files (balai.ErrVersionState when not a draft).
	UpdateCorpusDraft(ctx context.Context, id int64, put []balai.CorpusFile, del []string, contributor string, entries int, fingerprint string, audit balai.AuditEntry) error
	// TransitionCorpusVersion changes a version's state (balai.ErrVersionState,
	// balai.ErrPublishRace).
	TransitionCorpusVersion(ctx context.Context, id int64, t balai.CorpusTransition) (balai.CorpusVersion, error)
	// CorpusVersion returns one version (balai.ErrVersionNotFound).
	CorpusVersion(ctx context.Context, id int64) (balai.CorpusVersion, error)
	// PublishedCorpusVersion returns the published version (balai.ErrVersionNotFound).
	PublishedCorpusVersion(ctx context.Context) (balai.CorpusVersion, error)
	// PublishedCorpusID returns the published version's id, 0 when none.
	PublishedCorpusID(ctx context.Context) (int64, error)
	// CorpusVersions lists versions newest first.
	CorpusVersions(ctx context.Context, limit int, states ...balai.CorpusState) ([]balai.CorpusVersion, error)
	// CorpusFiles returns a version's files sorted by path.
	CorpusFiles(ctx context.Context, id int64) ([]balai.CorpusFile, error)
}

// Policy is the agency's review rule.
type Policy struct {
	// FourEyes: a draft is published only after a second person, who changed nothing in it,
	// approved it. Off (single-admin agencies): an editor or admin publishes directly.
	FourEyes bool
	// ShrinkLimit is the share of the published entries (0.2 = 20%) a new version may
	// remove without PublishOptions.ConfirmShrink; 0 turns the guard off.
	ShrinkLimit float64
}

// Options configure a Service.
type Options struct {
	Store  Store
	Policy Policy
	// ReadOnly, when not "", says why versions cannot be changed (the corpus lives in a
	// folder: BALAI_CORPUS=folder): every change returns an error wrapping ErrReadOnly with it.
	ReadOnly string
	// Validate checks a whole corpus beyond its entries; default knowledge.ValidateExtras
	// (what balai faq validate checks).
	Validate func(*faq.Corpus) faq.Problems
	// Now is the clock; default clock.Now.
	Now func() time.Time
}

// Service is the corpus lifecycle. Safe for concurrent use.
type Service struct {
	st       Store
	policy   Policy
	readOnly string
	validate func(*faq.Corpus) faq.Problems
	now      func() time.Time
}

// New returns a Service.
func New(opts Options) *Service {
	s := &Service{st: opts.Store, policy: opts.Policy, readOnly: opts.ReadOnly, validate: opts.Validate, now: opts.Now}
	if s.validate == nil {
		s.validate = knowledge.ValidateExtras
	}
	if s.now == nil {
		s.now = clock.Now
	}
	return s
}

// Policy returns the review rule in force.
func (s *Service) Policy() Policy { return s.policy }

// ReadOnly returns why versions cannot be changed, or "".
func (s *Service) ReadOnly() string { return s.readOnly }

// Errors of the service.
var (
	// ErrReadOnly: the corpus lives in a folder; the versions in the database are not used.
	ErrReadOnly = errors.New("corpusdb: corpus versions are read-only")
	// ErrNotAllowed: the account's role, or the four-eyes rule, does not allow the action.
	ErrNotAllowed = errors.New("corpusdb: not allowed")
)

// ShrinkError is returned by Publish and Rollback when the version removes more of the
// published entries than Policy.ShrinkLimit allows without confirmation.
type ShrinkError struct {
	From, To, Removed int
	IDs               []string // the first ten removed ids
	Limit             float64
}

func (e *ShrinkError) Error() string {
	return fmt.Sprintf("corpusdb: the version removes %d of the %d published entries (%.0f%%, more than the limit %.0f%%), for example %s: confirm to publish it",
		e.Removed, e.From, 100*float64(e.Removed)/float64(max(e.From, 1)), 100*e.Limit, strings.Join(e.IDs, ", "))
}

// SystemActor publishes the first version seeded from the folder or embedded corpus.
var SystemActor = balai.Officer{ID: "system", Name: "Balai", Role: balai.RoleAdmin}

func (s *Service) audit(actor balai.Officer, action, detail string) balai.AuditEntry {
	return balai.AuditEntry{At: s.now(), Actor: actor.ID, Action: action, Detail: detail}
}

// canEdit checks the corpus may change and actor may keep it.
func (s *Service) canEdit(actor balai.Officer, what string) error {
	if s.readOnly != "" {
		return fmt.Errorf("%s: %w: %s", what, ErrReadOnly, s.readOnly)
	}
	if !actor.Role.Allows(balai.RoleEditor) {
		return fmt.Errorf("%s: %w: %s has role %q; editors and admins keep the corpus", what, ErrNotAllowed, actor.ID, actor.Role)
	}
	return nil
}

// Load reads version id as a corpus, with the problems balai faq validate would report. The
// error is non-nil only when the version could not be read.
func (s *Service) Load(ctx context.Context, id int64) (*faq.Corpus, faq.Problems, error) {
	files, err := s.st.CorpusFiles(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("corpusdb: load version %d: %w", id, err)
	}
	c, ps, err := s.load(files)
	if err != nil {
		return nil, nil, fmt.Errorf("corpusdb: load version %d: %w", id, err)
	}
	c.Root = fmt.Sprintf("version-%d", id)
	return c, ps, nil
}

// load parses files as faq.Load parses a folder, and validates the data files.
func (s *Service) load(files []balai.CorpusFile) (*faq.Corpus, faq.Problems, error) {
	fsys := fstest.MapFS{}
	for _, f := range files {
		fsys[f.Path] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
	}
	c, ps, err := faq.Load(fsys, "")
	if err != nil {
		return nil, nil, err
	}
	return c, append(ps, s.validate(c)...), nil
}

// Published returns the published version and its corpus (balai.ErrVersionNotFound when
// none is).
func (s *Service) Published(ctx context.Context) (balai.CorpusVersion, *faq.Corpus, error) {
	v, err := s.st.PublishedCorpusVersion(ctx)
	if err != nil {
		return v, nil, fmt.Errorf("corpusdb: published: %w", err)
	}
	c, ps, err := s.Load(ctx, v.ID)
	if err != nil {
		return v, nil, err
	}
	if err := ps.Err(); err != nil {
		return v, nil, fmt.Errorf("corpusdb: published version %d: %w", v.ID, err)
	}
	return v, c, nil
}

// Version returns one version.
func (s *Service) Version(ctx context.Context, id int64) (balai.CorpusVersion, error) {
	return s.st.CorpusVersion(ctx, id)
}

// History lists versions newest first, at most limit (0: all).
func (s *Service) History(ctx context.Context, limit int) ([]balai.CorpusVersion, error) {
	return s.st.CorpusVersions(ctx, limit)
}

// Seed publishes files as the first version when the database has none published (a
// replica starting on an empty database, with the folder or embedded corpus) and returns
// the published version. Replicas seeding at once publish one version.
func (s *Service) Seed(ctx context.Context, files []balai.CorpusFile, note string) (balai.CorpusVersion, error) {
	if id, err := s.st.PublishedCorpusID(ctx); err != nil || id != 0 {
		if err != nil {
			return balai.CorpusVersion{}, fmt.Errorf("corpusdb: seed: %w", err)
		}
		return s.st.CorpusVersion(ctx, id)
	}
	c, ps, err := s.load(files)
	if err != nil {
		return balai.CorpusVersion{}, fmt.Errorf("corpusdb: seed: %w", err)
	}
	if err := ps.Err(); err != nil {
		return balai.CorpusVersion{}, fmt.Errorf("corpusdb: seed: %w", err)
	}
	v := balai.CorpusVersion{State: balai.CorpusPublished, Author: SystemActor.ID, Note: note, Entries: len(c.Entries), Fingerprint: c.Fingerprint}
	v, err = s.st.CreateCorpusVersion(ctx, v, files, s.audit(SystemActor, "corpus_seeded", fmt.Sprintf("%d entries: %s", len(c.Entries), note)))
	if errors.Is(err, balai.ErrPublishRace) {
		return s.st.PublishedCorpusVersion(ctx) // another replica seeded it
	}
	return v, err
}

// CreateDraft stores files (a whole corpus: see FilesFromFS, FilesFromCorpus) as a new
// draft made from the published version. A corpus with errors is refused with a
// *faq.ValidationError listing every problem; warnings come back with the draft.
func (s *Service) CreateDraft(ctx context.Context, actor balai.Officer, files []balai.CorpusFile, note string) (balai.CorpusVersion, faq.Problems, error) {
	return s.createDraft(ctx, actor, files, note, "corpus_draft_created", "")
}

func (s *Service) createDraft(ctx context.Context, actor balai.Officer, files []balai.CorpusFile, note, action, detail string) (balai.CorpusVersion, faq.Problems, error) {
	if err := s.canEdit(actor, "corpusdb: create draft"); err != nil {
		return balai.CorpusVersion{}, nil, err
	}
	c, ps, err := s.load(files)
	if err != nil {
		return balai.CorpusVersion{}, nil, fmt.Errorf("corpusdb: create draft: %w", err)
	}
	if err := ps.Err(); err != nil {
		return balai.CorpusVersion{}, ps, fmt.Errorf("corpusdb: create draft: %w", err)
	}
	parent, err := s.st.PublishedCorpusID(ctx)
	if err != nil {
		return balai.CorpusVersion{}, ps, fmt.Errorf("corpusdb: create draft: %w", err)
	}
	if detail == "" {
		detail = fmt.Sprintf("%d entries", len(c.Entries))
	}
	if note != "" {
		detail += ": " + note
	}
	v := balai.CorpusVersion{Parent: parent, State: balai.CorpusDraft, Author: actor.ID, Note: note, Entries: len(c.Entries), Fingerprint: c.Fingerprint}
	v, err = s.st.CreateCorpusVersion(ctx, v, files, s.audit(actor, action, detail))
	return v, ps, err
}

// NewDraft starts a draft as a copy of version from (0: the published one), to edit entry
// by entry.
func (s *Service) NewDraft(ctx context.Context, actor balai.Officer, from int64, note string) (balai.CorpusVersion, error) {
	if err := s.canEdit(actor, "corpusdb: new draft"); err != nil {
		return balai.CorpusVersion{}, err
	}
	var src balai.CorpusVersion
	var err error
	if from == 0 {
		src, err = s.st.PublishedCorpusVersion(ctx)
	} else {
		src, err = s.st.CorpusVersion(ctx, from)
	}
	if err != nil {
		return balai.CorpusVersion{}, fmt.Errorf("corpusdb: new draft: %w", err)
	}
	parent, err := s.st.PublishedCorpusID(ctx)
	if err != nil {
		return balai.CorpusVersion{}, fmt.Errorf("corpusdb: new draft: %w", err)
	}
	v := balai.CorpusVersion{Parent: parent, State: balai.CorpusDraft, Author: actor.ID, Note: note, Entries: src.Entries, Fingerprint: src.Fingerprint}
	return s.st.CopyCorpusVersion(ctx, v, src.ID, s.audit(actor, "corpus_draft_created", fmt.Sprintf("copy of version %d", src.ID)))
}

// Submit sends a draft for review.
func (s *Service) Submit(ctx context.Context, actor balai.Officer, id int64) (balai.CorpusVersion, error) {
	if err := s.canEdit(actor, "corpusdb: submit"); err != nil {
		return balai.CorpusVersion{}, err
	}
	if err := s.checkValid(ctx, id); err != nil {
		return balai.CorpusVersion{}, fmt.Errorf("corpusdb: submit %d: %w", id, err)
	}
	return s.st.TransitionCorpusVersion(ctx, id, balai.CorpusTransition{From: []balai.CorpusState{balai.CorpusDraft}, To: balai.CorpusReview,
		Actor: actor.ID, Audit: s.audit(actor, "corpus_submitted", "")})
}

// Withdraw returns a version in review or approved to draft, to change it again.
func (s *Service) Withdraw(ctx context.Context, actor balai.Officer, id int64) (balai.CorpusVersion, error) {
	if err := s.canEdit(actor, "corpusdb: withdraw"); err != nil {
		return balai.CorpusVersion{}, err
	}
	return s.st.TransitionCorpusVersion(ctx, id, balai.CorpusTransition{From: []balai.CorpusState{balai.CorpusReview, balai.CorpusApproved}, To: balai.CorpusDraft,
		Actor: actor.ID, Audit: s.audit(actor, "corpus_withdrawn", "")})
}

// checkValid loads version id and returns its validation errors, if any.
func (s *Service) checkValid(ctx context.Context, id int64) error {
	_, ps, err := s.Load(ctx, id)
	if err != nil {
		return err
	}
	return ps.Err()
}

// Approve records actor's approval of a version in review (with four eyes) or a draft or
// version in review (without). With four eyes, nobody who changed the version may approve
// it.
func (s *Service) Approve(ctx context.Context, actor balai.Officer, id int64, note string) (balai.CorpusVersion, error) {
	if err := s.canEdit(actor, "corpusdb: approve"); err != nil {
		return balai.CorpusVersion{}, err
	}
	v, err := s.st.CorpusVersion(ctx, id)
	if err != nil {
		return v, fmt.Errorf("corpusdb: approve: %w", err)
	}
	from := []balai.CorpusState{balai.CorpusDraft, balai.CorpusReview}
	if s.policy.FourEyes {
		if slices.Contains(v.Contributors, actor.ID) || v.Author == actor.ID {
			return v, fmt.Errorf("corpusdb: approve %d: %w: %s changed this version; with four eyes another editor approves it", id, ErrNotAllowed, actor.ID)
		}
		from = []balai.CorpusState{balai.CorpusReview}
	}
	return s.st.TransitionCorpusVersion(ctx, id, balai.CorpusTransition{From: from, To: balai.CorpusApproved, Actor: actor.ID, Note: note,
		Audit: s.audit(actor, "corpus_approved", note)})
}

// Reject closes a draft or a version in review without publishing it; note says why.
func (s *Service) Reject(ctx context.Context, actor balai.Officer, id int64, note string) (balai.CorpusVersion, error) {
	if err := s.canEdit(actor, "corpusdb: reject"); err != nil {
		return balai.CorpusVersion{}, err
	}
	return s.st.TransitionCorpusVersion(ctx, id, balai.CorpusTransition{From: []balai.CorpusState{balai.CorpusDraft, balai.CorpusReview, balai.CorpusApproved},
		To: balai.CorpusRejected, Actor: actor.ID, Note: note, Audit: s.audit(actor, "corpus_rejected", note)})
}

// PublishOptions qualify a publication.
type PublishOptions struct {
	// ConfirmShrink publishes a version that removes more of the published entries than
	// Policy.ShrinkLimit allows.
	ConfirmShrink bool
}

// Publish serves version id from now on (every replica switches to it). With four eyes it
// must be approved; without, an editor may publish a draft or a version in review directly.
// A version with errors, or one removing too many entries unconfirmed (*ShrinkError), is
// refused.
func (s *Service) Publish(ctx context.Context, actor balai.Officer, id int64, opt PublishOptions) (balai.CorpusVersion, error) {
	if err := s.canEdit(actor, "corpusdb: publish"); err != nil {
		return balai.CorpusVersion{}, err
	}
	from := []balai.CorpusState{balai.CorpusApproved}
	if !s.policy.FourEyes {
		from = append(from, balai.CorpusDraft, balai.CorpusReview)
	}
	v, err := s.st.CorpusVersion(ctx, id)
	if err != nil {
		return v, fmt.Errorf("corpusdb: publish: %w", err)
	}
	if !slices.Contains(from, v.State) {
		if s.policy.FourEyes && (v.State == balai.CorpusDraft || v.State == balai.CorpusReview) {
			return v, fmt.Errorf("corpusdb: publish %d: %w: with four eyes a version is published once another editor approved it (it is %s)", id, ErrNotAllowed, v.State)
		}
		return v, fmt.Errorf("corpusdb: publish %d: %w: it is %s", id, balai.ErrVersionState, v.State)
	}
	detail, err := s.checkPublishable(ctx, id, opt)
	if err != nil {
		return v, fmt.Errorf("corpusdb: publish %d: %w", id, err)
	}
	return s.st.TransitionCorpusVersion(ctx, id, balai.CorpusTransition{From: from, To: balai.CorpusPublished, Actor: actor.ID,
		Audit: s.audit(actor, "corpus_published", detail)})
}

// checkPublishable checks that version id may replace the published version: it loads
// without errors (*faq.ValidationError), and it removes no more of the published entries
// than the policy allows unless opt confirms it (*ShrinkError). The detail describes the
// change for the audit log.
func (s *Service) checkPublishable(ctx context.Context, id int64, opt PublishOptions) (string, error) {
	files, err := s.st.CorpusFiles(ctx, id)
	if err != nil {
		return "", fmt.Errorf("load version %d: %w", id, err)
	}
	pub, err := s.st.PublishedCorpusVersion(ctx)
	if err != nil && !errors.Is(err, balai.ErrVersionNotFound) {
		return "", err
	}
	// An entry file the version has byte for byte is the same entry in the published one:
	// only the published files it changed or removed can hold an entry it removes.
	changed := fstest.MapFS{}
	if pub.ID != 0 {
		pubFiles, err := s.st.CorpusFiles(ctx, pub.ID)
		if err != nil {
			return "", fmt.Errorf("load version %d: %w", pub.ID, err)
		}
		mine := make(map[string][]byte, len(files))
		for _, f := range files {
			mine[f.Path] = f.Data
		}
		for _, f := range pubFiles {
			if d, ok := mine[f.Path]; !ok || !bytes.Equal(d, f.Data) {
				changed[f.Path] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
			}
		}
	}
	type loaded struct {
		c   *faq.Corpus
		err error
	}
	was := make(chan loaded, 1)
	readWas := func() {
		c, _, err := faq.Load(changed, "")
		was <- loaded{c, err}
	}
	// Read beside the version when that leaves a processor to the questions being answered
	// meanwhile (a busy one makes them wait).
	if runtime.GOMAXPROCS(0) > 2 {
		go readWas()
	} else {
		readWas()
	}
	c, ps, err := s.load(files)
	gone := <-was
	if err != nil {
		return "", fmt.Errorf("load version %d: %w", id, err)
	}
	if err := ps.Err(); err != nil {
		return "", err
	}
	if pub.ID == 0 {
		return fmt.Sprintf("%d entries", len(c.Entries)), nil
	}
	if gone.err != nil {
		return "", fmt.Errorf("load version %d: %w", pub.ID, gone.err)
	}
	keep := map[string]bool{}
	for _, e := range c.Entries {
		keep[e.ID] = true
	}
	sh := &ShrinkError{From: pub.Entries, To: len(c.Entries), Limit: s.policy.ShrinkLimit}
	for _, e := range gone.c.Entries {
		if !keep[e.ID] {
			sh.Removed++
			if len(sh.IDs) < 10 {
				sh.IDs = append(sh.IDs, e.ID)
			}
		}
	}
	detail := fmt.Sprintf("%d entries (was %d in version %d, %d removed)", sh.To, sh.From, pub.ID, sh.Removed)
	if s.policy.ShrinkLimit > 0 && sh.From > 0 && float64(sh.Removed)/float64(sh.From) > s.policy.ShrinkLimit {
		if !opt.ConfirmShrink {
			return "", sh
		}
		detail += ", shrink confirmed"
	}
	return detail, nil
}

// Rollback publishes a new version with the content of version to, an earlier published
// one (its content was reviewed then), in one action; note says why. The shrink guard
// applies as to Publish.
func (s *Service) Rollback(ctx context.Context, actor balai.Officer, to int64, note string, opt PublishOptions) (balai.CorpusVersion, error) {
	if err := s.canEdit(actor, "corpusdb: rollback"); err != nil {
		return balai.CorpusVersion{}, err
	}
	old, err := s.st.CorpusVersion(ctx, to)
	if err != nil {
		return old, fmt.Errorf("corpusdb: rollback: %w", err)
	}
	if old.State != balai.CorpusPublished && old.State != balai.CorpusSuperseded {
		return old, fmt.Errorf("corpusdb: rollback to %d: %w: only a version that was published can be restored (it is %s)", to, balai.ErrVersionState, old.State)
	}
	detail, err := s.checkPublishable(ctx, to, opt)
	if err != nil {
		return old, fmt.Errorf("corpusdb: rollback to %d: %w", to, err)
	}
	parent, err := s.st.PublishedCorpusID(ctx)
	if err != nil {
		return old, fmt.Errorf("corpusdb: rollback: %w", err)
	}
	if note == "" {
		note = fmt.Sprintf("rollback to version %d", to)
	}
	v := balai.CorpusVersion{Parent: parent, State: balai.CorpusPublished, Author: actor.ID, Note: note, RollbackOf: to,
		Entries: old.Entries, Fingerprint: old.Fingerprint}
	return s.st.CopyCorpusVersion(ctx, v, to, s.audit(actor, "corpus_rollback", fmt.Sprintf("to version %d: %s; %s", to, detail, note)))
}

// FilesFromFS reads a corpus folder's files as faq.Load reads them (entries, and the data
// files of faq.ExtrasDir), byte for byte.
func FilesFromFS(fsys fs.FS) ([]balai.CorpusFile, error) {
	var out []balai.CorpusFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p == "." {
			return nil
		}
		if d.IsDir() {
			if p != faq.ExtrasDir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return fs.SkipDir
			}
			return nil
		}
		inExtras := path.Dir(p) == faq.ExtrasDir
		if strings.HasPrefix(name, ".") || !inExtras && (strings.HasPrefix(name, "_") || strings.EqualFold(name, "README.md") ||
			!strings.EqualFold(path.Ext(name), ".md")) {
			return nil
		}
		if strings.HasPrefix(p, faq.ExtrasDir+"/") && !inExtras {
			return nil // faq.Load reads only the top of the data folder
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out = append(out, balai.CorpusFile{Path: p, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("corpusdb: read corpus: %w", err)
	}
	return out, nil
}

// FilesFromCorpus renders a corpus made in memory as files: each entry as its Markdown
// (at its File, or <category slug>/<id>.md) and the data files.
func FilesFromCorpus(c *faq.Corpus) ([]balai.CorpusFile, error) {
	var out []balai.CorpusFile
	for _, e := range c.Entries {
		data, err := e.Markdown()
		if err != nil {
			return nil, err
		}
		out = append(out, balai.CorpusFile{Path: entryPath(e), Data: data})
	}
	for name, data := range c.Extras {
		out = append(out, balai.CorpusFile{Path: faq.ExtrasDir + "/" + name, Data: data})
	}
	slices.SortFunc(out, func(a, b balai.CorpusFile) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// entryPath is where an entry's file goes: its own File, else <category slug>/<id>.md.
func entryPath(e *faq.Entry) string {
	if e.File != "" && !strings.Contains(e.File, "..") && !path.IsAbs(e.File) {
		return e.File
	}
	folder := faq.Slug(e.Category)
	if folder == "" {
		folder = "umum"
	}
	return folder + "/" + e.ID + ".md"
}
