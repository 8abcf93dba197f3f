package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// hitCounter is a listener that must not be reached: it counts every request.
type hitCounter struct{ hits atomic.Int64 }

func (h *hitCounter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.hits.Add(1)
	_, _ = w.Write([]byte(`{"status":"other listener"}`))
}

// postEventAs posts to the event API as a request naming host in its Host header.
func postEventAs(t *testing.T, e *Server, host string, req eventRequest) eventResponse {
	t.Helper()
	body, _ := json.Marshal(req)
	r := localRequest(http.MethodPost, "/api/event", bytes.NewReader(body))
	r.Host = host
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, r)
	var resp eventResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode response %q: %v", rec.Body.String(), err)
	}
	return resp
}

// The Host header of a request for the event API never chooses where the event goes
// (issue 13 item 3a: the webhook URL was built from it, a request forgery).
func TestHostHeaderDoesNotChooseTheWebhook(t *testing.T) {
	other := &hitCounter{}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	otherHost := strings.TrimPrefix(otherSrv.URL, "http://")

	t.Run("webhook URL", func(t *testing.T) {
		e, hook, _ := newTestEmulator(t)
		resp := postEventAs(t, e, otherHost, eventRequest{Account: "ca-test", User: testUser, Kind: "text", Text: "xin chào"})
		hook.mu.Lock()
		got := len(hook.raws)
		hook.mu.Unlock()
		if resp.Status != http.StatusOK || got != 1 {
			t.Errorf("event with Host %s = %+v, webhook got %d events; want 200 from the configured webhook", otherHost, resp, got)
		}
	})
	t.Run("in-process handler", func(t *testing.T) {
		hook := &webhookRecorder{t: t, appID: testApp, secret: "oa-secret"}
		var path, remote string
		e, err := New(Options{
			Accounts: []Account{{ID: "ca-test", Name: "Công an phường Thử", OAID: testOA, AppID: testApp, OASecret: "oa-secret"}},
			Webhook: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path, remote = r.URL.Path, r.RemoteAddr
				hook.ServeHTTP(w, r)
			}),
			WebhookURL: "/webhook",
			Capture:    &fakeCapture{},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp := postEventAs(t, e, otherHost, eventRequest{Account: "ca-test", User: testUser, Kind: "follow"})
		if resp.Status != http.StatusOK || resp.Body != `{"status":"queued"}` || len(hook.raws) != 1 {
			t.Errorf("event = %+v, webhook got %d events; want the in-process webhook's 200", resp, len(hook.raws))
		}
		if path != "/webhook" || remote != "192.0.2.1:1234" { // httptest.NewRequest's client
			t.Errorf("in-process webhook request: path %q from %q, want /webhook from the tester", path, remote)
		}
	})
	if n := other.hits.Load(); n != 0 {
		t.Errorf("the listener named in the Host header got %d requests, want 0", n)
	}
}

// The in-process webhook's answer is passed on like an HTTP one: status, body capped.
func TestInProcessWebhookAnswer(t *testing.T) {
	e, err := New(Options{
		Accounts: []Account{{ID: "ca-test", OAID: testOA, AppID: testApp, OASecret: "s"}},
		Webhook: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(strings.Repeat("x", 3*maxWebhookAnswer)))
		}),
		WebhookURL: "/webhook",
		Capture:    &fakeCapture{},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp := postEvent(t, e, eventRequest{Account: "ca-test", User: testUser, Kind: "chatnow"})
	if resp.Status != http.StatusServiceUnavailable || len(resp.Body) != maxWebhookAnswer {
		t.Errorf("answer = status %d, %d bytes; want 503 and %d bytes", resp.Status, len(resp.Body), maxWebhookAnswer)
	}
}

// New refuses a webhook it could not pin down: a bare path (resolved against the request's
// Host before issue 13) or anything but an absolute http(s) URL.
func TestNewRequiresAFixedWebhook(t *testing.T) {
	tests := []struct {
		name    string
		handler http.Handler
		target  string
	}{
		{"path without handler", nil, "/webhook"},
		{"nothing", nil, ""},
		{"no host", nil, "http:///webhook"},
		{"other scheme", nil, "file:///etc/passwd"},
		{"handler without path", http.NotFoundHandler(), ""},
		{"handler with URL", http.NotFoundHandler(), "http://x/webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{Accounts: []Account{{ID: "a", OAID: testOA, AppID: testApp}},
				Webhook: tt.handler, WebhookURL: tt.target, Capture: &fakeCapture{}})
			if err == nil {
				t.Errorf("New(Webhook: %v, WebhookURL: %q) = nil error, want one", tt.handler != nil, tt.target)
			}
		})
	}
}

// The page runs only its own script: the CSP has no 'unsafe-inline' for scripts, the page
// has no inline script or event-handler attribute, and the script it loads is served from
// the emulator's prefix as JavaScript (issue 13 item 3c).
func TestPageScriptsAreNotInline(t *testing.T) {
	e, _, _ := newTestEmulator(t)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, localRequest(http.MethodGet, "/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if src := cspDirective(csp, "script-src"); src != "'self'" {
		t.Errorf("CSP script-src = %q (CSP %q), want 'self' alone", src, csp)
	}
	if strings.Contains(cspDirective(csp, "default-src"), "unsafe-inline") {
		t.Errorf("CSP default-src allows inline code: %q", csp)
	}
	page := rec.Body.String()
	scripts := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) == 0 {
		t.Fatal("the page loads no script")
	}
	var srcs []string
	for _, m := range scripts {
		src := regexp.MustCompile(`\bsrc="([^"]+)"`).FindStringSubmatch(m[1])
		if src == nil || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script in the page: %.80q", m[0])
			continue
		}
		srcs = append(srcs, src[1])
	}
	if m := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`).FindString(page); m != "" {
		t.Errorf("inline event handler in the page: %q", m)
	}
	if strings.Contains(page, "javascript:") {
		t.Error("javascript: URL in the page")
	}
	for _, src := range srcs {
		u, err := url.Parse(src)
		if err != nil || u.IsAbs() || strings.HasPrefix(src, "/") {
			t.Errorf("script %q: want a path relative to the page (the emulator's prefix)", src)
			continue
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, localRequest(http.MethodGet, "/"+src, nil))
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") ||
			rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d %q nosniff=%q, %d bytes; want 200 JavaScript", src, rec.Code,
				rec.Header().Get("Content-Type"), rec.Header().Get("X-Content-Type-Options"), rec.Body.Len())
		}
	}
}

// cspDirective returns the sources of one directive of a Content-Security-Policy.
func cspDirective(csp, name string) string {
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) > 0 && strings.EqualFold(f[0], name) {
			return strings.Join(f[1:], " ")
		}
	}
	return ""
}
