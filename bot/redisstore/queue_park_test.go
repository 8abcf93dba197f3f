package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

var errZaloDown = errors.New("zalo: temporary failure")

// An outage much longer than MaxDeliveries × backoff: the failing conversations park,
// nothing is dead-lettered, the backlog shows the waiting events, a conversation that
// does not fail keeps flowing in the same partitions, and after the outage every event
// is handled exactly once and in order per conversation.
func TestTransientOutageParksWithoutDeadLetters(t *testing.T) {
	rdb, prefix := redistest.New(t)
	obs := &countingObserver{}
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) {
		o.Observer, o.Partitions, o.MaxDeliveries = obs, 2, 3
		o.RetryBase, o.RetryMax = 20*time.Millisecond, 150*time.Millisecond
	})
	var down atomic.Bool
	down.Store(true)
	var transientCalls atomic.Int64
	rec := &recorder{fail: func(conv string, _, _ int) error {
		if down.Load() && strings.HasPrefix(conv, "down") {
			transientCalls.Add(1)
			return queue.Transient(errZaloDown)
		}
		return nil
	}}
	ctx := context.Background()
	const downConvs, perConv = 6, 5
	for s := range perConv {
		for c := range downConvs {
			if _, err := q.Enqueue(ctx, testJob(fmt.Sprintf("down%d", c), s)); err != nil {
				t.Fatal(err)
			}
		}
	}
	startQueue(t, q, rec)
	// Another OA's conversations (sharing both partitions with the parked ones) are
	// served during the outage.
	for s := range perConv {
		for c := range 4 {
			j := testJob(fmt.Sprintf("up%d", c), s)
			j.OAID = "oa2"
			if _, err := q.Enqueue(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec.waitTotal(t, 4*perConv, 10*time.Second)
	// Keep Zalo down long enough for the OA's jobs to fail many more times than
	// MaxDeliveries (the OA is on hold in each partition: about one call per partition and
	// backoff step, not one per conversation).
	deadline := time.Now().Add(15 * time.Second)
	for transientCalls.Load() < int64(2*3*q.opts.MaxDeliveries) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d transient calls", transientCalls.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, err := q.Backlog(ctx); err != nil || n != downConvs*perConv {
		t.Errorf("Backlog during the outage = %d, %v; want %d", n, err, downConvs*perConv)
	}
	if n, err := q.Parked(ctx); err != nil || n != downConvs*perConv {
		t.Errorf("Parked = %d, %v; want %d", n, err, downConvs*perConv)
	}
	if dl, _ := q.DeadLetters(ctx, 100); len(dl) != 0 {
		t.Fatalf("%d dead letters during a transient outage", len(dl))
	}
	down.Store(false)
	rec.waitTotal(t, (4+downConvs)*perConv, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // a duplicate would show by now
	rec.checkExactlyOnceInOrder(t, 4+downConvs, perConv)
	if dl, _ := q.DeadLetters(ctx, 100); len(dl) != 0 {
		t.Errorf("%d dead letters after the outage", len(dl))
	}
	if n, err := q.Backlog(ctx); err != nil || n != 0 {
		t.Errorf("Backlog after the outage = %d, %v; want 0", n, err)
	}
	if keys, _ := rdb.Keys(ctx, prefix+"*park*").Result(); len(keys) > 2 { // the two parked_events counters
		t.Errorf("park keys left behind: %v", keys)
	}
	if obs.dead.Load() != 0 || obs.failed.Load() < int64(2*3*q.opts.MaxDeliveries) {
		t.Errorf("observer dead=%d failed=%d", obs.dead.Load(), obs.failed.Load())
	}
}

// A parked event older than MaxEventAge is given up with a reason that says so; a parked
// head that fails permanently is dead-lettered after MaxDeliveries; the events behind
// them are then handled in order.
func TestParkedGiveUp(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) {
		o.Partitions, o.MaxDeliveries = 1, 3
		o.RetryBase, o.RetryMax, o.MaxEventAge = 20*time.Millisecond, 50*time.Millisecond, 400*time.Millisecond
	})
	rec := &recorder{fail: func(conv string, seq, _ int) error {
		switch {
		case conv == "old" && seq == 0:
			return queue.RetryAfter(errZaloDown, 10*time.Millisecond)
		case conv == "perm" && seq == 0:
			return queue.Transient(errZaloDown) // parks first …
		case conv == "perm" && seq == 1:
			return errors.New("bad event") // … then its next event fails for good
		}
		return nil
	}}
	ctx := context.Background()
	for s := range 3 {
		for _, c := range []string{"old", "perm"} {
			j := testJob(c, s)
			j.OAID = "oa-" + c // one OA's hold does not touch the other
			if _, err := q.Enqueue(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
	}
	startQueue(t, q, rec)
	// "perm": seq 0 parks and stays parked until max age (it never succeeds); seq 1 and
	// 2 wait behind it; seq 1 then fails MaxDeliveries times.
	rec.waitTotal(t, 3, 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	rec.mu.Lock()
	got := fmt.Sprint(rec.seen["old"], rec.seen["perm"])
	rec.mu.Unlock()
	if got != "[1 2] [2]" {
		t.Errorf("handled %s, want [1 2] [2]", got)
	}
	dl, err := q.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 3 {
		t.Fatalf("DeadLetters = %+v, %v; want 3", dl, err)
	}
	var tooOld, perm int
	for _, d := range dl {
		switch {
		case strings.Contains(d.Reason, "older than max_event_age") && strings.Contains(d.Reason, "temporary failure"):
			tooOld++
		case d.Reason == "bad event" && d.Job.DedupeKey == "perm-1":
			perm++
		}
	}
	if tooOld != 2 || perm != 1 {
		t.Errorf("dead letters %+v: want two too old (old-0, perm-0) and perm-1 after max deliveries", dl)
	}
}

// Parked conversations survive the hand-over of the partition: the next owner resumes
// their retries, in order, and new events still queue up behind them.
func TestParkedResumedByNextOwner(t *testing.T) {
	rdb, prefix := redistest.New(t)
	mod := func(name string) func(*QueueOptions) {
		return func(o *QueueOptions) {
			o.Consumer, o.Partitions = name, 2
			o.RetryBase, o.RetryMax = 50*time.Millisecond, 100*time.Millisecond
		}
	}
	var down atomic.Bool
	down.Store(true)
	rec := &recorder{fail: func(string, int, int) error {
		if down.Load() {
			return queue.Transient(errZaloDown)
		}
		return nil
	}}
	ctx := context.Background()
	qa := newTestQueue(t, rdb, prefix, mod("A"))
	for s := range 3 {
		for c := range 4 {
			if _, err := qa.Enqueue(ctx, testJob(fmt.Sprint("c", c), s)); err != nil {
				t.Fatal(err)
			}
		}
	}
	stopA := startQueue(t, qa, rec)
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := qa.Parked(ctx); n != 12; n, _ = qa.Parked(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("parked %d of 12", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopA()
	qb := newTestQueue(t, rdb, prefix, mod("B"))
	for c := range 4 {
		if _, err := qb.Enqueue(ctx, testJob(fmt.Sprint("c", c), 3)); err != nil {
			t.Fatal(err)
		}
	}
	startQueue(t, qb, rec)
	time.Sleep(300 * time.Millisecond)
	down.Store(false)
	rec.waitTotal(t, 16, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	rec.checkExactlyOnceInOrder(t, 4, 4)
	if dl, _ := qb.DeadLetters(ctx, 10); len(dl) != 0 {
		t.Errorf("dead letters: %+v", dl)
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n    int
		hint time.Duration
		want time.Duration
	}{
		{1, 0, time.Second}, {2, 0, 2 * time.Second}, {4, 0, 8 * time.Second}, {9, 0, 256 * time.Second},
		{10, 0, 5 * time.Minute}, {100, 0, 5 * time.Minute}, {1, 30 * time.Second, 30 * time.Second},
		{1, time.Hour, 5 * time.Minute},
	} {
		if got := queue.Backoff(c.n, time.Second, 5*time.Minute, c.hint); got != c.want {
			t.Errorf("Backoff(%d, hint %v) = %v, want %v", c.n, c.hint, got, c.want)
		}
	}
}

// While one OA fails transiently its new events park without a handler call: over an
// outage the handler is called about once per backoff step, not once per citizen; when
// the OA recovers every event is handled once, in order.
func TestOAHoldLimitsCalls(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) {
		o.Partitions = 1
		o.RetryBase, o.RetryMax = 50*time.Millisecond, 100*time.Millisecond
	})
	var down atomic.Bool
	down.Store(true)
	var calls atomic.Int64
	rec := &recorder{fail: func(string, int, int) error {
		if down.Load() {
			calls.Add(1)
			return queue.Transient(errZaloDown)
		}
		return nil
	}}
	ctx := context.Background()
	startQueue(t, q, rec)
	const convs, perConv = 40, 3
	start := time.Now()
	for s := range perConv {
		for c := range convs {
			if _, err := q.Enqueue(ctx, testJob(fmt.Sprint("h", c), s)); err != nil {
				t.Fatal(err)
			}
		}
	}
	time.Sleep(time.Second)
	outage := time.Since(start)
	n := calls.Load()
	// At most one call per backoff step (≥ 50 ms) plus the first: far below one per event.
	if limit := int64(outage/(50*time.Millisecond)) + 2; n > limit || n < 3 {
		t.Errorf("%d handler calls during a %v outage for %d events, want 3..%d", n, outage.Round(time.Millisecond), convs*perConv, limit)
	}
	if p, _ := q.Parked(ctx); p != convs*perConv {
		t.Errorf("Parked = %d, want %d", p, convs*perConv)
	}
	t.Logf("%d calls for %d parked events over %v", n, convs*perConv, outage.Round(time.Millisecond))
	down.Store(false)
	rec.waitTotal(t, convs*perConv, 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	rec.checkExactlyOnceInOrder(t, convs, perConv)
}

// One event that keeps failing transiently on its own (say it always times out) delays
// the other citizens of its OA by at most about one first backoff step per retry of it,
// not by its own growing backoff.
func TestOneFailingEventDoesNotStallItsOA(t *testing.T) {
	rdb, prefix := redistest.New(t)
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) {
		o.Partitions = 1
		o.RetryBase, o.RetryMax = 50*time.Millisecond, 2*time.Second
	})
	var mu sync.Mutex
	enqueued := map[int]time.Time{}
	var worst atomic.Int64
	rec := &recorder{fail: func(conv string, seq, _ int) error {
		if conv == "poison" {
			return queue.Transient(errZaloDown)
		}
		mu.Lock()
		d := time.Since(enqueued[seq])
		mu.Unlock()
		if int64(d) > worst.Load() {
			worst.Store(int64(d))
		}
		return nil
	}}
	ctx := context.Background()
	startQueue(t, q, rec)
	if _, err := q.Enqueue(ctx, testJob("poison", 0)); err != nil {
		t.Fatal(err)
	}
	const n = 25
	for s := range n {
		mu.Lock()
		enqueued[s] = time.Now()
		mu.Unlock()
		if _, err := q.Enqueue(ctx, testJob("ok", s)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rec.waitTotal(t, n, 5*time.Second)
	rec.checkExactlyOnceInOrder(t, 1, n)
	if w := time.Duration(worst.Load()); w > 500*time.Millisecond {
		t.Errorf("worst wait of the OA's other citizen = %v, want about RetryBase (50ms)", w)
	}
	t.Logf("worst wait %v", time.Duration(worst.Load()).Round(time.Millisecond))
}
