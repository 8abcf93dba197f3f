package zalo

import "encoding/json"

// maxJSONDepth is encoding/json's nesting limit, kept so that the scanner refuses exactly
// what encoding/json refuses.
const maxJSONDepth = 10000

// jsonScan splits JSON into its top-level members without decoding the values: one pass
// that checks the syntax as encoding/json does and records where each value starts and
// ends. Every webhook event is read this way twice (the webhook, then the worker);
// json.Unmarshal into a map of json.RawMessage checked the input, then scanned it again,
// and copied every value — the largest part of the webhook's own CPU (pprof of
// BenchmarkIngestService's burst). FuzzScanObjectMatchesJSON holds it to encoding/json.
type jsonScan struct {
	s []byte
	i int
}

// scanObject reads raw (no surrounding white space) as one JSON object. The values share
// raw's memory. As with encoding/json a later duplicate key wins, and a key that needs
// decoding (escapes, invalid UTF-8) is decoded like any string (rawString).
func scanObject(raw []byte) (jsonObj, bool) {
	sc := jsonScan{s: raw}
	o := make(jsonObj, 0, 8)
	ok := sc.object(1, func(key, v []byte) { o = append(o, jsonMember{key, v}) })
	if !ok || !sc.end() {
		return nil, false
	}
	return o, true
}

// scanArray reads raw (no surrounding white space) as one JSON array of values.
func scanArray(raw []byte) ([]json.RawMessage, bool) {
	sc := jsonScan{s: raw}
	var a []json.RawMessage
	ok := sc.array(1, func(v []byte) { a = append(a, v) })
	if !ok || !sc.end() {
		return nil, false
	}
	if a == nil {
		a = []json.RawMessage{}
	}
	return a, true
}

// end reports whether only white space is left.
func (sc *jsonScan) end() bool {
	sc.ws()
	return sc.i == len(sc.s)
}

// ws skips JSON white space.
func (sc *jsonScan) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// container reads an object (open '{') or an array ('[') at sc.i, depth its nesting
// level: item reads each member or element at sc.i and reports whether it is well formed;
// commas, white space and the closing byte are read here.
func (sc *jsonScan) container(depth int, open, close byte, item func() bool) bool {
	if depth > maxJSONDepth || sc.i >= len(sc.s) || sc.s[sc.i] != open {
		return false
	}
	sc.i++
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == close {
		sc.i++
		return true
	}
	for {
		if !item() {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
			sc.ws()
		case close:
			sc.i++
			return true
		default:
			return false
		}
	}
}

// object reads an object at sc.i and calls member (if not nil) with each key literal
// (quotes included) and value.
func (sc *jsonScan) object(depth int, member func(key, v []byte)) bool {
	return sc.container(depth, '{', '}', func() bool {
		k0 := sc.i
		if !sc.str() {
			return false
		}
		key := sc.s[k0:sc.i]
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return false
		}
		sc.i++
		sc.ws()
		v0 := sc.i
		if !sc.value(depth) {
			return false
		}
		if member != nil {
			member(key, sc.s[v0:sc.i])
		}
		return true
	})
}

// array reads an array at sc.i and calls elem (if not nil) with each value.
func (sc *jsonScan) array(depth int, elem func(v []byte)) bool {
	return sc.container(depth, '[', ']', func() bool {
		v0 := sc.i
		if !sc.value(depth) {
			return false
		}
		if elem != nil {
			elem(sc.s[v0:sc.i])
		}
		return true
	})
}

// value reads one value at sc.i; depth is the nesting level of its container.
func (sc *jsonScan) value(depth int) bool {
	if sc.i >= len(sc.s) {
		return false
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		return sc.object(depth+1, nil)
	case c == '[':
		return sc.array(depth+1, nil)
	case c == '"':
		return sc.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return sc.number()
	case c == 't':
		return sc.literal("true")
	case c == 'f':
		return sc.literal("false")
	case c == 'n':
		return sc.literal("null")
	}
	return false
}

func (sc *jsonScan) literal(word string) bool {
	if len(sc.s)-sc.i < len(word) || string(sc.s[sc.i:sc.i+len(word)]) != word {
		return false
	}
	sc.i += len(word)
	return true
}

// str reads a string literal. Like encoding/json it accepts invalid UTF-8 (decoding
// replaces it) but no control character and no unknown escape.
func (sc *jsonScan) str() bool {
	if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
		return false
	}
	for sc.i++; sc.i < len(sc.s); sc.i++ {
		switch c := sc.s[sc.i]; {
		case c == '"':
			sc.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			sc.i++
			if sc.i >= len(sc.s) {
				return false
			}
			switch sc.s[sc.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(sc.s)-sc.i <= 4 {
					return false
				}
				for _, h := range sc.s[sc.i+1 : sc.i+5] {
					if !isHex(h) {
						return false
					}
				}
				sc.i += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (sc *jsonScan) number() bool {
	if sc.s[sc.i] == '-' {
		sc.i++
	}
	switch {
	case sc.i < len(sc.s) && sc.s[sc.i] == '0':
		sc.i++
	case sc.digits() == 0:
		return false
	}
	if sc.i < len(sc.s) && sc.s[sc.i] == '.' {
		sc.i++
		if sc.digits() == 0 {
			return false
		}
	}
	if sc.i < len(sc.s) && (sc.s[sc.i] == 'e' || sc.s[sc.i] == 'E') {
		sc.i++
		if sc.i < len(sc.s) && (sc.s[sc.i] == '+' || sc.s[sc.i] == '-') {
			sc.i++
		}
		if sc.digits() == 0 {
			return false
		}
	}
	return true
}

func (sc *jsonScan) digits() int {
	n := 0
	for sc.i < len(sc.s) && sc.s[sc.i] >= '0' && sc.s[sc.i] <= '9' {
		sc.i++
		n++
	}
	return n
}
