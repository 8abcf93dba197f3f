package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Sign-in issues a new session id and deletes the one the visitor had: an id planted
// before sign-in (session fixation) is worth nothing afterwards.
func TestConsoleSignInRotatesSession(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
			b := e.browser()
			b.get("/login")
			before := b.sessionID()
			if before == "" {
				t.Fatal("the sign-in page set no session cookie")
			}
			anonCSRF := b.csrf()
			b.signIn("lan", "mật khẩu dài")
			after := b.sessionID()
			if after == "" || after == before {
				t.Fatalf("session id after sign-in = %q, before %q: want a new one", after, before)
			}
			if _, ok, _ := e.store.Get(context.Background(), sessionKey(before)); ok {
				t.Error("the pre-sign-in session is still stored")
			}
			if b.csrf() == anonCSRF {
				t.Error("the CSRF token did not change at sign-in")
			}
			// The attacker who planted the old id gets nothing with it.
			attacker := e.browser()
			u, _ := url.Parse(e.srv.URL)
			attacker.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieSecure, Value: before, Path: "/"}})
			if attacker.signedIn() {
				t.Error("the planted pre-sign-in id is signed in")
			}
			// Only hashes reach the store.
			if _, ok, _ := e.store.Get(context.Background(), "sess:"+after); ok {
				t.Error("the raw session id is a store key")
			}
		})
	}
}

func TestConsoleIdleExpiry(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
			b := e.browser()
			b.signIn("lan", "mật khẩu dài")
			for range 3 { // used every 29 minutes: stays signed in well past 30 minutes
				e.clock.Add(29 * time.Minute)
				if !b.signedIn() {
					t.Fatalf("signed out after 29 idle minutes (at %v)", e.clock.Now())
				}
			}
			e.clock.Add(30 * time.Minute)
			if b.signedIn() {
				t.Error("still signed in after 30 idle minutes")
			}
		})
	}
}

func TestConsoleAbsoluteExpiry(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
			b := e.browser()
			b.signIn("lan", "mật khẩu dài")
			for elapsed := 20 * time.Minute; elapsed < 12*time.Hour; elapsed += 20 * time.Minute {
				e.clock.Add(20 * time.Minute)
				if !b.signedIn() {
					t.Fatalf("signed out %v after sign-in, in use", elapsed)
				}
			}
			e.clock.Add(20 * time.Minute) // 12 h
			if b.signedIn() {
				t.Error("still signed in 12 h after sign-in")
			}
		})
	}
}

func TestConsoleSignOut(t *testing.T) {
	e := newEnv(t, "inmem")
	e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
	b := e.browser()
	b.signIn("lan", "mật khẩu dài")
	id := b.sessionID()
	resp := b.post("/logout", nil, "page")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login?out=1" {
		t.Fatalf("sign out = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, ok, _ := e.store.Get(context.Background(), sessionKey(id)); ok {
		t.Error("the session is still stored after sign-out")
	}
	if b.sessionID() != "" {
		t.Error("the cookie was not cleared")
	}
	b.get("/login?out=1")
	if !strings.Contains(b.body, "Bạn đã đăng xuất.") {
		t.Error("no sign-out message on the sign-in page")
	}
	// A copy of the cookie kept from before is dead too.
	other := e.browser()
	u, _ := url.Parse(e.srv.URL)
	other.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieSecure, Value: id, Path: "/"}})
	if other.signedIn() {
		t.Error("the old session id still works")
	}
}

func TestConsoleSignOutEverywhere(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
			e.officer("minh", RoleViewer, "mật khẩu khác", "phuong-a")
			phone, pc, colleague := e.browser(), e.browser(), e.browser()
			phone.signIn("lan", "mật khẩu dài")
			pc.signIn("lan", "mật khẩu dài")
			colleague.signIn("minh", "mật khẩu khác")
			resp := phone.post("/logout-all", nil, "page")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login?out=all" {
				t.Fatalf("sign out everywhere = %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if phone.signedIn() || pc.signedIn() {
				t.Error("a session of the officer survived signing out everywhere")
			}
			if !colleague.signedIn() {
				t.Error("another officer was signed out")
			}
			phone.signIn("lan", "mật khẩu dài") // a new session works
		})
	}
}

// An admin's revocation ends every session at once, refuses the password and voids the
// invites sent before it; a new invite brings the officer back.
func TestConsoleAdminRevocation(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			ctx := context.Background()
			off := e.h.Officers()
			e.officer("lan", RoleBroadcaster, "mật khẩu dài", "phuong-a")
			b := e.browser()
			b.signIn("lan", "mật khẩu dài")
			pending, err := off.Invite(ctx, InviteSpec{Name: "lan", Role: RoleBroadcaster, Accounts: []string{"phuong-a"}})
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Add(time.Second)
			if err := off.Revoke(ctx, "lan", "file-admin"); err != nil {
				t.Fatal(err)
			}
			if b.signedIn() {
				t.Error("revoked officer still signed in")
			}
			b.get("/login")
			if resp := b.post("/login", url.Values{"name": {"lan"}, "password": {"mật khẩu dài"}}, "page"); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("revoked officer's sign-in = %d, want 422", resp.StatusCode)
			}
			if resp := b.get("/invite/" + pending); resp.StatusCode != http.StatusGone {
				t.Errorf("invite made before the revocation: GET = %d, want 410", resp.StatusCode)
			}
			if _, err := off.AcceptInvite(ctx, pending, "mật khẩu mới hơn"); err == nil {
				t.Error("invite made before the revocation was accepted")
			}
			got, ok, err := off.Lookup(ctx, "lan")
			if err != nil || !ok || !got.Disabled {
				t.Errorf("Lookup after revoke = %+v, %v, %v; want disabled", got, ok, err)
			}
			e.clock.Add(time.Second)
			e.officer("lan", RoleViewer, "mật khẩu mới hơn", "phuong-a") // re-invited
			b.signIn("lan", "mật khẩu mới hơn")
			if err := off.Revoke(ctx, "nobody", "x"); err != ErrNoOfficer {
				t.Errorf("Revoke(unknown) = %v, want ErrNoOfficer", err)
			}
		})
	}
}

// Every POST needs the session's CSRF token and a same-origin request; failures are 403
// with the Vietnamese message, and change nothing.
func TestConsoleCSRF(t *testing.T) {
	e := newEnv(t, "inmem")
	e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a", "xa-b")
	other := e.browser()
	other.signIn("lan", "mật khẩu dài")
	otherToken := other.csrf()
	anon := e.browser()
	anon.get("/login")
	anonToken := anon.csrf()

	for _, path := range []string{"/logout", "/logout-all", "/account"} {
		for _, tc := range []struct {
			name, token, origin string
		}{
			{"missing", "", ""},
			{"wrong", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""},
			{"another session's", otherToken, ""},
			{"the pre-sign-in one", "pre", ""},
			{"foreign origin", "page", "https://evil.example"},
		} {
			t.Run(strings.TrimPrefix(path, "/")+"/"+tc.name, func(t *testing.T) {
				b := e.browser()
				b.get("/login")
				pre := b.csrf()
				b.signIn("lan", "mật khẩu dài")
				token := tc.token
				if token == "pre" {
					token = pre
				}
				b.origin = tc.origin
				resp := b.post(path, url.Values{"account": {"xa-b"}}, token)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(b.body, "Phiên làm việc đã hết hạn, vui lòng tải lại trang.") {
					t.Errorf("POST %s with %s token = %d, want 403 with the message\n%s", path, tc.name, resp.StatusCode, b.body)
				}
				b.origin = ""
				if !b.signedIn() {
					t.Error("the refused POST signed the officer out")
				}
				if strings.Contains(b.body, `selected>UBND xã Bình Minh`) {
					t.Error("the refused POST switched the account")
				}
			})
		}
	}
	t.Run("no session", func(t *testing.T) {
		b := e.browser()
		if resp := b.post("/logout", nil, anonToken); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /logout without a session = %d, want 403", resp.StatusCode)
		}
		if resp := b.post("/login", url.Values{"name": {"lan"}, "password": {"mật khẩu dài"}}, ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /login without a token = %d, want 403", resp.StatusCode)
		}
	})
	t.Run("header token", func(t *testing.T) {
		b := e.browser()
		b.signIn("lan", "mật khẩu dài")
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/logout", nil)
		req.Header.Set("X-Csrf-Token", b.csrf())
		if resp := b.do(req); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("POST /logout with X-Csrf-Token = %d, want 303", resp.StatusCode)
		}
	})
	t.Run("same origin", func(t *testing.T) {
		b := e.browser()
		b.signIn("lan", "mật khẩu dài")
		b.origin = e.srv.URL
		if resp := b.post("/account", url.Values{"account": {"xa-b"}, "next": {"/"}}, "page"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("same-origin POST = %d, want 303\n%s", resp.StatusCode, b.body)
		}
	})
}

// Cookie: __Host- and Secure over https; the bare name without Secure on plain http
// (the demo on loopback), HttpOnly and SameSite=Lax always.
func TestConsoleCookie(t *testing.T) {
	for _, secure := range []bool{true, false} {
		e := newEnv(t, "inmem", func(o *Options) { o.Secure = secure })
		req := httptestRequest(http.MethodGet, "/login")
		rec := serve(e.h, req)
		c := rec.Result().Cookies()
		if len(c) != 1 {
			t.Fatalf("secure=%v: cookies %v, want one", secure, c)
		}
		wantName := cookiePlain
		if secure {
			wantName = cookieSecure
		}
		if c[0].Name != wantName || c[0].Secure != secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Path != "/" {
			t.Errorf("secure=%v: cookie %+v", secure, c[0])
		}
		if got := rec.Header().Get("Strict-Transport-Security"); (got != "") != secure {
			t.Errorf("secure=%v: HSTS %q", secure, got)
		}
	}
}
