package procedures

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Raw keystrokes of the Telex and VNI input methods, left in a message when the
// citizen's keyboard was not switched to Vietnamese (../shared/docs/vietnamese-search.md
// §1.4): "ddawng kys" for "đăng ký".

// decodeTyping decodes raw Telex or VNI keystrokes of one syllable ("ddawng", "kys",
// "d9a8ng", "ky1") into a normalised syllable. ok is false when the token is not ASCII or
// nothing was decoded.
//
// Each keystroke goes through typingRules in order; the first rule that takes it changes
// the syllable (or rejects the token), and a key no rule takes is a letter.
func decodeTyping(tok string) (string, bool) {
	if len(tok) < 2 || len(tok) > 12 || !isTypingKeys(tok) {
		return "", false
	}
	d := typingDecoder{tok: tok}
	for d.i = 0; d.i < len(tok); d.i++ {
		if !d.key(tok[d.i]) {
			return "", false
		}
	}
	if !d.changed || len(d.ls) == 0 {
		return "", false
	}
	return d.syllable(), true
}

// isTypingKeys reports whether tok holds only the keys Telex and VNI typing uses: lower
// case letters and digits.
func isTypingKeys(tok string) bool {
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// typingDecoder is the state of decodeTyping: the letters decoded so far, the tone, and
// whether any key was a modifier (else the token is a plain word, not keystrokes).
type typingDecoder struct {
	tok     string
	i       int // the key being decoded: tok[i]
	ls      []typedLetter
	tone    rune
	changed bool
}

// typedLetter is a decoded letter: its base and its vowel modifier (circumflex, horn,
// breve; 0 for none).
type typedLetter struct {
	base rune
	mark rune
}

// keyOutcome is what a typing rule did with a key.
type keyOutcome int8

const (
	keyNotMine keyOutcome = iota // the rule does not apply; the next one may
	keyUsed                      // the key modified the syllable
	keyInvalid                   // the key cannot be typed here: the token is no keystrokes
)

// typingRules decode modifier keys, in order of precedence: VNI digits first, then the
// Telex letters (dd, aa/ee/oo, w, tone letters, z).
var typingRules = [...]func(d *typingDecoder, c byte) keyOutcome{
	vniKey, telexD, telexDoubleVowel, telexW, telexTone, telexZ,
}

// key decodes one keystroke; it reports false when the token cannot be keystrokes.
func (d *typingDecoder) key(c byte) bool {
	for _, rule := range typingRules {
		switch rule(d, c) {
		case keyUsed:
			d.changed = true
			return true
		case keyInvalid:
			return false
		}
	}
	d.ls = append(d.ls, typedLetter{base: rune(c)})
	return true
}

// typingTones are the tone keys of Telex (s f r x j) and VNI (1–5).
var typingTones = map[byte]rune{'s': markAcute, 'f': markGrave, 'r': markHook, 'x': markTilde, 'j': markDot,
	'1': markAcute, '2': markGrave, '3': markHook, '4': markTilde, '5': markDot}

// vniMarks are the VNI vowel-modifier keys: the vowels each applies to and its mark.
var vniMarks = map[byte]struct {
	vowels string
	mark   rune
}{'6': {"aeo", markCirc}, '7': {"ou", markHorn}, '8': {"a", markBreve}}

// vniKey decodes a VNI digit: 1–5 a tone once there is a vowel, 6–8 a modifier on the
// last unmarked vowel it fits, 9 the stroke of a preceding d. Any other digit, or a digit
// with nothing to modify, makes the token no keystrokes.
func vniKey(d *typingDecoder, c byte) keyOutcome {
	switch {
	case c < '0' || c > '9':
		return keyNotMine
	case c >= '1' && c <= '5' && d.hasVowel():
		d.tone = typingTones[c]
		return keyUsed
	case c == '9':
		if n := len(d.ls); n > 0 && d.ls[n-1].base == 'd' {
			d.ls[n-1].base = 'đ'
			return keyUsed
		}
		return keyInvalid
	}
	if m, ok := vniMarks[c]; ok {
		if j := d.lastVowel(m.vowels); j >= 0 {
			d.setMark(j, m.mark)
			return keyUsed
		}
	}
	return keyInvalid
}

// telexD: "dd" at the start is đ.
func telexD(d *typingDecoder, c byte) keyOutcome {
	if c == 'd' && len(d.ls) == 1 && d.ls[0].base == 'd' && d.i == 1 {
		d.ls[0].base = 'đ'
		return keyUsed
	}
	return keyNotMine
}

// telexDoubleVowel: a doubled a, e or o is â, ê or ô.
func telexDoubleVowel(d *typingDecoder, c byte) keyOutcome {
	if c != 'a' && c != 'e' && c != 'o' {
		return keyNotMine
	}
	if j := d.lastIfUnmarked(string(c)); j >= 0 {
		d.ls[j].mark = markCirc
		return keyUsed
	}
	return keyNotMine
}

// telexW: w makes ă of a, ơ of o and ư of u (ươ of uo); alone it is ư.
func telexW(d *typingDecoder, c byte) keyOutcome {
	if c != 'w' {
		return keyNotMine
	}
	if j := d.lastIfUnmarked("a"); j >= 0 {
		d.setMark(j, markBreve)
	} else if j := d.lastIfUnmarked("ou"); j >= 0 {
		d.setMark(j, markHorn)
	} else {
		d.ls = append(d.ls, typedLetter{base: 'u', mark: markHorn})
	}
	return keyUsed
}

// telexTone: a tone letter after a vowel, at the end or before a final consonant
// ("tajm"), when no tone is set yet. Elsewhere s, f, r, x and j are letters.
func telexTone(d *typingDecoder, c byte) keyOutcome {
	if c != 's' && c != 'f' && c != 'r' && c != 'x' && c != 'j' {
		return keyNotMine
	}
	last := d.i == len(d.tok)-1
	if d.i > 0 && d.hasVowel() && d.tone == 0 && (last || !strings.ContainsRune("aeiouyw", rune(d.tok[d.i+1]))) {
		d.tone = typingTones[c]
		return keyUsed
	}
	return keyNotMine
}

// telexZ: a final z (remove the tone) is a keystroke, not a letter.
func telexZ(d *typingDecoder, c byte) keyOutcome {
	if c == 'z' && d.i == len(d.tok)-1 {
		return keyUsed
	}
	return keyNotMine
}

// lastVowel is the index of the last unmarked letter whose base is in set, or -1.
func (d *typingDecoder) lastVowel(set string) int {
	for i := len(d.ls) - 1; i >= 0; i-- {
		if strings.ContainsRune(set, d.ls[i].base) && d.ls[i].mark == 0 {
			return i
		}
	}
	return -1
}

// lastIfUnmarked is the index of the last letter when its base is in set and it has no
// mark yet, or -1. Telex modifies only the letter just typed.
func (d *typingDecoder) lastIfUnmarked(set string) int {
	if n := len(d.ls); n > 0 && strings.ContainsRune(set, d.ls[n-1].base) && d.ls[n-1].mark == 0 {
		return n - 1
	}
	return -1
}

func (d *typingDecoder) hasVowel() bool {
	for _, l := range d.ls {
		if strings.ContainsRune("aeiouy", l.base) {
			return true
		}
	}
	return false
}

// setMark puts mark on letter j. A horn on the o of "uo" goes on the u too: "ươ".
func (d *typingDecoder) setMark(j int, mark rune) {
	d.ls[j].mark = mark
	if mark == markHorn && j > 0 && d.ls[j].base == 'o' && d.ls[j-1].base == 'u' && d.ls[j-1].mark == 0 {
		d.ls[j-1].mark = markHorn
	}
}

// syllable writes the decoded letters with the tone on the first vowel; placeTone then
// moves it where the modern rule puts it.
func (d *typingDecoder) syllable() string {
	var b strings.Builder
	toned := d.tone == 0
	for _, l := range d.ls {
		b.WriteRune(l.base)
		if l.mark != 0 {
			b.WriteRune(l.mark)
		}
		if !toned && strings.ContainsRune("aeiouy", l.base) {
			b.WriteRune(d.tone)
			toned = true
		}
	}
	return placeTone(norm.NFC.String(b.String()))
}
