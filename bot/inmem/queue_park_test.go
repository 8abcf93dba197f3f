package inmem

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
)

// A transient outage far longer than MaxDeliveries × backoff: the failing conversations
// park (Len counts them), another OA's in the same partition keeps flowing, nothing is
// dead-lettered, and afterwards every event is handled once, in order.
func TestTransientOutageParks(t *testing.T) {
	q := NewQueue(QueueOptions{Partitions: 1, MaxDeliveries: 2, RetryBase: 10 * time.Millisecond,
		RetryMax: 40 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var down atomic.Bool
	down.Store(true)
	var failures, total atomic.Int32
	var mu sync.Mutex
	seen := map[string][]string{}
	h := queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
		if down.Load() && strings.HasPrefix(j.UserID, "down") {
			failures.Add(1)
			return queue.Transient(errors.New("zalo down"))
		}
		mu.Lock()
		seen[j.UserID] = append(seen[j.UserID], string(j.Raw))
		mu.Unlock()
		total.Add(1)
		return nil
	})
	for s := range 5 {
		for _, c := range []string{"down1", "down2", "up"} {
			j := job(c, s)
			if c == "up" {
				j.OAID = "oa2" // another OA in the same partition
			}
			if ok, err := q.Enqueue(ctx, j); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
	}
	done := make(chan struct{})
	go func() { _ = q.Run(ctx, h); close(done) }()
	waitUntil(t, "the healthy conversation", func() bool { return total.Load() == 5 })
	waitUntil(t, "many transient failures", func() bool { return failures.Load() >= 20 })
	if n := q.Len(); n != 10 {
		t.Errorf("Len during the outage = %d, want 10 parked", n)
	}
	if dl := q.DeadLetters(); len(dl) != 0 {
		t.Fatalf("dead letters during a transient outage: %d", len(dl))
	}
	down.Store(false)
	waitUntil(t, "every event", func() bool { return total.Load() == 15 })
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
	for c, got := range seen {
		if fmt.Sprint(got) != "[0 1 2 3 4]" {
			t.Errorf("conversation %s handled %v, want [0 1 2 3 4]", c, got)
		}
	}
	if len(seen) != 3 || q.Len() != 0 || len(q.DeadLetters()) != 0 {
		t.Errorf("conversations %d, Len %d, dead %d", len(seen), q.Len(), len(q.DeadLetters()))
	}
}

// A parked event older than MaxEventAge is given up; the next one is handled.
func TestParkedTooOld(t *testing.T) {
	q := NewQueue(QueueOptions{Partitions: 1, RetryBase: 10 * time.Millisecond, MaxEventAge: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var handled atomic.Int32
	h := queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
		if string(j.Raw) == "0" {
			return queue.Transient(errors.New("zalo down"))
		}
		handled.Add(1)
		return nil
	})
	_, _ = q.Enqueue(ctx, job("c", 0))
	_, _ = q.Enqueue(ctx, job("c", 1))
	go q.Run(ctx, h)
	waitUntil(t, "the second event", func() bool { return handled.Load() == 1 })
	if dl := q.DeadLetters(); len(dl) != 1 || string(dl[0].Raw) != "0" {
		t.Errorf("DeadLetters = %+v, want event 0", dl)
	}
}

// While an OA fails transiently its new jobs park without a call: about one call per
// backoff step, not one per job; afterwards everything is handled in order.
func TestOAHoldLimitsCalls(t *testing.T) {
	q := NewQueue(QueueOptions{Partitions: 1, RetryBase: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var down atomic.Bool
	down.Store(true)
	var calls, total atomic.Int32
	var mu sync.Mutex
	seen := map[string][]string{}
	h := queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
		if down.Load() {
			calls.Add(1)
			return queue.Transient(errors.New("zalo down"))
		}
		mu.Lock()
		seen[j.UserID] = append(seen[j.UserID], string(j.Raw))
		mu.Unlock()
		total.Add(1)
		return nil
	})
	go q.Run(ctx, h)
	start := time.Now()
	for s := range 3 {
		for c := range 30 {
			if ok, err := q.Enqueue(ctx, job(fmt.Sprint("c", c), s)); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
	}
	time.Sleep(time.Second)
	if n, limit := calls.Load(), int32(time.Since(start)/(50*time.Millisecond))+2; n > limit || n < 3 {
		t.Errorf("%d calls for 90 jobs during the outage, want 3..%d", n, limit)
	}
	down.Store(false)
	waitUntil(t, "every job", func() bool { return total.Load() == 90 })
	mu.Lock()
	defer mu.Unlock()
	for c, got := range seen {
		if fmt.Sprint(got) != "[0 1 2]" {
			t.Errorf("conversation %s handled %v", c, got)
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
