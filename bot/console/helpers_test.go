package console

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

// clock is a settable time for sessions, links and the in-memory store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// cheapArgon keeps tests fast; TestPasswordHashDefaults checks the real parameters.
var cheapArgon = argonParams{memory: 64, time: 1, threads: 1, keyLen: 32}

var testAccounts = []Account{{ID: "phuong-a", Name: "UBND phường An Khánh"}, {ID: "xa-b", Name: "UBND xã Bình Minh"}}

// env is a console on an https test server (Secure cookies), with a settable clock.
type env struct {
	t     *testing.T
	h     *Handler
	srv   *httptest.Server
	store Store
	clock *clock
}

type envOption func(*Options)

// storeKinds are the stores the session tests run on: memory (the demo's) and Redis.
var storeKinds = []string{"inmem", "redis"}

func newStore(t *testing.T, kind string, c *clock) Store {
	t.Helper()
	if kind == "redis" {
		rdb, prefix := redistest.New(t)
		s, err := redisstore.NewConsoleStore(rdb, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return inmem.NewConsoleStore(c.Now)
}

func newEnv(t *testing.T, kind string, opts ...envOption) *env {
	t.Helper()
	c := newClock()
	store := newStore(t, kind, c)
	o := Options{Store: store, Accounts: func() []Account { return testAccounts }, Secure: true,
		Now: c.Now, hashParams: cheapArgon,
		FileOfficers: []FileOfficer{{Name: "file-admin", Role: RoleAdmin, Accounts: []string{"*"}}}}
	for _, f := range opts {
		f(&o)
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", h))
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, h: h, srv: srv, store: store, clock: c}
}

// officer creates an officer with a password through an invite.
func (e *env) officer(name string, role Role, pw string, accounts ...string) {
	e.t.Helper()
	ctx := context.Background()
	tok, err := e.h.Officers().Invite(ctx, InviteSpec{Name: name, Role: role, Accounts: accounts, By: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.h.Officers().AcceptInvite(ctx, tok, pw); err != nil {
		e.t.Fatal(err)
	}
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	e      *env
	c      *http.Client
	body   string // the last page
	origin string // sent as Origin on POSTs when set
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := *e.srv.Client() // a copy: each browser has its own cookies
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{e: e, c: &c}
}

func (b *browser) do(req *http.Request) *http.Response {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.body = string(body)
	return resp
}

func (b *browser) get(path string) *http.Response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+"/console"+path, nil)
	return b.do(req)
}

// post sends a form; csrf "" sends none, "page" the token of the last page shown.
func (b *browser) post(path string, form url.Values, csrf string) *http.Response {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf == "page" {
		csrf = b.csrf()
	}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+"/console"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`data-csrf="([^"]+)"`)

// csrf is the last page's token (its <body data-csrf>; its forms carry the same).
func (b *browser) csrf() string {
	b.e.t.Helper()
	m := csrfRE.FindStringSubmatch(b.body)
	if m == nil {
		b.e.t.Fatalf("no CSRF token on the page:\n%s", b.body)
	}
	return m[1]
}

// signIn signs in through the form and expects the redirect home.
func (b *browser) signIn(name, pw string) {
	b.e.t.Helper()
	b.get("/login")
	resp := b.post("/login", url.Values{"name": {name}, "password": {pw}}, "page")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		b.e.t.Fatalf("sign in as %s: %d %s\n%s", name, resp.StatusCode, resp.Header.Get("Location"), b.body)
	}
	if resp := b.get("/"); resp.StatusCode != http.StatusOK {
		b.e.t.Fatalf("home after sign-in: %d", resp.StatusCode)
	}
}

// sessionID is the browser's session cookie value ("" without one).
func (b *browser) sessionID() string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == cookieSecure {
			return c.Value
		}
	}
	return ""
}

// signedIn reports whether the home page opens (not a redirect to sign-in).
func (b *browser) signedIn() bool {
	b.e.t.Helper()
	resp := b.get("/")
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusSeeOther:
		if !strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
			b.e.t.Fatalf("redirect to %s, want the sign-in page", resp.Header.Get("Location"))
		}
		return false
	}
	b.e.t.Fatalf("home: status %d", resp.StatusCode)
	return false
}
