package redisstore

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestRedisLoggerRateLimitsAndRedacts(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newRedisLogger(zap.New(core), func() time.Time { return now })
	ctx := context.Background()
	for range 50 {
		l.Printf(ctx, "redis: %s failed to dial after %d attempts: dial tcp 127.0.0.1:6379: connect: connection refused",
			"redis://oabot:s3cret@127.0.0.1:6379/0", 5)
	}
	if n := logs.Len(); n != redisLogBurst {
		t.Fatalf("%d lines in the first window, want %d", n, redisLogBurst)
	}
	now = now.Add(redisLogWindow)
	l.Printf(ctx, "sentinel: new master addr=%s password=%s", "10.0.0.1:6379", "hunter2")
	all := logs.AllUntimed()
	if len(all) != redisLogBurst+1 {
		t.Fatalf("%d lines, want %d", len(all), redisLogBurst+1)
	}
	last := all[len(all)-1]
	if last.ContextMap()["suppressed"] != int64(45) {
		t.Errorf("suppressed = %v, want 45", last.ContextMap()["suppressed"])
	}
	for _, e := range all {
		d := e.ContextMap()["detail"].(string)
		if strings.Contains(d, "s3cret") || strings.Contains(d, "hunter2") || strings.Contains(d, "oabot:") {
			t.Errorf("secret in log line %q", d)
		}
		if e.Level != zapcore.WarnLevel {
			t.Errorf("level %v for %q, want warn", e.Level, d)
		}
	}
	if d := all[0].ContextMap()["detail"].(string); !strings.Contains(d, "failed to dial") || !strings.Contains(d, "redis://[redacted]") {
		t.Errorf("detail = %q", d)
	}
	l.Printf(ctx, "pool: %d idle conns", 3)
	if e := logs.AllUntimed()[len(all)]; e.Level != zapcore.DebugLevel {
		t.Errorf("other lines at %v, want debug", e.Level)
	}
}

// go-redis's own "failed to dial" line reaches zap (not stderr), redacted.
func TestRedisLoggerInstalled(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	SetLogger(zap.New(core))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: "s3cret", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	var found bool
	for _, e := range logs.AllUntimed() {
		d, _ := e.ContextMap()["detail"].(string)
		if strings.Contains(d, "s3cret") {
			t.Errorf("password in %q", d)
		}
		if strings.Contains(d, "failed to dial") && e.Level == zapcore.WarnLevel && e.LoggerName == "redis" {
			found = true
		}
	}
	if !found {
		t.Errorf("no warn line from go-redis's dial failure; got %d lines", logs.Len())
	}
}
