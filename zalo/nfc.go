package zalo

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode normalisation form C, as Zalo counts and shows text.
//
// Every reply is normalised and measured several times on its way out (the bot's
// truncation, validation, the wire form), and norm's own check cost about a tenth of a
// job's CPU (pprof of BenchmarkIngestService). Nearly all of our text — Vietnamese
// written with precomposed letters, punctuation, a few emoji — is made of runes that
// never combine with what precedes them (norm: a boundary before) and are normal by
// themselves: each starts a segment of its own, so the string is NFC. Such a string is
// returned as it is after one cheap pass over a table; any other rune (a combining mark,
// a singleton such as U+2000) takes norm's full path.
func NFC(s string) string {
	if nfcFast(s) {
		return s
	}
	return norm.NFC.String(s)
}

// Runes below nfcTableEnd, and emoji in [nfcEmojiStart, nfcEmojiEnd), are looked up in
// tables built from norm's own properties; other runes take the full path.
const (
	nfcTableEnd   = 0x3000
	nfcEmojiStart = 0x1F000
	nfcEmojiEnd   = 0x1FB00
)

// nfcTablesOnce builds the tables on first use (a few milliseconds).
var nfcTablesOnce = sync.OnceValues(nfcTables)

func nfcTables() (low, emoji []uint64) {
	low = make([]uint64, nfcTableEnd/64)
	emoji = make([]uint64, (nfcEmojiEnd-nfcEmojiStart)/64)
	mark := func(bits []uint64, base, end rune) {
		for r := base; r < end; r++ {
			if nfcInert(r) {
				bits[(r-base)/64] |= 1 << ((r - base) % 64)
			}
		}
	}
	mark(low, 0, nfcTableEnd)
	mark(emoji, nfcEmojiStart, nfcEmojiEnd)
	return low, emoji
}

// nfcInert reports whether r never combines with what precedes it and is normal by
// itself: a string of such runes is NFC.
func nfcInert(r rune) bool {
	if !utf8.ValidRune(r) {
		return false
	}
	s := string(r)
	p := norm.NFC.PropertiesString(s)
	return p.BoundaryBefore() && norm.NFC.IsNormalString(s)
}

// nfcFast reports whether every rune of s is inert (nfcInert) by the tables.
func nfcFast(s string) bool {
	nfcTable, nfcEmoji := nfcTablesOnce()
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return false
		case r < nfcTableEnd:
			if nfcTable[r/64]&(1<<(r%64)) == 0 {
				return false
			}
		case r >= nfcEmojiStart && r < nfcEmojiEnd:
			if nfcEmoji[(r-nfcEmojiStart)/64]&(1<<((r-nfcEmojiStart)%64)) == 0 {
				return false
			}
		default:
			return false
		}
		i += n
	}
	return true
}
