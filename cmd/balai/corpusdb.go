package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

// Where the corpus lives (BALAI_CORPUS).
const (
	corpusFolder = "folder" // BALAI_FAQ_DIR or the embedded corpus; versions in the database are read-only
	corpusDB     = "db"     // published versions in the database; every replica follows them
)

// corpusSettings say where the corpus lives and how versions are reviewed.
type corpusSettings struct {
	Source   string        // corpusFolder or corpusDB
	FourEyes bool          // BALAI_CORPUS_FOUR_EYES: a second editor approves before publishing
	Poll     time.Duration // BALAI_CORPUS_POLL: how often replicas look for a published version
}

func corpusFromEnv() (corpusSettings, error) {
	c := corpusSettings{Source: env("BALAI_CORPUS", corpusFolder), FourEyes: true, Poll: corpusdb.DefaultPoll}
	var errs []error
	if c.Source != corpusFolder && c.Source != corpusDB {
		errs = append(errs, fmt.Errorf("BALAI_CORPUS=%q: want folder (BALAI_FAQ_DIR or the embedded corpus) or db (versions in the database)", c.Source))
	}
	switch v := env("BALAI_CORPUS_FOUR_EYES", "on"); v {
	case "on":
	case "off":
		c.FourEyes = false
	default:
		errs = append(errs, fmt.Errorf("BALAI_CORPUS_FOUR_EYES=%q: want on or off", v))
	}
	if v := os.Getenv("BALAI_CORPUS_POLL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > 10*time.Second {
			errs = append(errs, fmt.Errorf("BALAI_CORPUS_POLL=%q: want a duration from 100ms to 10s (replicas must switch within 10 s)", v))
		}
		c.Poll = d
	}
	return c, errors.Join(errs...)
}

// corpusService returns the corpus lifecycle on db with the configured policy; with the
// corpus in a folder it is read-only and says so.
func corpusService(cfg Config, db *store.DB) *corpusdb.Service {
	opts := corpusdb.Options{Store: db, Policy: corpusdb.Policy{FourEyes: cfg.Corpus.FourEyes}}
	if cfg.Health.corpusShrinkLimitOn {
		opts.Policy.ShrinkLimit = cfg.Health.CorpusShrinkLimit
	}
	if cfg.Corpus.Source != corpusDB {
		opts.ReadOnly = fmt.Sprintf("the corpus lives in the folder %s (BALAI_CORPUS=folder): edit it there, or set BALAI_CORPUS=db to keep it in the database", corpusName(cfg.FAQDir))
	}
	return corpusdb.New(opts)
}

// loadCorpus loads the corpus to serve at start: the folder's (or the embedded one), or with
// BALAI_CORPUS=db the published version in the database, seeded from the folder or embedded
// corpus as version 1 when the database has none.
func (s *Main) loadCorpus(ctx context.Context) (*faq.Corpus, faq.Problems, error) {
	if s.cfg.Corpus.Source != corpusDB {
		return knowledge.LoadCorpus(s.cfg.FAQDir)
	}
	db, err := store.Open(ctx, s.cfg.databaseURL(), store.Options{Owner: store.InstanceName(s.cfg.Instance), Logger: s.log})
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	svc := corpusService(s.cfg, db)
	if id, err := db.PublishedCorpusID(ctx); err != nil {
		return nil, nil, err
	} else if id == 0 {
		fsys, name := faq.Default(), "the embedded corpus"
		if s.cfg.FAQDir != "" {
			fsys, name = os.DirFS(s.cfg.FAQDir), s.cfg.FAQDir
		}
		files, err := corpusdb.FilesFromFS(fsys)
		if err != nil {
			return nil, nil, err
		}
		v, err := svc.Seed(ctx, files, "seeded from "+name)
		if err != nil {
			return nil, nil, fmt.Errorf("seed the corpus versions from %s: %w", name, err)
		}
		s.log.Info("Corpus versions seeded: the database had none published", "version", v.ID, "from", name, "entries", v.Entries)
	}
	v, err := db.PublishedCorpusVersion(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, ps, err := svc.Load(ctx, v.ID)
	if err != nil {
		return nil, nil, err
	}
	s.corpusVersion = v.ID
	s.log.Info("Corpus from the database", "version", v.ID, "entries", v.Entries, "published", v.PublishedAt, "by", v.Publisher)
	return c, ps, nil
}

// followCorpusDB serves each newly published version (BALAI_CORPUS=db): woken by the
// publishing replica through the store, or finding it at the poll. The new index is built
// while the old one answers, then swapped in.
func (s *Main) followCorpusDB(ctx context.Context) {
	f := &corpusdb.Follower{Service: corpusService(s.cfg, s.db), Poll: s.cfg.Corpus.Poll, Logger: s.log,
		Listen: func(ctx context.Context, fn func(kind, arg string)) error { return s.db.Listen(ctx, fn) },
		Apply: func(ctx context.Context, v balai.CorpusVersion, c *faq.Corpus) error {
			prev := s.index.Corpus()
			if err := s.index.Swap(ctx, c); err != nil {
				return err
			}
			s.guard.set(nil, "", s.now())
			s.recordServed(c)
			s.log.Info("Corpus version published: now serving it", "version", v.ID, "entries", len(c.Entries), "previous_entries", len(prev.Entries))
			s.logReview(c)
			s.logCalibration(c)
			return nil
		},
		Failed: func(v balai.CorpusVersion, err error) {
			s.guard.set(nil, fmt.Sprintf("version %d: %s", v.ID, firstLine(err)), s.now())
		},
	}
	f.Start(s.corpusVersion)
	f.Run(ctx)
}
