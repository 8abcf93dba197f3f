package main

import (
	"context"
	"errors"
	"net"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/zalo"
)

// transientHandler marks the handler's failures that say nothing about the job — Zalo
// down or slow, a token being repaired, the network or Redis blinking — as
// queue.TransientError, so the queue retries them with backoff for as long as the event is
// younger than queue.max_event_age instead of dead-lettering it after max_deliveries.
type transientHandler struct{ next queue.Handler }

func (t transientHandler) HandleJob(ctx context.Context, job queue.Job) error {
	err := t.next.HandleJob(ctx, job)
	if err != nil && transientError(err) {
		return queue.Transient(err)
	}
	return err
}

// transientError classifies a handler error (see transientHandler).
func transientError(err error) bool {
	if _, ok := queue.IsTransient(err); ok {
		return true
	}
	switch zalo.ClassOf(err) {
	case zalo.ClassRetryable, zalo.ClassToken:
		return true
	}
	if errors.Is(err, zalo.ErrNoToken) || errors.Is(err, context.DeadlineExceeded) {
		// No stored token yet (re-consent pending), or Zalo too slow for the job timeout.
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

func isTransient(err error) bool { _, ok := queue.IsTransient(err); return ok }
