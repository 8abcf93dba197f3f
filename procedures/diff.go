package procedures

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// FieldChange is one difference between two versions of a record, at a field path in the
// catalogue file's terms ("fee" of the first channel is "channels[0].fee"). Old is empty
// for an added value, New for a removed one.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

func (c FieldChange) String() string {
	switch {
	case c.Old == "":
		return fmt.Sprintf("%s: + %q", c.Field, c.New)
	case c.New == "":
		return fmt.Sprintf("%s: − %q", c.Field, c.Old)
	}
	return fmt.Sprintf("%s: %q → %q", c.Field, c.Old, c.New)
}

// Wording reports whether the change is one of writing only: the same words and numbers
// once case, punctuation and spacing are set aside ("70,000 đồng" → "70.000 đồng", "Đề
// nghị khai báo tạm vắng;" → "… tạm vắng"), as a newer importer writes the portal's text.
func (c FieldChange) Wording() bool {
	return c.Old != "" && c.New != "" && slices.Equal(writtenWords(c.Old), writtenWords(c.New))
}

// writtenWords are s's words and numbers in lower case, any other character a space.
func writtenWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(Normalize(s)), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// DiffRecords lists what differs from a to b, field by field, in the order of the record's
// fields; list items are compared by position. A nil record is an empty one (so a new
// record lists every field it sets). Used for catalogue history and portal refreshes.
func DiffRecords(a, b *Record) []FieldChange {
	var out []FieldChange
	diffValue("", generic(a), generic(b), &out)
	return out
}

// generic turns a record into JSON's generic form, so every field, nested or not, is
// compared the same way and named by its file key.
func generic(r *Record) map[string]any {
	if r == nil {
		return map[string]any{}
	}
	b, _ := json.Marshal(r)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func diffValue(path string, a, b any, out *[]FieldChange) {
	if reflect.DeepEqual(a, b) {
		return
	}
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if aIsMap || bIsMap || (a == nil && bIsMap) || (b == nil && aIsMap) {
		if am == nil {
			am = map[string]any{}
		}
		if bm == nil {
			bm = map[string]any{}
		}
		for _, k := range orderedKeys(am, bm) {
			diffValue(joinPath(path, k), am[k], bm[k], out)
		}
		return
	}
	al, aIsList := a.([]any)
	bl, bIsList := b.([]any)
	if aIsList || bIsList {
		for i := 0; i < max(len(al), len(bl)); i++ {
			var x, y any
			if i < len(al) {
				x = al[i]
			}
			if i < len(bl) {
				y = bl[i]
			}
			diffValue(fmt.Sprintf("%s[%d]", path, i), x, y, out)
		}
		return
	}
	*out = append(*out, FieldChange{Field: path, Old: scalar(a), New: scalar(b)})
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	case bool:
		if v {
			return "có"
		}
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fieldOrder is the position of each JSON key in Record, Channel and Document, so diffs
// read in the order of the file format rather than alphabetically.
var fieldOrder = func() map[string]int {
	m := map[string]int{}
	for _, t := range []reflect.Type{reflect.TypeOf(Record{}), reflect.TypeOf(Channel{}), reflect.TypeOf(Document{})} {
		for i := 0; i < t.NumField(); i++ {
			k, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if _, seen := m[k]; !seen {
				m[k] = len(m)
			}
		}
	}
	return m
}()

func orderedKeys(a, b map[string]any) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, iok := fieldOrder[keys[i]]
		oj, jok := fieldOrder[keys[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	return keys
}
