package zalo

import (
	"encoding/json"
	"testing"
)

// rawString's shortcut for plain strings reads exactly what encoding/json reads.
func FuzzRawStringMatchesJSON(f *testing.F) {
	for _, s := range []string{`"abc"`, `"Đăng ký"`, `"a\"b"`, `"a\\b"`, `"\u00e1"`, "\"\xff\"", "\"a\x01\"", `""`, `"`, `"a"b"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) == 0 || raw[0] != '"' {
			return
		}
		var want string
		if err := json.Unmarshal(raw, &want); err != nil {
			if s, ok := plainString(raw); ok {
				t.Fatalf("plainString(%q) = %q, but encoding/json refuses it: %v", raw, s, err)
			}
			return
		}
		if got := rawString(raw); got != want {
			t.Fatalf("rawString(%q) = %q, encoding/json reads %q", raw, got, want)
		}
	})
}
