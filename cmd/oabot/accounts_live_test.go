package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

// A runtime account added through the admin API on replica A is served by replica B within
// the refresh interval, without a restart; once disabled, B answers 200 unknown_oa and
// does not process its events.
func TestRuntimeAccountAppliesLive(t *testing.T) {
	const rtOA, rtAccount = "4000000000000000777", "ca-rt"
	r := newLiveReplicas(t, rtOA)
	rdb, prefix, fake, a, b := r.rdb, r.prefix, r.fake, r.a, r.b
	n := 0
	send := func(base string) string {
		n++
		user := fmt.Sprintf("42000000000000000%02d", n)
		ms := strconv.FormatInt(time.Now().UnixMilli(), 10)
		body := []byte(`{"app_id":"` + opsAppID + `","user_id_by_app":"5` + user + `","event_name":"user_send_text","timestamp":"` + ms +
			`","sender":{"id":"` + user + `"},"recipient":{"id":"` + rtOA + `"},"message":{"msg_id":"rt-` + strconv.Itoa(n) + `","text":"xin chao"}}`)
		req, _ := http.NewRequest(http.MethodPost, base+"/webhook", strings.NewReader(string(body)))
		req.Header.Set(zalo.SignatureHeader, zalo.Sign(opsAppID, body, ms, opsOASecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("POST /webhook = %d %s", resp.StatusCode, out)
		}
		return user + " " + string(out)
	}
	admin := func(path, body string) string {
		req, _ := http.NewRequest(http.MethodPost, a+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+opsAdmin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST %s = %d %s", path, resp.StatusCode, out)
		}
		return string(out)
	}

	if got := send(b); !strings.Contains(got, "unknown_oa") {
		t.Fatalf("before the account exists: %s", got)
	}
	out := admin("/admin/v1/oa/accounts", `{"id":"`+rtAccount+`","name":"Runtime OA","oa_id":"`+rtOA+`","app_id":"`+opsAppID+`"}`)
	if !strings.Contains(out, "no restart needed") {
		t.Errorf("admin answer does not say it applies without restart: %s", out)
	}
	added := time.Now()
	if got := send(a); !strings.Contains(got, `"queued"`) {
		t.Errorf("replica A (took the admin call) does not serve the account at once: %s", got)
	}
	var user string
	for {
		got := send(b)
		if strings.Contains(got, `"queued"`) {
			user = strings.Fields(got)[0]
			break
		}
		if time.Since(added) > accountsRefreshEvery+10*time.Second {
			t.Fatalf("replica B still answers %s %v after the account was added", got, time.Since(added))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("replica B serves the new account %v after it was added", time.Since(added).Round(10*time.Millisecond))
	waitFor(t, 10*time.Second, "the reply to the runtime account's citizen", func() bool { return repliesTo(fake)[user] > 0 })
	for _, s := range fake.Sent() {
		if s.UserID == user && s.OAID != rtOA {
			t.Errorf("reply sent as OA %s, want %s", s.OAID, rtOA)
		}
	}

	admin("/admin/v1/oa/accounts/"+rtAccount+"/disable", "")
	disabled := time.Now()
	for {
		got := send(b)
		if strings.Contains(got, "unknown_oa") {
			break
		}
		if time.Since(disabled) > accountsRefreshEvery+10*time.Second {
			t.Fatalf("replica B still answers %s %v after the account was disabled", got, time.Since(disabled))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("replica B drops the disabled account %v after the call", time.Since(disabled).Round(10*time.Millisecond))
	if got := send(a); !strings.Contains(got, "unknown_oa") {
		t.Errorf("replica A after disabling: %s", got)
	}

	// The file stays authoritative: a runtime record written straight into Redis with a
	// file account's oa_id (the admin API refuses it) never replaces that account's secret.
	accs, err := redisstore.NewAccounts(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accs.Put(context.Background(), redisstore.RuntimeAccount{ID: "rogue", Name: "x", OAID: opsOAID,
		AppID: opsAppID, OASecretKey: "rogue-secret", AppSecretKey: "rogue-app"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(accountsRefreshEvery + time.Second)
	body, _ := citizenEvent("4300000000000000001", "rogue-1", "xin chao")
	var env struct{ Timestamp string }
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if code := post(b+"/webhook", body, zalo.Sign(opsAppID, body, env.Timestamp, "rogue-secret")); code != 401 {
		t.Errorf("event signed with the rogue record's secret = %d, want 401", code)
	}
	good, sig := citizenEvent("4300000000000000002", "rogue-2", "xin chao")
	if code := post(b+"/webhook", good, sig); code != 200 {
		t.Errorf("event signed with the file secret = %d, want 200", code)
	}
}

// liveReplicas are two replicas (a, b) on one Redis with the fake Zalo API, and a token
// pair stored for a runtime OA — what OAuth onboarding leaves behind — so the tests can add
// an account for that OA through the admin API and watch it apply without a restart.
type liveReplicas struct {
	rdb    *redis.Client
	prefix string
	fake   *zalotest.Server
	a, b   string
}

func newLiveReplicas(t *testing.T, oaID string) liveReplicas {
	t.Helper()
	rdb, prefix := redistest.New(t)
	fake := zalotest.New()
	r := liveReplicas{rdb: rdb, prefix: prefix, fake: fake,
		a: opsService(t, redistest.URL(t), prefix, fake, ""),
		b: opsService(t, redistest.URL(t), prefix, fake, "")}
	ts, err := redisstore.NewTokenStore(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Save(context.Background(), oaID, fake.IssuePair(opsAppID, oaID)); err != nil {
		t.Fatal(err)
	}
	return r
}

// Two runtime accounts with one oa_id: the second is refused with 409 (it was accepted with
// 201, after which every refresh failed and all later account changes silently stopped
// applying, surviving restarts). A conflicting record already in Redis — written before
// the check existed — is left out and reported, and later changes still apply on every
// replica.
func TestRuntimeAccountConflictRefusedAndNeverFreezes(t *testing.T) {
	const rtOA = "4000000000000000888"
	r := newLiveReplicas(t, rtOA)
	call := func(base, path, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+opsAdmin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	account := func(id string) string {
		return `{"id":"` + id + `","name":"` + id + `","oa_id":"` + rtOA + `","app_id":"` + opsAppID + `"}`
	}
	if code, out := call(r.a, "/admin/v1/oa/accounts", account("ca-x")); code != http.StatusCreated {
		t.Fatalf("first account = %d %s", code, out)
	}
	if code, out := call(r.b, "/admin/v1/oa/accounts", account("ca-y")); code != http.StatusConflict || !strings.Contains(out, "ca-x") {
		t.Fatalf("second account with the same oa_id = %d %s, want 409 naming ca-x", code, out)
	}
	if code, out := call(r.a, "/admin/v1/oa/accounts", `{"id":"ca-z","name":"z","oa_id":"`+opsOAID+`","app_id":"`+opsAppID+`"}`); code != http.StatusConflict {
		t.Fatalf("runtime account with a file account's oa_id = %d %s, want 409", code, out)
	}
	// A record that an older release accepted: same OA, another id, created later.
	dup, _ := json.Marshal(map[string]any{"id": "ca-dup", "name": "dup", "oa_id": rtOA, "app_id": opsAppID,
		"created_at": time.Now().Add(time.Minute)})
	if err := r.rdb.HSet(context.Background(), r.prefix+"accounts", "ca-dup", dup, "ca-junk", "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	served := func(base string) bool {
		body, _ := citizenEvent("4300000000000000009", fmt.Sprintf("dup-%d", time.Now().UnixNano()), "xin chao")
		var env struct{ Timestamp string }
		_ = json.Unmarshal(body, &env)
		body = []byte(strings.ReplaceAll(string(body), opsOAID, rtOA))
		req, _ := http.NewRequest(http.MethodPost, base+"/webhook", strings.NewReader(string(body)))
		req.Header.Set(zalo.SignatureHeader, zalo.Sign(opsAppID, body, env.Timestamp, opsOASecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200 && strings.Contains(string(out), `"queued"`)
	}
	waitFor(t, accountsRefreshEvery+10*time.Second, "replica B to serve ca-x", func() bool { return served(r.b) })
	if code, out := call(r.a, "/admin/v1/oa/accounts/ca-x/disable", ""); code != http.StatusOK {
		t.Fatalf("disable = %d %s", code, out)
	}
	// The disabled account's OA is not handed to the conflicting record: both replicas stop
	// serving it, which needs every refresh to go on working despite the bad records.
	waitFor(t, accountsRefreshEvery+10*time.Second, "replica B to drop the disabled account", func() bool { return !served(r.b) })
	if served(r.a) {
		t.Error("replica A still serves the disabled account")
	}
}
