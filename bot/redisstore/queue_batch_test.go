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

// Concurrent callers share pipelines: each gets its own answers and its own errors (one
// caller's failing command fails no one else), in far fewer round trips than callers.
func TestBatcherGroupsCallersAndKeepsTheirErrors(t *testing.T) {
	rdb, prefix := redistest.New(t)
	var hook countingHook
	rdb.AddHook(&hook)
	b := &batcher{rdb: rdb}
	ctx := context.Background()
	if err := rdb.Set(ctx, prefix+"text", "not a number", 0).Err(); err != nil {
		t.Fatal(err)
	}
	before := hook.n.Load()
	const callers = 200
	errs := make([]error, callers)
	vals := make([]int64, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("%sn%d", prefix, i)
			if i%10 == 0 {
				key = prefix + "text" // INCR fails on it
			}
			var a, c *redis.IntCmd
			errs[i] = b.do(ctx, func(p redis.Pipeliner) {
				a = p.IncrBy(ctx, key, int64(i))
				c = p.IncrBy(ctx, key, 1)
			})
			if errs[i] == nil {
				vals[i] = a.Val()*1000 + c.Val()
			}
		}()
	}
	wg.Wait()
	for i := range callers {
		switch {
		case i%10 == 0 && errs[i] == nil:
			t.Errorf("caller %d: no error from INCR on text", i)
		case i%10 != 0 && errs[i] != nil:
			t.Errorf("caller %d: %v (another caller's failure leaked)", i, errs[i])
		case i%10 != 0 && vals[i] != int64(i)*1000+int64(i)+1:
			t.Errorf("caller %d read %d, want its own %d", i, vals[i], int64(i)*1000+int64(i)+1)
		}
	}
	if n := hook.n.Load() - before; n >= callers {
		t.Errorf("%d round trips for %d callers: nothing was grouped", n, callers)
	} else {
		t.Logf("%d callers in %d round trips", callers, n)
	}

	// A caller whose context has ended gets its error and sends nothing.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.do(done, func(p redis.Pipeliner) { p.Set(ctx, prefix+"late", "1", 0) }); err == nil {
		t.Fatal("a cancelled call succeeded")
	}
	time.Sleep(50 * time.Millisecond) // nothing to wait for: proving a write did not happen
	if n, _ := rdb.Exists(ctx, prefix+"late").Result(); n != 0 {
		t.Error("a cancelled call's command was sent")
	}
}

// While the webhook is in a burst, a worker waits (queue.Ingest) before each job, at
// most MaxWait: the event waits in the stream and is handled all the same.
func TestWorkersYieldToWebhookBurst(t *testing.T) {
	rdb, prefix := redistest.New(t)
	in := &queue.Ingest{Busy: 1, MaxWait: 300 * time.Millisecond}
	q := newTestQueue(t, rdb, prefix, func(o *QueueOptions) { o.Ingest = in })
	handled := make(chan time.Time, 4)
	stop := startQueue(t, q, queue.HandlerFunc(func(ctx context.Context, job queue.Job) error {
		handled <- time.Now()
		return nil
	}))
	defer stop()
	end1, end2 := in.Begin(), in.Begin() // a burst: 2 requests in flight
	ctx := context.Background()
	enq := func(k string) time.Time {
		at := time.Now()
		if _, err := q.Enqueue(ctx, queue.Job{Account: "a", OAID: "oa", UserID: "u", EventName: "user_send_text",
			DedupeKey: k, Raw: []byte(`{}`), ReceivedAt: at}); err != nil {
			t.Fatal(err)
		}
		return at
	}
	at := enq("burst")
	select {
	case got := <-handled:
		if d := got.Sub(at); d < 250*time.Millisecond {
			t.Errorf("handled %v after enqueue during a burst; want a wait of about 300ms", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job was never handled during a long burst")
	}
	if in.Yielded() == 0 {
		t.Error("no worker yielded")
	}
	end1()
	end2()
	enq("quiet")
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatal("the job was not handled after the burst")
	}
}
