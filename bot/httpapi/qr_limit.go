package httpapi

import (
	"container/list"
	"context"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/internal/clientip"
)

// Drawing a QR image is the one thing an anonymous client can ask for that costs real CPU:
// the decode-back check and the PNG compression grow with the pixel count, four times per
// doubling of the size (tens of milliseconds at 2048 px), and in landing mode every new
// src label is a new image. The webhook shares that CPU and must keep answering Zalo
// within its deadline, so an image that is not in the cache is drawn only
//
//   - at one of a few sizes (snapImageSize: 128, 256, 512 or 1024 px), which bounds the
//     cost of one render and the number of distinct images per code;
//   - if its client still has tokens (clientLimiter: a token bucket per client address,
//     429 when empty), so one client cannot keep the render slots to itself;
//   - in one of a few render slots (renderGate: GOMAXPROCS/2, at least one), waiting a
//     short while for a free one and answering 503 when none frees up, so renders never
//     take more than that share of the CPU, however many clients ask.
//
// Cached images, 304s and errors are answered without any of this.

// maxImageSize is the largest image the route draws; larger requests get this size.
// Printing larger is what the SVG and the posters (vector PDF) are for.
const maxImageSize = 1024

// snapImageSize parses the size query value ("" is qr.DefaultSize) and raises it to the
// next power of two from qr.MinSize, at most maxImageSize. It reports false for a size
// outside qr.MinSize..qr.MaxSize, the range the route has always accepted, so links made
// with size=2048 keep working (and get 1024 px).
func snapImageSize(s string) (int, bool) {
	n := qr.DefaultSize
	if s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < qr.MinSize || n > qr.MaxSize {
			return 0, false
		}
	}
	size := qr.MinSize
	for size < n && size < maxImageSize {
		size *= 2
	}
	return size, true
}

// renderCost is what a render at size takes from its client's bucket: its pixel area in
// default-size (512 px) images, at least 1.
func renderCost(size int) float64 {
	return max(1, float64(size*size)/(512*512))
}

// Per-client render limit: a burst of 32 default-size images (8 at 1024 px), then 4 per
// second. A person opening pages with QR codes never gets near it; a script walking
// codes, sizes and labels is slowed to a few renders a second.
const (
	clientRenderBurst = 32
	clientRenderRate  = 4 // tokens per second
	maxRenderClients  = 4096
)

// renderWaitRoom bounds how many requests wait for a render slot, per slot; beyond it a
// request gets 503 at once instead of holding its connection for RenderWait.
const renderWaitRoom = 4

// defaultRenderSlots leaves at least half of the CPU to the webhook.
func defaultRenderSlots() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// renderGate is a counting semaphore with a bounded waiting room and a bounded wait.
type renderGate struct {
	slots chan struct{}
	room  chan struct{}
	wait  time.Duration
}

func newRenderGate(slots int, wait time.Duration) *renderGate {
	return &renderGate{
		slots: make(chan struct{}, slots),
		room:  make(chan struct{}, slots*renderWaitRoom),
		wait:  wait,
	}
}

// acquire takes a slot, waiting at most g.wait (and not after ctx is done). It reports
// false when no slot freed up or the waiting room was full; release only after true.
func (g *renderGate) acquire(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	select {
	case g.room <- struct{}{}:
		defer func() { <-g.room }()
	default:
		return false
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (g *renderGate) release() { <-g.slots }

// clientLimiter keeps a token bucket per client.
type clientLimiter struct {
	burst, rate float64
	max         int
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*tokenBucket
}

type tokenBucket struct {
	tokens float64
	at     time.Time
}

func newClientLimiter() *clientLimiter {
	return &clientLimiter{burst: clientRenderBurst, rate: clientRenderRate, max: maxRenderClients,
		now: time.Now, buckets: map[string]*tokenBucket{}}
}

// take removes cost tokens from client's bucket. When there are not enough it takes
// nothing and returns how long until there will be.
func (l *clientLimiter) take(client string, cost float64) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[client]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.prune(now)
		}
		b = &tokenBucket{tokens: l.burst, at: now}
		l.buckets[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < cost {
		return false, time.Duration((cost - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens -= cost
	return true, 0
}

// refund gives back tokens taken for a render that did not happen.
func (l *clientLimiter) refund(client string, cost float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[client]; b != nil {
		b.tokens = min(l.burst, b.tokens+cost)
	}
}

// prune forgets clients whose buckets have refilled (forgetting them changes nothing).
// When that frees too little — many clients active at once — it forgets everyone: the
// buckets are about fairness between clients, the render slots bound the CPU regardless.
func (l *clientLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) > l.max*3/4 {
		clear(l.buckets)
	}
}

// clientKey names the client of r for the per-client limit (internal/clientip: the same
// rule as the console's sign-in throttle).
func clientKey(r *http.Request) string { return clientip.Of(r) }

// retryAfter formats d as whole seconds for a Retry-After header, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// imageCache is a least-recently-used cache of image bytes by ETag, bounded in bytes.
type imageCache struct {
	maxBytes int

	mu    sync.Mutex
	bytes int
	order *list.List // of *cacheEntry, most recently used first
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key  string
	body []byte
}

func newImageCache(maxBytes int) *imageCache {
	return &imageCache{maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *imageCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).body, true
}

func (c *imageCache) put(key string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok || len(body) > c.maxBytes {
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, body: body})
	c.bytes += len(body)
	for c.bytes > c.maxBytes {
		e := c.order.Back()
		old := c.order.Remove(e).(*cacheEntry)
		delete(c.byKey, old.key)
		c.bytes -= len(old.body)
	}
}

// stats returns the number of cached images and their bytes.
func (c *imageCache) stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey), c.bytes
}
