package config

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/oabot/oabot/internal/safefile"
)

// redacted is what a Secret prints as, whatever the verb.
const redacted = "[redacted]"

// Secret holds a resolved secret (an OA secret key, a token). It never prints its value:
// String, GoString, Format, MarshalJSON, MarshalText and MarshalYAML all give "[redacted]".
// Call Value where the secret is really needed.
type Secret struct{ v string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Value returns the secret itself.
func (s Secret) Value() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

// String returns "[redacted]" (or "" when empty, so missing secrets stay visible).
func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return "config.Secret(" + s.String() + ")" }

// Format keeps every fmt verb from printing the value.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(s.String())) }

// MarshalJSON returns "[redacted]" as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText returns "[redacted]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML returns "[redacted]".
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// secretRef is the *_env / *_file pair that points at a secret.
type secretRef struct {
	path      string // field path for errors, e.g. accounts[0].oa_secret_key
	env, file string
}

// resolver reads the secrets a configuration points at, collecting problems (refusals)
// and warnings (weak secrets) as it goes.
type resolver struct {
	ctx      context.Context
	getenv   func(string) string
	problems []string
	warnings []string
}

// secret reads the secret ref points at. Exactly one of env/file may be set; an empty
// reference gives the zero Secret and no problem (callers decide if it is required).
func (r *resolver) secret(ref secretRef) Secret {
	switch {
	case ref.env != "" && ref.file != "":
		r.problem("%s_env and %s_file: set only one", ref.path, ref.path)
	case ref.env != "":
		v := r.getenv(ref.env)
		if v == "" {
			r.problem("%s_env: environment variable %s is empty or unset", ref.path, ref.env)
			return Secret{}
		}
		return Secret{v: v}
	case ref.file != "":
		b, st, err := safefile.ReadFile(r.ctx, ref.file, MaxSecretFileSize)
		if err != nil {
			r.problem("%s_file: %v", ref.path, err)
			return Secret{}
		}
		// A secret others can read is a secret others have (a shared host, a backup, a
		// container with another uid). Windows modes say nothing about that.
		if perm := st.Mode().Perm(); perm&0o044 != 0 && runtime.GOOS != "windows" {
			r.warn("%s_file: %s is readable by group or others (mode %04o); chmod 600 it", ref.path, ref.file, perm)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			r.problem("%s_file: %s is empty", ref.path, ref.file)
			return Secret{}
		}
		return Secret{v: v}
	}
	return Secret{}
}

// MinTokenLength is the shortest bearer token (officer, posters, metrics) accepted
// without a warning. A bearer token is the whole credential and can be tried online
// without limit, so it needs about 128 bits of randomness to be out of reach of guessing;
// 24 characters is the least that holds that much in base64 (6 bits a character; the
// runbook's `openssl rand -base64 32` gives 44). Length is all that can be checked here.
const MinTokenLength = 24

// token reads a bearer token and warns when it is shorter than MinTokenLength. who names
// its holder in the warning ("officer \"Lan\""), never the token.
func (r *resolver) token(ref secretRef, who string) Secret {
	s := r.secret(ref)
	if n := utf8.RuneCountInString(s.v); n > 0 && n < MinTokenLength {
		r.warn("%s: %s has a %d-character token, shorter than %d and guessable; generate one with openssl rand -base64 32",
			ref.path, who, n, MinTokenLength)
	}
	return s
}

func (r *resolver) problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *resolver) warn(format string, args ...any) {
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}
