package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleCatalogueInChromium is issue 15's "live edits with history" in a real browser,
// as the demo's officer (an admin) on a phone and a desktop: find the CCCD procedure in the
// police office's list, change a fee, preview the Zalo card, publish — the bot answers with
// the new fee at once — read the change in the history, roll it back.
func TestConsoleCatalogueInChromium(t *testing.T) {
	ctx, base, link, problems := consoleDemo(t)
	const account, user, code = "ca-demo", "3000000000000000077", "1.014061"
	const fee = "12.345 đồng"
	if r := emulatorSay(t, base, account, user, "#10"); strings.Contains(r, fee) {
		t.Fatalf("the card already shows %q", fee)
	}

	consoleSignIn(t, ctx, link)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/catalogue")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the police office's procedures", `document.querySelectorAll(".record").length > 5 &&
		!document.body.innerText.includes("khai sinh")`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-catalogue-360.png")
	// By keyboard: search, then open the record.
	if err := chromedp.Do(ctx, chromedp.Focus("#f-q"), chromedp.KeyEvent("can cuoc 14 tuoi\r")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the search narrowed the list", `document.querySelectorAll(".record").length >= 1 && document.querySelectorAll(".record").length < 5 &&
		[...document.querySelectorAll(".record")].some(r => r.innerText.includes("`+code+`"))`)
	if err := chromedp.Do(ctx, chromedp.Focus(`.record a[href$="/`+code+`"]`), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the record's page", `location.pathname.endsWith("/`+code+`") && document.querySelector("#f-ch_fee_0")`)
	if err := chromedp.Do(ctx, chromedp.SetValue("#f-ch_fee_0", fee), chromedp.SetValue("#f-note", "thử: phí mới"),
		chromedp.Click(`form[action$="/`+code+`#shared-title"] button[value=preview]`)); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the card's preview", `document.querySelector(".zalo-bubble") && document.querySelector(".zalo-bubble").innerText.includes("`+fee+`")`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-catalogue-preview-360.png")
	consoleDesktopShot(t, ctx, "console-catalogue-preview-1280.png")
	if err := chromedp.Do(ctx, chromedp.Click(`form[action$="/`+code+`#shared-title"] button[value=publish]`)); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "published", `document.querySelector(".flash-ok") && document.querySelector(".flash-ok").innerText.includes("phiên bản 1")`)
	if r := emulatorSay(t, base, account, user, "#10"); !strings.Contains(r, fee) {
		t.Errorf("after publishing, the card = %q; want the new fee", r)
	}

	// The history: who, why, the field; then roll back to the shipped catalogue.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/catalogue/history")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the history", `document.querySelector(".version") && document.querySelector(".version").innerText.includes("thử: phí mới")`)
	if err := chromedp.Do(ctx, chromedp.Click(`.version details summary`)); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the field's change", `document.querySelector(".diff ins") && document.querySelector(".diff ins").textContent == "`+fee+`"`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-catalogue-history-360.png")
	if err := chromedp.Do(ctx, chromedp.Click(`form.rollback-all button`)); err != nil { // "Khôi phục danh mục gốc"
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "rolled back", `document.querySelector(".flash-ok") && document.querySelector(".flash-ok").innerText.includes("Đã khôi phục danh mục gốc")`)
	consoleDesktopShot(t, ctx, "console-catalogue-history-1280.png")
	if r := emulatorSay(t, base, account, user, "#10"); strings.Contains(r, fee) {
		t.Errorf("after the rollback, the card still shows the new fee: %q", r)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console or CSP errors: %v", p)
	}
}
