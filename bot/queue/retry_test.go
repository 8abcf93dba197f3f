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
