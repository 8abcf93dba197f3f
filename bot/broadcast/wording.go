package broadcast

// The officer-facing wording of a plan's rules: officers read them before they confirm,
// so they are in Vietnamese, in this one place. %d / %s / %.3g are filled in by rules().
const (
	ruleArticleVerified = "Chỉ OA đã xác thực mới gửi được bài viết (broadcast) tới người quan tâm."
	ruleArticleDaily    = "Mỗi người quan tâm nhận tối đa một bài broadcast mỗi ngày; oabot gửi tối đa một bài mỗi ngày cho mỗi OA."
	ruleArticleMonthly  = "Số bài broadcast mỗi tháng bị giới hạn theo gói của OA (Cơ bản 1, Nâng cao 4, Cao cấp 6); oabot áp dụng giới hạn đã cấu hình."
	ruleArticleZalo     = "Zalo tự chọn người nhận trong số người quan tâm và có thể kiểm duyệt bài trước khi gửi; không có báo cáo cho từng người."

	ruleWindowFmt = "Tin tư vấn chỉ tới được người dân đã tương tác với OA trong %d ngày gần nhất; những người khác được bỏ qua và ghi vào báo cáo, không gửi lại."
	ruleRecheck   = "Điều kiện này được kiểm tra lại ngay trước mỗi lần gửi; nếu Zalo từ chối vì quá hạn tương tác (-230/-232), người đó được ghi là quá hạn."
	ruleOnce      = "Mỗi người nhận được thông báo nhiều nhất một lần, kể cả khi máy chủ dừng giữa chừng; lần gửi bị gián đoạn được ghi là không rõ và không gửi lại."
	ruleLimitsFmt = "Nội dung tối đa %d ký tự, mỗi tin tối đa %d nút."
	ruleSendAtFmt = "Hẹn gửi lúc %s: số người nhận được ở trên tính theo hiện tại; ai quá hạn tương tác vào lúc gửi sẽ được bỏ qua."
	ruleRateFmt   = "Tốc độ gửi %.3g tin mỗi giây cho mỗi OA, dùng chung cho mọi máy chủ."
)
