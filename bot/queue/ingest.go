package queue

import (
	"context"
	"sync/atomic"
	"time"
)

// Ingest is the webhook's load as the workers see it. Zalo waits about 2 s for the
// webhook's answer and retries (or gives up on the webhook) when it does not come, while a
// citizen's reply can come a moment later: when the replica is saturated, accepting
// events comes first. The webhook counts its requests in flight (Begin); a worker about to
// start a job while more than Busy are in flight waits (Yield) until they drop, at most
// MaxWait per job, so that work goes on, slower, however long a burst lasts. Events wait
// durably in the queue meanwhile; nothing is dropped.
//
// The default counts a single request in flight as a burst. A handler holds a request only
// while it checks and enqueues it (well under a millisecond), so even 50 connections
// posting as fast as they are answered keep just a few in the handler at a time: with the
// earlier default of 8 the workers almost never yielded, and deferring them fully raised
// BenchmarkIngestService by about a third (2 cores). A quiet service seldom has a request
// in flight, and then a worker waits at most until that one is answered.
type Ingest struct {
	// Busy is how many webhook requests in flight the workers go on beside; more is a
	// burst (default 0: any request in flight).
	Busy int64
	// MaxWait bounds one job's wait (default 200 ms): under a burst that never ends, each
	// worker still handles five jobs a second.
	MaxWait time.Duration

	inFlight atomic.Int64
	yielded  atomic.Int64
}

// Begin counts one webhook request in flight; call the returned function when it is
// answered.
func (i *Ingest) Begin() (end func()) {
	if i == nil {
		return func() {}
	}
	i.inFlight.Add(1)
	return func() { i.inFlight.Add(-1) }
}

// InFlight is the number of webhook requests in flight.
func (i *Ingest) InFlight() int64 {
	if i == nil {
		return 0
	}
	return i.inFlight.Load()
}

// Yielded counts the jobs that waited for a burst.
func (i *Ingest) Yielded() int64 {
	if i == nil {
		return 0
	}
	return i.yielded.Load()
}

// Yield waits while the webhook is in a burst, at most MaxWait, or until ctx ends.
func (i *Ingest) Yield(ctx context.Context) {
	if i == nil {
		return
	}
	busy, wait := max(i.Busy, 0), i.MaxWait
	if wait <= 0 {
		wait = 200 * time.Millisecond
	}
	if i.inFlight.Load() <= busy {
		return
	}
	i.yielded.Add(1)
	deadline := time.Now().Add(wait)
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for i.inFlight.Load() > busy && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
