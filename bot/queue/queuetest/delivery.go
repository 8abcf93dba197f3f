package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oabot/oabot/bot/queue"
)

// testDedupe: an event enqueued twice is queued once (queued == false, no error, the
// second time) and delivered once, also after it was handled; the key is per OA; an event
// without a dedupe key is deduplicated on its body. Events queued before Run are kept.
func testDedupe(t *testing.T, newQueue func(*testing.T, Config) Queue) {
	q := newQueue(t, Config{Partitions: 2})
	ctx := context.Background()
	first := ev("oa1", "u", 0)
	mustEnqueue(t, q, first)
	again := first
	again.Raw = []byte("u/9") // a retry of Zalo's with the same key: would show as event 9
	if ok, err := q.Enqueue(ctx, again); ok || err != nil {
		t.Errorf("second Enqueue of one key = %v, %v; want false, nil", ok, err)
	}
	otherOA := ev("oa2", "v", 0)
	otherOA.DedupeKey = first.DedupeKey
	noKey := ev("oa1", "u", 1)
	noKey.DedupeKey = ""
	mustEnqueue(t, q, otherOA, noKey)
	if ok, err := q.Enqueue(ctx, noKey); ok || err != nil {
		t.Errorf("second Enqueue of a keyless event with the same body = %v, %v; want false, nil", ok, err)
	}
	// Order per conversation makes "delivered once" observable: a duplicate would be
	// delivered before this last event of u.
	mustEnqueue(t, q, ev("oa1", "u", 2))

	rec := &recorder{}
	stop := start(t, q, rec)
	waitFor(t, "the 4 queued events", func() bool { return rec.successes() == 4 })
	stop()
	rec.checkOrder(t)
	rec.wantHandled(t, "u", 0, 1, 2)
	rec.wantHandled(t, "v", 0)
	if ok, err := q.Enqueue(ctx, first); ok || err != nil {
		t.Errorf("Enqueue of a handled event = %v, %v; want false, nil (the key outlives the event)", ok, err)
	}
	wantBacklog(t, q, 0)
}

// testOrder: with several workers and citizens of two OAs interleaved, every
// conversation's events are handled once each, one at a time, in arrival order.
func testOrder(t *testing.T, newQueue func(*testing.T, Config) Queue) {
	q := newQueue(t, Config{Partitions: 4})
	const users, per = 12, 15
	rec := &recorder{work: 200 * time.Microsecond}
	stop := start(t, q, rec)
	for s := range per {
		for u := range users {
			mustEnqueue(t, q, ev(fmt.Sprint("oa", u%2), fmt.Sprintf("u%02d", u), s))
		}
	}
	waitFor(t, fmt.Sprintf("%d events handled", users*per), func() bool { return rec.successes() == users*per })
	stop()
	rec.checkOrder(t)
	want := make([]int, per)
	for i := range want {
		want[i] = i
	}
	for u := range users {
		rec.wantHandled(t, fmt.Sprintf("u%02d", u), want...)
	}
	rec.mu.Lock()
	t.Logf("up to %d handler calls ran at once", rec.maxRunning)
	rec.mu.Unlock()
	wantBacklog(t, q, 0)
}

// testDrain: after Drain, Enqueue fails with queue.ErrDraining while the workers go on
// with what was queued; when Run's context ends, the job in flight finishes (its context
// is not cancelled) before Run returns, and nothing queued is lost: what that Run did not
// get to, the next Run handles. Run leaves no goroutine behind.
func testDrain(t *testing.T, newQueue func(*testing.T, Config) Queue) {
	q := newQueue(t, Config{Partitions: 1})
	ctx := context.Background()
	if err := q.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	for s := range 5 {
		mustEnqueue(t, q, ev("oa", "a", s))
	}
	for s := range 3 {
		mustEnqueue(t, q, ev("oa", "b", s))
	}
	release, stopping := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	var jobCtxErr error
	rec := &recorder{behave: func(ctx context.Context, user string, seq, _ int) error {
		switch {
		case user == "a" && seq == 0:
			select {
			case <-release:
			case <-time.After(Deadline):
				return errors.New("never released")
			}
		case user == "a" && seq == 4:
			select {
			case <-stopping:
			case <-time.After(Deadline):
				return errors.New("never stopped")
			}
			// Still at work after Run was told to stop: Run must wait for this.
			time.Sleep(50 * time.Millisecond)
			jobCtxErr = ctx.Err()
			finished.Store(true)
		}
		return nil
	}}
	leaks := goleak.IgnoreCurrent()
	if q.Running() {
		t.Error("Running() before Run")
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- q.Run(runCtx, rec) }()
	waitFor(t, "Running()", q.Running)
	waitFor(t, "event a/0 in flight", func() bool { return rec.begun("a", 0) == 1 })

	q.Drain()
	for _, j := range []queue.Job{ev("oa", "a", 5), ev("oa", "a", 0)} {
		if ok, err := q.Enqueue(ctx, j); ok || !errors.Is(err, queue.ErrDraining) {
			t.Errorf("Enqueue(%s) while draining = %v, %v; want false, queue.ErrDraining", j.Raw, ok, err)
		}
	}
	close(release)
	waitFor(t, "event a/4 in flight (a/1…a/3 handled while draining)", func() bool { return rec.begun("a", 4) == 1 })
	cancel()
	close(stopping)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(Deadline):
		t.Fatalf("Run did not return within %v of its context's end", Deadline)
	}
	if !finished.Load() {
		t.Fatal("Run returned before the job in flight finished")
	}
	if jobCtxErr != nil {
		t.Errorf("the job in flight saw its context end (%v); shutdown must let it finish", jobCtxErr)
	}
	if q.Running() {
		t.Error("Running() after Run returned")
	}
	if n := rec.successes(); n < 8 {
		t.Logf("%d of 8 events handled before Run returned; the next Run handles the rest", n)
		stop := start(t, q, rec)
		waitFor(t, "the events left to the next Run", func() bool { return rec.successes() == 8 })
		stop()
	}
	rec.checkOrder(t)
	rec.wantHandled(t, "a", 0, 1, 2, 3, 4)
	rec.wantHandled(t, "b", 0, 1, 2)
	wantBacklog(t, q, 0)
	goleak.VerifyNone(t, leaks)
}

// testDeadConsumer: a consumer takes jobs and dies holding them (its handler stuck,
// nothing acknowledged); another consumer of the same store takes them over and handles
// every one, in order, each once.
func testDeadConsumer(t *testing.T, crash func(*testing.T, Config) (Queue, func(), func() Queue)) {
	dying, kill, next := crash(t, Config{Partitions: 1})
	for s := range 5 {
		mustEnqueue(t, dying, ev("oa", "c", s))
		if s < 3 {
			mustEnqueue(t, dying, ev("oa", "d", s))
		}
	}
	took, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	start(t, dying, queue.HandlerFunc(func(context.Context, queue.Job) error {
		once.Do(func() { close(took) })
		<-release // a dead process never answers; the test lets it go at its end
		return nil
	}))
	t.Cleanup(func() { close(release) }) // runs before the stop registered by start
	select {
	case <-took:
	case <-time.After(Deadline):
		t.Fatalf("the dying consumer took no job within %v", Deadline)
	}
	kill()

	rec := &recorder{}
	stop := start(t, next(), rec)
	waitFor(t, "the other consumer to handle the 8 events", func() bool { return rec.successes() == 8 })
	stop()
	rec.checkOrder(t)
	rec.wantHandled(t, "c", 0, 1, 2, 3, 4)
	rec.wantHandled(t, "d", 0, 1, 2)
}
