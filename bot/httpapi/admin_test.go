package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
)

type adminEnv struct {
	h     http.Handler
	admin *Admin
	audit *redisstore.AuditLog
	reg   *redisstore.FollowerRegistry
}

func newAdminEnv(t *testing.T, tweak func(*AdminOptions)) *adminEnv {
	t.Helper()
	rdb, prefix := redistest.New(t)
	reg, _ := redisstore.NewFollowerRegistry(rdb, prefix)
	st, _ := redisstore.NewCampaignStore(rdb, prefix)
	audit, _ := redisstore.NewAuditLog(rdb, prefix, 0)
	accounts := map[string]broadcast.Account{"ca-q1": {ID: "ca-q1", OAID: "oa1"}, "ca-q2": {ID: "ca-q2", OAID: "oa2"}}
	svc, err := broadcast.New(broadcast.Deps{Store: st, Followers: reg, Accounts: accounts, RatePerSecond: 5})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	for _, u := range []string{"u1", "u2", "u3"} {
		if err := reg.Touch(context.Background(), "oa1", u, time.Now(), &yes); err != nil {
			t.Fatal(err)
		}
	}
	officer := func(name, role string, accounts ...string) Officer {
		r, err := ParseRole(role)
		if err != nil {
			t.Fatal(err)
		}
		return Officer{Name: name, TokenHash: sha256.Sum256([]byte("tok-" + name)), Role: r, Accounts: accounts}
	}
	o := AdminOptions{
		Officers: []Officer{
			officer("view1", "viewer", "ca-q1"),
			officer("edit1", "editor", "ca-q1"),
			officer("cast1", "broadcaster", "ca-q1"),
			officer("cast2", "broadcaster", "ca-q2"),
			officer("root", "admin", "*"),
		},
		Account:   fixedAccounts(map[string]string{"ca-q1": "oa1", "ca-q2": "oa2"}),
		Campaigns: svc, Followers: reg, Audit: audit,
	}
	if tweak != nil {
		tweak(&o)
	}
	a, err := NewAdmin(o)
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	a.Register(e)
	return &adminEnv{h: e, admin: a, audit: audit, reg: reg}
}

// do sends a request as officer ("" for none) and decodes a JSON answer into out.
func (e *adminEnv) do(t *testing.T, officer, method, path, body string, out any) int {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if officer != "" {
		req.Header.Set("Authorization", "Bearer tok-"+officer)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if out != nil && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, rec.Body.String(), err)
		}
	}
	return rec.Code
}

type apiError struct {
	Error struct{ Code, Message string } `json:"error"`
}

const planBody = `{"accounts":["ca-q1"],"segment":{"kind":"all"},"text":"Thông báo lịch tiếp dân"}`

func TestAdminAuth(t *testing.T) {
	e := newAdminEnv(t, nil)
	tests := []struct {
		name, officer, method, path, body string
		want                              int
		code                              string
	}{
		{"no token", "", "GET", "/admin/v1/campaigns", "", 401, "unauthorized"},
		{"wrong token", "intruder", "GET", "/admin/v1/campaigns", "", 401, "unauthorized"},
		{"viewer cannot plan", "view1", "POST", "/admin/v1/campaigns/plan", planBody, 403, "forbidden"},
		{"editor cannot plan", "edit1", "POST", "/admin/v1/campaigns/plan", planBody, 403, "forbidden"},
		{"other account cannot plan", "cast2", "POST", "/admin/v1/campaigns/plan", planBody, 403, "forbidden"},
		{"other account cannot count", "cast2", "GET", "/admin/v1/accounts/ca-q1/followers", "", 403, "forbidden"},
		{"viewer cannot label", "view1", "PUT", "/admin/v1/accounts/ca-q1/followers/u1/labels/kp3", "", 403, "forbidden"},
		{"broadcaster cannot read audit", "cast1", "GET", "/admin/v1/audit", "", 403, "forbidden"},
		{"bad json", "cast1", "POST", "/admin/v1/campaigns/plan", "{", 400, "bad_request"},
		{"unknown field", "cast1", "POST", "/admin/v1/campaigns/plan", `{"acounts":[]}`, 400, "bad_request"},
		{"too large", "cast1", "POST", "/admin/v1/campaigns/plan", `{"text":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "too_large"},
		{"invalid spec", "cast1", "POST", "/admin/v1/campaigns/plan", `{"accounts":["ca-q1"],"segment":{"kind":"all"}}`, 422, "invalid"},
		{"unknown campaign", "view1", "GET", "/admin/v1/campaigns/nope", "", 404, "not_found"},
		{"expired plan", "cast1", "POST", "/admin/v1/campaigns", `{"plan_id":"nope"}`, 404, "plan_expired"},
		{"no stats store", "view1", "GET", "/admin/v1/accounts/ca-q1/stats", "", 404, "not_available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got apiError
			if code := e.do(t, tt.officer, tt.method, tt.path, tt.body, &got); code != tt.want || got.Error.Code != tt.code {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, code, got.Error.Code, tt.want, tt.code)
			}
		})
	}
	// Refused requests change nothing, so the audit trail stays empty except for the
	// invalid plan, which was attempted.
	entries, err := e.audit.Recent(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "campaign.plan" || entries[0].Result != "invalid" {
		t.Errorf("audit = %+v, want one failed campaign.plan", entries)
	}
}

// nopQueue is an Enqueuer for servers whose webhook the test does not use.
type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, queue.Job) (bool, error) { return true, nil }

// Unknown /admin/v1/ paths and methods answer the admin API's JSON error shape with 404,
// with or without a token; other unknown paths keep gin's plain 404.
func TestAdminNotFound(t *testing.T) {
	e := newAdminEnv(t, nil)
	srv, err := New(Options{Queue: nopQueue{}, Routes: []Routes{e.admin}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ officer, method, path string }{
		{"view1", "GET", "/admin/v1/nope"},
		{"", "GET", "/admin/v1/campaigns/x/y/z"},
		{"root", "DELETE", "/admin/v1/me"},
		{"root", "POST", "/admin/v1/accounts/ca-q1/nothing"},
	} {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		if tt.officer != "" {
			req.Header.Set("Authorization", "Bearer tok-"+tt.officer)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		var got apiError
		if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
			json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Error.Code != "not_found" || got.Error.Message == "" {
			t.Errorf("%s %s = %d %q %s, want 404 JSON not_found", tt.method, tt.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
	// A known route still answers as before.
	req := httptest.NewRequest("GET", "/admin/v1/me", nil)
	req.Header.Set("Authorization", "Bearer tok-root")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("GET /admin/v1/me = %d, want 200", rec.Code)
	}
	rec = httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/elsewhere", nil))
	if rec.Code != 404 || strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("GET /elsewhere = %d %q, want gin's plain 404", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// Scan counts are read per account by a viewer of that account, and by nobody else.
func TestAdminScans(t *testing.T) {
	ctx := context.Background()
	scans := inmem.NewScans(0)
	for _, v := range []struct{ account, code, label string }{
		{"ca-q1", "1.004222", "bang-tin"}, {"ca-q1", "1.004222", ""}, {"ca-q1", "2.001159", "to-3"},
		{"ca-q2", "1.004222", "cong"},
	} {
		if err := scans.CountScan(ctx, v.account, v.code, v.label); err != nil {
			t.Fatal(err)
		}
	}
	e := newAdminEnv(t, func(o *AdminOptions) { o.Scans = scans })
	var got bot.ScanCounts
	if code := e.do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/scans", "", &got); code != 200 {
		t.Fatalf("viewer of ca-q1: %d", code)
	}
	want := bot.ScanCounts{
		ByProcedure: map[string]int64{"1.004222": 2, "2.001159": 1},
		BySource:    map[string]map[string]int64{"1.004222": {"bang-tin": 1}, "2.001159": {"to-3": 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scans of ca-q1 (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		officer, path string
		want          int
		code          string
	}{
		{"cast2", "/admin/v1/accounts/ca-q1/scans", 403, "forbidden"},
		{"view1", "/admin/v1/accounts/ca-q2/scans", 403, "forbidden"},
		{"", "/admin/v1/accounts/ca-q1/scans", 401, "unauthorized"},
		{"root", "/admin/v1/accounts/nope/scans", 404, "unknown_account"},
	} {
		var ae apiError
		if code := e.do(t, tt.officer, "GET", tt.path, "", &ae); code != tt.want || ae.Error.Code != tt.code {
			t.Errorf("%s GET %s = %d %q, want %d %q", tt.officer, tt.path, code, ae.Error.Code, tt.want, tt.code)
		}
	}
	var q2 bot.ScanCounts
	if code := e.do(t, "cast2", "GET", "/admin/v1/accounts/ca-q2/scans", "", &q2); code != 200 || q2.ByProcedure["1.004222"] != 1 || len(q2.ByProcedure) != 1 {
		t.Errorf("officer of ca-q2: %d %+v", code, q2)
	}
	var ae apiError
	if code := newAdminEnv(t, nil).do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/scans", "", &ae); code != 404 || ae.Error.Code != "not_available" {
		t.Errorf("without scan counters: %d %q, want 404 not_available", code, ae.Error.Code)
	}
}

func TestAdminCampaignFlowAndAudit(t *testing.T) {
	e := newAdminEnv(t, nil)
	var plan broadcast.Plan
	if code := e.do(t, "cast1", "POST", "/admin/v1/campaigns/plan", planBody, &plan); code != 200 {
		t.Fatalf("plan: %d", code)
	}
	if plan.Recipients != 3 || plan.Reachable != 3 || len(plan.Rules) == 0 {
		t.Fatalf("plan = %+v", plan)
	}
	// Only a broadcaster of ca-q1 can confirm it.
	if code := e.do(t, "cast2", "POST", "/admin/v1/campaigns", `{"plan_id":"`+plan.ID+`"}`, nil); code != 403 {
		t.Fatalf("create by another office's broadcaster: %d, want 403", code)
	}
	var view campaignView
	if code := e.do(t, "cast1", "POST", "/admin/v1/campaigns", `{"plan_id":"`+plan.ID+`"}`, &view); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if view.Progress.Status != broadcast.StatusRunning || view.Progress.Total != 3 {
		t.Fatalf("created = %+v", view)
	}
	id := view.ID
	for _, tt := range []struct {
		officer, method, path string
		want                  int
	}{
		{"view1", "GET", "/admin/v1/campaigns/" + id, 200},
		{"cast2", "GET", "/admin/v1/campaigns/" + id, 403},
		{"view1", "POST", "/admin/v1/campaigns/" + id + "/pause", 403},
		{"cast2", "POST", "/admin/v1/campaigns/" + id + "/pause", 403},
		{"cast1", "POST", "/admin/v1/campaigns/" + id + "/pause", 200},
		{"cast1", "POST", "/admin/v1/campaigns/" + id + "/pause", 409},
		{"cast1", "POST", "/admin/v1/campaigns/" + id + "/resume", 200},
		{"cast1", "POST", "/admin/v1/campaigns/" + id + "/cancel", 200},
		{"view1", "GET", "/admin/v1/campaigns/" + id + "/report.csv", 200},
		{"cast2", "GET", "/admin/v1/campaigns/" + id + "/report.csv", 403},
		{"edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/u1/labels/khu%20ph%E1%BB%91%203", 200},
		{"edit1", "DELETE", "/admin/v1/accounts/ca-q1/followers/u1/labels/khu%20ph%E1%BB%91%203", 200},
		{"edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/u2/labels/kp4", 200},
		{"edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/u2/tags/vip", 404}, // no Zalo tagger configured
	} {
		if code := e.do(t, tt.officer, tt.method, tt.path, "", nil); code != tt.want {
			t.Errorf("%s %s %s = %d, want %d", tt.officer, tt.method, tt.path, code, tt.want)
		}
	}
	var list struct{ Campaigns []campaignView }
	e.do(t, "cast2", "GET", "/admin/v1/campaigns", "", &list)
	if len(list.Campaigns) != 0 {
		t.Errorf("officer of ca-q2 sees %d campaigns of ca-q1", len(list.Campaigns))
	}
	e.do(t, "view1", "GET", "/admin/v1/campaigns", "", &list)
	if len(list.Campaigns) != 1 || list.Campaigns[0].Progress.Status != broadcast.StatusCancelled {
		t.Errorf("list = %+v", list.Campaigns)
	}
	var counts broadcast.FollowerCounts
	if code := e.do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/followers", "", &counts); code != 200 || counts.Followers != 3 || counts.Labels["kp4"] != 1 {
		t.Errorf("counts = %d %+v", code, counts)
	}

	// One audit entry per change, with who, what, when and from where.
	var audit struct{ Entries []broadcast.AuditEntry }
	if code := e.do(t, "root", "GET", "/admin/v1/audit", "", &audit); code != 200 {
		t.Fatalf("audit: %d", code)
	}
	var got []string
	for _, en := range audit.Entries {
		got = append(got, en.Officer+" "+en.Action+" "+en.Result)
		if en.Remote != "192.0.2.1:1234" || en.At.IsZero() || en.Role == "" {
			t.Errorf("audit entry without remote, time or role: %+v", en)
		}
	}
	want := []string{ // newest first
		"edit1 follower.label.add ok", "edit1 follower.label.remove ok", "edit1 follower.label.add ok",
		"cast1 campaign.cancel ok", "cast1 campaign.resume ok", "cast1 campaign.pause wrong_status",
		"cast1 campaign.pause ok", "cast1 campaign.create ok", "cast1 campaign.plan ok",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAdminRateLimit(t *testing.T) {
	now := time.Now()
	e := newAdminEnv(t, func(o *AdminOptions) {
		o.RatePerMinute, o.Burst = 1, 2
		o.Now = func() time.Time { return now }
	})
	for i, want := range []int{200, 200, 429} {
		if code := e.do(t, "view1", "GET", "/admin/v1/me", "", nil); code != want {
			t.Errorf("request %d = %d, want %d", i+1, code, want)
		}
	}
	// Another officer has a bucket of their own.
	if code := e.do(t, "cast1", "GET", "/admin/v1/me", "", nil); code != 200 {
		t.Errorf("other officer = %d, want 200", code)
	}
}

func TestAdminAuthFunc(t *testing.T) {
	e := newAdminEnv(t, nil)
	_ = e
	a, err := NewAdmin(AdminOptions{
		Officers:  []Officer{{Name: "root", TokenHash: sha256.Sum256([]byte("tok-root")), Role: RoleAdmin, Accounts: []string{"ca-q1"}}},
		Campaigns: &broadcast.Service{}, Followers: e.reg, Audit: e.audit, Account: fixedAccounts(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	auth := a.AuthFunc(RoleAdmin)
	req := httptest.NewRequest("GET", "/oauth/zalo/start", nil)
	req.Header.Set("Authorization", "Bearer tok-root")
	if name, ok := auth(req, "ca-q1"); !ok || name != "root" {
		t.Errorf("auth(ca-q1) = %q, %v", name, ok)
	}
	if _, ok := auth(req, "ca-q2"); ok {
		t.Error("admin of ca-q1 allowed on ca-q2")
	}
	if _, ok := auth(req, ""); ok {
		t.Error("admin of ca-q1 allowed on every account")
	}
}

type fakeTagger struct{ tagged map[string]bool }

func (f *fakeTagger) Tags(context.Context) ([]string, error) { return []string{"Phường 1"}, nil }

func (f *fakeTagger) TagFollower(_ context.Context, userID, tag string) error {
	if userID == "gone" {
		return &zalo.APIError{Code: -213, Message: "User has not followed OA", Endpoint: "/v2.0/oa/tag/tagfollower"}
	}
	f.tagged[userID+"/"+tag] = true
	return nil
}

func (f *fakeTagger) UntagFollower(_ context.Context, userID, tag string) error {
	delete(f.tagged, userID+"/"+tag)
	return nil
}

func TestAdminZaloTags(t *testing.T) {
	ft := &fakeTagger{tagged: map[string]bool{}}
	e := newAdminEnv(t, func(o *AdminOptions) {
		o.Account = func(id string) (AdminAccount, bool) {
			if id != "ca-q1" {
				return AdminAccount{}, false
			}
			return AdminAccount{OAID: "oa1", Tagger: ft}, true
		}
	})
	var tags struct{ Tags []string }
	if code := e.do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/tags", "", &tags); code != 200 || len(tags.Tags) != 1 {
		t.Errorf("tags = %d %v", code, tags)
	}
	if code := e.do(t, "edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/u1/tags/vip", "", nil); code != 200 || !ft.tagged["u1/vip"] {
		t.Errorf("tag = %d, tagged %v", code, ft.tagged)
	}
	var marks struct{ Tags, Labels []string }
	e.do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/followers/u1", "", &marks)
	if len(marks.Tags) != 1 || marks.Tags[0] != "vip" {
		t.Errorf("marks = %+v", marks)
	}
	var apiErr apiError
	if code := e.do(t, "edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/gone/tags/vip", "", &apiErr); code != 502 || apiErr.Error.Code != "zalo_error" {
		t.Errorf("tag refused by Zalo = %d %+v, want 502 zalo_error", code, apiErr)
	}
	if code := e.do(t, "edit1", "DELETE", "/admin/v1/accounts/ca-q1/followers/u1/tags/vip", "", nil); code != 200 || ft.tagged["u1/vip"] {
		t.Errorf("untag = %d, tagged %v", code, ft.tagged)
	}
}

// The per-account routes look the account up on every request: an account that appears
// later is served without a new Admin (and can be tagged), one that goes away answers 404.
func TestAdminAccountLookupPerRequest(t *testing.T) {
	ft := &fakeTagger{tagged: map[string]bool{}}
	var mu sync.Mutex
	live := map[string]AdminAccount{"ca-q2": {OAID: "oa2"}}
	e := newAdminEnv(t, func(o *AdminOptions) {
		o.Account = func(id string) (AdminAccount, bool) {
			mu.Lock()
			defer mu.Unlock()
			a, ok := live[id]
			return a, ok
		}
	})
	var apiErr apiError
	if code := e.do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/followers", "", &apiErr); code != 404 || apiErr.Error.Code != "unknown_account" {
		t.Fatalf("before the account exists: %d %+v, want 404 unknown_account", code, apiErr)
	}
	mu.Lock()
	live["ca-q1"] = AdminAccount{OAID: "oa1", Tagger: ft}
	mu.Unlock()
	var counts broadcast.FollowerCounts
	if code := e.do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/followers", "", &counts); code != 200 || counts.Followers != 3 {
		t.Errorf("after it was added: %d %+v, want 200 with its 3 followers", code, counts)
	}
	if code := e.do(t, "edit1", "PUT", "/admin/v1/accounts/ca-q1/followers/u1/tags/vip", "", nil); code != 200 || !ft.tagged["u1/vip"] {
		t.Errorf("tag after it was added = %d, tagged %v", code, ft.tagged)
	}
	// Role checks stay per account: the editor of ca-q1 has no right on ca-q2.
	if code := e.do(t, "edit1", "PUT", "/admin/v1/accounts/ca-q2/followers/u1/labels/x", "", nil); code != 403 {
		t.Errorf("editor of ca-q1 on ca-q2 = %d, want 403", code)
	}
	// An account without a tagger keeps its labels but cannot be tagged.
	if code := e.do(t, "root", "PUT", "/admin/v1/accounts/ca-q2/followers/u1/tags/vip", "", &apiErr); code != 404 || apiErr.Error.Code != "not_available" {
		t.Errorf("tag without a tagger = %d %+v, want 404 not_available", code, apiErr)
	}
	mu.Lock()
	delete(live, "ca-q1")
	mu.Unlock()
	if code := e.do(t, "view1", "GET", "/admin/v1/accounts/ca-q1/followers", "", &apiErr); code != 404 || apiErr.Error.Code != "unknown_account" {
		t.Errorf("after it went away: %d %+v, want 404 unknown_account", code, apiErr)
	}
}

// fixedAccounts is an account lookup over a fixed id → OA id set (no tagging).
func fixedAccounts(oaIDs map[string]string) func(string) (AdminAccount, bool) {
	return func(id string) (AdminAccount, bool) {
		oaID, ok := oaIDs[id]
		return AdminAccount{OAID: oaID}, ok
	}
}
