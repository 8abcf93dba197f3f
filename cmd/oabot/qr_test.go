package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oabot/oabot/bot/qr"

	"github.com/oabot/oabot/bot/browsertest"
)

func noEnv(string) string { return "" }

func TestQRCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string // decoded URL
	}{
		{"png by code", []string{"--account", "ca-demo", "--code", "1.004222", "--format", "png", "--size", "128"},
			"http://localhost:8080/q/ca-demo/1.004222"},
		{"svg by short code with src", []string{"--account", "ubnd-demo", "--code", "1", "--format", "svg", "--src", "Cổng UBND"},
			"http://localhost:8080/q/ubnd-demo/1.004222?src=cong-ubnd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			var stdout, stderr bytes.Buffer
			args := append([]string{"qr"}, append(tc.args, "--out", out)...)
			if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
				t.Fatalf("oabot %v: %v\n%s", args, err, stderr.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var img image.Image
			if bytes.HasPrefix(data, []byte("<svg")) {
				img, err = qr.RasteriseSVG(data, qr.DefaultSize)
			} else {
				img, err = png.Decode(bytes.NewReader(data))
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := qr.Decode(img); err != nil || got != tc.want {
				t.Errorf("oabot %v wrote a code for %q (%v), want %q", args, got, err, tc.want)
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("stdout %q does not name the URL", stdout.String())
			}
		})
	}
}

func TestQRCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"missing code", []string{"qr", "--account", "ca-demo", "--out", "x.png"}, true, ""},
		{"bad format", []string{"qr", "--account", "ca-demo", "--code", "1", "--format", "gif", "--out", "x"}, true, ""},
		{"unknown account", []string{"qr", "--account", "nope", "--code", "1", "--out", "x.png"}, false, "ca-demo, ubnd-demo"},
		{"unknown code", []string{"qr", "--account", "ca-demo", "--code", "9.999", "--out", "x.png"}, false, "unknown procedure code"},
		{"posters unknown code", []string{"posters", "--account", "ca-demo", "--codes", "1,9.999", "--out", "x.pdf"}, false, "unknown procedure code"},
		{"posters missing out", []string{"posters", "--account", "ca-demo"}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, noEnv, &stdout, &stderr)
			if err == nil || errors.Is(err, errUsage) != tc.usage || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("oabot %v = %v, want usage=%v and %q", tc.args, err, tc.usage, tc.want)
			}
		})
	}
}

func TestPostersCommand(t *testing.T) {
	if _, err := qr.FindFont(""); err != nil {
		browsertest.Unavailable(t, err.Error())
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "p.pdf")
	var stdout, stderr bytes.Buffer
	args := []string{"posters", "--account", "ubnd-demo", "--codes", "1.004222,2", "--size", "a5", "--out", out}
	if err := run(context.Background(), args, noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("oabot %v: %v\n%s", args, err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "2 procedure(s)") {
		t.Errorf("stdout = %q", stdout.String())
	}
	text, err := exec.Command(browsertest.Tool(t, "poppler-utils", "pdftotext"), out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"UBND phường Demo", "Đăng ký thường trú", "Nhắn #1"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("poster text lacks %q", want)
		}
	}
}

// TestServeQRRoutes runs the demo service and follows a printed code: the QR image
// served decodes to the landing page, which answers 200, and posters need the token.
func TestServeQRRoutes(t *testing.T) {
	base, _ := mustRunMain(t, []string{"--addr", "127.0.0.1:0"}, nil)
	resp, err := http.Get(base + "/qr/ca-demo/1.png?size=256")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("GET /qr/ca-demo/1.png: %v", err)
	}
	target, err := qr.Decode(img)
	if err != nil || !strings.HasPrefix(target, "http://localhost:8080/q/ca-demo/") {
		t.Fatalf("served QR decodes to %q, %v", target, err)
	}
	// The demo's public base URL is localhost:8080; follow the same path on this instance.
	path := strings.TrimPrefix(target, "http://localhost:8080")
	resp, err = http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Nhắn tin với Công an phường Demo trên Zalo") {
		t.Errorf("GET %s: %d\n%.300s", path, resp.StatusCode, body)
	}
	if resp, err := http.Get(base + "/q/ca-demo/9.999"); err != nil || resp.StatusCode != 404 {
		t.Errorf("GET unknown code: %v, %v", resp, err)
	}
	if resp, err := http.Get(base + "/posters/ca-demo.pdf"); err != nil || resp.StatusCode != 401 {
		t.Errorf("GET posters without token: %v, %v", resp, err)
	}
}
