package bot

import (
	"slices"
	"strings"
	"sync"

	"github.com/oabot/oabot/procedures"
)

// Citizens send the same few messages over and over ("lam cccd", "1", a quick-topic
// button, a poster's deep link), and a search is the costliest step of a job (≈ 0.3 ms on
// the national catalogue). The catalogue index and the examples are immutable snapshots,
// so an answer found once stays right until either is replaced: foundMemo keeps the
// answers to the latest distinct messages of the current snapshots and forgets all of
// them when a snapshot changes (a catalogue publish, a taught example).
const (
	// memoEntries bounds each of the memo's two generations.
	memoEntries = 2048
	// memoMaxText: longer messages (stories) are rarely repeated word for word; they are
	// not kept, which also bounds the memo's memory (≈ 2 × 2048 × 200 bytes of keys).
	memoMaxText = 200
)

type memoKey struct {
	account string
	scope   string // scopeKey of the office's scope: an office's settings may change it
	text    string
	limit   int
}

// scopeKey is sc as a comparable string.
func scopeKey(sc procedures.Scope) string {
	if sc.Empty() {
		return ""
	}
	var b strings.Builder
	for _, part := range [][]string{sc.Codes, sc.Fields, sc.Agencies, sc.Levels, sc.ExcludeCodes} {
		b.WriteString(strings.Join(part, "\x1f"))
		b.WriteByte(0x1e)
	}
	return b.String()
}

type memoEntry struct {
	found      Found
	confidence string
}

// foundMemo is a two-generation cache (a cheap approximation of least-recently-used):
// entries go into cur; when cur is full it becomes prev and a new cur starts, and an entry
// read from prev moves back into cur. Safe for concurrent use.
type foundMemo struct {
	mu       sync.Mutex
	ix       *procedures.Index
	examples *procedures.Examples
	cur      map[memoKey]memoEntry
	prev     map[memoKey]memoEntry
}

// sameSnapshots forgets everything when the index or the examples changed. Called with
// m.mu held.
func (m *foundMemo) sameSnapshots(ix *procedures.Index, ex *procedures.Examples) {
	if m.ix != ix || m.examples != ex || m.cur == nil {
		m.ix, m.examples = ix, ex
		m.cur, m.prev = make(map[memoKey]memoEntry), nil
	}
}

func (m *foundMemo) get(ix *procedures.Index, ex *procedures.Examples, k memoKey) (Found, string, bool) {
	if m == nil || len(k.text) > memoMaxText {
		return Found{}, "", false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sameSnapshots(ix, ex)
	e, ok := m.cur[k]
	if !ok {
		if e, ok = m.prev[k]; ok {
			m.add(k, e)
		}
	}
	return e.found, e.confidence, ok
}

func (m *foundMemo) put(ix *procedures.Index, ex *procedures.Examples, k memoKey, f Found, confidence string) {
	if m == nil || len(k.text) > memoMaxText {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sameSnapshots(ix, ex)
	m.add(k, memoEntry{found: f, confidence: confidence}) // Find hands out clones only
}

// add stores e in the current generation, turning it over when full. Called with m.mu held.
func (m *foundMemo) add(k memoKey, e memoEntry) {
	if len(m.cur) >= memoEntries {
		m.prev, m.cur = m.cur, make(map[memoKey]memoEntry, memoEntries)
	}
	m.cur[k] = e
}

// clone copies f's slices, so that a caller changing its Found never changes another's.
func (f Found) clone() Found {
	f.Hits = slices.Clone(f.Hits)
	f.Scores = slices.Clone(f.Scores)
	f.Variants = slices.Clone(f.Variants)
	f.Options = slices.Clone(f.Options)
	f.Others = slices.Clone(f.Others)
	return f
}
