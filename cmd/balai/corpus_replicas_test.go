package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai/internal/tgfake"
)

// TestPublishedCorpusReachesReplicas: two `balai serve` replicas on one PostgreSQL with the
// corpus in the database (BALAI_CORPUS=db). An editor drafts a changed answer, a second
// editor approves and publishes it (balai corpus, four eyes), and a citizen on replica 2's
// Telegram gets the new answer without a restart; after a rollback the old answer returns.
// How long each switch took is logged, not asserted (speed is measured, not tested).
func TestPublishedCorpusReachesReplicas(t *testing.T) {
	dbURL := adminDatabases(t)["Postgres"](t)
	env := map[string]string{"BALAI_CORPUS": "db", "BALAI_CORPUS_POLL": "1s"}
	env["BALAI_INSTANCE"] = "r1"
	startServe(t, dbURL, env, func() {
		addUser(t, "editor", "Ani", "ani", e2ePassword)
		addUser(t, "editor", "Budi", "budi", e2ePassword)
	})
	env["BALAI_INSTANCE"] = "r2"
	r2 := startServe(t, dbURL, env, nil)

	const citizen = int64(9301)
	ask := func(want, unwanted string) time.Duration {
		t.Helper()
		return askUntil(t, r2, citizen, "Bagaimana cara mengurus akta kelahiran yang hilang?", want, unwanted)
	}
	ask("surat keterangan kehilangan", "")

	corpus := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append([]string{"corpus"}, args...), &out, &errOut); code != exitOK {
			t.Fatalf("balai corpus %v: %d %s", args, code, errOut.String())
		}
		return out.String()
	}
	// The changed answer, drafted from a folder, submitted, approved by another editor, published.
	src := undatedCorpus(t, filepath.Join(t.TempDir(), "src"))
	p := filepath.Join(src, "kependudukan", "akta-kelahiran-hilang-rusak.md")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "Mulai 2027 pengajuan kutipan kedua juga bisa lewat loket keliling."
	b = bytes.Replace(b, []byte("Layanan ini **gratis**."), []byte("Layanan ini **gratis**. "+marker), 1)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	corpus("draft", "--from", src, "--as", "ani", "--note", "loket keliling")
	corpus("submit", "2", "--as", "ani")
	corpus("approve", "2", "--as", "budi")
	corpus("publish", "2", "--as", "budi")
	t.Logf("the published change reached replica 2's answers in %s", ask("loket keliling", "").Round(100*time.Millisecond))

	corpus("rollback", "1", "--as", "budi", "--note", "kembali")
	t.Logf("the rollback reached replica 2's answers in %s", ask("surat keterangan kehilangan", "loket keliling").Round(100*time.Millisecond))
}

// askUntil has citizen ask question on e's fake Telegram until the answer contains want and
// not unwanted ("" for none), for up to a minute; it returns how long that took.
func askUntil(t *testing.T, e *e2e, citizen int64, question, want, unwanted string) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < time.Minute {
		before := len(e.fake.SentTo(citizen))
		e.fake.Message(citizen, question)
		got := e.waitSent(t, citizen, before+1)
		txt := tgfake.VisibleText(got[before].Text, got[before].ParseMode)
		if strings.Contains(txt, want) && (unwanted == "" || !strings.Contains(txt, unwanted)) {
			return time.Since(start)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("the citizen never got an answer with %q", want)
	return 0
}
