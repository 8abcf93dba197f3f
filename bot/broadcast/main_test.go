package broadcast_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that runners stop every goroutine they start.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
