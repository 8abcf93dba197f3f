package logx

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestRateLimitedCountsWhatItLeavesOut(t *testing.T) {
	obs, logs := observer.New(zapcore.DebugLevel)
	now := time.Unix(1_700_000_000, 0)
	core := RateLimited(obs, Options{MinLevel: zapcore.WarnLevel, Burst: 5, Window: 10 * time.Second,
		Now: func() time.Time { return now }})
	log := zap.New(core).Named("httpapi").With(zap.String("account", "ca-q12"))

	// An outage: 220 failures in 8 s at 80 events/s.
	for range 220 {
		log.Error("webhook event not stored, zalo will retry")
		log.Info("job handled") // below the limited level: all pass
		now = now.Add(8 * time.Second / 220)
	}
	if n := logs.FilterMessage("webhook event not stored, zalo will retry").Len(); n != 5 {
		t.Errorf("%d error lines in the first window, want 5", n)
	}
	if n := logs.FilterMessage("job handled").Len(); n != 220 {
		t.Errorf("%d info lines, want all 220", n)
	}
	log.Warn("another message") // other messages have their own budget
	now = now.Add(10 * time.Second)
	log.Error("webhook event not stored, zalo will retry")
	last := logs.FilterMessage("webhook event not stored, zalo will retry").All()
	got := last[len(last)-1].ContextMap()
	if got["suppressed"] != int64(215) || got["account"] != "ca-q12" {
		t.Errorf("first line of the next window = %v, want suppressed=215 and the logger's fields", got)
	}
	if logs.FilterMessage("another message").Len() != 1 {
		t.Error("a different message was suppressed")
	}
}
