package queue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/oabot/oabot/zalo"
)

func TestTemporary(t *testing.T) {
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
		{"already transient", Transient(errors.New("x")), true},
		{"outside window -230", &zalo.APIError{Code: -230}, false},
		{"not a follower -213", &zalo.APIError{Code: -213}, false},
		{"other zalo error", &zalo.APIError{Code: -124}, false},
		{"http 400", &zalo.APIError{HTTPStatus: 400}, false},
		{"a bug", errors.New("nil map"), false},
	} {
		if got := Temporary(c.err); got != c.want {
			t.Errorf("%s: Temporary = %v, want %v", c.name, got, c.want)
		}
	}
}

// Every stage's temporary failure is marked transient (the queue parks the job), not only
// the last stage's; a permanent one stays permanent; the event is parsed once and a failing
// stage stops the ones after it.
func TestPipelineClassifiesEveryStage(t *testing.T) {
	raw := []byte(`{"app_id":"1","event_name":"user_send_text","timestamp":"1700000000000",` +
		`"sender":{"id":"2"},"recipient":{"id":"3"},"message":{"msg_id":"m","text":"x"}}`)
	netErr := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("i/o timeout")}
	var seen []zalo.Event
	record := HandlerFunc(func(_ context.Context, j Job) error { seen = append(seen, j.Event); return nil })
	fail := func(err error) Handler { return HandlerFunc(func(context.Context, Job) error { return err }) }

	for _, c := range []struct {
		name      string
		stages    []Handler
		transient bool
		err       bool
		seen      int
	}{
		{"first stage temporary", []Handler{fail(netErr), record}, true, true, 0},
		{"middle stage temporary", []Handler{record, fail(fmt.Errorf("followers: %w", netErr)), record}, true, true, 1},
		{"last stage temporary", []Handler{record, fail(&zalo.APIError{HTTPStatus: 503})}, true, true, 1},
		{"permanent", []Handler{record, fail(errors.New("bug"))}, false, true, 1},
		{"ok", []Handler{record, record}, false, false, 2},
	} {
		seen = nil
		err := Pipeline(c.stages...).HandleJob(context.Background(), Job{Raw: raw})
		if _, tr := IsTransient(err); tr != c.transient || (err != nil) != c.err {
			t.Errorf("%s: err = %v (transient %v), want transient %v", c.name, err, tr, c.transient)
		}
		if len(seen) != c.seen {
			t.Errorf("%s: %d stages ran after the failure point, want %d", c.name, len(seen), c.seen)
		}
		for _, ev := range seen {
			if _, ok := ev.(*zalo.TextEvent); !ok {
				t.Errorf("%s: stage saw event %T, want the parsed *zalo.TextEvent", c.name, ev)
			}
		}
	}
	seen = nil
	if err := Pipeline(record).HandleJob(context.Background(), Job{Raw: []byte("not json")}); err != nil || len(seen) != 1 || seen[0] != nil {
		t.Errorf("undecodable body: err %v, seen %v; want the stage to run with a nil Event", err, seen)
	}
}
