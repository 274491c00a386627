package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/knowledge"
)

func writeEntry(t *testing.T, dir, id, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, id+".md"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func removeEntries(t *testing.T, dir string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := os.Remove(filepath.Join(dir, id+".md")); err != nil {
			t.Fatal(err)
		}
	}
}

// runAccept runs balai faq accept on the fixture's corpus and data directory.
func runAccept(t *testing.T, f *healthFixture) string {
	t.Helper()
	var out, errs bytes.Buffer
	if code := faqAccept([]string{"--faq", f.faqDir, "--data-dir", f.s.cfg.DataDir}, &out, &errs); code != exitOK {
		t.Fatalf("balai faq accept: %d %s", code, errs.String())
	}
	return out.String()
}

// TestCorpusShrinkGuard: a reload removing a few entries is served; one removing more than
// the limit is held (ERROR log, /healthz degraded with the change, one notice in the
// officers' chat) while the previous corpus keeps answering; balai faq accept applies it.
func TestCorpusShrinkGuard(t *testing.T) {
	ctx := context.Background()
	f := newHealthFixture(t)
	f.s.officers = balai.ChatRef{Channel: balai.Telegram, ID: "-100"}
	var submitted []bot.StoredOutgoing
	f.s.submit = func(items ...bot.StoredOutgoing) { submitted = append(submitted, items...) }
	f.s.recordServed(f.s.index.Corpus()) // as balai serve does at start

	// 1 of 6 (17 %): within the 20 % limit, served.
	removeEntries(t, f.faqDir, "jam-buka")
	f.s.reloadCorpus(ctx)
	if n := f.s.index.Info().Entries; n != 5 {
		t.Fatalf("entries after a small removal = %d, want 5", n)
	}
	if _, r := f.report(t); r.Status != stateOK || r.Corpus.Reload != nil {
		t.Fatalf("after a small removal: %s %+v", r.Status, r.Corpus.Reload)
	}

	// 2 of 5 (40 %): held.
	removeEntries(t, f.faqDir, "kk-baru", "pbb-bayar")
	f.s.reloadCorpus(ctx)
	f.s.reloadCorpus(ctx) // a second look (SIGHUP) tells nobody again
	if n := f.s.index.Info().Entries; n != 5 {
		t.Errorf("entries after a held removal = %d, want the previous 5", n)
	}
	if ids := strings.Join(idsOf(f.s.index.Corpus()), ","); !strings.Contains(ids, "pbb-bayar") {
		t.Errorf("a removed entry is no longer served while the change is held: %s", ids)
	}
	code, r := f.report(t)
	rl := r.Corpus.Reload
	if code != 200 || r.Status != stateDegraded || r.Parts["corpus"].State != stateDegraded || rl == nil || rl.State != "held" ||
		rl.FromEntries != 5 || rl.ToEntries != 3 || rl.Removed != 2 || rl.RemovedPercent != 40 ||
		strings.Join(rl.RemovedIDs, ",") != "kk-baru,pbb-bayar" || !strings.Contains(rl.Detail, "balai faq accept") {
		t.Errorf("/healthz with a held change: %d %s %+v", code, r.Status, rl)
	}
	if logs := f.logs.String(); strings.Count(logs, "level=ERROR msg=\"Corpus change held") != 1 || !strings.Contains(logs, "removed_percent=40") {
		t.Errorf("log:\n%s", logs)
	}
	if len(submitted) != 1 || !strings.Contains(submitted[0].Text, "ditahan") || !strings.Contains(submitted[0].Text, "balai faq accept") ||
		!strings.Contains(submitted[0].Text, "kk-baru") || submitted[0].Chat != f.s.officers {
		t.Errorf("officers' notices: %+v", submitted)
	}
	if f.s.acceptedHeld() {
		t.Fatal("accepted before balai faq accept")
	}

	// Accepted: the running serve applies it at its next look.
	out := runAccept(t, f)
	if !strings.Contains(out, "2 removed (40%)") || !strings.Contains(out, "kk-baru") {
		t.Errorf("balai faq accept said:\n%s", out)
	}
	if !f.s.acceptedHeld() {
		t.Fatal("the acceptance is not seen")
	}
	f.s.reloadCorpus(ctx)
	if n := f.s.index.Info().Entries; n != 3 {
		t.Errorf("entries after the acceptance = %d, want 3", n)
	}
	if _, r := f.report(t); r.Status != stateOK || r.Corpus.Reload != nil {
		t.Errorf("after the acceptance: %s %+v", r.Status, r.Corpus.Reload)
	}
	// The served record follows: a start with these 3 entries is not held.
	c, _, err := knowledge.LoadCorpus(f.faqDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.guardStart(c); err != nil {
		t.Errorf("start with the accepted corpus: %v", err)
	}
}

// TestCorpusShrinkGuardRestored: putting the files back ends the hold without an acceptance;
// with the limit off, a large removal is served.
func TestCorpusShrinkGuardRestored(t *testing.T) {
	ctx := context.Background()
	f := newHealthFixture(t)
	kept, _ := os.ReadFile(filepath.Join(f.faqDir, "kk-baru.md"))
	removeEntries(t, f.faqDir, "kk-baru", "pbb-bayar")
	f.s.reloadCorpus(ctx)
	if f.s.guard.health() == nil {
		t.Fatal("not held")
	}
	writeEntry(t, f.faqDir, "kk-baru", string(kept))
	removeEntries(t, f.faqDir, "jam-buka") // now 2 of 6: still too many
	f.s.reloadCorpus(ctx)
	if h := f.s.guard.health(); h == nil || h.Removed != 2 || strings.Join(h.RemovedIDs, ",") != "jam-buka,pbb-bayar" {
		t.Fatalf("a new held change: %+v", h)
	}
	f.s.cfg.Health.corpusShrinkLimitOn = false
	f.s.reloadCorpus(ctx)
	if h := f.s.guard.health(); h != nil || f.s.index.Info().Entries != 4 {
		t.Errorf("with the limit off: %+v, %d entries", h, f.s.index.Info().Entries)
	}
}

// TestCorpusShrinkGuardAtStart: a start with far fewer entries than served last stops with
// what to do, until balai faq accept; a small removal starts.
func TestCorpusShrinkGuardAtStart(t *testing.T) {
	f := newHealthFixture(t)
	load := func() error {
		t.Helper()
		c, ps, err := knowledge.LoadCorpus(f.faqDir)
		if err != nil || ps.Err() != nil {
			t.Fatal(err, ps)
		}
		return f.s.guardStart(c)
	}
	if err := load(); err != nil {
		t.Fatalf("first start (nothing served before): %v", err)
	}
	f.s.recordServed(f.s.index.Corpus())
	removeEntries(t, f.faqDir, "jam-buka")
	if err := load(); err != nil {
		t.Errorf("start with 1 of 6 removed: %v", err)
	}
	removeEntries(t, f.faqDir, "kk-baru", "pbb-bayar")
	err := load()
	if err == nil || !strings.Contains(err.Error(), "removes 3 of the 6 entries") || !strings.Contains(err.Error(), "balai faq accept") {
		t.Fatalf("start with 3 of 6 removed: %v", err)
	}
	runAccept(t, f)
	if err := load(); err != nil {
		t.Errorf("start after balai faq accept: %v", err)
	}
}
