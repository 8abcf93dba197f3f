package redisstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

// Concurrent enqueues travel in pipelines; each event is still deduplicated on its own, and
// after Redis forgets the script (restart, SCRIPT FLUSH) the batch loads it again.
func TestEnqueueBatchedDedupeAndScriptReload(t *testing.T) {
	srv := redistest.NewServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	q := newTestQueue(t, rdb, "batch:", nil)
	ctx := context.Background()
	for round := range 2 {
		if round == 1 {
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		var queued, dups, failed atomic.Int64
		var wg sync.WaitGroup
		for i := range 400 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every event twice: 200 distinct keys per round.
				k := fmt.Sprintf("r%d-e%d", round, i/2)
				ok, err := q.Enqueue(ctx, queue.Job{Account: "a", OAID: "oa", UserID: fmt.Sprintf("u%d", i/2%37),
					EventName: "user_send_text", DedupeKey: k, Raw: []byte(`{}`), ReceivedAt: time.Now()})
				switch {
				case err != nil:
					failed.Add(1)
				case ok:
					queued.Add(1)
				default:
					dups.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() != 0 || queued.Load() != 200 || dups.Load() != 200 {
			t.Errorf("round %d: queued %d, duplicates %d, failed %d; want 200, 200, 0", round, queued.Load(), dups.Load(), failed.Load())
		}
	}
	st, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, p := range st {
		n += p.Length
	}
	if n != 400 {
		t.Errorf("%d entries in the streams, want 400", n)
	}
}

// A frozen Redis fails every waiting enqueue by its own deadline, batched or not.
func TestEnqueueBatchedHonoursDeadline(t *testing.T) {
	srv := redistest.NewServer(t)
	rdb, err := Open(context.Background(), "redis://"+srv.Addr+"/0", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	q := newTestQueue(t, rdb, "batchdl:", nil)
	srv.Freeze()
	defer srv.Thaw()
	var wg sync.WaitGroup
	var slow atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := q.Enqueue(ctx, queue.Job{OAID: "oa", UserID: fmt.Sprint(i), DedupeKey: fmt.Sprint(i), Raw: []byte(`{}`)})
			if err == nil || time.Since(start) > 2*time.Second {
				slow.Add(1)
			}
		}()
	}
	wg.Wait()
	if slow.Load() != 0 {
		t.Errorf("%d of 20 enqueues to a frozen Redis succeeded or outlived their deadline by far", slow.Load())
	}
}
