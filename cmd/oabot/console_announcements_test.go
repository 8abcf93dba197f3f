package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleAnnouncementsInChromium is issue 14's "Thông báo" in a real browser, as the
// demo's officer on a phone and a desktop: two citizens follow the office's OA, the
// officer opens Thông báo from the menu, writes an announcement with a procedure card,
// previews who gets it and what they see, sends, confirms, and watches the page (which
// reloads itself while sending) until it is done — and the fake Zalo API received the
// announcement once per follower, and nothing for the citizen of another OA.
func TestConsoleAnnouncementsInChromium(t *testing.T) {
	ctx, base, link, problems := consoleDemo(t)

	consoleSignIn(t, ctx, link)
	account, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#account-switch").value`))
	if err != nil || account == "" {
		t.Fatalf("the account shown: %q %v", account, err)
	}
	other := "ca-demo"
	if account == other {
		other = "ubnd-demo"
	}

	// Two citizens follow the account's OA (a follow is an interaction: inside Zalo's
	// window); one follows the other OA only.
	followers := []string{"4000000000000000011", "4000000000000000012"}
	const stranger = "4000000000000000013"
	for _, u := range followers {
		emulatorFollow(t, base, account, u)
	}
	emulatorFollow(t, base, other, stranger)

	// Thông báo, through the phone's menu.
	if err := chromedp.Do(ctx, chromedp.Click(`.nav-mobile summary`), chromedp.Click(`.nav-mobile a[href$="/console/announcements"]`)); err != nil {
		t.Fatalf("open Thông báo from the menu: %v", err)
	}
	consoleWaitJS(t, ctx, "the announcements page", `document.querySelector("main h1").textContent == "Thông báo" &&
		document.querySelector("main a[href$='/announcements/new']")`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-announcements-360.png")
	if err := chromedp.Do(ctx, chromedp.Click(`main a[href$="/announcements/new"]`)); err != nil {
		t.Fatal(err)
	}
	// The follows are recorded when the queue handles them: reload until both count.
	deadline := time.Now().Add(15 * time.Second)
	for {
		consoleWaitJS(t, ctx, "the form", `document.querySelector("#f-text") && document.readyState == "complete"`)
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("input[name=audience][value=all]").closest("label").innerText`))
		if strings.Contains(n, "· 2 người") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the audience never counted the two followers: %q", n)
		}
		time.Sleep(200 * time.Millisecond)
		if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
	}

	const text = "Thông báo: từ 01/12, bộ phận một cửa tiếp nhận hồ sơ cả sáng thứ Bảy."
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("#f-code").selectedIndex = 1`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue("#f-text", text), chromedp.Click(`button[value=preview]`)); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the preview", `document.querySelector("#plan-title") && document.querySelector(".zalo-bubble").textContent == "`+text+`" &&
		document.querySelector(".stats .stat-value").textContent == "2" && document.querySelectorAll(".zalo-bubble").length >= 2`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-announcements-preview-360.png")
	consoleDesktopShot(t, ctx, "console-announcements-preview-1280.png")

	if err := chromedp.Do(ctx, chromedp.Click(`button[value=send]`)); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "the confirmation", `document.querySelector("main h1").textContent == "Xác nhận gửi" &&
		document.querySelector("#plan-title").textContent.includes("2 người")`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-announcements-confirm-360.png")
	if err := chromedp.Do(ctx, chromedp.Click(`form.confirm-send button`)); err != nil {
		t.Fatal(err)
	}
	// The page reloads itself while sending; no hand on the keyboard needed.
	consoleWaitJS(t, ctx, "the announcement sent", `location.pathname.startsWith("/console/announcements/") &&
		document.querySelector("#progress-title").textContent.includes("Đã gửi xong") &&
		document.querySelector("[aria-live]").innerText.includes("Đã gửi 2/2")`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-announcements-done-360.png")
	consoleDesktopShot(t, ctx, "console-announcements-done-1280.png")

	// The report comes with the session (no bearer token).
	report, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a[href$='/report.csv']").href, {credentials: "same-origin"})
		.then(r => r.text().then(body => r.status + " " + r.headers.get("Content-Type") + "\n" + body))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(report, "200 text/csv; charset=utf-8\naccount,user_id,status") || strings.Count(report, ",sent,") != 2 {
		t.Errorf("report:\n%s", report)
	}

	// The fake Zalo API got the announcement once per follower, and nothing for the
	// citizen of the other OA.
	count := func(acct, user string) int {
		var ms []struct {
			Text    string `json:"text"`
			Refused string `json:"refused"`
		}
		adminCall(t, http.MethodGet, base+"/emulator/api/messages?account="+acct+"&user="+user+"&after=0", "", nil, &ms)
		n := 0
		for _, m := range ms {
			if m.Refused != "" {
				t.Errorf("the fake Zalo API refused a message to %s: %s", user, m.Refused)
			}
			if strings.Contains(m.Text, text) {
				n++
			}
		}
		return n
	}
	for _, u := range followers {
		if n := count(account, u); n != 1 {
			t.Errorf("follower %s got the announcement %d times, want once", u, n)
		}
	}
	if n := count(other, stranger); n != 0 {
		t.Errorf("the citizen of the other OA got the announcement %d times", n)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console or CSP errors: %v", p)
	}
}
