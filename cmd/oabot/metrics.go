package main

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// metricsHandler serves the Prometheus registry (account ids, token expiry, queue figures):
// behind metrics.token when one is configured.
func (s *service) metricsHandler() http.Handler {
	h := s.ops.m.Handler()
	token := s.cfg.Metrics.Token.Value()
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token (metrics.token_env / token_file)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// serveMetrics serves /metrics on metrics.addr, apart from the public port, until ctx ends.
// It returns at once (nil) when metrics are off or share the main port.
func (s *service) serveMetrics(ctx context.Context) (stop func(), err error) {
	if !s.cfg.Metrics.Enabled || s.cfg.Metrics.Addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", s.cfg.Metrics.Addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, ErrorLog: zap.NewStdLog(s.log.Named("metrics"))}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			s.log.Error("metrics listener stopped", zap.Error(err))
		}
	}()
	s.log.Info("metrics listening", zap.String("addr", ln.Addr().String()))
	s.metricsAddr = ln.Addr().String()
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}, nil
}
