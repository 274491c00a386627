package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules: long enough to resist guessing, short enough to hash cheaply.
const (
	MinPasswordLength = 12  // characters
	MaxPasswordLength = 256 // characters
)

// Password errors.
var (
	ErrPasswordTooShort = fmt.Errorf("console: password shorter than %d characters", MinPasswordLength)
	ErrPasswordTooLong  = fmt.Errorf("console: password longer than %d characters", MaxPasswordLength)
	errBadHash          = errors.New("console: not an argon2id password hash")
)

// argon2id parameters for new hashes (OWASP's recommendation: 19 MiB, 2 passes, 1 lane).
// Stored hashes carry their own, so these can be raised later.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// CheckPasswordRules returns ErrPasswordTooShort or ErrPasswordTooLong when p breaks the
// length rules.
func CheckPasswordRules(p string) error {
	switch n := utf8.RuneCountInString(p); {
	case n < MinPasswordLength:
		return ErrPasswordTooShort
	case n > MaxPasswordLength:
		return ErrPasswordTooLong
	}
	return nil
}

// HashPassword hashes p with argon2id and a random salt, in the PHC string format
// ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"). It checks the length rules first.
func HashPassword(p string) (string, error) {
	if err := CheckPasswordRules(p); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(p), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether p matches the encoded hash, comparing in constant time.
// A malformed hash (or "": an account without a password) never matches.
func VerifyPassword(encoded, p string) bool {
	ok, err := verifyPassword(encoded, p)
	return err == nil && ok
}

func verifyPassword(encoded, p string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &threads); err != nil || m == 0 || t == 0 || threads == 0 || m > 1<<22 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errBadHash
	}
	if utf8.RuneCountInString(p) > MaxPasswordLength {
		return false, nil
	}
	got := argon2.IDKey([]byte(p), salt, t, m, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a username is unknown, so that a failed sign-in takes
// as long whether or not the account exists.
var dummyHash, _ = HashPassword("balai-dummy-password-never-matches")
