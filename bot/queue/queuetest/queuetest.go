// Package queuetest is the behavioural contract of queue.Queue, written once and run
// against every implementation (bot/redisstore on a real Redis, bot/inmem in memory), so
// the demo's in-process queue keeps the promises of production's: dedupe, order per
// conversation, parking on transient failures, dead letters, the event-age limit, the
// per-OA hold, drain, and, where a consumer can die apart from the queue, reclaim.
//
// Call Run from a test with a constructor that returns a fresh, empty queue for each
// subtest. Every wait of the contract polls a condition up to Deadline; no fixed sleep
// stands in for synchronization, so a loaded machine makes the contract slower, not red.
// The only time bounds it asserts are lower bounds (a backoff was waited, an event was
// not given up before its age), and one ratio (the per-OA hold) that load can only loosen.
package queuetest

import (
	"context"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/queue"
)

// Config is what a subtest needs of the queue it asks for. The constructor maps it onto
// the implementation's options (zero: the implementation's default) and keeps every other
// timing small for a test: lease, claim idle, read block.
type Config struct {
	Partitions    int           // partitions, each handled by one worker at a time
	MaxDeliveries int           // deliveries before a permanent failure is dead-lettered
	RetryBase     time.Duration // first backoff after a transient failure
	RetryMax      time.Duration // backoff cap for transient failures
	MaxEventAge   time.Duration // a transient failure of an older event dead-letters it
	Observer      queue.Observer
}

// Queue is a queue under test: the port plus what the contract reads of its state.
type Queue interface {
	queue.Queue
	// Backlog returns the number of events not handled yet: queued, in flight or parked.
	Backlog(ctx context.Context) (int64, error)
	// DeadJobs returns the jobs given up so far (dead-lettered), with Attempt as recorded.
	DeadJobs(ctx context.Context) ([]queue.Job, error)
}

// Options declares what an implementation can do beyond the common contract.
type Options struct {
	// Crash returns a queue whose consumer can die while the store and other consumers
	// live on: kill cuts dying off from the store at once, as a crashed process would
	// (nothing acknowledged, no lease renewed, its handler still stuck), and next returns
	// another consumer of the same store. The contract checks that next handles the jobs
	// dying held, in order.
	Crash func(t *testing.T, cfg Config) (dying Queue, kill func(), next func() Queue)
	// NoCrash says why an implementation has no Crash. It is required when Crash is nil,
	// so that a missing capability is a decision, printed as the reason the DeadConsumer
	// subtest is skipped, never an oversight.
	NoCrash string
}

// Deadline bounds every wait of the contract. It is far above what any step takes on an
// idle machine (well under a second), so only a real failure reaches it.
const Deadline = 30 * time.Second

// Run runs the queue.Queue contract against queues made by newQueue.
func Run(t *testing.T, newQueue func(t *testing.T, cfg Config) Queue, opts Options) {
	if opts.Crash == nil && opts.NoCrash == "" {
		t.Fatal("queuetest: Options.Crash is nil and Options.NoCrash does not say why")
	}
	t.Run("Dedupe", func(t *testing.T) { testDedupe(t, newQueue) })
	t.Run("Order", func(t *testing.T) { testOrder(t, newQueue) })
	t.Run("Drain", func(t *testing.T) { testDrain(t, newQueue) })
	t.Run("Park", func(t *testing.T) { testPark(t, newQueue) })
	t.Run("OAHold", func(t *testing.T) { testOAHold(t, newQueue) })
	t.Run("DeadLetter", func(t *testing.T) { testDeadLetter(t, newQueue) })
	t.Run("MaxEventAge", func(t *testing.T) { testMaxEventAge(t, newQueue) })
	t.Run("DeadConsumer", func(t *testing.T) {
		if opts.Crash == nil {
			t.Skipf("queuetest: no dead-consumer reclaim in this implementation: %s", opts.NoCrash)
		}
		testDeadConsumer(t, opts.Crash)
	})
}
