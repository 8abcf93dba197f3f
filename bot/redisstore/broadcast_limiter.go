package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/zalo"
)

// RateLimiter paces sends per OA across all replicas with GCRA (a token bucket stored as
// one "theoretical arrival time" per key). Each Wait reserves the next slot atomically in
// Redis, on the Redis clock, and then sleeps until it: waiters never race each other and the
// rate holds whatever the number of replicas. A reservation abandoned by a cancelled
// context is simply lost, which errs on the slow side.
type RateLimiter struct {
	rdb      redis.UniversalClient
	keys     Keyspace
	interval time.Duration
	burst    int
}

// NewRateLimiter allows perSecond sends per key with bursts of up to burst (at least 1).
func NewRateLimiter(rdb redis.UniversalClient, prefix string, perSecond float64, burst int) (*RateLimiter, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	if perSecond <= 0 {
		return nil, errors.New("redisstore: rate must be positive")
	}
	if burst < 1 {
		burst = 1
	}
	return &RateLimiter{rdb: rdb, keys: keyspace(prefix), interval: time.Duration(float64(time.Second) / perSecond), burst: burst}, nil
}

// bcGCRAScript: KEYS[1] the arrival-time key; ARGV 1 interval µs, 2 burst tolerance µs.
// Returns the wait in µs before the reserved slot.
var bcGCRAScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
local nexttat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', nexttat), 'PX', math.floor((nexttat - now) / 1000) + 1000)
return wait`)

// Wait reserves one send for key and sleeps until its slot.
func (l *RateLimiter) Wait(ctx context.Context, key string) error {
	tol := time.Duration(l.burst-1) * l.interval
	wait, err := bcGCRAScript.Run(ctx, l.rdb, []string{l.keys.Key("rate", "{"+key+"}")},
		l.interval.Microseconds(), tol.Microseconds()).Int64()
	if err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	if wait <= 0 {
		return nil
	}
	return zalo.Sleep(ctx, time.Duration(wait)*time.Microsecond)
}
