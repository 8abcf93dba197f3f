package main

import (
	"encoding/base64"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/browsertest"
	"github.com/oabot/oabot/bot/qr"
)

// TestConsoleOfficerFlowInChromium is issue 14's whole flow, one officer from invite to
// sign-out, in one browser on a phone (360×740): the demo's admin invites a broadcaster of
// the police OA and signs out; the new officer sets a password, signs out and signs in
// with it, sees Tổng quan's chart, answers a question the bot could not ("not our
// business"), sends an announcement that the fake Zalo delivers once per follower,
// downloads a poster PDF whose QR codes decode to the landing pages, and signs out.
func TestConsoleOfficerFlowInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	browsertest.Tool(t, "poppler-utils", "pdftoppm")
	ctx := browsertest.Chromium(t)
	base, stdout := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"}, nil)
	problems := consoleWatch(t, ctx)
	const account = "ca-demo"
	// Before: a question the bot cannot answer, two followers.
	const asked = "cho em hoi cach trong hoa lan tren ban cong nha"
	emulatorSay(t, base, account, "4000000000000000021", asked)
	followers := []string{"4000000000000000022", "4000000000000000023"}
	for _, u := range followers {
		emulatorFollow(t, base, account, u)
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	signOut := func() {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { document.querySelector('form[action$="/console/logout"] button').click(); return true; })()`)); err != nil {
			t.Fatal(err)
		}
		consoleWaitJS(t, ctx, "signed out", `location.pathname == "/console/login" && document.querySelector("#f-password") != null`)
	}

	// 1. The admin invites "lan", broadcaster of the police OA, by keyboard.
	phone := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch)
	run("admin's link", phone, chromedp.Navigate(consoleDemoLink(t, stdout.String())))
	run("admin signs in", chromedp.Click(`main form button[type=submit]`))
	consoleWaitJS(t, ctx, "Tổng quan", `document.querySelector("main h1") && document.querySelector("main h1").textContent == "Tổng quan"`)
	run("officers page", chromedp.Navigate(base+"/console/officers"))
	run("invite", chromedp.SendKeys("#f-name", "lan"), chromedp.SetValue("#f-role", "broadcaster"),
		chromedp.Click(`#f-accounts-new input[value="`+account+`"]`), chromedp.Click(`form[action$="/officers/invite"] button[type=submit]`))
	consoleWaitJS(t, ctx, "the invite link", `document.querySelector("#invite-url") && document.querySelector("#invite-url").value.includes("/console/invite/")`)
	invite, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#invite-url").value`))
	if err != nil {
		t.Fatal(err)
	}
	signOut()

	// 2. lan sets a password (signed in), signs out, signs in with it.
	const pw = "mật khẩu của Lan 2026"
	// The link is under the public base URL (demo: the configured port); this run listens
	// elsewhere.
	u, err := url.Parse(invite)
	if err != nil {
		t.Fatal(err)
	}
	run("invite page", chromedp.Navigate(base+u.Path))
	consoleWaitJS(t, ctx, "the invite page", `document.querySelector("main h1").textContent == "Đặt mật khẩu"`)
	consoleCheckLayout(t, ctx, 360)
	run("set the password", chromedp.SendKeys("#f-password", pw), chromedp.SendKeys("#f-confirm", pw+"\r"))
	consoleWaitJS(t, ctx, "signed in after the invite", `document.querySelector("main h1") && document.querySelector("main h1").textContent == "Tổng quan"`)
	signOut()
	run("sign in", chromedp.SendKeys("#f-name", "lan"), chromedp.SendKeys("#f-password", pw+"\r"))
	// 3. Tổng quan: the police OA's figures with the chart.
	consoleWaitJS(t, ctx, "Tổng quan with the chart", `document.querySelector("main h1").textContent == "Tổng quan" &&
		document.querySelector(".chart svg") != null && document.querySelector(".stats").innerText.includes("tin nhắn hôm nay")`)
	consoleCheckLayout(t, ctx, 360)

	// 4. The unanswered question: not our business.
	run("questions", chromedp.Navigate(base+"/console/questions"))
	consoleWaitJS(t, ctx, "the question", `document.querySelector(".question-text") && document.querySelector(".question-text").textContent.includes("hoa lan")`)
	run("answer it", chromedp.Focus(`.question a.btn`), chromedp.KeyEvent("\r"))
	consoleWaitJS(t, ctx, "the answer page", `document.querySelector("main h1").textContent == "Trả lời câu hỏi"`)
	run("not ours", chromedp.Click(`button[value=not_ours]`))
	consoleWaitJS(t, ctx, "answered", `location.pathname == "/console/questions" && document.querySelector(".flash-ok") && ![...document.querySelectorAll(".question-text")].some(q => q.textContent.includes("hoa lan"))`)

	// 5. An announcement to the followers.
	const text = "Thông báo thử: sáng thứ Bảy bộ phận một cửa vẫn tiếp nhận hồ sơ."
	run("new announcement", chromedp.Navigate(base+"/console/announcements/new"))
	consoleWaitJS(t, ctx, "the form", `document.querySelector("#f-text") != null`)
	run("write it", chromedp.SetValue("#f-text", text), chromedp.Click(`button[value=preview]`))
	consoleWaitJS(t, ctx, "the plan", `document.querySelector("#plan-title") != null && document.querySelector(".stats .stat-value").textContent == "2"`)
	run("send", chromedp.Click(`button[value=send]`))
	consoleWaitJS(t, ctx, "the confirmation", `document.querySelector("main h1").textContent == "Xác nhận gửi"`)
	run("confirm", chromedp.Click(`form.confirm-send button`))
	consoleWaitJS(t, ctx, "sent", `document.querySelector("#progress-title") && document.querySelector("#progress-title").textContent.includes("Đã gửi xong")`)
	consoleCheckLayout(t, ctx, 360)
	for _, u := range followers {
		var ms []struct{ Text string }
		adminCall(t, http.MethodGet, base+"/emulator/api/messages?account="+account+"&user="+u+"&after=0", "", nil, &ms)
		n := 0
		for _, m := range ms {
			if strings.Contains(m.Text, text) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("follower %s got the announcement %d times, want once", u, n)
		}
	}

	// 6. A poster PDF with the session: one code per page, each decoding to its landing page.
	run("posters", chromedp.Navigate(base+"/console/posters"))
	consoleWaitJS(t, ctx, "the posters form", `document.querySelectorAll('input[name=code]:checked').length > 0`)
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/console/posters/file?code=1.014061&code=1.004222&size=a4&per_page=1&format=pdf")
		.then(r => r.arrayBuffer()).then(b => { let s = ""; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := base64.StdEncoding.DecodeString(b64)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.pdf"), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "100", "-png", filepath.Join(dir, "p.pdf"), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	var decoded []string
	for _, p := range pages {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, err := qr.Decode(img)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
		decoded = append(decoded, got)
	}
	if len(decoded) != 2 || !strings.HasSuffix(decoded[0], "/q/"+account+"/1.014061") && !strings.HasSuffix(decoded[1], "/q/"+account+"/1.014061") {
		t.Errorf("the poster's codes decode to %q, want the two landing pages", decoded)
	}

	// 7. Sign out: the console asks to sign in again.
	signOut()
	run("home after signing out", chromedp.Navigate(base+"/console/"))
	consoleWaitJS(t, ctx, "the sign-in page", `location.pathname == "/console/login"`)
	if p := problems(); len(p) > 0 {
		t.Errorf("console or CSP errors: %v", p)
	}
}
