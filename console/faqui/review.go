package faqui

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/corpusdb"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
)

type reviewData struct {
	V    version
	Diff *corpusdb.Diff
	// Against is the version the diff starts from: the one published when it was made.
	Against                                                   int64
	CanSubmit, CanWithdraw, CanApprove, CanReject, CanPublish bool
	// OwnChange: with four eyes, the signed-in editor changed this version and may not
	// approve it.
	OwnChange     bool
	ConfirmShrink bool
}

func (u *UI) reviewData(r *http.Request, q request, id int64) (reviewData, error) {
	v, err := u.load(r.Context(), id)
	if err != nil {
		return reviewData{}, err
	}
	d := reviewData{V: v}
	if id == 0 {
		return d, nil
	}
	if against := v.V.Parent; against != 0 {
		df, err := u.cfg.Service.Diff(r.Context(), against, id)
		if err != nil {
			return d, err
		}
		d.Diff, d.Against = &df, against
	}
	if u.cfg.Service.ReadOnly() != "" {
		return d, nil
	}
	st, four := v.V.State, u.cfg.Service.Policy().FourEyes
	d.OwnChange = four && (v.V.Author == q.o.ID || slices.Contains(v.V.Contributors, q.o.ID))
	d.CanSubmit = st == balai.CorpusDraft
	d.CanWithdraw = st == balai.CorpusReview || st == balai.CorpusApproved
	d.CanReject = st == balai.CorpusDraft || st == balai.CorpusReview || st == balai.CorpusApproved
	if four {
		d.CanApprove = st == balai.CorpusReview && !d.OwnChange
		d.CanPublish = st == balai.CorpusApproved
	} else {
		d.CanPublish = st == balai.CorpusDraft || st == balai.CorpusReview || st == balai.CorpusApproved
	}
	return d, nil
}

func (u *UI) reviewPage(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	d, err := u.reviewData(r, q, id)
	if err != nil {
		u.fail(w, q, err, "review a corpus version")
		return
	}
	p := u.newPage(q, "console_faq_review_title", d)
	if k := r.URL.Query().Get("done"); k != "" && slices.Contains(actions, k) {
		p.Notice = p.L.T("console_faq_done_" + k)
	}
	u.render(w, http.StatusOK, "review", p)
}

// actions are the review's steps a version page posts.
var actions = []string{"submit", "withdraw", "approve", "reject", "publish"}

// act takes a review step; a refused step shows the review page again with why.
func (u *UI) act(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	action := r.PathValue("action")
	if !ok || id == 0 || !slices.Contains(actions, action) {
		http.NotFound(w, r)
		return
	}
	ctx, svc := r.Context(), u.cfg.Service
	note := strings.TrimSpace(r.PostFormValue("note"))
	var err error
	switch action {
	case "submit":
		_, err = svc.Submit(ctx, q.o, id)
	case "withdraw":
		_, err = svc.Withdraw(ctx, q.o, id)
	case "approve":
		_, err = svc.Approve(ctx, q.o, id, note)
	case "reject":
		_, err = svc.Reject(ctx, q.o, id, note)
	case "publish":
		_, err = svc.Publish(ctx, q.o, id, corpusdb.PublishOptions{ConfirmShrink: r.PostFormValue("confirm_shrink") == "1"})
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("%s/v/%d/review?done=%s", u.prefix, id, action), http.StatusSeeOther)
		return
	}
	status, key := u.classify(err)
	if status == 0 {
		return
	}
	if status == http.StatusInternalServerError {
		u.cfg.Logger.Error("Failed to "+action+" a corpus version", "officer", q.o.ID, "version", id, "error", err)
	}
	d, derr := u.reviewData(r, q, id)
	if derr != nil {
		u.fail(w, q, derr, "review a corpus version")
		return
	}
	var sh *corpusdb.ShrinkError
	d.ConfirmShrink = errors.As(err, &sh)
	p := u.newPage(q, "console_faq_review_title", d)
	p.Error = p.L.T(key)
	if d.ConfirmShrink {
		p.Error = p.L.T("console_faq_err_shrink", "Removed", sh.Removed, "From", sh.From, "IDs", strings.Join(sh.IDs, ", "))
	} else if status == http.StatusUnprocessableEntity || status == http.StatusForbidden {
		p.Error += " " + firstLine(err)
	}
	u.render(w, status, "review", p)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

type historyData struct {
	Versions  []balai.CorpusVersion
	Published int64
	A, B      int64
}

func (u *UI) historyPage(w http.ResponseWriter, r *http.Request, q request) {
	vs, err := u.cfg.Service.History(r.Context(), 0)
	if err != nil {
		u.fail(w, q, err, "list corpus versions")
		return
	}
	d := historyData{Versions: vs}
	for _, v := range vs {
		if v.State == balai.CorpusPublished {
			d.Published = v.ID
			if d.B == 0 {
				d.B = v.ID
			}
		} else if v.State == balai.CorpusSuperseded && d.A == 0 {
			d.A = v.ID
		}
	}
	p := u.newPage(q, "console_faq_history_title", d)
	if r.URL.Query().Get("done") == "rollback" {
		p.Notice = p.L.T("console_faq_done_rollback")
	}
	u.render(w, http.StatusOK, "history", p)
}

type diffData struct {
	Diff corpusdb.Diff
}

func (u *UI) diffPage(w http.ResponseWriter, r *http.Request, q request) {
	a, err1 := strconv.ParseInt(r.URL.Query().Get("a"), 10, 64)
	b, err2 := strconv.ParseInt(r.URL.Query().Get("b"), 10, 64)
	if err1 != nil || err2 != nil {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	df, err := u.cfg.Service.Diff(r.Context(), a, b)
	if err != nil {
		u.fail(w, q, err, "compare corpus versions")
		return
	}
	u.render(w, http.StatusOK, "diff", u.newPage(q, "console_faq_diff_title", diffData{Diff: df}))
}

// rollback publishes the content of an earlier version again, in one action.
func (u *UI) rollback(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok || id == 0 {
		http.NotFound(w, r)
		return
	}
	_, err := u.cfg.Service.Rollback(r.Context(), q.o, id, strings.TrimSpace(r.PostFormValue("note")),
		corpusdb.PublishOptions{ConfirmShrink: r.PostFormValue("confirm_shrink") == "1"})
	if err != nil {
		u.fail(w, q, err, "roll back the corpus")
		return
	}
	http.Redirect(w, r, u.prefix+"/history?done=rollback", http.StatusSeeOther)
}

func (u *UI) exportCSV(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	v, err := u.load(r.Context(), id)
	if err != nil {
		u.fail(w, q, err, "export a corpus version")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="faq-%s.csv"`, versionName(v)))
	if err := faq.WriteCSV(w, v.C.Entries); err != nil {
		u.cfg.Logger.Error("Failed to export a corpus version as CSV", "version", v.V.ID, "error", err)
	}
}

func versionName(v version) string {
	if v.V.ID == 0 {
		return "folder"
	}
	return "v" + strconv.FormatInt(v.V.ID, 10)
}

// exportZip sends the version as the documented Markdown folder, zipped: a version's
// files byte for byte (corpusdb.ExportDir), the served folder's as faq writes them.
func (u *UI) exportZip(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	v, err := u.load(r.Context(), id)
	if err != nil {
		u.fail(w, q, err, "export a corpus version")
		return
	}
	var files []balai.CorpusFile
	if v.V.ID == 0 {
		files, err = corpusdb.FilesFromCorpus(v.C)
	} else {
		files, err = u.exportedFiles(r, v.V.ID)
	}
	if err != nil {
		u.fail(w, q, err, "export a corpus version")
		return
	}
	name := "faq-" + versionName(v)
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.zip"`, name))
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.Create(name + "/" + f.Path)
		if err == nil {
			_, err = fw.Write(f.Data)
		}
		if err != nil {
			u.cfg.Logger.Error("Failed to export a corpus version as zip", "version", v.V.ID, "error", err)
			return
		}
	}
	if err := zw.Close(); err != nil {
		u.cfg.Logger.Error("Failed to export a corpus version as zip", "version", v.V.ID, "error", err)
	}
}

// exportedFiles writes version id as a folder (corpusdb.ExportDir) and reads it back.
func (u *UI) exportedFiles(r *http.Request, id int64) ([]balai.CorpusFile, error) {
	tmp, err := os.MkdirTemp("", "balai-export-")
	if err != nil {
		return nil, fmt.Errorf("faqui: export: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "faq")
	if err := u.cfg.Service.ExportDir(r.Context(), id, dir); err != nil {
		return nil, err
	}
	var files []balai.CorpusFile
	err = filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, balai.CorpusFile{Path: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("faqui: export: %w", err)
	}
	return files, nil
}

type importData struct {
	Note, Source string
	Merge        bool
	Problems     faq.Problems
	Result       *faq.ImportResult
}

func (u *UI) importPage(w http.ResponseWriter, r *http.Request, q request) {
	u.render(w, http.StatusOK, "import", u.newPage(q, "console_faq_import_title", importData{}))
}

// importCSV merges an uploaded spreadsheet into the published version as a new draft.
func (u *UI) importCSV(w http.ResponseWriter, r *http.Request, q request) {
	d := importData{Note: strings.TrimSpace(r.PostFormValue("note")), Source: strings.TrimSpace(r.PostFormValue("source")),
		Merge: r.PostFormValue("merge") == "1"}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		p := u.newPage(q, "console_faq_import_title", d)
		p.Error = p.L.T("console_faq_import_nofile")
		u.render(w, http.StatusBadRequest, "import", p)
		return
	}
	defer file.Close()
	v, res, ps, err := u.cfg.Service.DraftFromCSV(r.Context(), q.o, filepath.Base(hdr.Filename), io.Reader(file),
		faq.ImportOptions{Source: d.Source, MergeDuplicates: d.Merge, Check: knowledge.ValidateExtras}, d.Note)
	if err != nil {
		status, key := u.classify(err)
		if status == 0 {
			return
		}
		if ps.Errors() > 0 {
			status, key = http.StatusUnprocessableEntity, "console_faq_err_invalid"
		} else if status == http.StatusInternalServerError {
			u.cfg.Logger.Error("Failed to import a spreadsheet", "officer", q.o.ID, "error", err)
		}
		d.Problems, d.Result = ps, res
		p := u.newPage(q, "console_faq_import_title", d)
		p.Error = p.L.T(key)
		u.render(w, status, "import", p)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%s/v/%d/review", u.prefix, v.ID), http.StatusSeeOther)
}
