package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot/metrics"
)

// MetricsRoutes serves GET /metrics (Prometheus). The path is not routed by the public
// Ingress (deploy/k8s/ingress.yaml); Prometheus scrapes the pods directly.
type MetricsRoutes struct {
	h http.Handler
}

// NewMetricsRoutes serves h, the registry's handler (metrics.Metrics.Handler, behind a token
// when one is configured).
func NewMetricsRoutes(h http.Handler) *MetricsRoutes {
	return &MetricsRoutes{h: h}
}

// Register adds GET /metrics.
func (r *MetricsRoutes) Register(g gin.IRoutes) {
	g.GET("/metrics", gin.WrapH(r.h))
}

// MetricsObserver returns the webhook Observer that records every request in m
// (oabot_webhook_requests_total, oabot_webhook_ack_seconds).
func MetricsObserver(m *metrics.Metrics) Observer { return metricsObserver{m} }

type metricsObserver struct{ m *metrics.Metrics }

func (o metricsObserver) WebhookHandled(account string, outcome Outcome, took time.Duration) {
	o.m.Webhook(account, string(outcome), took)
}
