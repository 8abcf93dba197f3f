package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/queue/queuetest"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func testJob(conv string, seq int) queue.Job {
	raw, _ := json.Marshal(map[string]any{"c": conv, "s": seq})
	return queue.Job{Account: "acc", OAID: "oa1", UserID: conv, EventName: "user_send_text",
		DedupeKey: fmt.Sprintf("%s-%d", conv, seq), Raw: raw}
}

// newTestQueue returns a queue with small timings. The lease (renewed every 2/3 s, read
// from for 1.5 s after a renewal) leaves a loaded machine room between renewals; 600 ms
// left it 450 ms.
func newTestQueue(t *testing.T, rdb redis.UniversalClient, prefix string, mod func(*QueueOptions)) *Queue {
	t.Helper()
	opts := QueueOptions{Prefix: prefix, Partitions: 8, LeaseTTL: 2 * time.Second,
		ClaimIdle: time.Second, Block: 100 * time.Millisecond, MaxDeliveries: 3,
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

func (r *recorder) waitTotal(t testing.TB, n int64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d jobs handled", n), func() bool { return r.total.Load() >= n })
}

// waitFor polls cond every 10 ms until it holds, failing the test after
// queuetest.Deadline: a loaded machine makes a test slower, not red.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(queuetest.Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", queuetest.Deadline, what)
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

// The contract (queue_contract_test.go) checks dedupe; this checks how Redis keeps it: one
// stream entry, a seen key per OA that expires after DedupeTTL.
func TestEnqueueDedupeKey(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, nil)
	ctx := context.Background()
	job := testJob("u1", 1)
	for i, want := range []bool{true, false} {
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
	waitFor(t, "Enqueue to succeed after the restart", func() bool { // the pool reconnects on use
		var err error
		ok, err = q.Enqueue(context.Background(), job)
		return err == nil
	})
	if !ok {
		t.Fatal("Enqueue after restart = false; want true (nothing was queued before)")
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
	stopB := startQueue(t, qb, rec)

	ctx := context.Background()
	for s := range perConv {
		for c := range convs {
			if ok, err := qa.Enqueue(ctx, testJob(fmt.Sprintf("c%02d", c), s)); !ok || err != nil {
				t.Fatalf("Enqueue = %v, %v", ok, err)
			}
		}
		if s == perConv/2 {
			rec.waitTotal(t, 300)
			stopA() // graceful: A finishes its batch, releases its leases; B takes over
		}
	}
	rec.waitTotal(t, convs*perConv)
	waitFor(t, "an empty backlog", func() bool { n, err := qb.Backlog(ctx); return err == nil && n == 0 })
	stopB() // every handler call has returned: a duplicate would be recorded by now
	rec.checkExactlyOnceInOrder(t, convs, perConv)
}

// The contract checks that jobs are dead-lettered; this checks what the dead-letter
// stream keeps for the admin API: the partition, the deliveries and a reason, for a job
// failing in place, one failing after it was parked, and one too old to retry.
func TestDeadLetterFields(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) {
		o.Partitions, o.MaxDeliveries = 2, 3
		o.RetryBase, o.RetryMax, o.MaxEventAge = 10*time.Millisecond, 40*time.Millisecond, time.Minute
	})
	rec := &recorder{fail: func(conv string, seq, attempt int) error {
		switch {
		case seq != 0:
			return nil
		case conv == "perm":
			return errors.New("always fails")
		case conv == "parked" && attempt == 1:
			return queue.Transient(errZaloDown)
		case conv == "parked":
			return errors.New("bad event")
		case conv == "old":
			return queue.Transient(errZaloDown)
		}
		return nil
	}}
	ctx := context.Background()
	for _, c := range []string{"perm", "parked", "old"} {
		j := testJob(c, 0)
		j.OAID = "oa-" + c
		if c == "old" {
			j.ReceivedAt = time.Now().Add(-time.Hour)
		}
		if _, err := q.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	startQueue(t, q, rec)
	var dl []DeadLetter
	waitFor(t, "3 dead letters", func() bool {
		var err error
		dl, err = q.DeadLetters(ctx, 10)
		return err == nil && len(dl) == 3
	})
	got := map[string]DeadLetter{}
	for _, d := range dl {
		got[d.Job.UserID] = d
		if want := q.Partition(d.Job.OAID, d.Job.UserID); d.Partition != want {
			t.Errorf("dead letter of %s in partition %d, want %d", d.Job.UserID, d.Partition, want)
		}
	}
	if d := got["perm"]; d.Reason != "always fails" || d.Job.Attempt != 3 || d.Job.DedupeKey != "perm-0" {
		t.Errorf("dead letter of the failing job = %+v; want reason \"always fails\" after 3 attempts", d)
	}
	// Attempt of a parked entry counts the calls made from its park list (the first call,
	// from the stream, parked it).
	if d := got["parked"]; d.Reason != "bad event" || d.Job.Attempt != 3 {
		t.Errorf("dead letter of the parked job = %+v; want reason \"bad event\" after 3 attempts", d)
	}
	if d := got["old"]; !strings.Contains(d.Reason, "older than max_event_age") || !strings.Contains(d.Reason, "temporary failure") {
		t.Errorf("dead letter of the old job = %+v; want a reason naming max_event_age and the last error", d)
	}
}

// A retrying partition does not hold up other partitions, and Run returns promptly
// on cancel with leases released.
func TestShutdownReleasesLeases(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Partitions = 4 })
	stop := startQueue(t, q, &recorder{})
	waitFor(t, "all 4 leases taken", func() bool {
		return q.Running() && rdb.Exists(context.Background(), q.leaseKey(0), q.leaseKey(1), q.leaseKey(2), q.leaseKey(3)).Val() == 4
	})
	start := time.Now()
	stop()
	// Idle workers stop within one read block (100 ms here); the bound is loose for a
	// loaded machine but far below waiting for LeaseTTL or ClaimIdle per partition.
	if took := time.Since(start); took > 5*time.Second {
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
	stopB := startQueue(t, qb, rec)
	ctx := context.Background()
	for s := range perConv {
		for c := range convs {
			if ok, err := qb.Enqueue(ctx, testJob(fmt.Sprintf("c%02d", c), s)); !ok || err != nil {
				t.Fatalf("Enqueue = %v, %v", ok, err)
			}
		}
		if s == perConv/2 {
			rec.waitTotal(t, 300)
			rdbA.Close() // A can no longer renew, read or acknowledge
		}
	}
	rec.waitTotal(t, convs*perConv)
	waitFor(t, "an empty backlog", func() bool { n, err := qb.Backlog(ctx); return err == nil && n == 0 })
	stopB()
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

// A job waiting for its retry when its instance shuts down is taken over at once by the
// next owner (hand-off marker), not after ClaimIdle, and the order holds.
func TestHandoffOfRetryingJob(t *testing.T) {
	rdb, prefix := redistest.New(t)
	mod := func(name string) func(*QueueOptions) {
		return func(o *QueueOptions) { o.Partitions = 1; o.Consumer = name; o.ClaimIdle = 5 * time.Minute }
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
	case <-time.After(queuetest.Deadline):
		t.Fatal("first attempt not made")
	}
	stopA() // A is in its retry back-off: the entry stays pending under A
	qb := newTestQueue(t, rdb, prefix, mod("B"))
	stopB := startQueue(t, qb, rec)
	rec.waitTotal(t, 3) // the deadline is far below ClaimIdle
	stopB()
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
	// A tight poll, not waitFor's 10 ms: the wait is part of the measured time.
	for handled.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
