package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodYAML = `
http: {addr: ":9090", public_base_url: "https://bot.example.vn"}
redis: {url: "redis://127.0.0.1:6379/0"}
accounts:
  - id: ca-q12
    name: "Công an quận 12"
    oa_id: "1234567890123456789"
    app_id: "3608465248940903967"
    oa_secret_key_env: ZALO_CAQ12_OA_SECRET
    app_secret_key_env: ZALO_APP_SECRET
    refresh_token_file: %s
    quick_topics: [{title: "Căn cước", payload: "cccd"}]
    offices: [{name: "Trụ sở", address: "1 Lê Lợi", lat: 10.8, lng: 106.6}]
    notice: {text: "Nghỉ lễ", start: 2026-04-30T00:00:00Z, end: 2026-05-02T00:00:00Z}
    verified: true
    article_monthly_cap: 4
queue: {partitions: 8, claim_idle: 45s}
officers:
  - {name: Lan, token_env: OFFICER_LAN, role: broadcaster, accounts: ["*"]}
`

func TestLoadFile(t *testing.T) {
	refresh := writeFile(t, "refresh", "  refresh-token-value\n")
	path := writeFile(t, "oabot.yaml", fmt.Sprintf(goodYAML, refresh))
	env := envMap(map[string]string{
		"ZALO_CAQ12_OA_SECRET": "oa-secret-value",
		"ZALO_APP_SECRET":      "app-secret-value",
		"OFFICER_LAN":          "lan-token",
		"OABOT_HTTP_ADDR":      ":7000",
	})
	cfg, err := Load(env, path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	a := cfg.Accounts[0]
	if got := a.OASecretKey.Value(); got != "oa-secret-value" {
		t.Errorf("OASecretKey = %q", got)
	}
	if got := a.RefreshToken.Value(); got != "refresh-token-value" {
		t.Errorf("RefreshToken = %q (file not trimmed?)", got)
	}
	if cfg.HTTP.Addr != ":7000" {
		t.Errorf("HTTP.Addr = %q, want env override :7000", cfg.HTTP.Addr)
	}
	if cfg.Queue.Partitions != 8 || cfg.Queue.ClaimIdle != 45*time.Second || cfg.Queue.MaxDeliveries != 5 {
		t.Errorf("Queue = %+v, want file values over defaults", cfg.Queue)
	}
	if a.QR.Mode != QRModeLanding {
		t.Errorf("QR.Mode = %q, want default landing", a.QR.Mode)
	}
	if a.ArticleCap() != 4 {
		t.Errorf("ArticleCap() = %d, want the configured 4", a.ArticleCap())
	}
	if !a.Notice.Active(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) || a.Notice.Active(time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Notice.Active wrong for %+v", a.Notice)
	}
	if cfg.Officers[0].TokenHash == [32]byte{} || !cfg.Officers[0].MayAct("ca-q12") {
		t.Errorf("officer not resolved: %+v", cfg.Officers[0])
	}
	if cfg.InMemory() || cfg.Demo {
		t.Errorf("InMemory/Demo = %v/%v, want false", cfg.InMemory(), cfg.Demo)
	}
}

func TestLoadReportsAllProblems(t *testing.T) {
	path := writeFile(t, "bad.yaml", `
redis: {url: "http://nope"}
accounts:
  - {id: a, name: A, oa_id: "1", app_id: "2", oa_secret_key_env: A_SECRET, verified: true, article_monthly_cap: 7}
  - {id: a, name: "", oa_id: "1", app_id: "x", article_monthly_cap: -1}
  - {id: "Bad Slug", name: C, oa_id: "3", app_id: "2", oa_secret_key_env: MISSING, qr: {mode: miniapp}, article_monthly_cap: 4}
queue: {enqueue_timeout: 3s, partitions: 0}
officers:
  - {name: X, role: king, accounts: [nope], token_sha256: "zz"}
log: {level: loud}
`)
	_, err := Load(envMap(map[string]string{"A_SECRET": "s"}), path)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load error = %v, want *ValidationError", err)
	}
	want := []string{
		"redis.url:",
		"accounts[0].article_monthly_cap: 7 is not between 1 and 6",
		"accounts[1].article_monthly_cap: -1 is not between 1 and 6",
		"accounts[2].article_monthly_cap: only verified OAs",
		"accounts[1].id: \"a\" already used by accounts[0]",
		"accounts[1].name: required",
		"accounts[1].oa_id: already used by accounts[0]",
		"accounts[1].app_id:",
		"accounts[1].oa_secret_key_env: required",
		"accounts[2].id:",
		"accounts[2].oa_secret_key_env: environment variable MISSING is empty or unset",
		"accounts[2].qr.mini_app_id: required",
		"queue.partitions:",
		"queue.enqueue_timeout:",
		"officers[0].token_sha256: want 64 hex digits",
		"officers[0].role:",
		"officers[0].accounts[0]: no account with id \"nope\"",
		"log.level:",
	}
	for _, w := range want {
		found := false
		for _, p := range ve.Problems {
			if strings.HasPrefix(p, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem starting with %q in:\n%s", w, err)
		}
	}
}

// Unverified OAs broadcast no article; verified ones default to the Basic package's 1.
func TestArticleCap(t *testing.T) {
	tests := []struct {
		verified bool
		cap      int
		want     int
	}{
		{false, 0, 0},
		{false, 4, 0},
		{true, 0, DefaultArticleMonthlyCap},
		{true, 4, 4},
		{true, 6, 6},
	}
	for _, tt := range tests {
		a := Account{Verified: tt.verified, ArticleMonthlyCap: tt.cap}
		if got := a.ArticleCap(); got != tt.want {
			t.Errorf("Account{Verified: %v, ArticleMonthlyCap: %d}.ArticleCap() = %d, want %d", tt.verified, tt.cap, got, tt.want)
		}
	}
	if DefaultArticleMonthlyCap != 1 {
		t.Errorf("DefaultArticleMonthlyCap = %d, want Basic's 1", DefaultArticleMonthlyCap)
	}
}

func TestLoadUnknownFieldAndEnvErrors(t *testing.T) {
	path := writeFile(t, "typo.yaml", "acounts: []\n")
	if _, err := Load(envMap(nil), path); err == nil || !strings.Contains(err.Error(), "acounts") {
		t.Errorf("Load with misspelt key: err = %v, want it named", err)
	}
	_, err := Load(envMap(map[string]string{"OABOT_QUEUE_PARTITIONS": "many"}), "")
	if err == nil || !strings.Contains(err.Error(), "OABOT_QUEUE_PARTITIONS") {
		t.Errorf("Load with bad env: err = %v", err)
	}
}

func TestDemo(t *testing.T) {
	cfg, err := Load(envMap(nil), "")
	if err != nil {
		t.Fatalf("Load demo: %v", err)
	}
	if !cfg.Demo || !cfg.InMemory() || !cfg.Emulator.Enabled || len(cfg.Accounts) != 2 {
		t.Fatalf("demo config = %+v", cfg)
	}
	ids := []string{cfg.Accounts[0].ID, cfg.Accounts[1].ID}
	if diff := cmp.Diff([]string{"ca-demo", "ubnd-demo"}, ids); diff != "" {
		t.Errorf("demo accounts (-want +got):\n%s", diff)
	}
	if cfg.Accounts[0].OASecretKey.IsZero() || cfg.Accounts[0].OASecretKey == Demo().Accounts[0].OASecretKey {
		t.Errorf("demo secrets are not generated per run")
	}
	cfg2, err := Load(envMap(map[string]string{"OABOT_REDIS_URL": "redis://127.0.0.1:6379/0"}), "")
	if err != nil || cfg2.InMemory() {
		t.Errorf("demo with OABOT_REDIS_URL: InMemory = %v, err = %v", cfg2.InMemory(), err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	cfg := Demo()
	secret := cfg.Accounts[0].OASecretKey.Value()
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", cfg),
		"%+v":  fmt.Sprintf("%+v", cfg),
		"%#v":  fmt.Sprintf("%#v", cfg),
		"%s":   fmt.Sprintf("%s", cfg.Accounts[0].OASecretKey),
		"%q":   fmt.Sprintf("%q", cfg.Accounts[0].OASecretKey),
		"%x":   fmt.Sprintf("%x", cfg.Accounts[0].OASecretKey),
		"json": string(js),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(out, cfg.Accounts[0].AccessToken.Value()) {
			t.Errorf("%s output contains a secret", name)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s output has no [redacted] marker: %.200s", name, out)
		}
	}
}
