package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/browsertest"
	"github.com/oabot/oabot/procedures"
)

// TestLandingRequirementsInChromium opens a procedure's QR landing page, as a citizen who
// scanned a poster does, on a phone and a desktop. The record is dossier-shaped like the
// national portal's: a remark among the papers ("Lưu ý:- …"), a group to show, a group of
// remarks, and requirements. The page must show the requirements under their own
// heading, set the remarks apart without counts, keep to the width, and let the chat
// button be reached by keyboard.
func TestLandingRequirementsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	cat, err := procedures.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	src, ok := cat.ByCode("1.004194")
	if !ok {
		t.Fatal("the built-in catalogue lacks the temporary residence")
	}
	r := *src
	r.Documents = []procedures.Document{
		{Name: "Lưu ý:- Trường hợp nộp hồ sơ trực tiếp thì có thể nộp bản sao có chứng thực", Originals: 1, Copies: 1},
		{Name: "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", Originals: 1},
		{Name: "Thẻ căn cước", Originals: 1, Case: "Giấy tờ phải xuất trình"},
		{Name: "Người tiếp nhận không được yêu cầu nộp thêm giấy tờ mà pháp luật không quy định", Case: "Lưu ý"},
	}
	r.Conditions = []string{"- Văn bản cho thuê, cho mượn, cho ở nhờ không bắt buộc công chứng, chứng thực."}
	catalog := writeCatalogJSON(t, t.TempDir(), []*procedures.Record{&r})

	ctx := browsertest.Chromium(t)
	base, _ := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"}, map[string]string{"OABOT_CATALOG_PATH": catalog})
	problems := consoleWatch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(base+"/q/ca-demo/1.004194")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the landing page", `document.querySelector("h1") && document.readyState == "complete"`)
	type page struct {
		Requirements string   `json:"requirements"`
		Notes        []string `json:"notes"`
		Groups       []string `json:"groups"`
		Text         string   `json:"text"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[page](`(() => {
		const h = [...document.querySelectorAll("h2")].find(e => e.textContent == "Yêu cầu, điều kiện");
		return {requirements: h ? h.nextElementSibling.innerText : "",
			notes: [...document.querySelectorAll("li.n")].map(e => e.innerText),
			groups: [...document.querySelectorAll("h3")].map(e => e.innerText),
			text: document.body.innerText};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Requirements != "Văn bản cho thuê, cho mượn, cho ở nhờ không bắt buộc công chứng, chứng thực." {
		t.Errorf("requirements = %q", got.Requirements)
	}
	wantNotes := []string{"Lưu ý: Trường hợp nộp hồ sơ trực tiếp thì có thể nộp bản sao có chứng thực",
		"Người tiếp nhận không được yêu cầu nộp thêm giấy tờ mà pháp luật không quy định"}
	if strings.Join(got.Notes, "|") != strings.Join(wantNotes, "|") {
		t.Errorf("remarks = %q, want %q (no counts)", got.Notes, wantNotes)
	}
	if strings.Join(got.Groups, "|") != "Giấy tờ phải xuất trình|Lưu ý" {
		t.Errorf("groups = %q", got.Groups)
	}
	if !strings.Contains(got.Text, "Thẻ căn cước (1 bản chính)") {
		t.Errorf("the paper to show lost its count:\n%s", got.Text)
	}
	consoleCheckLayout(t, ctx, 360)
	// By keyboard: the chat button is among the first stops.
	focused := ""
	for i := 0; i < 3 && !strings.Contains(focused, "Nhắn tin với"); i++ {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		focused, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.innerText || ""`))
		if err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(focused, "Nhắn tin với Công an phường Demo trên Zalo") {
		t.Errorf("three Tabs reach %q, not the chat button", focused)
	}
	consoleShot(t, ctx, "landing-requirements-360.png")
	consoleDesktopShot(t, ctx, "landing-requirements-1280.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console or CSP errors: %v", p)
	}
}
