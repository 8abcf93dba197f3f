package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A cancelled context (SIGTERM during start-up) stops loading with the context's error.
func TestLoadContextCancelled(t *testing.T) {
	secret := writeFile(t, "secret", "oa-secret-value")
	path := writeFile(t, "oabot.yaml", fmt.Sprintf(`
accounts:
  - {id: a, name: A, oa_id: "1", app_id: "2", oa_secret_key_file: %q}
`, secret))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadContext(ctx, envMap(nil), path); !errors.Is(err, context.Canceled) {
		t.Errorf("LoadContext(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := ParseFile(ctx, path); !errors.Is(err, context.Canceled) {
		t.Errorf("ParseFile(cancelled) = %v, want context.Canceled", err)
	}
	cfg, err := ParseFile(context.Background(), path)
	if err != nil || cfg.Source != path || cfg.Accounts[0].OASecretKeyFile != secret {
		t.Errorf("ParseFile = %+v, %v; want the file's shape and Source %s", cfg, err, path)
	}
}

const strongToken = "0123456789abcdefghijklmnopqrstuv" // 32 characters

// Weak secrets (a secret file others can read, a short bearer token) are warnings naming
// the file or officer, and refusals with security.strict or OABOT_STRICT_SECRETS.
func TestWeakSecrets(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes say nothing about readers on Windows")
	}
	dir := t.TempDir()
	secretFile := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("secret-value\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // Chmod: the umask does not apply
			t.Fatal(err)
		}
		return p
	}
	private, shared, groupRead := secretFile("private", 0o600), secretFile("shared", 0o644), secretFile("group", 0o640)
	config := func(oaSecretFile, strict string) string {
		return writeFile(t, "oabot.yaml", fmt.Sprintf(`
accounts:
  - {id: a, name: A, oa_id: "1", app_id: "2", oa_secret_key_file: %q}
officers:
  - {name: Lan, token_env: LAN_TOKEN, role: admin, accounts: ["*"]}
%s`, oaSecretFile, strict))
	}
	const (
		sharedWarning = "accounts[0].oa_secret_key_file: %s is readable by group or others (mode 0%o); chmod 600 it"
		shortWarning  = `officers[0].token: officer "Lan" has a 5-character token, shorter than 24 and guessable; generate one with openssl rand -base64 32`
	)
	tests := []struct {
		name     string
		path     string
		env      map[string]string
		warnings []string
		refused  []string // problems in strict mode
	}{
		{name: "strong", path: config(private, ""), env: map[string]string{"LAN_TOKEN": strongToken}},
		{name: "world-readable secret file", path: config(shared, ""), env: map[string]string{"LAN_TOKEN": strongToken},
			warnings: []string{fmt.Sprintf(sharedWarning, shared, 0o644)}},
		{name: "group-readable secret file", path: config(groupRead, ""), env: map[string]string{"LAN_TOKEN": strongToken},
			warnings: []string{fmt.Sprintf(sharedWarning, groupRead, 0o640)}},
		{name: "5-character officer token", path: config(private, ""), env: map[string]string{"LAN_TOKEN": "abcde"},
			warnings: []string{shortWarning}},
		{name: "strict in the file", path: config(shared, "security: {strict: true}\n"), env: map[string]string{"LAN_TOKEN": "abcde"},
			refused: []string{fmt.Sprintf(sharedWarning, shared, 0o644) + " (refused: security.strict)", shortWarning + " (refused: security.strict)"}},
		{name: "strict from the environment", path: config(private, ""), env: map[string]string{"LAN_TOKEN": "abcde", "OABOT_STRICT_SECRETS": "1"},
			refused: []string{shortWarning + " (refused: security.strict)"}},
		{name: "strict and strong", path: config(private, "security: {strict: true}\n"), env: map[string]string{"LAN_TOKEN": strongToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(envMap(tt.env), tt.path)
			if tt.refused != nil {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("Load = %v, want a *ValidationError", err)
				}
				if diff := cmp.Diff(tt.refused, ve.Problems); diff != "" {
					t.Errorf("Load problems (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tt.warnings, cfg.Warnings); diff != "" {
				t.Errorf("Load warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// Every bearer token (officers, posters, metrics) gets the length check; a token given
// only as its SHA-256 cannot be measured and gets none.
func TestShortTokenWarnings(t *testing.T) {
	path := writeFile(t, "oabot.yaml", `
accounts:
  - {id: a, name: A, oa_id: "1", app_id: "2", oa_secret_key_env: S}
officers:
  - {name: Hashed, token_sha256: "`+strings.Repeat("ab", 32)+`", role: admin, accounts: ["*"]}
  - {name: Ok, token_env: OK_TOKEN, role: viewer, accounts: ["*"]}
posters: {token_env: POSTERS_TOKEN}
metrics: {token_env: METRICS_TOKEN}
`)
	cfg, err := Load(envMap(map[string]string{"S": "s", "OK_TOKEN": strings.Repeat("x", MinTokenLength),
		"POSTERS_TOKEN": "qzx7w", "METRICS_TOKEN": strings.Repeat("m", MinTokenLength-1)}), path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []string{
		"posters.token: the poster generator has a 5-character token, shorter than 24 and guessable; generate one with openssl rand -base64 32",
		"metrics.token: /metrics has a 23-character token, shorter than 24 and guessable; generate one with openssl rand -base64 32",
	}
	if diff := cmp.Diff(want, cfg.Warnings); diff != "" {
		t.Errorf("Load warnings (-want +got):\n%s", diff)
	}
	for _, w := range cfg.Warnings {
		if strings.Contains(w, "qzx7w") {
			t.Errorf("warning %q contains the token", w)
		}
	}
}

// The demo listens on loopback unless told otherwise; production keeps ":8080".
func TestDemoListensOnLoopback(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"demo", nil, "127.0.0.1:8080"},
		{"demo with OABOT_HTTP_ADDR", map[string]string{"OABOT_HTTP_ADDR": ":9000"}, ":9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(envMap(tt.env), "")
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.HTTP.Addr != tt.want {
				t.Errorf("HTTP.Addr = %q, want %q", cfg.HTTP.Addr, tt.want)
			}
		})
	}
	if got := Default().HTTP.Addr; got != ":8080" {
		t.Errorf("Default().HTTP.Addr = %q, want production's :8080", got)
	}
	if got := Demo().HTTP.Addr; got != DemoAddr {
		t.Errorf("Demo().HTTP.Addr = %q, want %q", got, DemoAddr)
	}
}

// metrics.addr serves /metrics apart from the main port; metrics.token_* protects it.
func TestMetricsConfig(t *testing.T) {
	const account = `
accounts:
  - {id: a, name: A, oa_id: "1", app_id: "2", oa_secret_key_env: S}
`
	tests := []struct {
		name      string
		yaml      string
		env       map[string]string
		wantAddr  string
		wantToken string
		problem   string
	}{
		{name: "default: the main port", wantAddr: ""},
		{name: "own address", yaml: `metrics: {addr: "127.0.0.1:9090"}`, wantAddr: "127.0.0.1:9090"},
		{name: "env override", yaml: `metrics: {addr: "127.0.0.1:9090"}`, env: map[string]string{"OABOT_METRICS_ADDR": ":9100"}, wantAddr: ":9100"},
		{name: "token", yaml: `metrics: {token_env: M}`, env: map[string]string{"M": strongToken}, wantToken: strongToken},
		{name: "not an address", yaml: `metrics: {addr: "9090"}`, problem: `metrics.addr: "9090" is not host:port`},
		{name: "port not numeric", yaml: `metrics: {addr: "localhost:http"}`, problem: `metrics.addr: "localhost:http" is not host:port`},
		{name: "http.addr's port", yaml: `metrics: {addr: "127.0.0.1:8080"}`, problem: `metrics.addr: "127.0.0.1:8080" takes http.addr's port ":8080"`},
		{name: "token env unset", yaml: `metrics: {token_env: M}`, problem: "metrics.token_env: environment variable M is empty or unset"},
		{name: "both token sources", yaml: `metrics: {token_env: M, token_file: /x}`, env: map[string]string{"M": strongToken}, problem: "metrics.token_env and metrics.token_file: set only one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"S": "s"}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := Load(envMap(env), writeFile(t, "oabot.yaml", account+tt.yaml+"\n"))
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Errorf("Load = %v, want a problem %q", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Metrics.Addr != tt.wantAddr || cfg.Metrics.Token.Value() != tt.wantToken {
				t.Errorf("Metrics = addr %q token set %v, want addr %q token set %v", cfg.Metrics.Addr, !cfg.Metrics.Token.IsZero(), tt.wantAddr, tt.wantToken != "")
			}
		})
	}
}

func TestSameListener(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{":8080", "127.0.0.1:8080", true},
		{"0.0.0.0:8080", "10.0.0.1:8080", true},
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8080", "10.0.0.1:8080", false},
		{":8080", ":9090", false},
		{":0", ":0", false},
	}
	for _, tt := range tests {
		if got := sameListener(tt.a, tt.b); got != tt.want {
			t.Errorf("sameListener(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
