package inmem

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/oabot/oabot/zalo"
)

// RateLimiter paces sends per key (per OA) in this process with GCRA, the algorithm of
// redisstore.RateLimiter: each Wait reserves the next slot under a mutex and then sleeps
// until it, so waiters never race each other. Single process only: it paces this process's
// sends, not those of other replicas (demo mode has none). A reservation abandoned by a
// cancelled context is simply lost, which errs on the slow side.
type RateLimiter struct {
	interval  time.Duration
	tolerance time.Duration
	now       func() time.Time

	mu  sync.Mutex
	tat map[string]time.Time // key → theoretical arrival time of the next send
}

// NewRateLimiter allows perSecond sends per key with bursts of up to burst (at least 1).
func NewRateLimiter(perSecond float64, burst int) (*RateLimiter, error) {
	if perSecond <= 0 {
		return nil, errors.New("inmem: rate must be positive")
	}
	if burst < 1 {
		burst = 1
	}
	interval := time.Duration(float64(time.Second) / perSecond)
	return &RateLimiter{interval: interval, tolerance: time.Duration(burst-1) * interval,
		now: time.Now, tat: map[string]time.Time{}}, nil
}

// Wait reserves one send for key and sleeps until its slot.
func (l *RateLimiter) Wait(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	now := l.now()
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	wait := tat.Sub(now) - l.tolerance
	l.tat[key] = tat.Add(l.interval)
	// Keys idle for a while hold no debt; drop them so the map stays small.
	if len(l.tat) > 1024 {
		for k, t := range l.tat {
			if t.Before(now) {
				delete(l.tat, k)
			}
		}
	}
	l.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	return zalo.Sleep(ctx, wait)
}
