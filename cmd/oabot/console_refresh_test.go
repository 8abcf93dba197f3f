package main

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/browsertest"
	"github.com/oabot/oabot/procedures"
)

// TestConsoleRefreshInChromium opens the catalogue's refresh from the portal in a real
// browser, on a phone and a desktop, as the demo's officer (an admin of every office). The
// catalogue was imported from the portal by an older importer: one record's fee really
// changed, another's is only written otherwise ("25,000 đồng" against the portal's import
// "25.000 đồng"). The page must show the change of substance first and mark the other as
// writing only, in Vietnamese, and accept it by keyboard.
func TestConsoleRefreshInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	dir := t.TempDir()
	portal := writeLines(t, dir, "portal.jsonl",
		dvcLine(t, "1.004222", "Đăng ký thường trú", "25,000"),
		dvcLine(t, "1.004194", "Đăng ký tạm trú", "20,000"))
	f, err := os.Open(portal)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := procedures.ImportDVC(f)
	f.Close()
	if err != nil || len(recs) != 2 {
		t.Fatalf("import: %d records, %v", len(recs), err)
	}
	recs[0].Channels[0].Fee = "25,000 đồng" // as the older importer wrote it
	recs[1].Channels[0].Fee = "15.000 đồng" // the portal's fee changed since
	catalog := writeCatalogJSON(t, dir, recs)

	ctx := browsertest.Chromium(t)
	base, stdout := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"},
		map[string]string{"OABOT_CATALOG_PATH": catalog, "OABOT_CATALOG_PORTAL": portal})
	problems := consoleWatch(t, ctx)
	consoleSignIn(t, ctx, consoleDemoLink(t, stdout.String()))
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/catalogue/refresh")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the refresh page", `document.querySelector("#ch-title") && document.querySelector("#ch-title").textContent.includes("(2)")`)
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	first, second := strings.Index(text, "1.004194"), strings.Index(text, "1.004222 · chỉ khác cách viết")
	if first < 0 || second < first || !strings.Contains(text, "Trong đó 1 thủ tục chỉ khác cách viết") {
		t.Errorf("the refresh page does not put the fee's change first and mark the rewording:\n%s", text)
	}
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-catalogue-refresh-360.png")
	consoleDesktopShot(t, ctx, "console-catalogue-refresh-1280.png")

	// By keyboard: tick the fee's change, then accept what is ticked.
	if err := chromedp.Do(ctx, chromedp.Focus(`input[name=code][value="1.004194"]`), chromedp.KeyEvent(" "),
		chromedp.Focus(`.actions button[type=submit]`), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "accepted", `document.querySelector(".flash-ok") && document.querySelector(".flash-ok").innerText.includes("Đã cập nhật 1 thủ tục")`)
	if r := emulatorSay(t, base, "ca-demo", "3000000000000000078", "#TTHC 1.004194 LEPHI"); !strings.Contains(r, "20.000 đồng") {
		t.Errorf("after accepting, the fee part = %q; want the portal's fee", r)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console or CSP errors: %v", p)
	}
}
