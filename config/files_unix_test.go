//go:build unix

package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/internal/safefile/safefiletest"
)

func mustFIFO(t *testing.T) string { return safefiletest.MustFIFO(t) }

// mustSparse makes a file of size bytes that takes no disk space.
func mustSparse(t *testing.T, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big")
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

// loadWithin runs Load and fails the test if it has not returned within 5 s (a FIFO used
// to block start-up forever; /dev/zero used to be read until memory ran out).
func loadWithin(t *testing.T, env map[string]string, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(envMap(env), path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("Load(%s) still running after 5 s", path)
		return nil
	}
}

// Config and secret files must be regular files within their size limit; anything else
// is refused at once with the path and what it is.
func TestLoadRefusesIrregularFiles(t *testing.T) {
	secretConfig := func(t *testing.T, secretFile string) string {
		return writeFile(t, "oabot.yaml", fmt.Sprintf(`
accounts:
  - {id: a, name: A, oa_id: "1", app_id: "2", oa_secret_key_file: %q}
`, secretFile))
	}
	tests := []struct {
		name   string
		config func(t *testing.T) (path, named string)
		want   string
	}{
		{"config FIFO", func(t *testing.T) (string, string) { p := mustFIFO(t); return p, p }, "is a named pipe (FIFO), not a regular file"},
		{"config /dev/zero", func(t *testing.T) (string, string) { return "/dev/zero", "/dev/zero" }, "is a character device, not a regular file"},
		{"config over 1 MiB", func(t *testing.T) (string, string) { p := mustSparse(t, MaxConfigFileSize+1); return p, p }, "is over the 1 MiB limit"},
		{"config folder", func(t *testing.T) (string, string) { p := t.TempDir(); return p, p }, "is a directory, not a regular file"},
		{"secret FIFO", func(t *testing.T) (string, string) { p := mustFIFO(t); return secretConfig(t, p), p }, "is a named pipe (FIFO), not a regular file"},
		{"secret /dev/zero", func(t *testing.T) (string, string) { return secretConfig(t, "/dev/zero"), "/dev/zero" }, "is a character device, not a regular file"},
		{"secret over 64 KiB", func(t *testing.T) (string, string) {
			p := mustSparse(t, MaxSecretFileSize+1)
			return secretConfig(t, p), p
		}, "is over the 64 KiB limit"},
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, named := tt.config(t)
			err := loadWithin(t, nil, path)
			if err == nil || !strings.Contains(err.Error(), named+" "+tt.want) {
				t.Errorf("Load(%s) = %v, want an error containing %q", path, err, named+" "+tt.want)
			}
			if strings.HasPrefix(tt.name, "secret") && (err == nil || !strings.Contains(err.Error(), "accounts[0].oa_secret_key_file: ")) {
				t.Errorf("Load(%s) = %v, want the field path accounts[0].oa_secret_key_file", path, err)
			}
		})
	}
}
