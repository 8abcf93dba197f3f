package qr

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"testing"
)

// photo draws sym at 6 px per module and then treats it the way a print and a phone
// camera do: a dark blot (tape, a pin, dirt) over part of the data and a slight rotation.
func photo(sym *Symbol, blot float64, degrees float64) image.Image {
	const scale, quiet = 6, 4
	n := sym.Size() + 2*quiet
	src := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	draw.Draw(src, src.Bounds(), image.White, image.Point{}, draw.Src)
	for y, row := range sym.Modules {
		for x, on := range row {
			if on {
				r := image.Rect((quiet+x)*scale, (quiet+y)*scale, (quiet+x+1)*scale, (quiet+y+1)*scale)
				draw.Draw(src, r, image.Black, image.Point{}, draw.Src)
			}
		}
	}
	// The blot: a dark square of side blot×symbol, below and right of the centre, away
	// from the finder patterns.
	side := int(blot * float64(sym.Size()*scale))
	c := (quiet + sym.Size()/2) * scale
	draw.Draw(src, image.Rect(c, c, c+side, c+side), image.NewUniform(color.Gray{20}), image.Point{}, draw.Src)

	// Rotate about the centre (nearest neighbour), on a larger white canvas.
	b := src.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()+80, b.Dy()+80))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	sin, cos := math.Sincos(degrees * math.Pi / 180)
	cx, cy := float64(out.Bounds().Dx())/2, float64(out.Bounds().Dy())/2
	for y := 0; y < out.Bounds().Dy(); y++ {
		for x := 0; x < out.Bounds().Dx(); x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			sx := int(cos*dx + sin*dy + float64(b.Dx())/2)
			sy := int(-sin*dx + cos*dy + float64(b.Dy())/2)
			v := uint8(255)
			if image.Pt(sx, sy).In(b) {
				v = src.GrayAt(sx, sy).Y
			}
			out.SetGray(x, y, color.Gray{v})
		}
	}
	return out
}

// TestPosterLevelSurvivesDamage shows why posters use level Q: a dark blot a quarter of
// the symbol's width across, on a code tilted by 7°, still decodes at Q (and H), while the
// same damage defeats level L.
func TestPosterLevelSurvivesDamage(t *testing.T) {
	const u = "https://oabot.example.vn/q/ubnd-phuong-ben-nghe/1.004222?src=bang-tin-to-3"
	for _, tc := range []struct {
		level  Level
		decode bool
	}{{posterLevel, true}, {LevelH, true}, {LevelL, false}} {
		sym, err := Encode(u, tc.level, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(photo(sym, 0.25, 7))
		if ok := err == nil && got == u; ok != tc.decode {
			t.Errorf("level %v with damage: decoded %v (%q, %v), want %v", tc.level, ok, got, err, tc.decode)
		}
	}
}
