package console

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var inviteURLRE = regexp.MustCompile(`id="invite-url" type="text" value="([^"]+)"`)

func TestOfficersPage(t *testing.T) {
	e := newEnv(t, "inmem")
	e.officer("admin-b", RoleAdmin, "mật khẩu B1", "xa-b")
	e.officer("lan", RoleEditor, "mật khẩu L1", "phuong-a")
	e.officer("minh", RoleViewer, "mật khẩu M1", "xa-b")
	b := e.browser()
	b.signIn("admin-b", "mật khẩu B1")
	if resp := b.get("/officers"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "<strong>lan</strong>") ||
		!strings.Contains(b.body, "theo tệp cấu hình") {
		t.Fatalf("list = %d:\n%s", resp.StatusCode, b.body)
	}
	// Only the officers within the admin's accounts can be changed: minh, not lan, not the
	// file's admin, not themself.
	if n := strings.Count(b.body, `action="/console/officers/revoke"`); n != 1 || !strings.Contains(b.body, "Thu hồi quyền truy cập của minh") {
		t.Errorf("%d revoke forms, want minh's only", n)
	}
	// Invite within scope: a link shown once that works.
	resp := b.post("/officers/invite", url.Values{"name": {"hoa"}, "role": {"editor"}, "accounts": {"xa-b"}}, "page")
	m := inviteURLRE.FindStringSubmatch(b.body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("invite = %d:\n%s", resp.StatusCode, b.body)
	}
	u, _ := url.Parse(m[1])
	tok := strings.TrimPrefix(u.Path, "/console/invite/")
	if off, err := e.h.Officers().AcceptInvite(context.Background(), tok, "mật khẩu H1 dài"); err != nil || off.Role != RoleEditor {
		t.Errorf("accept the invite: %+v, %v", off, err)
	}
	// Outside the admin's accounts: refused with a message, nothing made.
	for _, form := range []url.Values{
		{"name": {"x1"}, "role": {"viewer"}, "accounts": {"phuong-a"}},
		{"name": {"x2"}, "role": {"viewer"}, "accounts": {"*"}},
		{"name": {"lan"}, "role": {"viewer"}, "accounts": {"xa-b"}}, // an officer of phuong-a
		{"name": {""}, "role": {"viewer"}, "accounts": {"xa-b"}},
		{"name": {"x3"}, "role": {"boss"}, "accounts": {"xa-b"}},
	} {
		b.get("/officers")
		if resp := b.post("/officers/invite", form, "page"); resp.StatusCode != http.StatusUnprocessableEntity || inviteURLRE.MatchString(b.body) {
			t.Errorf("invite %v = %d", form, resp.StatusCode)
		}
	}
	// Change minh's role; revoke minh.
	b.get("/officers")
	if resp := b.post("/officers/update", url.Values{"name": {"minh"}, "role": {"broadcaster"}, "accounts": {"xa-b"}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("update = %d", resp.StatusCode)
	}
	if o, _, _ := e.h.Officers().Lookup(context.Background(), "minh"); o.Role != RoleBroadcaster {
		t.Errorf("minh's role = %v", o.Role)
	}
	mb := e.browser()
	mb.signIn("minh", "mật khẩu M1")
	b.get("/officers")
	if resp := b.post("/officers/revoke", url.Values{"name": {"minh"}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("revoke = %d", resp.StatusCode)
	}
	if mb.signedIn() {
		t.Error("minh is still signed in after the revocation")
	}
	// lan is outside: 403.
	b.get("/officers")
	if resp := b.post("/officers/revoke", url.Values{"name": {"lan"}}, "page"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke lan = %d, want 403", resp.StatusCode)
	}
}
