package zalo

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The fast path's ranges are NFC rune by rune, also next to each other, and it answers
// exactly as norm does on text with combining marks, singletons or broken UTF-8.
func TestNFCFastPath(t *testing.T) {
	ranges := [][2]rune{{0, 0x2FF}, {0x1E00, 0x1EFF}}
	for _, rg := range ranges {
		for r := rg[0]; r <= rg[1]; r++ {
			s := string(r) + "a" + string(r) + string(rg[0]) + string(rg[1])
			if !utf8.ValidString(s) {
				continue
			}
			if !nfcFast(s) {
				t.Fatalf("U+%04X: not on the fast path", r)
			}
			if !norm.NFC.IsNormalString(s) {
				t.Fatalf("U+%04X: on the fast path but not NFC", r)
			}
		}
	}
	for _, s := range []string{
		"Đăng ký thường trú — thẻ căn cước",
		"Đăng ky\u0301 thường trú", // a combining acute: composed to "ký"
		"A\u030a",                  // Å decomposed
		"\u2000x",                  // a singleton: NFC changes it
		"ho\u0323c",                // dot below, combining
		"bad \xff utf8",
		"",
	} {
		if got, want := NFC(s), norm.NFC.String(s); got != want {
			t.Errorf("NFC(%q) = %q, want %q", s, got, want)
		}
	}
}

func BenchmarkNFC(b *testing.B) {
	s := "1. Cấp đổi thẻ căn cước (1.014063)\n2. Cấp lại thẻ căn cước khi bị mất, hư hỏng (1.014064)\n3. Xác nhận số chứng minh nhân dân, số định danh cá nhân (1.012566)"
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
