package bot

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// longRecord has sections far over one message.
func longRecord() *procedures.Record {
	r := &procedures.Record{Code: "9.000001", Name: strings.Repeat("Thủ tục rất dài ", 30)}
	for i := 0; i < 40; i++ {
		r.Steps = append(r.Steps, fmt.Sprintf("Bước thứ %d của thủ tục, mô tả dài: %s", i+1, strings.Repeat("nội dung chi tiết ", 8)))
		r.Documents = append(r.Documents, procedures.Document{Name: fmt.Sprintf("Giấy tờ số %d %s", i+1, strings.Repeat("kèm theo ", 10)), Originals: 1})
	}
	r.Steps = append(r.Steps, strings.Repeat("Mộtbướcrấtdàikhôngcókhoảngtrắng", 80))
	r.Where = strings.Repeat("Nơi nộp rất dài ", 100)
	r.Channels = []procedures.Channel{{Kind: "direct", Time: strings.Repeat("lâu ", 100), Fee: "1 đồng"}, {Kind: "online", Time: "1 ngày", Fee: strings.Repeat("phí ", 100)}}
	return r
}

func TestSectionsSplitAndFit(t *testing.T) {
	tx := DefaultTexts()
	r := longRecord()
	for _, s := range []Section{SectionCard, SectionDocs, SectionSteps, SectionFee, SectionForms, SectionOnline, SectionPlace, SectionQR} {
		rs := renderSection(&tx, r, s)
		for i, rep := range rs {
			m := rep.message()
			if rep.QRCode != "" {
				m.Image = &zalo.Image{AttachmentID: "a"}
			}
			if err := m.Validate(); err != nil {
				t.Errorf("section %v part %d: %v", s, i+1, err)
			}
			if len(rs) > 1 && !strings.Contains(strings.SplitN(rep.Text, "\n", 2)[0], fmt.Sprintf("(%d/%d)", i+1, len(rs))) {
				t.Errorf("section %v part %d heading %q has no part number", s, i+1, strings.SplitN(rep.Text, "\n", 2)[0])
			}
		}
		if (s == SectionSteps || s == SectionDocs) && len(rs) < 2 {
			t.Errorf("section %v: %d messages, want a split", s, len(rs))
		}
	}
	// The steps split keeps each line whole, in order, in at most maxSectionParts
	// messages; the last says how many steps are left and where they all are.
	r.PortalURL = "https://dichvucong.gov.vn/p/9"
	parts := renderSection(&tx, r, SectionSteps)
	if len(parts) != maxSectionParts {
		t.Fatalf("steps in %d messages, want %d", len(parts), maxSectionParts)
	}
	var all []string
	for _, rep := range parts {
		all = append(all, strings.SplitN(rep.Text, "\n", 2)[1])
	}
	joined := strings.Join(all, "\n")
	kept := 0
	for kept < 40 && strings.Contains(joined, fmt.Sprintf("Bước %d: Bước thứ %d của thủ tục", kept+1, kept+1)) {
		kept++
	}
	more := fill(tx.SectionMore, "n", strconv.Itoa(41-kept), "url", r.PortalURL)
	if kept < 10 || !strings.HasSuffix(joined, more) {
		t.Errorf("steps kept %d, then %q; want the rest counted and linked:\n…%s", kept, more, joined[max(0, len(joined)-300):])
	}
	// Without a portal page, the officer is the way to the rest.
	r.PortalURL = ""
	r.Documents = append(r.Documents, r.Documents...)
	parts = renderSection(&tx, r, SectionDocs)
	if last := parts[len(parts)-1].Text; len(parts) > maxSectionParts || !strings.Contains(last, "… còn ") || strings.Contains(last, "http") {
		t.Errorf("documents without a portal page: %d messages, last ends %q", len(parts), last[max(0, len(last)-120):])
	}
}

func TestGoldenSplitSection(t *testing.T) {
	tx := DefaultTexts()
	r := longRecord()
	r.Steps = r.Steps[:12]
	var msgs []zalo.Message
	for _, rep := range renderSection(&tx, r, SectionSteps) {
		msgs = append(msgs, rep.message())
	}
	golden(t, "section_split", msgs)
}

// CardMessages is the card the conversation sends, with the account's wording; poster short
// codes work too; unknown accounts and codes are errors.
func TestCardMessages(t *testing.T) {
	h := newHarness(t, func(a *Account) { a.Texts = map[string]string{"card_footer": "Chân trang riêng."} })
	got, err := h.b.CardMessages("benthanh", "1.014061")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Text, "1.014061") || !strings.Contains(got[0].Text, "Chân trang riêng.") || len(got[0].Buttons) == 0 {
		t.Fatalf("CardMessages = %+v", got)
	}
	if err := got[0].Validate(); err != nil {
		t.Errorf("card does not validate: %v", err)
	}
	chat := h.text("#TTHC 1.014061")
	found := false
	for _, m := range chat {
		found = found || cmp.Equal(m, got[0])
	}
	if !found {
		t.Errorf("the conversation's card differs from CardMessages:\n%s\nvs\n%s", describe(chat), describe(got))
	}
	short, err := h.b.CardMessages("benthanh", "24")
	if err != nil || len(short) != 1 || !strings.Contains(short[0].Text, "1.001456") {
		t.Errorf("CardMessages by short code 24 = %+v, %v", short, err)
	}
	if _, err := h.b.CardMessages("nowhere", "1.014061"); err == nil {
		t.Error("unknown account: no error")
	}
	if _, err := h.b.CardMessages("benthanh", "9.999999"); err == nil {
		t.Error("unknown code: no error")
	}
}

// A search hit with variants names them (agency without its bracketed detail, code) above
// the footer, at most maxVariantsListed and never the card's own code; without variants
// there is no such line; when the line would push the card over one message it is left
// out and the card is otherwise unchanged.
func TestCardVariantsLine(t *testing.T) {
	tx := DefaultTexts()
	cat := loadTestCatalog(t)
	recs := cat.records("1.014063", "2.001195")
	r, province := recs[0], recs[1]
	prefix := "Thủ tục này cũng làm được ở: "

	with := renderCardVariants(&tx, r, []*procedures.Record{province, r}).Text
	want := prefix + "Công an cấp tỉnh (mã 2.001195). Nhắn mã để xem thủ tục đó.\n" + tx.CardFooter
	if !strings.HasSuffix(with, want) {
		t.Errorf("card with a variant ends\n%s\nwant suffix\n%s", with, want)
	}
	plain := renderCard(&tx, r).Text
	if strings.Contains(plain, prefix) || renderCardVariants(&tx, r, nil).Text != plain {
		t.Errorf("card without variants names some:\n%s", plain)
	}
	if got := renderCardVariants(&tx, r, []*procedures.Record{r}).Text; got != plain {
		t.Errorf("the card's own code counted as a variant:\n%s", got)
	}

	// Four variants, one without agency (its level is used): three are named.
	var many []*procedures.Record
	for i, a := range []string{"Công an cấp tỉnh", "", "Bộ Công an", "Cơ quan khác"} {
		many = append(many, &procedures.Record{Code: fmt.Sprintf("2.00000%d", i+1), Agency: a, Levels: []string{"Cấp tỉnh"}})
	}
	line := variantsLine(&tx, r, many)
	wantLine := prefix + "Công an cấp tỉnh (mã 2.000001); Cấp tỉnh (mã 2.000002); Bộ Công an (mã 2.000003). Nhắn mã để xem thủ tục đó."
	if line != wantLine {
		t.Errorf("variantsLine = %q, want %q", line, wantLine)
	}

	// A card a little under the limit: the line would not fit, so it is dropped.
	long := *r
	long.Channels = append([]procedures.Channel(nil), r.Channels...)
	for i := 0; textLen(renderCard(&tx, &long).Text) < maxTextRunes-textLen(line)/2 && i < 1000; i++ {
		long.Channels = append(long.Channels, procedures.Channel{Kind: fmt.Sprintf("cách %d", i), Time: fmt.Sprintf("%d ngày", i), Fee: "lệ phí"})
	}
	base := renderCard(&tx, &long)
	if n := textLen(base.Text); n > maxTextRunes || n+1+textLen(line) <= maxTextRunes {
		t.Fatalf("test card is %d characters; want it to fit alone but not with the line", n)
	}
	got := renderCardVariants(&tx, &long, many)
	if got.Text != base.Text || strings.Contains(got.Text, prefix) {
		t.Errorf("near the limit the line was not dropped cleanly:\n%s", got.Text)
	}
	if err := got.message().Validate(); err != nil {
		t.Error(err)
	}
	if len(got.Buttons) != len(renderCard(&tx, r).Buttons) || len(got.Buttons) > maxButtons {
		t.Errorf("%d buttons", len(got.Buttons))
	}
}

// IndexSearcher passes the first hit's variants on, and the conversation's card names them.
// The search has the seed examples, as `serve` gives it: without them the confidence model
// may send even a procedure's own name as a list.
func TestIndexSearcherVariants(t *testing.T) {
	cat := loadTestCatalog(t)
	ix := procedures.NewIndex(cat.Catalog, procedures.Options{})
	seed, err := procedures.SeedExamples()
	if err != nil {
		t.Fatal(err)
	}
	x := ix.NewExamples(seed)
	examples := func(string) procedures.AccountExamples { return x.For("") }
	f := IndexSearcher(func() *procedures.Index { return ix }, examples, nil).Find("", "cấp đổi thẻ căn cước", 5)
	if f.Kind != FoundOne || len(f.Variants) == 0 {
		t.Fatalf("Find = kind %v, %d variants; want one hit with variants", f.Kind, len(f.Variants))
	}
	codes := []string{f.Hits[0].Code}
	for _, v := range f.Variants {
		codes = append(codes, v.Code)
	}
	if diff := cmp.Diff([]string{"1.014063", "2.001195"}, codes); diff != "" {
		t.Errorf("hit and variants (-want +got):\n%s", diff)
	}
}

// An optional paper is marked "(nếu có)" once, also when its name says so already.
func TestDocLabelOptional(t *testing.T) {
	tx := DefaultTexts()
	for _, tc := range []struct {
		d    procedures.Document
		want string
	}{
		{procedures.Document{Name: "Giấy tờ chứng minh tình trạng hôn nhân ở nơi thường trú trước đây (nếu có)", Optional: true},
			"Giấy tờ chứng minh tình trạng hôn nhân ở nơi thường trú trước đây (nếu có)"},
		{procedures.Document{Name: "Giấy ủy quyền", Optional: true}, "Giấy ủy quyền (nếu có)"},
		{procedures.Document{Name: "Giấy ủy quyền", Originals: 1}, "Giấy ủy quyền – 1 bản chính"},
	} {
		if got := docLabel(&tx, tc.d); got != tc.want {
			t.Errorf("docLabel(%q) = %q, want %q", tc.d.Name, got, tc.want)
		}
	}
}

// A remark of the portal's dossier table ("Lưu ý:- …") is shown in its place, unnumbered
// and without the counts its row carried, and is not counted as a paper: it was "1. Lưu
// ý: - Trường hợp …", the first paper to bring.
func TestDocLinesNote(t *testing.T) {
	tx := DefaultTexts()
	r := &procedures.Record{Documents: []procedures.Document{
		{Name: "Lưu ý:- Trường hợp nộp hồ sơ trực tiếp thì nộp bản sao có chứng thực", Originals: 1, Copies: 1},
		{Name: "Tờ khai thay đổi thông tin cư trú", Originals: 1},
		{Name: "Giấy tờ chứng minh chỗ ở hợp pháp", Originals: 1, Case: "Trường hợp thuê nhà"},
		{Name: "Ví dụ: hợp đồng thuê nhà", Case: "Trường hợp thuê nhà"},
		{Name: "Căn cước", Originals: 1, Case: "Giấy tờ phải xuất trình"},
		{Name: "Người tiếp nhận không được yêu cầu nộp thêm giấy tờ", Optional: true, Case: "Lưu ý"},
	}}
	want := []string{
		"Lưu ý: Trường hợp nộp hồ sơ trực tiếp thì nộp bản sao có chứng thực",
		"1. Tờ khai thay đổi thông tin cư trú – 1 bản chính",
		fill(tx.DocCase, "case", "thuê nhà"),
		"2. Giấy tờ chứng minh chỗ ở hợp pháp – 1 bản chính",
		"Ví dụ: hợp đồng thuê nhà",
		"Giấy tờ phải xuất trình:",
		"3. Căn cước – 1 bản chính",
		"Lưu ý:",
		"Người tiếp nhận không được yêu cầu nộp thêm giấy tờ",
	}
	if got := docLines(&tx, r); !slices.Equal(got, want) {
		t.Errorf("docLines =\n%q\nwant\n%q", got, want)
	}
	if got, want := docCount(&tx, r.Documents), fill(tx.CardDocsCases, "n", "1", "extra", "2"); got != want {
		t.Errorf("docCount = %q, want %q", got, want)
	}
}

// The requirements follow the papers when short enough for a chat; longer ones (the
// national portal has some of 44,000 letters) are linked to the portal's page, and a
// record without them shows nothing.
func TestConditionLines(t *testing.T) {
	tx := DefaultTexts()
	r := &procedures.Record{PortalURL: "https://dichvucong.gov.vn/p/1", Conditions: []string{
		"- Văn bản cho thuê nhà không bắt buộc công chứng, chứng thực.", " ",
	}}
	if got, want := conditionLines(&tx, r), []string{tx.DocConditions, "- Văn bản cho thuê nhà không bắt buộc công chứng, chứng thực."}; !slices.Equal(got, want) {
		t.Errorf("short: %q, want %q", got, want)
	}
	r.Conditions = append(r.Conditions, strings.Repeat("điều kiện ", maxConditionRunes/10))
	got := conditionLines(&tx, r)
	if len(got) == 0 || got[0] == tx.DocConditions || !strings.Contains(strings.Join(got, "\n"), r.PortalURL) {
		t.Errorf("long: %q, want the portal's page", got)
	}
	if got := conditionLines(&tx, &procedures.Record{}); got != nil {
		t.Errorf("none: %q", got)
	}
}

// A way of doing it the portal lists twice, by case, is one line on the card: two lines
// "Trực tuyến" with two times read as a contradiction.
func TestTimeFeeLinesMergeCases(t *testing.T) {
	tx := DefaultTexts()
	r := &procedures.Record{Code: "1.003677", Name: "Khai báo tạm vắng", Channels: []procedures.Channel{
		{Kind: procedures.ChannelOnline, Time: "1 ngày làm việc"},
		{Kind: procedures.ChannelOnline, Time: "2 ngày làm việc", Note: "trường hợp phức tạp"},
		{Kind: procedures.ChannelDirect, Time: "1 ngày làm việc", Fee: "Miễn phí"},
	}}
	got := strings.Join(timeFeeLines(&tx, r), "\n")
	want := tx.CardChannels + "\n- Trực tuyến: 1 ngày làm việc hoặc 2 ngày làm việc; " + tx.Unknown + " (tùy trường hợp)\n- Trực tiếp: 1 ngày làm việc; Miễn phí"
	if got != want {
		t.Errorf("timeFeeLines =\n%s\nwant\n%s", got, want)
	}
}
