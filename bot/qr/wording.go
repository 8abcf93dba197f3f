package qr

import (
	"fmt"
	"time"

	"github.com/oabot/oabot/zalo"
)

// Poster wording. Landing-page wording lives in templates/.
const (
	posterSendPrefix  = "Nhắn "
	posterFooterFmt   = "In ngày %s · Danh mục thủ tục phiên bản %s"
	posterTitle       = "Mã QR thủ tục hành chính"
	posterSubject     = "Áp phích mã QR thủ tục hành chính"
	posterCodeLineFmt = "Mã thủ tục: %s"
)

// instruction is the one-line instruction printed under the short code; it depends on
// where the QR points.
func instruction(m Mode, oaName string) string {
	switch m {
	case ModeMiniApp:
		return "Quét mã bằng Zalo để mở hướng dẫn và nhắn tin ngay cho " + oaName
	case ModeOA:
		return "Quét mã bằng Zalo, bấm Nhắn tin và gửi mã trên cho " + oaName
	}
	return "Quét mã bằng camera hoặc Zalo để xem giấy tờ cần mang, thời gian, lệ phí"
}

// footer is the poster's small print: print date (a Vietnam date) and catalogue version.
func footer(printed time.Time, version string) string {
	if version == "" {
		version = "không rõ"
	}
	return fmt.Sprintf(posterFooterFmt, printed.In(zalo.Vietnam).Format("02/01/2006"), version)
}
