package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
)

const (
	testOA     = "388613280878808645"
	testApp    = "3608465248940903967"
	testSecret = "oa-secret-for-tests"
)

var msgSeq atomic.Int64

// textEvent returns a user_send_text body with a fresh msg_id, sent at ts.
func textEvent(oaID, userID string, ts time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"app_id": testApp, "user_id_by_app": "552177279717587730", "event_name": "user_send_text",
		"timestamp": strconv.FormatInt(ts.UnixMilli(), 10),
		"sender":    map[string]string{"id": userID}, "recipient": map[string]string{"id": oaID},
		"message": map[string]string{"msg_id": fmt.Sprintf("msg%d", msgSeq.Add(1)), "text": "thu tuc cap CCCD"},
	})
	return b
}

func sign(body []byte, secret string) string {
	var env struct{ AppID, Timestamp string }
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	env.AppID, _ = m["app_id"].(string)
	env.Timestamp, _ = m["timestamp"].(string)
	return zalo.Sign(env.AppID, body, env.Timestamp, secret)
}

type fixture struct {
	srv      *httptest.Server
	api      *httpapi.Server
	q        *redisstore.Queue
	counters *httpapi.Counters
}

func newFixture(t testing.TB, rdb redis.UniversalClient, prefix string, wrap func(queue.Enqueuer) queue.Enqueuer) *fixture {
	t.Helper()
	q, err := redisstore.NewQueue(rdb, redisstore.QueueOptions{Prefix: prefix, Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	var enq queue.Enqueuer = q
	if wrap != nil {
		enq = wrap(q)
	}
	counters := &httpapi.Counters{}
	logger := zap.NewNop() // benchmarks measure the path, not the test log
	if tt, ok := t.(*testing.T); ok {
		logger = zaptest.NewLogger(tt)
	}
	api, err := httpapi.New(httpapi.Options{
		Logger:   logger,
		Accounts: []httpapi.Account{{ID: "ca-q12", OAID: testOA, OASecretKey: testSecret}, {ID: "ubnd", OAID: "999", OASecretKey: "other"}},
		Queue:    enq, Observer: counters, EnqueueTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, api: api, q: q, counters: counters}
}

func (f *fixture) post(t testing.TB, path string, body []byte, sig string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(zalo.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (f *fixture) backlog(t testing.TB) int64 {
	t.Helper()
	n, err := f.q.Backlog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookBranches(t *testing.T) {
	rdb, prefix := redistest.New(t)
	f := newFixture(t, rdb, prefix, nil)
	now := time.Now()
	good := textEvent(testOA, "2468458835296197922", now)
	stale := textEvent(testOA, "2468458835296197922", now.Add(-4*time.Hour))
	unknown := textEvent("111", "2468458835296197922", now)
	huge := append(append([]byte(`{"event_name":"user_send_text","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...), `"}`...)

	tests := []struct {
		name        string
		path        string
		body        []byte
		sig         string
		wantCode    int
		wantOutcome httpapi.Outcome
		wantBacklog int64
	}{
		{"valid event is stored", "/webhook", good, sign(good, testSecret), 200, httpapi.OutcomeQueued, 1},
		{"retry of the same event is not stored again", "/webhook", good, sign(good, testSecret), 200, httpapi.OutcomeDuplicate, 1},
		{"missing signature", "/webhook", textEvent(testOA, "u", now), "", 401, httpapi.OutcomeBadSignature, 1},
		{"malformed signature", "/webhook", textEvent(testOA, "u", now), "mac=zz", 401, httpapi.OutcomeBadSignature, 1},
		{"wrong secret", "/webhook", textEvent(testOA, "u", now), sign(textEvent(testOA, "u", now), "nope"), 401, httpapi.OutcomeBadSignature, 1},
		{"unknown OA", "/webhook", unknown, sign(unknown, testSecret), 200, httpapi.OutcomeUnknownOA, 1},
		{"account in URL does not match the OA", "/webhook/ubnd", good, sign(good, testSecret), 200, httpapi.OutcomeUnknownOA, 1},
		{"malformed JSON", "/webhook", []byte(`{"event_name":`), "mac=00", 400, httpapi.OutcomeMalformed, 1},
		{"not an event", "/webhook", []byte(`[1,2]`), "", 400, httpapi.OutcomeMalformed, 1},
		{"body over 1 MiB", "/webhook", huge, "", 413, httpapi.OutcomeTooLarge, 1},
		{"event older than max_event_age", "/webhook", stale, sign(stale, testSecret), 200, httpapi.OutcomeStale, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.counters.Count(tt.wantOutcome)
			code, body := f.post(t, tt.path, tt.body, tt.sig)
			if code != tt.wantCode {
				t.Errorf("POST %s = %d %s, want %d", tt.path, code, body, tt.wantCode)
			}
			if got := f.counters.Count(tt.wantOutcome) - before; got != 1 {
				t.Errorf("outcome %s counted %d times, want 1 (body %s)", tt.wantOutcome, got, body)
			}
			if n := f.backlog(t); n != tt.wantBacklog {
				t.Errorf("stored events = %d, want %d", n, tt.wantBacklog)
			}
		})
	}

	t.Run("account in URL matches", func(t *testing.T) {
		ev := textEvent(testOA, "u2", now)
		if code, body := f.post(t, "/webhook/ca-q12", ev, sign(ev, testSecret)); code != 200 || !strings.Contains(body, "queued") {
			t.Errorf("POST /webhook/ca-q12 = %d %s, want 200 queued", code, body)
		}
		if n := f.backlog(t); n != 2 {
			t.Errorf("stored events = %d, want 2", n)
		}
	})
	t.Run("draining", func(t *testing.T) {
		f.api.Drain()
		ev := textEvent(testOA, "u3", now)
		if code, _ := f.post(t, "/webhook", ev, sign(ev, testSecret)); code != 503 {
			t.Errorf("POST while draining = %d, want 503", code)
		}
		if n := f.backlog(t); n != 2 {
			t.Errorf("stored events = %d, want 2", n)
		}
		resp, err := http.Get(f.srv.URL + "/readyz")
		if err != nil || resp.StatusCode != 503 {
			t.Errorf("/readyz while draining = %v, %v; want 503", resp, err)
		}
	})
}

// stopBeforeEnqueue stops the Redis server at the moment the webhook stores the event.
type stopBeforeEnqueue struct {
	next queue.Enqueuer
	srv  *redistest.Server
	once atomic.Bool
}

func (s *stopBeforeEnqueue) Enqueue(ctx context.Context, job queue.Job) (bool, error) {
	if s.once.CompareAndSwap(false, true) {
		s.srv.Stop()
	}
	return s.next.Enqueue(ctx, job)
}

func TestWebhookRedisDownAtAck(t *testing.T) {
	srv := redistest.NewServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	f := newFixture(t, rdb, "t:", func(q queue.Enqueuer) queue.Enqueuer { return &stopBeforeEnqueue{next: q, srv: srv} })
	ev := textEvent(testOA, "2468458835296197922", time.Now())
	start := time.Now()
	if code, body := f.post(t, "/webhook", ev, sign(ev, testSecret)); code != 503 {
		t.Fatalf("POST with Redis stopped at ack = %d %s, want 503", code, body)
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("503 took %v; Zalo gives up after about 2 s", took)
	}
	srv.Start()
	var code int
	var body string
	// Zalo retries until it gets a 200; the pool reconnects on first use.
	waitFor(t, "a 200 once Redis is back", func() bool {
		if code, body = f.post(t, "/webhook", ev, sign(ev, testSecret)); code != 200 {
			t.Logf("retry after restart = %d %s", code, body)
		}
		return code == 200
	})
	if !strings.Contains(body, "queued") {
		t.Fatalf("Zalo's retry after restart = %d %s, want 200 queued (not duplicate: nothing was marked seen)", code, body)
	}
	if n := f.backlog(t); n != 1 {
		t.Errorf("stored events = %d, want 1", n)
	}
}

func TestHealth(t *testing.T) {
	rdb, prefix := redistest.New(t)
	f := newFixture(t, rdb, prefix, nil)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil || resp.StatusCode != want {
			t.Errorf("GET %s = %v, %v; want %d", path, resp, err, want)
		}
	}
	api, _ := httpapi.New(httpapi.Options{Queue: f.q, Ready: func(context.Context) error { return fmt.Errorf("consumers not running") }})
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "consumers not running") {
		t.Errorf("/readyz when not ready = %d %s", rec.Code, rec.Body)
	}
}

// waitFor polls cond until it holds, failing the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// benchLatency posts n requests built by next and reports p50/p99 latency.
func benchLatency(b *testing.B, url string, next func(i int) ([]byte, string)) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	lat := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		body, sig := next(i)
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set(zalo.SignatureHeader, sig)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

// BenchmarkWebhookAck measures the full ack path (read, parse, verify, Lua dedupe+XADD on
// real Redis, answer) over loopback HTTP. Compare with BenchmarkBareGin in the same run.
func BenchmarkWebhookAck(b *testing.B) {
	rdb, prefix := redistest.New(b)
	f := newFixture(b, rdb, prefix, nil)
	now := time.Now()
	benchLatency(b, f.srv.URL+"/webhook", func(i int) ([]byte, string) {
		ev := textEvent(testOA, fmt.Sprintf("user%d", i%500), now)
		return ev, sign(ev, testSecret)
	})
}

// BenchmarkBareGin is the baseline: a gin handler that reads the body and answers 200.
func BenchmarkBareGin(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/webhook", func(c *gin.Context) {
		_, _ = io.ReadAll(c.Request.Body)
		c.JSON(200, gin.H{"status": "ok"})
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	now := time.Now()
	benchLatency(b, srv.URL+"/webhook", func(i int) ([]byte, string) {
		ev := textEvent(testOA, fmt.Sprintf("user%d", i%500), now)
		return ev, sign(ev, testSecret)
	})
}

// Demo mode: a full in-memory queue answers 503 and does not mark the event seen.
func TestWebhookMemoryQueueFull(t *testing.T) {
	q := inmem.NewQueue(inmem.QueueOptions{Partitions: 1, Size: 1})
	api, err := httpapi.New(httpapi.Options{Queue: q,
		Accounts: []httpapi.Account{{ID: "ca-q12", OAID: testOA, OASecretKey: testSecret}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	f := &fixture{srv: srv}
	first, second := textEvent(testOA, "u1", time.Now()), textEvent(testOA, "u2", time.Now())
	if code, body := f.post(t, "/webhook", first, sign(first, testSecret)); code != 200 {
		t.Fatalf("first = %d %s", code, body)
	}
	if code, body := f.post(t, "/webhook", second, sign(second, testSecret)); code != 503 {
		t.Fatalf("second with the queue full = %d %s, want 503", code, body)
	}
	go func() {
		_ = q.Run(t.Context(), queue.HandlerFunc(func(context.Context, queue.Job) error { return nil }))
	}()
	waitFor(t, "the worker to take the queued event", func() bool { return q.Len() == 0 })
	if code, body := f.post(t, "/webhook", second, sign(second, testSecret)); code != 200 || !strings.Contains(body, "queued") {
		t.Fatalf("Zalo's retry once there is room = %d %s, want 200 queued", code, body)
	}
}
