package knowledge_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
)

// openEntries opens an in-memory index over entries made in the test.
func openEntries(t *testing.T, es []*faq.Entry) *knowledge.Index {
	t.Helper()
	c, err := faq.NewCorpus(es, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := knowledge.Open(context.Background(), c, knowledge.Options{
		Logger: slog.New(slog.DiscardHandler),
		Now:    func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func candidate(t *testing.T, res *knowledge.Result, id string) knowledge.Candidate {
	t.Helper()
	for _, c := range res.Candidates {
		if c.Entry.ID == id {
			return c
		}
	}
	t.Fatalf("%s is not a candidate of %q", id, res.Question)
	return knowledge.Candidate{}
}

// Siblings of one procedure differ by a qualifier. A question that does not say the
// qualifier is about the plain case: the sibling whose own words the question lacks
// ("orang asing", "kota lain") ranks below the plain one, and a question that says the
// qualifier gets the qualified sibling.
func TestSiblingQualifierTheQuestionLacks(t *testing.T) {
	ix := openEntries(t, []*faq.Entry{
		{ID: "ktp-hilang", Title: "Penerbitan Kembali KTP-el yang Hilang",
			Questions: []string{"Bagaimana cara mengurus KTP-el yang hilang?"},
			Body:      "Bawa KK dan surat keterangan kehilangan dari kepolisian ke Disdukcapil domisili."},
		{ID: "ktp-hilang-wna", Title: "Penerbitan Kembali KTP-el Orang Asing yang Hilang",
			Questions: []string{"Bagaimana mengurus KTP-el orang asing yang hilang?"},
			Body:      "Bawa surat kehilangan, paspor dan KITAP ke Disdukcapil."},
		{ID: "ktp-hilang-luar", Title: "KTP-el Hilang di Luar Kota Domisili",
			Questions: []string{"KTP-el saya hilang di kota lain, bisa diurus di sana?"},
			Body:      "Cetak ulang dapat dilakukan di Disdukcapil mana pun."},
		{ID: "ktp-rusak", Title: "Penggantian KTP-el yang Rusak",
			Questions: []string{"Bagaimana mengganti KTP-el yang rusak?"},
			Body:      "Bawa KTP-el yang rusak ke Disdukcapil."},
	})
	for _, tt := range []struct{ q, want string }{
		{"ktp saya hilang, ngurusnya gimana?", "ktp-hilang"},
		{"ktp orang asing hilang, ngurusnya gimana?", "ktp-hilang-wna"},
	} {
		res, err := ix.Ask(context.Background(), tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if top, _ := res.Top(); top.Entry.ID != tt.want {
			t.Errorf("%q: top %s, want %s", tt.q, top.Entry.ID, tt.want)
		}
	}
	res, err := ix.Ask(context.Background(), "ktp saya hilang, ngurusnya gimana?")
	if err != nil {
		t.Fatal(err)
	}
	plain, wna := candidate(t, res, "ktp-hilang"), candidate(t, res, "ktp-hilang-wna")
	if !(plain.Features.DistinctMiss < wna.Features.DistinctMiss) {
		t.Errorf("distinct miss: plain %.3f, foreigner's %.3f; want the plain entry's smaller",
			plain.Features.DistinctMiss, wna.Features.DistinctMiss)
	}
}

// Duplicate rows (the same answer under two entries) are one answer, not rivals: each one's
// margin is measured against the best entry with a different answer.
func TestDuplicatesAreNotRivals(t *testing.T) {
	body := "Perpanjangan SIM dapat diajukan di Satpas sebelum masa berlaku habis."
	ix := openEntries(t, []*faq.Entry{
		{ID: "sim-perpanjang", Title: "Perpanjangan SIM", Questions: []string{"Bagaimana cara memperpanjang SIM?"}, Body: body},
		{ID: "sim-perpanjang-2", Title: "Cara Perpanjang SIM", Questions: []string{"Bagaimana memperpanjang SIM?"}, Body: body},
		{ID: "sim-baru", Title: "Pembuatan SIM Baru", Questions: []string{"Bagaimana cara membuat SIM baru?"},
			Body: "Daftar di Satpas dengan KTP-el dan surat kesehatan."},
	})
	res, err := ix.Ask(context.Background(), "cara memperpanjang sim")
	if err != nil {
		t.Fatal(err)
	}
	a, b, other := candidate(t, res, "sim-perpanjang"), candidate(t, res, "sim-perpanjang-2"), candidate(t, res, "sim-baru")
	for _, c := range []knowledge.Candidate{a, b} {
		if want := c.Features.Score - other.Features.Score; c.Features.Margin != want {
			t.Errorf("%s: margin %.4f, want %.4f (its score less the other answer's, not its duplicate's)", c.Entry.ID, c.Features.Margin, want)
		}
	}
	if other.Features.Margin >= 0 {
		t.Errorf("sim-baru margin %.4f, want negative", other.Features.Margin)
	}
}
