package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testSection is a section as the page builders write one: routes of several roles, one
// on an account named in its path, and two navigation entries.
type testSection struct{}

func (testSection) Routes(r *Router) {
	r.Get("/test/viewer", RoleViewer, testPage("Trang thử"))
	r.Get("/test/admin", RoleAdmin, testPage("Trang quản trị"))
	r.Post("/test/accounts/{account}/send", RoleViewer, func(w http.ResponseWriter, r *http.Request, s *Session) error {
		if err := s.RequireRole(RoleBroadcaster, r.PathValue("account")); err != nil {
			return err
		}
		s.Flash(FlashOK, "Đã gửi thông báo.")
		return s.Redirect(w, "/test/viewer")
	})
	r.Nav(NavQuestions, "/test/viewer")
	r.Nav(NavSettings, "/test/admin")
}

func testPage(title string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, s *Session) error {
		return s.Render(w, http.StatusOK, "home", &homeModel{Page: s.Page(title)})
	}
}

func withTestSection(o *Options) { o.Sections = append(o.Sections, testSection{}) }

// withIPs gives every request its own client address, so the matrix's many sign-ins
// stay under the per-address throttle.
func withIPs(o *Options) {
	var n atomic.Int64
	o.ClientIP = func(*http.Request) string { return fmt.Sprint("198.51.100.", n.Add(1)) }
}

// The auth matrix: every registered route × {anonymous, viewer of A, broadcaster of B,
// admin of all, revoked}. A route without a row fails the test, so a new route cannot
// slip in unchecked.
func TestConsoleAuthMatrix(t *testing.T) {
	e := newEnv(t, "inmem", withTestSection, withIPs)
	e.officer("viewer-a", RoleViewer, "mật khẩu A1", "phuong-a")
	e.officer("broadcaster-b", RoleBroadcaster, "mật khẩu B1", "xa-b")
	e.officer("admin", RoleAdmin, "mật khẩu Q1", "*")
	e.officer("gone", RoleBroadcaster, "mật khẩu G1", "*")
	e.officer("pawn", RoleViewer, "mật khẩu P1", "phuong-a") // the officers page's target
	noToken := strings.Repeat("x", 43)
	css := strings.TrimPrefix(e.h.assets.urls["console.css"], "/console")

	type row struct {
		method, route, path string
		form                url.Values
		// want: anonymous, viewer-a, broadcaster-b, admin, gone.
		want [5]int
	}
	const (
		ok, see, gone, bad = http.StatusOK, http.StatusSeeOther, http.StatusGone, http.StatusUnprocessableEntity
		forb, nf           = http.StatusForbidden, http.StatusNotFound
	)
	send := url.Values{"account": {"phuong-a"}}
	rows := []row{
		{"GET", "/static/{file}", css, nil, [5]int{ok, ok, ok, ok, ok}},
		{"GET", "/login", "/login", nil, [5]int{ok, see, see, see, ok}},
		{"POST", "/login", "/login", url.Values{"name": {"admin"}, "password": {"sai"}}, [5]int{bad, bad, bad, bad, forb}},
		{"GET", "/login/{token}", "/login/" + noToken, nil, [5]int{gone, gone, gone, gone, gone}},
		{"POST", "/login/{token}", "/login/" + noToken, nil, [5]int{gone, gone, gone, gone, forb}},
		{"GET", "/invite/{token}", "/invite/" + noToken, nil, [5]int{gone, gone, gone, gone, gone}},
		{"POST", "/invite/{token}", "/invite/" + noToken, nil, [5]int{gone, gone, gone, gone, forb}},
		{"GET", "/", "/", nil, [5]int{see, ok, ok, ok, see}},
		{"POST", "/account", "/account", url.Values{"account": {"phuong-a"}}, [5]int{see, see, nf, see, forb}},
		{"POST", "/account", "/account", url.Values{"account": {"không-có"}}, [5]int{see, nf, nf, nf, forb}},
		{"POST", "/logout", "/logout", nil, [5]int{see, see, see, see, forb}},
		{"POST", "/logout-all", "/logout-all", nil, [5]int{see, see, see, see, forb}},
		{"GET", "/officers", "/officers", nil, [5]int{see, forb, forb, ok, see}},
		{"POST", "/officers/invite", "/officers/invite", url.Values{"name": {"moi"}, "role": {"viewer"}, "accounts": {"phuong-a"}}, [5]int{see, forb, forb, ok, forb}},
		{"POST", "/officers/update", "/officers/update", url.Values{"name": {"pawn"}, "role": {"editor"}, "accounts": {"phuong-a"}}, [5]int{see, forb, forb, see, forb}},
		{"POST", "/officers/revoke", "/officers/revoke", url.Values{"name": {"pawn"}}, [5]int{see, forb, forb, see, forb}},
		{"GET", "/test/viewer", "/test/viewer", nil, [5]int{see, ok, ok, ok, see}},
		{"GET", "/test/admin", "/test/admin", nil, [5]int{see, forb, forb, ok, see}},
		{"POST", "/test/accounts/{account}/send", "/test/accounts/phuong-a/send", send, [5]int{see, forb, nf, see, forb}},
		{"POST", "/test/accounts/{account}/send", "/test/accounts/xa-b/send", send, [5]int{see, nf, see, see, forb}},
	}
	for _, rt := range e.h.Routes() {
		if !slices.ContainsFunc(rows, func(r row) bool { return r.method == rt.Method && r.route == rt.Path }) {
			t.Errorf("route %s %s has no row in the auth matrix", rt.Method, rt.Path)
		}
	}
	actors := []struct{ name, pw string }{{"", ""}, {"viewer-a", "mật khẩu A1"}, {"broadcaster-b", "mật khẩu B1"},
		{"admin", "mật khẩu Q1"}, {"gone", "mật khẩu G1"}}
	for _, r := range rows {
		if !slices.ContainsFunc(e.h.Routes(), func(rt RouteInfo) bool { return r.method == rt.Method && r.route == rt.Path }) {
			t.Errorf("row %s %s names no registered route", r.method, r.route)
		}
		for i, a := range actors {
			who := a.name
			if who == "" {
				who = "anonymous"
			}
			t.Run(r.method+" "+r.path+" as "+who, func(t *testing.T) {
				b := e.browser()
				b.get("/login")
				if a.name != "" {
					b.signIn(a.name, a.pw)
				}
				token := b.csrf()
				if a.name == "gone" {
					if err := e.h.Officers().Revoke(context.Background(), "gone", "admin"); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() {
						e.clock.Add(time.Second) // invites older than the revocation are void
						e.officer("gone", RoleBroadcaster, "mật khẩu G1", "*")
					})
				}
				var resp *http.Response
				if r.method == http.MethodGet {
					resp = b.get(r.path)
				} else {
					form := url.Values{}
					for k, v := range r.form {
						form[k] = v
					}
					resp = b.post(r.path, form, token)
				}
				if resp.StatusCode != r.want[i] {
					t.Errorf("%s %s as %s = %d, want %d\n%s", r.method, r.path, who, resp.StatusCode, r.want[i], b.body)
				}
			})
		}
	}
}

// Sections fill navigation entries; an officer sees the entries whose page their role
// opens, in menu order, the current one marked; unfilled entries are hidden.
func TestConsoleNav(t *testing.T) {
	e := newEnv(t, "inmem", withTestSection)
	e.officer("viewer-a", RoleViewer, "mật khẩu A1", "phuong-a")
	e.officer("admin", RoleAdmin, "mật khẩu Q1", "*")
	v, a := e.browser(), e.browser()
	v.signIn("viewer-a", "mật khẩu A1")
	a.signIn("admin", "mật khẩu Q1")
	v.get("/test/viewer")
	a.get("/test/viewer")
	for _, tc := range []struct {
		b         *browser
		want, not []string
	}{
		{v, []string{`href="/console/">Tổng quan</a>`, `href="/console/test/viewer" aria-current="page">Câu hỏi chưa trả lời được</a>`},
			[]string{"Quản lý cán bộ", "Thông báo</a>", "In áp phích", "Cài đặt đơn vị", "Tình trạng kết nối OA"}},
		{a, []string{`href="/console/test/admin">Cài đặt đơn vị</a>`, `href="/console/officers">Quản lý cán bộ</a>`}, []string{"In áp phích"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.b.body, w) {
				t.Errorf("nav lacks %s", w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(tc.b.body, n) {
				t.Errorf("nav shows %s", n)
			}
		}
	}
	// Menu order: Tổng quan before Câu hỏi before Quản lý cán bộ.
	i, j, k := strings.Index(a.body, ">Tổng quan<"), strings.Index(a.body, ">Câu hỏi chưa"), strings.Index(a.body, ">Quản lý cán bộ<")
	if i < 0 || i > j || j > k {
		t.Errorf("nav order: %d %d %d", i, j, k)
	}
	// The flash of a section's POST shows once, on the next page.
	a.post("/test/accounts/xa-b/send", nil, "page")
	a.get("/test/viewer")
	if !strings.Contains(a.body, `role="status">Đã gửi thông báo.`) {
		t.Error("no flash after the redirect")
	}
	a.get("/test/viewer")
	if strings.Contains(a.body, "Đã gửi thông báo.") {
		t.Error("the flash shows twice")
	}
}

type badSection func(r *Router)

func (f badSection) Routes(r *Router) { f(r) }

func TestConsoleNewRefusesBadSections(t *testing.T) {
	nop := func(http.ResponseWriter, *http.Request, *Session) error { return nil }
	for name, f := range map[string]func(r *Router){
		"nav without route": func(r *Router) { r.Nav(NavPosters, "/posters") },
		"nav twice":         func(r *Router) { r.Get("/p", RoleViewer, nop); r.Nav(NavHome, "/p") },
		"unknown nav":       func(r *Router) { r.Get("/p", RoleViewer, nop); r.Nav("posterz", "/p") },
		"public route":      func(r *Router) { r.Get("/p", 0, nop) },
		"taken route":       func(r *Router) { r.Post("/logout", RoleViewer, nop) },
		"relative path":     func(r *Router) { r.Get("p", RoleViewer, nop) },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(Options{Store: newStore(t, "inmem", newClock()), Accounts: func() []Account { return nil },
				hashParams: cheapArgon, Sections: []Section{badSection(f)}})
			if err == nil {
				t.Error("New accepted the section")
			}
		})
	}
}

// Switching the account keeps the choice in the session for every page; the switcher
// comes back to the page it was used on.
func TestConsoleAccountSwitch(t *testing.T) {
	e := newEnv(t, "inmem", withTestSection)
	e.officer("admin", RoleAdmin, "mật khẩu Q1", "*")
	e.officer("viewer-a", RoleViewer, "mật khẩu A1", "phuong-a")
	b := e.browser()
	b.signIn("admin", "mật khẩu Q1")
	for _, want := range []string{"UBND phường An Khánh", "UBND xã Bình Minh", `<span class="badge">Đang xem</span>`,
		`<option value="phuong-a" selected>`} {
		if !strings.Contains(b.body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	b.get("/test/viewer")
	resp := b.post("/account", url.Values{"account": {"xa-b"}, "next": {"/test/viewer"}}, "page")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/test/viewer" {
		t.Fatalf("switch = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.get("/")
	if !strings.Contains(b.body, `<option value="xa-b" selected>`) {
		t.Error("the chosen account is not kept")
	}
	v := e.browser()
	v.signIn("viewer-a", "mật khẩu A1")
	if strings.Contains(v.body, "UBND xã Bình Minh") || strings.Contains(v.body, "<select") {
		t.Error("a one-account officer sees another account or a switcher")
	}
	if !strings.Contains(v.body, "Đơn vị đang xem: <strong>UBND phường An Khánh</strong>") {
		t.Error("the one account is not named")
	}
}
