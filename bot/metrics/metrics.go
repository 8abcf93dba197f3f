// Package metrics is the one place where oabot's Prometheus metric names live.
//
// Other packages never import Prometheus: they call plain methods of *Metrics (or of the
// small adapters here: RoundTripper for the Zalo client, Handler for queue jobs) through
// interfaces they declare themselves, and cmd/oabot wires the concrete *Metrics in.
//
// Every series is bounded: labels are account slugs (from config or the admin API), outcome
// and result words fixed here, Zalo endpoint paths from a fixed API and Zalo error codes.
// No user id, message text or token ever becomes a label.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Webhook outcomes (label outcome of oabot_webhook_requests_total). They are the values of
// httpapi.Outcome and follow the status table in docs/design.md §6.
const (
	OutcomeQueued       = "queued"        // 200, stored durably
	OutcomeDuplicate    = "duplicate"     // 200, seen before
	OutcomeUnknownOA    = "unknown_oa"    // 200, discarded
	OutcomeStale        = "stale"         // 200, older than Zalo's retry window, dropped
	OutcomeBadSignature = "bad_signature" // 401
	OutcomeMalformed    = "malformed"     // 400
	OutcomeTooLarge     = "too_large"     // 413
	OutcomeUnavailable  = "unavailable"   // 503, queue unreachable: Zalo retries
	OutcomeDraining     = "draining"      // 503, the replica is shutting down
)

// Job results (label result of oabot_jobs_total).
const (
	ResultOK    = "ok"    // handled and acknowledged
	ResultRetry = "retry" // handler failed; the job will be delivered again
	ResultDead  = "dead"  // moved to the dead-letter stream
	// ResultTransient: the handler failed transiently (Zalo down, token repair); the job
	// is retried with backoff and this does not count toward max_deliveries.
	ResultTransient = "transient"
)

// Metrics holds every collector of the service, registered on its own registry (no global
// state: tests and several instances in one process do not collide).
type Metrics struct {
	reg *prometheus.Registry

	webhookRequests *prometheus.CounterVec
	ackSeconds      *prometheus.HistogramVec

	jobs        *prometheus.CounterVec
	jobSeconds  *prometheus.HistogramVec
	jobWait     prometheus.Histogram
	eventReply  prometheus.Histogram
	zaloCalls   *prometheus.CounterVec
	zaloSeconds *prometheus.HistogramVec

	tokenRefreshes *prometheus.CounterVec
	broadcast      *prometheus.CounterVec
	searchSeconds  *prometheus.HistogramVec

	queue  *queueCollector
	tokens *tokenCollector
	ready  *readyCollector
}

// New creates the collectors and registers them, with the Go runtime and process
// collectors, on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		webhookRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oabot_webhook_requests_total",
			Help: "Webhook requests by account and outcome (queued, duplicate, unknown_oa, stale, bad_signature, malformed, too_large, unavailable, draining).",
		}, []string{"account", "outcome"}),
		ackSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oabot_webhook_ack_seconds",
			Help:    "Time from request start to the webhook's answer, by outcome. Zalo waits about 2 s.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5},
		}, []string{"outcome"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oabot_jobs_total",
			Help: "Queue jobs handled, by event name and result (ok, retry, transient, dead).",
		}, []string{"event", "result"}),
		jobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oabot_job_seconds",
			Help:    "Processing time of one job by the handler, by event name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"event"}),
		jobWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "oabot_job_queue_wait_seconds",
			Help:    "Time a job waited in the queue, from webhook acceptance to handler start.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		eventReply: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "oabot_event_to_done_seconds",
			Help:    "Time from webhook acceptance to the end of handling (reply sent), for successful jobs.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		zaloCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oabot_zalo_api_requests_total",
			Help: `Zalo API calls by endpoint path and result code: "0" success, Zalo's negative error code, "http_NNN" or "network".`,
		}, []string{"endpoint", "code"}),
		zaloSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oabot_zalo_api_request_seconds",
			Help:    "Zalo API call latency by endpoint path.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"endpoint"}),
		tokenRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oabot_token_refreshes_total",
			Help: "OAuth access-token refreshes and code exchanges by account and result (ok, error).",
		}, []string{"account", "result"}),
		broadcast: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oabot_broadcast_recipients_total",
			Help: "Broadcast deliveries by account and status (sent, failed, skipped).",
		}, []string{"account", "status"}),
		searchSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oabot_search_seconds",
			Help:    "Procedure search latency, by confidence of the result.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05},
		}, []string{"confidence"}),
		ready: &readyCollector{desc: prometheus.NewDesc("oabot_ready",
			"1 when the readiness check passes at scrape time (Redis reachable, consumers running), else 0.", nil, nil)},
		queue:  newQueueCollector(),
		tokens: newTokenCollector(),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.webhookRequests, m.ackSeconds,
		m.jobs, m.jobSeconds, m.jobWait, m.eventReply,
		m.zaloCalls, m.zaloSeconds,
		m.tokenRefreshes, m.broadcast, m.searchSeconds, m.ready,
		m.queue, m.tokens,
	)
	return m
}

// Registry returns the registry, for tests and for registering extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text (or OpenMetrics) format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Webhook records one webhook request: account is the config slug ("" when unknown),
// outcome one of the Outcome constants, d the time to the answer.
func (m *Metrics) Webhook(account, outcome string, d time.Duration) {
	if account == "" {
		account = "unknown"
	}
	m.webhookRequests.WithLabelValues(account, outcome).Inc()
	m.ackSeconds.WithLabelValues(outcome).Observe(d.Seconds())
}

// Job records one handled job: eventName is Zalo's event_name, result one of the Result
// constants, wait the time queued before the handler started, d the handler's time.
func (m *Metrics) Job(eventName, result string, wait, d time.Duration) {
	if eventName == "" {
		eventName = "unknown"
	}
	m.jobs.WithLabelValues(eventName, result).Inc()
	m.jobSeconds.WithLabelValues(eventName).Observe(d.Seconds())
	if wait >= 0 {
		m.jobWait.Observe(wait.Seconds())
		if result == ResultOK {
			m.eventReply.Observe((wait + d).Seconds())
		}
	}
}

// ZaloCall records one Zalo API call. RoundTripper calls it for every request.
func (m *Metrics) ZaloCall(endpoint, code string, d time.Duration) {
	m.zaloCalls.WithLabelValues(endpoint, code).Inc()
	m.zaloSeconds.WithLabelValues(endpoint).Observe(d.Seconds())
}

// TokenRefresh records one token refresh (or code exchange) for account; err == nil is a
// success.
func (m *Metrics) TokenRefresh(account string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.tokenRefreshes.WithLabelValues(account, result).Inc()
}

// BroadcastDelivery records n broadcast deliveries for account with status "sent",
// "failed" or "skipped".
func (m *Metrics) BroadcastDelivery(account, status string, n int) {
	m.broadcast.WithLabelValues(account, status).Add(float64(n))
}

// Search records one procedure search with the confidence of its result.
func (m *Metrics) Search(confidence string, d time.Duration) {
	if confidence == "" {
		confidence = "unknown"
	}
	m.searchSeconds.WithLabelValues(confidence).Observe(d.Seconds())
}

// SetReadiness installs the readiness check (the one behind /readyz) that each scrape
// runs for oabot_ready.
func (m *Metrics) SetReadiness(fn func(ctx context.Context) error) {
	if fn == nil {
		m.ready.set(nil)
		return
	}
	m.ready.set(func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
}

// SetQueueStats installs the function the scrape calls for per-partition queue figures.
// fn gets a context with a short timeout; an error leaves those series out of the scrape
// and sets oabot_queue_stats_up to 0.
func (m *Metrics) SetQueueStats(fn func(ctx context.Context) ([]PartitionStats, error)) {
	m.queue.set(fn)
}

// SetTokenHealth installs the function the scrape calls for per-account token figures.
func (m *Metrics) SetTokenHealth(fn func(ctx context.Context) ([]TokenHealth, error)) {
	m.tokens.set(fn)
}
