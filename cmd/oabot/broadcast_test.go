package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

// The CLI end to end: sync followers from the fake Zalo, mark some as recently active (as
// the conversation does), plan, confirm and deliver, report, label — with audit entries.
func TestBroadcastCLI(t *testing.T) {
	rdb, prefix := redistest.New(t)
	redisURL := redistest.URL(t)
	const oaID, token = "1234567890123456789", "access-cli"
	fake := zalotest.New()
	fake.AddOA(oaID, token)
	for i := range 120 {
		fake.AddUser(oaID, zalotest.User{UserID: fmt.Sprintf("9%018d", i), IsFollower: true})
	}
	zs := httptest.NewServer(fake)
	t.Cleanup(zs.Close)
	cfgPath := filepath.Join(t.TempDir(), "oabot.yaml")
	yaml := fmt.Sprintf(`
redis: {url: %q, key_prefix: %q}
zalo: {api_base: %q, oauth_base: %q}
broadcast: {rate_per_second: 50}
accounts:
  - id: ca-q1
    name: "Công an phường 1"
    oa_id: %q
    app_id: "1"
    oa_secret_key_env: CLI_OA_SECRET
    access_token_env: CLI_ACCESS
`, redisURL, prefix, zs.URL, zs.URL, oaID)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CLI_OA_SECRET": "s", "CLI_ACCESS": token, "USER": "officer-test"}
	cli := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		args = append(args, "--config", cfgPath)
		if err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb); err != nil {
			t.Fatalf("oabot %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}

	cli("followers", "sync", "--account", "ca-q1")
	reg, _ := redisstore.NewFollowerRegistry(rdb, prefix)
	for i := range 30 {
		if err := reg.Touch(context.Background(), oaID, fmt.Sprintf("9%018d", i), time.Now().Add(-time.Hour), nil); err != nil {
			t.Fatal(err)
		}
	}
	var counts broadcast.FollowerCounts
	if err := json.Unmarshal([]byte(cli("followers", "counts", "--account", "ca-q1", "--json")), &counts); err != nil {
		t.Fatal(err)
	}
	if counts.Followers != 120 || counts.InWindow != 30 {
		t.Fatalf("counts after sync = %+v, want 120 followers, 30 in window", counts)
	}

	human := cli("broadcast", "plan", "--account", "ca-q1", "--segment", "interacted:7", "--text", "x")
	if !strings.Contains(human, "ca-q1    30          30") || !strings.Contains(human, "rules:") {
		t.Errorf("plan output:\n%s", human)
	}
	var plan broadcast.Plan
	out := cli("broadcast", "plan", "--account", "ca-q1", "--text", "Lịch tiếp công dân tuần này", "--json",
		"--button", "Xem lịch|oa.query.hide|#LICH", "--procedure", "1.004222")
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("plan output %q: %v", out, err)
	}
	if plan.Recipients != 120 || plan.Reachable != 30 || plan.Unreachable[broadcast.ReasonNoInteraction] != 90 {
		t.Fatalf("plan = %d recipients, %d reachable, %v", plan.Recipients, plan.Reachable, plan.Unreachable)
	}
	out = cli("broadcast", "send", "--plan", plan.ID, "--wait")
	if !strings.Contains(out, "done: sent 30, failed 0, skipped 90") {
		t.Fatalf("send --wait output:\n%s", out)
	}
	// Each reached citizen gets the announcement, then the card of procedure 1.004222.
	sent := map[string][]zalo.Message{}
	for _, s := range fake.Sent() {
		sent[s.UserID] = append(sent[s.UserID], s.Message)
	}
	if len(sent) != 30 {
		t.Errorf("fake Zalo accepted messages for %d users, want 30", len(sent))
	}
	for u, ms := range sent {
		if len(ms) != 2 || ms[0].Text != "Lịch tiếp công dân tuần này" || !isCard(ms[1], "1.004222") {
			t.Errorf("user %s got %+v, want announcement then card", u, ms)
		}
	}
	rows, err := csv.NewReader(strings.NewReader(cli("broadcast", "report", "--id", plan.ID))).ReadAll()
	if err != nil || len(rows) != 121 {
		t.Fatalf("report: %d rows, %v", len(rows), err)
	}
	cli("followers", "label", "--account", "ca-q1", "--user", "9000000000000000001", "--name", "khu phố 2")

	audit, _ := redisstore.NewAuditLog(rdb, prefix, 0)
	entries, err := audit.Recent(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Officer+" "+e.Action+" "+e.Result)
	}
	want := "officer-test follower.label.add ok,officer-test campaign.create ok,officer-test campaign.plan ok,officer-test campaign.plan ok,officer-test followers.sync ok"
	if strings.Join(got, ",") != want {
		t.Errorf("audit = %v, want %s", got, want)
	}
}

// serve end to end: a signed follow event feeds the follower registry; an officer plans and
// confirms a campaign through /admin/v1 with a bearer token; serve's own runner delivers it.
func TestServeCampaignThroughAdminAPI(t *testing.T) {
	_, prefix := redistest.New(t)
	redisURL := redistest.URL(t)
	const oaID, appID, token, secret = "1234567890123456789", "3608465248940903967", "access-serve", "oa-secret"
	const user = "2468458835296197922"
	fake := zalotest.New()
	fake.AddOA(oaID, token)
	zs := httptest.NewServer(fake)
	t.Cleanup(zs.Close)
	cfgPath := filepath.Join(t.TempDir(), "oabot.yaml")
	yaml := fmt.Sprintf(`
http: {public_base_url: "https://bot.example.vn"}
redis: {url: %q, key_prefix: %q}
zalo: {api_base: %q, oauth_base: %q}
broadcast: {rate_per_second: 20}
posters: {token_env: POSTERS_TOKEN}
officers:
  - {name: lan, token_env: TOKEN_LAN, role: broadcaster, accounts: [ca-q1]}
  - {name: minh, token_env: TOKEN_MINH, role: broadcaster, accounts: [ca-q9]}
  - {name: vy, token_env: TOKEN_VY, role: viewer, accounts: [ca-q1]}
accounts:
  - id: ca-q1
    name: "Công an phường 1"
    oa_id: %q
    app_id: %q
    oa_secret_key_env: OA_SECRET
    access_token_env: ACCESS
  - id: ca-q9
    name: "Công an phường 9"
    oa_id: "999"
    app_id: %q
    oa_secret_key_env: OA_SECRET
    access_token_env: ACCESS
`, redisURL, prefix, zs.URL, zs.URL, oaID, appID, appID)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OA_SECRET": secret, "ACCESS": token, "TOKEN_LAN": "lan-secret-token", "TOKEN_MINH": "minh-secret-token",
		"TOKEN_VY": "vy-secret-token", "POSTERS_TOKEN": "posters-secret-token"}
	base, _ := mustRunMain(t, []string{"serve", "--config", cfgPath, "--addr", "127.0.0.1:0"}, env)

	// Posters: the posters token, or an officer token with the editor role or higher on
	// the account.
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"none", "", 401},
		{"posters token", "posters-secret-token", 200},
		{"broadcaster of ca-q1", "lan-secret-token", 200},
		{"broadcaster of another account", "minh-secret-token", 403},
		{"viewer of ca-q1", "vy-secret-token", 403},
	} {
		req, _ := http.NewRequest("GET", base+"/posters/ca-q1.html?codes=1.014061", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("posters, %s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}

	ts := fmt.Sprint(time.Now().UnixMilli())
	body := []byte(`{"app_id":"` + appID + `","oa_id":"` + oaID + `","event_name":"follow","timestamp":"` + ts +
		`","follower":{"id":"` + user + `"},"source":"oa_profile","user_id_by_app":"1"}`)
	if code, resp := postEvent(t, base+"/webhook", body, zalo.Sign(appID, body, ts, secret)); code != 200 {
		t.Fatalf("POST follow = %d %s", code, resp)
	}
	admin := func(tok, method, path, body string) (int, map[string]any) {
		return adminJSON(t, base, tok, method, path, body)
	}
	var plan map[string]any
	waitFor(t, 10*time.Second, "the follow in the registry", func() bool {
		code, p := admin("lan-secret-token", "POST", "/admin/v1/campaigns/plan",
			`{"accounts":["ca-q1"],"segment":{"kind":"all"},"text":"Thông báo: lịch tiếp dân thay đổi","procedure_code":"1.014061"}`)
		plan = p
		return code == 200 && p["reachable"] == 1.0
	})
	if code, _ := admin("minh-secret-token", "POST", "/admin/v1/campaigns", `{"plan_id":"`+plan["id"].(string)+`"}`); code != 403 {
		t.Errorf("officer of another account confirms: %d, want 403", code)
	}
	if code, out := admin("lan-secret-token", "POST", "/admin/v1/campaigns/plan",
		`{"accounts":["ca-q1"],"segment":{"kind":"all"},"text":"x","procedure_code":"9.999999"}`); code != 422 {
		t.Errorf("unknown procedure_code: %d %v, want 422", code, out)
	}
	// A citizen scans a poster QR of ca-q1; its officer sees the scan, the other officer not.
	req, _ := http.NewRequest("GET", base+"/q/ca-q1/1.014061?src=bang-tin", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14) Zalo")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("landing page: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if code, sc := admin("lan-secret-token", "GET", "/admin/v1/accounts/ca-q1/scans", ""); code != 200 ||
		fmt.Sprint(sc) != "map[by_procedure:map[1.014061:1] by_source:map[1.014061:map[bang-tin:1]]]" {
		t.Errorf("scans of ca-q1: %d %v", code, sc)
	}
	if code, _ := admin("minh-secret-token", "GET", "/admin/v1/accounts/ca-q1/scans", ""); code != 403 {
		t.Errorf("officer of another account reads scans: %d, want 403", code)
	}
	if code, _ := admin("wrong", "GET", "/admin/v1/campaigns", ""); code != 401 {
		t.Errorf("wrong token: %d, want 401", code)
	}
	code, camp := admin("lan-secret-token", "POST", "/admin/v1/campaigns", `{"plan_id":"`+plan["id"].(string)+`"}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, camp)
	}
	waitFor(t, 10*time.Second, "the campaign to be done", func() bool {
		_, c := admin("lan-secret-token", "GET", "/admin/v1/campaigns/"+camp["id"].(string), "")
		p, _ := c["progress"].(map[string]any)
		return p["status"] == "done" && p["sent"] == 1.0
	})
	// The announcement once, followed at once by the card of procedure 1.014061.
	n, card := 0, false
	got := fake.SentTo(oaID, user)
	for i, s := range got {
		if s.Message.Text == "Thông báo: lịch tiếp dân thay đổi" {
			n++
			card = i+1 < len(got) && isCard(got[i+1].Message, "1.014061")
		}
	}
	if n != 1 || !card {
		t.Errorf("the citizen got the announcement %d times (want 1), card after it: %v", n, card)
	}
}

// isCard tells whether m is the conversation's summary card of the procedure with code.
func isCard(m zalo.Message, code string) bool {
	if !strings.Contains(m.Text, code) || len(m.Buttons) == 0 {
		return false
	}
	for _, b := range m.Buttons {
		if b.Payload == "#TTHC "+code+" QR" {
			return true
		}
	}
	return false
}

// Which webhook events open the consultation window (zalo-oa.md §5.1) and feed the registry.
func TestInteraction(t *testing.T) {
	received := time.Now()
	tests := []struct {
		file        string
		interaction bool
		follower    string // "", "yes", "no"
	}{
		{"user_send_text.json", true, ""},
		{"user_send_image.json", true, ""},
		{"user_click_chatnow.json", true, ""},
		{"user_submit_info.json", true, ""},
		{"follow.json", true, "yes"},
		{"unfollow.json", true, "no"},
		{"user_received_message.json", false, ""},
		{"user_seen_message.json", false, ""},
		{"oa_send_text.json", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "zalo", "testdata", "events", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			ev, err := zalo.ParseEvent(raw)
			if err != nil {
				t.Fatal(err)
			}
			at, follower, ok := interaction(ev, received)
			if ok != tt.interaction {
				t.Fatalf("interaction = %v, want %v", ok, tt.interaction)
			}
			got := ""
			if follower != nil {
				got = map[bool]string{true: "yes", false: "no"}[*follower]
			}
			if got != tt.follower {
				t.Errorf("follower = %q, want %q", got, tt.follower)
			}
			if ok && tt.follower != "no" && (at.IsZero() || at.After(received)) {
				t.Errorf("at = %v, want a time not after receipt", at)
			}
		})
	}
}
