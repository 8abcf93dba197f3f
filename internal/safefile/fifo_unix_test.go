//go:build unix

package safefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mustFIFO makes a named pipe in a temporary folder. Its cleanup opens the pipe for
// writing and closes it, which releases a reader stuck in open (the bug this package
// fixes), so a failing test does not leave a goroutine blocked forever.
func mustFIFO(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		}
	})
	return p
}

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
