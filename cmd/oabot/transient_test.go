package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/zalo"
)

func TestTransientError(t *testing.T) {
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"rate limit -32", &zalo.APIError{Code: -32}, true},
		{"send failed -200", &zalo.APIError{Code: -200}, true},
		{"token -216", &zalo.APIError{Code: -216}, true},
		{"token -220", &zalo.APIError{Code: -220}, true},
		{"http 502", &zalo.APIError{HTTPStatus: 502}, true},
		{"http 429", &zalo.APIError{HTTPStatus: 429}, true},
		{"network", &zalo.TransportError{Endpoint: "/v3.0/oa/message/cs", Err: netErr}, true},
		{"no stored token", fmt.Errorf("token: %w", zalo.ErrNoToken), true},
		{"redis unreachable", fmt.Errorf("load conversation: %w", netErr), true},
		{"job timeout", fmt.Errorf("send: %w", context.DeadlineExceeded), true},
		{"already transient", queue.Transient(errors.New("x")), true},
		{"outside window -230", &zalo.APIError{Code: -230}, false},
		{"not a follower -213", &zalo.APIError{Code: -213}, false},
		{"other zalo error", &zalo.APIError{Code: -124}, false},
		{"http 400", &zalo.APIError{HTTPStatus: 400}, false},
		{"a bug", errors.New("nil map"), false},
	} {
		if got := transientError(c.err); got != c.want {
			t.Errorf("%s: transientError = %v, want %v", c.name, got, c.want)
		}
	}
	h := transientHandler{next: queue.HandlerFunc(func(context.Context, queue.Job) error { return &zalo.APIError{HTTPStatus: 503} })}
	if _, ok := queue.IsTransient(h.HandleJob(context.Background(), queue.Job{})); !ok {
		t.Error("transientHandler did not mark a 503 transient")
	}
	h = transientHandler{next: queue.HandlerFunc(func(context.Context, queue.Job) error { return nil })}
	if err := h.HandleJob(context.Background(), queue.Job{}); err != nil {
		t.Errorf("nil became %v", err)
	}
}
