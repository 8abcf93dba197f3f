// Package qr makes the printed side of oabot: QR codes (PNG and SVG, written here over
// go-qrcode's module matrix), posters (PDF and an HTML print view) and the landing page a
// scan opens.
//
// Every code this package hands out has been decoded back with a real decoder (gozxing)
// and compared with the URL it should carry. When that check fails the content is encoded
// one version larger and checked again (gozxing misses a few valid symbols; see
// encodeVerified); when no symbol passes, generation fails.
// All Vietnamese wording for landing pages and posters lives in this package (wording.go
// and templates/).
package qr

import (
	"errors"
	"fmt"
	"image"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// Level is a QR error-correction level.
type Level int

// Error-correction levels, from least to most redundant (about 7, 15, 25 and 30 % of the
// codewords can be restored).
const (
	LevelL Level = iota + 1
	LevelM
	LevelQ
	LevelH
)

// ParseLevel reads "L", "M", "Q" or "H" (any case). The empty string is LevelM.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "", "M", "m":
		return LevelM, nil
	case "L", "l":
		return LevelL, nil
	case "Q", "q":
		return LevelQ, nil
	case "H", "h":
		return LevelH, nil
	}
	return 0, fmt.Errorf("unknown error-correction level %q (want L, M, Q or H)", s)
}

// String returns the level's letter.
func (l Level) String() string {
	switch l {
	case LevelL:
		return "L"
	case LevelM:
		return "M"
	case LevelQ:
		return "Q"
	case LevelH:
		return "H"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Size limits for images, in pixels. MinSize is the smallest size offered; tests decode
// codes at that size.
const (
	MinSize     = 128
	MaxSize     = 2048
	DefaultSize = 512
)

// DefaultQuietZone is the white margin around the symbol, in modules; ISO/IEC 18004 asks
// for at least 4.
const DefaultQuietZone = 4

// MaxLogoArea caps the logo at this fraction of the symbol's area, so that level H's
// redundancy (about 30 % of codewords) still covers the modules the logo hides.
const MaxLogoArea = 0.20

// logoMinVersion keeps codes with a logo at version 5 or above: in smaller symbols a
// centred logo would cover too large a share of the few data modules.
const logoMinVersion = 5

// Options controls an image.
type Options struct {
	// Size is the image width and height in pixels (MinSize..MaxSize); 0 means DefaultSize.
	Size int
	// QuietZone is the margin in modules; 0 means DefaultQuietZone. Values below 2 are refused.
	QuietZone int
	// Level is the error-correction level; 0 means LevelM. Raised to LevelH when Logo is set.
	Level Level
	// Logo, when set, is drawn in the centre on a white pad, scaled to cover at most
	// MaxLogoArea of the symbol.
	Logo image.Image
}

// ErrVerify is returned (wrapped) when a generated code does not decode to its content.
var ErrVerify = errors.New("qr: generated code does not decode to the intended content")

// Symbol is an encoded QR code: the module matrix without quiet zone.
type Symbol struct {
	// Content is the text the symbol carries.
	Content string
	// Level is the error-correction level used.
	Level Level
	// Modules[y][x] is true for a dark module.
	Modules [][]bool
}

// Size returns the number of modules per side (21 for version 1 … 177 for version 40).
func (s *Symbol) Size() int { return len(s.Modules) }

// Version returns the QR version (1..40).
func (s *Symbol) Version() int { return (s.Size() - 17) / 4 }

// Encode encodes content at the given level (LevelM when 0). minVersion, when above 0,
// forces at least that version.
func Encode(content string, level Level, minVersion int) (*Symbol, error) {
	if content == "" {
		return nil, errors.New("qr: empty content")
	}
	if level == 0 {
		level = LevelM
	}
	opts := []qrcode.EncodeOption{
		libLevel(level),
		// Byte mode always: URLs have lower-case letters, which alphanumeric mode lacks, and
		// the library's auto-detection can pick a mode some readers handle poorly.
		qrcode.WithEncodingMode(qrcode.EncModeByte),
	}
	if minVersion > 0 {
		opts = append(opts, qrcode.WithMinimumVersion(minVersion))
	}
	code, err := qrcode.NewWith(content, opts...)
	if err != nil {
		return nil, fmt.Errorf("qr: encode: %w", err)
	}
	var cap matrixCapture
	if err := code.Save(&cap); err != nil {
		return nil, fmt.Errorf("qr: encode: %w", err)
	}
	if len(cap.bits) == 0 {
		return nil, errors.New("qr: encode: empty matrix")
	}
	return &Symbol{Content: content, Level: level, Modules: cap.bits}, nil
}

// libLevel maps a Level to go-qrcode's option (its level type is unexported).
func libLevel(l Level) qrcode.EncodeOption {
	switch l {
	case LevelL:
		return qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionLow)
	case LevelQ:
		return qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionQuart)
	case LevelH:
		return qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionHighest)
	}
	return qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium)
}

// matrixCapture is a go-qrcode Writer that keeps the matrix as rows of booleans.
type matrixCapture struct{ bits [][]bool }

func (m *matrixCapture) Write(mat qrcode.Matrix) error {
	m.bits = mat.Bitmap()
	return nil
}

func (m *matrixCapture) Close() error { return nil }
