package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

// An account added through the admin API on replica A gets its QR/landing routes and its
// campaigns on replica B within the refresh interval, without a restart.
func TestRuntimeAccountQRAndCampaignsLive(t *testing.T) {
	const rtOA, rtAccount, user = "4000000000000000888", "ca-rt2", "4200000000000000888"
	r := newLiveReplicas(t, rtOA)
	fake, a, b := r.fake, r.a, r.b
	call := func(base, method, path, body string) (int, map[string]any) {
		return adminJSON(t, base, opsAdmin, method, path, body)
	}
	landing := "/q/" + rtAccount + "/1.014061"
	if code := statusOf(b + landing); code != 404 {
		t.Fatalf("GET %s before the account exists = %d, want 404", landing, code)
	}
	if code := statusOf(b + "/q/ca-q12/1.014061"); code != 200 {
		t.Fatalf("GET landing of the file account = %d, want 200", code)
	}
	if code, out := call(a, "POST", "/admin/v1/oa/accounts",
		`{"id":"`+rtAccount+`","name":"Runtime OA 2","oa_id":"`+rtOA+`","app_id":"`+opsAppID+`"}`); code/100 != 2 {
		t.Fatalf("add account: %d %v", code, out)
	}
	added := time.Now()
	if code := statusOf(a + landing); code != 200 {
		t.Errorf("replica A (took the admin call): GET %s = %d, want 200 at once", landing, code)
	}
	waitFor(t, accountsRefreshEvery+10*time.Second, "replica B's landing page of the new account", func() bool {
		return statusOf(b+landing) == 200
	})
	t.Logf("replica B serves %s %v after the account was added", landing, time.Since(added).Round(10*time.Millisecond))

	// The citizen follows the new OA (through B), then B plans and sends a campaign to it.
	waitFor(t, 5*time.Second, "replica B's webhook for the new account", func() bool {
		ms := fmt.Sprint(time.Now().UnixMilli())
		body := []byte(`{"app_id":"` + opsAppID + `","oa_id":"` + rtOA + `","event_name":"follow","timestamp":"` + ms +
			`","follower":{"id":"` + user + `"},"source":"oa_profile","user_id_by_app":"1"}`)
		code, resp := postEvent(t, b+"/webhook", body, zalo.Sign(opsAppID, body, ms, opsOASecret))
		return code == 200 && !strings.Contains(resp, "unknown_oa")
	})
	const text = "Thông báo: lịch tiếp dân của OA mới"
	var plan map[string]any
	waitFor(t, 10*time.Second, "a plan reaching the follower of the new account", func() bool {
		code, p := call(b, "POST", "/admin/v1/campaigns/plan",
			`{"accounts":["`+rtAccount+`"],"segment":{"kind":"all"},"text":"`+text+`"}`)
		plan = p
		return code == 200 && p["reachable"] == 1.0
	})
	code, camp := call(b, "POST", "/admin/v1/campaigns", `{"plan_id":"`+plan["id"].(string)+`"}`)
	if code != 201 {
		t.Fatalf("create campaign: %d %v", code, camp)
	}
	waitFor(t, 15*time.Second, "the campaign to be done", func() bool {
		_, c := call(b, "GET", "/admin/v1/campaigns/"+camp["id"].(string), "")
		p, _ := c["progress"].(map[string]any)
		return p["status"] == "done" && p["sent"] == 1.0
	})
	n := 0
	for _, s := range fake.SentTo(rtOA, user) {
		if s.Message.Text == text {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the follower of the new OA got the announcement %d times, want 1", n)
	}

	// Disabled: its landing page and its campaigns go away on B within the interval.
	if code, out := call(a, "POST", "/admin/v1/oa/accounts/"+rtAccount+"/disable", ""); code/100 != 2 {
		t.Fatalf("disable: %d %v", code, out)
	}
	waitFor(t, accountsRefreshEvery+10*time.Second, "replica B to drop the disabled account's landing page", func() bool {
		return statusOf(b+landing) == 404
	})
	if code, out := call(b, "POST", "/admin/v1/campaigns/plan",
		`{"accounts":["`+rtAccount+`"],"segment":{"kind":"all"},"text":"x"}`); code == 200 {
		t.Errorf("plan for the disabled account = %d %v, want a refusal", code, out)
	}
}

// An account added through the admin API on replica A gets the admin API's follower and
// tag routes on replica B within the refresh interval, without a restart: follower counts
// answer 200 (not 404 unknown_account) and a tag PUT reaches Zalo as that OA.
func TestRuntimeAccountFollowerAdminLive(t *testing.T) {
	const rtOA, rtAccount, user = "4000000000000000999", "ca-rt3", "4200000000000000999"
	r := newLiveReplicas(t, rtOA)
	fake, a, b := r.fake, r.a, r.b
	fake.AddUser(rtOA, zalotest.User{UserID: user, IsFollower: true})
	call := func(base, method, path, body string) (int, map[string]any) {
		return adminJSON(t, base, opsAdmin, method, path, body)
	}
	// Polls pace themselves: the admin API allows an officer 120 requests a minute
	// (burst 20) per replica, and waitFor retries every 20 ms.
	paced := func(ok bool) bool {
		if !ok {
			time.Sleep(500 * time.Millisecond)
		}
		return ok
	}
	errorCode := func(out map[string]any) any {
		e, _ := out["error"].(map[string]any)
		return e["code"]
	}
	followers := "/admin/v1/accounts/" + rtAccount + "/followers"
	if code, out := call(b, "GET", followers, ""); code != 404 || errorCode(out) != "unknown_account" {
		t.Fatalf("GET %s before the account exists = %d %v, want 404 unknown_account", followers, code, out)
	}
	if code, out := call(a, "POST", "/admin/v1/oa/accounts",
		`{"id":"`+rtAccount+`","name":"Runtime OA 3","oa_id":"`+rtOA+`","app_id":"`+opsAppID+`"}`); code/100 != 2 {
		t.Fatalf("add account: %d %v", code, out)
	}
	added := time.Now()
	if code, out := call(a, "GET", followers, ""); code != 200 {
		t.Errorf("replica A (took the admin call): GET %s = %d %v, want 200 at once", followers, code, out)
	}
	waitFor(t, accountsRefreshEvery+10*time.Second, "replica B's follower counts of the new account", func() bool {
		code, _ := call(b, "GET", followers, "")
		return paced(code == 200)
	})
	t.Logf("replica B answers %s %v after the account was added", followers, time.Since(added).Round(10*time.Millisecond))

	tag := followers + "/" + user + "/tags/vip"
	if code, out := call(b, "PUT", tag, ""); code != 200 {
		t.Fatalf("PUT %s on replica B = %d %v, want 200", tag, code, out)
	}
	var tagCalls int
	for _, c := range fake.Calls() {
		if c.Path == "/v2.0/oa/tag/tagfollower" && c.OAID == rtOA && c.UserID == user {
			tagCalls++
		}
	}
	if tagCalls != 1 {
		t.Errorf("tagfollower calls as the new OA for the follower = %d, want 1", tagCalls)
	}
	if got := fake.UserTags(rtOA, user); len(got) != 1 || got[0] != "vip" {
		t.Errorf("Zalo tags of the follower = %v, want [vip]", got)
	}
	if code, out := call(b, "GET", followers+"/"+user, ""); code != 200 || fmt.Sprint(out["tags"]) != "[vip]" {
		t.Errorf("GET follower marks on B = %d %v, want 200 with tags [vip]", code, out)
	}
	if code, out := call(b, "GET", "/admin/v1/accounts/"+rtAccount+"/tags", ""); code != 200 || fmt.Sprint(out["tags"]) != "[vip]" {
		t.Errorf("GET Zalo tags on B = %d %v, want 200 [vip]", code, out)
	}

	// Disabled: B answers 404 again within the interval, as campaigns and the webhook do.
	if code, out := call(a, "POST", "/admin/v1/oa/accounts/"+rtAccount+"/disable", ""); code/100 != 2 {
		t.Fatalf("disable: %d %v", code, out)
	}
	waitFor(t, accountsRefreshEvery+10*time.Second, "replica B to drop the disabled account's follower routes", func() bool {
		code, out := call(b, "GET", followers, "")
		return paced(code == 404 && errorCode(out) == "unknown_account")
	})
}
