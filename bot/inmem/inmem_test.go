package inmem

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/oabot/oabot/bot"
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
