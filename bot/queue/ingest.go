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
type Ingest struct {
	// Busy is how many webhook requests in flight count as a burst (default 8).
	Busy int64
	// MaxWait bounds one job's wait (default 20 ms).
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
	busy, max := i.Busy, i.MaxWait
	if busy <= 0 {
		busy = 8
	}
	if max <= 0 {
		max = 20 * time.Millisecond
	}
	if i.inFlight.Load() <= busy {
		return
	}
	i.yielded.Add(1)
	deadline := time.Now().Add(max)
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
