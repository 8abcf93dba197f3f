package zalo

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
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

// jsonSeeds are inputs the scanner's fuzz tests start from: events' shapes and the
// syntax's corners.
var jsonSeeds = []string{
	`{}`, `[]`, `{"a":1}`, `{"a" : [1, 2.5e-3, -0, true, false, null, "x"], "b":{"c":{}}}`,
	`{"a":1,"a":2}`, `{"\u0061":1}`, "{\"\xff\":1}", `{"a":"\u00e1\n\"\\\/\b\f\r\t"}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`, `{"a":tru}`, `{"a":1,}`,
	`{,}`, `{"a"}`, `{"a":1} x`, `{"a":"\x"}`, `{"a":"\u12G4"}`, "{\"a\":\"\x01\"}",
	`{"a":[1,]}`, `[1 2]`, `[[[]]]`, " \t{\"a\" :\r\n1 }\n", `{"a":"b"`, `{"a":1}}`,
	`{"event_name":"user_send_text","app_id":"1","sender":{"id":"2"},"message":{"text":"lam cccd","msg_id":"m"}}`,
}

// The scanner accepts exactly what encoding/json accepts, and reads the same members.
func FuzzScanObjectMatchesJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want map[string]json.RawMessage
		err := json.Unmarshal(raw, &want)
		wantOK := err == nil && want != nil // "null" is no object
		got, ok := scanObject(bytes.Trim(raw, " \t\r\n"))
		if ok != wantOK {
			t.Fatalf("scanObject(%q) ok = %v, encoding/json: %v", raw, ok, err)
		}
		if !ok {
			return
		}
		keys := map[string]bool{}
		for _, m := range got {
			keys[rawString(m.key)] = true
		}
		if len(keys) != len(want) {
			t.Fatalf("scanObject(%q) = %q, encoding/json reads %q", raw, got, want)
		}
		for k, v := range want {
			if !bytes.Equal(got.get(k), v) {
				t.Fatalf("scanObject(%q)[%q] = %q, encoding/json reads %q", raw, k, got.get(k), v)
			}
		}
	})
}

func FuzzScanArrayMatchesJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want []json.RawMessage
		err := json.Unmarshal(raw, &want)
		wantOK := err == nil && want != nil
		got, ok := scanArray(bytes.Trim(raw, " \t\r\n"))
		if ok != wantOK {
			t.Fatalf("scanArray(%q) ok = %v, encoding/json: %v", raw, ok, err)
		}
		if ok && !slices.EqualFunc(got, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
			t.Fatalf("scanArray(%q) = %q, encoding/json reads %q", raw, got, want)
		}
	})
}

// Nesting is refused where encoding/json refuses it.
func TestScanObjectDepthLimit(t *testing.T) {
	for _, depth := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		raw := []byte(`{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`)
		var want map[string]json.RawMessage
		err := json.Unmarshal(raw, &want)
		if _, ok := scanObject(raw); ok != (err == nil) {
			t.Errorf("depth %d: scanObject ok = %v, encoding/json: %v", depth, ok, err)
		}
	}
	if _, ok := scanObject([]byte(`{"a":` + strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth) + `}`)); ok {
		t.Error("scanObject accepted nesting deeper than encoding/json's limit")
	}
}
