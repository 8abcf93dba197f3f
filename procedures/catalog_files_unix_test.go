//go:build unix

package procedures

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mustFIFO makes a named pipe at p. Its cleanup opens the pipe for writing and closes it,
// which releases a reader stuck in open, so a failing test leaves no goroutine blocked.
func mustFIFO(t *testing.T, p string) string {
	t.Helper()
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

// mustSparse makes a file of size bytes at p that takes no disk space.
func mustSparse(t *testing.T, p string, size int64) string {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodRecord = "- {code: '1.004222', name: Đăng ký thường trú, steps: [Nộp hồ sơ]}\n"

// A catalogue file, or any file of a catalogue folder, must be a regular file, and the
// catalogue at most MaxCatalogSize: anything else is refused at once, naming the file.
func TestLoadRefusesIrregularFiles(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	folder := func(t *testing.T, add func(dir string) string) (string, string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(goodRecord), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir, add(dir)
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T) (path, named string)
		wantErr string
	}{
		{"FIFO", func(t *testing.T) (string, string) {
			p := mustFIFO(t, filepath.Join(t.TempDir(), "c.yaml"))
			return p, p
		}, "is a named pipe (FIFO), not a regular file"},
		{"/dev/zero", func(t *testing.T) (string, string) { return "/dev/zero", "/dev/zero" }, "is a character device, not a regular file"},
		{"over the limit", func(t *testing.T) (string, string) {
			p := mustSparse(t, filepath.Join(t.TempDir(), "c.json"), MaxCatalogSize+1)
			return p, p
		}, "takes the catalogue over its 64 MiB limit"},
		{"FIFO in a folder", func(t *testing.T) (string, string) {
			return folder(t, func(dir string) string { return mustFIFO(t, filepath.Join(dir, "b.yaml")) })
		}, "is a named pipe (FIFO), not a regular file"},
		{"device link in a folder", func(t *testing.T) (string, string) {
			return folder(t, func(dir string) string {
				p := filepath.Join(dir, "b.yaml")
				if err := os.Symlink("/dev/zero", p); err != nil {
					t.Skipf("symlink: %v", err)
				}
				return p
			})
		}, "is a character device, not a regular file"},
		{"folder over the limit together", func(t *testing.T) (string, string) {
			return folder(t, func(dir string) string {
				mustSparse(t, filepath.Join(dir, "b.yaml"), MaxCatalogSize/2)
				return mustSparse(t, filepath.Join(dir, "c.yaml"), MaxCatalogSize/2)
			})
		}, "takes the catalogue over its 64 MiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, named := tt.setup(t)
			done := make(chan error, 1)
			go func() {
				_, err := Load(path)
				done <- err
			}()
			select {
			case err := <-done:
				if want := named + " " + tt.wantErr; err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Load(%s) = %v, want an error containing %q", path, err, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("Load(%s) still running after 10 s", path)
			}
		})
	}
}
