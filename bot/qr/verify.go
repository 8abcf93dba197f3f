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
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
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
