// Package browsertest gives tests the external tools they need — headless Chromium, poppler,
// fonts — and one way to say that a tool is missing.
//
// A missing tool skips the test with the Debian package to install, or fails it when
// OABOT_REQUIRE_TOOLS=1 (CI sets it, and `make tools` installs the packages), so a missing
// browser can never turn into a green run.
package browsertest

import (
	"context"
	"os"
	"os/exec"
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
