package knowledge

import "testing"

func TestCorrect(t *testing.T) {
	c := newCorrector()
	for _, w := range []string{"pendaftaran", "kelahiran", "dimutasi", "kesehatan", "imigrasi", "paspor", "pindah"} {
		c.add(w)
	}
	for _, tc := range []struct {
		in, want string
	}{
		{"pendaftran", "pendaftaran"}, // a dropped letter
		{"kelahran", "kelahiran"},
		{"kesehtan", "kesehatan"},
		{"imigrsi", "imigrasi"},
		{"pasport", "paspor"},        // one letter too many
		{"diamputasi", ""},           // two letters too many: another word, not a slip
		{"pndh", ""},                 // too short to correct
		{"kemigrasi", ""},            // the first letter differs
		{"pendaftaran", ""},          // known: nothing to correct
		{"pndaftarn", "pendaftaran"}, // two dropped letters in a long word
	} {
		got, _ := c.correct(tc.in)
		if got != tc.want {
			t.Errorf("correct(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
