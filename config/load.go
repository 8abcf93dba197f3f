package config

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/oabot/oabot/internal/safefile"
)

// Default returns the configuration every file is decoded onto: all optional settings
// at their defaults, no accounts.
func Default() Config {
	return Config{
		HTTP: HTTP{Addr: ":8080", ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ShutdownTimeout: 25 * time.Second},
		Redis: Redis{KeyPrefix: "oabot:"},
		Zalo:  Zalo{APIBase: "https://openapi.zalo.me", OAuthBase: "https://oauth.zaloapp.com"},
		Bot:   Bot{TakeoverQuiet: 30 * time.Minute, RateLimitPerMinute: 20, NudgeInterval: 5 * time.Minute},
		Queue: Queue{
			Partitions: 16, Workers: 16, IngestFirst: true, ClaimIdle: 30 * time.Second, LeaseTTL: 10 * time.Second,
			MaxDeliveries: 5, JobTimeout: 20 * time.Second, StreamMaxLen: 100_000,
			DedupeTTL: 48 * time.Hour, MaxEventAge: 3 * time.Hour, EnqueueTimeout: time.Second,
			MemorySize: 1000, RetryBackoff: time.Second, RetryBackoffMax: 5 * time.Minute,
		},
		Conversation: Conversation{TTL: 720 * time.Hour},
		Broadcast:    Broadcast{RatePerSecond: 5},
		Log:          Log{Level: "info", Format: "json"},
		Metrics:      Metrics{Enabled: true},
	}
}

// Size limits on the files a configuration names. Files are read whole at start-up; a
// limit far above any real file keeps a mistake (a log file, /dev/zero) from exhausting
// memory, and the error says which file and which limit.
const (
	// MaxConfigFileSize caps the YAML config file (real ones are a few KiB, even with many
	// accounts and offices).
	MaxConfigFileSize = 1 << 20
	// MaxSecretFileSize caps a *_file secret (keys and tokens are under 1 KiB).
	MaxSecretFileSize = 64 << 10
)

// Load is LoadContext without a way to interrupt it; prefer LoadContext.
func Load(getenv func(string) string, path string) (Config, error) {
	return LoadContext(context.Background(), getenv, path)
}

// LoadContext builds the configuration. path (or else $OABOT_CONFIG) names a YAML file;
// with neither, it returns the demo configuration (Demo). Environment overrides (OABOT_*)
// are applied on top, secrets are resolved through their *_env / *_file fields, and the
// result is validated. Every problem found is reported at once in a *ValidationError.
//
// The config file and secret files must be regular files (a FIFO or a device is refused,
// never waited on) within MaxConfigFileSize / MaxSecretFileSize. Reading stops with ctx's
// error when ctx is done (SIGTERM during start-up). Weak secrets are returned in
// Config.Warnings, or refused when security.strict is set.
func LoadContext(ctx context.Context, getenv func(string) string, path string) (Config, error) {
	if path == "" {
		path = getenv("OABOT_CONFIG")
	}
	var cfg Config
	if path == "" {
		cfg = Demo()
	} else {
		var err error
		if cfg, err = ParseFile(ctx, path); err != nil {
			return Config{}, err
		}
	}
	problems := applyEnv(&cfg, getenv)
	r := &resolver{ctx: ctx, getenv: getenv}
	resolveSecrets(&cfg, r)
	if err := ctx.Err(); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	problems = append(problems, r.problems...)
	if cfg.Security.Strict {
		for _, w := range r.warnings {
			problems = append(problems, w+" (refused: security.strict)")
		}
	} else {
		cfg.Warnings = r.warnings
	}
	if err := cfg.validate(problems); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// ParseFile reads the YAML file at path and decodes it onto Default, without environment
// overrides or secret resolution (for tools such as the emulator preview that only need
// the shape). The file is read as LoadContext reads it: regular files only, at most
// MaxConfigFileSize, interrupted when ctx is done. Source is set to path.
func ParseFile(ctx context.Context, path string) (Config, error) {
	data, _, err := safefile.ReadFile(ctx, path, MaxConfigFileSize)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Config{}, fmt.Errorf("config: %s is empty", path)
	}
	cfg, err := parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.Source = path
	return cfg, nil
}

// Parse decodes YAML onto Default without environment overrides or secret resolution
// (for tests and tools that only need the shape).
func Parse(data []byte) (Config, error) {
	cfg, err := parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

func parse(data []byte) (Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key is an error, not a silent default
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	for i := range cfg.Accounts {
		if cfg.Accounts[i].QR.Mode == "" {
			cfg.Accounts[i].QR.Mode = QRModeLanding
		}
	}
	return cfg, nil
}

// applyEnv applies the OABOT_* overrides.
func applyEnv(cfg *Config, getenv func(string) string) []string {
	var problems []string
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("env %s: %q is not a boolean", name, v))
				return
			}
			*dst = b
		}
	}
	integer := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("env %s: %q is not an integer", name, v))
				return
			}
			*dst = n
		}
	}
	str("OABOT_HTTP_ADDR", &cfg.HTTP.Addr)
	str("OABOT_PUBLIC_BASE_URL", &cfg.HTTP.PublicBaseURL)
	str("OABOT_REDIS_URL", &cfg.Redis.URL)
	str("OABOT_REDIS_KEY_PREFIX", &cfg.Redis.KeyPrefix)
	str("OABOT_ZALO_API_BASE", &cfg.Zalo.APIBase)
	str("OABOT_ZALO_OAUTH_BASE", &cfg.Zalo.OAuthBase)
	str("OABOT_CATALOG_PATH", &cfg.Catalog.Path)
	str("OABOT_CATALOG_PORTAL", &cfg.Catalog.Portal)
	str("OABOT_LOG_LEVEL", &cfg.Log.Level)
	str("OABOT_LOG_FORMAT", &cfg.Log.Format)
	boolean("OABOT_METRICS_ENABLED", &cfg.Metrics.Enabled)
	str("OABOT_METRICS_ADDR", &cfg.Metrics.Addr)
	boolean("OABOT_STRICT_SECRETS", &cfg.Security.Strict)
	boolean("OABOT_EMULATOR_ENABLED", &cfg.Emulator.Enabled)
	integer("OABOT_QUEUE_PARTITIONS", &cfg.Queue.Partitions)
	integer("OABOT_QUEUE_WORKERS", &cfg.Queue.Workers)
	boolean("OABOT_QUEUE_INGEST_FIRST", &cfg.Queue.IngestFirst)
	return problems
}

// resolveSecrets reads every *_env / *_file reference through r.
func resolveSecrets(cfg *Config, r *resolver) {
	if cfg.Redis.URLEnv != "" || cfg.Redis.URLFile != "" {
		if u := r.secret(secretRef{"redis.url", cfg.Redis.URLEnv, cfg.Redis.URLFile}); !u.IsZero() {
			cfg.Redis.URL = u.Value()
		}
	}
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		p := fmt.Sprintf("accounts[%d].", i)
		if a.OASecretKeyEnv != "" || a.OASecretKeyFile != "" {
			a.OASecretKey = r.secret(secretRef{p + "oa_secret_key", a.OASecretKeyEnv, a.OASecretKeyFile})
		}
		if a.AppSecretKeyEnv != "" || a.AppSecretKeyFile != "" {
			a.AppSecretKey = r.secret(secretRef{p + "app_secret_key", a.AppSecretKeyEnv, a.AppSecretKeyFile})
		}
		if a.RefreshTokenEnv != "" || a.RefreshTokenFile != "" {
			a.RefreshToken = r.secret(secretRef{p + "refresh_token", a.RefreshTokenEnv, a.RefreshTokenFile})
		}
		if a.AccessTokenEnv != "" || a.AccessTokenFile != "" {
			a.AccessToken = r.secret(secretRef{p + "access_token", a.AccessTokenEnv, a.AccessTokenFile})
		}
	}
	for i := range cfg.Officers {
		o := &cfg.Officers[i]
		p := fmt.Sprintf("officers[%d].token", i)
		if o.TokenEnv != "" || o.TokenFile != "" {
			if tok := r.token(secretRef{p, o.TokenEnv, o.TokenFile}, fmt.Sprintf("officer %q", o.Name)); !tok.IsZero() {
				o.TokenHash = sha256.Sum256([]byte(tok.Value()))
			}
		} else if o.TokenSHA256 != "" {
			b, err := hex.DecodeString(strings.ToLower(o.TokenSHA256))
			if err != nil || len(b) != sha256.Size {
				r.problem("%s_sha256: want 64 hex digits (sha256sum of the token)", p)
			} else {
				copy(o.TokenHash[:], b)
			}
		}
	}
	if cfg.Posters.TokenEnv != "" || cfg.Posters.TokenFile != "" {
		cfg.Posters.Token = r.token(secretRef{"posters.token", cfg.Posters.TokenEnv, cfg.Posters.TokenFile}, "the poster generator")
	}
	if cfg.Metrics.TokenEnv != "" || cfg.Metrics.TokenFile != "" {
		cfg.Metrics.Token = r.token(secretRef{"metrics.token", cfg.Metrics.TokenEnv, cfg.Metrics.TokenFile}, "/metrics")
	}
}

// Demo returns the zero-config demo: two demo accounts with secrets generated for this
// run, in-memory state and queue, the in-process fake Zalo API, the emulator on, console
// logs, and DemoAddr (loopback only) as the listen address.
func Demo() Config {
	cfg := Default()
	cfg.Demo = true
	cfg.Source = "demo"
	cfg.Log.Format = "console"
	cfg.HTTP.Addr = DemoAddr
	cfg.Emulator.Enabled = true
	cfg.HTTP.PublicBaseURL = "http://localhost:8080"
	cfg.Accounts = []Account{
		// Scoped like real offices: the police ward does residence, ID cards, vehicles,
		// passports, driving licences; the ward People's Committee civil status,
		// certification, household business and land.
		{ID: "ca-demo", Name: "Công an phường Demo", OAID: "1000000000000000001",
			AppID: "2000000000000000001", QR: QR{Mode: QRModeLanding},
			Scope: Scope{Agencies: []string{"Công an", "Cảnh sát giao thông"}}},
		{ID: "ubnd-demo", Name: "UBND phường Demo", OAID: "1000000000000000002",
			AppID: "2000000000000000001", QR: QR{Mode: QRModeLanding},
			Scope: Scope{Fields: []string{"Hộ tịch", "Chứng thực", "Đất đai", "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)"}}},
	}
	// Demo offices, so that office hours, "nearest office" and the handoff phone can be tried.
	// The names say "Demo"; the phone numbers are in the 0900 000 xxx test range.
	cfg.Accounts[0].Offices = []Office{
		{Name: "Trụ sở Công an phường Demo", Address: "1 Đường Demo, phường Demo, TP. Hồ Chí Minh",
			Lat: 10.8671, Lng: 106.6413, Phone: "0900000113"},
		{Name: "Điểm tiếp dân số 2 (Demo)", Address: "25 Đường Thử, phường Demo, TP. Hồ Chí Minh",
			Lat: 10.8800, Lng: 106.6200, Phone: "0900000114"},
	}
	cfg.Accounts[0].Hours = "T2-T6 07:30-11:30 13:30-17:00; T7 07:30-11:30"
	cfg.Accounts[1].Offices = []Office{
		{Name: "Trung tâm Phục vụ hành chính công phường Demo", Address: "3 Đường Demo, phường Demo, TP. Hồ Chí Minh",
			Lat: 10.8655, Lng: 106.6450, Phone: "0900000115"},
	}
	cfg.Accounts[1].Hours = "T2-T6 07:30-11:30 13:30-17:00"
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		a.OASecretKey = NewSecret(randomHex(16))
		a.AppSecretKey = NewSecret(randomHex(16))
		a.AccessToken = NewSecret("demo-access-" + randomHex(12))
		a.RefreshToken = NewSecret("demo-refresh-" + randomHex(12))
	}
	return cfg
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}
