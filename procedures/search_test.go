package procedures

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// testIndex indexes testdata/search-catalog.json: 54 real portal records (names, codes,
// levels) with placeholder steps, so the tests do not depend on the built-in content.
func testIndex(t testing.TB) *Index {
	t.Helper()
	c, err := Load("testdata/search-catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	return NewIndex(c, Options{})
}

// recordsIndex indexes a small catalogue of recs; a record without steps gets one (a
// catalogue refuses a record without steps).
func recordsIndex(t testing.TB, recs []*Record) *Index {
	t.Helper()
	for _, r := range recs {
		if len(r.Steps) == 0 {
			r.Steps = []string{"Nộp hồ sơ"}
		}
	}
	c, err := NewCatalog(recs)
	if err != nil {
		t.Fatal(err)
	}
	return NewIndex(c, Options{})
}

func topCode(r Result) string {
	if len(r.Hits) == 0 {
		return ""
	}
	return r.Hits[0].Record.Code
}

func hitCodes(r Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Record.Code)
	}
	return out
}

func TestSearchTop(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		query string
		want  []string // any of these codes at rank 1 (record or a level variant)
	}{
		{"đăng ký thường trú", []string{"1.004222"}},
		{"dang ky tam tru", []string{"1.004194"}},
		{"DANG KY TAM TRU", []string{"1.004194"}},
		{"ddawng kys tamj truj", []string{"1.004194"}},       // Telex leftovers
		{"d9a8ng ky1 ta5m tru1", []string{"1.004194"}},       // VNI leftovers
		{"đăng kí tạm chú", []string{"1.004194"}},            // kí/ký, ch/tr
		{"dang ky thuong truu", []string{"1.004222"}},        // typo, edit distance 1
		{"nhập khẩu cho con", []string{"1.004222"}},          // everyday name
		{"cắt khẩu", []string{"1.003197"}},                   // synonym
		{"doi cccd", []string{"1.014063", "1.000889"}},       // abbreviation
		{"mất căn cước", []string{"1.014064", "1.000757"}},   // mất → cấp lại
		{"mat cavet xe", []string{"1.013080", "1.013082"}},   // cavet
		{"đổi bằng lái", []string{"3.000347"}},               // bằng lái → giấy phép lái xe
		{"gplx quốc tế", []string{"3.000353"}},               // gplx
		{"sang tên xe máy", []string{"1.013076"}},            // xe máy → xe
		{"khai tử", []string{"1.000656"}},                    // plain over variants
		{"bố mất cần làm giấy báo tử", []string{"1.000656"}}, // "bố mất" → khai tử
		{"đăng ký kết hôn", []string{"1.000894"}},            // plain over lưu động / nước ngoài
		{"dang ky ket hon co yeu to nuoc ngoai", []string{"2.000806"}},
		{"kết hôn lưu động", []string{"1.000593"}},
		{"dang ky lai khai sinh", []string{"1.004884"}},
		{"công chứng giấy tờ", []string{"2.000815"}},
		{"chứng thực chữ kí", []string{"2.000884"}},
		{"mat ho chieu", []string{"1.010386", "1.010385", "1.001445", "2.000539"}},
		{"mở hộ kinh doanh", []string{"1.001612"}},
		{"1.004222", []string{"1.004222"}},
		{"cho hỏi thủ tục 2.001019 cần gì", []string{"2.001019"}},
	}
	for _, tt := range tests {
		r := ix.Search(tt.query, 5)
		ok := false
		if len(r.Hits) > 0 {
			for _, w := range tt.want {
				ok = ok || r.Hits[0].Record.Code == w
				for _, v := range r.Hits[0].Variants {
					ok = ok || v.Code == w
				}
			}
		}
		if !ok || r.Abstain {
			t.Errorf("Search(%q) = %v (abstain %v), want first one of %v", tt.query, hitCodes(r), r.Abstain, tt.want)
		}
	}
}

func TestSearchVariantPreference(t *testing.T) {
	ix := testIndex(t)
	// The plain procedure comes before its qualified variants, which still appear.
	r := ix.Search("đăng ký khai sinh", 8)
	if topCode(r) != "1.001193" {
		t.Fatalf("top = %v, want 1.001193 first", hitCodes(r))
	}
	seen := map[string]bool{}
	for _, c := range hitCodes(r) {
		seen[c] = true
	}
	for _, v := range []string{"1.003583", "2.000528"} { // lưu động, có yếu tố nước ngoài
		if !seen[v] {
			t.Errorf("variant %s missing from %v", v, hitCodes(r))
		}
	}
	// Asking for the variant brings it first.
	if got := topCode(ix.Search("đăng ký khai sinh lưu động", 5)); got != "1.003583" {
		t.Errorf("lưu động: top %s, want 1.003583", got)
	}
	if got := topCode(ix.Search("khai sinh có yếu tố nước ngoài", 5)); got != "2.000528" {
		t.Errorf("nước ngoài: top %s, want 2.000528", got)
	}
	if got := topCode(ix.Search("căn cước cho trẻ dưới 14 tuổi", 5)); got != "1.014062" {
		t.Errorf("dưới 14: top %s, want 1.014062", got)
	}
}

func TestSearchGroupsLevels(t *testing.T) {
	ix := testIndex(t)
	r := ix.Search("cấp đổi thẻ căn cước", 5)
	if len(r.Hits) == 0 {
		t.Fatal("no hits")
	}
	h := r.Hits[0]
	if h.Record.Code != "1.014063" { // the commune-level record represents the group
		t.Errorf("top = %s, want the commune-level 1.014063", h.Record.Code)
	}
	var vs []string
	for _, v := range h.Variants {
		vs = append(vs, v.Code)
	}
	if len(vs) != 1 || vs[0] != "1.000889" {
		t.Errorf("variants = %v, want [1.000889] (same name, central level)", vs)
	}
	for _, other := range r.Hits[1:] {
		if other.Record.Code == "1.000889" {
			t.Errorf("level variant listed again as its own hit")
		}
	}
}

func TestSearchAbstains(t *testing.T) {
	ix := testIndex(t)
	for _, q := range []string{"", "alo", "alo alo", "cảm ơn", "cam on ad", "ok", "👍", "???", "giá vàng hôm nay",
		"thời tiết ngày mai", "bạn là ai", "xin chào", "hello", "mấy giờ rồi", "trời mưa to quá"} {
		r := ix.Search(q, 5)
		if !r.Abstain || r.Confidence != ConfidenceNone || len(r.Hits) != 0 {
			t.Errorf("Search(%q): abstain %v confidence %s hits %v; want abstention", q, r.Abstain, r.Confidence, hitCodes(r))
		}
	}
	for _, q := range []string{"tach ho", "khai tử", "hộ chiếu", "thuê phòng trọ có cần đăng ký tạm trú không"} {
		if r := ix.Search(q, 5); r.Abstain {
			t.Errorf("Search(%q) abstained", q)
		}
	}
}

func TestSearchAspect(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		query string
		want  Aspect
	}{
		{"đăng ký tạm trú", AspectNone},
		{"đăng ký tạm trú cần giấy tờ gì", AspectDocuments},
		{"lam cccd can mang gi", AspectDocuments},
		{"làm căn cước ở đâu", AspectPlace},
		{"lam cccd o dau", AspectPlace},
		{"đổi bằng lái hết bao nhiêu tiền", AspectFee},
		{"lệ phí đăng ký kết hôn", AspectFee},
		{"làm hộ chiếu mất bao lâu", AspectTime},
		{"khai sinh mấy ngày thì có", AspectTime},
		{"thủ tục tách hộ như thế nào", AspectSteps},
		{"mẫu tờ khai đăng ký thường trú", AspectForms},
		{"đăng ký tạm trú online được không", AspectOnline},
		{"gia han tam tru truc tuyen", AspectOnline},
	}
	for _, tt := range tests {
		r := ix.Search(tt.query, 3)
		if r.Aspect != tt.want {
			t.Errorf("Search(%q).Aspect = %s, want %s", tt.query, r.Aspect, tt.want)
		}
		if tt.want != AspectNone && r.Abstain {
			t.Errorf("Search(%q) abstained", tt.query)
		}
	}
}

func TestSearchConfidence(t *testing.T) {
	ix := testIndex(t)
	if r := ix.Search("tach ho", 5); r.Confidence != ConfidenceOne {
		t.Errorf("tach ho: confidence %s, want one", r.Confidence)
	}
	r := ix.Search("căn cước", 5)
	if r.Confidence != ConfidenceClarify || r.Clarify == nil {
		t.Fatalf("căn cước: confidence %s clarify %v, want clarify", r.Confidence, r.Clarify)
	}
	if len(r.Clarify.Options) < 3 || !strings.Contains(r.Clarify.Topic, "căn cước") {
		t.Errorf("clarify = %q with %d options", r.Clarify.Topic, len(r.Clarify.Options))
	}
	opts := map[string]bool{}
	for _, o := range r.Clarify.Options {
		opts[o.Code] = true
	}
	for _, c := range []string{"1.014061", "1.014063", "1.014064"} { // cấp lần đầu, cấp đổi, cấp lại
		if !opts[c] {
			t.Errorf("clarify options %v lack %s", opts, c)
		}
	}
	// Naming the case removes the need to ask.
	if r := ix.Search("cấp lại căn cước", 5); r.Confidence == ConfidenceClarify {
		t.Errorf("cấp lại căn cước: still clarify")
	}
}

func TestSearchShortCodeAndCode(t *testing.T) {
	ix := recordsIndex(t, []*Record{
		{Code: "1.004222", ShortCode: "12", Name: "Đăng ký thường trú", Steps: []string{"Nộp hồ sơ"}},
		{Code: "1.004194", Name: "Đăng ký tạm trú", Steps: []string{"Nộp hồ sơ"}},
	})
	for _, q := range []string{"#12", "# 12", "mã #12 cần gì"} {
		if r := ix.Search(q, 5); topCode(r) != "1.004222" || r.Confidence != ConfidenceOne {
			t.Errorf("Search(%q) = %v %s", q, hitCodes(r), r.Confidence)
		}
	}
	if r := ix.Search("#12 cần giấy tờ gì", 5); r.Aspect != AspectDocuments {
		t.Errorf("aspect with short code = %s", r.Aspect)
	}
	if r := ix.Search("1.004194", 5); topCode(r) != "1.004194" {
		t.Errorf("code lookup = %v", hitCodes(r))
	}
	if r := ix.Search("1.004194.H19", 5); topCode(r) != "1.004194" {
		t.Errorf("code with local suffix = %v", hitCodes(r))
	}
	if r := ix.Search("#99", 5); !r.Abstain {
		t.Errorf("unknown short code should not match: %v", hitCodes(r))
	}
}

func TestSearchDeterministic(t *testing.T) {
	ix := testIndex(t)
	for _, q := range []string{"đăng ký", "căn cước", "hộ chiếu", "giấy phép lái xe", "xe"} {
		first := fmt.Sprint(hitCodes(ix.Search(q, 10)))
		for i := 0; i < 5; i++ {
			ix2 := testIndex(t) // a rebuilt index gives the same order too
			if got := fmt.Sprint(hitCodes(ix2.Search(q, 10))); got != first {
				t.Fatalf("Search(%q) not deterministic: %s vs %s", q, got, first)
			}
		}
	}
	// Ties are broken by code: two records with the same text.
	c, _ := NewCatalog([]*Record{
		{Code: "2.000002", Name: "Cấp giấy phép bắn pháo hoa", Steps: []string{"x"}},
		{Code: "2.000001", Name: "Cấp giấy phép bắn pháo hoa", Steps: []string{"x"}, Levels: []string{"Cấp bộ"}},
		{Code: "2.000003", Name: "Thủ tục khác hẳn", Steps: []string{"x"}},
	})
	r := NewIndex(c, Options{}).Search("giấy phép bắn pháo hoa", 5)
	if len(r.Hits) == 0 || r.Hits[0].Record.Code != "2.000002" && r.Hits[0].Record.Code != "2.000001" {
		t.Fatalf("hits %v", hitCodes(r))
	}
}

func TestSearchConcurrent(t *testing.T) {
	ix := testIndex(t)
	searchConcurrently(t, 8, 200, []string{"dang ky tam tru", "căn cước", "mat cavet xe", "alo", "đổi bằng lái ở đâu", "1.004222"},
		func(q string) string { return fmt.Sprint(hitCodes(ix.Search(q, 5))) })
}

// The examples' search shares scratch buffers (a pool) and the classifier across
// goroutines, as every replica's workers do; under -race this is where a data race would
// show (the national-catalogue tests, single-goroutine, skip under -race).
func TestSearchWithExamplesConcurrent(t *testing.T) {
	ix := builtinIndex(t)
	seed, err := SeedExamples()
	if err != nil {
		t.Fatal(err)
	}
	x := ix.NewExamples(append(seed, Example{ID: "own", Account: "ward", Query: "xin giấy xác nhận độc thân", Code: "1.004873"})).For("ward")
	searchConcurrently(t, 4, 30, []string{"dang ky tam tru", "mat cavet xe", "ubnd phuong lam viec thu 7 ko", "xin giay xac nhan doc than",
		"Chào anh chị, vợ chồng em mới cưới, muốn nhập hộ khẩu cho vợ về nhà chồng thì cần giấy tờ gì ạ?", "nhà em bị mất con chó"},
		func(q string) string { return fmt.Sprint(ix.SearchWith(q, 5, x)) })
}

// searchConcurrently answers each query once alone, then from goroutines goroutines,
// rounds times each, and fails when a concurrent answer differs from the one alone.
func searchConcurrently(t *testing.T, goroutines, rounds int, queries []string, answer func(string) string) {
	t.Helper()
	want := make([]string, len(queries))
	for i, q := range queries {
		want[i] = answer(q)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				k := (g + i) % len(queries)
				if got := answer(queries[k]); got != want[k] {
					t.Errorf("concurrent answer to %q = %s, want %s", queries[k], got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// The aspect is the part the message asks for, not the first part it names: "hồ sơ",
// "lệ phí" or "online" are often only what the message speaks of ("nộp hồ sơ ở đâu"
// asks the place). A phrase asks when it holds a question word or one follows it; a form
// named is what is wanted; with no phrase that asks, the first named decides.
func TestAspectAsked(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		query string
		want  Aspect
	}{
		{"đăng ký kết hôn nộp hồ sơ ở đâu", AspectPlace},
		{"chứng thực bản sao giấy tờ mất bao nhiêu tiền", AspectFee},
		{"làm giấy tờ cho con mất mấy ngày", AspectTime},
		{"xin trợ giúp pháp lý miễn phí ở đâu", AspectPlace},
		{"lệ phí đăng ký thường trú bao nhiêu, nộp trên vneid có rẻ hơn ko", AspectFee},
		{"mẫu đơn đăng ký kết hôn lấy ở đâu", AspectForms},
		{"đăng ký tạm trú làm online ở đâu", AspectOnline},
		{"đổi bằng lái trên mạng được không, lệ phí bao nhiêu", AspectOnline},
		{"đi báo tử thì mang theo những gì, làm trên mạng được không", AspectDocuments},
		{"hồ sơ đăng ký tạm trú gồm những gì", AspectDocuments},
		{"lệ phí đăng ký kết hôn", AspectFee},
	}
	for _, tt := range tests {
		if got := ix.analyse(tt.query).aspect; got != tt.want {
			t.Errorf("analyse(%q).aspect = %s, want %s", tt.query, got, tt.want)
		}
	}
}

func TestSynonymsExpansion(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		query    string
		contains string // words the rewritten query must contain
		aspect   Aspect
	}{
		{"cccd", "thẻ căn cước", AspectNone},
		{"lam cccd ko", "thẻ căn cước", AspectNone},
		{"bằng lái", "giấy phép lái xe", AspectNone},
		{"GPLX", "giấy phép lái xe", AspectNone},
		{"sổ đỏ", "giấy chứng nhận quyền sử dụng đất", AspectNone},
		{"so do", "giấy chứng nhận quyền sử dụng đất", AspectNone},
		{"bhxh 1 lần", "bảo hiểm xã hội", AspectNone},
		{"nhập hộ khẩu", "đăng ký thường trú", AspectNone},
		{"đk tạm trú dc ko", "đăng ký tạm trú được không", AspectNone},
		{"cavet", "chứng nhận đăng ký xe", AspectNone},
		{"thủ tục tách hộ cần giấy tờ gì", "tách hộ", AspectDocuments},
	}
	for _, tt := range tests {
		a := ix.analyse(tt.query)
		if !strings.Contains(a.stripped, tt.contains) {
			t.Errorf("analyse(%q).stripped = %q, want it to contain %q", tt.query, a.stripped, tt.contains)
		}
		if a.aspect != tt.aspect {
			t.Errorf("analyse(%q).aspect = %s, want %s", tt.query, a.aspect, tt.aspect)
		}
	}
	// Expansions add words and keep what was typed.
	a := ix.analyse("mất hộ chiếu")
	if !strings.Contains(a.stripped, "mất hộ chiếu") {
		t.Errorf("expand dropped typed words: %q", a.stripped)
	}
	if !strings.Contains(strings.Join(a.seq, " "), "cap lai") {
		t.Errorf("expand did not add cấp lại: %v", a.seq)
	}
}

func TestParseSynonymsErrors(t *testing.T) {
	if _, err := ParseSynonyms([]byte("aspects:\n  price: [giá]\n")); err == nil {
		t.Error("unknown aspect accepted")
	}
	if _, err := ParseSynonyms([]byte("nonsense: 1\n")); err == nil {
		t.Error("unknown section accepted")
	}
	if _, err := ParseSynonyms([]byte("expand:\n  \"\": [x]\n")); err == nil {
		t.Error("empty expansion accepted")
	}
	s, err := ParseSynonyms([]byte("replace:\n  căn cước: [cc]\nstopwords: [ơi]\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewCatalog([]*Record{{Code: "1", Name: "Cấp thẻ căn cước", Steps: []string{"x"}}, {Code: "2", Name: "Khác", Steps: []string{"x"}}})
	if r := NewIndex(c, Options{Synonyms: s}).Search("cc ơi", 3); topCode(r) != "1" {
		t.Errorf("custom table not used: %v abstain %v", hitCodes(r), r.Abstain)
	}
	DefaultSynonyms() // the embedded table parses (panics otherwise)
}

func FuzzSearch(f *testing.F) {
	c, err := Load("testdata/search-catalog.json")
	if err != nil {
		f.Fatal(err)
	}
	ix := NewIndex(c, Options{})
	for _, s := range []string{"dang ky tam tru", "#12", "1.004222", "ddawng kys", "căn cước ở đâu", "\xff\xfe", "a b c d e f g h", "👍👍"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := ix.Search(q, 5)
		if r.Abstain != (len(r.Hits) == 0) {
			t.Fatalf("Search(%q): abstain %v with %d hits", q, r.Abstain, len(r.Hits))
		}
		if r.Abstain != (r.Confidence == ConfidenceNone) {
			t.Fatalf("Search(%q): abstain %v confidence %s", q, r.Abstain, r.Confidence)
		}
		if len(r.Hits) > 5 {
			t.Fatalf("Search(%q): %d hits > limit", q, len(r.Hits))
		}
		if _, ok := parseAspect(string(r.Aspect)); !ok {
			t.Fatalf("Search(%q): bad aspect %q", q, r.Aspect)
		}
		for i, h := range r.Hits {
			if h.Record == nil || h.Score <= 0 {
				t.Fatalf("Search(%q): bad hit %+v", q, h)
			}
			if i > 0 && h.Score > r.Hits[i-1].Score {
				t.Fatalf("Search(%q): hits not sorted", q)
			}
		}
		a := ix.analyse(q)
		if !utf8.ValidString(a.stripped) {
			t.Fatalf("analyse(%q) invalid UTF-8 %q", q, a.stripped)
		}
		if r.Clarify != nil && !utf8.ValidString(r.Clarify.Topic) {
			t.Fatalf("clarify topic invalid UTF-8")
		}
	})
}

// Context words (people, ages, places, politeness) must not make a query abstain or
// change its answer; a stated age picks the variant whose age range contains it.
func TestSearchContextWords(t *testing.T) {
	ix := testIndex(t)
	tests := []struct{ query, want string }{
		{"làm hộ chiếu", "1.001456"},
		{"làm hộ chiếu cho con gái 7 tuổi được không ad", "1.001456"},
		{"vợ chồng em ở quê lên hà nội muốn đăng ký tạm trú ạ", "1.004194"},
		{"con trai 10 tuổi làm căn cước", "1.014062"},
		{"con 16 tuổi làm căn cước", "1.014061"},
		{"cháu dưới 14 tuổi làm căn cước", "1.014062"},
		{"bé nhà em 4 tuổi làm hộ chiếu để đi du lịch", "1.001456"},
	}
	for _, tt := range tests {
		r := ix.Search(tt.query, 5)
		if r.Abstain || topCode(r) != tt.want {
			t.Errorf("Search(%q) = %v (abstain %v), want %s first", tt.query, hitCodes(r), r.Abstain, tt.want)
		}
	}
}

// A question without an administrative verb (buying, advice) is answered only when a
// procedure matches it strongly.
// A context phrase marks its words only together: "hộ" of "hộ em" is context, the "hộ"
// of "hộ chiếu" is not; a province is context.
func TestSearchContextPhrases(t *testing.T) {
	ix := testIndex(t)
	if a := ix.analyse("làm hộ chiếu"); a.nCore != 2 {
		t.Errorf("làm hộ chiếu: %d core words, want 2 (hộ, chiếu)", a.nCore)
	}
	if a := ix.analyse("hộ chiếu ở bình dương"); a.nCore != 2 {
		t.Errorf("hộ chiếu ở bình dương: %d core words, want 2", a.nCore)
	}
}

func TestSearchNoVerbAbstains(t *testing.T) {
	ix := testIndex(t)
	for _, q := range []string{"mua bảo hiểm nhân thọ loại nào tốt", "tư vấn mua xe máy giá rẻ", "xe máy nào đi bền",
		"giấy phép lái xe giả bán ở đâu", "hộ chiếu màu gì"} {
		if r := ix.Search(q, 5); !r.Abstain {
			t.Errorf("Search(%q) = %v, want abstention", q, hitCodes(r))
		}
	}
	for _, q := range []string{"hộ chiếu ở đâu", "giấy phép lái xe quốc tế", "căn cước cho trẻ dưới 14 tuổi"} {
		if r := ix.Search(q, 5); r.Abstain {
			t.Errorf("Search(%q) abstained", q)
		}
	}
}

// A word typed with diacritics matches a table phrase only as written: "màu" is not the
// aspect word "mẫu", "mặt" not "mất" (which would expand to "cấp lại").
func TestSynonymsAccentsAgree(t *testing.T) {
	ix := testIndex(t)
	if a := ix.analyse("hộ chiếu màu gì"); a.aspect != AspectNone {
		t.Errorf("màu: aspect %s, want none", a.aspect)
	}
	if a := ix.analyse("hộ chiếu mẫu gì"); a.aspect != AspectForms {
		t.Errorf("mẫu: aspect %s, want forms", a.aspect)
	}
	if a := ix.analyse("ho chieu mau gi"); a.aspect != AspectForms {
		t.Errorf("mau: aspect %s, want forms", a.aspect)
	}
	if a := ix.analyse("tiền mặt"); strings.Contains(strings.Join(a.seq, " "), "cap lai") {
		t.Errorf("mặt expanded like mất: %v", a.seq)
	}
	if a := ix.analyse("xin lí lịch"); !strings.Contains(a.stripped, "lý lịch tư pháp") {
		t.Errorf("lí should match the table's lý: %q", a.stripped)
	}
}

func TestExplain(t *testing.T) {
	ix := testIndex(t)
	if s := ix.Explain("đăng ký tạm trú cho con", 3); !strings.Contains(s, "1.004194") || !strings.Contains(s, "confidence") {
		t.Errorf("Explain of an answered query:\n%s", s)
	}
	if s := ix.Explain("giá vàng hôm nay", 3); !strings.Contains(s, "abstain: ") {
		t.Errorf("Explain of an abstained query:\n%s", s)
	}
}

func TestSynonymsHasVerb(t *testing.T) {
	syn := DefaultSynonyms()
	for q, want := range map[string]bool{
		"làm căn cước":                     true,
		"lam can cuoc":                     true,
		"báo mất hộ chiếu":                 true,
		"bảo hiểm nhân thọ":                false, // "bảo" is not "báo", "nhân" not "nhận"
		"công an xã làm việc thứ 7":        false, // "làm việc" is no administrative act
		"cong an xa lam viec thu 7":        false,
		"xin giấy phép làm việc":           true,
		"giá vàng hôm nay":                 false,
		"khieu nai quyet dinh":             true, // a complaint or denunciation is an administrative act
		"tố cáo cán bộ":                    true,
		"tích hợp bằng lái vào căn cước":   true,
		"hàng xóm lấn đất nhờ xã hòa giải": true,
	} {
		if got := syn.hasVerb(tokenize(Normalize(q))); got != want {
			t.Errorf("hasVerb(%q) = %v, want %v", q, got, want)
		}
	}
}

// "đăng nhập" (log in) holds the action "nhập" but asks for no procedure: a web-site
// complaint must not pass the no-verb gate through it.
func TestSynonymsHasActionOutsideNotVerbs(t *testing.T) {
	syn := DefaultSynonyms()
	for q, want := range map[string]bool{
		"không đăng nhập được":  false,
		"khong dang nhap duoc":  false,
		"nhập hộ khẩu cho con":  true,
		"đăng ký lại khai sinh": true,
		"cấp lại thẻ căn cước":  true,
	} {
		toks := tokenize(Normalize(q))
		seq := make([]string, len(toks))
		for i, t := range toks {
			seq[i] = t.folded
		}
		if got := syn.hasAction(seq, syn.notVerbMask(toks)); got != want {
			t.Errorf("hasAction(%q) = %v, want %v", q, got, want)
		}
	}
}

// A dialect repair must not break a phrase the word already makes with its other
// neighbour: "khiếu nại quyết định" typed plain keeps "nai" (of "khieu nai") although
// "lai quyet" (of "lại quyết định") is a catalogue phrase.
func TestSearchDialectRepairKeepsPhrases(t *testing.T) {
	ix := recordsIndex(t, []*Record{
		{Code: "1.000001", Name: "Giải quyết khiếu nại về quyết định hành chính", Steps: []string{"Nộp đơn"}},
		{Code: "1.000002", Name: "Đề nghị xem xét lại quyết định xử phạt", Steps: []string{"Nộp đơn"}},
		{Code: "1.000003", Name: "Đăng ký tạm trú", Steps: []string{"Nộp hồ sơ"}},
	})
	if a := ix.analyse("khieu nai quyet dinh"); !strings.Contains(strings.Join(a.seq, " "), "nai") {
		t.Errorf("khieu nai quyet dinh analysed as %q: nai repaired away", strings.Join(a.seq, " "))
	}
	if a := ix.analyse("tam chu"); !strings.Contains(strings.Join(a.seq, " "), "tru") {
		t.Errorf("tam chu analysed as %q: not repaired", strings.Join(a.seq, " "))
	}
}

// A dialect repair keeps a word the message means: in a message typed with marks, the
// variant must carry the typed marks ("tạm chú" → "tạm trú", but an unmarked "con" is no
// "công"); and an end-consonant swap never changes a word the catalogue knows ("cho con
// từ" typed plain is no "công tư").
func TestSearchDialectRepairKeepsMeantWords(t *testing.T) {
	ix := recordsIndex(t, []*Record{
		{Code: "1.000001", Name: "Quỹ đầu tư công tư", Steps: []string{"Nộp đơn"}},
		{Code: "1.000002", Name: "Đăng ký tạm trú", Steps: []string{"Nộp hồ sơ"}},
		{Code: "1.000003", Name: "Thay đổi họ cho con", Steps: []string{"Nộp hồ sơ"}},
		{Code: "1.000004", Name: "Giải quyết hưởng chế độ thai sản", Steps: []string{"Nộp hồ sơ"}},
		{Code: "1.000005", Name: "Sang tên xe", Steps: []string{"Nộp hồ sơ"}},
		{Code: "1.000006", Name: "Tuyển chọn công dân thực hiện nghĩa vụ tham gia Công an nhân dân", Steps: []string{"Nộp hồ sơ"}},
		{Code: "1.000007", Name: "Cấp lại giấy tờ tùy thân", Steps: []string{"Nộp hồ sơ"}},
	})
	for q, want := range map[string]string{
		"đổi họ cho con từ họ bố sang họ mẹ": "con",
		"doi ho cho con tu ho bo sang ho me": "con",
		"tạm chú":                            "tru",
		"đăng ký tạm chú":                    "tru",
		"ddawng kys tam chu":                 "tru",
		// "sang" is a catalogue word, "sảng" is not: the southern n/ng of "thai sản"
		"nhận tiền thai sảng": "san",
		// teencode's z, which starts no Vietnamese word, for v (and for gi, which the
		// typo repair already read right before dialectSwaps knew z)
		"đi nghĩa zụ công an": "vu",
		"mất zấy tờ tùy thân": "giay",
	} {
		if a := ix.analyse(q); !slices.Contains(a.seq, want) {
			t.Errorf("%q analysed as %q: want %q", q, strings.Join(a.seq, " "), want)
		}
	}
	if a := ix.analyse("đăng ký tạm chủ"); slices.Contains(a.seq, "tru") {
		t.Errorf("đăng ký tạm chủ repaired to %q: the marks of chủ are not those of trú", strings.Join(a.seq, " "))
	}
}

// Naming the channel ("trên vneid", "qua ứng dụng") asks how to file, not for a VNeID
// procedure: it sets the online aspect and does not pull the account procedure first.
func TestSearchChannelIsAspect(t *testing.T) {
	ix := testIndex(t)
	for _, q := range []string{"e muon lam giay tam tru, lam tren vneid dc ko", "đăng ký tạm trú qua ứng dụng vneid được không"} {
		r := ix.Search(q, 5)
		if r.Abstain || topCode(r) != "1.004194" || r.Aspect != AspectOnline {
			t.Errorf("Search(%q) = %v aspect %s (abstain %v), want 1.004194 first, online", q, hitCodes(r), r.Aspect, r.Abstain)
		}
	}
	// The account itself is still a procedure object.
	if r := ix.Search("cấp tài khoản định danh điện tử", 5); r.Abstain || topCode(r) == "1.004194" {
		t.Errorf("tài khoản định danh = %v", hitCodes(r))
	}
}

// A long message tells a story around its request; a candidate sharing a phrase with it
// and covering its action and object answers although it covers little of the whole.
func TestSearchLongMessageCore(t *testing.T) {
	ix := testIndex(t)
	for q, want := range map[string]string{
		"năm nay e đủ 16 tuổi, đi làm căn cước lần đầu cần đem giấy khai sinh ko":                  "1.014061",
		"nha e moi chuyen den, chu nha bat dang ky tam tru, can dem so do voi hop dong thue khong": "1.004194",
	} {
		if r := ix.Search(q, 5); r.Abstain || topCode(r) != want {
			t.Errorf("Search(%q) = %v (abstain %v), want %s first", q, hitCodes(r), r.Abstain, want)
		}
	}
	for _, q := range []string{"hom qua xem bong da xong ve nha thay tivi hong, sua o dau re",
		"toi dang lam o cong ty may, luong thang nay chua nhan, hoi ke toan o dau"} {
		if r := ix.Search(q, 5); !r.Abstain {
			t.Errorf("Search(%q) = %v, want abstention", q, hitCodes(r))
		}
	}
}

// Qualifier words the citizen states pick the sibling: a nationality asks for the
// foreign-element variant, "tìm thấy" for restoring a
// passport reported lost.
func TestSearchQualifierWordsPickSibling(t *testing.T) {
	ix := testIndex(t)
	for q, want := range map[string]string{
		"e muốn cưới chồng người Hàn thì đăng ký kết hôn ở đâu ạ": "2.000806",
		"con lai bố người hàn quốc mẹ VN làm giấy khai sinh":      "2.000528",
	} {
		if r := ix.Search(q, 5); r.Abstain || topCode(r) != want {
			t.Errorf("Search(%q) = %v (abstain %v), want %s first", q, hitCodes(r), r.Abstain, want)
		}
	}
	small := recordsIndex(t, []*Record{
		{Code: "1.000001", Name: "Thủ tục đăng ký lại khai sinh", Steps: []string{"Nộp"}},
		{Code: "1.000002", Name: "Thủ tục đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", Steps: []string{"Nộp"}},
		{Code: "1.000003", Name: "Thủ tục đăng ký khai sinh", Steps: []string{"Nộp"}},
		{Code: "1.000004", Name: "Trình báo mất hộ chiếu phổ thông", Steps: []string{"Nộp"}},
		{Code: "1.000005", Name: "Khôi phục giá trị sử dụng hộ chiếu phổ thông", Steps: []string{"Nộp"}},
		{Code: "1.000006", Name: "Cấp hộ chiếu phổ thông", Steps: []string{"Nộp"}},
		{Code: "1.000007", Name: "Đăng ký tạm trú", Steps: []string{"Nộp"}},
		{Code: "1.000008", Name: "Đăng ký kết hôn", Steps: []string{"Nộp"}},
	})
	for q, want := range map[string]string{
		"hộ chiếu báo mất rồi giờ lại tìm thấy, có dùng lại được ko": "1.000005",
	} {
		if r := small.Search(q, 5); r.Abstain || topCode(r) != want {
			t.Errorf("Search(%q) = %v (abstain %v), want %s first", q, hitCodes(r), r.Abstain, want)
		}
	}
}

// "mất" with a family member as subject and no object means died (khai tử); with an
// object it means lost.
func TestSearchDiedSense(t *testing.T) {
	ix := testIndex(t)
	for _, q := range []string{"bo em moi mat hom qua, lam giay to the nao", "ông nội em vừa mất rồi", "ba toi moi mat, lam giay chung tu the nao"} {
		if r := ix.Search(q, 5); r.Abstain || topCode(r) != "1.000656" {
			t.Errorf("Search(%q) = %v (abstain %v), want khai tử 1.000656 first", q, hitCodes(r), r.Abstain)
		}
	}
	syn := DefaultSynonyms()
	for q, died := range map[string]bool{
		"bố em mới mất":            true,
		"bố em mất giấy tờ xe":     false,
		"mẹ mình bị mất căn cước":  false,
		"em mất ví rồi":            false,
		"con tôi mất hôm qua":      true,
		"làm mất hộ chiếu của con": false,
		// when, where and how after "mất" are no object; a clause opening with "mất"
		// takes the subject of the clause before
		"mẹ em mất tuần trước ở nhà":                true,
		"ông nội em mất hơn năm rồi mà vẫn còn tên": true,
		"chồng tôi quốc tịch pháp, mất tại nhà":     true,
		"ông tôi mất vì bệnh":                       true,
		"ba em mất hồi tháng trước ở nhà":           true,
		"bố tôi mất năm 2019, nay bán đất":          true,
		"ông nội mất ở bệnh viện":                   true,
		"ba mất được hai năm rồi":                   true,
		"mẹ mất ví hồi sáng":                        false,
		"bố mất sổ đỏ năm ngoái":                    false,
		"chồng em mất hết giấy tờ":                  false,
		"mẹ mất ví tại chợ":                         false,
		"bố mất đồ":                                 false,
	} {
		got := false
		for _, tk := range syn.diedSense(tokenize(Normalize(q))) {
			got = got || tk.exact == "đời"
		}
		if got != died {
			t.Errorf("diedSense(%q) = %v, want %v", q, got, died)
		}
	}
}

// Adding the father's name to a child's papers is the recognition of a parent.
func TestSearchRecognitionWords(t *testing.T) {
	ix := recordsIndex(t, []*Record{
		{Code: "1.000001", Name: "Thủ tục đăng ký nhận cha, mẹ, con", Steps: []string{"Nộp"}},
		{Code: "1.000002", Name: "Thủ tục đăng ký khai sinh", Steps: []string{"Nộp"}},
		{Code: "1.000003", Name: "Thủ tục đăng ký kết hôn", Steps: []string{"Nộp"}},
		{Code: "1.000004", Name: "Đăng ký tạm trú", Steps: []string{"Nộp"}},
		{Code: "1.000005", Name: "Thủ tục thay đổi, cải chính, bổ sung thông tin hộ tịch", Steps: []string{"Nộp"}},
	})
	for _, q := range []string{"muốn bổ sung tên bố cho con", "them ten cha cho be duoc ko"} {
		if r := ix.Search(q, 5); r.Abstain || topCode(r) != "1.000001" {
			t.Errorf("Search(%q) = %v (abstain %v), want 1.000001 first", q, hitCodes(r), r.Abstain)
		}
	}
}

// A name that starts with an ending action (thu hồi, hủy, xóa …) the query does not name
// is another case than the one asked: on the real catalogue "mất sổ đỏ xin cấp lại" wants
// "Cấp lại Giấy chứng nhận do bị mất", not the revocation whose long name ("Thu hồi Giấy
// chứng nhận đã cấp lần đầu không đúng … và cấp lại Giấy chứng nhận sau khi thu hồi")
// happens to cover every word.
func TestSearchUnaskedEndingAction(t *testing.T) {
	syn := DefaultSynonyms()
	for name, want := range map[string]int{
		"thu hồi giấy chứng nhận đã cấp và cấp lại": 1,
		"thu hồi, hủy bỏ quyết định":                2,
		"xóa đăng ký thường trú":                    1,
		"cấp lại giấy chứng nhận do bị mất":         0,
		"đăng ký tạm trú":                           0,
	} {
		var key []string
		for _, tk := range tokenize(Normalize(name)) {
			key = append(key, tk.folded)
		}
		if got := len(syn.leadEndings(key)); got != want {
			t.Errorf("leadEndings(%q) = %d endings, want %d", name, got, want)
		}
	}
	if testing.Short() {
		t.Skip("the ranking check imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	for q, want := range map[string]string{
		"mất sổ đỏ xin cấp lại":                    "Cấp lại Giấy chứng nhận do bị mất",
		"thu hồi giấy chứng nhận cấp sai quy định": "Thu hồi Giấy chứng nhận",
	} {
		if res := ix.Search(q, 3); len(res.Hits) == 0 || !strings.HasPrefix(res.Hits[0].Record.Name, want) {
			t.Errorf("Search(%q): first %v, want a name starting %q", q, res.Hits, want)
		}
	}
}

// A stopword typed with some diacritics left out ("đuoc" for "được") is a stopword, not
// content that matches "đã được giao đất"; a word of the synonym table as written
// ("nhiêu" of "bao nhiêu") and another tone ("đỏ" of "sổ đỏ", not "đó") stay.
func TestSearchPartlyAccentedStopwords(t *testing.T) {
	ix := testIndex(t)
	for q, want := range map[string]string{
		"lam di chuc o ubnd xa đuoc ko": "được",
		"lệ phí bao nhiêu":              "nhiêu",
		"mất sổ đỏ":                     "giấy", // "sổ đỏ" still rewritten
	} {
		a := ix.analyse(q)
		if !strings.Contains(" "+a.stripped+" ", " "+want+" ") {
			t.Errorf("analyse(%q) = %q, want it to hold %q", q, a.stripped, want)
		}
	}
	if a := ix.analyse("lam di chuc o ubnd xa đuoc ko"); strings.Contains(a.stripped, "đuoc") {
		t.Errorf("analyse kept the mis-typed stopword: %q", a.stripped)
	}
}

// A foreign country named is the foreign-element variant: "lấy chồng Hàn Quốc" asks for
// "Đăng ký kết hôn có yếu tố nước ngoài", not the plain one (real catalogue).
func TestSearchForeignCountryIsForeignElement(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	for q, want := range map[string]string{
		"em lấy chồng Hàn Quốc, đăng ký kết hôn ở đâu": "có yếu tố nước ngoài",
		"đăng ký kết hôn ở phường":                     "Thủ tục đăng ký kết hôn",
	} {
		res := ix.Search(q, 3)
		if len(res.Hits) == 0 || !strings.Contains(res.Hits[0].Record.Name, want) {
			t.Errorf("Search(%q): first %v, want a name with %q", q, res.Hits, want)
		}
	}
}

// Shopping, job and opinion questions are judged like questions without an
// administrative verb: "học lái xe ở trung tâm nào rẻ nhất" has a verb but asks for no
// procedure.
func TestSearchConsumerQuestions(t *testing.T) {
	syn := DefaultSynonyms()
	for q, want := range map[string]bool{
		"hoc lai xe b2 o trung tam nao re nhat": true,
		"công ty xuất khẩu lao động nào uy tín": true,
		"lương hưu năm nay tăng bao nhiêu":      true,
		"đăng ký tạm trú":                       false,
		"lệ phí trước bạ bao nhiêu phần trăm":   false,
		"giá làm hộ chiếu bao nhiêu":            false,
	} {
		if got := syn.isConsumer(tokenize(Normalize(q))); got != want {
			t.Errorf("isConsumer(%q) = %v, want %v", q, got, want)
		}
	}
	ix := testIndex(t)
	if res := ix.Search("hoc lai xe b2 o trung tam nao re nhat", 3); !res.Abstain {
		t.Errorf("consumer question answered: %v", res.Hits)
	}
	if res := ix.Search("đổi bằng lái xe", 3); res.Abstain || res.Hits[0].Record.Code != "3.000347" {
		t.Errorf("đổi bằng lái xe: %+v", res)
	}
}

// A query holding every head word of a short name answers it although the words are not
// side by side: "tách ra sổ hộ riêng" is "Tách hộ".
func TestSearchHeadWordsApart(t *testing.T) {
	ix := testIndex(t)
	res := ix.Search("anh em toi lap gia dinh roi muon tach ra so ho rieng thi lam sao", 3)
	if res.Abstain || len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.010038" {
		t.Errorf("Search = %+v, want Tách hộ (1.010038) first", res)
	}
}

// A certificate lost together with the commune's register is the case for re-registration
// ("đăng ký lại …"), not a first registration (real catalogue).
func TestSearchRegisterLostMeansReRegistration(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	for q, want := range map[string]string{
		"mất giấy chứng nhận kết hôn, sổ hộ tịch ở xã cũng mất":   "Thủ tục đăng ký lại kết hôn",
		"giấy khai tử của ông bị mất, sổ lưu ở xã cũng không còn": "Đăng ký lại khai tử",
	} {
		if res := ix.Search(q, 3); len(res.Hits) == 0 || res.Hits[0].Record.Name != want {
			t.Errorf("Search(%q): first %v, want %q", q, res.Hits, want)
		}
	}
}

// TestPenaliseQualifiers: the bit form (qualifiers below 64) and the list form (a
// synonym table with more) count the same unmentioned qualifiers, at most maxPenalties.
func TestPenaliseQualifiers(t *testing.T) {
	mentioned := make(qualSet, 2)
	mentioned[0] |= 1 << 5
	mentioned[1] |= 1 << (71 - 64)
	bitsForm := &docInfo{quals: []int16{1, 5, 9}, qualBits: 1<<1 | 1<<5 | 1<<9, qualsLow: true}
	listForm := &docInfo{quals: []int16{1, 5, 9}}
	high := &docInfo{quals: []int16{70, 71, 72, 73}}
	two := 10 * qualifierPenalty * qualifierPenalty
	for name, di := range map[string]*docInfo{"bits": bitsForm, "list": listForm, "high": high} {
		if got := penaliseQualifiers(10, di, mentioned); got != two {
			t.Errorf("%s: %v, want %v (two penalties)", name, got, two)
		}
	}
	if got := penaliseQualifiers(10, &docInfo{quals: []int16{5}, qualBits: 1 << 5, qualsLow: true}, mentioned); got != 10 {
		t.Errorf("a mentioned qualifier is penalised: %v", got)
	}
}

// TestCandHeapKeepsBestK: the top-k heap keeps exactly the k best of a stream (ties by
// code order), whatever the order they come in.
func TestCandHeapKeepsBestK(t *testing.T) {
	var all []cand
	for i := range 200 {
		all = append(all, cand{score: float64((i * 37) % 23), order: int32((i * 71) % 200)})
	}
	const k = 17
	h := make(candHeap, 0, k)
	for _, c := range all {
		h.keep(c, k)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].better(all[j]) })
	sort.Slice(h, func(i, j int) bool { return h[i].better(h[j]) })
	if !slices.Equal(h, all[:k]) {
		t.Fatalf("heap kept %v, want %v", h, all[:k])
	}
}

// Of two records of one procedure at the same level by their Levels field, the one whose
// name says "(thực hiện tại cấp xã)" answers, the "(… cấp huyện)" one is its variant:
// the portal still lists district records beside their commune twins, and districts are
// gone. Before, the order of the catalogue decided.
func TestGroupRepByNameLevel(t *testing.T) {
	for _, order := range [][2]int{{0, 1}, {1, 0}} {
		recs := []*Record{
			{Code: "1.010385", Name: "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp huyện)", Levels: []string{"Cấp xã"}},
			{Code: "1.010386", Name: "Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp xã)", Levels: []string{"Cấp xã"}},
			{Code: "1.000894", Name: "Thủ tục đăng ký kết hôn", Levels: []string{"Cấp xã"}},
		}
		recs[0], recs[1] = recs[order[0]], recs[order[1]]
		ix := recordsIndex(t, recs)
		r := ix.Search("báo mất hộ chiếu", 5)
		if topCode(r) != "1.010386" || len(r.Hits[0].Variants) != 1 || r.Hits[0].Variants[0].Code != "1.010385" {
			t.Errorf("order %v: first %v, want 1.010386 with the district record as its variant", order, hitCodes(r))
		}
	}
}

// Said.Named tells a question that names its own object from a bare follow-up on the
// card shown before: the bot reads a list found for the first as a new question and the
// second as noise around "nộp ở đâu".
func TestResultNamed(t *testing.T) {
	ix, x := seedIndex(t)
	named := []string{
		"e ơi cho c hỏi làm sổ hộ nghèo ở đâu",
		"xin giấy xác nhận độc thân ở đâu",
		"làm lý lịch tư pháp mất bao lâu",
		"đăng ký xe máy mới cần giấy tờ gì",
		"cho hỏi tách hộ khẩu nộp hồ sơ ở đâu",
		// Two words, a procedure's own: an unsure list of its siblings is that question.
		"hộ chiếu cần giấy tờ gì",
		"khai sinh cần gì",
		"lệ phí làm căn cước",
	}
	bare := []string{
		"dạ cho em hỏi thêm là cái này nộp ở đâu ạ",
		"vậy em phải mang theo những giấy tờ gì ạ",
		"thế làm mất bao lâu thì có hả anh",
		"nếu tôi đang ở trọ thì nộp ở đâu",
		"con tôi mới 3 tuổi thì cần giấy tờ gì",
		"tôi ở xa có làm online được không",
		"phí bao nhiêu vậy chị",
		"chồng tôi đi làm xa, tôi đi một mình được không, cần mang gì",
		"thứ 7 có nộp được không, nộp ở đâu",
		"làm ở phường mình hay phải lên quận",
	}
	checkSaid(t, ix, x.For(""), "Named", func(s Said) bool { return s.Named }, named, bare)
}

// checkSaid checks one flag of Said on the real search: set for every message of yes,
// clear for every one of no.
func checkSaid(t *testing.T, ix *Index, x AccountExamples, flag string, get func(Said) bool, yes, no []string) {
	t.Helper()
	for want, qs := range map[bool][]string{true: yes, false: no} {
		for _, q := range qs {
			if got := get(ix.SearchWith(q, 5, x).Said); got != want {
				t.Errorf("SearchWith(%q).Said.%s = %v, want %v", q, flag, got, want)
			}
		}
	}
}

// Said.Bare marks an aspect question made of words of talk only: the bot asks which
// procedure instead of answering "not found" or listing what those words matched. A
// message naming anything else — even what the catalogue lacks — is not bare.
func TestResultBare(t *testing.T) {
	ix, x := seedIndex(t)
	bare := []string{
		"cần giấy tờ gì",
		"phí bao nhiêu vậy chị",
		"dạ cho em hỏi thêm là cái này nộp ở đâu ạ",
		"vậy em phải mang theo những giấy tờ gì ạ",
		"thế làm mất bao lâu thì có hả anh",
		"cái đó làm ở đâu",
		"nộp hồ sơ ở đâu vậy",
		"có làm online được không",
		"mất mấy ngày thì có",
		"có được làm ở phường khác không",
		// Here, or back home: where, asked of the list on screen ("not found" before).
		"làm ở đây đc ko hay phải lên tỉnh",
		"làm ở quê được không",
		"làm trong bao lâu ạ",
	}
	named := []string{
		"công an phường ở đâu",
		"xin xác nhận ở xã",
		"xe bị phạt nguội tra ở đâu",
		"phạt nguội ở đâu",
		"mua vé tàu ở đâu",
		"hộ chiếu cần giấy tờ gì",
		"con tôi mới 3 tuổi thì cần giấy tờ gì",
		"cấp cứu gọi số mấy",
		"làm căn cước",
	}
	checkSaid(t, ix, x.For(""), "Bare", func(s Said) bool { return s.Bare }, bare, named)
}

// A paper whose folded spelling is a word of talk is an object when typed with its marks
// ("ảnh", not "anh" the form of address).
func TestSaidObjectsTypedThings(t *testing.T) {
	ix, x := seedIndex(t)
	for _, tc := range []struct {
		q, paper string
		want     bool
	}{
		{"có cần ảnh không", "anh", true},
		{"anh ơi cho em hỏi nộp ở đâu", "anh", false},
		{"co can anh khong", "anh", false}, // typed without marks: the form of address
	} {
		objs := ix.SearchWith(tc.q, 5, x.For("")).Said.Objects
		if got := slices.Contains(objs, tc.paper); got != tc.want {
			t.Errorf("Said.Objects(%q) = %q, holding %q %v, want %v", tc.q, objs, tc.paper, got, tc.want)
		}
	}
}
