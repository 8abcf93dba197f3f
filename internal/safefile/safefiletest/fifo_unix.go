//go:build unix

// Package safefiletest holds test helpers for code that reads files through safefile.
package safefiletest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// MustFIFO makes a named pipe in a temporary folder (skipping the test where mkfifo is not
// allowed). Its cleanup opens the pipe for writing and closes it, which releases a reader
// stuck in open, so a failing test does not leave a goroutine blocked forever.
func MustFIFO(t testing.TB) string {
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
