package qr

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/browsertest"
)

// TestSVGInChromium has a real SVG renderer (headless Chromium) draw each code at the
// smallest size offered, with and without a logo, and decodes the screenshot.
func TestSVGInChromium(t *testing.T) {
	bctx := browsertest.Chromium(t)
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
			browsertest.SaveArtifact(t, "qr", "chromium"+p+".png", shot)
		}
	}
}

// TestPrintViewInChromium prints the HTML print view to PDF with Chromium (as an officer
// would from the browser), rasterises the pages and decodes every code.
func TestPrintViewInChromium(t *testing.T) {
	browsertest.Tool(t, "poppler-utils", "pdftoppm")
	bctx := browsertest.Chromium(t)
	recs := testRecords()
	items, err := Items("https://oabot.example.vn", testAccount, recs, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		paper   string
		perPage int
	}{{"a5-1", "a5", 1}, {"a4-4", "a4", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			var page bytes.Buffer
			o := PosterOptions{Paper: tc.paper, PerPage: tc.perPage, Printed: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
			if err := WritePrintView(&page, testAccount, items, o); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(page.Bytes())
			}))
			defer srv.Close()
			if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL)); err != nil {
				t.Fatal(err)
			}
			pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(func(p *cdpage.PrintToPDFParams) { p.PreferCSSPageSize = new(true) }))
			if err != nil {
				t.Fatal(err)
			}
			browsertest.SaveArtifact(t, "qr", "print-view-chromium-"+tc.name+".pdf", pdf)
			dir := t.TempDir()
			f := filepath.Join(dir, "p.pdf")
			if err := os.WriteFile(f, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			pages := rasterise(t, f, dir, "100")
			if want := (len(items) + tc.perPage - 1) / tc.perPage; len(pages) != want {
				t.Fatalf("chromium printed %d pages, want %d", len(pages), want)
			}
			if tc.perPage == 1 {
				for i, p := range pages {
					if got := decodeFile(t, p); got != items[i].URL {
						t.Errorf("page %d decodes to %q, want %q", i+1, got, items[i].URL)
					}
				}
			} else {
				checkSheet(t, pages[0], items[:tc.perPage], grid[tc.perPage])
			}
		})
	}
}
