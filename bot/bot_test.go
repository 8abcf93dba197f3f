package bot

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const (
	testOA   = "388613280878808645"
	testUser = "2468458835296197922"
	testApp  = "3608465248940903967"
)

// testStart is a Tuesday, 9:00 in Vietnam.
var testStart = time.Date(2026, 12, 1, 9, 0, 0, 0, zalo.Vietnam)

type harness struct {
	t      *testing.T
	b      *Bot
	msgr   *recMessenger
	state  *memState
	stats  *memStats
	cat    *testCatalog
	qr     *fakeQR
	attach *memAttach
	now    time.Time
	seq    int
}

func testAccount(t testing.TB) Account {
	hours, err := ParseHours("T2-T6 07:30-11:30 13:30-17:00; T7 07:30-11:30")
	if err != nil {
		t.Fatal(err)
	}
	return Account{
		ID: "benthanh", OAID: testOA, Name: "Công an phường Bến Thành",
		QuickTopics: []QuickTopic{
			{Title: "Làm căn cước", Payload: "#TTHC 1.014061"},
			{Title: "Đăng ký thường trú", Payload: "#TTHC 1.004222"},
			{Title: "Đăng ký tạm trú", Payload: "#TTHC 1.004194"},
			{Title: "Hộ chiếu", Payload: "#24"},
			{Title: "Giờ làm việc", Payload: "#COQUAN"},
		},
		Offices: []Office{
			{Name: "Công an phường Bến Thành", Address: "93 Nguyễn Du, phường Bến Thành, TP. Hồ Chí Minh",
				Phone: "028 3822 0000", Lat: 10.7745, Lng: 106.6985, Hours: hours},
			{Name: "Điểm tiếp dân số 2", Address: "12 Lê Lai, phường Bến Thành, TP. Hồ Chí Minh",
				Phone: "028 3822 0001", Lat: 10.7710, Lng: 106.6930, Hours: hours},
		},
	}
}

func newHarness(t *testing.T, mods ...func(*Account)) *harness {
	t.Helper()
	acc := testAccount(t)
	for _, m := range mods {
		m(&acc)
	}
	h := &harness{t: t, msgr: &recMessenger{}, state: newMemState(), stats: &memStats{},
		cat: loadTestCatalog(t), qr: &fakeQR{}, attach: &memAttach{}, now: testStart}
	b, err := New(Deps{
		Clock: func() time.Time { return h.now }, State: h.state, Stats: h.stats,
		Catalog: h.cat, Search: testSearch(h.cat), Accounts: []Account{acc},
		Messenger: func(string) (Messenger, bool) { return h.msgr, true },
		QR:        h.qr, Attachments: h.attach,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.b = b
	return h
}

// testSearch gives the routing tests fixed search outcomes.
func testSearch(c *testCatalog) fakeSearch {
	ids := []string{"1.014061", "1.014062", "1.014063", "1.014064", "3.000228", "1.012564", "1.001456"}
	var idcards = c.records(ids...)
	return fakeSearch{
		"lam can cuoc":       {Kind: FoundOne, Hits: c.records("1.014061")},
		"dang ky thuong tru": {Kind: FoundOne, Hits: c.records("1.004222")},
		"doi the can cuoc":   {Kind: FoundOne, Hits: c.records("1.014063"), Variants: c.records("2.001195")},
		"can cuoc":           {Kind: FoundSeveral, Hits: idcards},
		// A list for a question naming its object, and one of guesses for a question
		// naming nothing.
		"can cuoc bi mat lam lai o dau": {Kind: FoundSeveral, Hits: idcards, Aspect: SectionPlace, Said: procedures.Said{Named: true, Objects: []string{"can", "cuoc"}}},
		"mang ban goc theo ha":          {Kind: FoundSeveral, Hits: idcards, Said: procedures.Said{Objects: []string{"ban", "goc"}}},
		// Questions about a procedure holding a phrase that reads as one about the office.
		"lam can cuoc o dau vay":              {Kind: FoundSeveral, Hits: idcards, Aspect: SectionPlace, Said: procedures.Said{Named: true}},
		"thay doi dia chi tren the can cuoc":  {Kind: FoundOne, Hits: c.records("1.014063"), Said: procedures.Said{Named: true}},
		"cho em so dien thoai cong an phuong": {Kind: FoundSeveral, Hits: idcards, Said: procedures.Said{Named: true}},
		"doi can cuoc":                        {Kind: FoundClarify, Options: c.records("1.014063", "1.014064")},
		"can giay to gi":                      {Kind: FoundNothing, Aspect: SectionDocs, Said: procedures.Said{Bare: true}},
		"le phi bao nhieu":                    {Kind: FoundNothing, Aspect: SectionFee, Said: procedures.Said{Bare: true}},
		"ho chieu can giay to gi":             {Kind: FoundOne, Hits: c.records("1.001456"), Aspect: SectionDocs},
		"nop o dau":                           {Kind: FoundNothing, Aspect: SectionPlace, Said: procedures.Said{Bare: true}},
		// A crime told: nothing found; an unsure list; a sure card.
		"nha em bi trom xe may toi qua bao cong an o dau a": {Kind: FoundNothing, Aspect: SectionPlace},
		"xe bi trom mat luon muon huy dang ky xe":           {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194")},
		"bi trom mat can cuoc lam lai o dau":                {Kind: FoundOne, Hits: c.records("1.014064"), Aspect: SectionPlace},
		// Not found, naming something the catalogue lacks; a list made of words of talk.
		"xe bi phat nguoi tra o dau": {Kind: FoundNothing, Aspect: SectionPlace},
		"phi bao nhieu vay chi":      {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194"), Aspect: SectionFee, Said: procedures.Said{Bare: true}},
		"giay to can cuoc":           {Kind: FoundSeveral, Hits: idcards, Aspect: SectionDocs},
		"tam tru cho nguoi moi den":  {Kind: FoundSeveral, Hits: c.records("1.004194")},
		// Unsure lists for aspect questions: one naming its own object, one bare (noise),
		// one naming an object whose list holds the current card.
		"lam so ho ngheo o dau": {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194"), Aspect: SectionPlace, Said: procedures.Said{Named: true, Objects: []string{"so", "ho", "ngheo"}}},
		// "Does it need a birth certificate?": the search is sure of another procedure
		// (1.012564 stands in for the birth registration), and the permanent-residence card
		// names the paper among its documents.
		"co can giay khai sinh khong": {Kind: FoundOne, Hits: c.records("1.012564"), Said: procedures.Said{Named: true, Objects: []string{"giay", "khai", "sinh"}}},
		"co can anh khong":            {Kind: FoundNothing, Said: procedures.Said{Objects: []string{"anh"}}},
		// Whether a paper will do: one the temporary residence's documents name, beside a
		// list of others; one they do not name; the same paper, the search sure of another.
		"hop dong thue tro viet tay co duoc ko": {Kind: FoundSeveral, Hits: c.records("1.004222", "1.014061"),
			Said: procedures.Said{Named: true, Objects: []string{"hop", "dong", "thue", "tro", "viet", "tay"}}},
		"giay khai sinh viet tay co duoc ko": {Kind: FoundSeveral, Hits: c.records("1.004222", "1.014061"),
			Said: procedures.Said{Named: true, Objects: []string{"giay", "khai", "sinh", "viet", "tay"}}},
		"hop dong mua ban xe co duoc ko": {Kind: FoundOne, Hits: c.records("1.014061"),
			Said: procedures.Said{Named: true, Objects: []string{"hop", "dong", "mua", "ban", "xe"}}},
		"co can mang xe den khong": {Kind: FoundSeveral, Hits: c.records("1.014064", "1.014061"), Said: procedures.Said{Objects: []string{"xe", "den"}}},
		"e co can mang ho khau ko": {Kind: FoundNothing, Said: procedures.Said{Objects: []string{"ho", "khau"}},
			Lacked: procedures.Elsewhere{Code: "1.001193", Name: "Liên thông thủ tục hành chính về đăng ký khai sinh"}},
		"co can so ho khau khong":  {Kind: FoundReferral, Referral: c.records("1.004222")[0], Said: procedures.Said{Named: true, Objects: []string{"so", "ho", "khau"}}},
		"co can lam tam tru khong": {Kind: FoundOne, Hits: c.records("1.004194"), Said: procedures.Said{Named: true, Objects: []string{"tam", "tru"}}},
		// Named, but only by what the current card (the identity card) tells of itself: a
		// yes/no question about it, and a question about the thing itself.
		"ban chinh cong chung o dau":  {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194"), Aspect: SectionPlace, Said: procedures.Said{Named: true, Objects: []string{"ban", "chinh"}}},
		"co can mang ban chinh khong": {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194"), Aspect: SectionDocs, Said: procedures.Said{Named: true, Objects: []string{"ban", "chinh"}}},
		"cho em hoi nop o dau a":      {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194"), Aspect: SectionPlace},
		"can cuoc lan dau o dau":      {Kind: FoundSeveral, Hits: idcards, Aspect: SectionPlace, Said: procedures.Said{Named: true}},
		// A procedure the catalogue lacks, named by its seed examples.
		"xin giay phep xay nha o dau": {Kind: FoundNothing, Aspect: SectionPlace, Lacked: procedures.Elsewhere{Code: "1.013225", Name: "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV và nhà ở riêng lẻ"}},
		// The same, beside a list of what the catalogue holds sharing a word with it.
		"nhan con nuoi o dau": {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194", "1.014061", "1.014062"), Aspect: SectionPlace,
			Lacked: procedures.Elsewhere{Code: "2.001263", Name: "Đăng ký việc nuôi con nuôi trong nước"}},
		// Yes/no questions the search half matched: one listing the temporary residence
		// among its guesses, one naming something else.
		"chu nha co phai di cung khong": {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194"), Said: procedures.Said{Objects: []string{"chu", "nha", "cung"}}},
		"co can bo di cung khong":       {Kind: FoundSeveral, Hits: c.records("1.004222", "1.014061"), Said: procedures.Said{Objects: []string{"bo", "cung"}}},
		"chu cu o tinh khac thi sao a":  {Kind: FoundSeveral, Hits: c.records("1.004222", "1.004194"), Said: procedures.Said{Objects: []string{"chu", "cu", "tinh", "khac"}}},
		"lam so ho ngheo duoc khong":    {Kind: FoundSeveral, Hits: c.records("1.004222", "1.014061"), Said: procedures.Said{Named: true, Objects: []string{"so", "ho", "ngheo"}}},
		// A card with other candidates (for "không phải").
		"lam tam tru":       {Kind: FoundOne, Hits: c.records("1.004194"), Others: c.records("1.002755", "1.004222")},
		"lam tam tru lan 2": {Kind: FoundOne, Hits: c.records("1.004194"), Others: c.records("1.002755")},
	}
}

func (h *harness) job(name, body string) queue.Job {
	h.seq++
	raw := fmt.Sprintf(`{"app_id":%q,"user_id_by_app":"55","event_name":%q,"timestamp":"%d",%s}`,
		testApp, name, h.now.UnixMilli()+int64(h.seq), body)
	return queue.Job{Account: "benthanh", OAID: testOA, UserID: testUser, EventName: name,
		DedupeKey: fmt.Sprintf("k%d", h.seq), Raw: []byte(raw), ReceivedAt: h.now}
}

func userMsg(name, message string) string {
	return fmt.Sprintf(`"sender":{"id":%q},"recipient":{"id":%q},"message":%s`, testUser, testOA, message)
}

func (h *harness) run(j queue.Job) []zalo.Message {
	h.t.Helper()
	if err := h.b.HandleJob(context.Background(), j); err != nil {
		h.t.Fatalf("HandleJob(%s) = %v", j.EventName, err)
	}
	return h.msgr.take()
}

func (h *harness) text(s string) []zalo.Message {
	h.t.Helper()
	q, _ := json.Marshal(s)
	return h.run(h.job("user_send_text", userMsg("user_send_text", fmt.Sprintf(`{"msg_id":"m%d","text":%s}`, h.seq, q))))
}

func (h *harness) attachment(kind, payload string) []zalo.Message {
	h.t.Helper()
	return h.run(h.job("user_send_"+kind, userMsg("", fmt.Sprintf(`{"msg_id":"a%d","attachments":[{"type":%q,"payload":%s}]}`, h.seq, kind, payload))))
}

func (h *harness) follow(follow bool) []zalo.Message {
	h.t.Helper()
	name := "follow"
	if !follow {
		name = "unfollow"
	}
	return h.run(h.job(name, fmt.Sprintf(`"oa_id":%q,"follower":{"id":%q},"source":"oa_profile"`, testOA, testUser)))
}

func (h *harness) chatNow() []zalo.Message {
	h.t.Helper()
	return h.run(h.job("user_click_chatnow", fmt.Sprintf(`"oa_id":%q,"user_id":%q`, testOA, testUser)))
}

func (h *harness) officer(adminID string) []zalo.Message {
	h.t.Helper()
	sender := fmt.Sprintf(`{"id":%q,"admin_id":%q}`, testOA, adminID)
	if adminID == "" {
		sender = fmt.Sprintf(`{"id":%q}`, testOA)
	}
	return h.run(h.job("oa_send_text", fmt.Sprintf(`"sender":%s,"recipient":{"id":%q},"message":{"msg_id":"o%d","text":"x"}`, sender, testUser, h.seq)))
}

func (h *harness) conv() Conversation {
	c, _ := h.state.Get(context.Background(), testOA, testUser)
	return c
}

func golden(t *testing.T, name string, msgs []zalo.Message) {
	t.Helper()
	got := describe(msgs)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestGoldenReplies(t *testing.T) {
	tests := []struct {
		name string
		do   func(h *harness) []zalo.Message
	}{
		{"welcome", func(h *harness) []zalo.Message { return h.follow(true) }},
		{"chatnow_menu", func(h *harness) []zalo.Message { return h.chatNow() }},
		{"menu_xin_chao", func(h *harness) []zalo.Message { return h.text("Xin chào") }},
		{"card_idcard", func(h *harness) []zalo.Message { return h.text("làm căn cước") }},
		{"card_residence", func(h *harness) []zalo.Message { return h.text("#TTHC 1.004222") }},
		{"card_short_code", func(h *harness) []zalo.Message { return h.text("#24") }},
		{"card_bare_code", func(h *harness) []zalo.Message { return h.text("1.014063") }},
		{"card_variants", func(h *harness) []zalo.Message { return h.text("đổi thẻ căn cước") }},
		{"card_variant_code", func(h *harness) []zalo.Message { h.text("đổi thẻ căn cước"); return h.text("2.001195") }},
		{"section_docs", func(h *harness) []zalo.Message { return h.text("#TTHC 1.004222 GIAYTO") }},
		{"section_steps", func(h *harness) []zalo.Message { return h.text("#TTHC 1.014061 BUOC") }},
		{"section_fee", func(h *harness) []zalo.Message { return h.text("#TTHC 1.014063 LEPHI") }},
		{"section_forms", func(h *harness) []zalo.Message { return h.text("#TTHC 1.004222 BIEUMAU") }},
		{"section_online", func(h *harness) []zalo.Message { return h.text("#TTHC 1.004194 TRUCTUYEN") }},
		{"section_place", func(h *harness) []zalo.Message { return h.text("#TTHC 1.004194 NOINOP") }},
		{"section_qr", func(h *harness) []zalo.Message { return h.text("#TTHC 1.014061 QR") }},
		{"list", func(h *harness) []zalo.Message { return h.text("căn cước") }},
		{"list_more", func(h *harness) []zalo.Message { h.text("căn cước"); return h.text("xem thêm") }},
		{"list_no_more", func(h *harness) []zalo.Message {
			h.text("căn cước")
			h.text("xem thêm")
			return h.text("xem thêm")
		}},
		{"list_pick", func(h *harness) []zalo.Message { h.text("căn cước"); return h.text("2") }},
		{"list_pick_aspect", func(h *harness) []zalo.Message { h.text("giấy tờ căn cước"); return h.text("2") }},
		{"list_pick_out_of_range", func(h *harness) []zalo.Message { h.text("căn cước"); return h.text("9") }},
		{"clarify", func(h *harness) []zalo.Message { return h.text("đổi căn cước") }},
		{"follow_up_docs", func(h *harness) []zalo.Message { h.text("làm căn cước"); return h.text("cần giấy tờ gì") }},
		{"follow_up_other_procedure", func(h *harness) []zalo.Message {
			h.text("làm căn cước")
			return h.text("hộ chiếu cần giấy tờ gì")
		}},
		{"not_found", func(h *harness) []zalo.Message { return h.text("con mèo nhà tôi bị lạc 0903123456") }},
		{"unknown_code", func(h *harness) []zalo.Message { return h.text("#TTHC 9.999999") }},
		{"handoff", func(h *harness) []zalo.Message { return h.text("cho tôi gặp cán bộ") }},
		{"office_hours", func(h *harness) []zalo.Message { return h.text("giờ làm việc") }},
		{"office_open_today", func(h *harness) []zalo.Message { return h.text("hôm nay có làm việc không?") }},
		{"office_closed_sunday", func(h *harness) []zalo.Message {
			h.now = testStart.AddDate(0, 0, 5) // Sunday
			return h.text("hôm nay có làm việc không")
		}},
		{"office_address", func(h *harness) []zalo.Message { return h.text("địa chỉ ở đâu vậy") }},
		{"location", func(h *harness) []zalo.Message {
			return h.attachment("location", `{"coordinates":{"latitude":"10.7712","longitude":"106.6935"}}`)
		}},
		{"sticker", func(h *harness) []zalo.Message { return h.attachment("sticker", `{"id":"s1","url":"https://x/y"}`) }},
		{"submit_info", func(h *harness) []zalo.Message {
			return h.run(h.job("user_submit_info", userMsg("", `{"msg_id":"i1"}`)+`,"info":{"name":"A","phone":"0900000000"}`))
		}},
		{"rate_limited", func(h *harness) []zalo.Message {
			for i := 0; i < DefaultRateLimit; i++ {
				h.text("giờ làm việc")
			}
			return h.text("giờ làm việc")
		}},
		{"thanks", func(h *harness) []zalo.Message { return h.text("Cảm ơn ạ") }},
		{"empty_text", func(h *harness) []zalo.Message { return h.text("   ") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			golden(t, tt.name, tt.do(h))
		})
	}
}

func TestGoldenNoticeAndOverrides(t *testing.T) {
	h := newHarness(t, func(a *Account) {
		a.Notice = Notice{Text: "Ngày 1/1/2027 (Tết Dương lịch) cơ quan nghỉ làm việc.",
			Start: testStart.Add(-time.Hour), End: testStart.Add(24 * time.Hour)}
		a.Texts = map[string]string{"signature": "Công an phường Bến Thành – vì nhân dân phục vụ."}
	})
	golden(t, "notice_card", h.text("làm căn cước"))
	golden(t, "notice_menu_signature", h.text("menu"))
	h.now = testStart.Add(25 * time.Hour)
	golden(t, "notice_expired", h.text("làm căn cước"))
}
