package zalo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"
)

func TestMessagePayload(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"text", Message{Text: "Xin chào!\nThủ tục: ..."},
			`{"recipient":{"user_id":"U1"},"message":{"text":"Xin chào!\nThủ tục: ..."}}`},
		{"text quote", Message{Text: "Dạ", QuoteMessageID: "m1"},
			`{"recipient":{"user_id":"U1"},"message":{"text":"Dạ","quote_message_id":"m1"}}`},
		{"text buttons", Message{Text: "CCCD", Buttons: []Button{
			QueryButton("Giấy tờ cần mang", "#TTHC CCCD GIAYTO", true),
			QueryButton("Xem", "#12", false),
			URLButton("Tải mẫu đơn", "https://example.gov.vn/mau.pdf"),
			PhoneButton("Gọi trực ban", "0280000000"),
			SMSButton("Nhắn tin", "+84901234567", "Xin hỗ trợ"),
		}},
			`{"recipient":{"user_id":"U1"},"message":{"text":"CCCD","attachment":{"type":"template","payload":{"buttons":[` +
				`{"title":"Giấy tờ cần mang","type":"oa.query.hide","payload":"#TTHC CCCD GIAYTO"},` +
				`{"title":"Xem","type":"oa.query.show","payload":"#12"},` +
				`{"title":"Tải mẫu đơn","type":"oa.open.url","payload":{"url":"https://example.gov.vn/mau.pdf"}},` +
				`{"title":"Gọi trực ban","type":"oa.open.phone","payload":{"phone_code":"0280000000"}},` +
				`{"title":"Nhắn tin","type":"oa.open.sms","payload":{"content":"Xin hỗ trợ","phone_code":"+84901234567"}}]}}}}`},
		{"image by attachment", Message{Text: "Mã QR", Image: &Image{AttachmentID: "A1"}},
			`{"recipient":{"user_id":"U1"},"message":{"text":"Mã QR","attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","attachment_id":"A1"}]}}}}`},
		{"image by url", Message{Image: &Image{URL: "https://x.vn/q.png"}},
			`{"recipient":{"user_id":"U1"},"message":{"attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","url":"https://x.vn/q.png"}]}}}}`},
		{"file", Message{File: &File{Token: "T1"}},
			`{"recipient":{"user_id":"U1"},"message":{"attachment":{"type":"file","payload":{"token":"T1"}}}}`},
		{"request info", Message{RequestInfo: &RequestInfo{Title: "Công an phường X", Subtitle: "Đề nghị cung cấp thông tin", ImageURL: "https://x.vn/b.png"}},
			`{"recipient":{"user_id":"U1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"Công an phường X","subtitle":"Đề nghị cung cấp thông tin","image_url":"https://x.vn/b.png"}]}}}}`},
		{"NFD text sent as NFC", Message{Text: norm.NFD.String("Căn cước")},
			`{"recipient":{"user_id":"U1"},"message":{"text":"Căn cước"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.Payload("U1")
			if err != nil {
				t.Fatalf("Payload: %v", err)
			}
			if d := cmp.Diff(canonJSON(t, tt.want), canonJSON(t, string(got))); d != "" {
				t.Errorf("Payload (-want +got):\n%s", d)
			}
		})
	}
}

func canonJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return v
}

func TestMessageValidate(t *testing.T) {
	nfd2000 := norm.NFD.String(strings.Repeat("ệ", 2000)) // 2000 runes NFC, 6000 NFD
	five := []Button{QueryButton("1", "a", true), QueryButton("2", "b", true), QueryButton("3", "c", true), QueryButton("4", "d", true), QueryButton("5", "e", true)}
	tests := []struct {
		name    string
		msg     Message
		wantErr string // "" = valid
	}{
		{"2000 runes", Message{Text: strings.Repeat("a", 2000)}, ""},
		{"2000 runes NFD input", Message{Text: nfd2000}, ""},
		{"2001 runes", Message{Text: strings.Repeat("đ", 2001)}, "2001 characters"},
		{"empty", Message{}, "empty message"},
		{"blank", Message{Text: " \n "}, "empty message"},
		{"5 buttons", Message{Text: "x", Buttons: five}, ""},
		{"6 buttons", Message{Text: "x", Buttons: append(five, QueryButton("6", "f", true))}, "6 buttons"},
		{"title 35", Message{Text: "x", Buttons: []Button{QueryButton(strings.Repeat("ă", 35), "p", true)}}, ""},
		{"title 36", Message{Text: "x", Buttons: []Button{QueryButton(strings.Repeat("ă", 36), "p", true)}}, "title is 36"},
		{"empty title", Message{Text: "x", Buttons: []Button{QueryButton(" ", "p", true)}}, "empty title"},
		{"unknown type", Message{Text: "x", Buttons: []Button{{Title: "t", Type: "oa.open.app"}}}, "unknown button type"},
		{"bad url", Message{Text: "x", Buttons: []Button{URLButton("t", "javascript:alert(1)")}}, "oa.open.url"},
		{"relative url", Message{Text: "x", Buttons: []Button{URLButton("t", "/mau.pdf")}}, "oa.open.url"},
		{"empty query", Message{Text: "x", Buttons: []Button{QueryButton("t", "", false)}}, "payload"},
		{"police 113", Message{Text: "x", Buttons: []Button{PhoneButton("113", "113")}}, ""},
		{"bad phone", Message{Text: "x", Buttons: []Button{PhoneButton("t", "09x")}}, "phone"},
		{"sms bad phone", Message{Text: "x", Buttons: []Button{SMSButton("t", "", "hi")}}, "phone"},
		{"image both", Message{Image: &Image{AttachmentID: "a", URL: "https://x.vn/a.png"}}, "exactly one"},
		{"image none", Message{Image: &Image{}}, "exactly one"},
		{"image with buttons", Message{Image: &Image{AttachmentID: "a"}, Buttons: five[:1]}, "buttons go only"},
		{"file without token", Message{File: &File{}}, "upload token"},
		{"file with text", Message{File: &File{Token: "t"}, Text: "x"}, "no text"},
		{"two kinds", Message{File: &File{Token: "t"}, Image: &Image{AttachmentID: "a"}}, "only one"},
		{"request info no subtitle", Message{RequestInfo: &RequestInfo{Title: "t"}}, "subtitle"},
		{"quote on file", Message{File: &File{Token: "t"}, QuoteMessageID: "m"}, "quote_message_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.msg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidMessage) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %v, want ErrInvalidMessage containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPayloadRefusesEmptyRecipientAndNeverCuts(t *testing.T) {
	if _, err := (Message{Text: "x"}).Payload(" "); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("empty recipient: %v", err)
	}
	long := strings.Repeat("a", MaxTextRunes+1)
	if b, err := (Message{Text: long}).Payload("u"); err == nil || b != nil {
		t.Errorf("long text: body %d bytes, err %v; want refusal", len(b), err)
	}
}

func TestSplitText(t *testing.T) {
	para := strings.Repeat("Bước một: nộp hồ sơ tại bộ phận một cửa. ", 30) // ~1230 runes
	text := para + "\n\n" + para + "\n" + strings.Repeat("x", 2500)
	parts := SplitText(text, 0)
	if len(parts) < 3 {
		t.Fatalf("SplitText gave %d parts", len(parts))
	}
	var total int
	for i, p := range parts {
		if n := TextLen(p); n > MaxTextRunes || n == 0 {
			t.Errorf("part %d has %d runes", i, n)
		}
		total += len(strings.Fields(p))
	}
	// Nothing lost: same words (the over-long word is split in two).
	if want := len(strings.Fields(text)) + 1; total != want {
		t.Errorf("words after split = %d, want %d", total, want)
	}
	if got := SplitText("ngắn", 10); len(got) != 1 || got[0] != "ngắn" {
		t.Errorf("SplitText short = %q", got)
	}
}
