package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// imageResult is what one image request got.
type imageResult struct {
	status           int
	retryAfter, etag string
	cacheControl     string
	took             time.Duration
	err              error
}

// fetchImage GETs u as client (an X-Forwarded-For address; the test server's peer is
// loopback, so it counts as the client). Safe to call from several goroutines.
func fetchImage(u, client string, header ...string) imageResult {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return imageResult{err: err}
	}
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return imageResult{err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return imageResult{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"),
		etag: resp.Header.Get("ETag"), cacheControl: resp.Header.Get("Cache-Control"), took: time.Since(start)}
}

// renderProbe wraps QRRoutes.draw: it counts renders and those in flight (keeping the
// maximum) and holds the renders whose target contains hold until unblock is called
// (at the latest when the test ends, before its server closes).
type renderProbe struct {
	hold                  string
	release               chan struct{}
	once                  sync.Once
	total, inFlight, peak atomic.Int64
}

func (p *renderProbe) unblock() { p.once.Do(func() { close(p.release) }) }

func newRenderProbe(t *testing.T, h *QRRoutes, hold string) *renderProbe {
	p := &renderProbe{hold: hold, release: make(chan struct{})}
	t.Cleanup(p.unblock)
	draw := h.draw
	h.draw = func(format, target string, size int) ([]byte, error) {
		p.total.Add(1)
		n := p.inFlight.Add(1)
		defer p.inFlight.Add(-1)
		for old := p.peak.Load(); n > old && !p.peak.CompareAndSwap(old, n); old = p.peak.Load() {
		}
		if p.hold != "" && strings.Contains(target, p.hold) {
			<-p.release
		}
		return draw(format, target, size)
	}
	return p
}

// Many clients asking at once for large images that are not in the cache: at most
// RenderSlots are drawn at a time, the others are refused with 503 and Retry-After within
// the short wait (not after the renders), and cached images and 304s are still served
// meanwhile. Before the limits every request started its own 2048 px render.
func TestQRImageRendersBounded(t *testing.T) {
	const slots, clients = 2, 20
	srv, h, cat := newQRRoutesServer(t, func(o *QROptions) {
		o.RenderSlots, o.RenderWait = slots, 100*time.Millisecond
	})
	probe := newRenderProbe(t, h, "src=flood")
	code := withShortCode(t, cat).Code
	base := srv.URL + "/qr/ubnd-ben-nghe/" + code

	cached := fetchImage(base+".png", "")
	if cached.status != http.StatusOK {
		t.Fatalf("plain image before the flood: %+v", cached)
	}

	results := make(chan imageResult, clients)
	for i := range clients {
		go func() {
			results <- fetchImage(fmt.Sprintf("%s.png?size=2048&src=flood-%d", base, i), fmt.Sprintf("198.51.100.%d", i+1))
		}()
	}
	var refused []imageResult
	deadline := time.After(10 * time.Second)
	for len(refused) < clients-slots {
		select {
		case r := <-results:
			if r.status != http.StatusServiceUnavailable {
				t.Fatalf("while %d renders are held: got %+v, want 503", probe.inFlight.Load(), r)
			}
			refused = append(refused, r)
		case <-deadline:
			t.Fatalf("only %d of %d excess requests refused while the renders were held (%d in flight)",
				len(refused), clients-slots, probe.inFlight.Load())
		}
	}
	for _, r := range refused {
		if r.retryAfter == "" || r.etag != "" || r.cacheControl != "no-store" || r.took > 5*time.Second {
			t.Errorf("refusal: Retry-After %q, ETag %q, Cache-Control %q, after %v; want Retry-After, no ETag, no-store, quickly",
				r.retryAfter, r.etag, r.cacheControl, r.took)
		}
	}

	// The slots are still taken: cached images and conditional requests do not need one.
	if r := fetchImage(base+".png", ""); r.status != http.StatusOK || r.etag != cached.etag {
		t.Errorf("cached image during the flood: %+v, want 200 with ETag %s", r, cached.etag)
	}
	if r := fetchImage(base+".png", "", "If-None-Match", cached.etag); r.status != http.StatusNotModified {
		t.Errorf("conditional request during the flood: %+v, want 304", r)
	}
	if r := fetchImage(base+".png?size=1000", ""); r.status != http.StatusServiceUnavailable {
		t.Errorf("uncached image with all slots held: %+v, want 503", r)
	}

	probe.unblock()
	for range slots {
		if r := <-results; r.status != http.StatusOK {
			t.Errorf("held render: %+v, want 200", r)
		}
	}
	if got := probe.peak.Load(); got > slots {
		t.Errorf("%d renders in flight at once, want at most %d", got, slots)
	}
	// Nothing lasting: a small image from another client is drawn at once.
	if r := fetchImage(base+".svg?size=128", "198.51.100.200"); r.status != http.StatusOK {
		t.Errorf("small image after the flood: %+v, want 200", r)
	}
}

// One client walking labels and sizes gets 429 once its bucket is empty, with a
// Retry-After; other clients and cached images are not affected, and the bucket refills.
func TestQRImageClientLimit(t *testing.T) {
	srv, h, cat := newQRRoutesServer(t, func(o *QROptions) {})
	probe := newRenderProbe(t, h, "")
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	h.clients.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h.clients.burst, h.clients.rate = 6, 1
	base := srv.URL + "/qr/ubnd-ben-nghe/" + withShortCode(t, cat).Code + ".png"
	const walker, other = "203.0.113.7", "203.0.113.8"

	steps := []struct {
		name, query, client string
		want                int
	}{
		{"first label", "?src=a", walker, 200},
		{"1024 px costs four", "?src=b&size=1024", walker, 200},
		{"one token left", "?src=c", walker, 200},
		{"bucket empty", "?src=d", walker, 429},
		{"cached image of the same client", "?src=a", walker, 200},
		{"another client", "?src=d", other, 200},
		{"now cached for everyone", "?src=d", walker, 200},
		{"still empty", "?src=e&size=128", walker, 429},
	}
	for _, s := range steps {
		r := fetchImage(base+s.query, s.client)
		if r.status != s.want {
			t.Fatalf("%s: status %d, want %d", s.name, r.status, s.want)
		}
		if s.want == 429 && (r.retryAfter != "1" || r.cacheControl != "no-store") {
			t.Errorf("%s: Retry-After %q, Cache-Control %q; want 1, no-store", s.name, r.retryAfter, r.cacheControl)
		}
	}
	if got := probe.total.Load(); got != 4 {
		t.Errorf("%d renders, want 4 (a, b, c, d)", got)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if r := fetchImage(base+"?src=e", walker); r.status != 200 {
		t.Errorf("after a second: status %d, want 200", r.status)
	}
}

// Sizes are snapped to 128, 256, 512 or 1024 px; outside the route's range they are refused.
func TestQRImageSizes(t *testing.T) {
	srv, _, cat := newQRRoutesServer(t, func(o *QROptions) {})
	base := srv.URL + "/qr/ubnd-ben-nghe/" + withShortCode(t, cat).Code + ".png"
	for _, tc := range []struct {
		query string
		want  int // pixels; 0 means 400
	}{
		{"", 512},
		{"?size=128", 128},
		{"?size=129", 256},
		{"?size=300", 512},
		{"?size=1000", 1024},
		{"?size=2048", 1024},
		{"?size=127", 0},
		{"?size=2049", 0},
		{"?size=big", 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			resp, body := get(t, base+tc.query)
			if tc.want == 0 {
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("GET %s: status %d, want 400", tc.query, resp.StatusCode)
				}
				return
			}
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("GET %s: status %d: %v", tc.query, resp.StatusCode, err)
			}
			if got := img.Bounds().Dx(); got != tc.want {
				t.Errorf("GET %s: %d px, want %d", tc.query, got, tc.want)
			}
		})
	}
}

// A stream of new labels cannot push the images without a label out of the cache; in OA
// mode the label is not in the code, so it does not make a new image at all.
func TestQRImageLabelsDoNotDefeatCache(t *testing.T) {
	srv, h, cat := newQRRoutesServer(t, func(o *QROptions) {})
	probe := newRenderProbe(t, h, "")
	h.clients.burst = 1e9
	draw := h.draw
	h.draw = func(format, target string, size int) ([]byte, error) {
		b, err := draw(format, target, size)
		return append(b, make([]byte, 64<<10)...), err // big entries: the label cache fills fast
	}
	code := withShortCode(t, cat).Code
	landing := srv.URL + "/qr/ubnd-ben-nghe/" + code + ".png?size=128"

	fetchImage(landing, "")
	const labels = 2 * labelledCacheBytes / (64 << 10)
	for i := range labels {
		if r := fetchImage(fmt.Sprintf("%s&src=label-%d", landing, i), ""); r.status != 200 {
			t.Fatalf("label %d: %+v", i, r)
		}
	}
	before := probe.total.Load()
	if r := fetchImage(landing, ""); r.status != 200 || probe.total.Load() != before {
		t.Errorf("plain image after %d labels: status %d, drawn again: %v", labels, r.status, probe.total.Load() != before)
	}
	if n, size := h.labelled.stats(); n >= labels || size > labelledCacheBytes {
		t.Errorf("label cache holds %d images, %d bytes; want fewer than %d, at most %d bytes", n, size, labels, labelledCacheBytes)
	}

	oa := srv.URL + "/qr/ca-q12/" + code + ".svg"
	before = probe.total.Load()
	for _, src := range []string{"", "?src=one", "?src=two"} {
		fetchImage(oa+src, "")
	}
	if got := probe.total.Load() - before; got != 1 {
		t.Errorf("OA mode, three labels: %d renders, want 1", got)
	}
}

func TestQRClientKey(t *testing.T) {
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"public peer", "203.0.113.9:1234", nil, "203.0.113.9"},
		{"public peer ignores forwarded", "203.0.113.9:1234", []string{"198.51.100.1"}, "203.0.113.9"},
		{"proxy on loopback", "127.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"proxy appends to what the client sent", "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.2"}, "198.51.100.2"},
		{"several headers", "192.168.0.2:5000", []string{"6.6.6.6", "198.51.100.3"}, "198.51.100.3"},
		{"garbage forwarded", "127.0.0.1:5000", []string{"not-an-ip"}, "127.0.0.1"},
		{"loopback without proxy", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"IPv6 by /64", "[2001:db8:1:2:3:4:5:6]:443", nil, "2001:db8:1:2::/64"},
		{"IPv4-mapped", "[::ffff:203.0.113.9]:443", nil, "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientKey(r); got != tc.want {
				t.Errorf("clientKey(%s, %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
}

// The gate waits at most its wait, gives up when the request goes away, and refuses at
// once when its waiting room is full.
func TestQRRenderGate(t *testing.T) {
	g := newRenderGate(1, 50*time.Millisecond)
	if !g.acquire(context.Background()) {
		t.Fatal("first acquire failed")
	}
	start := time.Now()
	if g.acquire(context.Background()) {
		t.Fatal("second acquire succeeded with the slot taken")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("gave up after %v, want the full wait", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if g.acquire(ctx) {
		t.Error("acquire with a cancelled context succeeded")
	}
	for range renderWaitRoom {
		g.room <- struct{}{}
	}
	start = time.Now()
	if g.acquire(context.Background()) || time.Since(start) > 40*time.Millisecond {
		t.Errorf("full waiting room: want an immediate refusal, took %v", time.Since(start))
	}
	for range renderWaitRoom {
		<-g.room
	}
	g.release()
	if !g.acquire(context.Background()) {
		t.Error("acquire after release failed")
	}
}
