package queue

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/oabot/oabot/zalo"
)

// Pipeline is the one place a queue's handler is put together: it parses the event once
// (Job.Event), runs the stages in order, and classifies a failure of any stage — not just
// of the last one — so that a temporary failure (Zalo down, Redis blinking, a token being
// repaired) parks the job instead of spending one of its deliveries. A stage that fails
// stops the job; the stages before it run again at the retry, so stages are idempotent
// (the queue delivers at least once anyway).
//
// A body that does not parse is handed on with Event == nil: it will not parse at a retry
// either, and each stage decides what to do with it.
func Pipeline(stages ...Handler) Handler {
	return pipeline(stages)
}

type pipeline []Handler

func (p pipeline) HandleJob(ctx context.Context, job Job) error {
	if job.Event == nil {
		if ev, err := zalo.ParseEvent(job.Raw); err == nil {
			job.Event = ev
		}
	}
	for _, st := range p {
		if err := st.HandleJob(ctx, job); err != nil {
			if Temporary(err) {
				if _, ok := IsTransient(err); !ok {
					return Transient(err)
				}
			}
			return err
		}
	}
	return nil
}

// Temporary reports whether err says nothing about the job itself: already marked
// transient, a Zalo error of the retryable or token class, no stored token yet (re-consent
// pending), a deadline (Zalo or Redis too slow for the job timeout), or a network error.
func Temporary(err error) bool {
	if _, ok := IsTransient(err); ok {
		return true
	}
	switch zalo.ClassOf(err) {
	case zalo.ClassRetryable, zalo.ClassToken:
		return true
	}
	if errors.Is(err, zalo.ErrNoToken) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

// StageFunc names a stage for error messages.
func StageFunc(name string, f func(ctx context.Context, job Job) error) Handler {
	return HandlerFunc(func(ctx context.Context, job Job) error {
		if err := f(ctx, job); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
}
