package procedures

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnamese text normalisation (../shared/docs/vietnamese-search.md §1).
//
// Two views of a text are used by the search:
//   - Normalize: NFC, lower case, tone marks placed by the modern rule (hoà, thuỷ), spaces
//     collapsed. Keeps diacritics; used for the exact-form bonus and safe to log.
//   - Fold: Normalize, then diacritics removed and đ→d. Used for matching.

// Combining tone marks (NFD).
const (
	markGrave = '\u0300' // huyền
	markAcute = '\u0301' // sắc
	markTilde = '\u0303' // ngã
	markHook  = '\u0309' // hỏi
	markDot   = '\u0323' // nặng
	// Vowel modifiers (NFD).
	markCirc  = '\u0302' // â ê ô
	markBreve = '\u0306' // ă
	markHorn  = '\u031B' // ơ ư
)

func isToneMark(r rune) bool {
	switch r {
	case markGrave, markAcute, markTilde, markHook, markDot:
		return true
	}
	return false
}

// Normalize returns s in NFC, lower case, with Vietnamese tone marks placed by the modern
// rule ("hòa" → "hoà", "thủy" → "thuỷ"), invalid UTF-8 replaced, and runs of white space
// collapsed to one space. Punctuation is kept.
func Normalize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ToLower(norm.NFC.String(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	start := -1 // start of the current letter run
	flush := func(end int) {
		if start >= 0 {
			b.WriteString(placeTone(s[start:end]))
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			if start < 0 {
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				start = i
			}
		case unicode.IsSpace(r):
			flush(i)
			space = true
		default:
			flush(i)
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	flush(len(s))
	return b.String()
}

// Fold returns Normalize(s) without diacritics and with đ → d: "Đăng ký tạm trú" →
// "dang ky tam tru".
func Fold(s string) string {
	return foldNormalized(Normalize(s))
}

// foldNormalized folds a string that is already normalised (NFC, lower case).
func foldNormalized(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if f, ok := foldRune(r); ok {
			if f != 0 {
				b.WriteRune(f)
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldTable maps runes of the Latin blocks used by Vietnamese to their base letter; 0 means
// "drop" (a stray combining mark). Built once; read-only afterwards.
var foldTable = buildFoldTable()

const foldLo, foldHi = 0x00C0, 0x1EFF

func buildFoldTable() []rune {
	t := make([]rune, foldHi-foldLo+1)
	for r := rune(foldLo); r <= foldHi; r++ {
		var base rune = -1
		for _, d := range norm.NFD.String(string(r)) {
			if base < 0 {
				base = d
			}
		}
		if base >= 0 && base < utf8.RuneSelf {
			t[r-foldLo] = unicode.ToLower(base)
		} else {
			t[r-foldLo] = -1
		}
	}
	t['đ'-foldLo] = 'd'
	t['Đ'-foldLo] = 'd'
	return t
}

// foldRune reports the folded form of r (0 = drop) and whether r is folded at all.
func foldRune(r rune) (rune, bool) {
	if r >= foldLo && r <= foldHi {
		if f := foldTable[r-foldLo]; f >= 0 {
			return f, true
		}
		return 0, false
	}
	if r >= 0x0300 && r <= 0x036F { // combining diacritics left over
		return 0, true
	}
	return 0, false
}

// Tone tables for precomposed letters, built once: a toned letter ("ộ") → its letter
// without tone ("ô") and the tone mark; and back.
var toneDecomp, toneCompose = buildToneTables()

type tonedLetter struct {
	base rune
	tone rune
}

func buildToneTables() (map[rune]tonedLetter, map[tonedLetter]rune) {
	dec := map[rune]tonedLetter{}
	comp := map[tonedLetter]rune{}
	for r := rune(foldLo); r <= foldHi; r++ {
		var tone rune
		var rest []rune
		for _, d := range norm.NFD.String(string(r)) {
			if isToneMark(d) {
				tone = d
			} else {
				rest = append(rest, d)
			}
		}
		if tone == 0 {
			continue
		}
		base := []rune(norm.NFC.String(string(rest)))
		if len(base) != 1 {
			continue
		}
		tl := tonedLetter{base: base[0], tone: tone}
		dec[r] = tl
		comp[tl] = r
	}
	return dec, comp
}

// placeTone moves the tone mark of one syllable (a run of letters, lower case NFC) onto the
// vowel the modern rule chooses. Runs without a tone or without a vowel come back as they
// were.
func placeTone(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii || len(w) > 40 {
		return w
	}
	var buf [16]rune
	rs := buf[:0]
	tonePos := -1
	var tone rune
	for _, r := range w {
		if unicode.Is(unicode.Mn, r) {
			return w // not fully composed: leave it
		}
		if tl, ok := toneDecomp[r]; ok {
			if tonePos >= 0 {
				return w // two tones: not a Vietnamese syllable
			}
			tonePos, tone = len(rs), tl.tone
			r = tl.base
		}
		rs = append(rs, r)
	}
	if tonePos < 0 {
		return w
	}
	isVowel := func(r rune) bool {
		if f, ok := foldRune(r); ok {
			r = f
		}
		return r == 'a' || r == 'e' || r == 'i' || r == 'o' || r == 'u' || r == 'y'
	}
	base := func(r rune) rune {
		if f, ok := foldRune(r); ok {
			return f
		}
		return r
	}
	var vbuf [8]int
	vowels := vbuf[:0]
	for i, r := range rs {
		if !isVowel(r) {
			continue
		}
		// u of "qu" and i of "gi" (before another vowel) are part of the initial.
		if i == 1 && r == 'u' && rs[0] == 'q' {
			continue
		}
		if i == 1 && r == 'i' && rs[0] == 'g' && len(rs) > 2 && isVowel(rs[2]) {
			continue
		}
		vowels = append(vowels, i)
	}
	if len(vowels) == 0 {
		return w
	}
	pick := -1
	for _, i := range vowels {
		switch rs[i] {
		case 'ă', 'â', 'ê', 'ô', 'ơ', 'ư':
			pick = i
		}
	}
	if pick < 0 {
		last := vowels[len(vowels)-1]
		switch {
		case last < len(rs)-1: // final consonant: the last vowel
			pick = last
		case len(vowels) == 1:
			pick = vowels[0]
		case len(vowels) == 2:
			a, b := base(rs[vowels[0]]), base(rs[vowels[1]])
			if (a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y') {
				pick = vowels[1]
			} else {
				pick = vowels[0]
			}
		default:
			pick = vowels[1]
		}
	}
	if pick == tonePos {
		return w
	}
	c, ok := toneCompose[tonedLetter{base: rs[pick], tone: tone}]
	if !ok {
		return w
	}
	rs[pick] = c
	return string(rs)
}

// token is one syllable of a normalised text: its accented (normalised) and folded forms.
type token struct {
	exact  string // normalised, with diacritics
	folded string // folded and canonicalised (i/y)
	brk    bool   // punctuation separates it from the previous word (no bigram)
	end    uint8  // the strongest punctuation after it: endNone … endQuestion (need.go)
}

// Punctuation after a word (token.end), weakest first: clauses and sentences of a long
// message are found by it.
const (
	endNone     uint8 = iota
	endClause         // , : or a dash
	endSentence       // . ! ; … (Normalize folds line breaks into spaces)
	endQuestion       // ?
)

// lineBreaks are the characters that end a line.
const lineBreaks = "\n\r\u2028\u2029"

// breakLines ends a sentence (a full stop) at each line break no punctuation ends: on a
// phone, a message is often written as lines ("bà nội em mất hôm qua⏎giờ làm giấy báo tử
// ở đâu"), and Normalize folds a line break into a space, which would make the lines one
// clause.
func breakLines(s string) string {
	if !strings.ContainsAny(s, lineBreaks) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	ended := true // at the start, or after punctuation
	for _, r := range s {
		switch {
		case strings.ContainsRune(lineBreaks, r):
			if !ended {
				b.WriteByte('.')
				ended = true
			}
			b.WriteByte(' ')
			continue
		case punctEnd(r) != endNone:
			ended = true
		case !unicode.IsSpace(r):
			ended = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// punctEnd classifies a character between words.
func punctEnd(r rune) uint8 {
	switch r {
	case ',', ':', '–', '—':
		return endClause
	case '.', '!', ';', '…':
		return endSentence
	case '?':
		return endQuestion
	}
	return endNone
}

// tokenize splits a normalised string into syllables (runs of letters and digits) and
// returns both forms. Runs of three or more identical letters are collapsed ("đăngggg").
func tokenize(s string) []token {
	var toks []token
	start := -1
	brk := false
	emit := func(end int) {
		if start < 0 {
			return
		}
		w := restoreDroppedN(collapseRepeats(s[start:end]))
		start = -1
		if w == "" {
			return
		}
		age, isAge := chatAge(w)
		if isAge {
			w = age
		}
		w = canonNumber(w)
		toks = append(toks, token{exact: w, folded: canonSyllable(foldNormalized(w)), brk: brk && len(toks) > 0})
		if isAge { // "bé 6t": an age, read as "6 tuổi" (queryAge)
			toks = append(toks, token{exact: "tuổi", folded: "tuoi"})
		}
		brk = false
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		emit(i)
		if !unicode.IsSpace(r) {
			brk = true
		}
		if n := len(toks); n > 0 {
			toks[n-1].end = max(toks[n-1].end, punctEnd(r))
		}
	}
	emit(len(s))
	return toks
}

// chatAge reads an age typed the chat way, a number of at most three digits glued to a t
// ("6t", "18t"), and returns the number's digits.
func chatAge(w string) (string, bool) {
	n := len(w) - 1
	if n < 1 || n > 3 || w[n] != 't' || !isDigits(w[:n]) {
		return "", false
	}
	return w[:n], true
}

// restoreDroppedN puts back the n that chat spelling drops from a final "ng" or "nh"
// ("bằg lái", "côg an", "thằg cháu", "hoàg tất"; "thàh 1 sổ", "bệh viện", "mìh"): no
// Vietnamese syllable ends in a vowel and a bare g or h, so a word typed with Vietnamese
// marks that does is read with the n. Left alone, the repairs downstream read such a word
// as a wrong one ("thằg" became "tham"). Words without marks keep their spelling: "blog",
// "tag", "yeah" are borrowed words as often as a dropped n; and so do the interjections
// without a first consonant ("ạh", "àh", "ừh"), which are not a dropped n at all.
func restoreDroppedN(w string) string {
	n := len(w)
	if n < 2 || (w[n-1] != 'g' && w[n-1] != 'h') || isASCII(w) {
		return w
	}
	prev, _ := utf8.DecodeLastRuneInString(w[:n-1])
	if f, ok := foldRune(prev); ok {
		prev = f
	}
	if !strings.ContainsRune("aeiouy", prev) {
		return w
	}
	if w[n-1] == 'h' {
		first, _ := utf8.DecodeRuneInString(w)
		if f, ok := foldRune(first); ok {
			first = f
		}
		if strings.ContainsRune("aeiouy", first) {
			return w
		}
	}
	fixed := w[:n-1] + "n" + w[n-1:]
	if !wellFormedSyllable(foldNormalized(fixed)) {
		return w
	}
	return fixed
}

// canonNumber writes numbers one way, so "mức độ 01" matches "mức 1" and "công ty một
// thành viên" matches "1 thành viên": leading zeros go, and "một" (only with its
// diacritics; plain "mot" may be another word) becomes "1".
func canonNumber(w string) string {
	if w == "một" {
		return "1"
	}
	if len(w) > 1 && w[0] == '0' && isDigits(w) {
		w = strings.TrimLeft(w, "0")
		if w == "" {
			w = "0"
		}
	}
	return w
}

// collapseRepeats turns runs of three or more identical runes into one.
func collapseRepeats(w string) string {
	n := 0
	var prev rune
	need := false
	for _, r := range w {
		if r == prev {
			n++
			if n >= 3 {
				need = true
				break
			}
		} else {
			prev, n = r, 1
		}
	}
	if !need {
		return w
	}
	rs := []rune(w)
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, rs[i])
		} else {
			out = append(out, rs[i:j]...)
		}
		i = j
	}
	return string(out)
}

// iySyllables maps folded syllables written with a final i to the y spelling (kí/ký,
// lí/lý, quí/quý, sĩ/sỹ, mĩ/mỹ, tỉ/tỷ), so both spellings match.
var iySyllables = map[string]string{
	"ki": "ky", "li": "ly", "qui": "quy", "si": "sy", "mi": "my", "ti": "ty",
}

func canonSyllable(f string) string {
	if c, ok := iySyllables[f]; ok {
		return c
	}
	if len(f) > 1 && f[0] == '0' && isDigits(f) { // "02" → "2"
		f = strings.TrimLeft(f, "0")
		if f == "" {
			f = "0"
		}
	}
	return f
}

// syllableShape is the spelling of a Vietnamese syllable, folded: an onset, one to three
// vowels, and a coda.
var syllableShape = regexp.MustCompile(`^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ng|nh|ch|[cmnpt])?$`)

// wellFormedSyllable reports whether folded word f is spelt like a Vietnamese syllable.
func wellFormedSyllable(f string) bool { return syllableShape.MatchString(f) }

// marksWithin reports whether typed is target with some diacritics left out, none added
// or changed: "đuoc" and "duoc" are within "được", "đỏ" is not within "đó" (another tone).
// Both must fold to the same letters.
func marksWithin(typed, target string) bool {
	tl, gl := letterMarks(typed), letterMarks(target)
	if len(tl) != len(gl) {
		return false
	}
	for i := range tl {
		if tl[i].base != gl[i].base {
			return false
		}
		for _, m := range tl[i].marks {
			if !strings.ContainsRune(gl[i].marks, m) {
				return false
			}
		}
	}
	return true
}

type letterMark struct {
	base  rune
	marks string // combining marks; U+0336 stands for the stroke of đ
}

// letterMarks splits a word into base letters and their diacritics (NFD).
func letterMarks(w string) []letterMark {
	var out []letterMark
	for _, r := range norm.NFD.String(w) {
		switch {
		case r == 'đ' || r == 'Đ':
			out = append(out, letterMark{base: 'd', marks: "\u0336"})
		case unicode.Is(unicode.Mn, r) && len(out) > 0:
			out[len(out)-1].marks += string(r)
		default:
			out = append(out, letterMark{base: unicode.ToLower(r)})
		}
	}
	return out
}
