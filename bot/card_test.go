package bot

import (
	"fmt"
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
	// The steps split keeps every step and each line whole (except the over-long one).
	var all []string
	for _, rep := range renderSection(&tx, r, SectionSteps) {
		all = append(all, strings.SplitN(rep.Text, "\n", 2)[1])
	}
	joined := strings.Join(all, "\n")
	for i := 0; i < 40; i++ {
		if !strings.Contains(joined, fmt.Sprintf("Bước %d: Bước thứ %d của thủ tục", i+1, i+1)) {
			t.Errorf("step %d missing or cut", i+1)
		}
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
