package queue

import (
	"context"
	"testing"
	"time"
)

// A worker goes straight on when the webhook is quiet, waits while it is in a burst — until
// the burst ends or MaxWait passes — and never past its context.
func TestIngestYield(t *testing.T) {
	in := &Ingest{Busy: 2, MaxWait: 200 * time.Millisecond}
	ctx := context.Background()

	ends := []func(){in.Begin(), in.Begin()}
	start := time.Now()
	in.Yield(ctx)
	if d := time.Since(start); d > 50*time.Millisecond || in.Yielded() != 0 {
		t.Fatalf("at the threshold Yield waited %v (yielded %d)", d, in.Yielded())
	}

	ends = append(ends, in.Begin()) // 3 in flight: a burst
	start = time.Now()
	in.Yield(ctx)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("in a burst Yield returned after %v, before MaxWait", d)
	}
	if in.Yielded() != 1 {
		t.Fatalf("yielded %d", in.Yielded())
	}

	// The burst ends while a worker waits: it goes on at once.
	done := make(chan time.Duration)
	go func() {
		s := time.Now()
		in.Yield(ctx)
		done <- time.Since(s)
	}()
	for in.Yielded() != 2 { // the worker is waiting
		time.Sleep(time.Millisecond)
	}
	ends[2]()
	if d := <-done; d >= 200*time.Millisecond {
		t.Fatalf("the worker waited %v after the burst ended", d)
	}
	if in.InFlight() != 2 {
		t.Fatalf("in flight %d", in.InFlight())
	}

	// A cancelled context ends the wait.
	defer in.Begin()() // a burst again: 3 in flight
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	start = time.Now()
	in.Yield(cctx)
	if d := time.Since(start); d >= 200*time.Millisecond {
		t.Fatalf("Yield ignored its context for %v", d)
	}

	var none *Ingest // not configured: never waits
	defer none.Begin()()
	none.Yield(ctx)
}
