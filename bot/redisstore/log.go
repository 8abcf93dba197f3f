package redisstore

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/oabot/oabot/bot/logx"
)

// redisLogger routes go-redis's internal log lines ("failed to dial", pool and sentinel
// notes) to zap instead of stderr: connection trouble at warn, the rest at debug, at most
// redisLogBurst lines per redisLogWindow and level (logx.RateLimited: the number left out
// is reported with the next line), with anything URL-like or user:password@ redacted.
type redisLogger struct {
	log *zap.Logger
}

const (
	redisLogBurst  = 5
	redisLogWindow = 10 * time.Second
)

// SetLogger installs log as go-redis's logger (process-wide; serve calls it once at
// start).
func SetLogger(log *zap.Logger) {
	redis.SetLogger(newRedisLogger(log, nil))
}

// newRedisLogger: now is the clock of the rate limit (nil: time.Now).
func newRedisLogger(log *zap.Logger, now func() time.Time) *redisLogger {
	core := logx.RateLimited(log.Core(), logx.Options{MinLevel: zapcore.DebugLevel, Burst: redisLogBurst,
		Window: redisLogWindow, Now: now})
	return &redisLogger{log: zap.New(core).Named("redis")}
}

var (
	redisURLRE  = regexp.MustCompile(`(?i)\b(rediss?|redis-sentinel|unix)://\S*`)
	userInfoRE  = regexp.MustCompile(`//[^/\s@]*@`)
	passFieldRE = regexp.MustCompile(`(?i)(password|pass|pwd)[=:]\s*\S+`)
)

// redactRedisLog removes URLs and credentials from a go-redis log line.
func redactRedisLog(s string) string {
	s = redisURLRE.ReplaceAllString(s, "$1://[redacted]")
	s = userInfoRE.ReplaceAllString(s, "//[redacted]@")
	return passFieldRE.ReplaceAllString(s, "$1=[redacted]")
}

func (l *redisLogger) Printf(_ context.Context, format string, v ...any) {
	msg := redactRedisLog(fmt.Sprintf(format, v...))
	fields := []zap.Field{zap.String("detail", msg)}
	lower := strings.ToLower(msg)
	for _, w := range redisWarnWords {
		if strings.Contains(lower, w) {
			l.log.Warn("redis client", fields...)
			return
		}
	}
	l.log.Debug("redis client", fields...)
}

// redisWarnWords mark go-redis lines about trouble (dial failures, pool exhaustion,
// panics, sentinel fail-overs); the rest is bookkeeping, logged at debug.
var redisWarnWords = []string{"dial", "fail", "error", "refused", "timeout", "panic", "sentinel"}
