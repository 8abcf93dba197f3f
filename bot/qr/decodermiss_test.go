package qr

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oabot/oabot/procedures"

	"github.com/oabot/oabot/bot/browsertest"
)

// decoderMisses are poster URLs whose smallest level-Q symbol gozxing v0.1.1 cannot read
// although it is valid (zbar reads it). They were found by encoding the built-in
// catalogue's URLs for a range of test-server ports; one made CI fail with a 500 from
// /posters before encodeVerified existed.
var decoderMisses = []string{
	"http://127.0.0.1:32808/q/ubnd-ben-nghe/1.014064",
	"http://127.0.0.1:32811/q/ubnd-ben-nghe/1.014062",
	"http://127.0.0.1:32818/q/ubnd-ben-nghe/2.000635",
	"http://127.0.0.1:32850/q/ubnd-ben-nghe/1.014062",
}

// zbarRead decodes a PNG with zbar, a decoder independent of gozxing.
func zbarRead(t *testing.T, zbar string, pngData []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(f, pngData, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", f).Output()
	if err != nil {
		t.Fatalf("zbarimg on %s: %v", f, err)
	}
	return strings.TrimRight(string(out), "\n")
}

func TestDecoderMisses(t *testing.T) {
	zbar := browsertest.Tool(t, "zbar-tools", "zbarimg")
	for _, content := range decoderMisses {
		// The premise: the smallest symbol is valid, but gozxing misses it.
		sym, err := Encode(content, LevelQ, 0)
		if err != nil {
			t.Fatal(err)
		}
		img, err := Render(sym, Options{Level: LevelQ})
		if err != nil {
			t.Fatal(err)
		}
		var raw bytes.Buffer
		if err := png.Encode(&raw, img); err != nil {
			t.Fatal(err)
		}
		if got := zbarRead(t, zbar, raw.Bytes()); got != content {
			t.Errorf("zbar reads the version-%d symbol as %q, want %q", sym.Version(), got, content)
		}
		if err := Verify(img, content); err == nil {
			t.Logf("%s: gozxing now reads the smallest symbol; this content no longer exercises the retry", content)
		} else if !errors.Is(err, ErrVerify) {
			t.Errorf("Verify = %v, want ErrVerify", err)
		}

		// What we hand out still decodes, with both decoders.
		pngData, err := PNG(content, Options{Level: LevelQ})
		if err != nil {
			t.Errorf("PNG(%s): %v", content, err)
			continue
		}
		if got := zbarRead(t, zbar, pngData); got != content {
			t.Errorf("zbar reads the served PNG as %q, want %q", got, content)
		}
		if _, err := SVG(content, Options{Size: 512, Level: LevelQ}); err != nil {
			t.Errorf("SVG(%s): %v", content, err)
		}
	}
}

// TestPostersWithDecoderMisses builds a PDF and a print view from the URLs above: before
// encodeVerified, one such URL failed the whole sheet.
func TestPostersWithDecoderMisses(t *testing.T) {
	font := mustFont(t)
	var items []PosterItem
	for _, u := range decoderMisses {
		code := u[strings.LastIndex(u, "/")+1:]
		items = append(items, PosterItem{Record: &procedures.Record{Code: code, Name: "Thủ tục " + code, Steps: []string{"x"}}, URL: u})
	}
	o := PosterOptions{Paper: "a4", PerPage: 4, Font: font}
	if err := WritePosters(&bytes.Buffer{}, testAccount, items, o); err != nil {
		t.Errorf("WritePosters: %v", err)
	}
	if err := WritePrintView(&bytes.Buffer{}, testAccount, items, o); err != nil {
		t.Errorf("WritePrintView: %v", err)
	}
}
