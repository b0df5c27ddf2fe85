// Package auth hashes passwords with argon2id and makes API tokens, which
// are stored only as SHA-256 hashes.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Cost is the work of an Argon2id hash. Each hash carries its own cost, so
// CheckPassword accepts a hash of any cost, and a change of cost applies to
// passwords set after it.
type Cost struct {
	Time    uint32 // passes over the memory
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultCost is RFC 9106's second recommended option (64 MiB, 3 passes),
// with one lane per core of a small server. Ferry hashes at this cost.
var DefaultCost = Cost{Time: 3, Memory: 64 * 1024, Threads: 2}

// TestCost is the least work Argon2id allows. It is for tests alone: at
// DefaultCost a hash takes 0.3 s of two cores under the race detector, and
// most tests set a password up and sign in.
var TestCost = Cost{Time: 1, Memory: 64, Threads: 1}

// cost is the cost of new hashes.
var cost atomic.Pointer[Cost]

func init() { UseCost(DefaultCost) }

// UseCost sets the cost of the hashes HashPassword makes from now on. Only
// tests call it, with TestCost.
func UseCost(c Cost) { cost.Store(&c) }

const (
	argonKeyLen = 32
	saltLen     = 16
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 12

// commonPasswords is the 10,000 most common passwords, lower-cased, one a
// line (see NOTICE-common-passwords.md for where it comes from).
//
//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10000)
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			set[line] = struct{}{}
		}
	}
	return set
})

// PasswordProblem says what is wrong with a new password, as a reason
// code: "required", "too_short" (fewer than MinPasswordLength characters)
// or "common" (among the most common passwords, compared without regard to
// case); "" when it is acceptable. It never returns the password itself.
func PasswordProblem(password string) string {
	switch {
	case password == "":
		return "required"
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return "too_short"
	}
	if _, ok := commonPasswords()[strings.ToLower(password)]; ok {
		return "common"
	}
	return ""
}

// HashPassword returns an encoded argon2id hash of password in the PHC
// string format. It refuses a password that PasswordProblem objects to.
func HashPassword(password string) (string, error) {
	switch PasswordProblem(password) {
	case "":
	case "common":
		return "", errors.New("auth: the password is among the most common passwords; choose another")
	default:
		return "", fmt.Errorf("auth: a password must have at least %d characters", MinPasswordLength)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	c := cost.Load()
	key := argon2.IDKey([]byte(password), salt, c.Time, c.Memory, c.Threads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.Memory, c.Time, c.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("auth: password does not match")

// CheckPassword compares a password with an encoded hash in constant time.
func CheckPassword(encoded, password string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("auth: not an argon2id hash")
	}
	var version, mem, t int
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &threads); err != nil {
		return errors.New("auth: malformed argon2 parameters")
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return errors.New("auth: malformed salt")
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return errors.New("auth: malformed hash")
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(mem), threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// TokenPrefix starts every API token, so leaked tokens are easy to find
// with secret scanners.
const TokenPrefix = "fry_"

// NewToken returns a new random API token and the hash to store.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the stored form of a token. Tokens carry 256 random
// bits, so a fast hash is enough.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
