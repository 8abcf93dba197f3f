package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestRedisLoggerRateLimitsAndRedacts(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	l := newRedisLogger(zap.New(core))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
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
	if last.ContextMap()["suppressed_before"] != int64(45) {
		t.Errorf("suppressed_before = %v, want 45", last.ContextMap()["suppressed_before"])
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
	l.Printf(ctx, "pool: %d conns", 3)
	if e := logs.AllUntimed()[len(all)]; e.Level != zapcore.DebugLevel {
		t.Errorf("other lines at %v, want debug", e.Level)
	}
}
