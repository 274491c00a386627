package console_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/balai-id/balai/console"
)

func TestPasswordHash(t *testing.T) {
	h, err := console.HashPassword("kata-sandi-panjang-1")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := console.HashPassword("kata-sandi-panjang-1")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tt := range []struct {
		hash, password string
		want           bool
	}{
		{h, "kata-sandi-panjang-1", true},
		{h2, "kata-sandi-panjang-1", true},
		{h, "kata-sandi-panjang-2", false},
		{"", "kata-sandi-panjang-1", false},
		{strings.Replace(h, "argon2id", "argon2i", 1), "kata-sandi-panjang-1", false},
		{strings.Replace(h, "m=19456", "m=8", 1), "kata-sandi-panjang-1", false}, // parameters are part of the hash
		{"$argon2id$v=19$m=19456,t=2,p=1$!!$!!", "x", false},
	} {
		if got := console.VerifyPassword(tt.hash, tt.password); got != tt.want {
			t.Errorf("VerifyPassword(%.30q…, %q) = %v", tt.hash, tt.password, got)
		}
	}
	if _, err := console.HashPassword("elevenchars"); !errors.Is(err, console.ErrPasswordTooShort) {
		t.Errorf("11 characters: %v", err)
	}
	if _, err := console.HashPassword("duabelas-hrf"); err != nil {
		t.Errorf("12 characters: %v", err)
	}
	if _, err := console.HashPassword(strings.Repeat("a", console.MaxPasswordLength+1)); !errors.Is(err, console.ErrPasswordTooLong) {
		t.Errorf("too long: %v", err)
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h, _ := console.HashPassword("kata-sandi-panjang-1")
	for b.Loop() {
		console.VerifyPassword(h, "kata-sandi-panjang-1")
	}
}
