package procedures

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Đăng Ký Tạm Trú", "đăng ký tạm trú"},
		{norm.NFD.String("căn cước công dân"), "căn cước công dân"}, // NFD input
		{"hòa giải", "hoà giải"},                                    // old → new tone placement
		{"hoà giải", "hoà giải"},
		{"thủy lợi", "thuỷ lợi"},
		{"Hóa đơn", "hoá đơn"},
		{"khỏe", "khoẻ"},
		{"người", "người"}, // ươ: tone on ơ
		{"của", "của"},     // ua without final: first vowel
		{"quý", "quý"},     // qu: u is not a vowel
		{"giá", "giá"},     // gi: i is not a vowel
		{"toán", "toán"},   // final consonant: last vowel
		{"  nhiều   khoảng\ttrắng \n", "nhiều khoảng trắng"},
		{"CCCD, ở đâu?", "cccd, ở đâu?"},
		{"\xff\xfeabc", "\ufffdabc"}, // a run of invalid bytes → one U+FFFD
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeOldAndNewStyleAgree(t *testing.T) {
	pairs := [][2]string{{"hòa", "hoà"}, {"thủy", "thuỷ"}, {"hóa", "hoá"}, {"hủy", "huỷ"}, {"lòe", "loè"}, {"Thủy sản", "thuỷ sản"}}
	for _, p := range pairs {
		if a, b := Normalize(p[0]), Normalize(p[1]); a != b {
			t.Errorf("Normalize(%q) = %q but Normalize(%q) = %q", p[0], a, p[1], b)
		}
		if a, b := Normalize(norm.NFD.String(p[0])), Normalize(p[1]); a != b {
			t.Errorf("NFD %q: %q != %q", p[0], a, b)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Đăng ký tạm trú", "dang ky tam tru"},
		{"Đất đai", "dat dai"}, // đ/Đ have no decomposition: mapped explicitly
		{norm.NFD.String("Đăng ký khai sinh"), "dang ky khai sinh"},
		{"Giấy phép lái xe", "giay phep lai xe"},
		{"ươ ư ơ ă â ê ô", "uo u o a a e o"},
		{"visa 2026", "visa 2026"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	toks := tokenize(Normalize("Đăng kí, tạm trú!!! đăngggg 02"))
	var got []string
	for _, tk := range toks {
		got = append(got, tk.folded)
	}
	want := []string{"dang", "ky", "tam", "tru", "dang", "2"} // kí → ky, repeats collapsed, 02 → 2
	if len(got) != len(want) {
		t.Fatalf("tokens %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("tokens %v, want %v", got, want)
		}
	}
	if !toks[2].brk || toks[1].brk {
		t.Errorf("comma must break the bigram between ky and tam: %+v", toks)
	}
}

func TestDecodeTyping(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ddawng", "đăng", true},
		{"kys", "ký", true},
		{"tamj", "tạm", true},
		{"truj", "trụ", true},
		{"truwowngf", "trường", true},
		{"nguwowif", "người", true},
		{"d9a8ng", "đăng", true},
		{"ky1", "ký", true},
		{"thu7o7ng2", "thường", true},
		{"tajm", "tạm", true},
		{"visa", "", false}, // nothing to decode
		{"dang", "", false},
		{"đăng", "", false}, // not ASCII
	}
	for _, tt := range tests {
		got, ok := decodeTyping(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("decodeTyping(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWithinOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"thuong", "thuong", true},
		{"thuong", "thoung", true}, // transposition
		{"thuong", "thuon", true},  // deletion
		{"thuong", "thuongg", true},
		{"thuong", "thuang", true},
		{"thuong", "thung", true},
		{"thuong", "thang", false},
		{"abc", "abcde", false},
	}
	for _, tt := range tests {
		if got := withinOneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("withinOneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Đăng ký tạm trú", "hòa", norm.NFD.String("thủy"), "\xff", "ddawng kys", "🙂 abc", "q", "gì", "ươ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, n)
		}
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q: %q → %q", s, n, Normalize(n))
		}
		fo := Fold(s)
		if !utf8.ValidString(fo) {
			t.Fatalf("Fold(%q) invalid UTF-8", s)
		}
		for _, tk := range tokenize(n) {
			if !utf8.ValidString(tk.exact) || !utf8.ValidString(tk.folded) {
				t.Fatalf("token of %q invalid UTF-8", s)
			}
		}
		if d, ok := decodeTyping(s); ok && !utf8.ValidString(d) {
			t.Fatalf("decodeTyping(%q) invalid UTF-8", s)
		}
	})
}

// Numbers are written one way: "mức độ 01" is "mức 1", "một thành viên" "1 thành viên";
// plain "mot" stays (it may be "mọt" or a typo of another word).
func TestTokenizeNumbersOneWay(t *testing.T) {
	for in, want := range map[string]string{
		"mức độ 01":              "muc do 1",
		"công ty một thành viên": "cong ty 1 thanh vien",
		"năm 2025, mẫu 00":       "nam 2025 mau 0",
		"mot thanh vien":         "mot thanh vien",
		"10 ngày":                "10 ngay",
	} {
		var got []string
		for _, tk := range tokenize(Normalize(in)) {
			got = append(got, tk.folded)
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("tokenize(%q) = %q, want %q", in, g, want)
		}
	}
}

func TestMarksWithin(t *testing.T) {
	for _, tc := range []struct {
		typed, target string
		want          bool
	}{
		{"đuoc", "được", true},
		{"duoc", "được", true},
		{"nhiêu", "nhiều", true},
		{"được", "được", true},
		{"đỏ", "đó", false},     // another tone is another word
		{"dược", "được", true},  // đ left out
		{"đươc", "dược", false}, // đ added
		{"khong", "không", true},
		{"khonh", "không", false},
	} {
		if got := marksWithin(Normalize(tc.typed), Normalize(tc.target)); got != tc.want {
			t.Errorf("marksWithin(%q, %q) = %v, want %v", tc.typed, tc.target, got, tc.want)
		}
	}
}

// Telex decoded into marks that make no word we know ("ddoir": the "oo" of "đổi" left out
// gives "đỏi") keeps its letters only, so the word reads like one typed without marks;
// decoded into a real word, it keeps its marks.
func TestRepairDropsMarksOfANonWord(t *testing.T) {
	ix := builtinIndex(t)
	for in, want := range map[string]token{
		"ddoir":  {exact: "doi", folded: "doi"},
		"ddooir": {exact: "đổi", folded: "doi"},
	} {
		if got := ix.repair(token{exact: in, folded: in}); got.exact != want.exact || got.folded != want.folded {
			t.Errorf("repair(%q) = %q/%q, want %q/%q", in, got.exact, got.folded, want.exact, want.folded)
		}
	}
	typo, plain := ix.Search("ddoir ten cho con", 5), ix.Search("doi ten cho con", 5)
	if len(typo.Hits) == 0 || len(plain.Hits) == 0 || typo.Hits[0].Record.Code != plain.Hits[0].Record.Code || typo.Hits[0].Score != plain.Hits[0].Score {
		t.Errorf("ddoir ten cho con = %v, doi ten cho con = %v: want the same answer", typo.Hits, plain.Hits)
	}
}

// A word typed with its marks and spelt like a syllable is a word the catalogue lacks,
// kept as typed: "ngập" (flooded) is no typo of "nhập" (of "nhập khẩu"), nor "giặt" of
// "giấy". A marked typo that makes no syllable ("chứg", "khôg") is still repaired, and so
// is a word typed without marks.
func TestRepairKeepsMarkedWords(t *testing.T) {
	ix := builtinIndex(t)
	tok := func(w string) token { return tokenize(Normalize(w))[0] }
	for _, w := range []string{"ngập", "giặt", "trưa", "ruộng", "tiệc"} {
		if got := ix.repair(tok(w)); got.exact != w {
			t.Errorf("repair(%q) = %q, want it kept", w, got.exact)
		}
	}
	for in, want := range map[string]string{"chứg": "chung", "khôg": "khong", "giat": "giay"} {
		if got := ix.repair(tok(in)); got.folded != want {
			t.Errorf("repair(%q) = %q, want %q", in, got.folded, want)
		}
	}
	for _, w := range []string{"giat", "chug", "nhuong", "ngap", "nguyen", "quyen", "nghieng", "oanh"} {
		if want := w != "chug"; wellFormedSyllable(w) != want {
			t.Errorf("wellFormedSyllable(%q) = %v, want %v", w, !want, want)
		}
	}
}

// A final "ng" or "nh" typed without its n is read back with it when the word carries
// Vietnamese marks; plain words and interjections keep their spelling.
func TestRestoreDroppedN(t *testing.T) {
	for in, want := range map[string]string{
		"bằg": "bằng", "côg": "công", "thằg": "thằng", "đăg": "đăng", "hoàg": "hoàng",
		"bằng": "bằng", "blog": "blog", "tag": "tag", "sag": "sag", "kg": "kg", "g": "g",
		"nướcg": "nướcg", // not a syllable with "ng" either: left as typed
		"thàh":  "thành", "bệh": "bệnh", "mìh": "mình", "nhah": "nhah", "đìh": "đình",
		"ạh": "ạh", "àh": "àh", "yeah": "yeah", "ưh": "ưh", "sách": "sách", "thích": "thích",
	} {
		if got := restoreDroppedN(in); got != want {
			t.Errorf("restoreDroppedN(%q) = %q, want %q", in, got, want)
		}
	}
	if toks := tokenize(Normalize("Bằg lái của thằg cháu")); toks[0].exact != "bằng" || toks[3].exact != "thằng" {
		t.Errorf("tokenize: %+v", toks)
	}
}

// An age typed the chat way ("bé 6t") is read as "6 tuổi", so the age-ranged variant
// (căn cước dưới 14 tuổi) can be told; other words ending in t, and longer numbers, are not.
func TestChatAge(t *testing.T) {
	var got []string
	for _, tk := range tokenize(Normalize("làm căn cước cho bé 6t, anh nó 18t, xe 2023t, 06t")) {
		got = append(got, tk.folded)
	}
	want := "lam can cuoc cho be 6 tuoi anh no 18 tuoi xe 2023t 6 tuoi"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens %q, want %q", strings.Join(got, " "), want)
	}
	if age := queryAge(strings.Fields(want)); age != 6 {
		t.Errorf("queryAge = %d, want 6", age)
	}
}

// A last letter typed twice ("mấtt", "đâuu") is dropped when the word without it is one
// we know, and the word keeps its marks: "mất" names a state, "đâu" is no content word.
// Before, repair's edit made them "mat" and "dau", and "giấy chứng nhận hkd bị mấtt, xin
// lại ở đâuu" lost the state that picks the re-issue.
func TestUndoubleKeepsMarks(t *testing.T) {
	ix := builtinIndex(t)
	got := exactWords(ix.respellUnknown(tokenize(Normalize("bị mấtt ở đâuu ạ, xoong mm 100mm hhh")), dropDoubledEnd))
	if want := "bị mất ở đâu ạ xoong mm 100mm h"; got != want {
		t.Errorf("undouble = %q, want %q", got, want)
	}
	nat := NewIndex(realCatalog(t), Options{})
	typo := nat.Search("giấy chứng nhận hkd bị mấtt, xin lại ở đâuu", 5)
	plain := nat.Search("giấy chứng nhận hkd bị mất, xin lại ở đâu", 5)
	if len(typo.Hits) == 0 || len(plain.Hits) == 0 || typo.Hits[0].Record.Code != plain.Hits[0].Record.Code {
		t.Errorf("elongated: %v; plain: %v; want the same first", hitCodes(typo), hitCodes(plain))
	}
}

// Chat spelling that makes no Vietnamese syllable is respelled when the word it makes is
// known: a final "i" typed "y" after o/ô/ơ, a "q" without its "u". Other words are left:
// "hay", "tay", "quy" are words and "qzx" makes none we know; "oy" is "ơi" ("ad oy").
func TestTeenSpell(t *testing.T) {
	ix := builtinIndex(t)
	got := exactWords(ix.respellUnknown(tokenize(Normalize("bà mớy mất hum qa, lâu qá, xong rồy thôy, hay tay quy qzx oy")), teenRespell))
	if want := "bà mới mất hum qua lâu quá xong rồi thôi hay tay quy qzx oi"; got != want {
		t.Errorf("teenSpell = %q, want %q", got, want)
	}
	// As the search reads it: the same first answer as spelt in full.
	for typed, full := range map[string]string{
		"e ms chuyển trọ qa phường này, đk tạm trú ntn": "em mới chuyển trọ qua phường này, đăng ký tạm trú như thế nào",
		"con e mớy sinh, lm khai sinh ở đâu":            "con em mới sinh, làm khai sinh ở đâu",
	} {
		a, b := ix.Search(typed, 5), ix.Search(full, 5)
		if len(a.Hits) == 0 || len(b.Hits) == 0 || a.Hits[0].Record.Code != b.Hits[0].Record.Code {
			t.Errorf("%q: %v; spelt in full: %v", typed, hitCodes(a), hitCodes(b))
		}
	}
}

// exactWords is the words of toks as typed (respelled), joined by spaces.
func exactWords(toks []token) string {
	var ws []string
	for _, t := range toks {
		ws = append(ws, t.exact)
	}
	return strings.Join(ws, " ")
}

// A full name (surname, "văn" or "thị", one or two given names) is no word of the need;
// words that only look like one stay: "phần thì phải", "làm văn bản" typed without marks.
func TestDropNames(t *testing.T) {
	ix := builtinIndex(t)
	for _, c := range []struct{ typed, want string }{
		{"đổi tên cho con thành Nguyễn Thị Linh", "đổi tên cho con thành"},
		{"sửa tên Nguyễn Văn Thanh thành Nguyễn Văn Thắng", "sửa tên thành"},
		{"bố tôi Trần Văn Hùng mất năm ngoái", "bố tôi mất năm ngoái"},
		{"ten me bi sai, Nguyen Thi Huệ thanh Nguyen Thi Huê", "ten me bi sai thanh"},
		{"con tên nguyen van ti muon doi ten", "con tên muon doi ten"},
		{"một phần thì phải làm gì", "1 phần thì phải làm gì"},
		{"mot phan thi phai lam gi", "mot phan thi phai lam gi"},
		{"lam van ban thoa thuan chia dat", "lam van ban thoa thuan chia dat"},
		{"làm văn bản thỏa thuận", "làm văn bản thoả thuận"},
		{"Lê Thị, Hoa", "lê thị hoa"}, // punctuation inside: no name
	} {
		got := exactWords(ix.dropNames(tokenize(Normalize(c.typed)), typedWithMarks(c.typed)))
		if got != c.want {
			t.Errorf("dropNames(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
	// As the search reads it: the need without the name.
	a, b := ix.Search("muốn đổi tên cho con thành Nguyễn Thị Bích Ngọc", 5), ix.Search("muốn đổi tên cho con thành", 5)
	if !slices.Equal(hitCodes(a), hitCodes(b)) {
		t.Errorf("with the name: %v; without: %v", hitCodes(a), hitCodes(b))
	}
}

// A classifier before a paper or property it counts is dropped, so the phrase around it
// reads: "cất căn nhà" is "cất nhà". Nouns it does not count keep it ("căn hộ", "căn
// cước"), and so does an unmarked "can" (cần).
func TestDropClassifiers(t *testing.T) {
	for _, c := range []struct{ typed, want string }{
		{"tính cất căn nhà cấp 4", "tính cất nhà cấp 4"},
		{"mất cái thẻ căn cước", "mất thẻ căn cước"},
		{"bán chiếc xe máy cho bạn", "bán xe máy cho bạn"},
		{"mảnh đất ông bà để lại", "đất ông bà để lại"},
		{"làm lại cuốn sổ hộ khẩu", "làm lại sổ hộ khẩu"},
		{"mua căn hộ chung cư", "mua căn hộ chung cư"},
		{"can nha o dau", "can nha o dau"},
		{"lấy cái, nhà em xa", "lấy cái nhà em xa"},
	} {
		if got := exactWords(dropClassifiers(tokenize(Normalize(c.typed)))); got != c.want {
			t.Errorf("dropClassifiers(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
}
