package qr

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"
)

// testLogo is a busy, mostly dark logo: the worst case for the decoder.
func testLogo() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 90, 60))
	for y := 0; y < 60; y++ {
		for x := 0; x < 90; x++ {
			c := color.RGBA{0, 60, 160, 255}
			if (x/10+y/10)%2 == 0 {
				c = color.RGBA{230, 40, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

var roundTripURLs = []string{
	"https://oabot.example.vn/q/ubnd-phuong-ben-nghe/1.004222",
	"https://oabot.example.vn/q/cong-an-phuong-sai-gon-tphcm/2.001159?src=bang-tin-to-dan-pho-3",
	"https://zalo.me/s/3218692012345678901/?oa=4318692012345678901&p=1.004222",
	"https://zalo.me/4318692012345678901",
}

func TestPNGRoundTrip(t *testing.T) {
	for _, u := range roundTripURLs {
		for _, tc := range []struct {
			name string
			o    Options
		}{
			{"min-size", Options{Size: MinSize}},
			{"min-size-L", Options{Size: MinSize, Level: LevelL}},
			{"min-size-logo", Options{Size: MinSize, Logo: testLogo()}},
			{"default-logo", Options{Logo: testLogo()}},
			{"quiet-2", Options{Size: 300, QuietZone: 2, Level: LevelH}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b, err := PNG(u, tc.o)
				if err != nil {
					t.Fatalf("PNG(%q, %s) error: %v", u, tc.name, err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("png.Decode: %v", err)
				}
				want := tc.o.Size
				if want == 0 {
					want = DefaultSize
				}
				if img.Bounds().Dx() != want || img.Bounds().Dy() != want {
					t.Errorf("PNG size = %v, want %dx%d", img.Bounds().Size(), want, want)
				}
				got, err := Decode(img)
				if err != nil || got != u {
					t.Errorf("Decode(PNG(%q)) = %q, %v", u, got, err)
				}
			})
		}
	}
}

func TestSVGRoundTrip(t *testing.T) {
	for _, u := range roundTripURLs {
		for _, tc := range []struct {
			name string
			o    Options
		}{
			{"min-size", Options{Size: MinSize}},
			{"min-size-logo", Options{Size: MinSize, Logo: testLogo()}},
			{"default-logo", Options{Logo: testLogo()}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				svg, err := SVG(u, tc.o)
				if err != nil {
					t.Fatalf("SVG(%q, %s) error: %v", u, tc.name, err)
				}
				if !bytes.HasPrefix(svg, []byte("<svg ")) || !bytes.Contains(svg, []byte("<path ")) {
					t.Fatalf("SVG output is not a vector path: %.80s", svg)
				}
				size := tc.o.Size
				if size == 0 {
					size = DefaultSize
				}
				// Rasterise at a size that does not divide into whole modules too.
				for _, px := range []int{size, 2*size + 37} {
					img, err := RasteriseSVG(svg, px)
					if err != nil {
						t.Fatalf("RasteriseSVG: %v", err)
					}
					if got, err := Decode(img); err != nil || got != u {
						t.Errorf("Decode(raster %d px of SVG(%q)) = %q, %v", px, u, got, err)
					}
				}
			})
		}
	}
}

func TestLogoRaisesLevelAndCapsArea(t *testing.T) {
	u := roundTripURLs[0]
	_, sym, err := Image(u, Options{Level: LevelL, Logo: testLogo()})
	if err != nil {
		t.Fatal(err)
	}
	if sym.Level != LevelH {
		t.Errorf("level with logo = %v, want H", sym.Level)
	}
	if sym.Version() < logoMinVersion {
		t.Errorf("version with logo = %d, want >= %d", sym.Version(), logoMinVersion)
	}
	for n := 21; n <= 177; n += 4 {
		pad := logoPad(n)
		area := float64(pad.Dx()*pad.Dy()) / float64(n*n)
		if area > MaxLogoArea || area < MaxLogoArea*0.7 {
			t.Errorf("logoPad(%d) = %v covers %.3f of the symbol, want (%.2f, %.2f]", n, pad, area, MaxLogoArea*0.7, MaxLogoArea)
		}
		if pad.Min.X != n-pad.Max.X {
			t.Errorf("logoPad(%d) = %v is not centred", n, pad)
		}
	}
}

func TestVerifyFailsLoudly(t *testing.T) {
	img, _, err := Image(roundTripURLs[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(img, roundTripURLs[1]); !errors.Is(err, ErrVerify) {
		t.Errorf("Verify(wrong URL) = %v, want ErrVerify", err)
	}
	blank := image.NewGray(image.Rect(0, 0, 200, 200))
	if err := Verify(blank, "x"); !errors.Is(err, ErrVerify) {
		t.Errorf("Verify(blank) = %v, want ErrVerify", err)
	}
	// A symbol whose modules were damaged beyond repair must not pass.
	sym, err := Encode(roundTripURLs[0], LevelL, 0)
	if err != nil {
		t.Fatal(err)
	}
	for y := 9; y < sym.Size()-9; y++ {
		for x := 9; x < sym.Size()-9; x++ {
			sym.Modules[y][x] = false
		}
	}
	if err := verifySymbol(sym, 4); !errors.Is(err, ErrVerify) {
		t.Errorf("verifySymbol(damaged) = %v, want ErrVerify", err)
	}
}

func TestOptionErrors(t *testing.T) {
	long := "https://oabot.example.vn/q/" + strings.Repeat("x", 1200)
	for _, tc := range []struct {
		name    string
		content string
		o       Options
		want    string
	}{
		{"too small", roundTripURLs[0], Options{Size: MinSize - 1}, "out of range"},
		{"too big", roundTripURLs[0], Options{Size: MaxSize + 1}, "out of range"},
		{"quiet 1", roundTripURLs[0], Options{QuietZone: 1}, "quiet zone"},
		{"no room", long, Options{Size: MinSize}, "too small"},
		{"empty", "", Options{}, "empty content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PNG(tc.content, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("PNG error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// BenchmarkPNG measures a verified PNG (encode, draw, decode back, PNG-encode);
// BenchmarkPNGUnverified is the same without the decode, as the baseline for the cost of
// the check.
func BenchmarkPNG(b *testing.B) {
	for b.Loop() {
		if _, err := PNG(roundTripURLs[1], Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPNGUnverified(b *testing.B) {
	for b.Loop() {
		sym, err := Encode(roundTripURLs[1], LevelM, 0)
		if err != nil {
			b.Fatal(err)
		}
		img, err := Render(sym, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := png.Encode(io.Discard, img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSVG(b *testing.B) {
	for b.Loop() {
		if _, err := SVG(roundTripURLs[1], Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
