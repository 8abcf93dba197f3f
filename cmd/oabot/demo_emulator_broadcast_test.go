package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/oabot/oabot/bot/browsertest"
)

// TestEmulatorBroadcastInChromium drives the emulator's officer panel on a phone-width
// screen: a citizen follows the OA, the officer writes an announcement for those who
// interacted in the last 7 days, previews the plan (1 recipient), confirms, and sees the
// progress reach "sent 1" while the announcement appears in the citizen's chat as an OA
// message. Everything goes through the real admin API, broadcast.Service and Runner (on
// the demo's in-memory stores) and the fake Zalo API. A screenshot is kept under artifacts/.
//
// The officer's token is never served by the emulator (issue 13 item 3b): opened without
// it, the panel asks for it and asks again when the admin API refuses a typed one; opened at
// the printed address, the page takes it from the fragment and clears the address bar.
func TestEmulatorBroadcastInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	ctx := browsertest.Chromium(t)
	base, stdout, stderr := mustRunMainEnv(t, []string{"serve", "--addr", "127.0.0.1:0"}, nil)
	emulatorRecordCSPViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/emulator/")); err != nil {
		t.Fatalf("open emulator: %v", err)
	}
	waitJS(t, ctx, "token asked for", `document.querySelectorAll("#account option").length == 2 && !document.getElementById("officer-panel").hidden &&
		!document.getElementById("ann-auth").hidden && document.getElementById("ann-form").hidden &&
		document.querySelector("label[for=ann-token]").textContent.includes("Mã truy cập")`)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#ann-token", "demo-"+strings.Repeat("0", 48)),
		chromedp.Click("#ann-token-use"),
		chromedp.SendKeys("#ann-text", "thử"),
		chromedp.Click("#ann-plan"),
	); err != nil {
		t.Fatalf("try a wrong token: %v", err)
	}
	waitJS(t, ctx, "wrong token refused", `!document.getElementById("ann-auth").hidden && document.getElementById("ann-error").textContent.includes("Mã truy cập không đúng") &&
		document.activeElement.id == "ann-token" && sessionStorage.length == 0`)
	saveScreenshot(t, ctx, "emulator-broadcast-token.png")

	emulatorCheckCSP(t, ctx)

	// The printed address carries the token in its fragment; the person running the demo
	// opens it in a new tab.
	ctx, closeTab := chromedp.NewContext(ctx)
	t.Cleanup(closeTab)
	emulatorRecordCSPViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(emulatorURL(t, stdout.String()))); err != nil {
		t.Fatalf("open the printed emulator address: %v", err)
	}
	waitJS(t, ctx, "officer panel", `document.querySelectorAll("#account option").length == 2 && !document.getElementById("officer-panel").hidden && !document.getElementById("announce").hidden &&
		document.getElementById("ann-auth").hidden && !document.getElementById("ann-form").hidden`)
	if addr, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`)); err != nil || addr != base+"/emulator/" {
		t.Errorf("address bar = %q (%v), want %s/emulator/ (the token taken out)", addr, err, base)
	}

	// The citizen follows the OA: an interaction, so the 7-day audience includes them.
	if err := chromedp.Do(ctx, chromedp.Click(`.tools button[data-kind=follow]`)); err != nil {
		t.Fatalf("follow: %v", err)
	}
	waitJS(t, ctx, "welcome", `[...document.querySelectorAll(".msg.bot")].some(m => m.innerText.includes("Cảm ơn bạn đã quan tâm"))`)

	const text = "Thông báo: phường tiếp nhận hồ sơ căn cước cả sáng thứ Bảy."
	if err := chromedp.Do(ctx,
		chromedp.Click(`#announce`),
		chromedp.SendKeys("#ann-text", text),
		chromedp.Click(`input[name=ann-audience][value=interacted]`),
	); err != nil {
		t.Fatalf("write the announcement: %v", err)
	}
	n := len([]rune(text))
	waitJS(t, ctx, "character counter", `document.getElementById("ann-count").textContent == "`+strconv.Itoa(n)+`/2000 ký tự"`)

	// Preview, from the keyboard: one recipient in the audience, reachable now.
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#ann-plan`, kb.Enter)); err != nil {
		t.Fatalf("preview: %v", err)
	}
	waitJS(t, ctx, "plan", `!document.getElementById("ann-planbox").hidden && document.getElementById("ann-reachable").textContent == "1 người" && document.getElementById("ann-recipients").textContent == "1 người"`)
	saveScreenshot(t, ctx, "emulator-broadcast-plan.png")
	// The rules that apply, in Vietnamese, folded under the plan.
	waitJS(t, ctx, "plan rules", `[...document.querySelectorAll("#ann-rules li")].some(li => li.textContent.includes("nhiều nhất một lần"))`)
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil || focused != "ann-plan-title" {
		t.Errorf("focus after the preview = %q (%v), want the plan heading", focused, err)
	}

	// Confirm: delivery runs and the announcement lands in the citizen's chat.
	if err := chromedp.Do(ctx, chromedp.Click(`#ann-confirm`)); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	waitJS(t, ctx, "progress sent 1", `document.getElementById("ann-counts").dataset.sent == "1" && document.getElementById("ann-status").dataset.status == "done"`)
	waitJS(t, ctx, "announcement in the chat", `[...document.querySelectorAll("#log .msg.bot")].some(m => m.innerText.includes(`+jsString(text)+`))`)
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("ann-counts").textContent + " | " + document.getElementById("ann-status").textContent`))
	if err != nil || !strings.Contains(counts, "Đã gửi 1 · Lỗi 0 · Bỏ qua 0 · Không rõ 0 · Còn lại 0") || !strings.Contains(counts, "Hoàn tất") {
		t.Errorf("progress text = %q (%v)", counts, err)
	}
	refused, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".msg.refused").length`))
	if err != nil || refused != 0 {
		t.Errorf("refused messages on the page = %d (%v), want 0", refused, err)
	}
	emulatorCheckCSP(t, ctx)
	saveScreenshot(t, ctx, "emulator-broadcast.png")
	if strings.Contains(stderr.String(), "sáng thứ Bảy") {
		t.Error("the announcement text appears in the log")
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
