package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot/browsertest"
	"github.com/oabot/oabot/procedures"
)

// testPages are extra routes of the security-header tests: an HTML page with an inline
// script and a same-origin one, a page that sets its own CSP, and an http.Handler that
// writes HTML without a content type (net/http would sniff it).
type testPages struct{}

func (testPages) Register(r gin.IRoutes) {
	r.GET("/test/inline", func(c *gin.Context) {
		c.Data(200, "text/html; charset=utf-8", []byte(`<!doctype html><title>t</title>`+
			`<p id="inline">not run</p><p id="file">not run</p>`+
			`<script>document.getElementById('inline').textContent = 'ran'</script>`+
			`<script src="/test/app.js"></script>`))
	})
	r.GET("/test/app.js", func(c *gin.Context) {
		c.Data(200, "text/javascript; charset=utf-8", []byte(`document.getElementById('file').textContent = 'ran'`))
	})
	r.GET("/test/own-csp", func(c *gin.Context) {
		c.Header("Content-Security-Policy", "default-src 'none'")
		c.Data(200, "text/html", []byte("<p>own policy</p>"))
	})
}

// newHeadersServer is the whole httpapi.Server with the QR, landing and poster routes, the
// OAuth onboarding routes, the admin API, a plain http.Handler under a prefix and the test
// pages.
func newHeadersServer(t *testing.T) (base string, cat *procedures.Catalog) {
	t.Helper()
	cat, err := procedures.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	admin := newAdminEnv(t, nil)
	oauth := newOAuthEnv(t)
	s, err := New(Options{Queue: nopQueue{}, Routes: []Routes{admin.admin, testPages{}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	base = "http://" + srv.Listener.Addr().String()
	qrRoutes, err := NewQRRoutes(QROptions{PublicBaseURL: base, Accounts: qrTestAccounts, PosterToken: testPosterToken,
		Catalog: func() *procedures.Catalog { return cat }, Now: func() time.Time { return time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	oauthRoutes, err := NewOAuthRoutes(OAuthOptions{PublicBaseURL: base, OAuthBase: oauth.zaloURL, APIBase: oauth.zaloURL,
		Accounts: oauth.dir, States: oauth.states, Tokens: oauth.tokens, TokenPairs: oauth.tokens,
		Admin: func(r *http.Request, _ string) (string, bool) {
			return "it-admin", r.Header.Get("Authorization") == "Bearer "+adminToken
		}})
	if err != nil {
		t.Fatal(err)
	}
	s.Mount(qrRoutes, oauthRoutes)
	s.HandlePrefix("/plain", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!doctype html><html><body><p>no content type set</p></body></html>")
	}))
	srv.Start()
	t.Cleanup(srv.Close)
	return base, cat
}

// Every HTML answer carries the security headers, set by one middleware (issue 13 item 9:
// before, the poster print view had neither CSP nor nosniff).
func TestSecurityHeadersOnEveryHTMLAnswer(t *testing.T) {
	base, cat := newHeadersServer(t)
	code := withShortCode(t, cat).Code
	poster := []string{"Authorization", "Bearer " + testPosterToken}
	admin := []string{"Authorization", "Bearer " + adminToken}
	for _, tt := range []struct {
		name, path string
		header     []string
		status     int
	}{
		{"landing page", "/q/ubnd-ben-nghe/" + code, nil, 200},
		{"landing page, HEAD", "HEAD /q/ubnd-ben-nghe/" + code, nil, 200},
		{"procedure not found page", "/q/ubnd-ben-nghe/0.000", nil, 404},
		{"poster print view", "/posters/ubnd-ben-nghe.html?codes=" + code, poster, 200},
		{"poster of an unknown account", "/posters/nope.html", poster, 404},
		{"oauth start, no token", "/oauth/zalo/start?account=ca-q1", nil, 401},
		{"oauth start, unknown account", "/oauth/zalo/start?account=nope", admin, 404},
		{"oauth callback, incomplete", "/oauth/zalo/callback", nil, 400},
		{"oauth callback, forged state", "/oauth/zalo/callback?code=x&state=forged", nil, 400},
		{"HTML without a content type (http.Handler)", "/plain/x", nil, 200},
		{"QR image as SVG", "/qr/ubnd-ben-nghe/" + code + ".svg", nil, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method, path := "GET", tt.path
			if m, p, ok := strings.Cut(tt.path, " "); ok {
				method, path = m, p
			}
			resp := fetchHeaders(t, method, base+path, tt.header...)
			h := resp.Header
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %d, want %d", method, path, resp.StatusCode, tt.status)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") && !strings.HasPrefix(ct, "image/svg+xml") {
				t.Fatalf("Content-Type %q, want a document", ct)
			}
			csp := cspDirectives(h.Values("Content-Security-Policy"))
			for d, want := range map[string]string{"default-src": "'self'", "script-src": "'self'",
				"frame-ancestors": "'none'", "object-src": "'none'"} {
				if csp[d] != want {
					t.Errorf("Content-Security-Policy %s = %q, want %q (%v)", d, csp[d], want, csp)
				}
			}
			want := map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
			for k, v := range want {
				if got := h.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q, want exactly %q", k, got, v)
				}
			}
		})
	}
}

// Other answers get nosniff only; a page that sets its own CSP keeps it.
func TestSecurityHeadersElsewhere(t *testing.T) {
	base, cat := newHeadersServer(t)
	code := withShortCode(t, cat).Code
	for _, tt := range []struct{ name, path string }{
		{"health", "/healthz"},
		{"admin API error", "/admin/v1/me"},
		{"QR image as PNG", "/qr/ubnd-ben-nghe/" + code + ".png"},
		{"unknown path", "/nothing-here"},
	} {
		resp := fetchHeaders(t, "GET", base+tt.path)
		if got := resp.Header.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", tt.name, got)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "" {
			t.Errorf("%s (%s): CSP %q on a non-document answer", tt.name, resp.Header.Get("Content-Type"), csp)
		}
	}
	resp := fetchHeaders(t, "GET", base+"/test/own-csp")
	if got := resp.Header.Values("Content-Security-Policy"); len(got) != 1 || got[0] != "default-src 'none'" {
		t.Errorf("page with its own CSP: %q, want it kept", got)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("page with its own CSP lost the other headers: %v", resp.Header)
	}
}

// In a browser the policy blocks inline scripts but keeps what the pages need: same-origin
// scripts, the landing page's and the print view's inline styles, the inline QR SVGs.
func TestSecurityHeadersInChromium(t *testing.T) {
	base, cat := newHeadersServer(t)
	code := withShortCode(t, cat).Code
	bctx := browsertest.Chromium(t)
	if err := chromedp.Do(bctx); err != nil { // start the browser without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()
	type result struct {
		Inline  string  `json:"inline"`
		File    string  `json:"file"`
		Display string  `json:"display"`
		SVGs    int     `json:"svgs"`
		Width   float64 `json:"width"`
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/test/inline"), chromedp.WaitReady("#file")); err != nil {
		t.Fatal(err)
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[result](`({inline: document.getElementById('inline').textContent,
		file: document.getElementById('file').textContent})`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Inline != "not run" || r.File != "ran" {
		t.Errorf("inline script %q (want not run), same-origin script %q (want ran)", r.Inline, r.File)
	}
	headers := func(h network.Headers) error {
		_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h})
		return err
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := headers(network.Headers{"Authorization": "Bearer " + testPosterToken}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/posters/ubnd-ben-nghe.html?per_page=4&codes="+url.QueryEscape(code))); err != nil {
		t.Fatal(err)
	}
	r, err = chromedp.Run(ctx, chromedp.Evaluate[result](`({display: getComputedStyle(document.querySelector('.sheet')).display,
		svgs: document.querySelectorAll('.qr svg').length,
		width: document.querySelector('.qr svg').getBoundingClientRect().width})`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Display != "grid" || r.SVGs != 1 || r.Width < 50 {
		t.Errorf("print view under the CSP: .sheet display %q (want grid: inline style applied), %d QR SVGs %.0f px wide", r.Display, r.SVGs, r.Width)
	}
	if err := headers(network.Headers{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/q/ubnd-ben-nghe/"+code)); err != nil {
		t.Fatal(err)
	}
	r, err = chromedp.Run(ctx, chromedp.Evaluate[result](`({display: getComputedStyle(document.querySelector('a.btn')).display})`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Display != "block" {
		t.Errorf("landing page under the CSP: a.btn display %q, want block (its inline style applied)", r.Display)
	}
}

// fetchHeaders sends a request and returns the answer with its body read.
func fetchHeaders(t *testing.T, method, u string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", phoneUA)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// cspDirectives parses the one Content-Security-Policy header into directive → sources.
func cspDirectives(values []string) map[string]string {
	out := map[string]string{}
	if len(values) != 1 {
		return out
	}
	for _, d := range strings.Split(values[0], ";") {
		name, sources, _ := strings.Cut(strings.TrimSpace(d), " ")
		out[name] = strings.TrimSpace(sources)
	}
	return out
}
