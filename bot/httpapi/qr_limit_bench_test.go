package httpapi_test

// These benchmarks live in the external test package, beside webhook_test.go, because
// they use its fixture (newFixture) and its latency probe (benchLatency).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/procedures"
)

// BenchmarkWebhookAlone is the baseline for BenchmarkWebhookUnderImageLoad: the same
// server (webhook and QR routes on one handler, as serve mounts them) with no image load.
// Run both in one invocation and compare their p50-µs and p99-µs:
//
//	go test -count=1 -run '^$' -bench 'Webhook(Alone|UnderImageLoad)' -benchtime 200x ./bot/httpapi/
func BenchmarkWebhookAlone(b *testing.B) {
	benchWebhookWithImages(b, 0)
}

// BenchmarkWebhookUnderImageLoad measures the webhook while 8 clients ask in a loop for
// uncached 2048 px images: a new src label on every request (in landing mode the label is
// part of the encoded URL, so no request can be answered from the cache) and a new client
// address on every request (X-Forwarded-For from loopback counts as the client), so the
// per-client limit never applies and only the render slots and the size cap stand between
// the images and the webhook: the worst case, many clients each asking once.
func BenchmarkWebhookUnderImageLoad(b *testing.B) {
	benchWebhookWithImages(b, 8)
}

// benchWebhookWithImages runs benchLatency on /webhook while clients goroutines fetch
// uncached images, and reports what the image clients got.
func benchWebhookWithImages(b *testing.B, clients int) {
	rdb, prefix := redistest.New(b)
	f := newFixture(b, rdb, prefix, nil)
	cat, err := procedures.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	routes, err := httpapi.NewQRRoutes(httpapi.QROptions{
		PublicBaseURL: "https://oabot.example.vn",
		Accounts:      []qr.Account{{Slug: "ca-q12", OAID: testOA, Name: "Công an phường"}},
		Catalog:       func() *procedures.Catalog { return cat },
	})
	if err != nil {
		b.Fatal(err)
	}
	f.api.Mount(routes) // before any request reaches the server
	imageURL := f.srv.URL + "/qr/ca-q12/" + cat.All()[0].Code + ".png?size=2048&src="

	ctx, stop := context.WithCancel(context.Background())
	var (
		wg             sync.WaitGroup
		seq            atomic.Int64
		ok, busy, slow atomic.Int64
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			for ctx.Err() == nil {
				n := seq.Add(1)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%sposter-%d", imageURL, n), nil)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.%d.%d", n/250%250, n%250+1))
				resp, err := client.Do(req)
				if err != nil {
					continue // cancelled at the end
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusServiceUnavailable, http.StatusTooManyRequests:
					busy.Add(1)
					// An attacker would not honour Retry-After; a short pause keeps the
					// render slot contended without turning 8 loopback clients into a
					// request flood that measures HTTP overhead rather than rendering.
					time.Sleep(5 * time.Millisecond)
				default:
					slow.Add(1)
				}
			}
		}()
	}
	// Let the image load start before the first webhook request.
	if clients > 0 {
		time.Sleep(200 * time.Millisecond)
	}
	start := time.Now()
	now := time.Now()
	benchLatency(b, f.srv.URL+"/webhook", func(i int) ([]byte, string) {
		ev := textEvent(testOA, fmt.Sprintf("user%d", i%500), now)
		return ev, sign(ev, testSecret)
	})
	elapsed := time.Since(start)
	stop()
	wg.Wait()
	if clients > 0 {
		b.ReportMetric(float64(ok.Load())/elapsed.Seconds(), "images/s")
		b.ReportMetric(float64(busy.Load())/elapsed.Seconds(), "refused/s")
		if n := slow.Load(); n > 0 {
			b.Errorf("%d image requests answered with an unexpected status", n)
		}
	}
}
