package main

// Production-kit tests of the running service (issue 9): metrics and OA onboarding end to
// end, and degradation (Redis down, Zalo API down) with nothing lost.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

const (
	opsAppID     = "3608465248940903967"
	opsOAID      = "1234567890123456789"
	opsOASecret  = "oa-secret-ops"
	opsAdmin     = "admin-token-ops"
	opsAppSecret = "app-secret-ops"
)

// opsService starts serve against redisURL/prefix and the fake Zalo API, with one account
// and an admin officer, and waits until /readyz is 200.
func opsService(t testing.TB, redisURL, prefix string, fake *zalotest.Server, extra string) string {
	t.Helper()
	base, _ := opsServiceLogs(t, redisURL, prefix, fake, extra)
	return base
}

// opsServiceLogs is opsService that also returns the service's log output.
func opsServiceLogs(t testing.TB, redisURL, prefix string, fake *zalotest.Server, extra string) (string, *syncBuffer) {
	t.Helper()
	redistest.Forget(t, redisURL, prefix) // a benchmark run leaves ~40,000 keys otherwise
	zs := httptest.NewServer(fake)
	t.Cleanup(zs.Close)
	fake.AddApp(opsAppID, opsAppSecret)
	pair := fake.IssuePair(opsAppID, opsOAID)
	cfgPath := filepath.Join(t.TempDir(), "oabot.yaml")
	yaml := fmt.Sprintf(`
http: {public_base_url: "https://bot.example.vn"}
redis: {url: %q, key_prefix: %q}
zalo: {api_base: %q, oauth_base: %q}
log: {level: warn}
accounts:
  - id: ca-q12
    name: "Công an quận 12"
    oa_id: %q
    app_id: %q
    oa_secret_key_env: OPS_OA_SECRET
    app_secret_key_env: OPS_APP_SECRET
    refresh_token_env: OPS_REFRESH
    access_token_env: OPS_ACCESS
officers:
  - {name: it-admin, role: admin, accounts: ["*"], token_env: OPS_ADMIN}
%s`, redisURL, prefix, zs.URL, zs.URL, opsOAID, opsAppID, extra)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OPS_OA_SECRET": opsOASecret, "OPS_APP_SECRET": opsAppSecret,
		"OPS_REFRESH": pair.RefreshToken, "OPS_ACCESS": pair.AccessToken, "OPS_ADMIN": opsAdmin}
	base, _, stderr := mustRunMainEnv(t, []string{"serve", "--config", cfgPath, "--addr", "127.0.0.1:0"}, env)
	waitFor(t, 10*time.Second, "/readyz 200", func() bool { return statusOf(base+"/readyz") == 200 })
	return base, stderr
}

func statusOf(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// citizenEvent builds a signed user_send_text from user with a unique msg_id.
func citizenEvent(user, msgID, text string) ([]byte, string) {
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	body := []byte(`{"app_id":"` + opsAppID + `","user_id_by_app":"5` + user + `","event_name":"user_send_text","timestamp":"` + ts +
		`","sender":{"id":"` + user + `"},"recipient":{"id":"` + opsOAID + `"},"message":{"msg_id":"` + msgID + `","text":"` + text + `"}}`)
	return body, zalo.Sign(opsAppID, body, ts, opsOASecret)
}

func post(u string, body []byte, sig string) int {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(zalo.SignatureHeader, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// scrape returns /metrics.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	return string(b)
}

// metricValue returns the value of the first series starting with prefix (name{labels…),
// or -1.
func metricValue(text, prefix string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// repliesTo counts accepted consultation messages per citizen.
func repliesTo(fake *zalotest.Server) map[string]int {
	out := map[string]int{}
	for _, s := range fake.Sent() {
		out[s.UserID]++
	}
	return out
}

func TestOpsMetricsAndOnboarding(t *testing.T) {
	_, prefix := redistest.New(t)
	fake := zalotest.New()
	base := opsService(t, redistest.URL(t), prefix, fake, "")

	body, sig := citizenEvent("2468458835296197922", "ops-1", "xin chao")
	if code := post(base+"/webhook", body, sig); code != 200 {
		t.Fatalf("POST /webhook = %d", code)
	}
	if code := post(base+"/webhook", body, zalo.Sign(opsAppID, body, "0", "wrong")); code != 401 {
		t.Fatalf("badly signed POST = %d", code)
	}
	waitFor(t, 10*time.Second, "a reply", func() bool { return len(fake.Sent()) > 0 })

	var m string
	waitFor(t, 5*time.Second, "job metrics", func() bool {
		m = scrape(t, base)
		return metricValue(m, `oabot_jobs_total{event="user_send_text",result="ok"}`) >= 1
	})
	for _, want := range []string{
		`oabot_webhook_requests_total{account="ca-q12",outcome="queued"}`,
		`oabot_webhook_requests_total{account="ca-q12",outcome="bad_signature"}`,
		`oabot_zalo_api_requests_total{code="0",endpoint="/v3.0/oa/message/cs"}`,
		`oabot_webhook_ack_seconds_count{outcome="queued"}`,
		`oabot_event_to_done_seconds_count`,
		`oabot_queue_stats_up`,
		`oabot_ready`,
		`oabot_token_expiry_seconds{account="ca-q12"}`,
	} {
		if v := metricValue(m, want); v < 1 {
			t.Errorf("/metrics %s = %v, want >= 1", want, v)
		}
	}
	if v := metricValue(m, `oabot_token_refresh_failing{account="ca-q12"}`); v != 0 {
		t.Errorf("oabot_token_refresh_failing = %v, want 0", v)
	}
	if !strings.Contains(m, `oabot_queue_lag{partition="0"}`) {
		t.Errorf("/metrics lacks per-partition queue lag")
	}

	// OA onboarding: an admin starts the consent, the OA admin accepts on (fake) Zalo, the
	// callback stores the new pair, the token view shows it.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u, token string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get(base+"/oauth/zalo/start?account=ca-q12", "not-the-admin"); resp.StatusCode != 401 {
		t.Fatalf("start with a wrong token = %d", resp.StatusCode)
	}
	resp := get(base+"/oauth/zalo/start?account=ca-q12", opsAdmin)
	consent, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || consent.Path != "/v4/oa/permission" || consent.Query().Get("code_challenge") == "" {
		t.Fatalf("start = %d Location %q", resp.StatusCode, consent)
	}
	q := consent.Query()
	q.Set("oa_id", opsOAID) // the OA the admin picks on Zalo's page
	consent.RawQuery = q.Encode()
	resp = get(consent.String(), "")
	cb, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || cb.Path != "/oauth/zalo/callback" || cb.Host != "bot.example.vn" {
		t.Fatalf("fake consent = %d Location %q", resp.StatusCode, cb)
	}
	before := time.Now()
	if resp = get(base+cb.RequestURI(), ""); resp.StatusCode != 200 {
		t.Fatalf("callback = %d", resp.StatusCode)
	}
	if resp = get(base+cb.RequestURI(), ""); resp.StatusCode != 400 {
		t.Errorf("replayed callback = %d, want 400", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/admin/v1/oa/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+opsAdmin)
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	view, _ := io.ReadAll(tr.Body)
	tr.Body.Close()
	if tr.StatusCode != 200 || !strings.Contains(string(view), `"status":"ok"`) || strings.Contains(string(view), "access_token") {
		t.Fatalf("token view = %d %s", tr.StatusCode, view)
	}
	// The new pair is used for the next reply: the fake accepts only current tokens of the OA.
	body, sig = citizenEvent("2468458835296197923", "ops-2", "xin chao")
	if code := post(base+"/webhook", body, sig); code != 200 {
		t.Fatalf("POST after onboarding = %d", code)
	}
	waitFor(t, 10*time.Second, "a reply with the new token", func() bool {
		return repliesTo(fake)["2468458835296197923"] > 0
	})
	waitFor(t, 5*time.Second, "exchange counted", func() bool {
		return metricValue(scrape(t, base), `oabot_token_refreshes_total{account="ca-q12",result="ok"}`) >= 1
	})
	rr, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ready, _ := io.ReadAll(rr.Body)
	rr.Body.Close()
	if rr.StatusCode != 200 || !strings.Contains(string(ready), `"tokens":{"ok":1}`) {
		t.Errorf("/readyz = %d %s, want ready with token health", rr.StatusCode, ready)
	}
	if !strings.Contains(string(view), before.UTC().Format("2006-01-02")) {
		t.Errorf("token view has no last refresh of today: %s", view)
	}
}

// aofRedis is a redis-server with AOF (fsync always) that a test can crash and restart
// with its data, like a production Redis (deploy/redis-ha.md).
type aofRedis struct {
	t    *testing.T
	port int
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func newAOFRedis(t *testing.T) *aofRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("OABOT_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not on PATH")
		}
		t.Skip("redis-server not on PATH")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &aofRedis{t: t, port: l.Addr().(*net.TCPAddr).Port, dir: t.TempDir()}
	l.Close()
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *aofRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *aofRedis) start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	waitFor(r.t, 5*time.Second, "redis-server", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// stop kills the server as a crash would.
func (r *aofRedis) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

// Redis down: webhooks answer 503 (Zalo retries), /readyz is not ready, the metrics say
// so; when Redis returns everything recovers by itself and every event is answered once.
func TestDegradeRedisDown(t *testing.T) {
	if testing.Short() {
		t.Skip("outage test; skipped with -short")
	}
	rd := newAOFRedis(t)
	fake := zalotest.New()
	base := opsService(t, rd.url(), "oabot:", fake, "queue: {partitions: 4, lease_ttl: 2s, claim_idle: 2s}\n")

	type ev struct {
		user string
		body []byte
		sig  string
	}
	var events []ev
	for i := range 6 {
		user := fmt.Sprintf("30000000000000000%02d", i)
		b, s := citizenEvent(user, fmt.Sprintf("rd-%d", i), "xin chao")
		events = append(events, ev{user, b, s})
	}
	for _, e := range events[:2] {
		if code := post(base+"/webhook", e.body, e.sig); code != 200 {
			t.Fatalf("POST before outage = %d", code)
		}
	}
	waitFor(t, 10*time.Second, "replies before the outage", func() bool { return len(repliesTo(fake)) == 2 })
	// Let the two jobs be acknowledged first: a Redis crash between the reply and its XACK
	// re-delivers the job (at least once) and the citizen would get the reply twice.
	waitFor(t, 10*time.Second, "an empty queue", func() bool { return backlog(scrape(t, base)) == 0 })

	rd.stop()
	for _, e := range events[2:4] {
		start := time.Now()
		if code := post(base+"/webhook", e.body, e.sig); code != 503 {
			t.Errorf("POST during outage = %d, want 503", code)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("503 took %v; Zalo waits about 2 s", d)
		}
	}
	waitFor(t, 5*time.Second, "/readyz 503", func() bool { return statusOf(base+"/readyz") == 503 })
	if statusOf(base+"/healthz") != 200 {
		t.Errorf("/healthz must stay 200 during a Redis outage (restarting pods does not help)")
	}
	m := scrape(t, base)
	if v := metricValue(m, `oabot_webhook_requests_total{account="",outcome="unavailable"}`); v < 2 {
		if v2 := metricValue(m, `oabot_webhook_requests_total{account="ca-q12",outcome="unavailable"}`); v2 < 2 {
			t.Errorf("unavailable webhooks counted %v/%v, want 2\n%s", v, v2, grepLines(m, "outcome=\"unavailable\""))
		}
	}
	if metricValue(m, "oabot_queue_stats_up") != 0 || metricValue(m, "oabot_ready") == 1 {
		t.Errorf("during the outage: queue_stats_up %v, ready %v", metricValue(m, "oabot_queue_stats_up"), metricValue(m, "oabot_ready"))
	}

	time.Sleep(time.Second)
	rd.start()
	waitFor(t, 20*time.Second, "/readyz 200 after Redis returned", func() bool { return statusOf(base+"/readyz") == 200 })
	// Zalo retries what got 503; new events flow again.
	for _, e := range events[2:] {
		if code := post(base+"/webhook", e.body, e.sig); code != 200 {
			t.Fatalf("POST after recovery = %d", code)
		}
	}
	waitFor(t, 30*time.Second, "every event answered", func() bool { return len(repliesTo(fake)) == len(events) })
	time.Sleep(3 * time.Second) // a redelivered duplicate would show by now
	for user, n := range repliesTo(fake) {
		if n != 1 {
			t.Errorf("citizen %s got %d replies, want 1", user, n)
		}
	}
}

// Zalo API down: jobs fail and back off, the queue grows and the metrics show it; when
// Zalo answers again every event is answered once, none dead-lettered.
func TestDegradeZaloDown(t *testing.T) {
	if testing.Short() {
		t.Skip("outage test; skipped with -short")
	}
	_, prefix := redistest.New(t)
	fake := zalotest.New()
	base := opsService(t, redistest.URL(t), prefix, fake, "queue: {partitions: 4, lease_ttl: 2s, max_deliveries: 8}\n")

	// Zalo (or the proxy in front of it) answers 502 to the next 24 sends.
	fake.FailNextHTTP(24, http.StatusBadGateway, "/v3.0/oa/message/cs")
	const n = 8
	for i := range n {
		b, s := citizenEvent(fmt.Sprintf("40000000000000000%02d", i), fmt.Sprintf("zd-%d", i), "xin chao")
		if code := post(base+"/webhook", b, s); code != 200 {
			t.Fatalf("POST = %d: webhooks must keep answering 200 while Zalo is down", code)
		}
	}
	var m string
	waitFor(t, 20*time.Second, "failures visible in the metrics", func() bool {
		m = scrape(t, base)
		return metricValue(m, `oabot_zalo_api_requests_total{code="http_502",endpoint="/v3.0/oa/message/cs"}`) >= 3 &&
			metricValue(m, `oabot_jobs_total{event="user_send_text",result="transient"}`) >= 1
	})
	if b := backlog(m); b < 1 {
		t.Errorf("queue backlog during the outage = %v, want > 0\n%s", b, grepLines(m, "oabot_queue_"))
	}
	waitFor(t, 60*time.Second, "every event answered after Zalo returned", func() bool { return len(repliesTo(fake)) == n })
	time.Sleep(time.Second)
	for user, c := range repliesTo(fake) {
		if c != 1 {
			t.Errorf("citizen %s got %d replies, want 1", user, c)
		}
	}
	m = scrape(t, base)
	if v := metricValue(m, `oabot_jobs_total{event="user_send_text",result="dead"}`); v > 0 {
		t.Errorf("%v jobs dead-lettered", v)
	}
}

// backlog sums the queue's lag, pending and parked entries over the partitions (-1 when the
// figures are missing).
func backlog(m string) float64 {
	total, seen := 0.0, false
	for _, line := range strings.Split(m, "\n") {
		if strings.HasPrefix(line, "oabot_queue_pending{") || strings.HasPrefix(line, "oabot_queue_lag{") ||
			strings.HasPrefix(line, "oabot_queue_parked{") {
			f, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			total, seen = total+f, true
		}
	}
	if !seen {
		return -1
	}
	return total
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The whole service (webhook, queue, conversation, tokens, follower registry, campaigns,
// accounts) on Redis Sentinel and on a three-node Redis Cluster, from one redis.url.
func TestServeOnSentinelAndCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several redis-server processes; skipped with -short")
	}
	setups := map[string]func(t *testing.T) string{
		"sentinel": func(t *testing.T) string { return redistest.Sentinel(t) },
		"cluster":  func(t *testing.T) string { return redistest.Cluster(t) },
	}
	for name, setup := range setups {
		t.Run(name, func(t *testing.T) {
			fake := zalotest.New()
			base := opsService(t, setup(t), "oabot:", fake, "queue: {partitions: 8, lease_ttl: 2s}\n")
			const n = 12
			for i := range n {
				b, s := citizenEvent(fmt.Sprintf("50000000000000000%02d", i), fmt.Sprintf("%s-%d", name, i), "xin chao")
				if code := post(base+"/webhook", b, s); code != 200 {
					t.Fatalf("POST %d = %d", i, code)
				}
				if code := post(base+"/webhook", b, s); code != 200 {
					t.Fatalf("duplicate POST %d = %d", i, code)
				}
			}
			waitFor(t, 20*time.Second, "every event answered", func() bool { return len(repliesTo(fake)) == n })
			time.Sleep(500 * time.Millisecond)
			for user, c := range repliesTo(fake) {
				if c != 1 {
					t.Errorf("citizen %s got %d replies, want 1", user, c)
				}
			}
			m := scrape(t, base)
			if metricValue(m, "oabot_queue_stats_up") != 1 || metricValue(m, "oabot_ready") != 1 {
				t.Errorf("queue_stats_up %v, ready %v", metricValue(m, "oabot_queue_stats_up"), metricValue(m, "oabot_ready"))
			}
		})
	}
}
