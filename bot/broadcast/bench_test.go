package broadcast_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/zalo"
)

// benchConcurrency is the number of concurrent senders in both benchmarks.
const benchConcurrency = 4

// BenchmarkRawSend is the baseline: zalo.Client.Send straight to the fake Zalo server,
// benchConcurrency goroutines, no Redis.
func BenchmarkRawSend(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(benchConcurrency)
	b.ResetTimer()
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u := "u" + strconv.FormatInt(n.Add(1), 10)
			if _, err := e.client.Send(ctx, u, zalo.Message{Text: "x"}); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "sends/s")
}

// BenchmarkCampaignSend delivers a b.N-recipient campaign with the rate limit off: every
// send goes through claim, window re-check, begin, Zalo call and finish in Redis.
func BenchmarkCampaignSend(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	e.touchN(b, "oa1", 0, b.N, time.Now().Add(-time.Hour), true)
	svc := e.service(b, 0)
	plan, err := svc.Plan(ctx, broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentAll}, Text: "x"}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	r := e.runner(b, broadcast.RunnerOptions{Replica: "bench", Concurrency: benchConcurrency, Batch: 20, Poll: 5 * time.Millisecond})
	b.ResetTimer()
	began := time.Now()
	c, _, err := svc.Create(ctx, plan.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	start(b, r)
	p := waitStatus(b, svc, c.ID, broadcast.StatusDone, 10*time.Minute)
	elapsed := time.Since(began)
	b.StopTimer()
	if p.Sent != b.N || acceptedCount(e) != b.N {
		b.Fatalf("sent %d, accepted %d, want %d", p.Sent, acceptedCount(e), b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
}
