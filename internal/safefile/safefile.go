// Package safefile reads the files an operator names in configuration (the config file,
// secret files, catalogue files) without the ways such a read can go wrong at start-up:
// a FIFO that blocks forever in open or read, a device such as /dev/zero that never ends,
// a file far larger than any real one, and a read that ignores SIGTERM.
//
// ReadFile accepts only regular files (a FIFO is opened with O_NONBLOCK, so it never
// blocks, then refused), stops at a size limit, and checks its context between chunks.
//
// It is a leaf package: config and procedures, which import nothing else from this
// module, share it.
package safefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Errors callers can test with errors.Is. The returned errors also name the path and
// what the file is (or the limit), so they can be shown as they are.
var (
	// ErrNotRegular is returned for a FIFO, a device, a socket or a directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge is returned for a file over the caller's limit.
	ErrTooLarge = errors.New("file too large")
)

// chunk is how much is read between two checks of the context: small enough that a
// cancelled start-up stops within a few milliseconds, large enough to cost nothing.
const chunk = 256 << 10

// ReadFile reads the regular file at path, which must not be larger than limit bytes.
// The FileInfo is the open file's own (fstat), for callers that check its permissions.
// It returns ctx's error, wrapped, as soon as ctx is done.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, fs.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	// Stat first, so a device or FIFO is refused without even being opened (opening some
	// devices has effects); the fstat below closes the race with a file swapped in between.
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := check(path, st, limit); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err = f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if err := check(path, st, limit); err != nil {
		return nil, nil, err
	}
	data, err := readAll(ctx, f, limit, st.Size())
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			// The file grew, or it is one whose size stat does not know (/proc).
			return nil, nil, tooLarge(path, limit)
		}
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, st, nil
}

// check refuses what is not a regular file, and a regular file over limit.
func check(path string, st fs.FileInfo, limit int64) error {
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is %s, %w", path, Kind(st.Mode()), ErrNotRegular)
	}
	if st.Size() > limit {
		return tooLarge(path, limit)
	}
	return nil
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("%s is over the %s limit: %w", path, Size(limit), ErrTooLarge)
}

// readAll reads r to its end, at most limit bytes (ErrTooLarge beyond), checking ctx
// before every chunk. sizeHint is the expected size, used to allocate once.
func readAll(ctx context.Context, r io.Reader, limit, sizeHint int64) ([]byte, error) {
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= limit {
		buf.Grow(int(sizeHint) + 1)
	}
	lr := &io.LimitedReader{R: r, N: limit + 1} // one byte more tells "over the limit"
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		_, err := io.CopyN(&buf, lr, chunk)
		if int64(buf.Len()) > limit {
			return nil, ErrTooLarge
		}
		if errors.Is(err, io.EOF) {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Kind describes a file mode for an error message: "a named pipe (FIFO)", "a character
// device", "a directory"…
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	default:
		return "an irregular file (" + m.Type().String() + ")"
	}
}

// Size formats a byte count the way limits are written: "64 KiB", "1 MiB", "100 bytes".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
