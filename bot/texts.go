package bot

import (
	"fmt"
	"sort"
	"strings"

	"github.com/oabot/oabot/procedures"
)

// Texts holds every Vietnamese string the bot shows to citizens. Placeholders are written
// {name} and filled by fill; unknown placeholders stay as they are so a typo shows in the
// golden files. An account can override any entry by key (Override).
//
// Wording rules: polite and short; address the citizen as "bạn"; "căn cước" (not CCCD) in
// headings; plain text with line breaks, at most one emoji per heading.
type Texts struct {
	Welcome        string // follow; {office}
	Greeting       string // chat-now, "menu", "xin chào"; {office}
	MenuHelp       string // the list of things to type, below the greeting; {examples} {code}
	Signature      string // appended to welcome, greeting and handoff; empty = none
	Handoff        string // asking for a person; {phone_line}
	HandoffPhone   string // {phone}
	HandoffNoPhone string
	NotFound       string // search found nothing
	NotInCatalog   string // the text asks for a procedure the catalogue does not hold ({procedure}, {office})
	LackedAlso     string // introduces what the search found beside it (NotInCatalog)
	NotFoundAbout  string // search found nothing right after a card; {name}
	Incident       string // a crime told (isIncident): how to report it
	NotUnderstood  string // an empty or unusable text
	ReadsTextOnly  string // stickers, images, …
	RateLimited    string
	InfoThanks     string // user_submit_info
	YouAreWelcome  string // the citizen says thanks / ok
	UnknownCode    string // a deep link or code that is not in the catalogue; {code}
	NoMoreItems    string // "xem thêm" with nothing more
	PickNumber     string // a number outside the last list; {max}
	NumberNoList   string // a number with no list on screen, and no poster code of this office; {code}
	ListIntro      string // numbered list heading
	ListIntroOne   string // … of a list of one ("một số thủ tục" would be wrong)
	FeedbackPrompt string // after a card, at most once an hour: how to say it is not the one
	// Referral answers a question about a procedure another office handles; {procedure},
	// {agency}, {office}. ReferralOther names an OA of this deployment that handles it
	// ({other}); ReferralNone is said when none does. ReferralMaybe replaces Referral when
	// the procedure only led a list the search was not sure of.
	Referral              string
	ReferralMaybe         string
	ReferralOther         string
	ReferralNone          string
	ReferralAgencyUnknown string
	// ReferralAlso introduces this office's procedures that also matched, listed after a
	// referral the search was not sure of; {office}.
	ReferralAlso   string
	NotThisIntro   string // "không phải": heading of the other candidates
	NotThisNone    string // "không phải" with no other candidate
	ListNext       string // heading of the next pages ("xem thêm")
	ListFooter     string // how to pick
	ListWhich      string // heading of the list shown again for an aspect question that names no procedure
	AskWhich       string // an aspect question that names no procedure, with no card nor list to follow up
	ListMore       string // there is a next page
	ClarifyFooter  string // below a clarifying question
	ClarifyDefault string // question when the options share no topic
	ClarifyTopic   string // {topic}: question about the options' common topic
	NoticeHeading  string // pinned notice heading; {text}

	// Card and sections.
	CardHeading      string // {name}
	CardCode         string // {code}
	CardWhere        string // {where}
	CardTime         string // {time}
	CardFee          string // {fee}
	CardChannels     string // heading of per-channel time/fee lines
	CardChannelLine  string // {channel} {time} {fee}
	CardChannelCases string // {channel} {times} {fees}: the portal gives one way of doing it several times, by case
	CardOr           string // joins the times or fees of those cases
	CardDocs         string // {n}
	CardDocsCases    string // {n} always-needed papers, {extra} depending on the case or optional
	CardDocsAllCases string // {extra}: every paper depends on the case
	CardFooter       string
	CardVariants     string // {variants}: the same procedure at other levels or agencies
	CardVariant      string // {where} {code}: one item of {variants}
	SectionDocs      string // {name}
	SectionSteps     string // {name}
	SectionFee       string // {name}
	SectionForms     string // {name}
	SectionOnline    string // {name}
	SectionPlace     string // {name}
	SectionQR        string // {name} {code}: caption of the QR image
	SectionNoForms   string
	FormsPortal      string // {url}: where to download forms without their own link
	SectionNoDocs    string
	SectionOnlineYes string // {url}
	SectionOnlineNo  string // {where}
	DocCase          string // {case}
	DocConditions    string // heading of the procedure's requirements, after its papers
	DocConditionsURL string // {url}: requirements too long for a chat, on the portal
	DocOptional      string
	DocOriginals     string // {n}
	DocCopies        string // {n}
	StepLine         string // {n} {text}
	FeeLine          string // {channel} {time} {fee}
	FeeNote          string // {note}
	Agency           string // {agency}
	PlaceUnknown     string
	PlaceOffice      string // {office}, {address}: a procedure of the office's own scope whose record names no place
	QRUnavailable    string
	PartSuffix       string // {i} {n}: added to the heading of split sections
	SectionMore      string // {n} {url}: the lines past a section's last message, on the portal
	SectionMoreAsk   string // {n}: the same, for a record without a portal page

	ChannelDirect string
	ChannelOnline string
	ChannelPost   string
	Unknown       string // a missing time or fee

	// Buttons (titles ≤ 35 characters).
	BtnDocs    string
	BtnSteps   string
	BtnFee     string
	BtnForms   string
	BtnPortal  string
	BtnOnline  string
	BtnQR      string
	BtnMenu    string
	BtnOfficer string
	BtnNotThis string // after a card: it is not what I need
	BtnOpenOA  string // a referral: open the other office's OA; {other}
	BtnCall    string
	BtnMap     string
	BtnMore    string

	// Office information.
	OfficeHeading string // {name}
	OfficeAddress string // {address}
	OfficeHours   string // {hours}
	OfficePhone   string // {phone}
	OfficeNone    string
	OpenNow       string // {day} {intervals}
	ClosedNow     string // {day} {intervals}
	ClosedToday   string // {day}
	DayOpen       string // another day asked about ("thứ 7 có làm không"); {day} {intervals}
	DayClosed     string // {day}
	Nearest       string // {name} {distance}
	Weekdays      [7]string
}

// DefaultTexts returns the built-in wording.
func DefaultTexts() Texts {
	return Texts{
		Welcome: "Cảm ơn bạn đã quan tâm {office}.\n" +
			"Đây là trợ lý tự động trả lời về thủ tục hành chính: hồ sơ cần chuẩn bị, " +
			"các bước, lệ phí và thời gian giải quyết.\n" +
			"Bạn hãy nhắn tên thủ tục (ví dụ: {example}) hoặc chọn một chủ đề bên dưới.",
		Greeting: "Xin chào! Đây là trợ lý tự động của {office}.",
		MenuHelp: "Bạn có thể nhắn:\n" +
			"- Tên thủ tục, ví dụ: {examples}\n" +
			"- Mã in trên áp phích, ví dụ: #{code}\n" +
			"- \"Giờ làm việc\" hoặc \"địa chỉ\" để xem thông tin cơ quan\n" +
			"- \"Gặp cán bộ\" để được cán bộ hỗ trợ",
		Handoff: "Đã chuyển yêu cầu của bạn đến cán bộ. Cán bộ sẽ trả lời bạn tại đây " +
			"trong giờ làm việc; trợ lý tự động tạm dừng để cán bộ trao đổi với bạn.{phone_line}",
		HandoffPhone:   "\nNếu cần gấp, bạn vui lòng gọi: {phone}.",
		HandoffNoPhone: "",
		NotFound: "Xin lỗi, chưa tìm thấy thủ tục phù hợp với câu hỏi của bạn.\n" +
			"Bạn thử nhắn ngắn gọn tên thủ tục (ví dụ: \"cấp lại căn cước\"), " +
			"xem menu hoặc nhờ cán bộ hỗ trợ.",
		NotInCatalog: "Có thể bạn hỏi về thủ tục \"{procedure}\". Trợ lý của {office} chưa có hướng dẫn cho thủ tục này.\n" +
			"Bạn có thể tìm tên thủ tục trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) " +
			"hoặc bấm \"Gặp cán bộ\" để được hỗ trợ.",
		LackedAlso: "Nếu bạn hỏi việc khác, có thể là một trong các thủ tục sau:",
		NotFoundAbout: "Xin lỗi, trợ lý chưa trả lời được câu hỏi này. Nếu bạn hỏi về thủ tục \"{name}\", " +
			"bạn xem chi tiết bên dưới hoặc bấm \"Gặp cán bộ\" để cán bộ trả lời.",
		Incident: "Nếu sự việc đang xảy ra hoặc cần giúp ngay, bạn gọi 113 (Cảnh sát); cháy nổ gọi 114, cấp cứu gọi 115.\n" +
			"Để trình báo, tố giác, bạn đến cơ quan Công an gần nhất (Công an xã, phường) " +
			"hoặc bấm \"Gặp cán bộ\" để được hướng dẫn.",
		NotUnderstood: "Xin lỗi, chưa hiểu tin nhắn của bạn. Bạn vui lòng nhắn tên thủ tục cần hỏi.",
		ReadsTextOnly: "Cảm ơn bạn. Trợ lý tự động hiện chỉ đọc được tin nhắn chữ. " +
			"Bạn vui lòng nhắn tên thủ tục cần hỏi, hoặc chọn một chủ đề bên dưới.",
		RateLimited: "Bạn đã gửi nhiều tin nhắn trong thời gian ngắn. " +
			"Trợ lý sẽ trả lời tiếp sau khoảng 1 phút.",
		InfoThanks:            "Cảm ơn bạn đã cung cấp thông tin. Cán bộ sẽ liên hệ khi cần.",
		YouAreWelcome:         "Rất vui được hỗ trợ bạn. Khi cần, bạn cứ nhắn tên thủ tục nhé.",
		UnknownCode:           "Không tìm thấy thủ tục có mã {code}. Bạn vui lòng kiểm tra lại mã hoặc nhắn tên thủ tục.",
		NoMoreItems:           "Đã hết danh sách. Bạn có thể nhắn tên thủ tục khác để tìm.",
		PickNumber:            "Bạn vui lòng nhắn một số từ 1 đến {max} để chọn thủ tục trong danh sách.",
		NumberNoList:          "Bạn nhắn số thứ tự khi có danh sách thủ tục trên màn hình, hoặc mã in trên áp phích của cơ quan (ví dụ: #{code}). Bạn cũng có thể nhắn tên thủ tục hoặc xem menu.",
		ListIntro:             "Có một số thủ tục gần với câu hỏi của bạn:",
		ListIntroOne:          "Có thể bạn hỏi về thủ tục này:",
		FeedbackPrompt:        "Nếu đây không phải thủ tục bạn cần, bấm “Không phải” để xem các thủ tục gần giống.",
		Referral:              "Thủ tục \"{procedure}\" do {agency} giải quyết, không thuộc phạm vi của {office}.",
		ReferralMaybe:         "Có thể bạn hỏi về thủ tục \"{procedure}\". Thủ tục này do {agency} giải quyết, không thuộc phạm vi của {office}.",
		ReferralOther:         "Bạn có thể nhắn cho {other} để được hướng dẫn.",
		ReferralNone:          "Bạn vui lòng liên hệ cơ quan đó hoặc xem hướng dẫn trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn).",
		ReferralAgencyUnknown: "cơ quan khác",
		ReferralAlso:          "Nếu bạn hỏi việc do {office} giải quyết, có thể là một trong các thủ tục sau:",
		NotThisIntro:          "Xin lỗi bạn. Có phải bạn cần một trong các thủ tục sau?",
		NotThisNone: "Xin lỗi bạn. Bạn vui lòng nhắn rõ hơn việc cần làm (ví dụ: \"đăng ký tạm trú cho người thuê trọ\"), " +
			"hoặc bấm \"Gặp cán bộ\" để được hỗ trợ.",
		ListNext:   "Các thủ tục tiếp theo:",
		ListFooter: "Nhắn số thứ tự (ví dụ: 1) hoặc bấm nút để xem chi tiết.",
		ListWhich:  "Bạn hỏi về thủ tục nào trong danh sách? Bạn chọn thủ tục để xem phần bạn hỏi:",
		AskWhich: "Bạn muốn hỏi về thủ tục nào? Bạn nhắn tên thủ tục kèm câu hỏi " +
			"(ví dụ: \"làm căn cước cần giấy tờ gì\"), hoặc chọn một chủ đề bên dưới.",
		ListMore:       "Nhắn \"xem thêm\" để xem các thủ tục khác.",
		ClarifyFooter:  "Bạn chọn trường hợp bên dưới hoặc nhắn số thứ tự.",
		ClarifyDefault: "Bạn đang hỏi về trường hợp nào dưới đây?",
		ClarifyTopic:   "Về {topic}, bạn cần làm thủ tục nào dưới đây?",
		NoticeHeading:  "📢 Thông báo: {text}",

		CardHeading:      "📄 {name}",
		CardCode:         "Mã thủ tục: {code}",
		CardWhere:        "Nơi nộp: {where}",
		CardTime:         "Thời gian giải quyết: {time}",
		CardFee:          "Lệ phí: {fee}",
		CardChannels:     "Thời gian và lệ phí:",
		CardChannelLine:  "- {channel}: {time}; {fee}",
		CardChannelCases: "- {channel}: {time}; {fee} (tùy trường hợp)",
		CardOr:           " hoặc ",
		CardDocs:         "Hồ sơ: {n} loại giấy tờ",
		CardDocsCases:    "Hồ sơ: {n} loại giấy tờ, thêm {extra} loại tùy trường hợp",
		CardDocsAllCases: "Hồ sơ: {extra} loại giấy tờ tùy trường hợp",
		CardFooter:       "Bấm nút bên dưới để xem chi tiết.",
		CardVariants:     "Thủ tục này cũng làm được ở: {variants}. Nhắn mã để xem thủ tục đó.",
		CardVariant:      "{where} (mã {code})",
		SectionDocs:      "📋 Hồ sơ cần chuẩn bị – {name}",
		SectionSteps:     "🧭 Các bước thực hiện – {name}",
		SectionFee:       "💰 Lệ phí và thời gian – {name}",
		SectionForms:     "📝 Biểu mẫu – {name}",
		SectionOnline:    "🌐 Nộp trực tuyến – {name}",
		SectionPlace:     "📍 Nơi nộp hồ sơ – {name}",
		SectionQR:        "Mã QR thủ tục {name} ({code}). Quét mã để mở lại thủ tục này trên Zalo.",
		SectionNoForms:   "Thủ tục này không có biểu mẫu riêng cần tải về.",
		FormsPortal:      "Tải biểu mẫu tại trang thủ tục trên Cổng Dịch vụ công quốc gia:\n{url}",
		SectionNoDocs:    "Chưa có danh sách hồ sơ cho thủ tục này. Bạn vui lòng hỏi cán bộ.",
		SectionOnlineYes: "Bạn có thể nộp hồ sơ trực tuyến tại:\n{url}\n" +
			"Bạn đăng nhập bằng tài khoản định danh điện tử VNeID.",
		SectionOnlineNo:  "Thủ tục này chưa nộp trực tuyến được. Bạn vui lòng nộp trực tiếp tại: {where}",
		DocCase:          "Trường hợp {case}:",
		DocConditions:    "Yêu cầu, điều kiện:",
		DocConditionsURL: "Thủ tục này còn có yêu cầu, điều kiện riêng. Bạn xem đầy đủ tại trang thủ tục trên Cổng Dịch vụ công quốc gia:\n{url}",
		DocOptional:      " (nếu có)",
		DocOriginals:     "{n} bản chính",
		DocCopies:        "{n} bản sao",
		StepLine:         "Bước {n}: {text}",
		FeeLine:          "- {channel}: {time}; {fee}",
		FeeNote:          "  Ghi chú: {note}",
		Agency:           "Cơ quan thực hiện: {agency}",
		PlaceUnknown:     "cơ quan tiếp nhận hồ sơ (bạn vui lòng hỏi cán bộ)",
		PlaceOffice:      "{office}, {address}",
		QRUnavailable:    "Xin lỗi, chưa gửi được mã QR lúc này. Bạn vui lòng thử lại sau.",
		PartSuffix:       " ({i}/{n})",
		SectionMore:      "… còn {n} mục nữa. Bạn xem đầy đủ tại trang thủ tục trên Cổng Dịch vụ công quốc gia:\n{url}",
		SectionMoreAsk:   "… còn {n} mục nữa. Bạn hỏi cán bộ để biết đầy đủ.",

		ChannelDirect: "Trực tiếp",
		ChannelOnline: "Trực tuyến",
		ChannelPost:   "Qua bưu chính",
		Unknown:       "chưa có thông tin",

		BtnDocs:    "Hồ sơ cần chuẩn bị",
		BtnSteps:   "Các bước",
		BtnFee:     "Lệ phí & thời gian",
		BtnForms:   "Biểu mẫu",
		BtnPortal:  "Trang thủ tục",
		BtnOnline:  "Nộp trực tuyến",
		BtnQR:      "Mã QR",
		BtnMenu:    "Menu",
		BtnOfficer: "Gặp cán bộ",
		BtnNotThis: "Không phải",
		BtnOpenOA:  "Nhắn {other}",
		BtnCall:    "Gọi điện",
		BtnMap:     "Chỉ đường",
		BtnMore:    "Xem thêm",

		OfficeHeading: "🏢 {name}",
		OfficeAddress: "Địa chỉ: {address}",
		OfficeHours:   "Giờ làm việc: {hours}",
		OfficePhone:   "Điện thoại: {phone}",
		OfficeNone:    "Chưa có thông tin cơ quan. Bạn vui lòng nhắn \"gặp cán bộ\" để được hỗ trợ.",
		OpenNow:       "Hôm nay ({day}) cơ quan làm việc: {intervals}. Hiện đang trong giờ làm việc.",
		ClosedNow:     "Hôm nay ({day}) cơ quan làm việc: {intervals}. Hiện đang ngoài giờ làm việc.",
		ClosedToday:   "Hôm nay ({day}) cơ quan không làm việc.",
		DayOpen:       "{day}: cơ quan làm việc {intervals}.",
		DayClosed:     "{day}: cơ quan không làm việc.",
		Nearest:       "📍 Cơ quan gần bạn nhất: {name} (cách khoảng {distance})",
		Weekdays: [7]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm",
			"Thứ Sáu", "Thứ Bảy"},
	}
}

// DefaultQuickTopics are the welcome and menu buttons of an account that configures none.
// They send ordinary questions, so the search answers them whatever the catalogue holds.
// commonTopics are the procedures citizens ask a ward office about most, as quick topics
// for a scoped account without its own (scopedQuickTopics).
var commonTopics = []struct{ title, code string }{
	{"Làm căn cước", "1.014061"}, {"Đăng ký thường trú", "1.004222"}, {"Đăng ký tạm trú", "1.004194"},
	{"Đăng ký khai sinh", "1.001193"}, {"Đăng ký kết hôn", "1.000894"}, {"Chứng thực bản sao", "2.000815"},
	{"Hộ chiếu", "1.001456"}, {"Đăng ký xe", "1.013067"}, {"Đổi giấy phép lái xe", "3.000347"},
	{"Đăng ký khai tử", "1.000656"}, {"Chứng thực chữ ký", "2.000884"}, {"Hộ kinh doanh", "1.001612"},
}

// maxDefaultTopics is how many procedures a scoped account's default menu offers (the
// office-hours button follows).
const maxDefaultTopics = 3

// scopedQuickTopics are the default quick topics of an account with a scope: the common
// procedures it handles (and the catalogue has), then office hours.
func scopedQuickTopics(s procedures.Scope, c Catalog) []QuickTopic {
	var out []QuickTopic
	for _, t := range commonTopics {
		if r, ok := c.ByCode(t.code); ok && s.Contains(r) && len(out) < maxDefaultTopics {
			out = append(out, QuickTopic{Title: t.title, Payload: "#TTHC " + t.code})
		}
	}
	return append(out, QuickTopic{Title: "Giờ làm việc", Payload: payloadOffice})
}

// DefaultQuickTopics are the quick topics of an account without its own and without a
// scope.
func DefaultQuickTopics() []QuickTopic {
	return []QuickTopic{
		{Title: "Làm căn cước", Payload: "làm căn cước"},
		{Title: "Đăng ký thường trú", Payload: "đăng ký thường trú"},
		{Title: "Đăng ký tạm trú", Payload: "đăng ký tạm trú"},
		{Title: "Giờ làm việc", Payload: payloadOffice},
	}
}

// fields maps override keys to the entries of t. Keys are the field names in snake_case.
func (t *Texts) fields() map[string]*string {
	return map[string]*string{
		"welcome": &t.Welcome, "greeting": &t.Greeting, "menu_help": &t.MenuHelp,
		"signature": &t.Signature, "handoff": &t.Handoff, "handoff_phone": &t.HandoffPhone,
		"handoff_no_phone": &t.HandoffNoPhone, "not_found": &t.NotFound, "not_in_catalog": &t.NotInCatalog, "lacked_also": &t.LackedAlso, "not_found_about": &t.NotFoundAbout, "incident": &t.Incident,
		"not_understood": &t.NotUnderstood, "reads_text_only": &t.ReadsTextOnly,
		"rate_limited": &t.RateLimited, "info_thanks": &t.InfoThanks, "you_are_welcome": &t.YouAreWelcome,
		"unknown_code": &t.UnknownCode, "no_more_items": &t.NoMoreItems,
		"pick_number": &t.PickNumber, "number_no_list": &t.NumberNoList, "list_intro": &t.ListIntro, "list_intro_one": &t.ListIntroOne, "list_footer": &t.ListFooter,
		"list_which": &t.ListWhich, "ask_which": &t.AskWhich,
		"feedback_prompt": &t.FeedbackPrompt, "not_this_intro": &t.NotThisIntro, "not_this_none": &t.NotThisNone,
		"btn_not_this": &t.BtnNotThis, "list_next": &t.ListNext, "btn_open_oa": &t.BtnOpenOA,
		"referral": &t.Referral, "referral_maybe": &t.ReferralMaybe, "referral_other": &t.ReferralOther, "referral_none": &t.ReferralNone,
		"referral_agency_unknown": &t.ReferralAgencyUnknown, "referral_also": &t.ReferralAlso,
		"list_more": &t.ListMore, "clarify_footer": &t.ClarifyFooter,
		"clarify_default": &t.ClarifyDefault, "clarify_topic": &t.ClarifyTopic, "notice_heading": &t.NoticeHeading,
		"card_footer": &t.CardFooter, "card_variants": &t.CardVariants,
		"card_variant": &t.CardVariant, "section_online_yes": &t.SectionOnlineYes,
		"section_online_no": &t.SectionOnlineNo, "qr_unavailable": &t.QRUnavailable,
		"office_none": &t.OfficeNone, "btn_officer": &t.BtnOfficer, "btn_menu": &t.BtnMenu,
	}
}

// OverrideKeys lists the keys Override accepts, sorted (for config validation and docs).
func OverrideKeys() []string {
	var t Texts
	keys := make([]string, 0, 32)
	for k := range t.fields() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// maxOverrideRunes bounds an overriding text: it must leave room in a 2000-character
// message for what the bot adds (menu help, signature, a pinned notice).
const maxOverrideRunes = 1000

// Override returns t with the given entries replaced. Unknown keys and over-long texts are
// errors, so a typo in an account's configuration shows at start-up instead of being
// ignored or refused by Zalo later.
func (t Texts) Override(over map[string]string) (Texts, error) {
	f := t.fields()
	var unknown []string
	for k, v := range over {
		p, ok := f[k]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		if n := textLen(v); n > maxOverrideRunes {
			return t, fmt.Errorf("text %q is %d characters, limit %d", k, n, maxOverrideRunes)
		}
		*p = v
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return t, fmt.Errorf("unknown text keys %s (known: %s)",
			strings.Join(unknown, ", "), strings.Join(OverrideKeys(), ", "))
	}
	return t, nil
}

// fill replaces {key} placeholders in tmpl; kv alternates keys and values.
func fill(tmpl string, kv ...string) string {
	if len(kv) == 0 {
		return tmpl
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

// channelName returns the citizen-facing name of a procedures channel kind.
func (t *Texts) channelName(kind string) string {
	switch kind {
	case "direct":
		return t.ChannelDirect
	case "online":
		return t.ChannelOnline
	case "post":
		return t.ChannelPost
	}
	return kind
}
