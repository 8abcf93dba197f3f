package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// scrapeTimeout bounds the Redis reads a scrape triggers, so a slow Redis cannot hang
// /metrics (Prometheus' own scrape timeout is 10 s by default).
const scrapeTimeout = 2 * time.Second

// source is a function a collector calls on each scrape, installed once the component
// that answers it exists (Set* on Metrics). Until then the collector reports nothing.
type source[T any] struct {
	mu sync.Mutex
	fn func(ctx context.Context) (T, error)
}

func (s *source[T]) set(fn func(ctx context.Context) (T, error)) {
	s.mu.Lock()
	s.fn = fn
	s.mu.Unlock()
}

// read calls the installed function under scrapeTimeout; ok is false when none is set.
func (s *source[T]) read() (v T, ok bool, err error) {
	s.mu.Lock()
	fn := s.fn
	s.mu.Unlock()
	if fn == nil {
		return v, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	v, err = fn(ctx)
	return v, true, err
}

// PartitionStats describes one queue partition (one Redis stream and its consumer group).
type PartitionStats struct {
	// Partition is the partition number or name, e.g. "7".
	Partition string
	// Length is the number of entries in the stream (XLEN), handled or not.
	Length int64
	// Lag is the number of entries not yet delivered to any consumer.
	Lag int64
	// Pending is the number of entries delivered but not acknowledged yet.
	Pending int64
	// Parked is the number of events waiting for the retry of a transient failure of
	// their conversation (moved out of the stream, not yet handled).
	Parked int64
}

// TokenHealth describes the OAuth token of one account (the token-health view).
type TokenHealth struct {
	Account string
	// ExpiresAt is when the access token expires (zero: no token stored).
	ExpiresAt time.Time
	// LastRefresh is when the pair was last stored (refresh or code exchange).
	LastRefresh time.Time
	// LastError is the last refresh error, empty when the last refresh succeeded. It is a
	// message without secrets; it is not exported as a label.
	LastError string
}

// queueCollector reads queue figures on each scrape. Every replica reports the same
// global queue; dashboards take max() over instances.
type queueCollector struct {
	source[[]PartitionStats]

	length, lag, pending, parked, up *prometheus.Desc
}

func newQueueCollector() *queueCollector {
	labels := []string{"partition"}
	return &queueCollector{
		length:  prometheus.NewDesc("oabot_queue_length", "Entries in the partition's stream (XLEN).", labels, nil),
		lag:     prometheus.NewDesc("oabot_queue_lag", "Entries of the partition not yet delivered to a worker.", labels, nil),
		pending: prometheus.NewDesc("oabot_queue_pending", "Entries of the partition delivered but not acknowledged.", labels, nil),
		parked:  prometheus.NewDesc("oabot_queue_parked", "Events of the partition waiting for a retry after a transient failure (e.g. Zalo down).", labels, nil),
		up:      prometheus.NewDesc("oabot_queue_stats_up", "1 when the last read of queue figures succeeded.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.length
	ch <- c.lag
	ch <- c.pending
	ch <- c.parked
	ch <- c.up
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	stats, ok, err := c.read()
	if !ok {
		return
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, s := range stats {
		ch <- prometheus.MustNewConstMetric(c.length, prometheus.GaugeValue, float64(s.Length), s.Partition)
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(s.Lag), s.Partition)
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(s.Pending), s.Partition)
		ch <- prometheus.MustNewConstMetric(c.parked, prometheus.GaugeValue, float64(s.Parked), s.Partition)
	}
}

// tokenCollector reads token health on each scrape.
type tokenCollector struct {
	source[[]TokenHealth]
	now func() time.Time

	expiry, lastRefresh, failing *prometheus.Desc
}

func newTokenCollector() *tokenCollector {
	labels := []string{"account"}
	return &tokenCollector{
		now:         time.Now,
		expiry:      prometheus.NewDesc("oabot_token_expiry_seconds", "Seconds until the account's access token expires (negative: expired).", labels, nil),
		lastRefresh: prometheus.NewDesc("oabot_token_last_refresh_timestamp_seconds", "Unix time the account's token pair was last stored.", labels, nil),
		failing:     prometheus.NewDesc("oabot_token_refresh_failing", "1 when the account's last token refresh failed (an OA admin may need to re-consent).", labels, nil),
	}
}

func (c *tokenCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.expiry
	ch <- c.lastRefresh
	ch <- c.failing
}

func (c *tokenCollector) Collect(ch chan<- prometheus.Metric) {
	health, ok, err := c.read()
	if !ok || err != nil {
		return
	}
	now := c.now()
	for _, h := range health {
		if !h.ExpiresAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.expiry, prometheus.GaugeValue, h.ExpiresAt.Sub(now).Seconds(), h.Account)
		}
		if !h.LastRefresh.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastRefresh, prometheus.GaugeValue, float64(h.LastRefresh.Unix()), h.Account)
		}
		failing := 0.0
		if h.LastError != "" {
			failing = 1
		}
		ch <- prometheus.MustNewConstMetric(c.failing, prometheus.GaugeValue, failing, h.Account)
	}
}

// readyCollector runs the readiness check on each scrape.
type readyCollector struct {
	source[struct{}]
	desc *prometheus.Desc
}

func (c *readyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *readyCollector) Collect(ch chan<- prometheus.Metric) {
	_, ok, err := c.read()
	if !ok {
		return
	}
	v := 1.0
	if err != nil {
		v = 0
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v)
}
