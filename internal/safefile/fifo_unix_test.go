//go:build unix

package safefile

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/internal/safefile/safefiletest"
)

func mustFIFO(t *testing.T) string { return safefiletest.MustFIFO(t) }

// A FIFO is refused at once with an error that says what it is; it never blocks.
func TestReadFileFIFO(t *testing.T) {
	p := mustFIFO(t)
	done := make(chan error, 1)
	go func() {
		_, _, err := ReadFile(context.Background(), p, 1<<20)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), p+" is a named pipe (FIFO)") {
			t.Errorf("ReadFile(fifo) = %v, want ErrNotRegular naming a named pipe", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFile(fifo) still blocked after 5 s")
	}
}
