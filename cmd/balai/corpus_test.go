package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	iofs "io/fs"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/store"
)

// TestCorpusCommands: balai corpus on both databases: read-only with the corpus in a folder;
// with BALAI_CORPUS=db a draft from a folder, four eyes (the author cannot approve, an
// officer cannot publish), diff, publish, rollback, export as a folder and CSV, and a draft
// from the CSV that changes nothing.
func TestCorpusCommands(t *testing.T) {
	for name, database := range adminDatabases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			url := database(t)
			t.Setenv("DATABASE_URL", url)
			db, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, a := range []balai.Account{{Username: "ani", Name: "Ani", Role: balai.RoleEditor}, {Username: "budi", Name: "Budi", Role: balai.RoleEditor},
				{Username: "dedi", Name: "Dedi", Role: balai.RoleOfficer}} {
				if _, err := db.CreateAccount(ctx, a, ""); err != nil {
					t.Fatal(err)
				}
			}
			corpus := func(args ...string) (int, string, string) {
				t.Helper()
				var out, errOut bytes.Buffer
				code := run(ctx, append([]string{"corpus"}, args...), &out, &errOut)
				return code, out.String(), errOut.String()
			}
			tmp := t.TempDir()
			src := filepath.Join(tmp, "src")
			copyEmbedded(t, src)
			if code, _, errOut := corpus("draft", "--from", src, "--as", "ani"); code != exitFailed || !strings.Contains(errOut, "BALAI_CORPUS=folder") {
				t.Fatalf("draft with the corpus in a folder: %d %s", code, errOut)
			}
			t.Setenv("BALAI_CORPUS", "db")
			// The first draft from the folder; a changed copy as the second.
			if code, out, errOut := corpus("draft", "--from", src, "--as", "ani", "--note", "awal"); code != exitOK || !strings.Contains(out, "Draft 1 made (91 entries)") {
				t.Fatalf("draft: %d %s %s", code, out, errOut)
			}
			for _, step := range [][]string{{"submit", "1", "--as", "ani"}, {"approve", "1", "--as", "budi"}, {"publish", "1", "--as", "budi"}} {
				if code, _, errOut := corpus(step...); code != exitOK {
					t.Fatalf("%v: %d %s", step, code, errOut)
				}
			}
			p := filepath.Join(src, "kependudukan", "akta-kelahiran-hilang-rusak.md")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("title: Akta kelahiran hilang atau rusak"), []byte("title: Akta lahir hilang"), 1), 0o644)
			if code, _, errOut := corpus("draft", "--from", src, "--as", "ani"); code != exitOK {
				t.Fatalf("second draft: %d %s", code, errOut)
			}
			if code, out, _ := corpus("diff", "1", "2"); code != exitOK || !strings.Contains(out, "~ akta-kelahiran-hilang-rusak") || !strings.Contains(out, "+ Akta lahir hilang") {
				t.Fatalf("diff: %d %s", code, out)
			}
			corpus("submit", "2", "--as", "ani")
			if code, _, errOut := corpus("approve", "2", "--as", "ani"); code != exitFailed || !strings.Contains(errOut, "four eyes") {
				t.Fatalf("author approves: %d %s", code, errOut)
			}
			if code, _, errOut := corpus("approve", "2", "--as", "dedi"); code != exitFailed || !strings.Contains(errOut, "not allowed") {
				t.Fatalf("officer approves: %d %s", code, errOut)
			}
			corpus("approve", "2", "--as", "budi")
			if code, _, errOut := corpus("publish", "2", "--as", "dedi"); code != exitFailed {
				t.Fatalf("officer publishes: %d %s", code, errOut)
			}
			if code, out, errOut := corpus("publish", "2", "--as", "ani"); code != exitOK || !strings.Contains(out, "Version 2 is published") {
				t.Fatalf("publish: %d %s %s", code, out, errOut)
			}
			if code, out, errOut := corpus("rollback", "1", "--as", "ani", "--note", "judul lama lebih jelas"); code != exitOK || !strings.Contains(out, "Version 3 is published") {
				t.Fatalf("rollback: %d %s %s", code, out, errOut)
			}
			if code, out, _ := corpus("diff", "1", "3"); code != exitOK || !strings.Contains(out, "hold the same entries") {
				t.Fatalf("diff after the rollback: %s", out)
			}
			if code, out, _ := corpus("list"); code != exitOK || !strings.Contains(out, "3   published") || !strings.Contains(out, "2   superseded") {
				t.Fatalf("list:\n%s", out)
			}
			if code, out, _ := corpus("show", "3"); code != exitOK || !strings.Contains(out, "Restores") || !strings.Contains(out, "user:") {
				t.Fatalf("show:\n%s", out)
			}
			dir, csvFile := filepath.Join(tmp, "export"), filepath.Join(tmp, "faq.csv")
			if code, _, errOut := corpus("export", "3", "--out", dir); code != exitOK {
				t.Fatalf("export: %s", errOut)
			}
			want, _, _ := faq.LoadDefault()
			got, ps, err := faq.LoadDir(dir)
			if err != nil || ps.Err() != nil || got.Fingerprint != want.Fingerprint {
				t.Fatalf("exported folder: %v %v, fingerprint equal %v", err, ps.Err(), got != nil && got.Fingerprint == want.Fingerprint)
			}
			if code, _, errOut := corpus("export", "3", "--csv", csvFile); code != exitOK {
				t.Fatalf("export csv: %s", errOut)
			}
			if code, out, errOut := corpus("draft", "--from", csvFile, "--as", "budi"); code != exitOK || !strings.Contains(out, "0 new, 0 updated, 91 unchanged") {
				t.Fatalf("draft from the csv: %d %s %s", code, out, errOut)
			}
			audit, _ := db.Audit(ctx, 100)
			var actions []string
			for _, a := range audit {
				if strings.HasPrefix(a.Action, "corpus_") {
					actions = append(actions, a.Action)
				}
			}
			if len(actions) != 10 || actions[0] != "corpus_draft_imported" || actions[1] != "corpus_rollback" {
				t.Fatalf("audit: %v", actions)
			}
		})
	}
}

// copyEmbedded writes the embedded corpus into dir.
func copyEmbedded(t *testing.T, dir string) {
	t.Helper()
	c, _, err := faq.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Entries {
		b, err := iofs.ReadFile(faq.Default(), e.File)
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(dir, e.File), b)
	}
	for name, b := range c.Extras {
		writeTestFile(t, filepath.Join(dir, faq.ExtrasDir, name), b)
	}
}

func writeTestFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
