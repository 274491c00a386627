package indonesian_test

import (
	"slices"
	"testing"

	"github.com/balai-id/balai/knowledge/indonesian"
)

// Words that decide which of two sibling answers fits are never dropped as stop words:
// negation, the time relation of a procedure (before, after, during), and contrast or
// restriction (but, although, except, only, still).
func TestMeaningWordsAreKept(t *testing.T) {
	a, err := indonesian.New(indonesian.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ text, keep string }{
		{"klaim jht sebelum usia 56 tahun", "sebelum"},
		{"lapor setelah melahirkan", "setelah"},
		{"urus paspor sesudah menikah", "sesudah"},
		{"iuran bpjs selama cuti", "selama"},
		{"ktp belum jadi", "belum"},
		{"tidak punya kk", "tidak"},
		{"sudah bayar tapi kartu belum aktif", "tapi"},
		{"sudah menikah namun kk belum diubah", "namun"},
		{"padahal data sudah benar", "padahal"},
		{"selain ktp perlu apa", "selain"},
		{"status bpjs masih aktif", "masih"},
		{"hanya punya surat keterangan", "hanya"},
		{"spt lebih bayar kapan dikembalikan", "lebih"},
		{"spt kurang bayar", "kurang"},
	} {
		var surfaces []string
		for _, term := range a.Analyze(c.text) {
			surfaces = append(surfaces, term.Surface)
		}
		if !slices.Contains(surfaces, c.keep) {
			t.Errorf("Analyze(%q) = %v: %q was dropped", c.text, surfaces, c.keep)
		}
	}
	// Plain function words still go.
	for _, w := range []string{"yang", "di", "dan", "adalah"} {
		if !a.IsStop(w) {
			t.Errorf("%q is not a stop word", w)
		}
	}
}

// The class letter after SIM, Paket, golongan… is kept with its word; other single letters go.
func TestClassLettersAreKept(t *testing.T) {
	a, err := indonesian.New(indonesian.Config{})
	if err != nil {
		t.Fatal(err)
	}
	terms := func(text string) []string {
		var out []string
		for _, term := range a.Analyze(text) {
			out = append(out, term.Text)
		}
		return out
	}
	for _, c := range []struct {
		text      string
		want, not string
	}{
		{"perpanjang sim c brp", "sim_c", "sim_a"},
		{"syarat SIM A umum", "sim_a", "sim_c"},
		{"ujian paket c", "paket_c", ""},
		{"vitamin c untuk anak", "", "vitamin_c"},
	} {
		got := terms(c.text)
		if c.want != "" && !slices.Contains(got, c.want) {
			t.Errorf("Analyze(%q) = %v, want %q", c.text, got, c.want)
		}
		if c.not != "" && slices.Contains(got, c.not) {
			t.Errorf("Analyze(%q) = %v, has %q", c.text, got, c.not)
		}
		for _, term := range got {
			if len(term) == 1 {
				t.Errorf("Analyze(%q) = %v keeps a single letter", c.text, got)
			}
		}
	}
}

// The words of a multi-word rule are marked, so a spelling corrector leaves them as typed
// ("berita hoax" must reach the rule that reads it as hoaks).
func TestInPhrase(t *testing.T) {
	a, err := indonesian.New(indonesian.Config{Rules: [][]indonesian.Rule{{{From: []string{"hong", "kong"}, To: []string{"hongkong"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		words []string
		want  []bool
	}{
		{[]string{"kerja", "di", "hong", "kong"}, []bool{false, false, true, true}},
		{[]string{"ada", "berita", "hoax", "ktp"}, []bool{false, true, true, false}},
		{[]string{"kong", "hong"}, []bool{false, false}},
		{[]string{"berita", "acara"}, []bool{false, false}},
		{nil, []bool{}},
	} {
		if got := a.InPhrase(c.words); !slices.Equal(got, c.want) {
			t.Errorf("InPhrase(%v) = %v, want %v", c.words, got, c.want)
		}
	}
}

// A possessive between the words of a phrase rule does not block it: "paspor sy mati" reads
// like "paspor mati" and keeps its "saya" for the topics that look for the citizen's own case.
func TestPhraseRulesSkipAPossessive(t *testing.T) {
	a, err := indonesian.New(indonesian.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want []string
	}{
		{"paspor sy mati", []string{"paspor", "habis", "berlaku", "saya"}},
		{"paspor mati", []string{"paspor", "habis", "berlaku"}},
		{"kis gw mati", []string{"kis", "nonaktif", "saya"}},
		// Only one possessive, and only after the phrase's first word.
		{"paspor sy dan mati", []string{"paspor", "saya", "dan", "mati"}},
		{"sy paspor", []string{"saya", "paspor"}},
	} {
		got := a.Rewrite(indonesian.Words(c.text))
		if !slices.Equal(got, c.want) {
			t.Errorf("Rewrite(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if got := a.InPhrase(indonesian.Words("paspor sy mati")); !slices.Equal(got, []bool{true, false, true}) {
		t.Errorf("InPhrase(paspor sy mati) = %v", got)
	}
}

// A country other than Indonesia is read as abroad ("luar negeri", the corpus's word) and
// keeps its name; a language named like a country is not a country.
func TestCountryIsAbroad(t *testing.T) {
	a, err := indonesian.New(indonesian.Config{})
	if err != nil {
		t.Fatal(err)
	}
	texts := func(s string) []string {
		var out []string
		for _, term := range a.Analyze(s) {
			out = append(out, term.Text)
		}
		return out
	}
	for _, c := range []struct{ text, name string }{
		{"suami saya kerja di Malaysia", "malaysia"},
		{"mau kuliah ke Jepang", "jepang"},
		{"living in Hong Kong", "hong"},
		{"my wife is Korean", "korea"},
		{"pindah ke amerika", "amerika"},
	} {
		got := texts(c.text)
		if !slices.Contains(got, "luar") || !slices.Contains(got, "negeri") || !slices.Contains(got, c.name) {
			t.Errorf("Analyze(%q) = %v, want %q and luar negeri", c.text, got, c.name)
		}
	}
	for _, s := range []string{"sertifikat bahasa inggris", "kursus bahasa arab", "kerja di jakarta"} {
		if got := texts(s); slices.Contains(got, "luar") || slices.Contains(got, "negeri") {
			t.Errorf("Analyze(%q) = %v: read as abroad", s, got)
		}
	}
}
