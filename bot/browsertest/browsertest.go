// Package browsertest gives tests the external tools they need — headless Chromium, poppler,
// fonts — and one way to say that a tool is missing.
//
// A missing tool skips the test with the Debian package to install, or fails it when
// OABOT_REQUIRE_TOOLS=1 (CI sets it, and `make tools` installs the packages), so a missing
// browser can never turn into a green run.
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Unavailable skips the test because of why, or fails it when OABOT_REQUIRE_TOOLS=1.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("OABOT_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s (OABOT_REQUIRE_TOOLS=1)", why)
	}
	t.Skip("skipping: " + why)
}

// Tool returns the path of the first of names on PATH; pkg is the Debian package that
// provides it, named in the skip message.
func Tool(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Unavailable(t, names[0]+" not on PATH; install the Debian package "+pkg+" (make tools)")
	return ""
}

// Chromium starts Debian's headless Chromium for the test and returns its chromedp
// context; the browser stops when the test ends. Background networking, component updates
// and sync are off: the sandbox has no internet and Chromium would keep trying.
//
// Do not put a timeout on the returned context's first use (it would stop the browser);
// derive one per action instead (see chromedp.Run).
func Chromium(t testing.TB) context.Context {
	t.Helper()
	path := Tool(t, "chromium", "chromium", "chromium-browser", "google-chrome")
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { bcancel(); acancel() })
	return bctx
}

// SaveArtifact keeps a file (a screenshot, a rendered page) under artifacts/<dir>/ at the
// module root, which is gitignored, for a person to look at after the run. Failing to save
// is only logged: an artifact is never what a test checks.
func SaveArtifact(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Logf("artifact %s not saved: %v", name, err)
		return
	}
	d := filepath.Join(root, "artifacts", dir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Logf("artifact %s not saved: %v", name, err)
		return
	}
	p := filepath.Join(d, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Logf("artifact %s not saved: %v", name, err)
		return
	}
	t.Logf("artifact: %s", p)
}

// moduleRoot is the nearest directory above the working directory (a test's package
// directory) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
