// Package inmem runs oabot without Redis (demo mode, a single instance): an in-process
// queue with per-conversation ordering and dedupe, and a conversation store, behind the
// same interfaces as bot/redisstore. Everything is lost on restart, which is why
// production uses Redis.
package inmem

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
)

// ErrFull is returned by Enqueue when the partition's buffer is full; the webhook answers
// 503 and Zalo retries later.
var ErrFull = errors.New("in-memory queue is full")

// ErrDraining is returned by Enqueue once the queue is shutting down.
var ErrDraining = errors.New("queue is draining")

// QueueOptions configures a Queue. Zero values take the defaults in brackets.
type QueueOptions struct {
	Partitions    int           // one worker goroutine per partition [16]
	Size          int           // total buffered jobs, split over partitions [1000]
	DedupeTTL     time.Duration // [48h]
	MaxDeliveries int           // [5]
	JobTimeout    time.Duration // [20s]
	Logger        *zap.Logger
	Observer      bot.JobObserver
}

// Queue is a bounded in-process queue. A conversation always maps to one partition, whose
// single worker handles its jobs in arrival order.
type Queue struct {
	opts  QueueOptions
	log   *zap.Logger
	parts []chan bot.Job

	mu        sync.Mutex
	seen      map[string]time.Time // dedupe key → expiry
	sweepTick int
	nextID    uint64
	draining  bool

	running atomic.Bool
	deadMu  sync.Mutex
	dead    []bot.Job
}

var _ bot.Enqueuer = (*Queue)(nil)

// NewQueue returns an in-memory queue.
func NewQueue(opts QueueOptions) *Queue {
	if opts.Partitions <= 0 {
		opts.Partitions = 16
	}
	if opts.Size <= 0 {
		opts.Size = 1000
	}
	if opts.DedupeTTL <= 0 {
		opts.DedupeTTL = 48 * time.Hour
	}
	if opts.MaxDeliveries <= 0 {
		opts.MaxDeliveries = 5
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = 20 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	q := &Queue{opts: opts, log: opts.Logger, seen: map[string]time.Time{}}
	per := max(1, opts.Size/opts.Partitions)
	for range opts.Partitions {
		q.parts = append(q.parts, make(chan bot.Job, per))
	}
	return q
}

func (q *Queue) partition(oaID, userID string) int {
	h := fnv.New32a()
	h.Write([]byte(oaID))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	return int(h.Sum32() % uint32(len(q.parts)))
}

// Enqueue buffers job unless its dedupe key was seen; the key is marked seen only when
// the job was buffered. A full buffer gives ErrFull.
func (q *Queue) Enqueue(_ context.Context, job bot.Job) (bool, error) {
	now := time.Now()
	key := job.OAID + ":" + job.DedupeKey
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.draining {
		return false, ErrDraining
	}
	q.sweep(now)
	if job.DedupeKey != "" {
		if exp, ok := q.seen[key]; ok && now.Before(exp) {
			return false, nil
		}
	}
	q.nextID++
	job.ID = fmt.Sprint(q.nextID)
	if job.ReceivedAt.IsZero() {
		job.ReceivedAt = now
	}
	select {
	case q.parts[q.partition(job.OAID, job.UserID)] <- job:
	default:
		return false, ErrFull
	}
	if job.DedupeKey != "" {
		q.seen[key] = now.Add(q.opts.DedupeTTL)
	}
	return true, nil
}

// sweep drops expired dedupe keys now and then. Called with q.mu held.
func (q *Queue) sweep(now time.Time) {
	if q.sweepTick++; q.sweepTick < 1024 {
		return
	}
	q.sweepTick = 0
	for k, exp := range q.seen {
		if !now.Before(exp) {
			delete(q.seen, k)
		}
	}
}

// Drain makes Enqueue refuse new jobs.
func (q *Queue) Drain() {
	q.mu.Lock()
	q.draining = true
	q.mu.Unlock()
}

// Running reports whether Run is consuming.
func (q *Queue) Running() bool { return q.running.Load() }

// Ping always succeeds (nothing to reach).
func (q *Queue) Ping(context.Context) error { return nil }

// Len returns the number of buffered jobs.
func (q *Queue) Len() int {
	n := 0
	for _, c := range q.parts {
		n += len(c)
	}
	return n
}

// DeadLetters returns the jobs given up so far (the last 100).
func (q *Queue) DeadLetters() []bot.Job {
	q.deadMu.Lock()
	defer q.deadMu.Unlock()
	return append([]bot.Job(nil), q.dead...)
}

// Run handles jobs with h until ctx is cancelled, then lets in-flight jobs finish and
// returns. Jobs still buffered are lost (demo mode).
func (q *Queue) Run(ctx context.Context, h bot.Handler) error {
	q.running.Store(true)
	defer q.running.Store(false)
	var wg sync.WaitGroup
	for _, c := range q.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-c:
					q.handle(ctx, h, job)
				}
			}
		}()
	}
	wg.Wait()
	if n := q.Len(); n > 0 {
		q.log.Warn("in-memory queue stopped with jobs left", zap.Int("jobs", n))
	}
	return nil
}

// handle retries a job in place (keeping the conversation's order) up to MaxDeliveries.
func (q *Queue) handle(ctx context.Context, h bot.Handler, job bot.Job) {
	for attempt := 1; ; attempt++ {
		job.Attempt = attempt
		start := time.Now()
		err := q.call(context.WithoutCancel(ctx), h, job)
		dead := err != nil && attempt >= q.opts.MaxDeliveries
		if q.opts.Observer != nil {
			q.opts.Observer.JobDone(job, err, dead, time.Since(start))
		}
		if err == nil {
			return
		}
		if dead {
			q.log.Error("job dead-lettered", zap.String("account", job.Account),
				zap.String("event_name", job.EventName), zap.Int("attempts", attempt), zap.Error(err))
			q.deadMu.Lock()
			q.dead = append(q.dead, job)
			if len(q.dead) > 100 {
				q.dead = q.dead[1:]
			}
			q.deadMu.Unlock()
			return
		}
		q.log.Warn("job failed, will retry", zap.String("event_name", job.EventName),
			zap.Int("attempt", attempt), zap.Error(err))
		select {
		case <-ctx.Done():
			return // shutting down: in memory there is nobody to hand it to
		case <-time.After(min(time.Duration(attempt)*200*time.Millisecond, 5*time.Second)):
		}
	}
}

func (q *Queue) call(ctx context.Context, h bot.Handler, job bot.Job) (err error) {
	ctx, cancel := context.WithTimeout(ctx, q.opts.JobTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			q.log.Error("handler panicked", zap.String("event_name", job.EventName), zap.Any("panic", v),
				zap.ByteString("stack", debug.Stack()))
			err = fmt.Errorf("handler panic: %v", v)
		}
	}()
	return h.HandleJob(ctx, job)
}
