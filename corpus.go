package balai

import (
	"errors"
	"time"
)

// CorpusState is where a corpus version stands in its review.
type CorpusState string

// A version is made as a draft, submitted for review, approved (by a second person when
// the agency wants four eyes) and published; publishing another supersedes it. A draft or a
// version in review may be rejected instead: it is kept, read-only, in the history.
const (
	CorpusDraft      CorpusState = "draft"
	CorpusReview     CorpusState = "review"
	CorpusApproved   CorpusState = "approved"
	CorpusPublished  CorpusState = "published"
	CorpusSuperseded CorpusState = "superseded"
	CorpusRejected   CorpusState = "rejected"
)

// Valid reports whether s is one of the states.
func (s CorpusState) Valid() bool {
	switch s {
	case CorpusDraft, CorpusReview, CorpusApproved, CorpusPublished, CorpusSuperseded, CorpusRejected:
		return true
	}
	return false
}

// CorpusVersion is one complete FAQ corpus kept in the database: every entry and data file,
// with who made, reviewed and published it. Its content never changes once it leaves the
// draft state; an earlier version is restored by publishing a copy of it (RollbackOf).
type CorpusVersion struct {
	ID     int64
	Parent int64 // the version it was made from (0: none, e.g. the first import)
	State  CorpusState
	// Author is the officer id ("user:7", "cli") who made it; Contributors are everyone who
	// changed it while it was a draft, the author first. With four eyes, none of them may
	// approve it.
	Author       string
	Contributors []string
	Approver     string // who approved it ("" until then)
	Publisher    string // who published it
	Rejecter     string // who rejected it
	Note         string // the author's note: what changed and why
	ReviewNote   string // the approver's or rejecter's note
	// RollbackOf is the version whose content this one restores (0: not a rollback).
	RollbackOf  int64
	Entries     int    // number of entries
	Fingerprint string // faq.Corpus.Fingerprint of its content

	CreatedAt    time.Time
	UpdatedAt    time.Time // last change of the draft's content or of the state
	SubmittedAt  time.Time
	ApprovedAt   time.Time
	PublishedAt  time.Time
	SupersededAt time.Time
	RejectedAt   time.Time
}

// CorpusFile is one file of a corpus version: an entry (a Markdown file with front matter,
// path relative to the corpus root such as "kependudukan/ktp-hilang.md") or a data file of
// the corpus ("_balai/synonyms.txt"). Data is the file's exact content.
type CorpusFile struct {
	Path string
	Data []byte
}

// CorpusTransition moves a version from one of From to To: review (submitted), approved,
// rejected, draft (back to its author), or published (the version published so far is
// superseded, and other replicas are woken). The audit entry is written with the change.
type CorpusTransition struct {
	From  []CorpusState
	To    CorpusState
	Actor string // who: the approver, rejecter or publisher
	Note  string // the review note (approved, rejected)
	Audit AuditEntry
}

// Errors of corpus version stores and services.
var (
	ErrVersionNotFound = errors.New("balai: no such corpus version")
	// ErrVersionState: the version is not in a state that allows the action (it was
	// submitted, published or rejected meanwhile, perhaps by someone else).
	ErrVersionState = errors.New("balai: the corpus version is not in a state that allows this")
	// ErrPublishRace: another version was published at the same moment; try again.
	ErrPublishRace = errors.New("balai: another corpus version was published at the same time")
)
