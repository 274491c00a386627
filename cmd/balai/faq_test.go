package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reviewFixture writes a corpus with review dates around late 2030.
func reviewFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, e := range []struct{ id, review, owner string }{
		{"ktp-baru", "2030-10-31", "Dukcapil"},
		{"ktp-hilang", "2030-11-30", "Dukcapil"},
		{"kk-baru", "2030-12-10", "Dukcapil"},
		{"pbb-bayar", "2030-12-05", "Bapenda"},
		{"jam-buka", "2031-06-30", ""},
		{"tanpa-tinjauan", "", "Humas"},
	} {
		head := fmt.Sprintf("---\nid: %s\ntitle: Judul %s\nquestions: [Bagaimana %s?]\nsource: https://example.go.id/\nupdated: 2030-01-02\n", e.id, e.id, e.id)
		if e.review != "" {
			head += "review_by: " + e.review + "\n"
		}
		if e.owner != "" {
			head += "owner: " + e.owner + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, e.id+".md"), []byte(head+"---\nIsi jawaban.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFAQStatsReviewWarning(t *testing.T) {
	dir := reviewFixture(t)
	stats := func(args ...string) (string, string, int) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"faq", "stats", dir}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}

	out, errs, code := stats("--at", "2030-11-15")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	first, _, _ := strings.Cut(out, "\n")
	if want := "WARNING: 1 entries past review (never answered: questions about them go to officers), 3 due for review within 30 days (the first on 2030-11-30); by owner:"; first != want {
		t.Errorf("first line:\n got %q\nwant %q", first, want)
	}
	for _, want := range []string{
		"    1 past review,   2 due soon: Dukcapil\n",
		"    0 past review,   1 due soon: Bapenda\n",
		"stale (never answered; officers answer instead): 1\n  ktp-baru (review_by 2030-10-31, owner Dukcapil)\n",
		"review due within 30 days: 3\n  ktp-hilang (review_by 2030-11-30, owner Dukcapil)\n  pbb-bayar (review_by 2030-12-05, owner Bapenda)\n  kk-baru (review_by 2030-12-10, owner Dukcapil)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Months earlier nothing is due: no warning.
	out, _, _ = stats("--at", "2030-06-01")
	if strings.Contains(out, "WARNING") || !strings.HasPrefix(out, "entries:    6 in 1 categories") {
		t.Errorf("no review due, yet:\n%s", out)
	}

	// Later every dated entry is stale; the one without an owner is listed as "-".
	out, _, _ = stats("--at", "2031-07-01")
	for _, want := range []string{"WARNING: 5 entries past review", "    3 past review,   0 due soon: Dukcapil\n", "    1 past review,   0 due soon: -\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	if _, errs, code := stats("--at", "15-11-2030"); code != exitUsage || !strings.Contains(errs, "want YYYY-MM-DD") {
		t.Errorf("bad --at: exit %d, %q", code, errs)
	}
}
