package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// updating reports whether the test run rewrites golden files (go test -update).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// importFixture copies faq/testdata/import/NAME into a fresh working directory and changes
// into it, so output names the sheet as an admin would ("messy.csv", "corpus").
func importFixture(t *testing.T, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "faq", "testdata", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func runImportCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"faq", "import"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// checkGolden compares got with faq/testdata/import/NAME (go test -update rewrites it).
func checkGolden(t *testing.T, wd, name, got string) {
	t.Helper()
	golden := filepath.Join(wd, "..", "..", "faq", "testdata", "import", name)
	if updating() {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestFAQImportMessy(t *testing.T) {
	wd, _ := os.Getwd()
	importFixture(t, "messy.csv")

	// Without a default source, rows whose source is not a URL stop the import.
	out, errs, code := runImportCmd(t, "messy.csv", "--faq", "corpus")
	if code != exitFailed || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	checkGolden(t, wd, "messy.errors.golden", out)
	if _, err := os.Stat("corpus"); !os.IsNotExist(err) {
		t.Errorf("a failed import created the corpus folder: %v", err)
	}

	// A dry run says what would happen and writes nothing.
	args := []string{"messy.csv", "--faq", "corpus", "--source", "https://disdukcapil.example.go.id/", "--merge-duplicates", "--updated", "2025-06-30"}
	out, _, code = runImportCmd(t, append(args, "--dry-run")...)
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if !strings.HasSuffix(out, "dry run: nothing written; the import would create corpus and write 29 files in it\n") {
		t.Errorf("dry run output ends:\n%s", out[max(0, len(out)-300):])
	}
	if _, err := os.Stat("corpus"); !os.IsNotExist(err) {
		t.Errorf("a dry run created the corpus folder: %v", err)
	}

	out, _, code = runImportCmd(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	checkGolden(t, wd, "messy.out.golden", out)

	// The corpus written is valid, and the same sheet again changes nothing.
	var vout bytes.Buffer
	if code := run(context.Background(), []string{"faq", "validate", "corpus"}, &vout, &vout); code != exitOK {
		t.Errorf("validate: exit %d\n%s", code, vout.String())
	}
	out, _, code = runImportCmd(t, args...)
	if code != exitOK || !strings.Contains(out, "entries      0 new, 0 updated, 29 unchanged") || !strings.HasSuffix(out, "wrote 0 files in corpus\n") {
		t.Errorf("second import: exit %d\n%s", code, out)
	}
}

func TestFAQImportUpdatedToday(t *testing.T) {
	importFixture(t, "messy.csv")
	defer func(c func() time.Time) { importClock = c }(importClock)
	importClock = func() time.Time { return time.Date(2031, 3, 4, 20, 0, 0, 0, time.UTC) } // 5 March in Jakarta

	out, _, code := runImportCmd(t, "messy.csv", "--faq", "corpus", "--source", "https://x.go.id/", "--updated", "today")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "  updated 2031-03-05 on 6 rows (lines 10, 13-14, 20, 32-33)\n") {
		t.Errorf("output lacks the rows given today's date:\n%s", out)
	}
	data, err := os.ReadFile(filepath.Join("corpus", "kependudukan", "kk-baru.md"))
	if err != nil || !strings.Contains(string(data), "updated: \"2031-03-05\"") {
		t.Errorf("kk-baru.md: %v\n%s", err, data)
	}

	for _, bad := range []string{"kemarin", "2031-02-30"} {
		if _, errs, code := runImportCmd(t, "messy.csv", "--faq", "corpus", "--updated", bad); code != exitUsage || !strings.Contains(errs, `want YYYY-MM-DD or "today"`) {
			t.Errorf("--updated %s: exit %d, %q", bad, code, errs)
		}
	}
}

func TestFAQImportUsage(t *testing.T) {
	t.Setenv("BALAI_FAQ_DIR", "")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "give one CSV file"},
		{[]string{"a.csv"}, "the embedded corpus is read-only"},
		{[]string{"a.csv", "--faq", "corpus", "--source", "www.dukcapil.go.id"}, `--source "www.dukcapil.go.id": want an absolute http(s) URL`},
	} {
		if _, errs, code := runImportCmd(t, tt.args...); code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, %q", tt.args, code, errs)
		}
	}
}
