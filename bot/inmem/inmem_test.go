package inmem

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/queue"
)

func job(conv string, seq int) queue.Job {
	return queue.Job{OAID: "oa", UserID: conv, EventName: "user_send_text",
		DedupeKey: fmt.Sprintf("%s-%d", conv, seq), Raw: []byte(fmt.Sprint(seq))}
}

func TestQueueOrderDedupeFull(t *testing.T) {
	q := NewQueue(QueueOptions{Partitions: 4, Size: 400})
	ctx := context.Background()
	for s := range 20 {
		for c := range 10 {
			if ok, err := q.Enqueue(ctx, job(fmt.Sprint("c", c), s)); !ok || err != nil {
				t.Fatalf("Enqueue = %v, %v", ok, err)
			}
		}
	}
	if ok, err := q.Enqueue(ctx, job("c0", 0)); ok || err != nil {
		t.Errorf("duplicate Enqueue = %v, %v; want false, nil", ok, err)
	}
	var mu sync.Mutex
	seen := map[string][]string{}
	var total atomic.Int32
	h := queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
		mu.Lock()
		seen[j.UserID] = append(seen[j.UserID], string(j.Raw))
		mu.Unlock()
		total.Add(1)
		return nil
	})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = q.Run(runCtx, h); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); total.Load() < 200; {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of 200", total.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	for c, got := range seen {
		for i, s := range got {
			if s != fmt.Sprint(i) {
				t.Fatalf("conversation %s out of order: %v", c, got)
			}
		}
	}

	small := NewQueue(QueueOptions{Partitions: 1, Size: 2})
	for i := range 2 {
		if _, err := small.Enqueue(ctx, job("x", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := small.Enqueue(ctx, job("x", 2)); !errors.Is(err, ErrFull) {
		t.Fatalf("Enqueue on full queue: err = %v, want ErrFull", err)
	}
	// Refused, so not marked seen: the retry is accepted once there is room.
	<-small.parts[0]
	if ok, err := small.Enqueue(ctx, job("x", 2)); !ok || err != nil {
		t.Errorf("retry after full = %v, %v; want true, nil", ok, err)
	}
	small.Drain()
	if _, err := small.Enqueue(ctx, job("x", 3)); !errors.Is(err, ErrDraining) {
		t.Errorf("Enqueue while draining: err = %v", err)
	}
}

func TestQueueRetryAndDeadLetter(t *testing.T) {
	q := NewQueue(QueueOptions{Partitions: 1, MaxDeliveries: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var handled atomic.Int32
	h := queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
		if string(j.Raw) == "0" {
			panic("boom")
		}
		handled.Add(1)
		return nil
	})
	_, _ = q.Enqueue(ctx, job("c", 0))
	_, _ = q.Enqueue(ctx, job("c", 1))
	go q.Run(ctx, h)
	for deadline := time.Now().Add(5 * time.Second); handled.Load() < 1; {
		if time.Now().After(deadline) {
			t.Fatal("second job not handled after the first was dead-lettered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if dl := q.DeadLetters(); len(dl) != 1 || dl[0].Attempt != 2 {
		t.Errorf("DeadLetters = %+v, want the panicking job after 2 attempts", dl)
	}
}

func TestStore(t *testing.T) {
	s := NewStore(time.Hour)
	ctx := context.Background()
	if _, err := s.Get(ctx, "oa", "u"); !errors.Is(err, bot.ErrNoConversation) {
		t.Fatalf("Get empty: %v", err)
	}
	c, err := s.Update(ctx, "oa", "u", func(c *bot.Conversation) error { c.LastList = []string{"a"}; return nil })
	if err != nil {
		t.Fatal(err)
	}
	c.LastList[0] = "mutated" // must not reach the store
	got, _ := s.Get(ctx, "oa", "u")
	if got.LastList[0] != "a" {
		t.Errorf("store shares memory with callers: %v", got.LastList)
	}
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := s.Get(ctx, "oa", "u"); !errors.Is(err, bot.ErrNoConversation) {
		t.Errorf("expired conversation still returned: %v", err)
	}
}
