package inmem

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/oabot/oabot/bot/queue"
)

func job(conv string, seq int) queue.Job {
	return queue.Job{OAID: "oa", UserID: conv, EventName: "user_send_text",
		DedupeKey: fmt.Sprintf("%s-%d", conv, seq), Raw: []byte(fmt.Sprint(seq))}
}

// A full buffer refuses the event without marking it seen, so Zalo's retry is accepted
// once there is room. (Dedupe, order, drain, parking and dead letters are the queue
// contract's: queue_test.go.)
func TestQueueFull(t *testing.T) {
	ctx := context.Background()
	q := NewQueue(QueueOptions{Partitions: 1, Size: 2})
	for i := range 2 {
		if _, err := q.Enqueue(ctx, job("x", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Enqueue(ctx, job("x", 2)); !errors.Is(err, ErrFull) {
		t.Fatalf("Enqueue on full queue: err = %v, want ErrFull", err)
	}
	<-q.parts[0]
	if ok, err := q.Enqueue(ctx, job("x", 2)); !ok || err != nil {
		t.Errorf("retry after full = %v, %v; want true, nil", ok, err)
	}
}
