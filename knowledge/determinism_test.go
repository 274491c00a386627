package knowledge_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/synthcorpus"
	"github.com/balai-id/balai/knowledge"
)

// layoutQuestions returns the questions of the evaluation set (in scope and out of scope)
// and one question of every 20th entry of c.
func layoutQuestions(tb testing.TB, c *faq.Corpus) []string {
	tb.Helper()
	f, err := os.Open("../testdata/eval/cases.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c struct {
			Q string `json:"q"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatal(err)
		}
		qs = append(qs, c.Q)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < len(c.Entries); i += 20 {
		e := c.Entries[i]
		qs = append(qs, e.Questions[i%len(e.Questions)])
	}
	return qs
}

// outcome is what must not depend on how an index is stored.
type outcome struct {
	Question   string
	Decision   knowledge.Decision
	Reason     string
	IDs        []string
	Confidence []float64
	Features   []knowledge.Features
}

func askAll(tb testing.TB, ix *knowledge.Index, qs []string) []outcome {
	tb.Helper()
	out := make([]outcome, len(qs))
	for i, q := range qs {
		res, err := ix.Ask(context.Background(), q)
		if err != nil {
			tb.Fatal(err)
		}
		o := outcome{Question: q, Decision: res.Decision, Reason: res.Reason}
		for _, c := range res.Candidates {
			o.IDs = append(o.IDs, c.Entry.ID)
			o.Confidence = append(o.Confidence, c.Confidence)
			o.Features = append(o.Features, c.Features)
		}
		out[i] = o
	}
	return out
}

// TestSameAnswersInMemoryAndOnDisk asks the same questions of one 2,000-entry corpus indexed
// in memory (as ask and eval do), built on disk, reopened from disk (as serve does after a
// restart) and reopened after its segments were merged (as scorch does in the background):
// candidates, their order, confidences and every feature must be identical, bit for bit.
// The corpus is larger than the indexing batch, so the in-memory index has several segments
// and the persisted one fewer.
func TestSameAnswersInMemoryAndOnDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes a 2,000-entry corpus four times")
	}
	base, _, err := faq.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	c, err := synthcorpus.Generate(base, 2000, 7)
	if err != nil {
		t.Fatal(err)
	}
	qs := layoutQuestions(t, c)
	if len(qs) < 200 {
		t.Fatalf("only %d questions", len(qs))
	}
	ctx := context.Background()
	ask := func(dir string) ([]outcome, knowledge.Info) {
		t.Helper()
		ix, err := knowledge.Open(ctx, c, knowledge.Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler),
			Now: func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		return askAll(t, ix, qs), ix.Info()
	}

	memory, _ := ask("")
	data := t.TempDir()
	fresh, info := ask(data)
	if !info.Built || info.Path == "" {
		t.Fatalf("first open should build on disk: %+v", info)
	}
	reopened, info2 := ask(data)
	if info2.Built || info2.Path != info.Path {
		t.Fatalf("second open should reopen %s: %+v", info.Path, info2)
	}
	b, err := bleve.Open(info.Path)
	if err != nil {
		t.Fatal(err)
	}
	adv, err := b.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if err := adv.(*scorch.Scorch).ForceMerge(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	merged, _ := ask(data)

	answered := 0
	for _, o := range memory {
		if o.Decision == knowledge.Answer {
			answered++
		}
	}
	if answered < len(qs)/4 {
		t.Fatalf("only %d of %d questions answered: the comparison would say little", answered, len(qs))
	}
	for _, other := range []struct {
		name     string
		outcomes []outcome
	}{{"built on disk", fresh}, {"reopened from disk", reopened}, {"merged on disk", merged}} {
		differ := 0
		for i := range qs {
			if d := cmp.Diff(memory[i], other.outcomes[i], cmpopts.IgnoreUnexported(knowledge.Features{})); d != "" {
				if differ < 3 {
					t.Errorf("%s: question %d differs from the in-memory index (-memory +%s):\n%s", other.name, i, other.name, d)
				}
				differ++
			}
		}
		if differ > 0 {
			t.Errorf("%s: %d of %d questions differ from the in-memory index", other.name, differ, len(qs))
		}
	}
}
