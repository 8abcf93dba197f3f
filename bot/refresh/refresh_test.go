package refresh

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// Every keeps calling after a failure, reports it, bounds each call, and stops with ctx.
func TestEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls, failures atomic.Int64
	var bounded atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, 5*time.Millisecond, func(c context.Context) error {
			if _, ok := c.Deadline(); ok {
				bounded.Store(true)
			}
			if calls.Add(1) == 1 {
				return errors.New("redis down")
			}
			return nil
		}, func(error) { failures.Add(1) })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Every did not return when ctx ended")
	}
	if calls.Load() < 3 || failures.Load() != 1 || !bounded.Load() {
		t.Errorf("calls %d, failures %d, bounded %v; want ≥3 calls after one failure, each with a deadline", calls.Load(), failures.Load(), bounded.Load())
	}
}
