package metrics

import "time"

// ObserveJob runs one queue job's handler and records it: oabot_jobs_total,
// oabot_job_seconds, oabot_job_queue_wait_seconds and oabot_event_to_done_seconds.
// attempt counts deliveries from 1; maxDeliveries is the queue's limit, used to tell a job
// that will be retried from one that goes to the dead-letter stream (0: always "retry").
// receivedAt is when the webhook accepted the event (zero: unknown).
//
// cmd/oabot wraps the queue.Handler with it, so that package bot needs no metrics import:
//
//	queue.HandlerFunc(func(ctx context.Context, j queue.Job) error {
//		return m.ObserveJob(j.EventName, j.Attempt, maxDeliveries, j.ReceivedAt,
//			func() error { return h.HandleJob(ctx, j) })
//	})
func (m *Metrics) ObserveJob(eventName string, attempt, maxDeliveries int, receivedAt time.Time, run func() error) error {
	start := time.Now()
	wait := time.Duration(-1)
	if !receivedAt.IsZero() {
		wait = start.Sub(receivedAt)
	}
	err := run()
	result := ResultOK
	if err != nil {
		result = ResultRetry
		if maxDeliveries > 0 && attempt >= maxDeliveries {
			result = ResultDead
		}
	}
	m.Job(eventName, result, wait, time.Since(start))
	return err
}
