package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleSettingsInChromium is issue 14's office settings in a real browser, as the
// demo's officer on a phone and a desktop: change the welcome and a quick-topic button,
// preview them, save — a citizen who follows the OA gets them at once — then go back to
// the configuration file's.
func TestConsoleSettingsInChromium(t *testing.T) {
	ctx, base, link, problems := consoleDemo(t)
	const account = "ca-demo"
	const welcome = "Công an phường Demo xin chào! Bạn cần làm thủ tục gì?"
	follow := func(user string) string {
		t.Helper()
		emulatorFollow(t, base, account, user)
		var text string
		waitFor(t, 10*time.Second, "the welcome", func() bool {
			r, err := http.Get(base + "/emulator/api/messages?account=" + account + "&user=" + user + "&after=0")
			if err != nil {
				return false
			}
			defer r.Body.Close()
			var msgs []map[string]any
			_ = json.NewDecoder(r.Body).Decode(&msgs)
			if len(msgs) == 0 {
				return false
			}
			text, _ = msgs[0]["text"].(string)
			return true
		})
		return text
	}
	if w := follow("3000000000000000091"); strings.Contains(w, welcome) {
		t.Fatalf("the welcome is already %q", w)
	} else if strings.Contains(w, "{") || !strings.Contains(w, `(ví dụ: "làm căn cước")`) {
		t.Errorf("the default welcome = %q, want its example filled from the office's quick topics", w)
	}

	consoleSignIn(t, ctx, link)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/settings")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the settings page", `document.querySelector("#f-welcome") != null`)
	consoleCheckLayout(t, ctx, 360)
	consoleWaitJS(t, ctx, "the welcome's hint naming {example}", `document.body.innerText.includes("{example} để chèn tên một thủ tục của đơn vị")`)
	consoleShot(t, ctx, "console-settings-360.png")
	consoleDesktopShot(t, ctx, "console-settings-1280.png")
	// By keyboard: the welcome, the first button's text, then preview.
	// By keyboard: clear the fields, type the welcome and the first button, then preview.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { for (const id of ["f-welcome", "f-topic_title_0", "f-topic_payload_0"]) document.getElementById(id).value = ""; return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Focus("#f-welcome"), chromedp.KeyEvent(welcome), chromedp.Focus("#f-topic_title_0"), chromedp.KeyEvent("Làm căn cước"),
		chromedp.Focus("#f-topic_payload_0"), chromedp.KeyEvent("lam can cuoc"), chromedp.Focus(`button[value=preview]`), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the preview", `document.querySelector(".zalo-bubble") && document.querySelector(".zalo-bubble").innerText.includes("`+welcome+`") &&
		[...document.querySelectorAll(".zalo-button")].some(b => b.textContent == "Làm căn cước")`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-settings-preview-360.png")
	consoleDesktopShot(t, ctx, "console-settings-preview-1280.png")
	if err := chromedp.Do(ctx, chromedp.Click(`button[value=save]`)); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "saved", `document.querySelector(".flash-ok") && document.querySelector(".flash-ok").innerText.includes("Đã lưu cài đặt (lần 1)")`)
	if w := follow("3000000000000000092"); !strings.Contains(w, welcome) {
		t.Errorf("after saving, the welcome = %q", w)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`button[value=reset]`)); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "back to the file's", `document.querySelector(".flash-ok") && document.querySelector(".flash-ok").innerText.includes("tệp cấu hình")`)
	if w := follow("3000000000000000093"); strings.Contains(w, welcome) {
		t.Errorf("after going back to the file's settings, the welcome = %q", w)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console or CSP errors: %v", p)
	}
}
