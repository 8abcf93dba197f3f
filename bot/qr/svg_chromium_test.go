package qr

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSVGInChromium has a real SVG renderer (headless Chromium) draw each code at the
// smallest size offered, with and without a logo, and decodes the screenshot.
func TestSVGInChromium(t *testing.T) {
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("skipping: chromium not on PATH; install the Debian package chromium (apt-get install -y chromium)")
	}
	svgs := map[string][]byte{}
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"plain", Options{Size: MinSize}},
		{"logo", Options{Size: MinSize, Logo: testLogo()}},
	} {
		b, err := SVG(roundTripURLs[1], tc.o)
		if err != nil {
			t.Fatal(err)
		}
		svgs["/"+tc.name+".svg"] = b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write(svgs[r.URL.Path])
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(MinSize, MinSize)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for p := range svgs {
		if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+p)); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != MinSize {
			t.Errorf("%s: screenshot %v, want %d px wide", p, b.Size(), MinSize)
		}
		if got, err := Decode(img); err != nil || got != roundTripURLs[1] {
			t.Errorf("%s rendered by chromium at %d px decodes to %q, %v", p, MinSize, got, err)
			keepArtifact(t, "chromium"+p+".png", shot)
		}
	}
}
