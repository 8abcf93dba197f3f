package redisstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/queue"
)

// Lease scripts: only the holder (ARGV[1]) may renew or release.
var (
	renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
	// acquireScript takes a free lease, or keeps one this instance still holds (e.g. after
	// its worker stopped on a Redis error and the lease has not expired yet).
	acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) and 1 end
return 0`)
	// releaseScript gives a lease back and notes, for ARGV[2] ms, that this consumer left
	// cleanly, so the next owner may claim its pending entries (a job that was waiting
	// for a retry) at once instead of after ClaimIdle. KEYS[1]: lease, KEYS[2]: hand-off.
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return redis.call('DEL', KEYS[1])
end
return 0`)
)

// owned is one partition this instance holds the lease of, and its worker goroutine.
type owned struct {
	p       int
	stop    chan struct{} // closed to ask the worker to finish its batch and return
	done    chan struct{} // closed by the worker when it returned
	renewed atomic.Int64  // unix nanos of the last successful lease renewal
	lost    atomic.Bool   // set when the lease is found held by someone else
	stopped bool          // stop already closed
	// parked is the worker's copy of the partition's retry schedule (conversation → next
	// retry), loaded when the worker starts; only the lease holder changes it.
	parked map[string]time.Time
	// hold is, per OA id, until when its new events park without a handler call (a
	// transient failure of the OA is being retried; queue_park.go).
	hold map[string]*queue.OAHold
}

// valid reports whether the worker may still read: the lease was renewed recently enough
// that it cannot have expired.
func (o *owned) valid(ttl time.Duration) bool {
	return !o.lost.Load() && time.Since(time.Unix(0, o.renewed.Load())) < ttl*3/4
}

func (o *owned) requestStop() {
	if !o.stopped {
		close(o.stop)
		o.stopped = true
	}
}

// Run consumes the queue with h until ctx is cancelled. Then it stops reading, lets
// in-flight jobs finish (each bounded by JobTimeout), releases its leases and returns.
// It returns an error only when ctx ends before the consumer groups could be created.
func (q *Queue) Run(ctx context.Context, h queue.Handler) error {
	// Redis may blink while an instance starts: keep trying until ctx ends.
	for err := q.ensureGroups(ctx); err != nil; err = q.ensureGroups(ctx) {
		q.log.Warn("cannot create consumer groups, retrying", zap.Error(err))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
	q.running.Store(true)
	defer q.running.Store(false)

	r := &runner{q: q, h: h, sem: make(chan struct{}, q.opts.Workers), owned: map[int]*owned{}}
	tick := time.NewTicker(q.opts.LeaseTTL / 3)
	defer tick.Stop()
	for {
		r.rebalance(ctx)
		select {
		case <-ctx.Done():
			r.shutdown()
			return nil
		case <-tick.C:
		}
	}
}

func (q *Queue) ensureGroups(ctx context.Context) error {
	for p := range q.opts.Partitions {
		if err := q.ensureGroup(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// ensureGroup creates partition p's group reading from the start ("0"), so events queued
// before any consumer existed are not skipped.
func (q *Queue) ensureGroup(ctx context.Context, p int) error {
	err := q.rdb.XGroupCreateMkStream(ctx, q.streamKey(p), consumerGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group: %w", err)
	}
	return nil
}

type runner struct {
	q     *Queue
	h     queue.Handler
	sem   chan struct{}
	owned map[int]*owned
	wg    sync.WaitGroup
}

// rebalance heartbeats, renews held leases, hands back surplus partitions and takes free
// ones up to this instance's share.
func (r *runner) rebalance(ctx context.Context) {
	q := r.q
	now := time.Now()
	live, err := r.heartbeat(ctx, now)
	if err != nil {
		q.log.Warn("queue heartbeat failed", zap.Error(err))
		live = 1
	}
	for p, o := range r.owned {
		select {
		case <-o.done:
			// The worker returned (hand-off or lost lease): let the partition go.
			r.release(context.WithoutCancel(ctx), o)
			delete(r.owned, p)
			continue
		default:
		}
		n, err := renewScript.Run(ctx, q.rdb, []string{q.leaseKey(p)}, q.opts.Consumer, q.opts.LeaseTTL.Milliseconds()).Int()
		switch {
		case err != nil:
			q.log.Warn("lease renewal failed", zap.Int("partition", p), zap.Error(err))
		case n == 0:
			q.log.Warn("lease lost", zap.Int("partition", p))
			o.lost.Store(true)
			o.requestStop()
		default:
			o.renewed.Store(now.UnixNano())
		}
	}
	target := (q.opts.Partitions + live - 1) / live
	active := 0
	for _, o := range r.owned {
		if !o.stopped {
			active++
		}
	}
	// Hand back the highest partitions beyond our share; a new instance picks them up
	// once the worker finished its batch and the lease is released.
	for p := q.opts.Partitions - 1; p >= 0 && active > target; p-- {
		if o, ok := r.owned[p]; ok && !o.stopped {
			o.requestStop()
			active--
		}
	}
	if ctx.Err() != nil {
		return
	}
	start := r.startOffset()
	for i := 0; i < q.opts.Partitions && active < target; i++ {
		p := (start + i) % q.opts.Partitions
		if _, ok := r.owned[p]; ok {
			continue
		}
		n, err := acquireScript.Run(ctx, q.rdb, []string{q.leaseKey(p)}, q.opts.Consumer, q.opts.LeaseTTL.Milliseconds()).Int()
		if err != nil {
			q.log.Warn("lease acquire failed", zap.Int("partition", p), zap.Error(err))
			return
		}
		if n == 1 {
			r.start(ctx, p, now)
			active++
		}
	}
}

// heartbeat registers this instance and returns the number of live instances.
func (r *runner) heartbeat(ctx context.Context, now time.Time) (int, error) {
	q := r.q
	key := q.replicasKey()
	pipe := q.rdb.TxPipeline()
	pipe.ZAdd(ctx, key, redis.Z{Score: float64(now.UnixMilli()), Member: q.opts.Consumer})
	pipe.ZRemRangeByScore(ctx, key, "-inf", fmt.Sprint(now.Add(-q.opts.LeaseTTL).UnixMilli()))
	card := pipe.ZCard(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	if n := int(card.Val()); n > 0 {
		return n, nil
	}
	return 1, nil
}

// startOffset spreads instances over different first partitions.
func (r *runner) startOffset() int {
	h := fnv.New32a()
	h.Write([]byte(r.q.opts.Consumer))
	return int(h.Sum32() % uint32(r.q.opts.Partitions))
}

func (r *runner) start(ctx context.Context, p int, now time.Time) {
	o := &owned{p: p, stop: make(chan struct{}), done: make(chan struct{})}
	o.renewed.Store(now.UnixNano())
	r.owned[p] = o
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(o.done)
		// Workers outlive ctx by design: on shutdown they finish their batch (each job
		// bounded by JobTimeout) and then stop.
		r.work(context.WithoutCancel(ctx), o)
	}()
}

// shutdown stops every worker, waits, and releases leases and the registration.
func (r *runner) shutdown() {
	q := r.q
	for _, o := range r.owned {
		o.requestStop()
	}
	r.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, o := range r.owned {
		r.release(ctx, o)
	}
	_ = q.rdb.ZRem(ctx, q.replicasKey(), q.opts.Consumer).Err()
	q.log.Info("queue consumer stopped", zap.Int("partitions_released", len(r.owned)))
}

// release gives back a lease this instance still holds.
func (r *runner) release(ctx context.Context, o *owned) {
	q := r.q
	if o.lost.Load() {
		return
	}
	err := releaseScript.Run(ctx, q.rdb, []string{q.leaseKey(o.p), q.handoffKey(o.p)}, q.opts.Consumer,
		q.opts.ClaimIdle.Milliseconds()).Err()
	if err != nil {
		q.log.Warn("lease release failed", zap.Int("partition", o.p), zap.Error(err))
	}
}

// work is one partition's loop: first the entries a previous owner left pending, then
// new entries, one at a time in stream order.
func (r *runner) work(ctx context.Context, o *owned) {
	q := r.q
	stream := q.streamKey(o.p)
	recovered := false
	backoff := func(d time.Duration) bool {
		select {
		case <-o.stop:
			return false
		case <-time.After(d):
			return true
		}
	}
	for {
		select {
		case <-o.stop:
			return
		default:
		}
		if !o.valid(q.opts.LeaseTTL) {
			if o.lost.Load() || !backoff(100*time.Millisecond) {
				return
			}
			continue
		}
		if o.parked == nil {
			if err := r.loadParked(ctx, o); err != nil {
				q.log.Warn("load parked failed", zap.Int("partition", o.p), zap.Error(err))
				if !backoff(time.Second) {
					return
				}
				continue
			}
		}
		if !recovered {
			waiting, err := r.recoverPending(ctx, o)
			if err != nil {
				q.log.Warn("claim pending failed", zap.Int("partition", o.p), zap.Error(err))
				if !backoff(time.Second) {
					return
				}
				continue
			}
			if waiting {
				// Another consumer still holds recent pending entries: they come before
				// anything new, so wait until they are acknowledged or claimable.
				if !backoff(min(q.opts.ClaimIdle/4, time.Second)) {
					return
				}
				continue
			}
			recovered = true
		}
		if !r.retryDue(ctx, o) {
			return
		}
		block := q.opts.Block
		if d, ok := o.nextDue(time.Now()); ok {
			// Wake up for the next parked retry; BLOCK 0 would mean forever.
			block = max(min(block, d), time.Millisecond)
		}
		streams, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: consumerGroup, Consumer: q.opts.Consumer, Streams: []string{stream, ">"},
			Count: 16, Block: block,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if strings.HasPrefix(err.Error(), "NOGROUP") {
				_ = q.ensureGroup(ctx, o.p)
			} else {
				q.log.Warn("read stream failed", zap.Int("partition", o.p), zap.Error(err))
			}
			if !backoff(500 * time.Millisecond) {
				return
			}
			continue
		}
		for _, s := range streams {
			for _, m := range s.Messages {
				// The batch is finished even after a stop request (the entries are ours
				// already), but not once the lease is lost or could not be renewed: the
				// new owner claims them.
				if !o.valid(q.opts.LeaseTTL) || !r.process(ctx, o, m, 1) {
					return
				}
			}
		}
	}
}

// recoverPending claims entries left pending by other consumers once idle for ClaimIdle
// and handles them in order. It reports waiting == true while pending entries of other
// consumers remain that are not yet claimable.
func (r *runner) recoverPending(ctx context.Context, o *owned) (waiting bool, err error) {
	q := r.q
	stream := q.streamKey(o.p)
	for {
		// Our own pending entries (from an earlier life of this partition in this process)
		// are claimable at once; others' only after ClaimIdle.
		pend, err := q.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: stream, Group: consumerGroup, Start: "-", End: "+", Count: 64,
		}).Result()
		if err != nil {
			if strings.HasPrefix(err.Error(), "NOGROUP") {
				return false, q.ensureGroup(ctx, o.p)
			}
			return false, err
		}
		if len(pend) == 0 {
			return false, nil
		}
		first := pend[0]
		// Entries of a consumer that handed the partition over cleanly are claimed at once;
		// those of one that may still be alive (or died) only after ClaimIdle.
		minIdle := q.opts.ClaimIdle
		if first.Consumer == q.opts.Consumer {
			minIdle = 0
		} else if h, err := q.rdb.Get(ctx, q.handoffKey(o.p)).Result(); err == nil && h == first.Consumer {
			minIdle = 0
		}
		if first.Idle < minIdle {
			return true, nil
		}
		msgs, err := q.rdb.XClaim(ctx, &redis.XClaimArgs{
			Stream: stream, Group: consumerGroup, Consumer: q.opts.Consumer,
			MinIdle: minIdle, Messages: []string{first.ID},
		}).Result()
		if err != nil {
			return false, err
		}
		if len(msgs) == 0 {
			// Either its owner touched it again (idle reset) or the entry was trimmed away;
			// only the latter is dropped from the PEL (Redis < 7 keeps it there).
			exists, err := q.rdb.XRangeN(ctx, stream, first.ID, first.ID, 1).Result()
			if err != nil {
				return false, err
			}
			if len(exists) == 0 {
				if err := q.rdb.XAck(ctx, stream, consumerGroup, first.ID).Err(); err != nil {
					return false, err
				}
			}
			continue
		}
		q.log.Info("claimed pending entry", zap.Int("partition", o.p), zap.String("from", first.Consumer),
			zap.Int64("deliveries", first.RetryCount+1))
		if !r.process(ctx, o, msgs[0], int(first.RetryCount)+1) {
			return false, errors.New("stopped")
		}
	}
}

// process hands one entry to the handler, retrying other than transient failures in
// place (the partition waits a little, which keeps the order) until it succeeds or is
// dead-lettered; a transient failure parks the conversation (queue_park.go), and an entry
// of a parked conversation is appended to its park list without being handled. It reports false when the
// worker must stop (stop requested or lease lost while retrying); the entry then stays
// pending for the next owner.
func (r *runner) process(ctx context.Context, o *owned, m redis.XMessage, attempt int) bool {
	q := r.q
	job := decodeJob(m)
	if _, parked := o.parked[convOf(job)]; parked {
		// An earlier event of this conversation waits for a retry: queue up behind it.
		return r.parkAppend(ctx, o, m, job)
	}
	if h, held := o.hold[job.OAID]; held && h.Until.After(time.Now()) {
		// The OA's calls fail transiently right now: wait for the probe's retry.
		return r.parkHeld(ctx, o, m, job, h.Until)
	}
	for {
		job.Attempt = attempt
		if attempt > q.opts.MaxDeliveries {
			// Delivered too often without an answer (e.g. it crashes the process).
			r.observe(job, errTooManyDeliveries, true, 0)
			r.deadLetter(ctx, o.p, m, attempt-1, errTooManyDeliveries.Error())
			return true
		}
		q.opts.Ingest.Yield(ctx)
		start := time.Now()
		err := r.call(ctx, job)
		took := time.Since(start)
		if err == nil {
			r.observe(job, nil, false, took)
			// The OA works: end its failure streak, as a success from a park list does
			// (queue.HoldOA), so one failing event does not grow its OA's hold.
			delete(o.hold, job.OAID)
			if err := r.ack(ctx, o.p, m.ID); err != nil {
				// Redis is unreachable: stop this partition rather than handle more
				// entries that could not be acknowledged either. The entry stays pending
				// and is handled again by whoever owns the partition next.
				q.log.Warn("ack failed, pausing partition", zap.Int("partition", o.p), zap.Error(err))
				return false
			}
			return true
		}
		if _, transient := queue.IsTransient(err); transient {
			// Not the job's fault: park the conversation and go on with the others.
			return r.parkHead(ctx, o, m, job, err, attempt-1, took)
		}
		if attempt >= q.opts.MaxDeliveries {
			r.observe(job, err, true, took)
			r.deadLetter(ctx, o.p, m, attempt, err.Error())
			return true
		}
		r.observe(job, err, false, took)
		q.log.Warn("job failed, will retry", zap.Int("partition", o.p), zap.String("event_name", job.EventName),
			zap.Int("attempt", attempt), zap.Error(err))
		select {
		case <-o.stop:
			return false
		case <-time.After(retryDelay(attempt)):
		}
		if !o.valid(q.opts.LeaseTTL) {
			return false
		}
		// XCLAIM to ourselves bumps the delivery counter in Redis, so a crash between
		// attempts still counts toward MaxDeliveries.
		if err := q.rdb.XClaimJustID(ctx, &redis.XClaimArgs{Stream: q.streamKey(o.p), Group: consumerGroup,
			Consumer: q.opts.Consumer, Messages: []string{m.ID}}).Err(); err != nil {
			q.log.Warn("re-claim failed", zap.Int("partition", o.p), zap.Error(err))
		}
		attempt++
	}
}

var errTooManyDeliveries = errors.New("too many deliveries")

func retryDelay(attempt int) time.Duration {
	return min(time.Duration(attempt)*200*time.Millisecond, 5*time.Second)
}

// call runs the handler with its own timeout, turning a panic into an error.
func (r *runner) call(ctx context.Context, job queue.Job) (err error) {
	r.sem <- struct{}{}
	defer func() { <-r.sem }()
	ctx, cancel := context.WithTimeout(ctx, r.q.opts.JobTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			r.q.log.Error("handler panicked", zap.String("event_name", job.EventName), zap.Any("panic", v),
				zap.ByteString("stack", debug.Stack()))
			err = fmt.Errorf("handler panic: %v", v)
		}
	}()
	return r.h.HandleJob(ctx, job)
}

// ack acknowledges and deletes a handled entry (the stream keeps only unfinished work).
func (r *runner) ack(ctx context.Context, p int, id string) error {
	stream := r.q.streamKey(p)
	return r.q.acks.do(ctx, func(pipe redis.Pipeliner) {
		pipe.XAck(ctx, stream, consumerGroup, id)
		pipe.XDel(ctx, stream, id)
	})
}

// deadLetter moves an entry to the partition's dead-letter stream in one transaction.
func (r *runner) deadLetter(ctx context.Context, p int, m redis.XMessage, attempts int, reason string) {
	q := r.q
	vals := make(map[string]any, len(m.Values)+3)
	for k, v := range m.Values {
		vals[k] = v
	}
	vals["attempts"] = attempts
	vals["error"] = reason
	vals["orig_id"] = m.ID
	stream := q.streamKey(p)
	_, err := q.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: q.deadKey(p), MaxLen: 10_000, Approx: true, Values: vals})
		pipe.XAck(ctx, stream, consumerGroup, m.ID)
		pipe.XDel(ctx, stream, m.ID)
		return nil
	})
	job := decodeJob(m)
	if err != nil {
		q.log.Error("dead-letter failed", zap.Int("partition", p), zap.Error(err))
		return
	}
	q.log.Error("job dead-lettered", zap.Int("partition", p), zap.String("account", job.Account),
		zap.String("event_name", job.EventName), zap.Int("attempts", attempts), zap.String("error", reason))
}

func (r *runner) observe(job queue.Job, err error, dead bool, took time.Duration) {
	if r.q.opts.Observer != nil {
		r.q.opts.Observer.JobDone(job, err, dead, took)
	}
}
