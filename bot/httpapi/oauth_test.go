package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/zalo"
)

// fakeZaloOAuth is Zalo's token endpoint as zalo-oa.md §4 describes it: it accepts a code
// it issued once, only with the app's secret_key header and a code_verifier whose S256
// challenge was on the consent URL.
type fakeZaloOAuth struct {
	mu         sync.Mutex
	appID      string
	secret     string
	challenges map[string]string // code → code_challenge seen on the consent URL
	exchanges  int
}

func (f *fakeZaloOAuth) consent(t *testing.T, location string) (code, state string) {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/v4/oa/permission" {
		t.Fatalf("consent path = %q", u.Path)
	}
	q := u.Query()
	if q.Get("app_id") != f.appID || q.Get("code_challenge") == "" || q.Get("state") == "" {
		t.Fatalf("consent query = %v", q)
	}
	if q.Has("code_challenge_method") {
		t.Errorf("Zalo takes no code_challenge_method (zalo-oa.md §4)")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code = fmt.Sprintf("code-%d", len(f.challenges)+1)
	f.challenges[code] = q.Get("code_challenge")
	return code, q.Get("state")
}

func (f *fakeZaloOAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fail := func(code int) { fmt.Fprintf(w, `{"error":%d,"error_name":"refused"}`, code) }
	if r.Method != http.MethodPost || r.URL.Path != "/v4/oa/access_token" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("secret_key") != f.secret {
		fail(-14001)
		return
	}
	_ = r.ParseForm()
	if r.PostForm.Get("app_id") != f.appID || r.PostForm.Get("grant_type") != "authorization_code" {
		fail(-14002)
		return
	}
	code := r.PostForm.Get("code")
	challenge, ok := f.challenges[code]
	if !ok || zalo.CodeChallenge(r.PostForm.Get("code_verifier")) != challenge {
		fail(-14019)
		return
	}
	delete(f.challenges, code) // single use
	f.exchanges++
	fmt.Fprintf(w, `{"access_token":"at-%s","refresh_token":"rt-%s","expires_in":"90000"}`, code, code)
}

// memStates, memTokens, dir are hand-written fakes of the routes' small interfaces (the
// Redis implementations are tested in bot/redisstore and wired in cmd/oabot).
type memStates struct {
	mu sync.Mutex
	m  map[string][3]string
}

func (s *memStates) SaveState(_ context.Context, state, account, verifier, by string, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[state] = [3]string{account, verifier, by}
	return nil
}

func (s *memStates) TakeState(_ context.Context, state string) (string, string, string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[state]
	delete(s.m, state)
	return v[0], v[1], v[2], ok, nil
}

type memTokens struct {
	mu sync.Mutex
	m  map[string]zalo.TokenPair
}

func (m *memTokens) Save(_ context.Context, oaID string, p zalo.TokenPair) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[oaID] = p
	return nil
}

func (m *memTokens) Load(_ context.Context, oaID string) (zalo.TokenPair, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.m[oaID]
	if !ok {
		return zalo.TokenPair{}, fmt.Errorf("load %s: %w", oaID, zalo.ErrNoToken)
	}
	return p, nil
}

type dir struct {
	mu   sync.Mutex
	accs map[string]OAuthAccount
	errs map[string]RefreshError
}

func (d *dir) OAuthAccount(_ context.Context, id string) (OAuthAccount, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.accs[id]
	return a, ok, nil
}

func (d *dir) OAuthAccounts(context.Context) ([]OAuthAccount, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []OAuthAccount
	for _, a := range d.accs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (d *dir) PutRuntimeAccount(_ context.Context, in RuntimeAccountInput, _ string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if in.AppSecretKey == "" {
		return &InvalidAccountError{Reason: "no app secret"}
	}
	d.accs[in.ID] = OAuthAccount{ID: in.ID, Name: in.Name, OAID: in.OAID, AppID: in.AppID, AppSecret: in.AppSecretKey, Runtime: true}
	return nil
}

func (d *dir) SetRuntimeAccountDisabled(_ context.Context, id string, disabled bool, _ string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.accs[id]
	if !ok || !a.Runtime {
		return false, nil
	}
	a.Disabled = disabled
	d.accs[id] = a
	return true, nil
}

func (d *dir) RefreshErrors(context.Context) (map[string]RefreshError, error) { return d.errs, nil }

type oauthEnv struct {
	srv      *httptest.Server
	zaloURL  string
	zalo     *fakeZaloOAuth
	states   *memStates
	tokens   *memTokens
	dir      *dir
	mu       sync.Mutex
	exchange []string // "account oa officer ok|err"
}

const adminToken = "admin-token-for-tests"

func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	fz := &fakeZaloOAuth{appID: "3608465248940903967", secret: "app-secret", challenges: map[string]string{}}
	zsrv := httptest.NewServer(fz)
	t.Cleanup(zsrv.Close)
	env := &oauthEnv{
		zaloURL: zsrv.URL,
		zalo:    fz,
		states:  &memStates{m: map[string][3]string{}},
		tokens:  &memTokens{m: map[string]zalo.TokenPair{}},
		dir: &dir{accs: map[string]OAuthAccount{
			"ca-q1": {ID: "ca-q1", Name: "CA Q1", OAID: "111", AppID: fz.appID, AppSecret: fz.secret},
		}, errs: map[string]RefreshError{}},
	}
	routes, err := NewOAuthRoutes(OAuthOptions{
		PublicBaseURL: "https://bot.example.vn/",
		OAuthBase:     zsrv.URL,
		Accounts:      env.dir,
		States:        env.states,
		Tokens:        env.tokens,
		TokenPairs:    env.tokens,
		Runtime:       env.dir,
		RefreshErrors: env.dir,
		Admin: func(r *http.Request, account string) (string, bool) {
			return "it-admin", r.Header.Get("Authorization") == "Bearer "+adminToken
		},
		OnExchange: func(_ context.Context, account, oaID, officer string, _ zalo.TokenPair, err error) {
			env.mu.Lock()
			defer env.mu.Unlock()
			env.exchange = append(env.exchange, fmt.Sprintf("%s %s %s %v", account, oaID, officer, err == nil))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	routes.Register(e)
	env.srv = httptest.NewServer(e)
	t.Cleanup(env.srv.Close)
	return env
}

// do sends a request without following redirects.
func (env *oauthEnv) do(t *testing.T, method, path, token, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, env.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestOAuthStartNeedsAdmin(t *testing.T) {
	env := newOAuthEnv(t)
	for _, tok := range []string{"", "wrong"} {
		if resp := env.do(t, "GET", "/oauth/zalo/start?account=ca-q1", tok, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("start with token %q = %d, want 401", tok, resp.StatusCode)
		}
	}
	if resp := env.do(t, "GET", "/oauth/zalo/start?account=nope", adminToken, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("start for unknown account = %d, want 404", resp.StatusCode)
	}
	if len(env.states.m) != 0 {
		t.Errorf("refused starts stored %d states", len(env.states.m))
	}
}

func TestOAuthFlowWithPKCE(t *testing.T) {
	env := newOAuthEnv(t)
	resp := env.do(t, "GET", "/oauth/zalo/start?account=ca-q1", adminToken, "")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("start = %d, want 302", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, env.zaloURL+"/v4/oa/permission?") {
		t.Fatalf("Location %q", loc)
	}
	u, _ := url.Parse(loc)
	if got := u.Query().Get("redirect_uri"); got != "https://bot.example.vn/oauth/zalo/callback" {
		t.Errorf("redirect_uri = %q", got)
	}
	code, state := env.zalo.consent(t, loc)

	// A callback for another OA than the account's is refused and spends the state.
	resp = env.do(t, "GET", "/oauth/zalo/callback?"+url.Values{"code": {code}, "state": {state}, "oa_id": {"999"}}.Encode(), "", "")
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("callback for another OA = %d, want 409", resp.StatusCode)
	}
	if len(env.tokens.m) != 0 {
		t.Fatalf("tokens stored for a wrong OA: %v", env.tokens.m)
	}

	// Start again; this time the right OA.
	resp = env.do(t, "GET", "/oauth/zalo/start?account=ca-q1", adminToken, "")
	code, state = env.zalo.consent(t, resp.Header.Get("Location"))
	cb := "/oauth/zalo/callback?" + url.Values{"code": {code}, "state": {state}, "oa_id": {"111"}}.Encode()
	resp = env.do(t, "GET", cb, "", "")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("callback = %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "at-"+code) || strings.Contains(string(body), "rt-"+code) {
		t.Errorf("callback page shows a token")
	}
	pair, err := env.tokens.Load(context.Background(), "111")
	if err != nil || pair.AccessToken != "at-"+code || pair.RefreshToken != "rt-"+code {
		t.Fatalf("stored pair for 111 = %v (%v)", pair.AccessToken, err)
	}
	if d := time.Until(pair.ExpiresAt); d < 24*time.Hour || d > 26*time.Hour {
		t.Errorf("expiry in %v, want about 25 h (expires_in 90000)", d)
	}
	if env.zalo.exchanges != 1 {
		t.Errorf("exchanges = %d, want 1", env.zalo.exchanges)
	}

	// Replaying the callback fails: the state is single use.
	if resp = env.do(t, "GET", cb, "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback = %d, want 400", resp.StatusCode)
	}
	// A forged state fails.
	if resp = env.do(t, "GET", "/oauth/zalo/callback?code=x&state=forged&oa_id=111", "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged state = %d, want 400", resp.StatusCode)
	}
	want := []string{"ca-q1 111 it-admin true"}
	if fmt.Sprint(env.exchange) != fmt.Sprint(want) {
		t.Errorf("OnExchange calls = %v, want %v", env.exchange, want)
	}
}

func TestOAuthZaloRefusesCode(t *testing.T) {
	env := newOAuthEnv(t)
	resp := env.do(t, "GET", "/oauth/zalo/start?account=ca-q1", adminToken, "")
	_, state := env.zalo.consent(t, resp.Header.Get("Location"))
	// A code Zalo never issued (or one for another verifier) is refused by Zalo.
	resp = env.do(t, "GET", "/oauth/zalo/callback?"+url.Values{"code": {"stolen"}, "state": {state}, "oa_id": {"111"}}.Encode(), "", "")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback with a refused code = %d, want 400", resp.StatusCode)
	}
	if len(env.tokens.m) != 0 || len(env.exchange) != 1 || !strings.HasSuffix(env.exchange[0], "false") {
		t.Errorf("tokens %v, exchanges %v", env.tokens.m, env.exchange)
	}
}

func TestRuntimeAccountsAndTokenHealth(t *testing.T) {
	env := newOAuthEnv(t)
	if resp := env.do(t, "GET", "/admin/v1/oa/accounts", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("list without token = %d", resp.StatusCode)
	}
	bad := []struct{ name, body string }{
		{"bad id", `{"id":"CA Q2","oa_id":"222","app_id":"1"}`},
		{"bad oa id", `{"id":"ca-q2","oa_id":"oa-2","app_id":"1"}`},
		{"not json", `{`},
		{"store refuses", `{"id":"ca-q2","oa_id":"222","app_id":"1"}`},
	}
	for _, tt := range bad {
		if resp := env.do(t, "POST", "/admin/v1/oa/accounts", adminToken, tt.body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: POST = %d, want 400", tt.name, resp.StatusCode)
		}
	}
	if resp := env.do(t, "POST", "/admin/v1/oa/accounts", adminToken, `{"id":"ca-q1","oa_id":"111","app_id":"1","app_secret_key":"s"}`); resp.StatusCode != http.StatusConflict {
		t.Errorf("POST over a file account = %d, want 409", resp.StatusCode)
	}
	resp := env.do(t, "POST", "/admin/v1/oa/accounts", adminToken, `{"id":"ca-q2","name":"CA Q2","oa_id":"222","app_id":"3608465248940903967","app_secret_key":"app-secret"}`)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || strings.Contains(string(body), "app-secret") {
		t.Fatalf("POST runtime account = %d %s", resp.StatusCode, body)
	}
	if resp := env.do(t, "POST", "/admin/v1/oa/accounts/ca-q2/disable", adminToken, ""); resp.StatusCode != http.StatusOK || !env.dir.accs["ca-q2"].Disabled {
		t.Errorf("disable = %d, disabled %v", resp.StatusCode, env.dir.accs["ca-q2"].Disabled)
	}
	if resp := env.do(t, "POST", "/admin/v1/oa/accounts/ca-q1/disable", adminToken, ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("disable a file account = %d, want 409", resp.StatusCode)
	}
	if resp := env.do(t, "POST", "/admin/v1/oa/accounts/nope/enable", adminToken, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("enable unknown = %d, want 404", resp.StatusCode)
	}

	// Token health: ca-q1 has a pair that expires soon and a failing refresh; ca-q2 none.
	now := time.Now()
	env.tokens.m["111"] = zalo.TokenPair{AccessToken: "a", RefreshToken: "r", ExpiresAt: now.Add(30 * time.Minute), IssuedAt: now.Add(-24 * time.Hour)}
	env.dir.errs["ca-q1"] = RefreshError{Message: "zalo oauth: error -14014", At: now, Failures: 3}
	resp = env.do(t, "GET", "/admin/v1/oa/tokens", adminToken, "")
	var got struct{ Tokens []TokenStatus }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	status := map[string]TokenStatus{}
	for _, r := range got.Tokens {
		status[r.Account] = r
	}
	if r := status["ca-q1"]; r.Status != "failing" || r.Failures != 3 || r.ExpiresAt == nil || r.LastRefresh == nil || r.ExpiresInSeconds > 1800 {
		t.Errorf("ca-q1 health = %+v", r)
	}
	if r := status["ca-q2"]; r.Status != "missing" || !r.Runtime || !r.Disabled {
		t.Errorf("ca-q2 health = %+v", r)
	}
	delete(env.dir.errs, "ca-q1")
	rows, _ := (&OAuthRoutes{o: OAuthOptions{Accounts: env.dir, TokenPairs: env.tokens, RefreshErrors: env.dir}}).TokenHealth(context.Background(), now)
	for _, r := range rows {
		if r.Account == "ca-q1" && r.Status != "expiring" {
			t.Errorf("ca-q1 without error = %s, want expiring", r.Status)
		}
	}
	rows, _ = (&OAuthRoutes{o: OAuthOptions{Accounts: env.dir, TokenPairs: env.tokens}}).TokenHealth(context.Background(), now.Add(time.Hour))
	for _, r := range rows {
		if r.Account == "ca-q1" && r.Status != "expired" {
			t.Errorf("ca-q1 an hour later = %s, want expired", r.Status)
		}
	}
}

func TestNewOAuthRoutesChecksOptions(t *testing.T) {
	if _, err := NewOAuthRoutes(OAuthOptions{}); err == nil {
		t.Error("empty options accepted")
	}
	d := &dir{}
	tk := &memTokens{}
	_, err := NewOAuthRoutes(OAuthOptions{PublicBaseURL: "https://x", Accounts: d, States: &memStates{}, Tokens: tk, TokenPairs: tk})
	if err == nil || !strings.Contains(err.Error(), "admin") {
		t.Errorf("options without admin auth: err = %v", err)
	}
}
