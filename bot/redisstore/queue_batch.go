package redisstore

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher sends the commands of concurrent callers to Redis together (group commit): a call
// that finds a free pipeline slot goes out at once, alone (no timer, no added latency when
// the service is quiet); calls that arrive while maxInFlight pipelines are out wait and
// leave together in the next one. Under load one write and one read carry many callers'
// commands instead of one each: the webhook spent most of its time in those two system
// calls per event, and a job's worker made five round trips (pprof of
// BenchmarkIngestService). Every caller waits for its own commands' answers, so what each
// caller sees and the order of one caller's steps are unchanged; commands of different
// callers are not one transaction (none of them needs to be).
//
// The webhook's enqueues have a batcher of their own, so the webhook's answer never waits
// behind a worker's; the workers' steps share one per client (workBatcher), so that
// different steps of concurrent jobs travel together too.
type batcher struct {
	rdb redis.UniversalClient

	mu       sync.Mutex
	pending  []*batchCall
	inFlight int
}

// workBatchers holds the workers' batcher of each client (workBatcher): the conversation
// store, follower registry, stats and queue acknowledgements are built separately on one
// client. A batcher is a few words when idle; entries stay for the client's lifetime.
var workBatchers sync.Map // redis.UniversalClient → *batcher

// workBatcher returns the batcher the workers' steps share on rdb.
func workBatcher(rdb redis.UniversalClient) *batcher {
	if b, ok := workBatchers.Load(rdb); ok {
		return b.(*batcher)
	}
	b, _ := workBatchers.LoadOrStore(rdb, &batcher{rdb: rdb})
	return b.(*batcher)
}

const (
	batchMaxInFlight = 2   // pipelines out at once
	batchMaxCalls    = 128 // callers per pipeline
)

type batchCall struct {
	ctx   context.Context
	queue func(redis.Pipeliner)
	done  chan struct{}
	err   error // the context's error, or the first of the caller's commands that failed
}

// do queues the caller's commands (queue adds them to the pipeline it is given) and
// returns when they are answered: nil, the first of them that failed (redis.Nil counts
// as an answer), or ctx's error. The caller reads its results from the commands it made,
// and only after nil: after an error the pipeline may still be filling them.
func (b *batcher) do(ctx context.Context, queue func(redis.Pipeliner)) error {
	c := &batchCall{ctx: ctx, queue: queue, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	if b.inFlight < batchMaxInFlight {
		b.inFlight++
		batch := b.take()
		b.mu.Unlock()
		go b.flushAll(batch)
	} else {
		b.mu.Unlock()
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		// The commands may still run: every caller's writes are safe to repeat (an
		// enqueue is deduplicated, the others are idempotent or counters a retry redoes
		// anyway, as before batching).
		return ctx.Err()
	}
}

// take removes up to batchMaxCalls pending calls; b.mu must be held.
func (b *batcher) take() []*batchCall {
	n := min(len(b.pending), batchMaxCalls)
	batch := make([]*batchCall, n)
	copy(batch, b.pending)
	b.pending = append(b.pending[:0], b.pending[n:]...)
	return batch
}

// flushAll sends batch, then whatever gathered meanwhile, until nothing is pending.
func (b *batcher) flushAll(batch []*batchCall) {
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

// flush sends one pipeline, bounded by the earliest caller's deadline.
func (b *batcher) flush(batch []*batchCall) {
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
	pipe := b.rdb.Pipeline()
	ends := make([]int, len(live))
	for i, c := range live {
		c.queue(pipe)
		ends[i] = pipe.Len()
	}
	cmds, _ := pipe.Exec(ctx) // errors are per command
	start := 0
	for i, c := range live {
		for _, cmd := range cmds[start:min(ends[i], len(cmds))] {
			if err := cmd.Err(); err != nil && err != redis.Nil {
				c.err = err
				break
			}
		}
		start = ends[i]
		close(c.done)
	}
}

// runScript runs script through b; when Redis no longer knows it (restarted or flushed
// since it was loaded) it is run again on its own, which loads it.
func (b *batcher) runScript(ctx context.Context, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	var cmd *redis.Cmd
	err := b.do(ctx, func(p redis.Pipeliner) { cmd = script.EvalSha(ctx, p, keys, args...) })
	switch {
	case err == nil:
		return cmd
	case strings.HasPrefix(err.Error(), "NOSCRIPT"):
		return script.Run(ctx, b.rdb, keys, args...)
	}
	failed := redis.NewCmd(ctx)
	failed.SetErr(err)
	return failed
}
