package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

// reviewServer is a server over the review fixture whose clock reads at.
func reviewServer(t *testing.T, at time.Time, logs *bytes.Buffer) *Main {
	t.Helper()
	ctx := context.Background()
	c, ps, err := knowledge.LoadCorpus(reviewFixture(t))
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	now := func() time.Time { return at }
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Now: now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "balai.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Main{log: slog.New(slog.NewTextHandler(logs, nil)), now: now, index: ix, db: db, health: map[string]string{}}
}

func TestServeLogsReview(t *testing.T) {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	for _, tt := range []struct {
		name string
		at   time.Time
		want []string // log lines, in order, each holding all its parts
	}{
		{"nothing due", time.Date(2030, 6, 1, 9, 0, 0, 0, jkt), nil},
		{"due soon", time.Date(2030, 10, 15, 9, 0, 0, 0, jkt), []string{
			`level=WARN msg="FAQ entries need review` + "|past_review=0 due_soon=1 within_days=30 next_review_by=2030-10-31|owners=\"Dukcapil (0 past review, 1 due soon)\"",
		}},
		{"past review", time.Date(2030, 11, 15, 9, 0, 0, 0, jkt), []string{
			`level=ERROR msg="FAQ entries are past their review date` + `|past_review=1 entries=ktp-baru owners="Dukcapil (1)"`,
			`level=WARN msg="FAQ entries need review` + `|past_review=1 due_soon=3 within_days=30 next_review_by=2030-11-30|owners="Dukcapil (1 past review, 2 due soon); Bapenda (0 past review, 1 due soon)"`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := reviewServer(t, tt.at, &logs)
			s.logReview(s.index.Corpus())
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(tt.want) == 0 {
				if logs.Len() != 0 {
					t.Errorf("logged with nothing due:\n%s", logs.String())
				}
				return
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(tt.want), logs.String())
			}
			for i, want := range tt.want {
				for _, part := range strings.Split(want, "|") {
					if !strings.Contains(lines[i], part) {
						t.Errorf("line %d lacks %q:\n%s", i+1, part, lines[i])
					}
				}
			}
		})
	}
}

func TestHealthzReportsReview(t *testing.T) {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	get := func(at time.Time) (int, map[string]any, corpusHealth) {
		t.Helper()
		var logs bytes.Buffer
		s := reviewServer(t, at, &logs)
		rec := httptest.NewRecorder()
		s.healthz(rec, httptest.NewRequest("GET", "/healthz", nil))
		var body map[string]any
		var corpus struct {
			Corpus corpusHealth `json:"corpus"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &corpus); err != nil {
			t.Fatal(err)
		}
		return rec.Code, body, corpus.Corpus
	}

	code, body, c := get(time.Date(2030, 6, 1, 9, 0, 0, 0, jkt))
	if code != http.StatusOK || body["status"] != "ok" || c.State != "ok" || c.PastReview != 0 || c.DueSoon != 0 {
		t.Errorf("nothing due: %d %v %+v", code, body["status"], c)
	}

	code, body, c = get(time.Date(2030, 10, 15, 9, 0, 0, 0, jkt))
	if code != http.StatusOK || body["status"] != "ok" || c.State != "review due" || c.DueSoon != 1 ||
		len(c.Due) != 1 || c.Due[0] != (reviewHealth{ID: "ktp-baru", Owner: "Dukcapil", ReviewBy: "2030-10-31"}) {
		t.Errorf("due soon: %d %v %+v", code, body["status"], c)
	}

	// Past review: degraded, yet 200 — Balai still works and hands those questions to officers.
	code, body, c = get(time.Date(2030, 11, 15, 9, 0, 0, 0, jkt))
	if code != http.StatusOK || body["status"] != "degraded" || c.State != "degraded" {
		t.Errorf("past review: %d %v %s", code, body["status"], c.State)
	}
	if c.PastReview != 1 || c.DueSoon != 3 || c.WithinDays != 30 ||
		len(c.Stale) != 1 || c.Stale[0] != (reviewHealth{ID: "ktp-baru", Owner: "Dukcapil", ReviewBy: "2030-10-31"}) ||
		len(c.Due) != 3 || c.Due[0].ID != "ktp-hilang" {
		t.Errorf("past review: %+v", c)
	}
	if len(c.Owners) != 2 || c.Owners[0].Owner != "Dukcapil" || c.Owners[0].Stale != 1 || c.Owners[0].DueSoon != 2 {
		t.Errorf("owners: %+v", c.Owners)
	}
}

// A corpus far from the size its calibration was chosen for is pointed out at start.
func TestServeWarnsOfCalibrationSize(t *testing.T) {
	for _, tt := range []struct {
		name       string
		calibrated int // entries the calibration was chosen for; the fixture has 6
		warn       bool
	}{
		{"unknown size", 0, false},
		{"same size", 6, false},
		{"within three times", 18, false},
		{"hundreds", 91, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := reviewServer(t, time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC), &logs)
			s.cfg.Calibration = knowledge.DefaultCalibration()
			s.cfg.Calibration.Fit.Entries = tt.calibrated
			s.logCalibration(s.index.Corpus())
			got := strings.Contains(logs.String(), "balai calibrate") && strings.Contains(logs.String(), "corpus_entries=6")
			if got != tt.warn {
				t.Fatalf("warned %v, want %v:\n%s", got, tt.warn, logs.String())
			}
		})
	}
}
