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

// By default a single request in flight is a burst: the handler holds each for well under a
// millisecond, so even a fully loaded webhook has only a few in flight at any moment.
func TestIngestYieldDefault(t *testing.T) {
	var in Ingest
	ctx := context.Background()
	in.Yield(ctx)
	if in.Yielded() != 0 {
		t.Fatal("a worker waited for a quiet webhook")
	}
	end := in.Begin()
	done := make(chan struct{})
	go func() {
		in.Yield(ctx)
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for in.Yielded() != 1 { // the worker waits for the one request
		if time.Now().After(deadline) {
			t.Fatal("with one request in flight the worker did not wait")
		}
		time.Sleep(time.Millisecond)
	}
	end()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker still waits after the request was answered")
	}
}
