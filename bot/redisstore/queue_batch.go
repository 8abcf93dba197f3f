package redisstore

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// enqueueBatcher sends concurrent Enqueue calls to Redis together: a call that finds a free
// pipeline slot goes out at once, alone (no timer, no added latency when the webhook is
// quiet); calls that arrive while maxInFlight pipelines are out wait and leave together in
// the next one. Under load one write and one read carry many events instead of one each —
// the webhook spent most of its time in those two system calls per event (pprof of
// BenchmarkIngestService). Each event is still its own atomic script call; batching changes
// neither order per conversation (a citizen's next event is sent after Zalo has its answer
// for the previous one) nor what is stored.
type enqueueBatcher struct {
	rdb redis.UniversalClient

	mu       sync.Mutex
	pending  []*enqueueCall
	inFlight int
}

const (
	enqueueMaxInFlight = 2   // pipelines out at once
	enqueueMaxBatch    = 128 // events per pipeline
)

type enqueueCall struct {
	ctx  context.Context
	keys []string
	args []any
	done chan struct{}
	n    int
	err  error
}

// run enqueues one event through the batcher and returns the script's answer.
func (b *enqueueBatcher) run(ctx context.Context, keys []string, args []any) (int, error) {
	c := &enqueueCall{ctx: ctx, keys: keys, args: args, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	if b.inFlight < enqueueMaxInFlight {
		b.inFlight++
		batch := b.take()
		b.mu.Unlock()
		go b.flushAll(batch)
	} else {
		b.mu.Unlock()
	}
	select {
	case <-c.done:
		return c.n, c.err
	case <-ctx.Done():
		// The event may still be stored: the webhook answers 503, Zalo retries, and the
		// retry is acknowledged as a duplicate. Nothing is lost.
		return 0, ctx.Err()
	}
}

// take removes up to enqueueMaxBatch pending calls; b.mu must be held.
func (b *enqueueBatcher) take() []*enqueueCall {
	n := min(len(b.pending), enqueueMaxBatch)
	batch := make([]*enqueueCall, n)
	copy(batch, b.pending)
	b.pending = append(b.pending[:0], b.pending[n:]...)
	return batch
}

// flushAll sends batch, then whatever gathered meanwhile, until nothing is pending.
func (b *enqueueBatcher) flushAll(batch []*enqueueCall) {
	for {
		b.flush(batch)
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.inFlight--
			b.mu.Unlock()
			return
		}
		batch = b.take()
		b.mu.Unlock()
	}
}

// flush sends one pipeline of script calls, bounded by the earliest caller's deadline.
func (b *enqueueBatcher) flush(batch []*enqueueCall) {
	live := batch[:0:0]
	var deadline time.Time
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		if d, ok := c.ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
			deadline = d
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	if len(live) == 1 {
		c := live[0]
		c.n, c.err = enqueueScript.Run(ctx, b.rdb, c.keys, c.args...).Int()
		close(c.done)
		return
	}
	pipe := b.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(live))
	for i, c := range live {
		cmds[i] = enqueueScript.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // errors are per command
	for i, c := range live {
		c.n, c.err = cmds[i].Int()
		if c.err != nil && strings.HasPrefix(c.err.Error(), "NOSCRIPT") {
			// Redis restarted or was flushed since the script was loaded: Run loads it.
			c.n, c.err = enqueueScript.Run(ctx, b.rdb, c.keys, c.args...).Int()
		}
		close(c.done)
	}
}
