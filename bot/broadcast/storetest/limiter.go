package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
)

// Limiter runs the broadcast.Limiter contract against limiters made by newLimiter (sends
// per second and burst, per key): sends are paced, each key has a bucket of its own, and a
// cancelled context ends a wait.
func Limiter(t *testing.T, newLimiter func(t *testing.T, perSecond float64, burst int) broadcast.Limiter) {
	ctx := context.Background()
	t.Run("Paces", func(t *testing.T) {
		l := newLimiter(t, 50, 1)
		start := time.Now()
		for range 26 {
			if err := l.Wait(ctx, "oa1"); err != nil {
				t.Fatal(err)
			}
		}
		// 26 sends at 50/s: the first is free, 25 intervals of 20 ms follow. The upper
		// bound leaves room for a loaded machine.
		if d := time.Since(start); d < 480*time.Millisecond || d > 2*time.Second {
			t.Errorf("26 waits took %v, want about 500ms", d)
		}
	})
	t.Run("KeysApart", func(t *testing.T) {
		// At 2/s a second send on oa1 waits 500 ms; oa2's first send must not.
		l := newLimiter(t, 2, 1)
		for range 2 {
			if err := l.Wait(ctx, "oa1"); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		if err := l.Wait(ctx, "oa2"); err != nil || time.Since(start) > 250*time.Millisecond {
			t.Errorf("first wait on another key took %v, %v; want no wait", time.Since(start), err)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		l := newLimiter(t, 1, 1)
		if err := l.Wait(ctx, "oa1"); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := l.Wait(cctx, "oa1"); err == nil {
			t.Error("Wait with a cancelled context returned nil")
		}
	})
}
