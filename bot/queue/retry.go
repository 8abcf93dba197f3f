package queue

import (
	"errors"
	"fmt"
	"time"
)

// TransientError marks a handler failure that says nothing about the job itself: Zalo is
// down or slow, an access token is being repaired, the network blinked. The queues retry
// such a job with exponential backoff without counting it toward their maximum number of
// deliveries; they give up only when the event is older than the queue's maximum event
// age. Every other handler error is permanent-ish: it is retried a few times and then
// dead-lettered.
type TransientError struct {
	Err error
	// After is the earliest retry the handler asks for (0: the queue's own backoff).
	After time.Duration
}

// Error returns the cause's text.
func (e *TransientError) Error() string { return "transient: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TransientError) Unwrap() error { return e.Err }

// Transient wraps err as a transient failure (nil stays nil).
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &TransientError{Err: err}
}

// RetryAfter wraps err as a transient failure that should not be retried before d.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		err = fmt.Errorf("retry after %v", d)
	}
	return &TransientError{Err: err, After: d}
}

// IsTransient reports whether err is (or wraps) a TransientError, and the retry delay it
// asks for.
func IsTransient(err error) (after time.Duration, ok bool) {
	var te *TransientError
	if errors.As(err, &te) {
		return te.After, true
	}
	return 0, false
}

// Backoff returns the delay before the n-th retry (n ≥ 1) of a transient failure:
// base·2^(n-1), capped at limit, and never shorter than the handler's own hint.
func Backoff(n int, base, limit, hint time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return max(d, min(hint, limit))
}

// OAHold is one OA's streak of transient failures, kept by a queue worker: while Until is
// in the future, the OA's new jobs wait instead of calling Zalo, so an outage costs about
// one Zalo call per OA per backoff step rather than one per citizen. The worker deletes the
// hold when any job of the OA succeeds.
type OAHold struct {
	Until    time.Time
	Failures int   // the streak: the backoff step
	LastErr  error // the latest failure
}

// HoldOA records a transient failure of oaID in holds and holds the OA for the backoff of
// its failure streak (never shorter than the handler's hint). The streak, unlike a job's
// own count, restarts when any conversation of the OA succeeds, so one event that keeps
// failing on its own delays its OA's other citizens by one first step (base) at each of
// its retries, not by its own growing backoff. A streak that ended more than limit ago
// starts again from the first step.
func HoldOA(holds map[string]*OAHold, oaID string, err error, base, limit time.Duration) *OAHold {
	h := holds[oaID]
	if h == nil || time.Since(h.Until) > limit {
		h = &OAHold{}
		holds[oaID] = h
	}
	h.Failures++
	h.LastErr = err
	hint, _ := IsTransient(err)
	h.Until = time.Now().Add(Backoff(h.Failures, base, limit, hint))
	return h
}
