package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/zalo"
)

// TestConsoleHealthInChromium is issue 14's "OA health" in a real browser, in the demo, on
// a phone and a desktop: a citizen follows the police office's OA and writes to it, and the
// page shows the account working, with that event, that reply and the follower.
func TestConsoleHealthInChromium(t *testing.T) {
	ctx, base, link, problems := consoleDemo(t)
	const account, user = "ca-demo", "3000000000000000088"
	emulatorFollow(t, base, account, user)
	if r := emulatorSay(t, base, account, user, "làm căn cước"); r == "" {
		t.Fatal("no reply from the bot")
	}

	consoleSignIn(t, ctx, link)
	// Through the menu, as an officer would.
	if err := chromedp.Do(ctx, chromedp.Click(`.nav-mobile summary`), chromedp.Click(`.nav-mobile a[href="/console/health"]`)); err != nil {
		t.Fatal(err)
	}
	card := `document.querySelector("#oa-` + account + `")`
	consoleWaitJS(t, ctx, "the police office's card", card+` && document.querySelector("main h1").textContent == "Tình trạng kết nối OA"`)
	type figures struct {
		Level, Status, Expires, Event, Send, Errors, Followers string
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[figures](`(() => { const c = `+card+`; const q = (s) => c.querySelector(s).innerText.trim();
		return {Level: c.querySelector(".health-status").dataset.level, Status: q(".health-status"), Expires: q(".health-expires"),
			Event: q(".health-event"), Send: q(".health-send"), Errors: q(".health-errors"), Followers: q(".health-followers")}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006")
	if got.Level != "ok" || !strings.HasPrefix(got.Status, "Hoạt động bình thường.") || !strings.Contains(got.Expires, "token cố định") ||
		!strings.HasPrefix(got.Event, today) || !strings.HasPrefix(got.Send, today) || got.Errors != "Không có" || got.Followers != "1" {
		t.Errorf("the card's figures = %+v; want working, a fixed token, today's event and send, no error, one follower", got)
	}
	// The demo has no OA onboarding: the admin is told why there is no connect button.
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`)); err != nil ||
		strings.Contains(text, "Kết nối lại với Zalo\n") || !strings.Contains(text, "chưa dùng được ở máy chủ này (bản chạy thử") {
		t.Errorf("the demo's page about connecting: %v\n%s", err, text)
	}
	consoleCheckLayout(t, ctx, 360)
	consoleShot(t, ctx, "console-health-360.png")
	consoleDesktopShot(t, ctx, "console-health-1280.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console or CSP errors: %v", p)
	}
}

// TestHealthTracker: events of known accounts, sends Zalo accepted, failures by class
// within 24 hours, refreshes.
func TestHealthTracker(t *testing.T) {
	now := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	tr := newHealthTracker(func() time.Time { return now })
	tr.WebhookHandled("a", httpapi.OutcomeBadSignature, 0)
	tr.WebhookHandled("", httpapi.OutcomeQueued, 0)
	if f := tr.figures("a"); !f.lastEvent.IsZero() {
		t.Errorf("a forged event counts: %+v", f)
	}
	tr.WebhookHandled("a", httpapi.OutcomeQueued, 0)
	ctx := context.Background()
	rejected := &zalo.APIError{Code: -216, Message: "invalid token", Endpoint: "/v3.0/oa/message/cs", HTTPStatus: 200}
	tr.sent(ctx, "a", true, rejected)
	now = now.Add(23 * time.Hour)
	tr.sent(ctx, "a", false, &zalo.APIError{Code: -230, Endpoint: "/v3.0/oa/message/cs", HTTPStatus: 200})
	tr.sent(ctx, "a", false, nil) // an upload: not a message
	gone, cancel := context.WithCancel(ctx)
	cancel()
	tr.sent(gone, "a", true, context.Canceled) // our own shutdown, not Zalo's answer
	f := tr.figures("a")
	if !f.lastSend.IsZero() || f.errs["token"].count != 1 || f.errs["outside_window"].count != 1 || len(f.errs) != 2 {
		t.Errorf("after two failures: %+v", f)
	}
	now = now.Add(90 * time.Minute) // the token failure is now older than 24 h
	tr.sent(ctx, "a", true, nil)
	tr.refreshed("a", errors.New("zalo /v4/oa/access_token: error -14014"))
	f = tr.figures("a")
	if !f.lastSend.Equal(now) || f.errs["token"].count != 0 || f.errs["outside_window"].count != 1 ||
		f.refreshErr == "" || f.refreshFailures != 1 || !f.lastEvent.Equal(now.Add(-(23*time.Hour + 90*time.Minute))) {
		t.Errorf("a day later: %+v", f)
	}
	tr.refreshed("a", nil)
	if f := tr.figures("a"); f.refreshErr != "" || !f.refreshAt.Equal(now) {
		t.Errorf("after a good refresh: %+v", f)
	}
}
