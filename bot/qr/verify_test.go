package qr

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// luminanceSource must hand the decoder exactly the grey levels gozxing computes from the
// image itself, so that it changes the cost of Verify and nothing else.
func TestQRLuminanceMatchesGozxing(t *testing.T) {
	img := image.NewRGBA(image.Rect(3, 5, 203, 155))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(img.Pix); i += 4 {
		a := byte(rnd.IntN(256))
		if i%3 == 0 {
			a = 255 // mostly opaque, like a drawn code
		}
		for k := range 3 { // premultiplied: no channel above alpha
			img.Pix[i+k] = byte(rnd.IntN(int(a) + 1))
		}
		img.Pix[i+3] = a
	}
	pal := image.NewPaletted(img.Rect, color.Palette{color.White, color.Black, color.RGBA{200, 30, 60, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = byte(rnd.IntN(len(pal.Palette)))
	}
	for _, tc := range []struct {
		name string
		img  image.Image
	}{
		{"rgba", img},
		{"rgba sub-image", img.SubImage(image.Rect(10, 20, 100, 90))},
		{"paletted", pal},
		{"paletted sub-image", pal.SubImage(image.Rect(10, 20, 100, 90))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := gozxing.NewLuminanceSourceFromImage(tc.img).GetMatrix()
			got := luminanceSource(tc.img).GetMatrix()
			if !bytes.Equal(got, want) {
				t.Errorf("luminanceSource(%s) differs from gozxing's own conversion", tc.name)
			}
		})
	}
}
