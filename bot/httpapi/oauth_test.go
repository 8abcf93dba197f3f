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
	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

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
	mu      sync.Mutex
	accs    map[string]OAuthAccount
	errs    map[string]RefreshError
	failPut error // PutRuntimeAccount's answer when set (a store failure)
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
	if d.failPut != nil {
		return d.failPut
	}
	if in.AppSecretKey == "" {
		return &InvalidAccountError{Reason: "no app secret"}
	}
	for _, a := range d.accs {
		if a.OAID == in.OAID && a.ID != in.ID {
			return &InvalidAccountError{Reason: "oa_id " + in.OAID + " belongs to account " + a.ID, Conflict: true}
		}
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
	zalo     *zalotest.Server
	states   *memStates
	tokens   *memTokens
	dir      *dir
	audit    *inmem.AuditLog
	mu       sync.Mutex
	exchange []string // "account oa officer ok|err"
}

const (
	adminToken   = "admin-token-for-tests"
	oauthAppID   = "3608465248940903967"
	oauthSecret  = "app-secret"
	oauthOA      = "111" // ca-q1's OA
	oauthOtherOA = "222" // another OA the same app may be granted
)

// newOAuthEnv serves the OAuth routes against the fake Zalo (OAuth v4 and getoa, both
// OAs registered) with an in-memory audit log; tweak changes the options.
func newOAuthEnv(t *testing.T, tweak ...func(*OAuthOptions)) *oauthEnv {
	t.Helper()
	fz := zalotest.New()
	fz.AddApp(oauthAppID, oauthSecret)
	fz.AddOA(oauthOA)
	fz.AddOA(oauthOtherOA)
	zsrv := httptest.NewServer(fz)
	t.Cleanup(zsrv.Close)
	env := &oauthEnv{
		zaloURL: zsrv.URL,
		zalo:    fz,
		states:  &memStates{m: map[string][3]string{}},
		tokens:  &memTokens{m: map[string]zalo.TokenPair{}},
		dir: &dir{accs: map[string]OAuthAccount{
			"ca-q1": {ID: "ca-q1", Name: "CA Q1", OAID: oauthOA, AppID: oauthAppID, AppSecret: oauthSecret},
		}, errs: map[string]RefreshError{}},
		audit: inmem.NewAuditLog(0),
	}
	o := OAuthOptions{
		PublicBaseURL: "https://bot.example.vn/",
		OAuthBase:     zsrv.URL,
		APIBase:       zsrv.URL,
		Accounts:      env.dir,
		States:        env.states,
		Tokens:        env.tokens,
		TokenPairs:    env.tokens,
		Runtime:       env.dir,
		RefreshErrors: env.dir,
		Audit:         env.audit,
		Admin: func(r *http.Request, account string) (string, bool) {
			return "it-admin", r.Header.Get("Authorization") == "Bearer "+adminToken
		},
		OnExchange: func(_ context.Context, account, oaID, officer string, _ zalo.TokenPair, err error) {
			env.mu.Lock()
			defer env.mu.Unlock()
			env.exchange = append(env.exchange, fmt.Sprintf("%s %s %s %v", account, oaID, officer, err == nil))
		},
	}
	for _, f := range tweak {
		f(&o)
	}
	routes, err := NewOAuthRoutes(o)
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

// noFollow is a client that returns redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

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
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// start begins a consent for account as the admin and returns Zalo's consent URL.
func (env *oauthEnv) start(t *testing.T, account string) string {
	t.Helper()
	resp := env.do(t, "GET", "/oauth/zalo/start?account="+account, adminToken, "")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("start = %d, want 302", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// consent plays the OA admin on Zalo's consent page: it opens location on the fake Zalo,
// picking oaID, and returns the query Zalo redirects to the callback with (code, oa_id,
// state).
func (env *oauthEnv) consent(t *testing.T, location, oaID string) url.Values {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/v4/oa/permission" || q.Get("app_id") != oauthAppID || q.Get("code_challenge") == "" || q.Get("state") == "" {
		t.Fatalf("consent URL = %s", location)
	}
	if q.Has("code_challenge_method") {
		t.Errorf("Zalo takes no code_challenge_method (zalo-oa.md §4)")
	}
	q.Set("oa_id", oaID) // the fake's way to say which OA the admin picked
	u.RawQuery = q.Encode()
	resp, err := noFollow.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || cb.Host != "bot.example.vn" || cb.Path != "/oauth/zalo/callback" {
		t.Fatalf("fake consent = %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return cb.Query()
}

// callback delivers Zalo's redirect to the routes and returns the status and page.
func (env *oauthEnv) callback(t *testing.T, q url.Values) (int, string) {
	t.Helper()
	resp := env.do(t, "GET", "/oauth/zalo/callback?"+q.Encode(), "", "")
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// exchanges counts the code exchanges Zalo accepted.
func (env *oauthEnv) exchanges() int {
	n := 0
	for _, c := range env.zalo.Calls() {
		if c.Path == "/v4/oa/access_token" && c.Accepted() {
			n++
		}
	}
	return n
}

// entries returns the audit trail, oldest first, as "officer role action account target
// result"; every entry must say when and from where.
func (env *oauthEnv) entries(t *testing.T) []string {
	t.Helper()
	es, err := env.audit.Recent(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if e.At.IsZero() || !strings.HasPrefix(e.Remote, "127.0.0.1:") {
			t.Errorf("audit entry without time or client address: %+v", e)
		}
		out = append(out, strings.Join([]string{e.Officer, e.Role, e.Action, e.Account, e.Target, e.Result}, " "))
	}
	return out
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
	loc := env.start(t, "ca-q1")
	if !strings.HasPrefix(loc, env.zaloURL+"/v4/oa/permission?") {
		t.Fatalf("Location %q", loc)
	}
	u, _ := url.Parse(loc)
	if got := u.Query().Get("redirect_uri"); got != "https://bot.example.vn/oauth/zalo/callback" {
		t.Errorf("redirect_uri = %q", got)
	}

	// A callback that claims another OA than the account's is refused and spends the state.
	q := env.consent(t, loc, oauthOA)
	q.Set("oa_id", "999")
	if code, _ := env.callback(t, q); code != http.StatusConflict {
		t.Errorf("callback for another OA = %d, want 409", code)
	}
	if len(env.tokens.m) != 0 {
		t.Fatalf("tokens stored for a wrong OA: %v", env.tokens.m)
	}

	// Start again; this time the right OA.
	q = env.consent(t, env.start(t, "ca-q1"), oauthOA)
	code, body := env.callback(t, q)
	if code != http.StatusOK {
		t.Fatalf("callback = %d %s", code, body)
	}
	pair, err := env.tokens.Load(context.Background(), oauthOA)
	if err != nil || pair.AccessToken == "" || pair.RefreshToken == "" {
		t.Fatalf("stored pair for %s: %v", oauthOA, err)
	}
	if strings.Contains(body, pair.AccessToken) || strings.Contains(body, pair.RefreshToken) {
		t.Errorf("callback page shows a token")
	}
	if info, err := zalo.TokenOA(context.Background(), pair.AccessToken, zalo.WithAPIBase(env.zaloURL)); err != nil || info.OAID != oauthOA {
		t.Errorf("the stored token acts for %q (%v), want %s", info.OAID, err, oauthOA)
	}
	if d := time.Until(pair.ExpiresAt); d < 24*time.Hour || d > 26*time.Hour {
		t.Errorf("expiry in %v, want about 25 h (expires_in 90000)", d)
	}
	if n := env.exchanges(); n != 1 {
		t.Errorf("exchanges = %d, want 1", n)
	}

	// Replaying the callback fails: the state is single use.
	if code, _ := env.callback(t, q); code != http.StatusBadRequest {
		t.Errorf("replayed callback = %d, want 400", code)
	}
	// A forged state fails.
	if resp := env.do(t, "GET", "/oauth/zalo/callback?code=x&state=forged&oa_id=111", "", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged state = %d, want 400", resp.StatusCode)
	}
	want := []string{"ca-q1 111 it-admin true"}
	if fmt.Sprint(env.exchange) != fmt.Sprint(want) {
		t.Errorf("OnExchange calls = %v, want %v", env.exchange, want)
	}
}

func TestOAuthZaloRefusesCode(t *testing.T) {
	env := newOAuthEnv(t)
	q := env.consent(t, env.start(t, "ca-q1"), oauthOA)
	// A code Zalo never issued (or one for another verifier) is refused by Zalo.
	q.Set("code", "stolen")
	code, body := env.callback(t, q)
	if code != http.StatusBadRequest || !strings.Contains(body, "code_refused") {
		t.Errorf("callback with a refused code = %d %s, want 400 code_refused", code, body)
	}
	if len(env.tokens.m) != 0 || len(env.exchange) != 1 || !strings.HasSuffix(env.exchange[0], "false") {
		t.Errorf("tokens %v, exchanges %v", env.tokens.m, env.exchange)
	}
}

// The OA a new token acts for comes from Zalo (getoa with that token), never from the
// callback's oa_id: the admin of ca-q1 (OA 111) who picks OA 222 on Zalo's page gets a
// 409 whether the callback says 222, says nothing or says 111, and nothing is stored.
// issue 13 item 1: before, dropping oa_id stored OA 222's tokens as ca-q1's (200).
func TestOAuthCallbackOATakenFromZalo(t *testing.T) {
	for _, tt := range []struct {
		name    string
		picked  string // the OA chosen on Zalo's consent page
		oaParam string // the callback's oa_id: "-" drops it
		getoa   int    // a Zalo error code for getoa (0 = answer)
		want    int
		stored  bool
		audit   string // the audit entry, without officer and role
	}{
		{"the account's OA", oauthOA, oauthOA, 0, http.StatusOK, true, "oauth.exchange ca-q1 111 ok"},
		{"the account's OA, oa_id dropped", oauthOA, "-", 0, http.StatusOK, true, "oauth.exchange ca-q1 111 ok"},
		{"another OA, oa_id dropped", oauthOtherOA, "-", 0, http.StatusConflict, false, "oauth.exchange ca-q1 222 wrong_oa"},
		{"another OA, oa_id forged to the account's", oauthOtherOA, oauthOA, 0, http.StatusConflict, false, "oauth.exchange ca-q1 222 wrong_oa"},
		{"another OA, said so", oauthOtherOA, oauthOtherOA, 0, http.StatusConflict, false, "oauth.exchange ca-q1 222 wrong_oa"},
		{"getoa fails", oauthOA, "-", -209, http.StatusBadGateway, false, "oauth.exchange ca-q1  oa_unconfirmed"},
		{"getoa fails, oa_id given", oauthOA, oauthOA, -209, http.StatusBadGateway, false, "oauth.exchange ca-q1 111 oa_unconfirmed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newOAuthEnv(t)
			q := env.consent(t, env.start(t, "ca-q1"), tt.picked)
			if tt.oaParam == "-" {
				q.Del("oa_id")
			} else {
				q.Set("oa_id", tt.oaParam)
			}
			if tt.getoa != 0 {
				env.zalo.FailNext(1, tt.getoa, "/v2.0/oa/getoa")
			}
			code, body := env.callback(t, q)
			if code != tt.want {
				t.Errorf("callback = %d, want %d: %s", code, tt.want, body)
			}
			if _, err := env.tokens.Load(context.Background(), oauthOA); (err == nil) != tt.stored || len(env.tokens.m) > 1 {
				t.Errorf("stored pairs %v, want one for %s: %v", env.tokens.m, oauthOA, tt.stored)
			}
			if code != http.StatusOK {
				if res := tt.audit[strings.LastIndexByte(tt.audit, ' ')+1:]; !strings.Contains(body, res) {
					t.Errorf("refusal page does not name %s: %s", res, body)
				}
			}
			if got, want := env.entries(t), []string{"it-admin admin " + tt.audit}; !cmp.Equal(got, want) {
				t.Errorf("audit (-want +got):\n%s", cmp.Diff(want, got))
			}
		})
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
