package corpusdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/faq"
)

// ExportDir writes version id as the documented Markdown folder into dir, which must not
// exist or be empty. The files are the version's, byte for byte: the folder loads to the
// same corpus.
func (s *Service) ExportDir(ctx context.Context, id int64, dir string) error {
	files, err := s.st.CorpusFiles(ctx, id)
	if err != nil {
		return fmt.Errorf("corpusdb: export %d: %w", id, err)
	}
	if des, err := os.ReadDir(dir); err == nil && len(des) > 0 {
		return fmt.Errorf("corpusdb: export %d: %s is not empty", id, dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("corpusdb: export %d: %w", id, err)
	}
	return writeFiles(dir, files)
}

func writeFiles(dir string, files []balai.CorpusFile) error {
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if rel, err := filepath.Rel(dir, p); err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("corpusdb: export: file %q outside the folder", f.Path)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("corpusdb: export: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("corpusdb: export: %w", err)
		}
	}
	return nil
}

// ExportCSV writes the entries of version id as the spreadsheet format (faq.WriteCSV).
func (s *Service) ExportCSV(ctx context.Context, id int64, w io.Writer) error {
	c, _, err := s.Load(ctx, id)
	if err != nil {
		return err
	}
	return faq.WriteCSV(w, c.Entries)
}

// DraftFromDir makes a draft of the corpus folder dir (it replaces the whole corpus).
func (s *Service) DraftFromDir(ctx context.Context, actor balai.Officer, dir, note string) (balai.CorpusVersion, faq.Problems, error) {
	files, err := FilesFromFS(os.DirFS(dir))
	if err != nil {
		return balai.CorpusVersion{}, nil, err
	}
	return s.createDraft(ctx, actor, files, note, "corpus_draft_imported", fmt.Sprintf("folder %s, %d files", filepath.Base(dir), len(files)))
}

// DraftFromCSV merges a spreadsheet into the published version (as balai faq import merges
// it into a folder: a row whose id exists updates that entry, cells left empty keep what it
// has; new ids become new entries) and stores the result as a draft. name is how problems
// call the sheet. On errors no draft is made; the import's result says what it changed.
func (s *Service) DraftFromCSV(ctx context.Context, actor balai.Officer, name string, r io.Reader, opt faq.ImportOptions, note string) (balai.CorpusVersion, *faq.ImportResult, faq.Problems, error) {
	if err := s.canEdit(actor, "corpusdb: import"); err != nil {
		return balai.CorpusVersion{}, nil, nil, err
	}
	tmp, err := os.MkdirTemp("", "balai-import-")
	if err != nil {
		return balai.CorpusVersion{}, nil, nil, fmt.Errorf("corpusdb: import: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "corpus")
	if id, err := s.st.PublishedCorpusID(ctx); err != nil {
		return balai.CorpusVersion{}, nil, nil, fmt.Errorf("corpusdb: import: %w", err)
	} else if id != 0 {
		files, err := s.st.CorpusFiles(ctx, id)
		if err != nil {
			return balai.CorpusVersion{}, nil, nil, fmt.Errorf("corpusdb: import: %w", err)
		}
		if err := writeFiles(dir, files); err != nil {
			return balai.CorpusVersion{}, nil, nil, err
		}
	}
	if opt.Check == nil {
		opt.Check = s.validate
	}
	opt.DryRun = false
	res, ps, err := faq.Import(dir, name, r, opt)
	if err != nil {
		return balai.CorpusVersion{}, res, ps, fmt.Errorf("corpusdb: import: %w", err)
	}
	if err := ps.Err(); err != nil {
		return balai.CorpusVersion{}, res, ps, fmt.Errorf("corpusdb: import: %w", err)
	}
	files, err := FilesFromFS(os.DirFS(dir))
	if err != nil {
		return balai.CorpusVersion{}, res, ps, err
	}
	detail := fmt.Sprintf("spreadsheet %s: %d new, %d updated, %d unchanged", filepath.Base(name), len(res.Created), len(res.Updated), len(res.Unchanged))
	v, vps, err := s.createDraft(ctx, actor, files, note, "corpus_draft_imported", detail)
	return v, res, append(ps, vps...), err
}
