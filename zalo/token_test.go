package zalo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

const (
	testApp    = "3608465248940903967"
	testSecret = "app-secret-not-for-errors"
)

// tokenEnv is a fake Zalo with OAuth, a store seeded with a real pair, and a base URL.
type tokenEnv struct {
	srv   *zalotest.Server
	base  string
	store *zalo.MemoryTokenStore
	pair  zalo.TokenPair
}

func newTokenEnv(t *testing.T) *tokenEnv {
	t.Helper()
	srv := zalotest.New()
	srv.AddApp(testApp, testSecret)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	pair := srv.IssuePair(testApp, testOA)
	store := zalo.NewMemoryTokenStore()
	if err := store.Save(context.Background(), testOA, pair); err != nil {
		t.Fatal(err)
	}
	return &tokenEnv{srv: srv, base: ts.URL, store: store, pair: pair}
}

func (e *tokenEnv) source(t *testing.T, store zalo.TokenStore, mod func(*zalo.TokenSourceConfig)) *zalo.TokenSource {
	t.Helper()
	cfg := zalo.TokenSourceConfig{
		OAID:  testOA,
		OAuth: &zalo.OAuth{Base: e.base, AppID: testApp, AppSecret: testSecret},
		Store: store,
	}
	if mod != nil {
		mod(&cfg)
	}
	ts, err := zalo.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func (e *tokenEnv) client(t *testing.T, tp zalo.TokenProvider) *zalo.Client {
	t.Helper()
	c, err := zalo.NewClient(zalo.WithAPIBase(e.base), zalo.WithTokenSource(tp), zalo.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRejectedTokenRefreshesOnceAndRetriesOnce(t *testing.T) {
	e := newTokenEnv(t)
	ts := e.source(t, e.store, nil)
	c := e.client(t, ts)
	ctx := context.Background()
	if _, err := c.SendText(ctx, "u1", "một"); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireTokens(testOA) // Zalo now answers -216 to the stored token
	if _, err := c.SendText(ctx, "u1", "hai"); err != nil {
		t.Fatalf("send after -216: %v", err)
	}
	if n := e.srv.RefreshCount(testOA); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	var codes []int
	for _, call := range e.srv.Calls() {
		if call.Path == "/v3.0/oa/message/cs" {
			codes = append(codes, call.Code)
		}
	}
	if fmt.Sprint(codes) != "[0 -216 0]" {
		t.Errorf("send answers = %v, want [0 -216 0]", codes)
	}
	stored, _ := e.store.Load(ctx, testOA)
	if stored.RefreshToken == e.pair.RefreshToken || stored.AccessToken == e.pair.AccessToken {
		t.Error("rotated pair not stored")
	}
	// The old refresh token is spent: using it again fails, like Zalo.
	if _, err := (&zalo.OAuth{Base: e.base, AppID: testApp, AppSecret: testSecret}).Refresh(ctx, e.pair.RefreshToken); err == nil {
		t.Error("spent refresh token accepted")
	}
}

func TestRejectedTwiceGivesUp(t *testing.T) {
	e := newTokenEnv(t)
	c := e.client(t, e.source(t, e.store, nil))
	e.srv.FailNext(2, -220, "/v3.0/oa/message/cs")
	_, err := c.SendText(context.Background(), "u1", "x")
	if !errors.Is(err, zalo.ErrTokenExpired) {
		t.Errorf("err = %v, want ErrTokenExpired", err)
	}
	if n := e.srv.RefreshCount(testOA); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	if n := len(e.srv.Calls()); n != 3 { // send, refresh, send
		t.Errorf("%d calls, want 3", n)
	}
}

func TestProactiveRefresh(t *testing.T) {
	e := newTokenEnv(t)
	ctx := context.Background()
	soon := e.pair
	soon.ExpiresAt = time.Now().Add(time.Hour) // inside DefaultRefreshAhead (5 h)
	e.store.Save(ctx, testOA, soon)
	var reports []error
	ts := e.source(t, e.store, func(c *zalo.TokenSourceConfig) {
		c.OnRefresh = func(oa string, err error) { reports = append(reports, err) }
	})
	tok, err := ts.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok == e.pair.AccessToken || e.srv.RefreshCount(testOA) != 1 || len(reports) != 1 || reports[0] != nil {
		t.Errorf("token unchanged or refresh count %d, reports %v", e.srv.RefreshCount(testOA), reports)
	}
	// Fresh now: no further refresh.
	for range 5 {
		if tok2, _ := ts.AccessToken(ctx); tok2 != tok {
			t.Error("token changed without need")
		}
	}
	if n := e.srv.RefreshCount(testOA); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
}

func TestRefreshFailureKeepsOldPair(t *testing.T) {
	e := newTokenEnv(t)
	ctx := context.Background()
	soon := e.pair
	soon.ExpiresAt = time.Now().Add(time.Hour)
	e.store.Save(ctx, testOA, soon)
	var reported error
	ts := e.source(t, e.store, func(c *zalo.TokenSourceConfig) {
		c.OAuth.AppSecret = "wrong-secret"
		c.OnRefresh = func(_ string, err error) { reported = err }
	})
	tok, err := ts.AccessToken(ctx)
	if err != nil || tok != e.pair.AccessToken {
		t.Errorf("AccessToken = %q, %v; want the old, still valid token", tok, err)
	}
	if !errors.Is(reported, zalo.ErrRefreshFailed) || !errors.Is(ts.Status().LastError, zalo.ErrRefreshFailed) {
		t.Errorf("reported %v, status %v", reported, ts.Status().LastError)
	}
	stored, _ := e.store.Load(ctx, testOA)
	if stored.RefreshToken != e.pair.RefreshToken {
		t.Error("stored pair changed after a failed refresh")
	}
	for _, s := range []string{"wrong-secret", e.pair.RefreshToken, e.pair.AccessToken} {
		if strings.Contains(reported.Error(), s) {
			t.Errorf("error leaks a secret: %v", reported)
		}
	}
	// Within RetryAfterFailure no new attempt is made.
	ts.AccessToken(ctx)
	if n := e.srv.RefreshCount(testOA); n != 1 {
		t.Errorf("refresh attempts = %d, want 1", n)
	}
	// Once the old token has expired the failure is returned.
	expired := e.pair
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	e.store.Save(ctx, testOA, expired)
	ts2 := e.source(t, e.store, func(c *zalo.TokenSourceConfig) { c.OAuth.AppSecret = "wrong-secret" })
	if _, err := ts2.AccessToken(ctx); !errors.Is(err, zalo.ErrRefreshFailed) {
		t.Errorf("expired + failed refresh: %v", err)
	}
}

// failingStore fails Save a set number of times.
type failingStore struct {
	*zalo.MemoryTokenStore
	fails atomic.Int32
}

func (f *failingStore) Save(ctx context.Context, oa string, p zalo.TokenPair) error {
	if f.fails.Add(-1) >= 0 {
		return errors.New("store down")
	}
	return f.MemoryTokenStore.Save(ctx, oa, p)
}

func TestUnsavedPairIsNotUsedAndSavedLater(t *testing.T) {
	e := newTokenEnv(t)
	ctx := context.Background()
	fs := &failingStore{MemoryTokenStore: e.store}
	fs.fails.Store(3) // all three save attempts of the first refresh fail
	ts := e.source(t, fs, nil)
	if _, err := ts.RefreshAfterReject(ctx, e.pair.AccessToken); !errors.Is(err, zalo.ErrRefreshFailed) {
		t.Fatalf("err = %v, want ErrRefreshFailed", err)
	}
	if !ts.Status().Unsaved {
		t.Error("status does not show the unsaved pair")
	}
	tok, err := ts.AccessToken(ctx) // store is back: the pending pair is saved, then used
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.store.Load(ctx, testOA)
	if stored.AccessToken != tok || tok == e.pair.AccessToken {
		t.Errorf("token %q, stored %q", tok, stored.AccessToken)
	}
	if n := e.srv.RefreshCount(testOA); n != 1 {
		t.Errorf("refreshes = %d, want 1 (the spent refresh token must not be reused)", n)
	}
}

func TestConcurrentRejectsOneRefresh(t *testing.T) {
	e := newTokenEnv(t)
	ctx := context.Background()
	// Two sources (two replicas) share one store; 20 concurrent sends with a revoked token.
	a, b := e.source(t, e.store, nil), e.source(t, e.store, nil)
	ca, cb := e.client(t, a), e.client(t, b)
	for _, c := range []*zalo.Client{ca, cb} { // warm both caches with the old token
		if _, err := c.SendText(ctx, "u", "warm"); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.ExpireTokens(testOA)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.SendText(ctx, "u", "x")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := e.srv.RefreshCount(testOA); n != 1 {
		t.Errorf("refresh requests = %d, want exactly 1", n)
	}
}

func TestOAuthExchangePKCE(t *testing.T) {
	e := newTokenEnv(t)
	ctx := context.Background()
	o := &zalo.OAuth{Base: e.base, AppID: testApp, AppSecret: testSecret}
	verifier, challenge, err := zalo.NewPKCE()
	if err != nil || len(verifier) != zalo.PKCEVerifierLength || challenge != zalo.CodeChallenge(verifier) {
		t.Fatalf("NewPKCE = %q %q %v", verifier, challenge, err)
	}
	// Computed independently: python3 -c "import hashlib,base64;
	// print(base64.urlsafe_b64encode(hashlib.sha256(b'dBjftJeZ4CVP-mJ92ZXOosE4kjsvBRhQ5MOXMTRHWrM').digest()).rstrip(b'='))"
	if got := zalo.CodeChallenge("dBjftJeZ4CVP-mJ92ZXOosE4kjsvBRhQ5MOXMTRHWrM"); got != "MoufpGT99jysVloIMXxR7RXaMrjRefzBodqhwUa6H5I" {
		t.Errorf("CodeChallenge = %s", got)
	}
	consent := o.AuthURL("https://oabot.example/oauth/callback", challenge, "st8")
	u, _ := url.Parse(consent)
	if u.Path != "/v4/oa/permission" || u.Query().Get("app_id") != testApp || u.Query().Get("code_challenge") != challenge || u.Query().Get("state") != "st8" {
		t.Fatalf("AuthURL = %s", consent)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(consent)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, _ := url.Parse(resp.Header.Get("Location"))
	code := cb.Query().Get("code")
	if cb.Host != "oabot.example" || code == "" || cb.Query().Get("oa_id") != testOA || cb.Query().Get("state") != "st8" {
		t.Fatalf("callback = %s", cb)
	}
	if _, err := o.Exchange(ctx, code, "wrong-verifier-wrong-verifier-wrong-verif"); err == nil {
		t.Error("wrong verifier accepted")
	}
	// The code is single use, so get a new one.
	resp, _ = noFollow.Get(consent)
	resp.Body.Close()
	cb, _ = url.Parse(resp.Header.Get("Location"))
	pair, err := o.Exchange(ctx, cb.Query().Get("code"), verifier)
	if err != nil || pair.AccessToken == "" || pair.RefreshToken == "" {
		t.Fatalf("Exchange = %v, %v", pair, err)
	}
	if d := time.Until(pair.ExpiresAt); d < 24*time.Hour || d > 26*time.Hour {
		t.Errorf("expires in %v, want ~25h from expires_in \"90000\"", d)
	}
	if s := fmt.Sprintf("%v %+v %#v", pair, pair, pair); strings.Contains(s, pair.AccessToken) || strings.Contains(s, pair.RefreshToken) {
		t.Errorf("TokenPair prints its tokens: %s", s)
	}
}

func TestOAuthErrorShapes(t *testing.T) {
	tests := []struct {
		name, body string
		wantCode   int
		wantLife   time.Duration
	}{
		{"error name", `{"error":-14014,"error_name":"Invalid refresh token","error_reason":"spent"}`, -14014, 0},
		{"numeric expires_in", `{"access_token":"a","refresh_token":"r","expires_in":3600}`, 0, time.Hour},
		{"string expires_in", `{"access_token":"a","refresh_token":"r","expires_in":"90000"}`, 0, 25 * time.Hour},
		{"missing expires_in", `{"access_token":"a","refresh_token":"r"}`, 0, zalo.DefaultAccessTokenLifetime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotForm url.Values
			var gotSecret string
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				gotForm, gotSecret = r.PostForm, r.Header.Get("secret_key")
				w.Write([]byte(tt.body))
			}))
			defer ts.Close()
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			o := &zalo.OAuth{Base: ts.URL, AppID: "app", AppSecret: "sec", Now: func() time.Time { return now }}
			p, err := o.Refresh(context.Background(), "RT")
			if gotSecret != "sec" || gotForm.Get("app_id") != "app" || gotForm.Get("grant_type") != "refresh_token" || gotForm.Get("refresh_token") != "RT" {
				t.Errorf("request form %v secret %q", gotForm, gotSecret)
			}
			if tt.wantCode != 0 {
				var ae *zalo.APIError
				if !errors.As(err, &ae) || ae.Code != tt.wantCode || strings.Contains(err.Error(), "RT") && !strings.Contains(ae.Message, "RT") {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err != nil || p.ExpiresAt.Sub(now) != tt.wantLife {
				t.Errorf("pair %v, err %v; want life %v", p, err, tt.wantLife)
			}
		})
	}
}

func TestMemoryTokenStoreLock(t *testing.T) {
	s := zalo.NewMemoryTokenStore()
	ctx := context.Background()
	if _, err := s.Load(ctx, "x"); !errors.Is(err, zalo.ErrNoToken) {
		t.Errorf("Load missing = %v", err)
	}
	unlock, err := s.Lock(ctx, "oa", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(short, "oa", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Lock = %v, want deadline", err)
	}
	if _, err := s.Lock(ctx, "other-oa", time.Minute); err != nil {
		t.Errorf("other OA blocked: %v", err)
	}
	unlock(ctx)
	u2, err := s.Lock(ctx, "oa", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Expired lock is taken over; the old holder's unlock must not free the new holder's lock.
	// Lock itself waits until u2's 10 ms lease has run out; the deadline only turns a lock
	// that never expires into a failure instead of a hang.
	long, cancel3 := context.WithTimeout(ctx, 10*time.Second)
	defer cancel3()
	u3, err := s.Lock(long, "oa", time.Minute)
	if err != nil {
		t.Fatalf("taking over the expired lock: %v", err)
	}
	u2(ctx)
	short2, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if _, err := s.Lock(short2, "oa", time.Minute); err == nil {
		t.Error("stale unlock released the new holder's lock")
	}
	u3(ctx)
}
