package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func testJob(conv string, seq int) queue.Job {
	raw, _ := json.Marshal(map[string]any{"c": conv, "s": seq})
	return queue.Job{Account: "acc", OAID: "oa1", UserID: conv, EventName: "user_send_text",
		DedupeKey: fmt.Sprintf("%s-%d", conv, seq), Raw: raw}
}

func newTestQueue(t *testing.T, rdb redis.UniversalClient, prefix string, mod func(*QueueOptions)) *Queue {
	t.Helper()
	opts := QueueOptions{Prefix: prefix, Partitions: 8, LeaseTTL: 600 * time.Millisecond,
		ClaimIdle: 800 * time.Millisecond, Block: 100 * time.Millisecond, MaxDeliveries: 3,
		JobTimeout: 5 * time.Second, Logger: zaptest.NewLogger(t)}
	if mod != nil {
		mod(&opts)
	}
	q, err := NewQueue(rdb, opts)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// startQueue runs q.Run until the returned stop function is called (and waits for it).
func startQueue(t *testing.T, q *Queue, h queue.Handler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// recorder is a handler that remembers the sequence numbers seen per conversation.
type recorder struct {
	mu    sync.Mutex
	seen  map[string][]int
	total atomic.Int64
	delay time.Duration
	fail  func(conv string, seq int, attempt int) error
}

func (r *recorder) HandleJob(ctx context.Context, job queue.Job) error {
	var ev struct {
		C string `json:"c"`
		S int    `json:"s"`
	}
	if err := json.Unmarshal(job.Raw, &ev); err != nil {
		return err
	}
	if r.fail != nil {
		if err := r.fail(ev.C, ev.S, job.Attempt); err != nil {
			return err
		}
	}
	time.Sleep(r.delay)
	r.mu.Lock()
	if r.seen == nil {
		r.seen = map[string][]int{}
	}
	r.seen[ev.C] = append(r.seen[ev.C], ev.S)
	r.mu.Unlock()
	r.total.Add(1)
	return nil
}

func (r *recorder) waitTotal(t *testing.T, n int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for r.total.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d jobs within %v, want %d", r.total.Load(), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkExactlyOnceInOrder wants seqs 0..perConv-1 exactly once, in order, per conversation.
func (r *recorder) checkExactlyOnceInOrder(t *testing.T, convs, perConv int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) != convs {
		t.Errorf("saw %d conversations, want %d", len(r.seen), convs)
	}
	for c, seqs := range r.seen {
		if len(seqs) != perConv {
			t.Errorf("conversation %s: handled %d events, want %d (lost or twice)", c, len(seqs), perConv)
		}
		for i, s := range seqs {
			if s != i {
				t.Errorf("conversation %s: event #%d is seq %d, want %d (order %v)", c, i, s, i, seqs)
				break
			}
		}
	}
}

func TestEnqueueDedupe(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, nil)
	ctx := context.Background()
	job := testJob("u1", 1)
	for i, want := range []bool{true, false, false} {
		got, err := q.Enqueue(ctx, job)
		if err != nil || got != want {
			t.Fatalf("Enqueue #%d = %v, %v; want %v, nil", i, got, err, want)
		}
	}
	p := q.Partition(job.OAID, job.UserID)
	if n := rdb.XLen(ctx, q.streamKey(p)).Val(); n != 1 {
		t.Errorf("stream length = %d, want 1", n)
	}
	ttl := rdb.TTL(ctx, q.seenKey(p, job.OAID+":"+job.DedupeKey)).Val()
	if ttl < 47*time.Hour || ttl > 48*time.Hour {
		t.Errorf("dedupe key TTL = %v, want about 48h", ttl)
	}
}

// A failing XADD (here: the stream key holds a string) must not leave the event marked seen.
func TestEnqueueFailureLeavesNothingSeen(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, nil)
	ctx := context.Background()
	job := testJob("u2", 1)
	p := q.Partition(job.OAID, job.UserID)
	rdb.Set(ctx, q.streamKey(p), "not a stream", 0)
	if _, err := q.Enqueue(ctx, job); err == nil {
		t.Fatal("Enqueue on a broken stream key succeeded")
	}
	if n := rdb.Exists(ctx, q.seenKey(p, job.OAID+":"+job.DedupeKey)).Val(); n != 0 {
		t.Fatal("event marked seen although it was not queued")
	}
	rdb.Del(ctx, q.streamKey(p))
	if ok, err := q.Enqueue(ctx, job); !ok || err != nil {
		t.Fatalf("retry Enqueue = %v, %v; want true, nil", ok, err)
	}
}

func TestEnqueueRedisDown(t *testing.T) {
	srv := redistest.NewServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	q := newTestQueue(t, rdb, "t:", nil)
	job := testJob("u3", 1)
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := q.Enqueue(ctx, job); err == nil {
		t.Fatal("Enqueue with Redis stopped succeeded")
	}
	srv.Start()
	var ok bool
	var err error
	for range 20 { // the pool reconnects on first use
		if ok, err = q.Enqueue(context.Background(), job); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !ok || err != nil {
		t.Fatalf("Enqueue after restart = %v, %v; want true, nil", ok, err)
	}
}

// Two instances on one Redis, 1,000 events over 50 conversations; one instance is stopped
// mid-run. Every event must be handled exactly once and in order per conversation.
func TestTwoInstancesExactlyOnceInOrder(t *testing.T) {
	rdb, prefix := redistest.New(t)
	const convs, perConv = 50, 20
	rec := &recorder{delay: 500 * time.Microsecond}
	qa := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Consumer = "A" })
	qb := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Consumer = "B" })
	stopA := startQueue(t, qa, rec)
	startQueue(t, qb, rec)

	ctx := context.Background()
	for s := range perConv {
		for c := range convs {
			if ok, err := qa.Enqueue(ctx, testJob(fmt.Sprintf("c%02d", c), s)); !ok || err != nil {
				t.Fatalf("Enqueue = %v, %v", ok, err)
			}
		}
		if s == perConv/2 {
			rec.waitTotal(t, 300, 20*time.Second)
			stopA() // graceful: A finishes its batch, releases its leases; B takes over
		}
	}
	rec.waitTotal(t, convs*perConv, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // anything handled twice would show up now
	rec.checkExactlyOnceInOrder(t, convs, perConv)
	if n, _ := qb.Backlog(ctx); n != 0 {
		t.Errorf("backlog after run = %d, want 0", n)
	}
}

// A consumer that died holding pending entries: the new owner claims them after
// ClaimIdle and handles them before later entries.
func TestDeadConsumerPendingClaimedInOrder(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Partitions = 1; o.Consumer = "live" })
	ctx := context.Background()
	if err := q.ensureGroups(ctx); err != nil {
		t.Fatal(err)
	}
	for s := range 5 {
		if _, err := q.Enqueue(ctx, testJob("c", s)); err != nil {
			t.Fatal(err)
		}
	}
	// The ghost reads two entries and dies without acknowledging them.
	got, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: consumerGroup, Consumer: "ghost",
		Streams: []string{q.streamKey(0), ">"}, Count: 2}).Result()
	if err != nil || len(got[0].Messages) != 2 {
		t.Fatalf("ghost read = %v, %v", got, err)
	}
	rec := &recorder{}
	start := time.Now()
	startQueue(t, q, rec)
	rec.waitTotal(t, 5, 10*time.Second)
	if took := time.Since(start); took < q.opts.ClaimIdle {
		t.Errorf("pending entries handled after %v, before ClaimIdle %v", took, q.opts.ClaimIdle)
	}
	rec.checkExactlyOnceInOrder(t, 1, 5)
}

type countingObserver struct{ done, failed, dead atomic.Int64 }

func (o *countingObserver) JobDone(_ queue.Job, err error, dead bool, _ time.Duration) {
	o.done.Add(1)
	if err != nil {
		o.failed.Add(1)
	}
	if dead {
		o.dead.Add(1)
	}
}

func TestDeadLetter(t *testing.T) {
	rdb, prefix := redistest.New(t)
	obs := &countingObserver{}
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Observer = obs; o.Partitions = 2 })
	rec := &recorder{fail: func(_ string, seq, attempt int) error {
		if seq == 1 {
			return errors.New("always fails")
		}
		if seq == 2 && attempt < 2 {
			return errors.New("fails once")
		}
		return nil
	}}
	ctx := context.Background()
	for s := range 4 {
		if _, err := q.Enqueue(ctx, testJob("c", s)); err != nil {
			t.Fatal(err)
		}
	}
	startQueue(t, q, rec)
	rec.waitTotal(t, 3, 15*time.Second)
	rec.mu.Lock()
	order := fmt.Sprint(rec.seen["c"])
	rec.mu.Unlock()
	if order != "[0 2 3]" {
		t.Errorf("handled %s, want [0 2 3] (1 dead-lettered, 2 retried in place)", order)
	}
	dl, err := q.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 1 {
		t.Fatalf("DeadLetters = %v, %v; want one", dl, err)
	}
	if dl[0].Job.DedupeKey != "c-1" || dl[0].Job.Attempt != 3 || dl[0].Reason != "always fails" {
		t.Errorf("dead letter = %+v", dl[0])
	}
	if obs.dead.Load() != 1 || obs.failed.Load() != 4 {
		t.Errorf("observer dead=%d failed=%d, want 1 and 4", obs.dead.Load(), obs.failed.Load())
	}
}

// A retrying partition does not hold up other partitions, and Run returns promptly
// on cancel with leases released.
func TestShutdownReleasesLeases(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Partitions = 4 })
	stop := startQueue(t, q, &recorder{})
	deadline := time.Now().Add(5 * time.Second)
	for !q.Running() || rdb.Exists(context.Background(), q.leaseKey(0), q.leaseKey(1), q.leaseKey(2), q.leaseKey(3)).Val() != 4 {
		if time.Now().After(deadline) {
			t.Fatal("queue did not take all 4 leases")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	stop()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	if n := rdb.Exists(context.Background(), q.leaseKey(0), q.leaseKey(1), q.leaseKey(2), q.leaseKey(3)).Val(); n != 0 {
		t.Errorf("%d leases left after shutdown", n)
	}
	if q.Running() {
		t.Error("Running() after shutdown")
	}
}

// An instance that loses Redis mid-run (crash or partition: its client is closed): its
// leases expire, the other instance takes its partitions and claims its pending entries
// after ClaimIdle. Nothing is lost and the order holds; entries the dead instance was
// handling when it died may be handled again (delivery is at least once).
func TestInstanceCrashPendingClaimed(t *testing.T) {
	rdb, prefix := redistest.New(t)
	const convs, perConv = 50, 20
	rec := &recorder{delay: 500 * time.Microsecond}
	rdbA := redis.NewClient(rdb.Options())
	qa := newTestQueue(t, rdbA, prefix, func(o *QueueOptions) { o.Consumer = "A" })
	qb := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Consumer = "B" })
	startQueue(t, qa, rec)
	startQueue(t, qb, rec)
	ctx := context.Background()
	for s := range perConv {
		for c := range convs {
			if ok, err := qb.Enqueue(ctx, testJob(fmt.Sprintf("c%02d", c), s)); !ok || err != nil {
				t.Fatalf("Enqueue = %v, %v", ok, err)
			}
		}
		if s == perConv/2 {
			rec.waitTotal(t, 300, 20*time.Second)
			rdbA.Close() // A can no longer renew, read or acknowledge
		}
	}
	rec.waitTotal(t, convs*perConv, 30*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := qb.Backlog(ctx); n != 0; n, _ = qb.Backlog(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("backlog stuck at %d", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	dups := 0
	for c, seqs := range rec.seen {
		var first []int
		seen := map[int]bool{}
		for _, s := range seqs {
			if seen[s] {
				dups++
				continue
			}
			seen[s] = true
			first = append(first, s)
		}
		if len(first) != perConv {
			t.Errorf("conversation %s: %d distinct events handled, want %d (lost)", c, len(first), perConv)
		}
		for i, s := range first {
			if s != i {
				t.Errorf("conversation %s out of order: %v", c, seqs)
				break
			}
		}
	}
	t.Logf("handled again after the crash: %d of %d", dups, convs*perConv)
	if dups > 8 { // at most the one in-flight job of each partition A held
		t.Errorf("%d events handled twice, more than A could have had in flight", dups)
	}
}

// Shutdown lets the running job finish and acknowledges it before Run returns, and
// leaves no goroutine behind.
func TestShutdownFinishesInFlightJob(t *testing.T) {
	rdb, prefix := redistest.New(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Partitions = 2 })
	started := make(chan struct{})
	var finished atomic.Bool
	h := queue.HandlerFunc(func(ctx context.Context, _ queue.Job) error {
		close(started)
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err() // the job context must not be cancelled by the shutdown
		}
		finished.Store(true)
		return nil
	})
	ctx := context.Background()
	if _, err := q.Enqueue(ctx, testJob("c", 0)); err != nil {
		t.Fatal(err)
	}
	stop := startQueue(t, q, h)
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("job not started")
	}
	stop()
	if !finished.Load() {
		t.Fatal("Run returned before the in-flight job finished")
	}
	if n, _ := q.Backlog(ctx); n != 0 {
		t.Errorf("backlog after shutdown = %d, want 0 (job acknowledged)", n)
	}
}

// A job waiting for its retry when its instance shuts down is taken over at once by the
// next owner (hand-off marker), not after ClaimIdle, and the order holds.
func TestHandoffOfRetryingJob(t *testing.T) {
	rdb, prefix := redistest.New(t)
	mod := func(name string) func(*QueueOptions) {
		return func(o *QueueOptions) { o.Partitions = 1; o.Consumer = name; o.ClaimIdle = time.Minute }
	}
	failed := make(chan struct{}, 1)
	rec := &recorder{fail: func(_ string, seq, attempt int) error {
		if seq == 0 && attempt == 1 {
			failed <- struct{}{}
			return errors.New("first attempt fails")
		}
		return nil
	}}
	qa := newTestQueue(t, rdb, prefix, mod("A"))
	ctx := context.Background()
	for s := range 3 {
		if _, err := qa.Enqueue(ctx, testJob("c", s)); err != nil {
			t.Fatal(err)
		}
	}
	stopA := startQueue(t, qa, rec)
	select {
	case <-failed:
	case <-time.After(5 * time.Second):
		t.Fatal("first attempt not made")
	}
	stopA() // A is in its retry back-off: the entry stays pending under A
	qb := newTestQueue(t, rdb, prefix, mod("B"))
	startQueue(t, qb, rec)
	rec.waitTotal(t, 3, 5*time.Second) // far less than ClaimIdle
	rec.checkExactlyOnceInOrder(t, 1, 3)
}

// BenchmarkQueueThroughput measures enqueue → handled (no-op handler, ack) through one
// instance with 16 partitions, over 50 conversations.
func BenchmarkQueueThroughput(b *testing.B) {
	rdb, prefix := redistest.New(b)
	q, err := NewQueue(rdb, QueueOptions{Prefix: prefix, Partitions: 16, LeaseTTL: 3 * time.Second,
		Block: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	var handled atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = q.Run(ctx, queue.HandlerFunc(func(context.Context, queue.Job) error { handled.Add(1); return nil }))
		close(done)
	}()
	defer func() { cancel(); <-done }()
	for !q.Running() {
		time.Sleep(time.Millisecond)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.Enqueue(context.Background(), testJob(fmt.Sprintf("c%02d", i%50), i)); err != nil {
			b.Fatal(err)
		}
	}
	for handled.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
