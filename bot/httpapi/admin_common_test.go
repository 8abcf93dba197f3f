package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/zalo"
)

// answerCode reads the admin API's answer: "ok" for 2xx, else {"error": {"code"}}.
func answerCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode < 300 {
		return "ok"
	}
	var ae apiError
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &ae); err != nil || ae.Error.Code == "" {
		t.Fatalf("answer %d %q is not the admin error shape", resp.StatusCode, body)
	}
	return ae.Error.Code
}

// Every runtime-account change by an admin is in the audit trail with who, what, when, from
// where and the code the API answered, refusals and failures included; requests without
// an admin token or with a bad body are not (nothing was attempted).
// issue 13 item 2: before, they were only log lines.
func TestOnboardingIsAudited(t *testing.T) {
	env := newOAuthEnv(t)
	const q2 = `{"id":"ca-q2","name":"CA Q2","oa_id":"222","app_id":"3608465248940903967","app_secret_key":"app-secret"}`
	for _, tt := range []struct {
		name, token, method, path, body string
		failPut                         error
		want                            int
		audit                           string // "" = no entry
	}{
		{"create", adminToken, "POST", "/admin/v1/oa/accounts", q2, nil, 201, "account.put ca-q2 222 ok"},
		{"update", adminToken, "POST", "/admin/v1/oa/accounts", q2, nil, 200, "account.put ca-q2 222 ok"},
		{"invalid", adminToken, "POST", "/admin/v1/oa/accounts", `{"id":"ca-q3","oa_id":"oa-3","app_id":"1"}`, nil, 400, "account.put ca-q3 oa-3 invalid"},
		{"no secret", adminToken, "POST", "/admin/v1/oa/accounts", `{"id":"ca-q3","oa_id":"333","app_id":"1"}`, nil, 400, "account.put ca-q3 333 invalid"},
		{"over a file account", adminToken, "POST", "/admin/v1/oa/accounts", `{"id":"ca-q1","oa_id":"111","app_id":"1","app_secret_key":"s"}`, nil, 409, "account.put ca-q1 111 file_account"},
		{"oa_id of another account", adminToken, "POST", "/admin/v1/oa/accounts", `{"id":"ca-q3","oa_id":"111","app_id":"1","app_secret_key":"s"}`, nil, 409, "account.put ca-q3 111 conflict"},
		{"store down", adminToken, "POST", "/admin/v1/oa/accounts", `{"id":"ca-q3","oa_id":"333","app_id":"1","app_secret_key":"s"}`, errors.New("redis: i/o timeout"), 503, "account.put ca-q3 333 unavailable"},
		{"disable", adminToken, "POST", "/admin/v1/oa/accounts/ca-q2/disable", "", nil, 200, "account.disable ca-q2  ok"},
		{"enable", adminToken, "POST", "/admin/v1/oa/accounts/ca-q2/enable", "", nil, 200, "account.enable ca-q2  ok"},
		{"disable a file account", adminToken, "POST", "/admin/v1/oa/accounts/ca-q1/disable", "", nil, 409, "account.disable ca-q1  file_account"},
		{"enable an unknown account", adminToken, "POST", "/admin/v1/oa/accounts/nope/enable", "", nil, 404, "account.enable nope  not_found"},
		{"no token", "", "POST", "/admin/v1/oa/accounts/ca-q2/disable", "", nil, 401, ""},
		{"bad body", adminToken, "POST", "/admin/v1/oa/accounts", `{"id":`, nil, 400, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env.dir.mu.Lock()
			env.dir.failPut = tt.failPut
			env.dir.mu.Unlock()
			before := len(env.entries(t))
			resp := env.do(t, tt.method, tt.path, tt.token, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
			answered := answerCode(t, resp)
			got := env.entries(t)[before:]
			if tt.audit == "" {
				if len(got) != 0 {
					t.Errorf("audited %q, want no entry", got)
				}
				return
			}
			if want := []string{"it-admin admin " + tt.audit}; !cmp.Equal(got, want) {
				t.Errorf("audit (-want +got):\n%s", cmp.Diff(want, got))
			}
			if !strings.HasSuffix(tt.audit, " "+answered) {
				t.Errorf("API answered %q, audit says %q", answered, tt.audit)
			}
		})
	}
}

// Onboarding entries land in the admin API's audit log and GET /admin/v1/audit shows them
// next to the campaign entries.
func TestOnboardingInAdminAuditTrail(t *testing.T) {
	admin := newAdminEnv(t, nil)
	env := newOAuthEnv(t, func(o *OAuthOptions) {
		o.Audit, o.Admin = admin.audit, admin.admin.AuthFunc(RoleAdmin)
	})
	req, _ := http.NewRequest("POST", env.srv.URL+"/admin/v1/oa/accounts",
		strings.NewReader(`{"id":"ca-q2","name":"CA Q2","oa_id":"222","app_id":"3608465248940903967","app_secret_key":"app-secret"}`))
	req.Header.Set("Authorization", "Bearer tok-root")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("put account: %v %v", resp, err)
	}
	req, _ = http.NewRequest("GET", env.srv.URL+"/oauth/zalo/start?account=ca-q1", nil)
	req.Header.Set("Authorization", "Bearer tok-root")
	resp, err := noFollow.Do(req)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("start: %v %v", resp, err)
	}
	q := env.consent(t, resp.Header.Get("Location"), oauthOtherOA)
	q.Del("oa_id")
	if code, _ := env.callback(t, q); code != http.StatusConflict {
		t.Fatalf("callback for another OA = %d, want 409", code)
	}
	var audit struct{ Entries []broadcast.AuditEntry }
	if code := admin.do(t, "root", "GET", "/admin/v1/audit", "", &audit); code != 200 {
		t.Fatalf("GET /admin/v1/audit = %d", code)
	}
	var got []string
	for _, e := range audit.Entries {
		got = append(got, strings.Join([]string{e.Officer, e.Role, e.Action, e.Account, e.Target, e.Result}, " "))
	}
	want := []string{ // newest first
		"root admin oauth.exchange ca-q1 222 wrong_oa",
		"root admin account.put ca-q2 222 ok",
	}
	if !cmp.Equal(got, want) {
		t.Errorf("GET /admin/v1/audit (-want +got):\n%s", cmp.Diff(want, got))
	}
}

// Without an audit log the onboarding routes work as before.
func TestOnboardingWithoutAuditLog(t *testing.T) {
	env := newOAuthEnv(t, func(o *OAuthOptions) { o.Audit = nil })
	if resp := env.do(t, "POST", "/admin/v1/oa/accounts", adminToken, `{"id":"ca-q2","oa_id":"222","app_id":"1","app_secret_key":"s"}`); resp.StatusCode != 201 {
		t.Errorf("put account without audit log = %d, want 201", resp.StatusCode)
	}
	q := env.consent(t, env.start(t, "ca-q1"), oauthOA)
	if code, body := env.callback(t, q); code != http.StatusOK {
		t.Errorf("callback without audit log = %d %s", code, body)
	}
}

// offlineTagger is a Tagger whose Zalo is refused or out of reach.
type offlineTagger struct{ fakeTagger }

func (o *offlineTagger) TagFollower(ctx context.Context, userID, tag string) error {
	if userID == "offline" {
		return &zalo.TransportError{Endpoint: "/v2.0/oa/tag/tagfollower", Err: errors.New("dial tcp: i/o timeout")}
	}
	return o.fakeTagger.TagFollower(ctx, userID, tag)
}

// The audit records the error code the API answered, from the one classification.
// issue 13 item 2: before, a tag refused by Zalo answered 502 zalo_error and was audited
// as "internal".
func TestAdminAuditRecordsTheAnsweredCode(t *testing.T) {
	ft := &offlineTagger{fakeTagger{tagged: map[string]bool{}}}
	e := newAdminEnv(t, func(o *AdminOptions) {
		o.Account = func(id string) (AdminAccount, bool) {
			return AdminAccount{OAID: "oa1", Tagger: ft}, id == "ca-q1"
		}
	})
	var plan broadcast.Plan
	if code := e.do(t, "cast1", "POST", "/admin/v1/campaigns/plan", planBody, &plan); code != 200 {
		t.Fatalf("plan: %d", code)
	}
	for _, tt := range []struct {
		name, officer, method, path, body string
		want                              int
		code                              string
	}{
		{"tag refused by Zalo", "edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/gone/tags/vip", "", 502, "zalo_error"},
		{"Zalo out of reach", "edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/offline/tags/vip", "", 502, "zalo_unreachable"},
		{"tag", "edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/u1/tags/vip", "", 200, "ok"},
		{"invalid plan", "cast1", "POST", "/admin/v1/campaigns/plan", `{"accounts":["ca-q1"],"segment":{"kind":"all"}}`, 422, "invalid"},
		{"create", "cast1", "POST", "/admin/v1/campaigns", `{"plan_id":"` + plan.ID + `"}`, 201, "ok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ae apiError
			code := e.do(t, tt.officer, tt.method, tt.path, tt.body, &ae)
			answered := ae.Error.Code
			if code < 300 {
				answered = "ok"
			}
			if code != tt.want || answered != tt.code {
				t.Fatalf("%s %s = %d %q, want %d %q", tt.method, tt.path, code, answered, tt.want, tt.code)
			}
			entries, err := e.audit.Recent(context.Background(), 1)
			if err != nil || len(entries) != 1 {
				t.Fatalf("audit: %v %v", entries, err)
			}
			if entries[0].Result != answered {
				t.Errorf("audit result %q, API answered %q", entries[0].Result, answered)
			}
		})
	}
}

// Every admin JSON body is read strictly: exactly one JSON value, no unknown field.
// issue 13 item 3: before, /admin/v1/oa/accounts took unknown fields and /admin/v1 read
// the first of two values.
func TestAdminJSONBodiesAreStrict(t *testing.T) {
	admin := newAdminEnv(t, nil)
	env := newOAuthEnv(t)
	const acct = `{"id":"ca-q2","oa_id":"222","app_id":"1","app_secret_key":"s"}`
	adminDo := func(path, body string) (int, string) {
		var ae apiError
		code := admin.do(t, "cast1", "POST", path, body, &ae)
		return code, ae.Error.Code + ": " + ae.Error.Message
	}
	oaDo := func(path, body string) (int, string) {
		resp := env.do(t, "POST", path, adminToken, body)
		var ae apiError
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &ae)
		return resp.StatusCode, ae.Error.Code + ": " + ae.Error.Message
	}
	for _, tt := range []struct {
		name, path, body string
		do               func(path, body string) (int, string)
		want             int
		message          string // a part of the error message
	}{
		{"account: unknown field", "/admin/v1/oa/accounts", `{"id":"ca-q2","oa_id":"222","app_id":"1","app_secret_key":"s","role":"admin"}`, oaDo, 400, `unknown field "role"`},
		{"account: second value", "/admin/v1/oa/accounts", acct + ` {"id":"ca-q9"}`, oaDo, 400, "after the first JSON value"},
		{"account: trailing garbage", "/admin/v1/oa/accounts", acct + `x`, oaDo, 400, "after the first JSON value"},
		{"account: empty", "/admin/v1/oa/accounts", ``, oaDo, 400, "empty body"},
		{"account: too large", "/admin/v1/oa/accounts", `{"name":"` + strings.Repeat("a", 20<<10) + `"}`, oaDo, 413, "too_large"},
		{"plan: second value", "/admin/v1/campaigns/plan", planBody + planBody, adminDo, 400, "after the first JSON value"},
		{"plan: unknown field", "/admin/v1/campaigns/plan", `{"acounts":["ca-q1"]}`, adminDo, 400, `unknown field "acounts"`},
		{"create: second value", "/admin/v1/campaigns", `{"plan_id":"a"}{"plan_id":"b"}`, adminDo, 400, "after the first JSON value"},
		{"create: array after", "/admin/v1/campaigns", `{"plan_id":"a"} []`, adminDo, 400, "after the first JSON value"},
		{"account: white space after", "/admin/v1/oa/accounts", acct + " \n\t ", oaDo, 201, ": "},
		{"plan: white space after", "/admin/v1/campaigns/plan", planBody + "\r\n", adminDo, 200, ": "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := tt.do(tt.path, tt.body)
			if code != tt.want || !strings.Contains(msg, tt.message) {
				t.Errorf("POST %s = %d %q, want %d with %q", tt.path, code, msg, tt.want, tt.message)
			}
			if tt.want == 400 && !strings.HasPrefix(msg, "bad_request: invalid JSON body: ") {
				t.Errorf("POST %s: error %q, want bad_request naming the problem", tt.path, msg)
			}
		})
	}
	if _, ok := env.dir.accs["ca-q9"]; ok {
		t.Error("the second value of a body was stored")
	}
}

func TestDecodeJSON(t *testing.T) {
	for _, tt := range []struct{ body, err string }{
		{`{"a":1}`, ""},
		{` {"a":1} ` + "\n", ""},
		{`{"a":1}{"a":2}`, "after the first JSON value"},
		{`{"a":1} 2`, "after the first JSON value"},
		{`{"a":1} }`, "after the first JSON value"},
		{`{"b":1}`, `unknown field "b"`},
		{``, "empty body"},
		{`{"a":`, "unexpected EOF"},
	} {
		var v struct{ A int }
		err := decodeJSON(strings.NewReader(tt.body), &v)
		if (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("decodeJSON(%q) = %v, want %q", tt.body, err, tt.err)
		}
	}
	big := httptest.NewRecorder()
	r := http.MaxBytesReader(big, io.NopCloser(strings.NewReader(`{"a":1}`+strings.Repeat(" ", 100)+"x")), 50)
	var v struct{ A int }
	var mbe *http.MaxBytesError
	if err := decodeJSON(r, &v); !errors.As(err, &mbe) {
		t.Errorf("decodeJSON over the cap = %v, want *http.MaxBytesError", err)
	}
}
