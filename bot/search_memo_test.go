package bot

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/oabot/oabot/procedures"
)

// The searcher keeps answers, but never past a catalogue or examples change, and never
// lets one caller's changes reach another's answer.
func TestIndexSearcherMemo(t *testing.T) {
	cat, err := procedures.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var ix atomic.Pointer[procedures.Index]
	ix.Store(procedures.NewIndex(cat, procedures.Options{}))
	var exs atomic.Pointer[procedures.Examples]
	exs.Store(ix.Load().NewExamples(nil))
	s := IndexSearcher(ix.Load, func(a string) procedures.AccountExamples { return exs.Load().For(a) }, nil)

	first := s.Find("ca", "cấp đổi thẻ căn cước", 5)
	if first.Kind != FoundOne && first.Kind != FoundSeveral {
		t.Fatalf("Find = kind %v; want a hit", first.Kind)
	}
	code := first.Hits[0].Code
	// A caller reordering its answer does not change the next one.
	first.Hits[0] = nil
	first.Scores[0] = -1
	again := s.Find("ca", "cấp đổi thẻ căn cước", 5)
	if again.Hits[0] == nil || again.Hits[0].Code != code || again.Scores[0] < 0 {
		t.Fatalf("the second answer saw the first caller's changes: %+v", again)
	}

	// A message nobody's search understands, then taught: the next answer is the taught one.
	const odd = "con mèo nhà em leo cây không xuống được"
	if f := s.Find("ca", odd, 5); f.Kind != FoundNothing {
		t.Fatalf("before teaching: kind %v, want nothing", f.Kind)
	}
	taught := "1.004222"
	exs.Store(ix.Load().NewExamples([]procedures.Example{{ID: "x1", Account: "ca", Query: odd, Code: taught}}))
	f := s.Find("ca", odd, 5)
	if len(f.Hits) == 0 || f.Hits[0].Code != taught {
		t.Fatalf("after teaching: kind %v hits %v, want %s first (a stale answer was kept)", f.Kind, codes(f.Hits), taught)
	}

	// A catalogue without the record: the answer changes with the index.
	var rest []*procedures.Record
	for _, r := range cat.All() {
		if r.Code != code {
			rest = append(rest, r)
		}
	}
	smaller, err := procedures.NewCatalog(rest)
	if err != nil {
		t.Fatal(err)
	}
	ix.Store(procedures.NewIndex(smaller, procedures.Options{}))
	exs.Store(ix.Load().NewExamples(nil))
	f = s.Find("ca", "cấp đổi thẻ căn cước", 5)
	if slices.Contains(codes(f.Hits), code) {
		t.Fatalf("after the catalogue lost %s the answer still holds it: %v", code, codes(f.Hits))
	}
}

// The memo's two generations: an entry read again survives a turnover, and the memo stays
// bounded.
func TestFoundMemoBounded(t *testing.T) {
	m := &foundMemo{}
	keep := memoKey{text: "keep"}
	m.put(nil, nil, keep, Found{Kind: FoundOne}, "one")
	for i := range 3 * memoEntries {
		m.put(nil, nil, memoKey{text: "x", limit: i}, Found{}, "")
		if i%(memoEntries/2) == 0 {
			if _, _, ok := m.get(nil, nil, keep); !ok {
				t.Fatalf("an entry read every %d puts was dropped at put %d", memoEntries/2, i)
			}
		}
	}
	if n := len(m.cur) + len(m.prev); n > 2*memoEntries {
		t.Fatalf("memo holds %d entries", n)
	}
	if _, _, ok := m.get(nil, nil, memoKey{text: "x", limit: 0}); ok {
		t.Fatal("an entry never read again survived two turnovers")
	}
	long := memoKey{text: string(make([]byte, memoMaxText+1))}
	m.put(nil, nil, long, Found{}, "")
	if _, _, ok := m.get(nil, nil, long); ok {
		t.Fatal("a long message was kept")
	}
}

func codes(rs []*procedures.Record) []string {
	var out []string
	for _, r := range rs {
		if r == nil {
			out = append(out, "<nil>")
			continue
		}
		out = append(out, r.Code)
	}
	return out
}

// An office whose scope changed gets answers for its new scope, not the kept ones.
func TestScopeKeyTellsScopesApart(t *testing.T) {
	scopes := []procedures.Scope{{}, {Fields: []string{"Cư trú"}}, {Fields: []string{"Cư trú", "Hộ tịch"}},
		{Agencies: []string{"Cư trú"}}, {Fields: []string{"Cư trú"}, Levels: []string{"Cấp xã"}}, {ExcludeCodes: []string{"1.004222"}}}
	seen := map[string]int{}
	for i, sc := range scopes {
		k := scopeKey(sc)
		if j, ok := seen[k]; ok {
			t.Errorf("scopes %d and %d share the key %q", j, i, k)
		}
		seen[k] = i
	}
}
