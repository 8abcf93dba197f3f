package zalo

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Every rune the fast path accepts is NFC next to every other it accepts (checked against
// norm in pairs over the scripts our text uses), and NFC answers exactly as norm does on
// text with combining marks, singletons or broken UTF-8.
func TestNFCFastPath(t *testing.T) {
	var fast []rune
	for r := rune(0x80); r < nfcTableEnd; r++ {
		if nfcFast(string(r)) {
			fast = append(fast, r)
		}
	}
	for r := rune(nfcEmojiStart); r < nfcEmojiEnd; r++ {
		if nfcFast(string(r)) {
			fast = append(fast, r)
		}
	}
	for _, r := range []rune{'ă', 'ơ', 'ư', 'đ', 'ạ', 'ế', 'ữ', 'ỹ', '…', '–', '—', '“', '•', '📄', '👉', '✅'} {
		if !nfcFast(string(r)) {
			t.Errorf("%q (U+%04X) takes the slow path", r, r)
		}
	}
	for _, r := range []rune{0x0300, 0x0301, 0x0323, 0x2000, 0x2126, 0x1161} {
		if nfcFast(string(r)) {
			t.Errorf("U+%04X is on the fast path", r)
		}
	}
	// Pairs: every accepted rune after and before a sample of accepted ones.
	sample := []rune{'a', 'e', 'ơ', 'ạ', '…', '📄'}
	for _, r := range fast {
		for _, q := range sample {
			for _, s := range []string{string(r) + string(q), string(q) + string(r)} {
				if !norm.NFC.IsNormalString(s) {
					t.Fatalf("%q: on the fast path but not NFC", s)
				}
			}
		}
	}
	for _, s := range []string{
		"Đăng ký thường trú — thẻ căn cước 📄",
		"Đăng ky\u0301 thường trú", // a combining acute: composed to "ký"
		"A\u030a",                  // Å decomposed
		"\u1100\u1161",             // Hangul jamo: composed
		"\u2000x",                  // a singleton: NFC changes it
		"ho\u0323c",                // dot below, combining
		"bad \xff utf8",
		string(utf8.RuneError),
		"",
	} {
		if got, want := NFC(s), norm.NFC.String(s); got != want {
			t.Errorf("NFC(%q) = %q, want %q", s, got, want)
		}
	}
}

func BenchmarkNFC(b *testing.B) {
	s := "1. Cấp đổi thẻ căn cước (1.014063)\n2. Cấp lại thẻ căn cước khi bị mất, hư hỏng (1.014064)\n3. Xác nhận số chứng minh nhân dân… 📄 (1.012566)"
	b.Run("norm", func(b *testing.B) {
		for b.Loop() {
			_ = norm.NFC.String(s)
		}
	})
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			_ = NFC(s)
		}
	})
}
