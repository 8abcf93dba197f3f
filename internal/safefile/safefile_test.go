package safefile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, st, err := ReadFile(context.Background(), small, 5)
	if err != nil || string(data) != "hello" || st.Mode().Perm() != 0o600 {
		t.Fatalf("ReadFile(small, 5) = %q, %v, %v; want hello, mode 0600", data, st, err)
	}

	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte("hello!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadFile(context.Background(), big, 5); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), big) {
		t.Errorf("ReadFile(6 bytes, limit 5) = %v, want ErrTooLarge naming the path", err)
	}

	if _, _, err := ReadFile(context.Background(), dir, 5); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("ReadFile(dir) = %v, want ErrNotRegular saying directory", err)
	}
	if _, _, err := ReadFile(context.Background(), filepath.Join(dir, "missing"), 5); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v, want ErrNotExist", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := ReadFile(ctx, small, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadFile(cancelled) = %v, want context.Canceled", err)
	}
}

// A character device such as /dev/zero never ends; it is refused before any read.
func TestReadFileDevice(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, _, err := ReadFile(context.Background(), "/dev/zero", 1<<20)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "/dev/zero is a character device") {
		t.Errorf("ReadFile(/dev/zero) = %v, want ErrNotRegular naming a character device", err)
	}
}

// cancelAfter cancels its context once n bytes have been read from it.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

// A read under way stops at the next chunk once the context is done (SIGTERM at start-up).
func TestReadAllStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endless := &cancelAfter{r: zeros{}, n: 3 * chunk, cancel: cancel}
	_, err := readAll(ctx, endless, 1<<40, 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("readAll(endless, cancelled after 3 chunks) = %v, want context.Canceled", err)
	}
	data, err := readAll(context.Background(), bytes.NewReader(make([]byte, 2*chunk+7)), 2*chunk+7, 0)
	if err != nil || len(data) != 2*chunk+7 {
		t.Errorf("readAll(exactly the limit) = %d bytes, %v", len(data), err)
	}
	if _, err := readAll(context.Background(), zeros{}, 2*chunk+7, 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("readAll(endless, limit) = %v, want ErrTooLarge", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{64 << 10: "64 KiB", 1 << 20: "1 MiB", 64 << 20: "64 MiB", 100: "100 bytes", 1500: "1500 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
