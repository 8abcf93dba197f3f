package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

func TestParseDeepLink(t *testing.T) {
	tests := []struct {
		in   string
		want deepLink
		ok   bool
	}{
		{"#TTHC 1.004222", deepLink{Code: "1.004222"}, true},
		{"#tthc 1.004222 giayto", deepLink{Code: "1.004222", Section: SectionDocs}, true},
		{"#TTHC 1.004222 BUOC", deepLink{Code: "1.004222", Section: SectionSteps}, true},
		{"#TTHC 1.004222 QR", deepLink{Code: "1.004222", Section: SectionQR}, true},
		{"#TTHC 12", deepLink{Short: "12"}, true},
		{"#TTHC 1.004222 NONSENSE", deepLink{}, false},
		{"#12", deepLink{Short: "12"}, true},
		{"#12 LEPHI", deepLink{Short: "12", Section: SectionFee}, true},
		{"  1.014061 ", deepLink{Code: "1.014061"}, true},
		{"1.0142", deepLink{}, false},
		{"#", deepLink{}, false},
		{"# 12", deepLink{}, false},
		{"làm căn cước", deepLink{}, false},
		{"#hashtag with many words", deepLink{}, false},
		{"#MENU", deepLink{}, false},
		{"#canbo", deepLink{}, false},
	}
	for _, tt := range tests {
		got, ok := parseDeepLink(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseDeepLink(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDetectIntent(t *testing.T) {
	tests := []struct {
		in   string
		want intent
	}{
		{"menu", intentMenu}, {"MENU", intentMenu}, {"Bắt đầu", intentMenu}, {"hi", intentMenu},
		{"Xin chào!", intentMenu}, {"xin chao", intentMenu}, {"help", intentMenu}, {"?", intentMenu},
		{"Xin chào", intentMenu}, // NFD input
		// Greetings as people type them around "chào"; a greeting before a question is the question.
		{"e chào chị ạ", intentMenu}, {"dạ cháu chào cô", intentMenu}, {"chào buổi sáng ad", intentMenu},
		{"alo alo", intentMenu}, {"chào ad, cho e hỏi làm căn cước", intentNone}, {"cảm ơn, chào chị", intentThanks},
		{"cho tôi gặp cán bộ", intentHandoff}, {"Tư vấn viên", intentHandoff},
		{"tôi muốn nói chuyện với người", intentHandoff}, {"#CANBO", intentHandoff},
		{"xem thêm", intentMore}, {"Xem them", intentMore}, {"#XEMTHEM", intentMore},
		{"Cảm ơn bạn!", intentThanks}, {"ok", intentThanks}, {"dạ", intentThanks},
		{"làm căn cước", intentNone}, {"hi vọng được cấp căn cước", intentNone},
		{"cảm ơn, cho hỏi làm hộ chiếu", intentNone},
		// Closing messages as people type them: "thôi cảm ơn nha" was searched and
		// answered "not found".
		{"thôi cảm ơn nha", intentThanks}, {"dạ em hiểu rồi ạ", intentThanks}, {"ok cam on ad nhieu", intentThanks},
		{"được rồi, cảm ơn chị", intentThanks}, {"vâng ạ", intentThanks}, {"camon", intentThanks},
		{"ok e cảm ơn", intentThanks}, {"cháu cảm ơn ạ", intentThanks},
		{"có", intentNone}, {"vậy à", intentNone}, {"ok nhưng lệ phí bao nhiêu", intentNone},
		// Leaving ("not found" before): "thôi" opening words of closing.
		{"thôi để mai e ra", intentThanks}, {"thôi e hỏi sau", intentThanks}, {"thôi để hôm khác cháu ra ạ", intentThanks},
		{"để mai ra có kịp không", intentNone}, {"mai ra", intentNone}, {"hỏi sau", intentNone},
	}
	for _, tt := range tests {
		if got := detectIntent(tt.in); got != tt.want {
			t.Errorf("detectIntent(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDetectOffice(t *testing.T) {
	tests := []struct {
		in   string
		want intent
	}{
		{"giờ làm việc", intentOfficeHours}, {"mấy giờ mở cửa", intentOfficeHours},
		{"hôm nay có làm việc không", intentOpenToday}, {"thứ 7 có làm không ạ", intentOpenToday},
		{"địa chỉ ở đâu", intentOfficeAddress}, {"số điện thoại", intentOfficePhone},
		{"sđt", intentOfficePhone}, {"làm căn cước", intentNone},
		// By meaning: a day or time and a question whether the office works then, in any
		// order and without diacritics.
		{"thứ bảy phường có mở không", intentOpenToday}, {"trưa có làm không anh", intentOpenToday},
		{"ubnd phuong chu nhat co ai truc ko a", intentOpenToday},
		{"cuoi tuan cong an phuong co tiep dan hong?", intentOpenToday},
		{"T7 có làm việc ko", intentOpenToday}, {"tết phường nghỉ chưa", intentOpenToday},
		// … but not a story that mentions a day and a verb, nor fees or transfers.
		{"hôm nay em đi làm căn cước mà không mang giấy tờ thì sao", intentNone},
		{"làm cccd mất lệ phí không", intentNone}, {"sang tên xe máy có mất phí không", intentNone},
		{"thứ 7 này em muốn làm hộ chiếu cho con được không", intentNone},
		// Where the office is, by meaning, inside what is said around it ("a list of
		// procedures" before); a procedure's place is the search's.
		{"Dạ cho em hỏi công an phường mình nằm ở đường nào ạ, em mới chuyển đến. Em cảm ơn.", intentOfficeAddress},
		{"ubnd xa o cho nao vay ad", intentOfficeAddress}, {"trụ sở công an phường số mấy", intentOfficeAddress},
		{"chào anh, phường mình ở đâu thế", intentOfficeAddress},
		{"làm căn cước ở công an ở đâu", intentNone}, {"đăng ký tạm trú ở phường nào", intentNone},
		{"công an phường có làm hộ chiếu không", intentNone},
		// Its phone, as typed ("not found" before).
		{"so dt cua phuong la gi", intentOfficePhone},
	}
	for _, tt := range tests {
		if got := detectOffice(tt.in); got != tt.want {
			t.Errorf("detectOffice(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPickNumberAndMask(t *testing.T) {
	for in, want := range map[string]int{"2": 2, " 3 ": 3, "số 4": 4, "2.": 2, "chọn 1": 1} {
		if got, ok := pickNumber(in); !ok || got != want {
			t.Errorf("pickNumber(%q) = %d, %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"0", "123", "hai", "1.004222", ""} {
		if got, ok := pickNumber(in); ok {
			t.Errorf("pickNumber(%q) = %d, want no number", in, got)
		}
	}
	for in, want := range map[string]string{
		"Mất CCCD số 079123456789, gọi 0903 123 456!": "mat cccd so ############ goi #### ### ###",
		"thứ 7 có làm việc ko":                        "thu 7 co lam viec ko",
		"con em học lớp 1, 14 tuổi, sinh năm 2016":    "con em hoc lop 1 14 tuoi sinh nam 2016",
		"stk vcb0123456 sinh ngày 12 3 2024":          "stk vcb####### sinh ngay ## # ####",
		"cccd số 079.123.456":                         "cccd so ###.###.###",
		"biển 59 C1 123.45":                           "bien 59 c1 ###.##", // a plate identifies its owner
	} {
		if got := maskQuery(in); got != want {
			t.Errorf("maskQuery(%q) = %q, want %q", in, got, want)
		}
	}
	// As typed: the diacritics stay, the numbers are masked alike, and the key of what
	// is kept is the key of the message.
	for in, want := range map[string]string{
		"Mất CCCD số 079123456789, gọi 0903 123 456!": "mất cccd số ############ gọi #### ### ###",
		"Xin tờ giấy còn son":                         "xin tờ giấy còn son",
		"cccd số 079.123.456":                         "cccd số ###.###.###",
	} {
		if got := maskTyped(in); got != want || UnansweredKey(got) != maskQuery(in) {
			t.Errorf("maskTyped(%q) = %q (key %q), want %q (key %q)", in, got, UnansweredKey(got), want, maskQuery(in))
		}
	}
}

// TestRouting checks which step answers, in the order, through the whole handler.
func TestRouting(t *testing.T) {
	tests := []struct {
		name    string
		before  []string
		text    string
		route   string
		current string
	}{
		{"deep link beats greeting words", nil, "#TTHC 1.004222", "deep_link", "1.004222"},
		{"short code", nil, "#10", "deep_link", "1.014061"},
		{"bare code", nil, "1.004194", "deep_link", "1.004194"},
		{"unknown code", nil, "#999", "unknown_code", ""},
		{"greeting", nil, "xin chào", "menu", ""},
		{"menu button", nil, "#MENU", "menu", ""},
		{"officer button", nil, "#CANBO", "handoff", ""},
		{"more button", []string{"căn cước"}, "#XEMTHEM", "more", ""},
		{"office button", nil, "#COQUAN", "office", ""},
		{"handoff", nil, "gặp cán bộ", "handoff", ""},
		{"number picks from list", []string{"căn cước"}, "3", "pick", "1.014063"},
		{"number keeps the list's aspect", []string{"giấy tờ căn cước"}, "2", "pick", "1.014062"},
		{"number without list is a poster code", nil, "10", "short_code_number", "1.014061"},
		{"number without list or code", nil, "99", "number_no_list", ""},
		{"more", []string{"căn cước"}, "xem thêm", "more", ""},
		{"aspect follow-up", []string{"làm căn cước"}, "cần giấy tờ gì", "follow_up", "1.014061"},
		{"aspect names another procedure", []string{"làm căn cước"}, "hộ chiếu cần giấy tờ gì", "search_one", "1.001456"},
		{"aspect without current procedure", nil, "cần giấy tờ gì", "ask_which", ""},
		{"aspect after a list", []string{"căn cước"}, "cần giấy tờ gì", "list_which", ""},
		{"whether a paper is needed, after a list", []string{"căn cước"}, "e có cần mang hộ khẩu ko", "list_which", ""},
		{"whether a paper is needed, nothing on screen", nil, "e có cần mang hộ khẩu ko", "not_in_catalog", ""},
		{"whether a thing is needed, found only in the list", []string{"căn cước"}, "có cần mang xe đến không", "list_which", ""},
		{"whether a thing is needed, nothing on screen", nil, "có cần mang xe đến không", "search_list", ""},
		{"aspect list of words of talk", nil, "phí bao nhiêu vậy chị", "ask_which", ""},
		{"aspect naming what the catalogue lacks", []string{"căn cước"}, "xe bị phạt nguội tra ở đâu", "not_found", ""},
		{"place follow-up beats office address", []string{"làm căn cước"}, "nộp ở đâu", "follow_up", "1.014061"},
		{"aspect list naming its own object", []string{"làm căn cước"}, "làm sổ hộ nghèo ở đâu", "search_list", ""},
		{"aspect list for a bare question", []string{"làm căn cước"}, "cho em hỏi nộp ở đâu ạ", "follow_up", "1.014061"},
		{"aspect list holding the current card", []string{"làm căn cước"}, "căn cước lần đầu ở đâu", "follow_up", "1.014061"},
		{"yes/no question about what the card tells of", []string{"làm căn cước"}, "có cần mang bản chính không", "follow_up", "1.014061"},
		{"whether the card needs a paper it names", []string{"đăng ký thường trú"}, "có cần giấy khai sinh không", "follow_up", "1.004222"},
		// A paper the card does not name: its documents answer it all the same ("no"),
		// rather than the procedure the search made of the paper's words.
		{"whether the card needs a paper it does not name", []string{"làm căn cước"}, "có cần giấy khai sinh không", "follow_up", "1.014061"},
		{"whether the card needs the abolished household book", []string{"làm căn cước"}, "có cần sổ hộ khẩu không", "follow_up", "1.014061"},
		{"whether the card needs a photo", []string{"làm căn cước"}, "có cần ảnh không", "follow_up", "1.014061"},
		{"whether a paper the card names will do", []string{"làm tạm trú"}, "hợp đồng thuê trọ viết tay có được ko", "follow_up", "1.004194"},
		{"whether a paper the card does not name will do", []string{"làm tạm trú"}, "giấy khai sinh viết tay có được ko", "search_list", ""},
		{"whether a paper will do, the search sure of another", []string{"làm tạm trú"}, "hợp đồng mua bán xe có được ko", "search_one", "1.014061"},
		{"whether the result comes home by post", []string{"làm căn cước"}, "có gửi về nhà không ạ", "follow_up", "1.014061"},
		{"whether the file can go by post", []string{"làm căn cước"}, "nộp qua bưu điện được ko", "follow_up", "1.014061"},
		// A yes/no question after a card, half matched: about the card (its parts, an
		// officer), unless it names something the card is not.
		{"yes/no question the search half matched", []string{"làm tạm trú"}, "chủ nhà có phải đi cùng không", "not_found", ""},
		{"yes/no question naming another thing", []string{"làm tạm trú"}, "làm sổ hộ nghèo được không", "search_list", ""},
		{"what-if question the search half matched", []string{"làm tạm trú"}, "chủ cũ ở tỉnh khác thì sao ạ", "not_found", ""},
		{"what-if question without a card", nil, "chủ cũ ở tỉnh khác thì sao ạ", "search_list", ""},
		// Whether an act is needed: the search's question.
		{"whether another act is needed", []string{"làm căn cước"}, "có cần làm tạm trú không", "search_one", "1.004194"},
		{"question about what the card names in passing", []string{"làm căn cước"}, "bản chính công chứng ở đâu", "search_list", ""},
		{"office info", nil, "giờ làm việc", "office", ""},
		{"search one", nil, "đăng ký thường trú", "search_one", "1.004222"},
		{"search list", nil, "căn cước", "search_list", ""},
		{"clarify", nil, "đổi căn cước", "clarify", ""},
		{"nothing", nil, "abc xyz", "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			for _, s := range tt.before {
				h.text(s)
			}
			conv := h.conv()
			acc := h.b.byID["benthanh"]
			ev, err := zalo.ParseEvent(h.job("user_send_text", userMsg("", fmt.Sprintf(`{"msg_id":"x","text":%q}`, tt.text))).Raw)
			if err != nil {
				t.Fatal(err)
			}
			p := h.b.plan(acc, conv, ev, h.now)
			if p.route != tt.route {
				t.Errorf("route(%q) = %q, want %q", tt.text, p.route, tt.route)
			}
			var c Conversation
			p.mutate(&c)
			if tt.current != "" && c.Current != tt.current {
				t.Errorf("current after %q = %q, want %q", tt.text, c.Current, tt.current)
			}
		})
	}
}

func TestTakeoverAndResume(t *testing.T) {
	h := newHarness(t)
	if got := h.text("làm căn cước"); len(got) != 1 {
		t.Fatalf("before takeover: %d messages, want 1", len(got))
	}
	// The OA's own API echo (no admin_id) must not mute the bot.
	h.officer("")
	if got := h.text("làm căn cước"); len(got) != 1 {
		t.Fatalf("after API echo: %d messages, want 1", len(got))
	}
	h.officer("7012345678901234567")
	h.now = h.now.Add(10 * time.Minute)
	if got := h.text("làm căn cước"); len(got) != 0 {
		t.Fatalf("during takeover: bot sent %d messages", len(got))
	}
	// A second officer message extends the quiet time.
	h.officer("7012345678901234567")
	h.now = h.now.Add(DefaultQuietTime - time.Minute)
	if got := h.text("làm căn cước"); len(got) != 0 {
		t.Fatalf("within quiet time of the last officer message: bot sent %d messages", len(got))
	}
	h.now = h.now.Add(2 * time.Minute)
	if got := h.text("làm căn cước"); len(got) != 1 {
		t.Fatalf("after quiet time: %d messages, want 1", len(got))
	}
	if c := h.conv(); !c.LastInteractionAt.Equal(h.now) {
		t.Errorf("LastInteractionAt = %v, want %v", c.LastInteractionAt, h.now)
	}
}

func TestContextExpires(t *testing.T) {
	h := newHarness(t)
	h.text("căn cước")
	h.now = h.now.Add(contextTTL + time.Minute)
	h.text("xin chào")
	if c := h.conv(); len(c.LastList) != 0 || c.Current != "" {
		t.Errorf("after %v idle the list and current procedure remain: %+v", contextTTL, c)
	}
	// "2" is now read as poster code #2, not as the old list's second item (1.014062).
	if got := h.text("2"); len(got) != 1 || strings.Contains(got[0].Text, "1.014062") {
		t.Errorf("\"2\" after the context expired picked from the old list: %s", describe(got))
	}
}

func TestHandoffMutes(t *testing.T) {
	h := newHarness(t, func(a *Account) { a.QuietTime = 10 * time.Minute })
	h.text("gặp cán bộ")
	if got := h.text("làm căn cước"); len(got) != 0 {
		t.Fatalf("after handoff: bot sent %d messages", len(got))
	}
	h.now = h.now.Add(11 * time.Minute)
	if got := h.text("làm căn cước"); len(got) != 1 {
		t.Fatalf("after quiet time: %d messages, want 1", len(got))
	}
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, func(a *Account) { a.RateLimit = 3 })
	var counts []int
	for i := 0; i < 6; i++ {
		counts = append(counts, len(h.text("giờ làm việc")))
	}
	if diff := cmp.Diff([]int{1, 1, 1, 1, 0, 0}, counts); diff != "" {
		t.Errorf("messages per text (-want +got):\n%s", diff)
	}
	h.now = h.now.Add(time.Minute)
	if got := h.text("giờ làm việc"); len(got) != 1 || strings.Contains(got[0].Text, "nhiều tin nhắn") {
		t.Errorf("after a minute: %q, want the normal answer", describe(got))
	}
}

func TestNudgeOncePerInterval(t *testing.T) {
	h := newHarness(t)
	if got := h.attachment("sticker", `{"id":"s"}`); len(got) != 1 {
		t.Fatalf("first sticker: %d messages, want 1", len(got))
	}
	if got := h.attachment("image", `{"url":"https://x/y.jpg"}`); len(got) != 0 {
		t.Fatalf("second non-text within interval: %d messages, want 0", len(got))
	}
	h.now = h.now.Add(DefaultNudgeInterval)
	if got := h.attachment("audio", `{"url":"https://x/y.aac"}`); len(got) != 1 {
		t.Fatalf("after interval: %d messages, want 1", len(got))
	}
}

func TestFollowState(t *testing.T) {
	h := newHarness(t)
	h.follow(true)
	if c := h.conv(); !c.Follower || !c.FollowerKnown {
		t.Errorf("after follow: %+v", c)
	}
	if got := h.follow(false); len(got) != 0 {
		t.Errorf("unfollow sent %d messages", len(got))
	}
	if c := h.conv(); c.Follower || !c.FollowerKnown {
		t.Errorf("after unfollow: %+v", c)
	}
	var follows, unfollows int
	for _, d := range h.stats.deltas {
		follows += d.Follows
		unfollows += d.Unfollows
	}
	if follows != 1 || unfollows != 1 {
		t.Errorf("stats follows/unfollows = %d/%d, want 1/1", follows, unfollows)
	}
}

func TestReceiptsIgnored(t *testing.T) {
	h := newHarness(t)
	for _, body := range []struct{ name, body string }{
		{"user_received_message", fmt.Sprintf(`"sender":{"id":%q},"recipient":{"id":%q},"message":{"msg_id":"r1"}`, testOA, testUser)},
		{"user_seen_message", fmt.Sprintf(`"sender":{"id":%q},"recipient":{"id":%q},"message":{"msg_ids":["r1"]}`, testOA, testUser)},
	} {
		if got := h.run(h.job(body.name, body.body)); len(got) != 0 {
			t.Errorf("%s: sent %d messages", body.name, len(got))
		}
	}
	if _, err := h.state.Get(context.Background(), testOA, testUser); !errors.Is(err, ErrNoConversation) {
		t.Errorf("receipts touched the conversation: %v", err)
	}
}

// TestRetryAfterPartialSend: the second message fails; the retry sends only what is left,
// and a third delivery of the same job sends nothing.
func TestRetryAfterPartialSend(t *testing.T) {
	h := newHarness(t, func(a *Account) {
		a.Notice = Notice{Text: strings.Repeat("Thông báo dài. ", 130)} // forces a separate notice message
	})
	h.msgr.failAt, h.msgr.sendErr = 2, errors.New("network down")
	j := h.job("user_send_text", userMsg("", `{"msg_id":"p1","text":"làm căn cước"}`))
	if err := h.b.HandleJob(context.Background(), j); err == nil {
		t.Fatal("HandleJob with a failing send = nil, want an error")
	}
	first := h.msgr.take()
	if len(first) != 1 {
		t.Fatalf("first attempt sent %d messages, want 1", len(first))
	}
	if err := h.b.HandleJob(context.Background(), j); err != nil {
		t.Fatalf("retry: %v", err)
	}
	second := h.msgr.take()
	if len(second) != 1 || !strings.HasPrefix(second[0].Text, "📄") {
		t.Fatalf("retry sent %q, want only the card", describe(second))
	}
	if err := h.b.HandleJob(context.Background(), j); err != nil {
		t.Fatalf("third delivery: %v", err)
	}
	if got := h.msgr.take(); len(got) != 0 {
		t.Fatalf("third delivery sent %d messages, want 0", len(got))
	}
	if c := h.conv(); c.Current != "1.014061" {
		t.Errorf("current = %q, want 1.014061", c.Current)
	}
}

func TestQRUploadCached(t *testing.T) {
	h := newHarness(t)
	h.text("#TTHC 1.014061 QR")
	h.text("#TTHC 1.014061 QR")
	if h.msgr.uploads != 1 || h.qr.calls != 1 {
		t.Errorf("uploads = %d, qr draws = %d, want 1, 1", h.msgr.uploads, h.qr.calls)
	}
}

func TestUnmatchedRecordedMasked(t *testing.T) {
	h := newHarness(t)
	h.text("Con mèo 0903123456")
	var got []string
	for _, d := range h.stats.deltas {
		if d.Unmatched != "" {
			got = append(got, d.Unmatched)
		}
	}
	if diff := cmp.Diff([]string{"con meo ##########"}, got); diff != "" {
		t.Errorf("unmatched (-want +got):\n%s", diff)
	}
}

func TestParseHours(t *testing.T) {
	h, err := ParseHours("T2-T6 07:30-11:30 13:30-17:00; T7 07:30-11:30")
	if err != nil {
		t.Fatal(err)
	}
	o := Office{Hours: h}
	for _, tt := range []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 12, 1, 7, 29, 0, 0, zalo.Vietnam), false},
		{time.Date(2026, 12, 1, 7, 30, 0, 0, zalo.Vietnam), true},
		{time.Date(2026, 12, 1, 12, 0, 0, 0, zalo.Vietnam), false},
		{time.Date(2026, 12, 5, 10, 0, 0, 0, zalo.Vietnam), true},  // Saturday
		{time.Date(2026, 12, 5, 14, 0, 0, 0, zalo.Vietnam), false}, // Saturday afternoon
		{time.Date(2026, 12, 6, 10, 0, 0, 0, zalo.Vietnam), false}, // Sunday
		{time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), true},       // 9:00 in Vietnam
	} {
		if got := o.openAt(tt.at); got != tt.open {
			t.Errorf("openAt(%v) = %v, want %v", tt.at, got, tt.open)
		}
	}
	for _, bad := range []string{"T8 07:00-08:00", "T2 7-8", "T2 09:00-08:00", "T2"} {
		if _, err := ParseHours(bad); err == nil {
			t.Errorf("ParseHours(%q) = nil error", bad)
		}
	}
	if got, _ := ParseHours("T7-CN 08:00-09:00"); len(got) != 1 || len(got[0].Days) != 2 {
		t.Errorf("ParseHours(T7-CN) = %+v", got)
	}
}

func TestHaversine(t *testing.T) {
	// Hồ Hoàn Kiếm → Nhà thờ Đức Bà (Sài Gòn): about 1,140 km.
	d := haversineKm(21.0288, 105.8525, 10.7798, 106.6990)
	if d < 1130 || d > 1150 {
		t.Errorf("haversineKm = %.1f, want about 1140", d)
	}
	for km, want := range map[float64]string{0.0612: "60 m", 1.26: "1,3 km", 150.4: "150 km"} {
		if got := formatDistance(km); got != want {
			t.Errorf("formatDistance(%v) = %q, want %q", km, got, want)
		}
	}
}

func TestQRReuploadOnExpired(t *testing.T) {
	h := newHarness(t)
	h.attach.SetAttachment(context.Background(), "qr:benthanh:1.014061", "stale", time.Hour)
	h.msgr.expired = map[string]bool{"stale": true}
	got := h.text("#TTHC 1.014061 QR")
	if len(got) != 1 || got[0].Image == nil || got[0].Image.AttachmentID != "att1" {
		t.Fatalf("sent %s, want the image with a fresh attachment", describe(got))
	}
	if id, _ := h.attach.Attachment(context.Background(), "qr:benthanh:1.014061"); id != "att1" {
		t.Errorf("cached id = %q, want att1", id)
	}
}

func TestPermanentSendErrorDoesNotRetry(t *testing.T) {
	h := newHarness(t)
	h.msgr.failAt, h.msgr.sendErr = 1, &zalo.APIError{Code: -230, Message: "User has not interacted"}
	j := h.job("user_send_text", userMsg("", `{"msg_id":"p1","text":"làm căn cước"}`))
	if err := h.b.HandleJob(context.Background(), j); err != nil {
		t.Fatalf("HandleJob = %v, want nil for a permanent Zalo error", err)
	}
	h.msgr.failAt, h.msgr.sendErr = 1, &zalo.APIError{Code: -32, Message: "rate limit"}
	h.msgr.calls = 0
	j = h.job("user_send_text", userMsg("", `{"msg_id":"p2","text":"làm căn cước"}`))
	if err := h.b.HandleJob(context.Background(), j); !errors.Is(err, zalo.ErrRetryable) {
		t.Fatalf("HandleJob = %v, want a retryable error", err)
	}
}

func TestDefaultQuickTopics(t *testing.T) {
	h := newHarness(t, func(a *Account) { a.QuickTopics = nil })
	m := h.follow(true)
	if len(m) != 1 || len(m[0].Buttons) != len(DefaultQuickTopics()) || m[0].Buttons[3].Payload != payloadOffice {
		t.Fatalf("welcome without configured topics: %s", describe(m))
	}
	if got := h.text(payloadOffice); len(got) != 1 || !strings.Contains(got[0].Text, "Hôm nay") {
		t.Errorf("%s: %s, want office hours with today", payloadOffice, describe(got))
	}
}

func TestOverrideChecks(t *testing.T) {
	if _, err := DefaultTexts().Override(map[string]string{"welcom": "x"}); err == nil {
		t.Error("Override with an unknown key = nil error")
	}
	if _, err := DefaultTexts().Override(map[string]string{"welcome": strings.Repeat("a", 1001)}); err == nil {
		t.Error("Override with an over-long text = nil error")
	}
	got, err := DefaultTexts().Override(map[string]string{"welcome": "Chào {office}"})
	if err != nil || got.Welcome != "Chào {office}" {
		t.Errorf("Override = %q, %v", got.Welcome, err)
	}
}

// An aspect question that names no procedure, with no card to follow up, was answered
// "not found" (and counted as an unanswered question for the officers). With a list on
// screen it is about one of them: the list again, whose buttons — and a number typed
// next — show the part asked. With nothing on screen the citizen is asked to name the
// procedure.
func TestAspectQuestionWithoutCard(t *testing.T) {
	h := newHarness(t)
	h.text("căn cước")
	msgs := h.text("cần giấy tờ gì")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, h.b.byID["benthanh"].texts.ListWhich) || len(msgs[0].Buttons) == 0 {
		t.Fatalf("aspect question after a list = %s, want the list again", describe(msgs))
	}
	for _, bt := range msgs[0].Buttons {
		if !strings.HasSuffix(bt.Payload, " GIAYTO") {
			t.Errorf("button %q payload %q, want the documents of its procedure", bt.Title, bt.Payload)
		}
	}
	if msgs := h.text("2"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Hồ sơ cần chuẩn bị – ") || !strings.Contains(msgs[0].Text, "dưới 14 tuổi") {
		t.Errorf("2 after the list shown again = %s, want the second procedure's documents", describe(msgs))
	}
	for _, d := range h.stats.deltas {
		if d.Unmatched != "" {
			t.Errorf("unanswered question recorded: %q, want none", d.Unmatched)
		}
	}

	h = newHarness(t)
	msgs = h.text("cần giấy tờ gì")
	if len(msgs) != 1 || msgs[0].Text != h.b.byID["benthanh"].texts.AskWhich || len(msgs[0].Buttons) == 0 {
		t.Errorf("aspect question with nothing on screen = %s, want to be asked which procedure", describe(msgs))
	}

	// A list of one: nothing to choose from, its part is the answer (it was "Bạn hỏi về
	// thủ tục nào trong danh sách?" over a list of one).
	h = newHarness(t)
	// Introduced as one, not as "một số thủ tục".
	if msgs := h.text("tạm trú cho người mới đến"); len(msgs) != 1 || !strings.HasPrefix(msgs[0].Text, h.b.byID["benthanh"].texts.ListIntroOne+"\n1. ") {
		t.Errorf("a list of one = %s", describe(msgs))
	}
	if msgs := h.text("cần giấy tờ gì"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Hồ sơ cần chuẩn bị – Đăng ký tạm trú") {
		t.Errorf("aspect question after a list of one = %s, want its documents", describe(msgs))
	}
	if h.conv().Current != "1.004194" {
		t.Errorf("current card = %q, want the procedure of the list of one", h.conv().Current)
	}
}

// A list for a question that asked a part of a procedure opens that part from its
// buttons too, as a number typed does: tapping "1." after "hộ chiếu cần giấy tờ gì"
// showed the card.
func TestListButtonsShowThePartAsked(t *testing.T) {
	h := newHarness(t)
	msgs := h.text("giấy tờ căn cước")
	if len(msgs) == 0 || len(msgs[0].Buttons) == 0 {
		t.Fatalf("list = %s", describe(msgs))
	}
	for _, bt := range msgs[0].Buttons {
		if !strings.HasSuffix(bt.Payload, " GIAYTO") {
			t.Errorf("button %q payload %q, want the documents of its procedure", bt.Title, bt.Payload)
		}
	}
}

// A crime told (a theft, a fraud, a fight) gets how to report it: alone when the search
// found nothing (it got "not found"), before the list when the search was unsure (papers
// made again after a theft), and not at all when a procedure was found surely.
func TestIncidentTold(t *testing.T) {
	h := newHarness(t)
	incident := h.b.byID["benthanh"].texts.Incident
	msgs := h.text("nha em bi trom xe may toi qua bao cong an o dau a")
	if len(msgs) != 1 || msgs[0].Text != incident {
		t.Errorf("theft, nothing found = %s, want how to report it", describe(msgs))
	}
	msgs = h.text("xe bị trộm mất luôn muốn hủy đăng ký xe")
	if len(msgs) != 2 || msgs[0].Text != incident || !strings.Contains(msgs[1].Text, "1.004222") {
		t.Errorf("theft, an unsure list = %s, want how to report it, then the list", describe(msgs))
	}
	for _, told := range []string{"bị móc túi ở chợ", "hom qua nha ben danh nhau om soi ad oi", "e bị lừa đảo qua mạng mất 20 triệu",
		"e bị tống tiền qua zalo phải làm sao", "tối qua đi làm về bị trấn lột hết tiền", "nick fb của e bị hack rồi nó nhắn vay tiền bạn bè"} {
		if msgs := h.text(told); len(msgs) != 1 || msgs[0].Text != incident {
			t.Errorf("%q = %s, want how to report it", told, describe(msgs))
		}
	}
	msgs = h.text("bị trộm mất căn cước làm lại ở đâu")
	if len(msgs) == 0 || msgs[0].Text == incident || !strings.Contains(msgs[0].Text, "Cấp lại thẻ căn cước") {
		t.Errorf("theft, a sure card = %s, want the card's place", describe(msgs))
	}
}

func TestWithCode(t *testing.T) {
	for _, c := range []struct{ tmpl, code, want string }{
		{"- a\n- Mã, ví dụ: #{code}\n- b", "30", "- a\n- Mã, ví dụ: #30\n- b"},
		{"- a\n- Mã, ví dụ: #{code}\n- b", "", "- a\n- b"},
		{"Nhắn số, hoặc mã (ví dụ: #{code}). Hoặc tên.", "", "Nhắn số, hoặc mã. Hoặc tên."},
		{"Không có mã.", "", "Không có mã."},
	} {
		if got := withCode(c.tmpl, c.code); got != c.want {
			t.Errorf("withCode(%q, %q) = %q, want %q", c.tmpl, c.code, got, c.want)
		}
	}
}

// "có gửi về nhà không" after a card gets its ways of doing it, each with time and fee
// (the post among them when there is one).
func TestByPostAfterCard(t *testing.T) {
	h := newHarness(t)
	h.text("làm căn cước")
	if msgs := h.text("có gửi về nhà không ạ"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Lệ phí và thời gian – ") {
		t.Errorf("by post after a card = %s, want its ways of doing it with time and fee", describe(msgs))
	}
	// With nothing on screen, the citizen is asked which procedure ("not found" before,
	// or a list the search made of the words).
	h = newHarness(t)
	if msgs := h.text("có gửi về nhà không ạ"); len(msgs) != 1 || msgs[0].Text != h.b.byID["benthanh"].texts.AskWhich {
		t.Errorf("by post as a first message = %s, want to be asked which procedure", describe(msgs))
	}
	checkText(t, "asksByPost", asksByPost, []textCase{
		{"có gửi về nhà không", true}, {"nhận qua bưu điện được ko", true}, {"có chuyển phát nhanh không", true},
		{"nhà em ở xa", false}, {"gửi hồ sơ ở đâu", false},
	})
}

func TestAsksWhatIf(t *testing.T) {
	checkText(t, "asksWhatIf", asksWhatIf, []textCase{
		{"chủ cũ ở tỉnh khác thì sao", true},
		{"xe mua giấy tay thì làm thế nào ạ", true},
		{"nếu quá hạn thì phải làm sao anh", true},
		{"làm sao để đăng ký tạm trú", false},
		{"thi lại bằng lái ở đâu", false},
		{"tại sao", false},
	})
}

func TestAsksWhetherAndNeed(t *testing.T) {
	checkText(t, "asksWhether && asksNeed", func(s string) bool { return asksWhether(s) && asksNeed(s) }, []textCase{
		{"có cần giấy khai sinh không", true},
		{"cần mang bản sao ko ạ", true},
		{"có bắt buộc phải có ảnh không", true},
		{"có căn cước rồi thì làm lại được không", false},
		{"nộp online được không", false},
	})
}

func TestAsksWhether(t *testing.T) {
	checkText(t, "asksWhether", asksWhether, []textCase{
		{"có cần mang bản chính không", true},
		{"bản sao được không ạ", true},
		{"cần hộ khẩu ko anh?", true},
		{"nộp online được chưa vậy", true},
		{"hộ chiếu cần giấy tờ gì", false},
		{"làm sổ hộ nghèo ở đâu", false},
		{"không", true},
		{"", false},
	})
}

// textCase is a text and what a predicate on texts says of it.
type textCase struct {
	text string
	want bool
}

// checkText checks predicate f (named name) on every case.
func checkText(t *testing.T, name string, f func(string) bool, cases []textCase) {
	t.Helper()
	for _, c := range cases {
		if got := f(c.text); got != c.want {
			t.Errorf("%s(%q) = %v, want %v", name, c.text, got, c.want)
		}
	}
}

// What the bot cannot answer right after a card is most likely about that card: the
// card's parts and an officer are offered, not the generic "not found", and the message
// still reaches the officers' unanswered questions.
func TestNotFoundAfterCard(t *testing.T) {
	h := newHarness(t)
	h.text("làm căn cước")
	msgs := h.text("có phải thi lại không")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Cấp thẻ căn cước") || msgs[0].Text == h.b.byID["benthanh"].texts.NotFound {
		t.Fatalf("not found after a card = %s, want the card's parts offered", describe(msgs))
	}
	var docs, officer bool
	for _, bt := range msgs[0].Buttons {
		docs = docs || bt.Payload == "#TTHC 1.014061 GIAYTO"
		officer = officer || bt.Payload == payloadOfficer
	}
	if !docs || !officer || len(msgs[0].Buttons) > 5 {
		t.Errorf("buttons = %+v, want the card's documents and the officer, at most 5", msgs[0].Buttons)
	}
	if last := h.stats.deltas[len(h.stats.deltas)-1]; last.Unmatched == "" {
		t.Errorf("not recorded as unanswered: %+v", last)
	}
	// A yes/no question the search only half matched, its guesses holding the card: the
	// same answer about the card, not the list of guesses.
	h = newHarness(t)
	h.text("làm tạm trú")
	if msgs := h.text("chủ nhà có phải đi cùng không"); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Đăng ký tạm trú") || strings.Contains(msgs[0].Text, "1.004222") {
		t.Errorf("half-matched yes/no question after a card = %s, want the card's parts offered", describe(msgs))
	}
	// The same when the office's scope would make a referral of the guesses (the list is
	// led by the police's 1.004222): about the card, and the card stays.
	h = newHarness(t, func(a *Account) { a.Scope = procedures.Scope{Codes: []string{"1.004194", "1.014061"}} })
	h.text("làm tạm trú")
	if msgs := h.text("có cần bố đi cùng không"); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Đăng ký tạm trú") || strings.Contains(msgs[0].Text, "không thuộc phạm vi") {
		t.Errorf("half-matched yes/no question, scoped office = %s, want the card's parts offered", describe(msgs))
	}
	if msgs := h.text("lệ phí bao nhiêu"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Đăng ký tạm trú") {
		t.Errorf("the card after a half-matched question = %s, want its fee", describe(msgs))
	}
	// Without a card: the generic answer.
	h = newHarness(t)
	if msgs := h.text("có phải thi lại không"); len(msgs) != 1 || msgs[0].Text != h.b.byID["benthanh"].texts.NotFound {
		t.Errorf("not found without a card = %s", describe(msgs))
	}
}

// A question about a procedure the catalogue does not hold gets that procedure named
// (not "not found", nor another procedure's parts after a card), an officer offered, and
// is recorded among the unanswered questions: the office sees what its catalogue lacks.
func TestNotInCatalog(t *testing.T) {
	for _, after := range []string{"", "làm căn cước"} {
		h := newHarness(t)
		if after != "" {
			h.text(after)
		}
		msgs := h.text("xin giấy phép xây nhà ở đâu")
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Cấp giấy phép xây dựng mới") || !strings.Contains(msgs[0].Text, "chưa có hướng dẫn") ||
			strings.Contains(msgs[0].Text, "Cấp thẻ căn cước") {
			t.Fatalf("after %q: a procedure the catalogue lacks = %s, want it named", after, describe(msgs))
		}
		officer := false
		for _, bt := range msgs[0].Buttons {
			officer = officer || bt.Payload == payloadOfficer
		}
		if !officer {
			t.Errorf("after %q: buttons = %+v, want the officer", after, msgs[0].Buttons)
		}
		if last := h.stats.deltas[len(h.stats.deltas)-1]; last.Unmatched == "" {
			t.Errorf("after %q: not recorded as unanswered: %+v", after, last)
		}
	}
	// Beside a list of what the catalogue holds: named first, then at most three of them
	// in case the citizen meant one, recorded as unanswered.
	h := newHarness(t)
	msgs := h.text("nhận con nuôi ở đâu")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "nuôi con nuôi trong nước") || !strings.Contains(msgs[1].Text, "Nếu bạn hỏi việc khác") ||
		!strings.Contains(msgs[1].Text, "1.014061") || strings.Contains(msgs[1].Text, "1.014062") {
		t.Fatalf("a lacked procedure beside a list = %s", describe(msgs))
	}
	if last := h.stats.deltas[len(h.stats.deltas)-1]; last.Unmatched == "" {
		t.Errorf("beside a list: not recorded as unanswered: %+v", last)
	}
	// Its second entry, by number: the list shown is the one picked from.
	if msgs := h.text("2"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Đăng ký tạm trú") {
		t.Errorf("after the lacked naming, \"2\" = %s, want the second listed", describe(msgs))
	}
	// A list, then a naming with none: a number typed next is not a pick from the list two
	// answers up (its third is the identity card, 1.014061); it is what a number means
	// with no list on screen, a poster code (#3 is 1.002755).
	h = newHarness(t)
	h.text("nhận con nuôi ở đâu")
	h.text("xin giấy phép xây nhà ở đâu")
	if msgs := h.text("3"); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Mã thủ tục: 1.002755") {
		t.Errorf("a number after a naming with no list = %s, want the poster code's card, not a pick from the list before it", describe(msgs))
	}
	// An office whose scope holds none of the list: the naming alone, no referral.
	h = newHarness(t, func(a *Account) { a.Scope = procedures.Scope{Codes: []string{"1.001456"}} })
	if msgs := h.text("nhận con nuôi ở đâu"); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "nuôi con nuôi trong nước") || strings.Contains(msgs[0].Text, "không thuộc phạm vi") {
		t.Errorf("scoped office, a lacked procedure = %s, want the naming alone", describe(msgs))
	}
}

func TestNameInText(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		want string
	}{
		{"Đăng ký  tạm trú\n", 150, "Đăng ký tạm trú"},
		// Said after "thủ tục": the portal's own "Thủ tục" goes.
		{"Thủ tục đăng ký kết hôn có yếu tố nước ngoài", 150, "Đăng ký kết hôn có yếu tố nước ngoài"},
		{"THỦ TỤC đăng ký khai sinh", 150, "Đăng ký khai sinh"},
		// Short enough: the parentheses stay.
		{"Cấp lại thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)", 150, "Cấp lại thẻ bảo hiểm y tế (thực hiện tại cấp tỉnh)"},
		{"Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV (Công trình không theo tuyến/Theo tuyến trong đô thị/Tín ngưỡng, tôn giáo/Tượng đài, tranh hoành tráng/Theo giai đoạn cho công trình không theo tuyến/Theo giai đoạn cho công trình theo tuyến trong đô thị/Dự án) và nhà ở riêng lẻ", 150,
			"Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV và nhà ở riêng lẻ"},
		// Unbalanced: cut as it is.
		{"Một tên rất dài (không đóng ngoặc " + strings.Repeat("chữ ", 50), 40, "Một tên rất dài (không đóng ngoặc chữ c…"},
	} {
		if got := nameInText(tc.name, tc.n); got != tc.want {
			t.Errorf("nameInText(%q, %d) = %q, want %q", tc.name, tc.n, got, tc.want)
		}
	}
}

func TestNamesPaper(t *testing.T) {
	for _, tc := range []struct {
		objects []string
		want    bool
	}{
		{[]string{"so", "ho", "khau"}, true},
		{[]string{"ho", "khau"}, true},
		{[]string{"giay", "khai", "sinh"}, true},
		{[]string{"ban", "chinh"}, true},
		{[]string{"hinh"}, true},
		{[]string{"ho", "ngheo"}, false},
		{[]string{"tam", "tru"}, false},
		{[]string{"dat", "lich", "truoc"}, false},
		{[]string{"chong", "cung"}, false},
		{nil, false},
	} {
		if got := namesPaper(tc.objects); got != tc.want {
			t.Errorf("namesPaper(%q) = %v, want %v", tc.objects, got, tc.want)
		}
	}
}

// A list answering a new question leaves the card shown before it: the next bare aspect
// question asks which of the list, not the old card's part. A list of guesses for a
// question that names nothing keeps the card.
func TestListLeavesTheCard(t *testing.T) {
	h := newHarness(t)
	h.text("làm tạm trú")
	h.text("căn cước bị mất làm lại ở đâu")
	msgs := h.text("lệ phí bao nhiêu")
	if len(msgs) == 0 || strings.Contains(msgs[0].Text, "Đăng ký tạm trú") || !strings.Contains(msgs[0].Text, "1.014061") {
		t.Errorf("bare fee question after a card then a new question's list = %s, want the list asked which", describe(msgs))
	}
	h = newHarness(t)
	h.text("làm tạm trú")
	h.text("mang bản gốc theo hả")
	if msgs := h.text("lệ phí bao nhiêu"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Đăng ký tạm trú") {
		t.Errorf("bare fee question after a card then a list of guesses = %s, want the card's fee", describe(msgs))
	}
}

func TestIsIncident(t *testing.T) {
	checkText(t, "isIncident", isIncident, []textCase{
		{"e bị tống tiền", true},
		{"bị trấn lột ở cầu", true},
		{"tài khoản zalo bị hack", true},
		{"tổng tiền hết bao nhiêu ạ", false},
		{"ruộng lúa mất mùa muốn chuyển đổi", false},
		{"bí danh ghi trong giấy khai sinh", false},
	})
}

// A question about the office's hours on some day answers for that day, not only today
// ("thứ 7 phường có làm ko" was answered with today's hours).
// A phrase that reads as a question about the office ("ở đâu vậy", "địa chỉ", "mấy giờ",
// "điện thoại") inside a question about a procedure is the procedure's: "làm căn cước ở
// đâu vậy" got the office's address and hours. The office's own answer stays for the
// questions that ask nothing else, whatever the search made of them.
func TestOfficePhraseInAProcedureQuestion(t *testing.T) {
	h := newHarness(t)
	for _, q := range []string{"làm căn cước ở đâu vậy", "thay đổi địa chỉ trên thẻ căn cước"} {
		if msgs := h.text(q); len(msgs) == 0 || strings.Contains(msgs[0].Text, "🏢") || !strings.Contains(msgs[0].Text, "1.01406") {
			t.Errorf("%q = %s, want its procedure", q, describe(msgs))
		}
	}
	for _, q := range []string{"cho em số điện thoại công an phường", "số điện thoại của phường là gì", "giờ làm việc", "địa chỉ ở đâu"} {
		if msgs := h.text(q); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "🏢") {
			t.Errorf("%q = %s, want the office's information", q, describe(msgs))
		}
	}
}

func TestOfficeHoursOnTheDayAsked(t *testing.T) {
	h := newHarness(t) // Tuesday 1 December 2026, 9:00; T2–T6 all day, T7 mornings
	for _, c := range []struct{ text, want, not string }{
		{"chủ nhật có ai trực ko ạ", "Chủ nhật, 06/12: cơ quan không làm việc.", "Hôm nay"},
		{"thứ 7 phường có làm ko", "Thứ Bảy, 05/12: cơ quan làm việc 7:30–11:30.", "Hôm nay"},
		{"cuối tuần có làm việc không", "Thứ Bảy, 05/12: cơ quan làm việc 7:30–11:30.\nChủ nhật, 06/12: cơ quan không làm việc.", "Hôm nay"},
		{"mai có làm việc không", "Thứ Tư, 02/12: cơ quan làm việc 7:30–11:30, 13:30–17:00.", "Hôm nay"},
		{"thứ 3 có làm không", "Hôm nay (Thứ Ba, 01/12) cơ quan làm việc", "02/12"},
		{"hôm nay có làm việc không", "Hôm nay (Thứ Ba, 01/12) cơ quan làm việc", "05/12"},
	} {
		msgs := h.text(c.text)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, c.want) || strings.Contains(msgs[0].Text, c.not) {
			t.Errorf("%q = %s, want %q (and no %q)", c.text, describe(msgs), c.want, c.not)
		}
	}
}

// The menu and the welcome suggest what this office does: a ward's menu suggested the
// police's "làm căn cước" and poster code #12.
func TestMenuSuggestsTheOfficesOwn(t *testing.T) {
	h := newHarness(t, func(a *Account) {
		a.Scope = procedures.Scope{Codes: []string{"1.004222"}}
		a.QuickTopics = []QuickTopic{{Title: "Đăng ký thường trú", Payload: "#TTHC 1.004222"}, {Title: "Giờ làm việc", Payload: payloadOffice}}
	})
	residence, _ := h.cat.ByCode("1.004222")
	msgs := h.text("xin chào")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, `ví dụ: "đăng ký thường trú"`) || !strings.Contains(msgs[0].Text, "ví dụ: #"+residence.ShortCode+"\n") ||
		strings.Contains(msgs[0].Text, "làm căn cước") || strings.Contains(msgs[0].Text, "#12") || strings.Contains(msgs[0].Text, "{") {
		t.Errorf("menu = %s, want this office's procedure and poster code as examples", describe(msgs))
	}
	if msgs := h.follow(true); len(msgs) == 0 || !strings.Contains(msgs[0].Text, `(ví dụ: "đăng ký thường trú")`) {
		t.Errorf("welcome = %s, want this office's procedure as the example", describe(msgs))
	}
}
