package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

// ingestConns is the closed loop's connections (issue 12: 50).
const ingestConns = 50

// ingestCitizens bounds the distinct citizens of a run.
const ingestCitizens = 100000

// BenchmarkIngestService posts unique signed events to a whole `oabot serve` on real Redis
// (a fake Zalo API on loopback) while the service also handles what it accepts: search,
// cards, replies, follower registry. Closed loop, ingestConns connections. Compare with
// BenchmarkIngestBareGin in the same run: events/s and p50/p99 of the webhook.
// OABOT_BENCH_EXTRA adds configuration to the service's, e.g. "queue: {ingest_first: false}"
// or "queue: {workers: 1}", to measure one change against another in the same run.
func BenchmarkIngestService(b *testing.B) {
	fake := zalotest.New()
	var mu sync.Mutex
	answered := map[string]bool{}
	fake.OnSend(func(m zalotest.Sent) {
		mu.Lock()
		answered[m.UserID] = true
		mu.Unlock()
	})
	base := opsService(b, redistest.URL(b), fmt.Sprintf("oabot-bench-%d:", time.Now().UnixNano()), fake, os.Getenv("OABOT_BENCH_EXTRA"))
	closedLoop(b, base+"/webhook", func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(answered)
	})
}

// BenchmarkIngestBareGin is the baseline: a gin handler that reads the body and answers 200.
func BenchmarkIngestBareGin(b *testing.B) {
	closedLoopGin(b, func(c *gin.Context) {
		_, _ = io.ReadAll(c.Request.Body)
		c.JSON(200, gin.H{"status": "ok"})
	})
}

// BenchmarkIngestBareRedis is the floor of any durable intake on this machine: the bare gin
// handler plus one XADD of the body to Redis (no signature, parsing, dedupe nor processing)
// before it answers 200. When it is itself near half the bare handler's rate, the gap to
// BenchmarkIngestService is what the service adds; the rest is the machine's.
func BenchmarkIngestBareRedis(b *testing.B) {
	rdb, err := redisstore.Open(context.Background(), redistest.URL(b), redisstore.OpenOptions{MinPoolSize: ingestConns})
	if err != nil {
		b.Fatal(err)
	}
	defer rdb.Close()
	key := fmt.Sprintf("oabot-bench-%d:stream", time.Now().UnixNano())
	defer rdb.Del(context.Background(), key)
	closedLoopGin(b, func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body)
		if err := rdb.Do(c.Request.Context(), "XADD", key, "MAXLEN", "~", 100000, "*", "r", body).Err(); err != nil {
			c.JSON(503, gin.H{"status": "unavailable"})
			return
		}
		c.JSON(200, gin.H{"status": "ok"})
	})
}

// closedLoopGin runs the closed loop against a bare gin server whose one route is h.
func closedLoopGin(b *testing.B, h gin.HandlerFunc) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/webhook", h)
	srv := httptest.NewServer(e)
	defer srv.Close()
	closedLoop(b, srv.URL+"/webhook", nil)
}

// burstProfile writes a CPU profile of the closed loop's burst alone (not the set-up, nor the
// processing left after the last event) to $OABOT_BENCH_BURST_PROFILE, when it is set; the
// returned function stops it.
func burstProfile(b *testing.B) func() {
	path := os.Getenv("OABOT_BENCH_BURST_PROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// closedLoop sends b.N unique signed events (each from its own citizen, up to 100,000)
// over ingestConns connections, each sending its next event when the previous one is
// answered, and reports events/s, p50 and p99 of the webhook. With answered (citizens who
// got a reply so far) it also waits for every reply and reports processed/s: events
// handled end to end per second of the whole run.
func closedLoop(b *testing.B, url string, answered func() int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: ingestConns, MaxConnsPerHost: ingestConns}}
	run := time.Now().UnixNano()
	var next atomic.Int64
	lats := make([][]time.Duration, ingestConns)
	var wg sync.WaitGroup
	var failed atomic.Int64
	b.ResetTimer()
	stopProfile := burstProfile(b)
	start := time.Now()
	for c := range ingestConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				user := fmt.Sprintf("77%017d", i%ingestCitizens)
				body, sig := citizenEvent(user, fmt.Sprintf("bench-%d-%d", run, i), "lam cccd o dau")
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(zalo.SignatureHeader, sig)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lats[c] = append(lats[c], time.Since(t0))
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	stopProfile()
	if answered != nil {
		want := min(b.N, ingestCitizens)
		deadline := time.Now().Add(5 * time.Minute)
		for answered() < want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := answered(); got < want {
			b.Fatalf("%d of %d citizens answered within 5 min of the last event", got, want)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "processed/s")
	}
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed", n, b.N)
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(b.N)/took.Seconds(), "events/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	}
}
