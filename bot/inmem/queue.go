// Package inmem runs oabot without Redis (demo mode, a single instance): an in-process
// queue with per-conversation ordering and dedupe, and a conversation store, behind the
// same interfaces as bot/redisstore. Everything is lost on restart, which is why
// production uses Redis.
package inmem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/queue"
)

// ErrFull is returned by Enqueue when the partition's buffer is full; the webhook answers
// 503 and Zalo retries later.
var ErrFull = errors.New("in-memory queue is full")

// ErrDraining is returned by Enqueue once the queue is shutting down (queue.ErrDraining).
var ErrDraining = queue.ErrDraining

// QueueOptions configures a Queue. Zero values take the defaults in brackets.
type QueueOptions struct {
	Partitions    int           // one worker goroutine per partition [16]
	Size          int           // total buffered jobs, split over partitions [1000]
	DedupeTTL     time.Duration // [48h]
	MaxDeliveries int           // deliveries before dead-lettering (transient failures not counted) [5]
	JobTimeout    time.Duration // [20s]
	RetryBase     time.Duration // first backoff after a transient failure [1s]
	RetryMax      time.Duration // backoff cap for transient failures [5m]
	MaxEventAge   time.Duration // transient failures of an older event dead-letter it [3h]
	Logger        *zap.Logger
	Observer      queue.Observer
	Ingest        *queue.Ingest // when set, each job waits while the webhook is in a burst
}

// Queue is a bounded in-process queue. A conversation always maps to one partition, whose
// single worker handles its jobs in arrival order.
type Queue struct {
	opts  QueueOptions
	log   *zap.Logger
	parts []chan queue.Job

	mu        sync.Mutex
	seen      map[string]time.Time // dedupe key → expiry
	sweepTick int
	nextID    uint64
	draining  bool

	running atomic.Bool
	parked  atomic.Int64 // events waiting behind a transient failure
	deadMu  sync.Mutex
	dead    []queue.Job
}

var _ queue.Enqueuer = (*Queue)(nil)

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
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	if opts.MaxEventAge <= 0 {
		opts.MaxEventAge = 3 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	q := &Queue{opts: opts, log: opts.Logger, seen: map[string]time.Time{}}
	per := max(1, opts.Size/opts.Partitions)
	for range opts.Partitions {
		q.parts = append(q.parts, make(chan queue.Job, per))
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
// the job was buffered. A job without a dedupe key is deduplicated on its body, as in
// bot/redisstore. A full buffer gives ErrFull.
func (q *Queue) Enqueue(_ context.Context, job queue.Job) (bool, error) {
	now := time.Now()
	dk := job.DedupeKey
	if dk == "" {
		sum := sha256.Sum256(job.Raw)
		dk = "raw:" + hex.EncodeToString(sum[:16])
	}
	key := job.OAID + ":" + dk
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.draining {
		return false, ErrDraining
	}
	q.sweep(now)
	if exp, ok := q.seen[key]; ok && now.Before(exp) {
		return false, nil
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
	q.seen[key] = now.Add(q.opts.DedupeTTL)
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

// Len returns the number of buffered jobs, parked ones included.
func (q *Queue) Len() int {
	n := int(q.parked.Load())
	for _, c := range q.parts {
		n += len(c)
	}
	return n
}

// DeadLetters returns the jobs given up so far (the last 100).
func (q *Queue) DeadLetters() []queue.Job {
	q.deadMu.Lock()
	defer q.deadMu.Unlock()
	return append([]queue.Job(nil), q.dead...)
}

// Run handles jobs with h until ctx is cancelled, then lets in-flight jobs finish and
// returns. Jobs still buffered are lost (demo mode).
func (q *Queue) Run(ctx context.Context, h queue.Handler) error {
	q.running.Store(true)
	defer q.running.Store(false)
	var wg sync.WaitGroup
	for _, c := range q.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.work(ctx, h, c)
		}()
	}
	wg.Wait()
	if n := q.Len(); n > 0 {
		q.log.Warn("in-memory queue stopped with jobs left", zap.Int("jobs", n))
	}
	return nil
}

// work is one partition's worker: new jobs in arrival order, and the retries of parked
// conversations when due (see parkedConv).
func (q *Queue) work(ctx context.Context, h queue.Handler, c chan queue.Job) {
	w := &worker{q: q, h: h, parked: map[string]*parkedConv{}, hold: map[string]*queue.OAHold{}}
	for {
		var wake <-chan time.Time
		if next, ok := w.nextDue(); ok {
			wake = time.After(time.Until(next))
		}
		select {
		case <-ctx.Done():
			return
		case job := <-c:
			w.handle(ctx, job)
		case <-wake:
			w.retryDue(ctx)
		}
	}
}

// worker is one partition's state, used by its goroutine only.
type worker struct {
	q      *Queue
	h      queue.Handler
	parked map[string]*parkedConv   // conversation → its waiting jobs
	hold   map[string]*queue.OAHold // OA id → on hold after a transient failure
}

// parkedConv is a conversation whose oldest job failed transiently: its jobs wait, in
// order, for the retry at due while the partition goes on with other conversations.
// A transient failure also puts the OA on hold until the backoff of its failure streak:
// meanwhile its new jobs park without a call and its due conversations wait, so an
// outage costs about one call per OA and backoff step (the scheme of bot/redisstore's
// park lists, queue_park.go).
type parkedConv struct {
	jobs      []queue.Job
	due       time.Time
	transient int // transient failures of jobs[0]
	failures  int // other failures of jobs[0]
}

func (w *worker) nextDue() (time.Time, bool) {
	var first time.Time
	for _, pc := range w.parked {
		if first.IsZero() || pc.due.Before(first) {
			first = pc.due
		}
	}
	return first, !first.IsZero()
}

// held returns the OA's hold while it lasts.
func (w *worker) held(oaID string) (*queue.OAHold, bool) {
	h, ok := w.hold[oaID]
	return h, ok && h.Until.After(time.Now())
}

// holdOA records a transient failure of the OA (queue.HoldOA).
func (w *worker) holdOA(oaID string, err error) {
	queue.HoldOA(w.hold, oaID, err, w.q.opts.RetryBase, w.q.opts.RetryMax)
}

func convOf(job queue.Job) string { return job.OAID + ":" + job.UserID }

// handle runs a new job: behind its conversation's parked jobs if any, parked until the
// hold ends if its OA is on hold; else at once, retrying other than transient failures in
// place (keeping the conversation's order) up to MaxDeliveries, and parking the
// conversation on a transient failure.
func (w *worker) handle(ctx context.Context, job queue.Job) {
	q := w.q
	conv := convOf(job)
	if pc, ok := w.parked[conv]; ok {
		pc.jobs = append(pc.jobs, job)
		q.parked.Add(1)
		return
	}
	if h, ok := w.held(job.OAID); ok {
		w.parked[conv] = &parkedConv{jobs: []queue.Job{job}, due: h.Until}
		q.parked.Add(1)
		return
	}
	for attempt := 1; ; attempt++ {
		job.Attempt = attempt
		start := time.Now()
		err := q.call(context.WithoutCancel(ctx), w.h, job)
		if hint, transient := queue.IsTransient(err); transient {
			if q.tooOld(job) {
				q.dead1(job, err, time.Since(start), q.tooOldReason(1, err))
				return
			}
			q.observe(job, err, false, time.Since(start))
			w.holdOA(job.OAID, err)
			due := time.Now().Add(queue.Backoff(1, q.opts.RetryBase, q.opts.RetryMax, hint))
			w.parked[conv] = &parkedConv{jobs: []queue.Job{job}, due: due, transient: 1, failures: attempt - 1}
			q.parked.Add(1)
			q.log.Warn("job failed transiently, conversation parked", zap.String("event_name", job.EventName),
				zap.Duration("retry_in", time.Until(due).Round(time.Millisecond)), zap.Error(err))
			return
		}
		dead := err != nil && attempt >= q.opts.MaxDeliveries
		if err == nil || !dead {
			q.observe(job, err, false, time.Since(start))
		}
		if err == nil {
			delete(w.hold, job.OAID)
			return
		}
		if dead {
			q.dead1(job, err, time.Since(start), err.Error())
			return
		}
		q.log.Warn("job failed, will retry", zap.String("event_name", job.EventName),
			zap.Int("attempt", attempt), zap.Error(err))
		select {
		case <-ctx.Done():
			return // shutting down: in memory there is nobody to hand it to
		case <-time.After(retryDelay(attempt)):
		}
	}
}

// retryDue retries the parked conversations whose time has come, earliest first.
func (w *worker) retryDue(ctx context.Context) {
	now := time.Now()
	var due []string
	for conv, pc := range w.parked {
		if !pc.due.After(now) {
			due = append(due, conv)
		}
	}
	sort.Slice(due, func(i, j int) bool { return w.parked[due[i]].due.Before(w.parked[due[j]].due) })
	for _, conv := range due {
		if ctx.Err() != nil {
			return
		}
		w.retryConversation(ctx, conv)
	}
}

// retryConversation handles a parked conversation's jobs in order until none is left,
// the oldest fails again, or its OA is on hold.
func (w *worker) retryConversation(ctx context.Context, conv string) {
	q := w.q
	pc := w.parked[conv]
	pop := func() bool {
		pc.jobs = pc.jobs[1:]
		pc.transient, pc.failures = 0, 0
		q.parked.Add(-1)
		if len(pc.jobs) == 0 {
			delete(w.parked, conv)
			return false
		}
		return true
	}
	for ctx.Err() == nil {
		job := pc.jobs[0]
		if h, ok := w.held(job.OAID); ok {
			if q.tooOld(job) {
				q.dead1(job, h.LastErr, 0, q.tooOldReason(max(pc.transient, h.Failures), h.LastErr))
				if !pop() {
					return
				}
				continue
			}
			pc.due = h.Until
			return
		}
		job.Attempt = pc.transient + pc.failures + 1
		start := time.Now()
		err := q.call(context.WithoutCancel(ctx), w.h, job)
		took := time.Since(start)
		if err == nil {
			q.observe(job, nil, false, took)
			delete(w.hold, job.OAID)
			if !pop() {
				return
			}
			continue
		}
		var delay time.Duration
		if hint, transient := queue.IsTransient(err); transient {
			pc.transient++
			if q.tooOld(job) {
				q.dead1(job, err, took, q.tooOldReason(pc.transient, err))
				if !pop() {
					return
				}
				continue
			}
			w.holdOA(job.OAID, err)
			delay = queue.Backoff(pc.transient, q.opts.RetryBase, q.opts.RetryMax, hint)
		} else {
			pc.failures++
			if pc.failures >= q.opts.MaxDeliveries {
				q.dead1(job, err, took, err.Error())
				if !pop() {
					return
				}
				continue
			}
			delay = retryDelay(pc.failures)
		}
		q.observe(job, err, false, took)
		pc.due = time.Now().Add(delay)
		q.log.Warn("parked job failed again", zap.String("event_name", job.EventName),
			zap.Int("transient_failures", pc.transient), zap.Int("failures", pc.failures),
			zap.Duration("retry_in", delay), zap.Error(err))
		return
	}
}

func retryDelay(attempt int) time.Duration {
	return min(time.Duration(attempt)*200*time.Millisecond, 5*time.Second)
}

func (q *Queue) tooOld(job queue.Job) bool {
	return !job.ReceivedAt.IsZero() && time.Since(job.ReceivedAt) > q.opts.MaxEventAge
}

func (q *Queue) tooOldReason(transient int, err error) string {
	return fmt.Sprintf("event older than max_event_age (%v) after %d transient failures; last error: %v",
		q.opts.MaxEventAge, transient, err)
}

func (q *Queue) observe(job queue.Job, err error, dead bool, took time.Duration) {
	if q.opts.Observer != nil {
		q.opts.Observer.JobDone(job, err, dead, took)
	}
}

// dead1 gives a job up: observed as dead, logged with the reason, kept in the last 100.
func (q *Queue) dead1(job queue.Job, err error, took time.Duration, reason string) {
	q.observe(job, err, true, took)
	q.log.Error("job dead-lettered", zap.String("account", job.Account),
		zap.String("event_name", job.EventName), zap.Int("attempts", job.Attempt), zap.String("error", reason))
	q.deadMu.Lock()
	q.dead = append(q.dead, job)
	if len(q.dead) > 100 {
		q.dead = q.dead[1:]
	}
	q.deadMu.Unlock()
}

func (q *Queue) call(ctx context.Context, h queue.Handler, job queue.Job) (err error) {
	q.opts.Ingest.Yield(ctx)
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
