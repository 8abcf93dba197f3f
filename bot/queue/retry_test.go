package queue

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestTransient(t *testing.T) {
	cause := errors.New("zalo down")
	if Transient(nil) != nil {
		t.Error("Transient(nil) != nil")
	}
	wrapped := fmt.Errorf("send reply 1/2: %w", Transient(cause))
	if after, ok := IsTransient(wrapped); !ok || after != 0 {
		t.Errorf("IsTransient(wrapped) = %v, %v", after, ok)
	}
	if !errors.Is(wrapped, cause) {
		t.Error("the cause is not visible through the wrapper")
	}
	if after, ok := IsTransient(RetryAfter(cause, 30*time.Second)); !ok || after != 30*time.Second {
		t.Errorf("IsTransient(RetryAfter) = %v, %v", after, ok)
	}
	if _, ok := IsTransient(cause); ok {
		t.Error("a plain error is transient")
	}
	if _, ok := IsTransient(nil); ok {
		t.Error("nil is transient")
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n    int
		hint time.Duration
		want time.Duration
	}{
		{1, 0, time.Second}, {2, 0, 2 * time.Second}, {4, 0, 8 * time.Second}, {9, 0, 256 * time.Second},
		{10, 0, 5 * time.Minute}, {100, 0, 5 * time.Minute}, {1, 30 * time.Second, 30 * time.Second},
		{1, time.Hour, 5 * time.Minute},
	} {
		if got := Backoff(c.n, time.Second, 5*time.Minute, c.hint); got != c.want {
			t.Errorf("Backoff(%d, hint %v) = %v, want %v", c.n, c.hint, got, c.want)
		}
	}
}
