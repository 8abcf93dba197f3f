package qr

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/oabot/oabot/procedures"

	"github.com/oabot/oabot/bot/browsertest"
)

var testAccount = Account{Slug: "ubnd-ben-nghe", OAID: "4318692012345678901", Name: "UBND phường Bến Nghé"}

// testRecords have long names full of stacked Vietnamese marks; the second is stored
// decomposed (NFD), as some imports deliver it.
func testRecords() []*procedures.Record {
	return []*procedures.Record{
		{Code: "1.004222", ShortCode: "12", Name: "Đăng ký thường trú", Steps: []string{"Nộp hồ sơ"}},
		{Code: "2.001159", Name: norm.NFD.String("Cấp đổi thẻ Căn cước cho công dân Việt Nam từ đủ 14 tuổi trở lên khi hết hạn, hư hỏng hoặc thay đổi thông tin nhân thân"), Steps: []string{"x"}},
		{Code: "1.003677", ShortCode: "7", Name: "Khai báo tạm vắng", Steps: []string{"x"}},
		{Code: "1.001776", ShortCode: "31", Name: "Xóa đăng ký thường trú", Steps: []string{"x"}},
		{Code: "1.004194", ShortCode: "5", Name: "Đăng ký tạm trú", Steps: []string{"x"}},
	}
}

func mustFont(t *testing.T) Font {
	t.Helper()
	f, err := FindFont("")
	if err != nil {
		browsertest.Unavailable(t, err.Error())
	}
	return f
}

func TestPostersRasteriseAndDecode(t *testing.T) {
	font := mustFont(t)
	browsertest.Tool(t, "poppler-utils", "pdftoppm")
	browsertest.Tool(t, "poppler-utils", "pdftotext")
	recs := testRecords()
	for _, tc := range []struct {
		name    string
		paper   string
		perPage int
		mode    Mode
		src     string
		dpi     string
	}{
		{"a4-1", "a4", 1, ModeLanding, "", "72"},
		{"a5-1-src", "a5", 1, ModeLanding, "Bảng tin tổ 3", "72"},
		{"a4-4", "a4", 4, ModeLanding, "", "100"},
		{"a4-6-oa", "a4", 6, ModeOA, "", "150"},
		{"a5-2-miniapp", "a5", 2, ModeMiniApp, "", "100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acc := testAccount
			acc.Mode, acc.MiniAppID = tc.mode, "3218692012345678901"
			items, err := Items("https://oabot.example.vn", acc, recs, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			o := PosterOptions{Paper: tc.paper, PerPage: tc.perPage, Font: font,
				Printed: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), CatalogVersion: "a1b2c3d4-2026-11-20"}
			if err := WritePosters(&buf, acc, items, o); err != nil {
				t.Fatalf("WritePosters: %v", err)
			}
			dir := t.TempDir()
			pdf := filepath.Join(dir, "p.pdf")
			if err := os.WriteFile(pdf, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			browsertest.SaveArtifact(t, "qr", tc.name+".pdf", buf.Bytes())
			pages := rasterise(t, pdf, dir, tc.dpi)
			wantPages := (len(items) + tc.perPage - 1) / tc.perPage
			if len(pages) != wantPages {
				t.Fatalf("pdftoppm produced %d pages, want %d", len(pages), wantPages)
			}
			if tc.perPage == 1 {
				for i, p := range pages {
					if got := decodeFile(t, p); got != items[i].URL {
						t.Errorf("page %d QR = %q, want %q", i+1, got, items[i].URL)
					}
				}
			} else {
				// Decode each cell of the first page from its crop of the raster.
				checkSheet(t, pages[0], items[:min(tc.perPage, len(items))], grid[tc.perPage])
			}
			text := pdfText(t, pdf)
			for _, it := range items {
				name := norm.NFC.String(it.Record.Name)
				if !strings.Contains(flat(text), flat(name)) {
					t.Errorf("pdftotext output lacks %q", name)
				}
				if !strings.Contains(text, "Nhắn "+MessageText(it.Record)) {
					t.Errorf("pdftotext output lacks %q", "Nhắn "+MessageText(it.Record))
				}
			}
			for _, want := range []string{"In ngày 28/11/2026", "a1b2c3d4-2026-11-20", acc.Name} {
				if !strings.Contains(text, want) {
					t.Errorf("pdftotext output lacks %q", want)
				}
			}
		})
	}
}

// flat joins lines and collapses spaces: a long name wraps over several lines.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func rasterise(t *testing.T, pdf, dir, dpi string) []string {
	t.Helper()
	out, err := exec.Command("pdftoppm", "-r", dpi, "-png", pdf, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil {
		t.Fatal(err)
	}
	return pages // zero-padded page numbers sort correctly
}

func decodeFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(img)
	if err != nil {
		t.Errorf("decode %s: %v", filepath.Base(path), err)
	}
	return got
}

func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return norm.NFC.String(string(out))
}

// checkSheet crops each cell of a sheet page (same grid as WritePosters: 10 mm margin) and
// decodes the QR in it.
func checkSheet(t *testing.T, page string, items []PosterItem, g [2]int) {
	t.Helper()
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	pxPerMM := float64(b.Dx()) / pageWidthMM(b)
	m := int(10 * pxPerMM)
	cw, ch := (b.Dx()-2*m)/g[0], (b.Dy()-2*m)/g[1]
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		t.Fatalf("raster %T cannot be cropped", img)
	}
	for i, it := range items {
		x, y := m+(i%g[0])*cw, m+(i/g[0])*ch
		cellImg := sub.SubImage(image.Rect(x, y, x+cw, y+ch))
		got, err := Decode(cellImg)
		if err != nil || got != it.URL {
			t.Errorf("sheet cell %d QR = %q, %v; want %q", i+1, got, err, it.URL)
		}
	}
}

// pageWidthMM tells A4 from A5 by the raster's aspect-independent size ratio: both are
// 1:√2, so use the dpi-free fact that the test rasterises A4 wider than A5 at one dpi is
// not available here; instead compare against both widths at the known dpis.
func pageWidthMM(b image.Rectangle) float64 {
	for _, dpi := range []float64{72, 100, 150} {
		for _, w := range []float64{210, 148} {
			if px := w / 25.4 * dpi; px > float64(b.Dx())-2 && px < float64(b.Dx())+2 {
				return w
			}
		}
	}
	return 210
}

func TestFindFont(t *testing.T) {
	_, err := findFont("", []string{filepath.Join(t.TempDir(), "none.ttf")})
	if err == nil || !strings.Contains(err.Error(), FontPackage) || !strings.Contains(err.Error(), "apt-get install") {
		t.Errorf("findFont with no font installed = %v, want an error naming %s", err, FontPackage)
	}
	if _, err := FindFont(filepath.Join(t.TempDir(), "missing.ttf")); err == nil {
		t.Error("FindFont(missing configured file): want error")
	}
	dir := t.TempDir()
	for _, f := range []string{"Foo-Regular.ttf", "Foo-Bold.ttf", "Bar.otf"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := FindFont(filepath.Join(dir, "Foo-Regular.ttf"))
	if err != nil || got.Bold != filepath.Join(dir, "Foo-Bold.ttf") {
		t.Errorf("FindFont(Foo-Regular.ttf) = %+v, %v; want the bold face beside it", got, err)
	}
	if _, err := FindFont(filepath.Join(dir, "Bar.otf")); err == nil {
		t.Error("FindFont(.otf): want error (fpdf needs TrueType)")
	}
	if err := os.WriteFile(filepath.Join(dir, "DejaVuSans.ttf"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := FindFont(dir); err != nil || got.Regular != filepath.Join(dir, "DejaVuSans.ttf") {
		t.Errorf("FindFont(folder) = %+v, %v; want DejaVuSans.ttf in it", got, err)
	}
	if _, err := FindFont(t.TempDir()); err == nil || !strings.Contains(err.Error(), FontPackage) {
		t.Errorf("FindFont(empty folder) = %v, want an error naming %s", err, FontPackage)
	}
}

func TestWritePostersErrors(t *testing.T) {
	items, err := Items("https://oabot.example.vn", testAccount, testRecords()[:1], "")
	if err != nil {
		t.Fatal(err)
	}
	font := Font{Regular: "/nonexistent.ttf", Bold: "/nonexistent.ttf"}
	for _, tc := range []struct {
		name  string
		items []PosterItem
		o     PosterOptions
	}{
		{"no items", nil, PosterOptions{Font: font}},
		{"bad paper", items, PosterOptions{Paper: "a3", Font: font}},
		{"bad per page", items, PosterOptions{PerPage: 3, Font: font}},
		{"no font", items, PosterOptions{}},
		{"missing font file", items, PosterOptions{Font: font}},
	} {
		if err := WritePosters(io.Discard, testAccount, tc.items, tc.o); err == nil {
			t.Errorf("WritePosters(%s): want error", tc.name)
		}
	}
}
