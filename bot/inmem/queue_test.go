package inmem

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/queue/queuetest"
)

// The in-memory queue passes the queue contract (bot/redisstore runs it on Redis), all of
// it but the take-over of a dead consumer's jobs, which it does not have (NoCrash).
func TestQueueContract(t *testing.T) {
	queuetest.Run(t, func(t *testing.T, cfg queuetest.Config) queuetest.Queue {
		return contractQueue{NewQueue(QueueOptions{Partitions: cfg.Partitions, Size: 10_000,
			MaxDeliveries: cfg.MaxDeliveries, RetryBase: cfg.RetryBase, RetryMax: cfg.RetryMax,
			MaxEventAge: cfg.MaxEventAge, Observer: cfg.Observer, JobTimeout: 10 * time.Second,
			Logger: zaptest.NewLogger(t)})}
	}, queuetest.Options{NoCrash: "the in-memory queue lives in one process: its consumers cannot die " +
		"without the queue, so no other consumer is left to take their jobs over (demo mode; " +
		"queued and parked events are lost with the process)"})
}

// contractQueue adds what the contract reads to a *Queue.
type contractQueue struct{ *Queue }

func (q contractQueue) Backlog(context.Context) (int64, error) { return int64(q.Len()), nil }

func (q contractQueue) DeadJobs(context.Context) ([]queue.Job, error) { return q.DeadLetters(), nil }
