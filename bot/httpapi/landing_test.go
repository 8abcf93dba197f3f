package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/inmem"

	"github.com/oabot/oabot/bot/browsertest"
)

// TestLandingInChromium renders the landing page of every built-in procedure at 360×740
// (a small Android phone) and checks what matters on a phone: no sideways scrolling, the
// chat button above the fold, the exact text to send, no script, and a page under 50 KB. A screenshot is kept under artifacts/.
func TestLandingInChromium(t *testing.T) {
	scans := inmem.NewScans(0)
	srv, cat := newQRServer(t, scans)
	ctx := browsertest.Chromium(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for i, r := range cat.All() {
		u := srv.URL + "/q/ubnd-ben-nghe/" + r.Code + "?src=test"
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
		if err != nil {
			t.Fatalf("navigate %s: %v", u, err)
		}
		if resp.Status != 200 {
			t.Errorf("%s: status %d", r.Code, resp.Status)
		}
		type metrics struct {
			ScrollWidth int     `json:"scrollWidth"`
			BtnBottom   float64 `json:"btnBottom"`
			BtnText     string  `json:"btnText"`
			BtnHref     string  `json:"btnHref"`
			Msg         string  `json:"msg"`
			Bytes       int     `json:"bytes"`
			Scripts     int     `json:"scripts"`
			Font        float64 `json:"font"`
		}
		m, err := chromedp.Run(ctx, chromedp.Evaluate[metrics](`(() => {
			const b = document.querySelector('a.btn'), r = b.getBoundingClientRect();
			const nav = performance.getEntriesByType('navigation')[0];
			return {scrollWidth: document.documentElement.scrollWidth, btnBottom: r.bottom,
				btnText: b.textContent.trim(), btnHref: b.href, msg: document.querySelector('.msg').textContent,
				bytes: nav.decodedBodySize, scripts: document.scripts.length,
				font: parseFloat(getComputedStyle(document.body).fontSize)};
		})()`))
		if err != nil {
			t.Fatalf("%s: evaluate: %v", r.Code, err)
		}
		if m.ScrollWidth > 360 {
			t.Errorf("%s: page scrolls sideways (scrollWidth %d > 360)", r.Code, m.ScrollWidth)
		}
		if m.BtnBottom > 740 {
			t.Errorf("%s: chat button ends at %.0f px, below the 740 px fold", r.Code, m.BtnBottom)
		}
		if want := "Nhắn tin với UBND phường Bến Nghé trên Zalo"; m.BtnText != want || m.BtnHref != "https://zalo.me/4318692012345678901" {
			t.Errorf("%s: button %q → %q", r.Code, m.BtnText, m.BtnHref)
		}
		if want := "#" + r.ShortCode; r.ShortCode != "" && m.Msg != want {
			t.Errorf("%s: text to send %q, want %q", r.Code, m.Msg, want)
		}
		if m.Bytes <= 0 || m.Bytes >= 50*1024 || m.Scripts != 0 || m.Font < 16 {
			t.Errorf("%s: page %d bytes (want < 50 KB), %d scripts, body font %.0f px", r.Code, m.Bytes, m.Scripts, m.Font)
		}
		if i == 0 {
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives PNG
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			browsertest.SaveArtifact(t, "httpapi", "landing-360x740.png", shot)
			t.Logf("%s: %d bytes, button bottom %.0f px", r.Code, m.Bytes, m.BtnBottom)
		}
	}
	counts, _ := scans.ScanCounts(context.Background(), "ubnd-ben-nghe")
	if len(counts.ByProcedure) != len(cat.All()) {
		t.Errorf("%d procedures counted after one view each, want %d", len(counts.ByProcedure), len(cat.All()))
	}
}

// TestNotFoundInChromium checks the Vietnamese 404 page renders in the browser.
func TestNotFoundInChromium(t *testing.T) {
	srv, _ := newQRServer(t, nil)
	ctx := browsertest.Chromium(t)
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(srv.URL+"/q/ubnd-ben-nghe/0.000"))
	if err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text("h1"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 404 || strings.TrimSpace(h1) != "Không tìm thấy thủ tục" {
		t.Errorf("404 page: status %d, h1 %q", resp.Status, h1)
	}
}
