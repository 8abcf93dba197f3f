package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/browsertest"
)

// waitJS polls a JavaScript predicate until it holds, failing the test after timeout.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("log").innerText`))
		t.Fatalf("%s: %v\nchat log:\n%s", what, err, page)
	}
}

// TestEmulatorInChromium drives the demo's emulator page like a tester on a phone: type
// "lam cccd" and get a procedure card, tap a card button and get that section, follow the
// OA and get the welcome. Every step goes through the real webhook (signed events), the
// in-memory queue, the bot and the fake Zalo API. A screenshot is kept under artifacts/.
func TestEmulatorInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	ctx := browsertest.Chromium(t)
	base, _ := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"}, nil)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/emulator/")); err != nil {
		t.Fatalf("open emulator: %v", err)
	}
	waitJS(t, ctx, "page ready", `document.querySelectorAll("#account option").length == 2`)

	// A citizen without diacritics asks for the ID card.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#text", "lam cccd"),
		chromedp.Click(`#compose button[type=submit]`),
	); err != nil {
		t.Fatalf("type: %v", err)
	}
	waitJS(t, ctx, "procedure card", `[...document.querySelectorAll(".msg.bot")].some(m => m.innerText.includes("căn cước") && m.innerText.includes("Mã thủ tục"))`)

	saveScreenshot(t, ctx, "emulator-card.png")

	// Tapping a query button sends its payload back as the citizen and gets the section.
	clicked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const b = [...document.querySelectorAll(".msg.bot .btns button")].find(b => b.textContent === "Hồ sơ cần chuẩn bị");
		if (!b) return false; b.click(); return true; })()`))
	if err != nil || !clicked {
		t.Fatalf("click the documents button: clicked=%v err=%v", clicked, err)
	}
	waitJS(t, ctx, "documents section", `[...document.querySelectorAll(".msg.bot")].some(m => m.innerText.includes("Hồ sơ cần chuẩn bị –"))`)

	// Follow shows the account's welcome.
	if err := chromedp.Do(ctx, chromedp.Click(`.tools button[data-kind=follow]`)); err != nil {
		t.Fatalf("follow: %v", err)
	}
	waitJS(t, ctx, "welcome", `[...document.querySelectorAll(".msg.bot")].some(m => m.innerText.includes("Cảm ơn bạn đã quan tâm"))`)

	// Nothing the bot sent was refused by the fake Zalo API.
	refused, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".msg.refused").length`))
	if err != nil || refused != 0 {
		t.Errorf("refused messages on the page = %d (%v), want 0", refused, err)
	}

	saveScreenshot(t, ctx, "emulator.png")
}

// saveScreenshot keeps a PNG of the page under artifacts/emulator/ (not committed) for a
// person to look at after the run.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	browsertest.SaveArtifact(t, "emulator", name, shot)
}
