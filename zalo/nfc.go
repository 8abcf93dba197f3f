package zalo

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode normalisation form C, as Zalo counts and shows text.
//
// Every reply is normalised and measured several times on its way out (the bot's
// truncation, validation, the wire form), and norm's own check costs about a tenth of a
// job's CPU (pprof of BenchmarkIngestService). Nearly all of our text — Vietnamese
// written with precomposed letters — is made only of runes that are NFC whatever
// surrounds them: everything below U+0300 (ASCII, Latin-1, Latin Extended-A and -B with
// ơ and ư) and the Latin Extended Additional block U+1E00–U+1EFF (ạ, ế, ữ…). Such a string
// is returned as it is after one cheap pass; any other rune (a combining mark, a
// singleton such as U+2000) takes norm's full path. TestNFCFastPath checks the two
// ranges rune by rune against norm.
func NFC(s string) string {
	if nfcFast(s) {
		return s
	}
	return norm.NFC.String(s)
}

// nfcFast reports whether every rune of s is in the ranges NFC never changes.
func nfcFast(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= 0x300 && (r < 0x1E00 || r > 0x1EFF) || r == utf8.RuneError && n == 1 {
			return false
		}
		i += n
	}
	return true
}
