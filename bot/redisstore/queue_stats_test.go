package redisstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func TestQueueStats(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.New(t)
	q, err := NewQueue(rdb, QueueOptions{Prefix: prefix, Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Before anything exists every partition reads as zeros.
	stats, err := q.Stats(ctx)
	if err != nil || len(stats) != 4 {
		t.Fatalf("Stats on empty queue = %v, %v", stats, err)
	}
	for i := range 10 {
		job := queue.Job{OAID: "oa", UserID: fmt.Sprint("u", i), EventName: "user_send_text", DedupeKey: fmt.Sprint("m", i), Raw: []byte("{}")}
		if _, err := q.Enqueue(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.ensureGroups(ctx); err != nil {
		t.Fatal(err)
	}
	stats, err = q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var length, lag int64
	for i, s := range stats {
		if s.Partition != i {
			t.Errorf("stats[%d].Partition = %d", i, s.Partition)
		}
		length += s.Length
		lag += s.Lag
		if s.Pending != 0 {
			t.Errorf("partition %d pending = %d before any read", i, s.Pending)
		}
	}
	if length != 10 || lag != 10 {
		t.Errorf("total length %d, lag %d; want 10 and 10", length, lag)
	}
}
