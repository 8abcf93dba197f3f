package console

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func httptestRequest(method, path string) *http.Request {
	return httptest.NewRequest(method, "https://bot.example.vn"+path, nil)
}

// serve runs the handler on a path under its root (as StripPrefix hands it).
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

var nonceRE = regexp.MustCompile(`<script src="(/console/static/console\.[0-9a-f]{10}\.js)" nonce="([^"]+)"`)

// Every answer carries the headers of the guide (§4); the CSP nonce is new per response
// and is the one on the page's script; pages are never cached, assets for good.
func TestConsoleHeaders(t *testing.T) {
	e := newEnv(t, "inmem")
	var nonces []string
	for range 2 {
		rec := serve(e.h, httptestRequest(http.MethodGet, "/login"))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /login = %d", rec.Code)
		}
		h := rec.Header()
		m := nonceRE.FindStringSubmatch(rec.Body.String())
		if m == nil {
			t.Fatalf("no script with a nonce on the page:\n%s", rec.Body)
		}
		want := "default-src 'none'; script-src 'self' 'nonce-" + m[2] + "'; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
		if got := h.Get("Content-Security-Policy"); got != want {
			t.Errorf("CSP = %q\nwant %q", got, want)
		}
		for k, v := range map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
			"Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8",
			"Strict-Transport-Security": "max-age=31536000",
		} {
			if got := h.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if strings.Contains(rec.Body.String(), "style=") || regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(rec.Body.String()) {
			t.Error("the page has inline style or script")
		}
		nonces = append(nonces, m[2])

		rec = serve(e.h, httptestRequest(http.MethodGet, strings.TrimPrefix(m[1], "/console")))
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d %v", m[1], rec.Code, rec.Header())
		}
	}
	if nonces[0] == nonces[1] {
		t.Error("the CSP nonce repeats across responses")
	}
	css := e.h.assets.urls["console.css"]
	rec := serve(e.h, httptestRequest(http.MethodGet, strings.TrimPrefix(css, "/console")))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("GET %s = %d %q", css, rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, p := range []string{"/static/console.css", "/static/console.0000000000.css", "/nope"} {
		if rec := serve(e.h, httptestRequest(http.MethodGet, p)); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
}

func TestConsoleSignInFailures(t *testing.T) {
	e := newEnv(t, "inmem")
	e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
	for _, tc := range []struct{ name, user, pw string }{
		{"wrong password", "lan", "sai mật khẩu"},
		{"unknown officer", "không ai", "mật khẩu dài"},
		{"file officer without password", "file-admin", "mật khẩu dài"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser()
			b.get("/login")
			resp := b.post("/login", url.Values{"name": {tc.user}, "password": {tc.pw}}, "page")
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.body, msgBadCredentials) {
				t.Errorf("status %d, want 422 with %q", resp.StatusCode, msgBadCredentials)
			}
			if strings.Contains(b.body, tc.pw) {
				t.Error("the password is echoed back")
			}
			if !strings.Contains(b.body, `value="`+tc.user+`"`) {
				t.Error("the name is not kept")
			}
		})
	}
	t.Run("empty fields", func(t *testing.T) {
		b := e.browser()
		b.get("/login")
		b.post("/login", url.Values{"name": {" "}}, "page")
		for _, want := range []string{`aria-invalid="true" aria-describedby="f-name-error"`, `href="#f-password"`, "Vui lòng nhập mật khẩu."} {
			if !strings.Contains(b.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("NFD password", func(t *testing.T) {
		b := e.browser()
		b.get("/login")
		// "mật khẩu dài" typed with combining marks (NFD) is the same password.
		resp := b.post("/login", url.Values{"name": {"lan"}, "password": {"ma\u0323\u0302t kha\u0302\u0309u da\u0300i"}}, "page")
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("NFD password: status %d, want 303", resp.StatusCode)
		}
	})
	t.Run("next", func(t *testing.T) {
		e := newEnv(t, "inmem", withTestSection)
		e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
		b := e.browser()
		if resp := b.get("/test/viewer"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login?next=%2Ftest%2Fviewer" {
			t.Fatalf("anonymous GET = %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		b.get("/login?next=%2Ftest%2Fviewer")
		if !strings.Contains(b.body, `name="next" value="/test/viewer"`) {
			t.Error("the sign-in form does not carry next")
		}
		resp := b.post("/login", url.Values{"name": {"lan"}, "password": {"mật khẩu dài"}, "next": {"/test/viewer"}}, "page")
		if resp.Header.Get("Location") != "/console/test/viewer" {
			t.Errorf("after sign-in: %s, want /console/test/viewer", resp.Header.Get("Location"))
		}
		if resp := b.get("/nothing/here"); resp.StatusCode != http.StatusNotFound || !strings.Contains(b.body, "Không tìm thấy trang này.") {
			t.Errorf("unknown page = %d", resp.StatusCode)
		}
	})
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "/",
		"/":                          "/",
		"/questions?account=a":       "/questions?account=a",
		"//evil.example/":            "/",
		"/\\evil.example":            "/",
		"https://evil.example/":      "/",
		"questions":                  "/",
		"/x\r\nSet-Cookie: a=b":      "/",
		"/%2F%2Fevil.example":        "/%2F%2Fevil.example",
		"javascript:alert(1)":        "/",
		"/login?next=//evil.example": "/login?next=//evil.example",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// Five attempts per name in 15 minutes, then refused even with the right password, for
// that name only; the window ends; the address has its own (larger) limit.
func TestConsoleThrottle(t *testing.T) {
	e := newEnv(t, "inmem")
	e.officer("lan", RoleViewer, "mật khẩu dài", "phuong-a")
	e.officer("minh", RoleViewer, "mật khẩu khác", "phuong-a")
	b := e.browser()
	b.get("/login")
	for i := range throttleUserLimit {
		if resp := b.post("/login", url.Values{"name": {"lan"}, "password": {"sai"}}, "page"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d, want 422", i+1, resp.StatusCode)
		}
	}
	resp := b.post("/login", url.Values{"name": {"lan"}, "password": {"mật khẩu dài"}}, "page")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(b.body, msgThrottled) {
		t.Errorf("6th attempt (right password) = %d, want 429 with %q", resp.StatusCode, msgThrottled)
	}
	b.signIn("minh", "mật khẩu khác") // another name is not held back
	e.clock.Add(throttleWindow)
	c := e.browser()
	c.signIn("lan", "mật khẩu dài")

	// Per address: officers behind one proxy share it (X-Forwarded-For from a loopback
	// peer names the client); a success does not reset it.
	ctx := context.Background()
	off := e.h.Officers()
	for i := range throttleIPLimit {
		if _, err := off.Authenticate(ctx, "ai đó "+string(rune('a'+i%26))+string(rune('a'+i/26)), "sai", "203.0.113.9"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d from one address: %v", i+1, err)
		}
	}
	if _, err := off.Authenticate(ctx, "lan", "mật khẩu dài", "203.0.113.9"); !errors.Is(err, ErrThrottled) {
		t.Errorf("attempt %d from one address = %v, want ErrThrottled", throttleIPLimit+1, err)
	}
	if _, err := off.Authenticate(ctx, "lan", "mật khẩu dài", "203.0.113.10"); err != nil {
		t.Errorf("another address = %v, want success", err)
	}
}

func TestClientIP(t *testing.T) {
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.5:4000", "", "203.0.113.5"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"}, // a public peer is the client
		{"127.0.0.1:4000", "10.0.0.1, 198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
		{"[2001:db8:1:2:3:4:5:6]:4000", "", "2001:db8:1:2::/64"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientIP(r); got != tc.want {
			t.Errorf("clientIP(%s, %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// The invite page only shows the form on GET (a chat app's link preview must not use
// it); POST checks the password, uses the invite once and signs the officer in.
func TestConsoleInvite(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			ctx := context.Background()
			tok, err := e.h.Officers().Invite(ctx, InviteSpec{Name: "Nguyễn Thị Lan", Role: RoleEditor, Accounts: []string{"xa-b"}, By: "file-admin"})
			if err != nil {
				t.Fatal(err)
			}
			b := e.browser()
			for range 2 {
				if resp := b.get("/invite/" + tok); resp.StatusCode != http.StatusOK {
					t.Fatalf("GET invite = %d", resp.StatusCode)
				}
			}
			for _, want := range []string{"Nguyễn Thị Lan", "Biên tập", "UBND xã Bình Minh", `autocomplete="new-password"`} {
				if !strings.Contains(b.body, want) {
					t.Errorf("invite page lacks %q", want)
				}
			}
			for _, tc := range []struct{ pw, confirm, msg string }{
				{"ngắn", "ngắn", "Mật khẩu cần ít nhất 8 ký tự."},
				{"mật khẩu dài", "mật khẩu dai", "Hai mật khẩu không khớp."},
				{"nguyễn thị lan", "nguyễn thị lan", "Mật khẩu không được trùng với tên đăng nhập."},
			} {
				resp := b.post("/invite/"+tok, url.Values{"password": {tc.pw}, "confirm": {tc.confirm}}, "page")
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.body, tc.msg) {
					t.Errorf("password %q/%q: %d, want 422 with %q", tc.pw, tc.confirm, resp.StatusCode, tc.msg)
				}
			}
			resp := b.post("/invite/"+tok, url.Values{"password": {"đường Lê Lợi 12"}, "confirm": {"đường Lê Lợi 12"}}, "page")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
				t.Fatalf("accept invite = %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), b.body)
			}
			b.get("/")
			if !strings.Contains(b.body, "Đã đặt mật khẩu.") || !strings.Contains(b.body, "Nguyễn Thị Lan") {
				t.Errorf("home after the invite lacks the welcome:\n%s", b.body)
			}
			// Used: refused, by GET and POST, also from another browser.
			c := e.browser()
			if resp := c.get("/invite/" + tok); resp.StatusCode != http.StatusGone || !strings.Contains(c.body, "đã hết hạn hoặc đã được dùng") {
				t.Errorf("reused invite GET = %d", resp.StatusCode)
			}
			if resp := c.post("/invite/"+tok, url.Values{"password": {"mật khẩu thứ hai"}, "confirm": {"mật khẩu thứ hai"}}, "page"); resp.StatusCode != http.StatusGone {
				t.Errorf("reused invite POST = %d, want 410", resp.StatusCode)
			}
			c.signIn("Nguyễn Thị Lan", "đường Lê Lợi 12")

			// Expired: 72 h later, even unused.
			old, _ := e.h.Officers().Invite(ctx, InviteSpec{Name: "trễ", Role: RoleViewer, Accounts: []string{"*"}})
			e.clock.Add(InviteTTL)
			d := e.browser()
			if resp := d.get("/invite/" + old); resp.StatusCode != http.StatusGone {
				t.Errorf("expired invite GET = %d, want 410", resp.StatusCode)
			}
			if _, err := e.h.Officers().AcceptInvite(ctx, old, "mật khẩu dài"); !errors.Is(err, ErrLinkGone) {
				t.Errorf("expired invite accepted: %v", err)
			}
			for _, bad := range []string{"abc", strings.Repeat("A", 43)} {
				if resp := d.get("/invite/" + bad); resp.StatusCode != http.StatusGone {
					t.Errorf("GET /invite/%s = %d, want 410", bad, resp.StatusCode)
				}
			}
		})
	}
}

// A file officer invited to the console keeps the file's role and accounts, whatever the
// invite said; the store never holds the raw token.
func TestConsoleInviteFileOfficer(t *testing.T) {
	e := newEnv(t, "inmem")
	ctx := context.Background()
	tok, err := e.h.Officers().Invite(ctx, InviteSpec{Name: "file-admin", Role: RoleViewer, Accounts: []string{"xa-b"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.store.Get(ctx, "invite:"+tok); ok {
		t.Error("the raw invite token is a store key")
	}
	off, err := e.h.Officers().AcceptInvite(ctx, tok, "mật khẩu quản trị")
	if err != nil {
		t.Fatal(err)
	}
	if off.Role != RoleAdmin || !off.File || len(off.Accounts) != 1 || off.Accounts[0] != "*" {
		t.Errorf("file officer after invite = %+v, want the file's admin of *", off)
	}
	if err := e.h.Officers().Update(ctx, "file-admin", RoleViewer, []string{"xa-b"}); !errors.Is(err, ErrFileOfficer) {
		t.Errorf("Update(file officer) = %v, want ErrFileOfficer", err)
	}
	list, err := e.h.Officers().List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "file-admin" || list[0].LastSignIn.IsZero() == false {
		t.Errorf("List = %+v, %v", list, err)
	}
	b := e.browser()
	b.signIn("file-admin", "mật khẩu quản trị")
	list, _ = e.h.Officers().List(ctx)
	if !list[0].LastSignIn.Equal(e.clock.Now()) {
		t.Errorf("last sign-in = %v, want %v", list[0].LastSignIn, e.clock.Now())
	}
}

// A one-time sign-in link (the demo's): GET shows a button, POST signs in once.
func TestConsoleSignInLink(t *testing.T) {
	e := newEnv(t, "inmem")
	tok, err := e.h.Officers().SignInLink(context.Background(), "file-admin", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	if resp := b.get("/login/" + tok); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "file-admin") {
		t.Fatalf("GET link = %d", resp.StatusCode)
	}
	if resp := b.post("/login/"+tok, nil, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST link = %d\n%s", resp.StatusCode, b.body)
	}
	if !b.signedIn() || !strings.Contains(b.body, "Quản trị") {
		t.Error("not signed in as the admin after the link")
	}
	c := e.browser()
	if resp := c.get("/login/" + tok); resp.StatusCode != http.StatusGone {
		t.Errorf("used link GET = %d, want 410", resp.StatusCode)
	}
	c.get("/login")
	if resp := c.post("/login/"+tok, nil, "page"); resp.StatusCode != http.StatusGone {
		t.Errorf("used link POST = %d, want 410", resp.StatusCode)
	}
	if _, err := e.h.Officers().SignInLink(context.Background(), "nobody", time.Hour); !errors.Is(err, ErrNoOfficer) {
		t.Errorf("SignInLink(unknown) = %v", err)
	}
}

func TestPasswordHashDefaults(t *testing.T) {
	h, err := newHasher(defaultArgon, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enc, err := h.hash(ctx, "mật khẩu dài")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %s, want argon2id m=19456,t=2,p=1", enc)
	}
	for pw, want := range map[string]bool{"mật khẩu dài": true, "mật khẩu dai": false, "": false} {
		if ok, err := h.verify(ctx, pw, enc); err != nil || ok != want {
			t.Errorf("verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if ok, err := h.verify(ctx, "anything", ""); err != nil || ok {
		t.Errorf("verify against no hash = %v, %v; want false (dummy hash)", ok, err)
	}
	// Parameters are read from each hash, within limits.
	cheap, _ := newHasher(cheapArgon, 1)
	enc2, _ := cheap.hash(ctx, "mật khẩu dài")
	if ok, _ := h.verify(ctx, "mật khẩu dài", enc2); !ok {
		t.Error("a hash with other parameters does not verify")
	}
	for _, bad := range []string{
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$2a$10$abcdefghijklmnopqrstuv",
	} {
		if _, err := h.verify(ctx, "x", bad); err == nil {
			t.Errorf("verify accepted hash %s", bad)
		}
	}
}

func TestConsoleAbsoluteURL(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"https://bot.example.vn/", "https://bot.example.vn/console/invite/T"},
		{"", "https://bot.example.vn/console/invite/T"}, // the request's (TLS) host
	} {
		e := newEnv(t, "inmem", func(o *Options) { o.PublicBaseURL = tc.base })
		r := httptestRequest(http.MethodGet, "/")
		r.TLS = &tls.ConnectionState{}
		s := &Session{h: e.h, r: r}
		if got := s.AbsoluteURL("/invite/T"); got != tc.want {
			t.Errorf("base %q: AbsoluteURL = %q, want %q", tc.base, got, tc.want)
		}
	}
}
