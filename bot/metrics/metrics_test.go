package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRoundTripperLabelsZaloErrorCodes(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		status   int
		body     string
		endpoint string
		code     string
	}{
		{"success", "/v3.0/oa/message/cs", 200, `{"error":0,"message":"Success","data":{"message_id":"m1"}}`, "/v3.0/oa/message/cs", "0"},
		{"expired token in a 200", "/v3.0/oa/message/cs", 200, `{"error":-216,"message":"Access token is invalid"}`, "/v3.0/oa/message/cs", "-216"},
		{"error as string", "/v2.0/oa/upload/image", 200, `{"error":"-32","message":"rate"}`, "/v2.0/oa/upload/image", "-32"},
		{"oauth answer without error", "/v4/oa/access_token", 200, `{"access_token":"a","refresh_token":"r","expires_in":"90000"}`, "/v4/oa/access_token", "0"},
		{"oauth error", "/v4/oa/access_token", 200, `{"error":-14002,"error_name":"Invalid appId"}`, "/v4/oa/access_token", "-14002"},
		{"http 502", "/v3.0/oa/message/cs", 502, `bad gateway`, "/v3.0/oa/message/cs", "http_502"},
		{"unknown path", "/v3.0/oa/user/detail/12345678901234567890", 200, `{"error":0}`, "other", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			m := New()
			client := &http.Client{Transport: m.RoundTripper(nil)}
			resp, err := client.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(got) != tt.body {
				t.Errorf("body after RoundTripper = %q, want %q (must be passed on unchanged)", got, tt.body)
			}
			if n := value(t, m, `oabot_zalo_api_requests_total{code="`+tt.code+`",endpoint="`+tt.endpoint+`"}`); n != 1 {
				t.Errorf("oabot_zalo_api_requests_total{endpoint=%q,code=%q} = %v, want 1", tt.endpoint, tt.code, n)
			}
		})
	}
}

func TestRoundTripperNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	m := New()
	client := &http.Client{Transport: m.RoundTripper(nil)}
	if _, err := client.Post(url+"/v3.0/oa/message/cs", "application/json", strings.NewReader("{}")); err == nil {
		t.Fatal("request to a closed server succeeded")
	}
	if n := value(t, m, `oabot_zalo_api_requests_total{code="network",endpoint="/v3.0/oa/message/cs"}`); n != 1 {
		t.Errorf("network errors counted = %v, want 1", n)
	}
}

func TestLargeBodyPassesThrough(t *testing.T) {
	big := `{"error":0,"data":"` + strings.Repeat("x", 2*maxInspect) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) }))
	defer srv.Close()
	m := New()
	resp, err := (&http.Client{Transport: m.RoundTripper(nil)}).Get(srv.URL + "/v3.0/oa/user/getlist")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != big {
		t.Errorf("large body changed: got %d bytes, want %d", len(got), len(big))
	}
}

func TestObserveJob(t *testing.T) {
	m := New()
	fail := errors.New("zalo down")
	received := time.Now().Add(-2 * time.Second)
	_ = m.ObserveJob("user_send_text", 1, 3, received, func() error { return nil })
	if err := m.ObserveJob("user_send_text", 1, 3, received, func() error { return fail }); !errors.Is(err, fail) {
		t.Errorf("ObserveJob error = %v, want the handler's", err)
	}
	_ = m.ObserveJob("user_send_text", 3, 3, received, func() error { return fail })
	for result, want := range map[string]float64{ResultOK: 1, ResultRetry: 1, ResultDead: 1} {
		if n := value(t, m, `oabot_jobs_total{event="user_send_text",result="`+result+`"}`); n != want {
			t.Errorf("jobs{result=%s} = %v, want %v", result, n, want)
		}
	}
	// Only the successful job counts towards event-to-done; its wait was about 2 s.
	out := scrape(t, m)
	if !strings.Contains(out, "oabot_event_to_done_seconds_count 1") {
		t.Errorf("event_to_done count != 1 in:\n%s", grep(out, "oabot_event_to_done"))
	}
	if !strings.Contains(out, `oabot_job_queue_wait_seconds_bucket{le="1"} 0`) ||
		!strings.Contains(out, `oabot_job_queue_wait_seconds_bucket{le="2.5"} 3`) {
		t.Errorf("queue wait not about 2 s:\n%s", grep(out, "oabot_job_queue_wait"))
	}
}

func TestWebhookAndCollectors(t *testing.T) {
	m := New()
	m.Webhook("ca-q12", OutcomeQueued, 3*time.Millisecond)
	m.Webhook("", OutcomeUnknownOA, time.Millisecond)
	m.Webhook("ca-q12", OutcomeUnavailable, 2*time.Second)
	m.TokenRefresh("ca-q12", errors.New("invalid refresh token"))
	m.BroadcastDelivery("ca-q12", "sent", 10)
	m.Search("one", 40*time.Microsecond)
	m.SetReadiness(func(context.Context) error { return errors.New("redis unreachable") })

	queueUp := true
	m.SetQueueStats(func(ctx context.Context) ([]PartitionStats, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("queue stats called without a deadline")
		}
		if !queueUp {
			return nil, errors.New("redis down")
		}
		return []PartitionStats{{Partition: "0", Length: 12, Lag: 5, Pending: 2}}, nil
	})
	expires := time.Now().Add(time.Hour)
	m.SetTokenHealth(func(ctx context.Context) ([]TokenHealth, error) {
		return []TokenHealth{{Account: "ca-q12", ExpiresAt: expires, LastRefresh: time.Unix(1700000000, 0), LastError: "refresh failed"}}, nil
	})

	out := scrape(t, m)
	for _, want := range []string{
		`oabot_webhook_requests_total{account="ca-q12",outcome="queued"} 1`,
		`oabot_webhook_requests_total{account="unknown",outcome="unknown_oa"} 1`,
		`oabot_webhook_ack_seconds_bucket{outcome="unavailable",le="1"} 0`,
		`oabot_token_refreshes_total{account="ca-q12",result="error"} 1`,
		`oabot_broadcast_recipients_total{account="ca-q12",status="sent"} 10`,
		`oabot_search_seconds_count{confidence="one"} 1`,
		`oabot_ready 0`,
		`oabot_queue_stats_up 1`,
		`oabot_queue_lag{partition="0"} 5`,
		`oabot_queue_pending{partition="0"} 2`,
		`oabot_queue_length{partition="0"} 12`,
		`oabot_token_refresh_failing{account="ca-q12"} 1`,
		`oabot_token_last_refresh_timestamp_seconds{account="ca-q12"} 1.7e+09`,
		`oabot_token_expiry_seconds{account="ca-q12"} 3`, // 35xx seconds
		`process_cpu_seconds_total`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	queueUp = false
	out = scrape(t, m)
	if !strings.Contains(out, "oabot_queue_stats_up 0") || strings.Contains(out, "oabot_queue_lag{") {
		t.Errorf("with Redis down the scrape should say stats_up 0 and drop lag:\n%s", grep(out, "oabot_queue"))
	}
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// value returns the value of one series (name{labels} as the text format prints it, labels
// sorted) from a scrape, or -1 when absent.
func value(t *testing.T, m *Metrics, series string) float64 {
	t.Helper()
	for _, l := range strings.Split(scrape(t, m), "\n") {
		if rest, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return f
		}
	}
	return -1
}
