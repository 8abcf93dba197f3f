package console

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHealth reports phuong-a as healthy with figures and xa-b with an expired token.
type fakeHealth struct {
	origin string

	mu        sync.Mutex
	connected []string // account/officer of each Connect
}

func (f *fakeHealth) Health(_ context.Context, accs []Account, now time.Time) ([]AccountHealth, error) {
	var out []AccountHealth
	for _, a := range accs {
		h := AccountHealth{Account: a, Since: now.Add(-48 * time.Hour)}
		switch a.ID {
		case "phuong-a":
			h.Token = TokenHealth{Kind: TokenRefreshing, ExpiresAt: now.Add(20 * time.Hour), LastRefresh: now.Add(-4 * time.Hour), RefreshShared: true}
			h.LastEvent, h.LastSend = now.Add(-5*time.Minute), now.Add(-4*time.Minute)
			h.Errors = []SendErrors{{Class: "outside_window", Count: 3, Last: now.Add(-time.Hour)}, {Class: "retryable", Count: 1, Last: now.Add(-2 * time.Hour)}}
			h.Followers, h.FollowersKnown = 1234, true
		case "xa-b":
			h.Token = TokenHealth{Kind: TokenRefreshing, ExpiresAt: now.Add(-30 * time.Minute), LastRefresh: now.Add(-25 * time.Hour),
				RefreshError: "zalo /v4/oa/access_token: error -14014: invalid refresh token", RefreshErrorAt: now.Add(-10 * time.Minute), Failures: 3}
		}
		out = append(out, h)
	}
	return out, nil
}

func (f *fakeHealth) ConsentOrigin() string { return f.origin }

func (f *fakeHealth) Connect(_ context.Context, account, officer string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connected = append(f.connected, account+"/"+officer)
	return f.origin + "/v4/oa/permission?app_id=1&state=s", nil
}

func newHealthEnv(t *testing.T, origin string) (*env, *fakeHealth) {
	t.Helper()
	src := &fakeHealth{origin: origin}
	e := newEnv(t, "inmem", func(o *Options) { o.Sections = []Section{&Health{Source: src, Now: o.Now}} })
	e.officer("admin", RoleAdmin, "mật khẩu Q1", "*")
	e.officer("lan", RoleEditor, "mật khẩu L1", "phuong-a")
	e.officer("minh", RoleViewer, "mật khẩu V1", "phuong-a")
	return e, src
}

func TestHealthPage(t *testing.T) {
	e, src := newHealthEnv(t, "https://oauth.zaloapp.com")
	if resp := e.browser().get("/health"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want a redirect to sign in", resp.StatusCode)
	}

	viewer := e.browser()
	viewer.signIn("minh", "mật khẩu V1")
	if resp := viewer.get("/health"); resp.StatusCode != http.StatusOK {
		t.Fatalf("viewer: %d\n%s", resp.StatusCode, viewer.body)
	}
	for _, want := range []string{
		"Tình trạng kết nối OA", "UBND phường An Khánh", "Hoạt động bình thường",
		"11/03/2025 11:00",             // token valid until (now 15:00 ICT + 20 h)
		"10/03/2025 11:00, thành công", // last refresh
		"10/03/2025 14:55",             // last webhook event
		"10/03/2025 14:56",             // last successful send
		"4 lần:", "Người dân không nhắn tin trong thời hạn Zalo cho phép trả lời: 3 lần", "Lỗi tạm thời (Zalo quá tải hoặc mạng chập chờn): 1 lần",
		"1.234", // followers
		"bộ nhớ của máy chủ đang trả lời trang này",
	} {
		if !strings.Contains(viewer.body, want) {
			t.Errorf("viewer's page lacks %q", want)
		}
	}
	if strings.Contains(viewer.body, "UBND xã Bình Minh") {
		t.Error("the viewer sees an account outside their scope")
	}
	if strings.Contains(viewer.body, "Kết nối lại với Zalo<") || strings.Contains(viewer.body, "/connect") {
		t.Error("a viewer is offered the connect button")
	}
	if csp := viewer.get("/health").Header.Get("Content-Security-Policy"); strings.Contains(csp, "zaloapp") {
		t.Errorf("a page without the connect form allows Zalo as form-action: %s", csp)
	}
	if resp := viewer.post("/health/phuong-a/connect", nil, "page"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer connect: %d, want 403", resp.StatusCode)
	}
	editor := e.browser()
	editor.signIn("lan", "mật khẩu L1")
	if editor.get("/health"); strings.Contains(editor.body, "/connect") {
		t.Error("an editor is offered the connect button")
	}

	admin := e.browser()
	admin.signIn("admin", "mật khẩu Q1")
	resp := admin.get("/health")
	if resp.StatusCode != http.StatusOK || strings.Count(admin.body, `action="/console/health/`) != 2 {
		t.Fatalf("admin: %d, want a connect form per account:\n%s", resp.StatusCode, admin.body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://oauth.zaloapp.com;") ||
		!strings.Contains(csp, "script-src 'self' 'nonce-") {
		t.Errorf("admin page CSP = %s", csp)
	}
	// The expired token: lost, with the reason and the failed refresh.
	card := admin.body[strings.Index(admin.body, `id="oa-xa-b"`):]
	for _, want := range []string{"Mất kết nối", "đã hết hạn lúc 14:30 ngày 10/03/2025", "Không thành công lúc 10/03/2025 14:50 (3 lần liên tiếp)",
		"error -14014", `data-level="down"`, "Kết nối lại với Zalo"} {
		if !strings.Contains(card, want) {
			t.Errorf("the expired account's card lacks %q:\n%s", want, card)
		}
	}
	resp = admin.post("/health/xa-b/connect", nil, "page")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "https://oauth.zaloapp.com/v4/oa/permission?") {
		t.Fatalf("connect = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := admin.post("/health/xa-b/connect", nil, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("connect without CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp := admin.post("/health/nope/connect", nil, "page"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("connect an unknown account: %d, want 404", resp.StatusCode)
	}
	if len(src.connected) != 1 || src.connected[0] != "xa-b/admin" {
		t.Errorf("consents started: %v", src.connected)
	}
}

func TestHealthPageOnboardingOff(t *testing.T) {
	e, src := newHealthEnv(t, "")
	admin := e.browser()
	admin.signIn("admin", "mật khẩu Q1")
	if admin.get("/health"); strings.Contains(admin.body, "/connect") || !strings.Contains(admin.body, "chưa dùng được ở máy chủ này") {
		t.Errorf("without onboarding the admin sees a connect button or no explanation:\n%s", admin.body)
	}
	if resp := admin.post("/health/xa-b/connect", nil, "page"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/health" {
		t.Errorf("connect with onboarding off = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if admin.get("/health"); !strings.Contains(admin.body, "Chưa thể kết nối với Zalo") {
		t.Error("no message after a refused connect")
	}
	if len(src.connected) != 0 {
		t.Errorf("consents started: %v", src.connected)
	}
}

func TestHealthStatus(t *testing.T) {
	now := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	valid := TokenHealth{Kind: TokenRefreshing, ExpiresAt: now.Add(10 * time.Hour), LastRefresh: now.Add(-time.Hour)}
	tests := []struct {
		name       string
		h          AccountHealth
		level, has string
	}{
		{"valid", AccountHealth{Token: valid}, healthOK, "Token còn hạn đến 01:00 ngày 11/03/2025"},
		{"fixed", AccountHealth{Token: TokenHealth{Kind: TokenFixed}}, healthOK, "token cố định"},
		{"missing", AccountHealth{Token: TokenHealth{Kind: TokenMissing}}, healthDown, "chưa có token"},
		{"expired", AccountHealth{Token: TokenHealth{Kind: TokenRefreshing, ExpiresAt: now}}, healthDown, "đã hết hạn lúc 15:00 ngày 10/03/2025"},
		{"expiring", AccountHealth{Token: TokenHealth{Kind: TokenRefreshing, ExpiresAt: now.Add(30 * time.Minute)}}, healthWarn, "chưa được làm mới"},
		{"refresh failed", AccountHealth{Token: TokenHealth{Kind: TokenRefreshing, ExpiresAt: now.Add(5 * time.Hour), LastRefresh: now.Add(-time.Hour),
			RefreshError: "x", RefreshErrorAt: now.Add(-time.Minute)}}, healthWarn, "không thành công"},
		{"old refresh failure", AccountHealth{Token: TokenHealth{Kind: TokenRefreshing, ExpiresAt: now.Add(5 * time.Hour), LastRefresh: now.Add(-time.Minute),
			RefreshError: "x", RefreshErrorAt: now.Add(-time.Hour)}}, healthOK, "Token còn hạn"},
		{"token rejected", AccountHealth{Token: valid, LastSend: now.Add(-time.Hour),
			Errors: []SendErrors{{Class: "token", Count: 2, Last: now.Add(-time.Minute)}}}, healthDown, "Zalo từ chối token"},
		{"token rejected then sent", AccountHealth{Token: valid, LastSend: now,
			Errors: []SendErrors{{Class: "token", Count: 2, Last: now.Add(-time.Minute)}}}, healthOK, "Token còn hạn"},
		{"unreadable", AccountHealth{Token: TokenHealth{Kind: TokenUnreadable}}, healthUnknown, "Không đọc được"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level, status, reason := healthStatus(tt.h, now)
			if level != tt.level || !strings.Contains(reason, tt.has) || status == "" {
				t.Errorf("healthStatus = %s, %q, %q; want %s with %q", level, status, reason, tt.level, tt.has)
			}
		})
	}
}
