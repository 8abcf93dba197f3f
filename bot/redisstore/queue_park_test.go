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

// Parked conversations survive the hand-over of the partition: the next owner resumes
// their retries, in order, and new events still queue up behind them. Parked counts the
// waiting events, and once they are handled no park list is left behind. (The contract,
// queue_contract_test.go, checks parking within one owner.)
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
	var failed atomic.Int64
	rec := &recorder{fail: func(string, int, int) error {
		if down.Load() {
			failed.Add(1)
			return queue.Transient(errZaloDown)
		}
		return nil
	}}
	ctx := context.Background()
	parked := func(q *Queue, n int64) func() bool {
		return func() bool { got, err := q.Parked(ctx); return err == nil && got == n }
	}
	qa := newTestQueue(t, rdb, prefix, mod("A"))
	for s := range 3 {
		for c := range 4 {
			if _, err := qa.Enqueue(ctx, testJob(fmt.Sprint("c", c), s)); err != nil {
				t.Fatal(err)
			}
		}
	}
	stopA := startQueue(t, qa, rec)
	waitFor(t, "12 events parked by A", parked(qa, 12))
	stopA()
	failedByA := failed.Load()
	qb := newTestQueue(t, rdb, prefix, mod("B"))
	for c := range 4 {
		if _, err := qb.Enqueue(ctx, testJob(fmt.Sprint("c", c), 3)); err != nil {
			t.Fatal(err)
		}
	}
	stopB := startQueue(t, qb, rec)
	// B resumed the retries and parked the new events behind the old ones.
	waitFor(t, "B to retry and park the 4 new events", func() bool {
		return failed.Load() > failedByA && parked(qb, 16)()
	})
	down.Store(false)
	rec.waitTotal(t, 16)
	waitFor(t, "nothing parked", parked(qb, 0))
	stopB()
	rec.checkExactlyOnceInOrder(t, 4, 4)
	if dl, _ := qb.DeadLetters(ctx, 10); len(dl) != 0 {
		t.Errorf("dead letters: %+v", dl)
	}
	keys, err := rdb.Keys(ctx, prefix+"*park*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasSuffix(k, "parked_events") { // the per-partition counters stay
			t.Errorf("park key left behind: %s", k)
		}
	}
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
	stop := startQueue(t, q, rec)
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
		time.Sleep(100 * time.Millisecond) // arrivals spread over the poison's backoff steps, not a wait
	}
	rec.waitTotal(t, n)
	stop()
	rec.checkExactlyOnceInOrder(t, 1, n)
	// Behind the poison's own backoff the wait would reach 1.6 s (its 6th step, 1.55 s
	// in); 1 s tells the two apart and leaves room for a loaded machine.
	if w := time.Duration(worst.Load()); w > time.Second {
		t.Errorf("worst wait of the OA's other citizen = %v, want about RetryBase (50ms)", w)
	}
	t.Logf("worst wait %v", time.Duration(worst.Load()).Round(time.Millisecond))
}
