package procedures

import (
	"slices"
	"strings"
	"testing"
)

const marriageStory = "Chào anh chị. Năm ngoái vợ chồng tôi đã đăng ký kết hôn ở xã bên vợ, cưới xong thì vợ tôi về ở hẳn với nhà tôi. Giờ muốn nhập hộ khẩu cho vợ vào nhà mình thì cần giấy tờ gì ạ"

// Clauses split at commas and sentence ends; a request word makes its clause ask, a
// question mark its whole sentence.
func TestClauses(t *testing.T) {
	syn := DefaultSynonyms()
	for _, tc := range []struct {
		text string
		asks []bool
	}{
		{marriageStory, []bool{false, false, false, true}},
		{"nhà tôi ở quê, con đi học xa, làm tạm trú ở phường nào?", []bool{true, true, true}},
		{"con tôi mới sinh. dc ko a", []bool{false, true}},
		{"tôi bị mất ví hôm qua", []bool{false}},
		// A clause telling what was done ("… rồi") does not ask, whatever its words
		// ("làm ở") or the sentence's question mark.
		{"giấy kết hôn làm ở xã bên vợ rồi. giờ nhập khẩu cho vợ thì cần gì", []bool{false, true}},
		{"giấy kết hôn làm ở xã bên vợ rồi ạ, giờ nhập khẩu cho vợ thì cần gì?", []bool{false, true}},
		{"hộ chiếu hết hạn rồi, làm lại ở đâu?", []bool{false, true}},
	} {
		cs := syn.clauses(tokenize(Normalize(tc.text)))
		var got []bool
		for _, c := range cs {
			got = append(got, c.asks)
		}
		if len(got) != len(tc.asks) {
			t.Errorf("%q: %d clauses %v, want %v", tc.text, len(got), got, tc.asks)
			continue
		}
		for i := range got {
			if got[i] != tc.asks[i] {
				t.Errorf("%q: asks %v, want %v", tc.text, got, tc.asks)
				break
			}
		}
	}
}

// The narration of a long message is marked; a short message, one that asks with no
// word of its own ("thủ tục thế nào ạ?") or that asks in every clause is read whole.
func TestNarration(t *testing.T) {
	ix := builtinIndex(t)
	toks := tokenize(Normalize(marriageStory))
	narr := ix.narration(toks)
	if narr == nil {
		t.Fatal("the story has no narration")
	}
	var told, asked []string
	for i, tk := range toks {
		if narr[i] {
			told = append(told, tk.exact)
		} else {
			asked = append(asked, tk.exact)
		}
	}
	if got := strings.Join(asked, " "); got != "giờ muốn nhập hộ khẩu cho vợ vào nhà mình thì cần giấy tờ gì ạ" {
		t.Errorf("the need read: %q", got)
	}
	if !strings.Contains(strings.Join(told, " "), "đăng ký kết hôn") {
		t.Errorf("the marriage is not narration: %q", told)
	}
	for _, whole := range []string{
		"muốn nhập hộ khẩu cho vợ thì cần giấy tờ gì",
		"Năm ngoái vợ chồng tôi đã đăng ký kết hôn ở xã bên vợ, cưới xong vợ tôi về ở hẳn nhà tôi, nay chuyển hộ khẩu về. Thủ tục thế nào ạ?",
		"Cho em hỏi đăng ký tạm trú ở đâu, cần giấy tờ gì, mất bao lâu, làm online được không ạ?",
	} {
		if narr := ix.narration(tokenize(Normalize(whole))); narr != nil {
			t.Errorf("%q: narration %v, want the message read whole", whole, narr)
		}
	}
}

// A story whose side words name another procedure (the marriage) gets the need it asks
// (the residence) first; reading every word alike, as before, put the marriage first.
func TestLongStoryFindsTheNeed(t *testing.T) {
	ix := builtinIndex(t)
	res := ix.Search(marriageStory, 5)
	if len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.004222" {
		t.Fatalf("story: got %+v, want 1.004222 (thường trú) first", res.Hits)
	}
	// The marriage told as done ("… rồi") even with a place word ("làm ở").
	const done = "Thằng út nhà tôi mới cưới vợ quê Nghệ An, giấy đăng ký kết hôn làm ở xã bên vợ rồi. Giờ con dâu về ở với gia đình tôi, muốn nhập hộ khẩu cho nó thì cần giấy tờ gì, chủ hộ có phải ký không ạ?"
	if res := ix.Search(done, 5); len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.004222" {
		t.Errorf("story told as done: got %+v, want 1.004222 (thường trú) first", res.Hits)
	}
	whole := ix.analyseWhole(marriageStory)
	if r := ix.searchAnalysed(&whole, 5, nil); len(r.Hits) == 0 || r.Hits[0].Record.Code != "1.000894" {
		t.Errorf("read whole, the story no longer puts the marriage (1.000894) first: pick a story that shows what narration does")
	}
}

// Of a message too long to read in full, narration goes from the start first, so the
// need at the end is kept.
func TestCapWordsDropsNarrationFirst(t *testing.T) {
	story := strings.Repeat("hôm trước nhà tôi có việc, ", 20) + "giờ muốn đăng ký tạm trú cho cháu thì làm ở đâu ạ"
	ix := builtinIndex(t)
	toks := tokenize(Normalize(story))
	narr := ix.narration(toks)
	if narr == nil {
		t.Fatal("no narration found")
	}
	kept, keptNarr := capWords(toks, narr)
	if len(kept) != maxQueryWords || len(keptNarr) != maxQueryWords {
		t.Fatalf("kept %d words (%d marks), want %d", len(kept), len(keptNarr), maxQueryWords)
	}
	var words []string
	for _, tk := range kept {
		words = append(words, tk.exact)
	}
	if got := strings.Join(words, " "); !strings.HasSuffix(got, "giờ muốn đăng ký tạm trú cho cháu thì làm ở đâu ạ") {
		t.Errorf("the end was not kept: %q", got)
	}
	if keptNarr[len(keptNarr)-1] {
		t.Error("the request is marked narration")
	}
	// Without narration marks the message is cut at its end, as before.
	if kept, _ := capWords(toks, nil); kept[len(kept)-1].exact == "ạ" {
		t.Error("a message without narration kept its end")
	}
}

// A line break ends a sentence unless punctuation already ends it.
func TestBreakLines(t *testing.T) {
	for in, want := range map[string]string{
		"không xuống dòng":          "không xuống dòng",
		"bà em mất\nlàm giấy ở đâu": "bà em mất. làm giấy ở đâu",
		"hỏi chút ạ?\ncần gì":       "hỏi chút ạ? cần gì",
		"xe cũ,\r\nsang tên":        "xe cũ,  sang tên",
		"\nđầu dòng\n\ncuối\n":      " đầu dòng.  cuối. ",
		"a\u2028b":                  "a. b",
	} {
		if got := breakLines(in); got != want {
			t.Errorf("breakLines(%q) = %q, want %q", in, got, want)
		}
	}
}

// A message written as lines, as on a phone, is read as the same message with a full stop
// at the end of each line: its clauses, narration and need are found alike.
func TestLinesReadAsSentences(t *testing.T) {
	ix, x := nationalSeeded(t)
	for _, lines := range []string{
		"em chào anh chị\nem mới mua xe máy cũ của người quen\nxe vẫn đứng tên chủ cũ\nem muốn sang tên thì làm sao ạ",
		"Chào anh chị\nBà nội em mất hôm qua ở nhà\nGiờ nhà em phải làm giấy báo tử ở đâu ạ",
		"dạ cho em hỏi\ncon em 14 tuổi\nlàm căn cước cho cháu cần mang gì\nem cảm ơn",
	} {
		stops := strings.ReplaceAll(lines, "\n", ". ")
		got, want := ix.SearchWith(lines, 5, x), ix.SearchWith(stops, 5, x)
		if !slices.Equal(hitCodes(got), hitCodes(want)) || got.Confidence != want.Confidence || got.Abstain != want.Abstain {
			t.Errorf("%q: %v %s, want %v %s as with full stops", lines, hitCodes(got), got.Confidence, hitCodes(want), want.Confidence)
		}
	}
}

// A message splits into sentences at full stops, exclamation and question marks,
// semicolons, ellipses and line breaks, keeping its punctuation; commas do not split.
func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Chào anh chị. Bà muốn làm di chúc! Có được không?", []string{"Chào anh chị.", "Bà muốn làm di chúc!", "Có được không?"}},
		{"dòng một\ndòng hai; dòng ba… ", []string{"dòng một.", "dòng hai;", "dòng ba…"}},
		{"một câu, hai vế", []string{"một câu, hai vế"}},
		{" . ? ", nil},
	} {
		if got := sentences(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("sentences(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// A story that matches nothing read whole, nor by its asking clauses, is answered by its
// strongest sentence — with a list, never a card — and a story that is no procedure of
// ours stays refused.
func TestStorySentenceAnswers(t *testing.T) {
	ix, x := nationalSeeded(t)
	const student = "Chào anh chị. Em là sinh viên năm hai, quê ở Quảng Ngãi, hồi đó đi học sớm nên chưa kịp làm căn cước. Giờ em ở ký túc xá trên thành phố. Em làm ở công an phường gần trường được không ạ?"
	a, w := ix.analyse(student), ix.analyseWhole(student)
	if !a.narrated || !ix.searchAnalysed(&a, 5, nil).Abstain || !ix.searchAnalysed(&w, 5, nil).Abstain {
		t.Fatal("the story is found by its asking clauses or whole: pick one that shows the sentence fallback")
	}
	res := ix.SearchWith(student, 5, x)
	if res.Abstain || len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.014061" {
		t.Errorf("student: %v abstain %v, want 1.014061 (the first identity card) first", hitCodes(res), res.Abstain)
	}
	if res.Confidence == ConfidenceOne {
		t.Errorf("student: a card from one sentence of a story, want a list")
	}
	// Not even when an office taught the sentence itself, which alone answers with a card.
	sentence := "Em là sinh viên năm hai, quê ở Quảng Ngãi, hồi đó đi học sớm nên chưa kịp làm căn cước."
	seed, err := SeedExamples()
	if err != nil {
		t.Fatal(err)
	}
	taught := ix.NewExamples(append(seed, Example{ID: "s1", Account: "ward", Query: sentence, Code: "1.014061"})).For("ward")
	if res := ix.SearchWith(sentence, 5, taught); res.Confidence != ConfidenceOne {
		t.Fatalf("the sentence alone: %s, want a card (the office's example)", res.Confidence)
	}
	if res := ix.SearchWith(student, 5, taught); res.Confidence == ConfidenceOne {
		t.Errorf("student, with the office's example of its sentence: a card, want a list")
	}
	const flood = "Em chào anh chị ạ. Nhà em ở cuối hẻm, mấy năm nay cứ mưa lớn là nước ngập tới gối, em góp ý với tổ dân phố hoài mà chưa thấy ai sửa. Hôm qua con em còn bị té xe vì ổ gà. Em phải gửi đơn cho ai ạ?"
	if res := ix.SearchWith(flood, 5, x); !res.Abstain {
		t.Errorf("flooded lane: %v, want a refusal", hitCodes(res))
	}
}

// Explain shows the reading a story was answered with: with the sentence search, the
// last sentence tried is not always the one that answers.
func TestExplainShowsTheSentenceAnswered(t *testing.T) {
	ix, _ := nationalSeeded(t)
	const story = "Tôi năm nay 78 tuổi, sức khỏe yếu dần. Tôi muốn viết sẵn giấy để lại căn nhà cho thằng út vì nó ở với tôi chăm sóc, tránh sau này các con tranh giành. Tôi đi lại khó khăn, cán bộ phường có thể đến tận nhà xác nhận cho tôi được không?"
	var dg diag
	res := ix.search(story, 5, &dg)
	if res.Abstain || len(dg.cands) == 0 {
		t.Fatalf("the story was refused (%s): pick one the sentence search answers", dg.reason)
	}
	if got, want := ix.docs[dg.cands[0].doc].rec.Code, res.Hits[0].Record.Code; got != want {
		t.Errorf("diagnosis leads with %s, the answer with %s", got, want)
	}
}
