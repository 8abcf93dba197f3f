package redisstore

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

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
		return redis.NewClusterClient(opts), nil
	case q.Has("master_name"):
		opts, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis sentinel url: %w", redactURLError(err))
		}
		opts.PoolSize = max(opts.PoolSize, minPoolSize)
		return redis.NewFailoverClient(opts), nil
	default:
		opts, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis url: %w", redactURLError(err))
		}
		opts.PoolSize = max(opts.PoolSize, minPoolSize)
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
