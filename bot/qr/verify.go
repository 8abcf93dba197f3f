package qr

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Verify decodes the QR code in img with gozxing and fails (wrapping ErrVerify) unless it
// reads want exactly. The decoder locates the code itself (no "pure barcode" hint), as a
// phone camera would.
func Verify(img image.Image, want string) error {
	got, err := Decode(img)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrVerify, err)
	}
	if got != want {
		return fmt.Errorf("%w: decoded %q, want %q", ErrVerify, got, want)
	}
	return nil
}

// Decode returns the text of the QR code found in img.
func Decode(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(luminanceSource(img)))
	if err != nil {
		return "", fmt.Errorf("decode: %w", err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", fmt.Errorf("decode: %w", err)
	}
	return res.GetText(), nil
}

// luminanceSource returns the grey levels gozxing reads img by. gozxing's own conversion
// (NewLuminanceSourceFromImage) calls At and RGBA for every pixel, and every colour an
// RGBA image returns there is a heap allocation: a million of them, and tens of
// milliseconds, for a 1024 px SVG check. For the two kinds of image this package draws (PNG: *image.Paletted;
// SVG check and logos: *image.RGBA) the levels are computed here straight from the pixels,
// with gozxing's formula (luminance), so the decoder reads the same bytes either way.
func luminanceSource(img image.Image) gozxing.LuminanceSource {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	levels := make([]byte, 0, w*h)
	switch src := img.(type) {
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, y):][:4*w]
			for x := 0; x < len(row); x += 4 {
				levels = append(levels, luminance(uint32(row[x])*0x101, uint32(row[x+1])*0x101,
					uint32(row[x+2])*0x101, uint32(row[x+3])*0x101))
			}
		}
	case *image.Paletted:
		var byIndex [256]byte // an index beyond the palette (At would panic) reads black
		for i, c := range src.Palette[:min(len(src.Palette), len(byIndex))] {
			byIndex[i] = luminance(c.RGBA())
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for _, i := range src.Pix[src.PixOffset(b.Min.X, y):][:w] {
				levels = append(levels, byIndex[i])
			}
		}
	default:
		return gozxing.NewLuminanceSourceFromImage(img)
	}
	// A planar YUV source with only its Y plane is a plain array of grey levels.
	ls, err := gozxing.NewPlanarYUVLuminanceSource(levels, w, h, 0, 0, w, h, false)
	if err != nil { // cannot happen: the crop is the whole array
		return gozxing.NewLuminanceSourceFromImage(img)
	}
	return ls
}

// luminance is gozxing's grey level for a colour (see NewLuminanceSourceFromImage): a
// green-weighted mean, composited over white.
func luminance(r, g, b, a uint32) byte {
	lum := (r + 2*g + b) * 255 / (4 * 0xffff)
	return byte((lum*a + (0xffff-a)*255) / 0xffff)
}

// verifySymbol rasterises sym at a few pixels per module and verifies it. Vector outputs
// (PDF) that draw exactly these modules use it.
func verifySymbol(sym *Symbol, quiet int) error {
	const scale = 4
	n := sym.Size() + 2*quiet
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	black := image.NewUniform(color.Black)
	for y, row := range sym.Modules {
		for x, on := range row {
			if on {
				r := image.Rect((quiet+x)*scale, (quiet+y)*scale, (quiet+x+1)*scale, (quiet+y+1)*scale)
				draw.Draw(img, r, black, image.Point{}, draw.Src)
			}
		}
	}
	return Verify(img, sym.Content)
}

// verifyAttempts bounds how many symbols encodeVerified tries for one content.
const verifyAttempts = 4

// encodeVerified encodes content and hands the symbol to check, which draws it and
// decodes the drawing (returning an error wrapping ErrVerify when that fails).
//
// Why more than one attempt: gozxing v0.1.1 fails to read roughly 1 in 750 valid symbols
// (measured on URLs like ours; zbar reads every one of them, see TestDecoderMisses). A
// code we cannot read back is refused rather than printed, so on ErrVerify the content
// is encoded again one version larger, which places every module differently, and that
// symbol is checked in turn. Other errors (bad options, content too long) end at once.
func encodeVerified(content string, level Level, minVersion int, check func(*Symbol) error) (*Symbol, error) {
	var err error
	for range verifyAttempts {
		var sym *Symbol
		sym, err = Encode(content, level, minVersion)
		if err != nil {
			return nil, err
		}
		if err = check(sym); err == nil {
			return sym, nil
		}
		if !errors.Is(err, ErrVerify) || sym.Version() >= 40 {
			return nil, err
		}
		minVersion = sym.Version() + 1
	}
	return nil, err
}
