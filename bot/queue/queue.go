package queue

import (
	"context"
	"errors"
	"time"

	"github.com/oabot/oabot/zalo"
)

// ErrDraining is what Enqueue returns once Drain was called: the service is stopping and
// the webhook answers 503, so Zalo delivers the event again to a live replica.
var ErrDraining = errors.New("queue is draining")

// Job is one webhook event waiting to be handled. The ingest side builds it after the
// signature check; the worker side hands it to a Handler.
type Job struct {
	// ID is the queue's own id for the entry (Redis stream id, or a counter in memory).
	ID string `json:"-"`
	// Account is the configured account slug (config accounts[].id) the event belongs to.
	Account string `json:"account"`
	// OAID and UserID route the event (zalo-oa.md §1.4); UserID picks the partition so one
	// conversation is handled in order.
	OAID   string `json:"oa_id"`
	UserID string `json:"user_id"`
	// EventName is the Zalo event_name, for logs and metrics (never the text).
	EventName string `json:"event_name"`
	// DedupeKey is zalo's stable dedupe key for the event.
	DedupeKey string `json:"dedupe_key"`
	// Raw is the event body exactly as received (signature already verified).
	Raw []byte `json:"raw"`
	// ReceivedAt is when the webhook accepted the event.
	ReceivedAt time.Time `json:"received_at"`
	// Attempt counts deliveries of this job to a handler, starting at 1.
	Attempt int `json:"-"`
	// Event is Raw parsed, once per delivery, by Pipeline (nil before it, and for a body
	// that does not parse). Stages read it instead of parsing Raw again.
	Event zalo.Event `json:"-"`
}

// Handler handles one job. Returning an error means "try again later"; after the queue's
// maximum number of deliveries the job goes to the dead-letter stream.
// Handlers must be idempotent: delivery is at least once.
type Handler interface {
	HandleJob(ctx context.Context, job Job) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, job Job) error

// HandleJob calls f.
func (f HandlerFunc) HandleJob(ctx context.Context, job Job) error { return f(ctx, job) }

// Enqueuer is the ingest side of the queue.
type Enqueuer interface {
	// Enqueue stores job durably unless job.DedupeKey was seen before, in one atomic step.
	// It reports queued == false for a duplicate. An error means nothing was stored and the
	// event was not marked seen, so Zalo's retry can succeed later.
	Enqueue(ctx context.Context, job Job) (queued bool, err error)
}

// Observer is told what the workers do, for metrics and tests. Queue implementations
// (bot/redisstore, bot/inmem) call it; it must be fast and safe for concurrent use.
type Observer interface {
	// JobDone is called after each delivery of a job to the handler: err is the handler's
	// result, dead is true when the job was given up and moved to the dead-letter stream.
	JobDone(job Job, err error, dead bool, took time.Duration)
}

// Queue is a whole queue as the service runs it: the ingest side, the workers, health and
// shutdown. *redisstore.Queue (production) and *inmem.Queue (demo) implement it, and both
// pass the contract in bot/queue/queuetest.
type Queue interface {
	Enqueuer
	// Run hands jobs to h until ctx ends, then waits for the handlers in flight.
	Run(ctx context.Context, h Handler) error
	// Running reports whether the workers run (for /readyz).
	Running() bool
	// Ping checks the backing store.
	Ping(ctx context.Context) error
	// Drain stops intake: Enqueue fails with ErrDraining from now on, while the workers
	// go on handling what was queued until Run's context ends.
	Drain()
}
