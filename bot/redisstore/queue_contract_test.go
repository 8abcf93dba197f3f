package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/queue/queuetest"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

// The Redis queue passes the queue contract (bot/inmem runs it on the in-memory queue),
// including the take-over of a dead consumer's jobs. What only Redis has (leases and
// partition hand-over between instances, stream trimming, the atomic enqueue script,
// park lists surviving a new owner) is tested in queue_test.go and queue_park_test.go.
func TestQueueContract(t *testing.T) {
	queuetest.Run(t, func(t *testing.T, cfg queuetest.Config) queuetest.Queue {
		rdb, prefix := redistest.New(t)
		return newContractQueue(t, rdb, prefix, "only", cfg)
	}, queuetest.Options{Crash: func(t *testing.T, cfg queuetest.Config) (queuetest.Queue, func(), func() queuetest.Queue) {
		rdb, prefix := redistest.New(t)
		// The dying consumer has a client of its own: closing it is the crash (no ack, no
		// lease renewal, no release), while Redis and the next consumer live on.
		own := redis.NewClient(rdb.Options())
		dying := newContractQueue(t, own, prefix, "dying", cfg)
		kill := func() { _ = own.Close() }
		next := func() queuetest.Queue { return newContractQueue(t, rdb, prefix, "next", cfg) }
		return dying, kill, next
	}})
}

// contractQueue adds what the contract reads to a *Queue.
type contractQueue struct{ *Queue }

func (q contractQueue) DeadJobs(ctx context.Context) ([]queue.Job, error) {
	dl, err := q.DeadLetters(ctx, 1000)
	if err != nil {
		return nil, err
	}
	jobs := make([]queue.Job, len(dl))
	for i, d := range dl {
		jobs[i] = d.Job
	}
	return jobs, nil
}

// newContractQueue maps the contract's settings onto QueueOptions. The lease is long
// enough (renewed every 2/3 s) that a loaded machine does not lose it between renewals;
// a dead consumer's jobs are taken over about LeaseTTL + ClaimIdle after it died.
func newContractQueue(t *testing.T, rdb redis.UniversalClient, prefix, consumer string, cfg queuetest.Config) queuetest.Queue {
	t.Helper()
	q, err := NewQueue(rdb, QueueOptions{Prefix: prefix, Consumer: consumer, Partitions: cfg.Partitions,
		MaxDeliveries: cfg.MaxDeliveries, RetryBase: cfg.RetryBase, RetryMax: cfg.RetryMax,
		MaxEventAge: cfg.MaxEventAge, Observer: cfg.Observer,
		LeaseTTL: 2 * time.Second, ClaimIdle: time.Second, Block: 100 * time.Millisecond,
		JobTimeout: 10 * time.Second, Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return contractQueue{q}
}
