package config

import (
	"fmt"
	"strings"
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

// resolve reads the secret the reference points at. Exactly one of env/file may be set;
// an empty reference gives the zero Secret and no error (callers decide if it is required).
func (r secretRef) resolve(getenv func(string) string, readFile func(string) ([]byte, error)) (Secret, []string) {
	switch {
	case r.env != "" && r.file != "":
		return Secret{}, []string{fmt.Sprintf("%s_env and %s_file: set only one", r.path, r.path)}
	case r.env != "":
		v := getenv(r.env)
		if v == "" {
			return Secret{}, []string{fmt.Sprintf("%s_env: environment variable %s is empty or unset", r.path, r.env)}
		}
		return Secret{v: v}, nil
	case r.file != "":
		b, err := readFile(r.file)
		if err != nil {
			return Secret{}, []string{fmt.Sprintf("%s_file: %v", r.path, err)}
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return Secret{}, []string{fmt.Sprintf("%s_file: %s is empty", r.path, r.file)}
		}
		return Secret{v: v}, nil
	}
	return Secret{}, nil
}
