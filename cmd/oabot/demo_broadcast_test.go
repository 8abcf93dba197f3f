package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var demoTokenRE = regexp.MustCompile(`Authorization: Bearer (demo-[0-9a-f]+)`)

// adminCall calls the admin API with the bearer token and decodes the JSON answer into out.
func adminCall(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// adminJSON is adminCall with a JSON text body ("" for none) and the answer as a map.
func adminJSON(t *testing.T, base, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	var in any
	if body != "" {
		in = json.RawMessage(body)
	}
	var out map[string]any
	code := adminCall(t, method, base+path, token, in, &out)
	return code, out
}

// TestDemoBroadcast: in demo mode an officer sends an announcement with the token printed at
// start, over the real admin API; the campaign goes through broadcast.Service and Runner on
// the in-memory stores and reaches, through the fake Zalo API, the citizen who followed —
// and only that citizen.
func TestDemoBroadcast(t *testing.T) {
	base, stdout, stderr := mustRunMainEnv(t, []string{"--addr", "127.0.0.1:0"}, nil)
	m := demoTokenRE.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no officer token in the demo output:\n%s", stdout)
	}
	token := m[1]

	if code := adminCall(t, http.MethodGet, base+"/admin/v1/campaigns", "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("admin API without a token = %d, want 401", code)
	}
	if code := adminCall(t, http.MethodGet, base+"/admin/v1/campaigns", "demo-"+strings.Repeat("0", 48), nil, nil); code != http.StatusUnauthorized {
		t.Errorf("admin API with a wrong token = %d, want 401", code)
	}

	// A citizen follows the first demo OA (through the emulator, which signs like Zalo and
	// posts to the real webhook); another only follows the second OA.
	const citizen, other = "4000000000000000001", "4000000000000000002"
	for _, ev := range []map[string]string{
		{"account": "ca-demo", "user": citizen, "kind": "follow"},
		{"account": "ubnd-demo", "user": other, "kind": "follow"},
	} {
		var res struct {
			Status int    `json:"status"`
			Error  string `json:"error"`
		}
		if code := adminCall(t, http.MethodPost, base+"/emulator/api/event", "", ev, &res); code != 200 || res.Status != 200 || res.Error != "" {
			t.Fatalf("emulator event %v = %d %+v", ev, code, res)
		}
	}

	text := "Thông báo: từ 01/12 phường tiếp nhận hồ sơ căn cước cả sáng thứ Bảy."
	spec := map[string]any{"accounts": []string{"ca-demo"}, "segment": map[string]any{"kind": "all"}, "text": text}
	var plan struct {
		ID         string `json:"id"`
		Recipients int    `json:"recipients"`
		Reachable  int    `json:"reachable"`
	}
	// The follow is recorded when the queue handles the event: plan until it shows.
	waitFor(t, 10*time.Second, "the follower in the plan", func() bool {
		if code := adminCall(t, http.MethodPost, base+"/admin/v1/campaigns/plan", token, spec, &plan); code != 200 {
			t.Fatalf("plan = %d %+v", code, plan)
		}
		return plan.Reachable == 1
	})
	if plan.Recipients != 1 {
		t.Fatalf("plan = %+v, want 1 recipient (the other citizen follows the other OA)", plan)
	}
	var created struct {
		ID       string `json:"id"`
		Progress struct {
			Status string `json:"status"`
			Total  int    `json:"total"`
		} `json:"progress"`
	}
	if code := adminCall(t, http.MethodPost, base+"/admin/v1/campaigns", token, map[string]string{"plan_id": plan.ID}, &created); code != http.StatusCreated || created.Progress.Total != 1 {
		t.Fatalf("create = %d %+v", code, created)
	}
	var status struct {
		Progress struct {
			Status  string `json:"status"`
			Sent    int    `json:"sent"`
			Failed  int    `json:"failed"`
			Unknown int    `json:"unknown"`
		} `json:"progress"`
	}
	waitFor(t, 15*time.Second, "the campaign to finish", func() bool {
		adminCall(t, http.MethodGet, base+"/admin/v1/campaigns/"+created.ID, token, nil, &status)
		return status.Progress.Status == "done"
	})
	if p := status.Progress; p.Sent != 1 || p.Failed != 0 || p.Unknown != 0 {
		t.Fatalf("progress = %+v, want sent 1", p)
	}

	// The fake Zalo API received the announcement for the follower (as the emulator reads it).
	messages := func(account, user string) string {
		var ms []struct {
			Text    string `json:"text"`
			Refused string `json:"refused"`
		}
		adminCall(t, http.MethodGet, base+"/emulator/api/messages?account="+account+"&user="+user+"&after=0", "", nil, &ms)
		var texts []string
		for _, m := range ms {
			if m.Refused != "" {
				t.Errorf("the fake Zalo API refused a message to %s: %s", user, m.Refused)
			}
			texts = append(texts, m.Text)
		}
		return strings.Join(texts, "\n---\n")
	}
	if got := messages("ca-demo", citizen); !strings.Contains(got, text) {
		t.Errorf("messages to the follower:\n%s\nwant the announcement", got)
	}
	if got := messages("ubnd-demo", other); strings.Contains(got, text) {
		t.Errorf("the citizen of the other OA got the announcement")
	}
	if strings.Contains(stderr.String(), token) {
		t.Error("the officer token appears in the log")
	}
	if strings.Contains(stderr.String(), "phường tiếp nhận") {
		t.Error("the announcement text appears in the log")
	}
}
