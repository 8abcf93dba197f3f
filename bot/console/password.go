package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Password rules. Vietnamese letters take 2–3 bytes and may arrive composed or not, so
// passwords are NFC-normalised first and measured in characters (runes).
const (
	minPasswordRunes = 8
	maxPasswordRunes = 128
)

// argonParams are argon2id's cost parameters, stored with every hash so they can rise
// later without invalidating older hashes.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	keyLen  uint32
}

// defaultArgon is OWASP's floor for argon2id: m=19 MiB, t=2, p=1.
var defaultArgon = argonParams{memory: 19 * 1024, time: 2, threads: 1, keyLen: 32}

// Limits on parameters read back from the store, so a damaged or hostile record cannot
// make one sign-in take gigabytes or minutes.
const (
	maxArgonMemory = 256 * 1024
	maxArgonTime   = 10
)

const argonSaltLen = 16

// normalizePassword is what gets hashed: NFC, nothing trimmed (spaces may be meant).
func normalizePassword(pw string) string { return norm.NFC.String(pw) }

// checkNewPassword says, in Vietnamese, what is wrong with a new password ("" if nothing).
func checkNewPassword(pw, name string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < minPasswordRunes:
		return fmt.Sprintf("Mật khẩu cần ít nhất %d ký tự.", minPasswordRunes)
	case n > maxPasswordRunes:
		return fmt.Sprintf("Mật khẩu dài quá %d ký tự.", maxPasswordRunes)
	case strings.EqualFold(strings.TrimSpace(pw), name):
		return "Mật khẩu không được trùng với tên đăng nhập."
	}
	return ""
}

// hasher computes argon2id hashes, a few at a time: each takes params.memory of RAM.
type hasher struct {
	params argonParams
	sem    chan struct{}
	dummy  string // a hash of nothing anyone knows, checked for unknown users
}

func newHasher(p argonParams, concurrent int) (*hasher, error) {
	h := &hasher{params: p, sem: make(chan struct{}, max(1, concurrent))}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	d, err := h.hash(context.Background(), base64.RawURLEncoding.EncodeToString(b[:]))
	if err != nil {
		return nil, err
	}
	h.dummy = d
	return h, nil
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.sem }

// hash returns the PHC string of pw: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func (h *hasher) hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	p := h.params
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, p.keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify reports whether pw matches the PHC string encoded. An empty encoded (no
// password, unknown user) is checked against the dummy hash, so it costs the same.
func (h *hasher) verify(ctx context.Context, pw, encoded string) (bool, error) {
	known := encoded != ""
	if !known {
		encoded = h.dummy
	}
	p, salt, want, err := parseArgon(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, p.keyLen)
	return known && subtle.ConstantTimeCompare(got, want) == 1, nil
}

var errBadHash = errors.New("console: malformed password hash")

func parseArgon(s string) (argonParams, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return argonParams{}, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return argonParams{}, nil, nil, errBadHash
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return argonParams{}, nil, nil, errBadHash
	}
	if p.memory < 8 || p.memory > maxArgonMemory || p.time < 1 || p.time > maxArgonTime || p.threads < 1 {
		return argonParams{}, nil, nil, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return argonParams{}, nil, nil, errBadHash
	}
	p.keyLen = uint32(len(key))
	return p, salt, key, nil
}
