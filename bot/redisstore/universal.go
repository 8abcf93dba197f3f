package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Client is the Redis handle every store in this package takes (a single server, Sentinel
// or Cluster client). Callers get one from Open and need not import go-redis.
type Client = redis.UniversalClient

// OpenOptions tunes Open.
type OpenOptions struct {
	// MinPoolSize raises the connection pool (per node) to at least this many connections;
	// blocking stream reads hold one each.
	MinPoolSize int
	// PingTimeout bounds the first ping (default 5 s).
	PingTimeout time.Duration
}

// Open is the one way this program connects to Redis: it parses rawURL (a single server,
// Sentinel or Cluster; see NewUniversalClient), makes every command honour its context's
// deadline, and pings. Errors never show the URL or its password.
func Open(ctx context.Context, rawURL string, o OpenOptions) (Client, error) {
	if rawURL == "" {
		return nil, errors.New("redis: no url configured (redis.url or OABOT_REDIS_URL)")
	}
	c, err := NewUniversalClient(rawURL, o.MinPoolSize)
	if err != nil {
		return nil, err
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 5 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, o.PingTimeout)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("redis: %w", redactURLError(err))
	}
	return c, nil
}

// NewUniversalClient builds a go-redis client from one URL, so config keeps a single
// redis.url for every deployment (deploy/redis-ha.md):
//
//   - redis://[user:pass@]host:6379/0 or rediss://… : one server (redis.ParseURL);
//   - …?master_name=mymaster[&addr=sentinel2:26379…] : Redis Sentinel; host:port and
//     every addr are sentinels (redis.ParseFailoverURL);
//   - …?cluster=true[&addr=node2:6379…] : Redis Cluster; host:port and every addr are
//     seed nodes (redis.ParseClusterURL).
//
// Other query parameters are go-redis options (dial_timeout, read_timeout, pool_size …);
// minPoolSize raises the connection pool (per node) to at least that many connections
// (blocking stream reads hold one each). It does no I/O; the caller pings.
//
// Every client honours context deadlines (ContextTimeoutEnabled): without it go-redis
// applies only its own read timeout, so a frozen Redis held the webhook for 5 s although
// the enqueue's context allowed 1 s (Zalo gives up after about 2 s).
func NewUniversalClient(rawURL string, minPoolSize int) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", redactURLError(err))
	}
	q := u.Query()
	switch {
	case q.Get("cluster") == "true":
		q.Del("cluster")
		u.RawQuery = q.Encode()
		opts, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("redis cluster url: %w", redactURLError(err))
		}
		opts.PoolSize = max(opts.PoolSize, minPoolSize)
		opts.ContextTimeoutEnabled = true
		return redis.NewClusterClient(opts), nil
	case q.Has("master_name"):
		opts, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis sentinel url: %w", redactURLError(err))
		}
		opts.PoolSize = max(opts.PoolSize, minPoolSize)
		opts.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(opts), nil
	default:
		opts, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis url: %w", redactURLError(err))
		}
		opts.PoolSize = max(opts.PoolSize, minPoolSize)
		opts.ContextTimeoutEnabled = true
		return redis.NewClient(opts), nil
	}
}

// redactURLError drops the URL (which may hold a password) from url.Error messages.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	if strings.Contains(err.Error(), "@") {
		return fmt.Errorf("invalid redis url")
	}
	return err
}
