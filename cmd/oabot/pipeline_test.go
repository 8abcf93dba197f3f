package main

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/zalo"
)

// flakyFollowers fails Touch with a network error (Redis blinking) the first n times.
type flakyFollowers struct {
	*inmem.FollowerRegistry
	left atomic.Int32
}

func (f *flakyFollowers) Touch(ctx context.Context, oaID, userID string, at time.Time, follower *bool) error {
	if f.left.Add(-1) >= 0 {
		return &net.OpError{Op: "read", Net: "tcp", Err: errors.New("i/o timeout")}
	}
	return f.FollowerRegistry.Touch(ctx, oaID, userID, at, follower)
}

type deadWatch struct {
	mu   sync.Mutex
	dead int
}

func (d *deadWatch) JobDone(_ queue.Job, _ error, dead bool, _ time.Duration) {
	if dead {
		d.mu.Lock()
		d.dead++
		d.mu.Unlock()
	}
}

// A temporary failure of the follower registry parks the job instead of spending its
// deliveries: with the follower stage wrapped outside the transient classification (the
// old order), five Redis blinks with max_deliveries 2 dead-lettered the citizen's message.
func TestPipelineParksTemporaryFollowerFailure(t *testing.T) {
	followers := &flakyFollowers{FollowerRegistry: inmem.NewFollowerRegistry()}
	followers.left.Store(5)
	var handled atomic.Int32
	var sawEvent atomic.Bool
	conv := queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
		_, ok := j.Event.(*zalo.TextEvent)
		sawEvent.Store(ok)
		handled.Add(1)
		return nil
	})
	watch := &deadWatch{}
	q := inmem.NewQueue(inmem.QueueOptions{Partitions: 2, MaxDeliveries: 2, RetryBase: 5 * time.Millisecond,
		RetryMax: 20 * time.Millisecond, Observer: watch})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, jobPipeline(followers, conv)) }()
	defer func() { cancel(); <-done }()

	ms := strconv.FormatInt(time.Now().UnixMilli(), 10)
	raw := []byte(`{"app_id":"1","event_name":"user_send_text","timestamp":"` + ms + `","sender":{"id":"77"},` +
		`"recipient":{"id":"88"},"message":{"msg_id":"m1","text":"lam cccd"}}`)
	if _, err := q.Enqueue(context.Background(), queue.Job{Account: "a", OAID: "88", UserID: "77", EventName: "user_send_text",
		DedupeKey: "m1", Raw: raw, ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the job handled after the follower registry recovers", func() bool {
		watch.mu.Lock()
		defer watch.mu.Unlock()
		return handled.Load() == 1 || watch.dead > 0
	})
	watch.mu.Lock()
	defer watch.mu.Unlock()
	if watch.dead != 0 || handled.Load() != 1 {
		t.Fatalf("dead-lettered %d, handled %d; want the job parked, then handled once", watch.dead, handled.Load())
	}
	if !sawEvent.Load() {
		t.Error("the conversation stage did not get the event parsed by the pipeline")
	}
	if c, _ := followers.Counts(context.Background(), "88", time.Now()); c.Interacted != 1 {
		t.Errorf("follower registry: %d citizens interacted, want 1", c.Interacted)
	}
}
