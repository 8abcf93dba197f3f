package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/browsertest"
)

var consoleLinkRE = regexp.MustCompile(`Officer console \(sign in once as "demo-officer", admin of every demo account\): (http://\S+/console/login/[A-Za-z0-9_-]{43})`)

// consoleDemoLink is the console sign-in link the demo printed.
func consoleDemoLink(t *testing.T, out string) string {
	t.Helper()
	m := consoleLinkRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no console sign-in link in the demo output:\n%s", out)
	}
	return m[1]
}

// consoleDemo starts the demo service and Chromium for a console browser test (skipped
// with -short): the browser, the service's address, the demo officer's one-time sign-in
// link, and the console and CSP errors seen so far.
func consoleDemo(t *testing.T) (ctx context.Context, base, link string, problems func() []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	ctx = browsertest.Chromium(t)
	base, stdout := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"}, nil)
	return ctx, base, consoleDemoLink(t, stdout.String()), consoleWatch(t, ctx)
}

// consoleSignIn opens the demo's sign-in link on a phone (360×740) and signs its officer
// in: Tổng quan.
func consoleSignIn(t *testing.T, ctx context.Context, link string) {
	t.Helper()
	phone := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch)
	if err := chromedp.Do(ctx, phone, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`main form button[type=submit]`)); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	consoleWaitJS(t, ctx, "Tổng quan", `document.querySelector("main h1") && document.querySelector("main h1").textContent == "Tổng quan"`)
}

// emulatorFollow has user follow account through the emulator (a signed follow event).
func emulatorFollow(t *testing.T, base, account, user string) {
	t.Helper()
	var res struct {
		Status int    `json:"status"`
		Error  string `json:"error"`
	}
	ev := map[string]string{"account": account, "user": user, "kind": "follow"}
	if code := adminCall(t, http.MethodPost, base+"/emulator/api/event", "", ev, &res); code != 200 || res.Status != 200 || res.Error != "" {
		t.Fatalf("emulator event %v = %d %+v", ev, code, res)
	}
}

// The demo prints a one-time link that signs its officer in: an admin of every demo
// account, on the in-memory store.
func TestConsoleDemoSignInLink(t *testing.T) {
	base, stdout := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"}, nil)
	link := consoleDemoLink(t, stdout.String())
	if !strings.HasPrefix(link, base+"/console/login/") {
		t.Errorf("link %s is not under %s", link, base)
	}
	b := newCLIBrowser(t)
	page := b.get(t, link)
	if !strings.Contains(page, "demo-officer") {
		t.Fatalf("link page:\n%s", page)
	}
	if code, _ := b.post(t, link, url.Values{"csrf": {csrfOf(page)}}); code != http.StatusSeeOther {
		t.Fatalf("sign in with the link = %d", code)
	}
	home := b.get(t, base+"/console/")
	for _, want := range []string{"Tổng quan", "Quản trị", "UBND", `<option value=`} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q:\n%s", want, home)
		}
	}
	if code, _ := b.post(t, base+"/console/logout", url.Values{}); code != http.StatusForbidden {
		t.Errorf("POST /console/logout without the CSRF token = %d, want 403", code)
	}
	if code, _ := b.post(t, base+"/console/logout", url.Values{"csrf": {csrfOf(home)}}); code != http.StatusSeeOther {
		t.Errorf("sign out = %d, want 303", code)
	}
	other := newCLIBrowser(t)
	if resp := other.do(t, http.MethodGet, link, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("the used link = %d, want 410", resp.StatusCode)
	}
}

// TestConsoleInChromium is the officer's first visit in a real browser, on a phone
// (360×740) and a desktop (1280×800): the printed link → Tổng quan with the demo accounts
// → another account → sign out. No sideways scroll at 360 px, targets ≥ 44 px, no
// console or CSP errors. Screenshots go to artifacts/console/ (and to docs/ with
// OABOT_UPDATE_SCREENSHOTS=1).
func TestConsoleInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	ctx := browsertest.Chromium(t)
	_, stdout := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"}, nil)
	link := consoleDemoLink(t, stdout.String())
	problems := consoleWatch(t, ctx)

	phone := chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch)
	if err := chromedp.Do(ctx, phone, chromedp.Navigate(link)); err != nil {
		t.Fatalf("open the sign-in link: %v", err)
	}
	consoleWaitJS(t, ctx, "sign-in link page", `document.querySelector("main h1").textContent == "Đăng nhập" && document.body.innerText.includes("demo-officer")`)
	consoleShot(t, ctx, "console-link-360.png")
	if err := chromedp.Do(ctx, chromedp.Click(`main form button[type=submit]`)); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	consoleWaitJS(t, ctx, "Tổng quan", `document.querySelector("main h1") && document.querySelector("main h1").textContent == "Tổng quan" &&
		document.querySelectorAll(".accounts .account").length == 2 && document.querySelector(".badge") != null`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-home-360.png")

	// The menu opens without script (details), shows the entries, and closes again.
	if err := chromedp.Do(ctx, chromedp.Click(`.nav-mobile summary`)); err != nil {
		t.Fatalf("open the menu: %v", err)
	}
	consoleWaitJS(t, ctx, "menu open", `document.querySelector(".nav-mobile details").open &&
		[...document.querySelectorAll(".nav-mobile .nav a")].map(a => a.textContent).join("|") == "Tổng quan|Câu hỏi chưa trả lời được|Thông báo|In áp phích|Danh mục thủ tục|Tình trạng kết nối OA|Cài đặt đơn vị|Quản lý cán bộ" &&
		document.querySelector('.nav-mobile .nav a[aria-current=page]') != null`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-menu-360.png")
	if err := chromedp.Do(ctx, chromedp.Click(`.nav-mobile summary`)); err != nil {
		t.Fatalf("close the menu: %v", err)
	}

	// Another account, from the list: it becomes the one shown, in the switcher too.
	second, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelectorAll(".accounts .account-name")[1].textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`.accounts .account:nth-child(2) button`)); err != nil {
		t.Fatalf("choose the second account: %v", err)
	}
	consoleWaitJS(t, ctx, "second account chosen", `document.querySelector(".account-current .account-name").textContent == `+jsString(second)+` &&
		document.querySelector("#account-switch").selectedOptions[0].textContent == `+jsString(second))

	// Desktop: the menu is a side column; still no sideways scroll.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "desktop layout", `getComputedStyle(document.querySelector(".nav-side")).display == "block" &&
		getComputedStyle(document.querySelector(".nav-mobile")).display == "none"`)
	consoleCheckLayout(t, ctx, 1280)
	consoleShot(t, ctx, "console-home-1280.png")

	// Sign out from the side column.
	if err := chromedp.Do(ctx, chromedp.Click(`.nav-side form[action="/console/logout"] button`)); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	consoleWaitJS(t, ctx, "signed out", `location.pathname == "/console/login" && document.body.innerText.includes("Bạn đã đăng xuất.")`)
	consoleShot(t, ctx, "console-login-1280.png")
	if err := chromedp.Do(ctx, phone, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "sign-in form", `document.querySelector("#f-name") != null`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-login-360.png")
	// A wrong password, from the keyboard: one message on top (focused, for screen
	// readers), the name kept, the password not.
	if err := chromedp.Do(ctx, chromedp.SendKeys("#f-name", "demo-officer"), chromedp.SendKeys("#f-password", "sai mật khẩu\r")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "sign-in refused", `document.activeElement && document.activeElement.classList.contains("error-summary") &&
		document.activeElement.innerText.includes("Tên đăng nhập hoặc mật khẩu không đúng.") &&
		document.querySelector("#f-name").value == "demo-officer" && document.querySelector("#f-password").value == ""`)
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-login-error-360.png")
	// Back on a page that needs a session: the browser is sent to sign in.
	if err := chromedp.Do(ctx, chromedp.Navigate(strings.Replace(link, regexp.MustCompile(`/console/.*`).FindString(link), "/console/", 1))); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "redirected to sign in", `location.pathname == "/console/login"`)

	consoleWithoutJS(t, ctx, strings.TrimSuffix(link, regexp.MustCompile(`/console/.*`).FindString(link)))

	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations || ["recorder missing"]`))
	if err != nil || len(got) != 0 {
		t.Errorf("CSP violations = %q (%v), want none", got, err)
	}
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
}

// consoleWithoutJS opens the sign-in page with JavaScript off, in a tab of its own, and
// sends a wrong password: the plain form round trip works and lays out as with script.
func consoleWithoutJS(t *testing.T, parent context.Context, base string) {
	t.Helper()
	ctx, closeTab := chromedp.NewContext(parent)
	defer closeTab()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}), chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch), chromedp.Navigate(base+"/console/login"))
	if err != nil {
		t.Fatalf("open the sign-in page without JavaScript: %v", err)
	}
	consoleWaitJS(t, ctx, "sign-in form", `document.querySelector("#f-name") != null`)
	if err := chromedp.Do(ctx, chromedp.SendKeys("#f-name", "demo-officer"), chromedp.SendKeys("#f-password", "sai\r")); err != nil {
		t.Fatal(err)
	}
	consoleWaitJS(t, ctx, "refused without JavaScript", `document.querySelector(".error-summary") != null &&
		document.querySelector(".error-summary").innerText.includes("Tên đăng nhập hoặc mật khẩu không đúng.") &&
		document.querySelector("#f-name").value == "demo-officer"`)
	// console.js would have moved focus to the summary: it did not run.
	if ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement.classList.contains("error-summary")`)); err != nil || ran {
		t.Errorf("script ran with JavaScript off (%v)", err)
	}
	consoleCheckLayout(t, ctx, 360)
}

// consoleWatch records CSP violations (window.__cspViolations, installed before any page
// script) and the browser console's errors and warnings; call the result at the end.
func consoleWatch(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__cspViolations = [];
			document.addEventListener("securitypolicyviolation", (e) =>
				window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " line " + e.lineNumber));`})
		return err
	}))
	if err != nil {
		t.Fatalf("install the CSP violation recorder: %v", err)
	}
	var mu sync.Mutex
	var seen []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Source == "network" && strings.Contains(m.Text, "status of 422") {
				continue // the refused sign-in: a form with errors is a 422 on purpose
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleException, chromedp.ConsoleWarning:
				mu.Lock()
				seen = append(seen, m.String()+" ("+m.URL+")")
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		time.Sleep(100 * time.Millisecond) // let the last events arrive
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func consoleWaitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	// Evaluated again and again, not polled in the page: a form submission navigates, and
	// a poll running in the old page fails with it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+expr+`); } catch (e) { return false; } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
			t.Fatalf("%s: not true after 20s (last error %v)\npage:\n%s", what, err, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// consoleCheckLayout: nothing wider than the screen, and every visible control at least
// 44 px high and wide (links inside running text excepted).
func consoleCheckLayout(t *testing.T, ctx context.Context, width int) {
	t.Helper()
	type layout struct {
		ScrollWidth int      `json:"scrollWidth"`
		InnerWidth  int      `json:"innerWidth"`
		Small       []string `json:"small"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[layout](`(() => {
		const small = [];
		for (const el of document.querySelectorAll("a, button, summary, select, input:not([type=hidden])")) {
			if (el.closest("p, li.inline") && el.tagName == "A" && !el.closest("nav")) continue; // links in text
			// A radio or checkbox is hit through its label (the whole row): measure that.
			const box = (el.type == "radio" || el.type == "checkbox") && el.closest("label") || el;
			const r = box.getBoundingClientRect();
			const s = getComputedStyle(el);
			if (r.width == 0 || r.height == 0 || s.visibility == "hidden" || el.classList.contains("skip")) continue;
			if (r.height < 44 || r.width < 44) small.push(el.tagName + " " + (el.textContent || el.name).trim() + " " + Math.round(r.width) + "×" + Math.round(r.height));
		}
		return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, small};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.InnerWidth != width {
		t.Errorf("innerWidth = %d, want %d", got.InnerWidth, width)
	}
	if got.ScrollWidth > got.InnerWidth {
		t.Errorf("at %d px: scrollWidth %d > innerWidth %d (sideways scroll)", width, got.ScrollWidth, got.InnerWidth)
	}
	for _, s := range got.Small {
		t.Errorf("at %d px: target smaller than 44 px: %s", width, s)
	}
}

// consoleShot keeps a full-page screenshot under artifacts/console/, and in docs/ when
// OABOT_UPDATE_SCREENSHOTS=1 (the ones the README shows).
func consoleShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	browsertest.SaveArtifact(t, "console", name, shot)
	if os.Getenv("OABOT_UPDATE_SCREENSHOTS") == "1" {
		p := filepath.Join("..", "..", "docs", name)
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Errorf("write %s: %v", p, err)
		}
	}
}
