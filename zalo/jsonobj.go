package zalo

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// jsonObj is a leniently read JSON object. Webhook payloads are decoded through it rather
// than through fixed structs so that a field arriving in an unexpected shape (an id as a
// number, a payload that is a string) never makes a whole event undecodable
// (zalo-oa.md "accept every reported shape").
//
// It is a list of members rather than a map: an event's objects hold a handful of keys,
// which a scan finds quickly, and building a map per object was half the allocations of
// the webhook's parse (BenchmarkParseEvent: 29 → 14 per event without the maps).
type jsonObj []jsonMember

// jsonMember is one key and its raw value; key is the key's raw JSON literal, quotes
// included.
type jsonMember struct {
	key []byte
	v   json.RawMessage
}

// lookup returns the value at key, the last one when a key repeats (as encoding/json
// decodes a repeated key into a map).
func (o jsonObj) lookup(key string) (json.RawMessage, bool) {
	for i := len(o) - 1; i >= 0; i-- {
		if keyIs(o[i].key, key) {
			return o[i].v, true
		}
	}
	return nil, false
}

// get is lookup's value (nil when absent).
func (o jsonObj) get(key string) json.RawMessage {
	v, _ := o.lookup(key)
	return v
}

// keyIs reports whether the raw key literal raw decodes to key; a key without escapes,
// in valid UTF-8, is compared in place.
func keyIs(raw []byte, key string) bool {
	if n := len(raw); n >= 2 && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1:n-1]) == key
	}
	return rawString(raw) == key
}

// parseObj decodes raw as a JSON object; it reports false for anything else.
func parseObj(raw []byte) (jsonObj, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	return scanObject(raw)
}

// str returns the value at key as a string. Strings are unquoted; numbers keep their exact
// literal (ids exceed 2^53, zalo-oa.md §1.3 note); anything else is "".
func (o jsonObj) str(key string) string {
	return rawString(o.get(key))
}

// obj returns the object at key, or nil.
func (o jsonObj) obj(key string) jsonObj {
	v, _ := parseObj(o.get(key))
	return v
}

// arr returns the array at key, or nil.
func (o jsonObj) arr(key string) []json.RawMessage {
	raw := bytes.TrimSpace(o.get(key))
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	a, _ := scanArray(raw)
	return a
}

// has reports whether key is present and not null.
func (o jsonObj) has(key string) bool {
	v, ok := o.lookup(key)
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// rawString converts a JSON string or number literal to a Go string.
func rawString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		if s, ok := plainString(raw); ok {
			return s
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return ""
		}
		return s
	case c == '-' || (c >= '0' && c <= '9'):
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return ""
		}
		return n.String()
	}
	return ""
}

// plainString reads a JSON string literal that needs no decoding (no escapes, no control
// characters, valid UTF-8): ids, names and most texts. Every event carries about ten; going
// through encoding/json for each was a tenth of the event's parse.
func plainString(raw []byte) (string, bool) {
	n := len(raw)
	if n < 2 || raw[n-1] != '"' {
		return "", false
	}
	body := raw[1 : n-1]
	for _, b := range body {
		if b == '\\' || b == '"' || b < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

// strings returns the array at key as strings (each element read like str).
func (o jsonObj) strings(key string) []string {
	var out []string
	for _, v := range o.arr(key) {
		if s := rawString(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}
