// Package config is the service configuration: the Config tree, Load (a YAML file plus
// environment overrides), Validate (every problem at once, with its field path) and Demo
// (the zero-config demo).
//
// Secrets are never written in the file: each one is named by a *_env (environment
// variable) or *_file (file) field, resolved by Load into a Secret that never prints.
//
// It is a leaf package: it imports nothing from this module.
package config

import (
	"time"
)

// Config is the whole service configuration.
type Config struct {
	HTTP         HTTP         `yaml:"http" json:"http"`
	Redis        Redis        `yaml:"redis" json:"redis"`
	Zalo         Zalo         `yaml:"zalo" json:"zalo"`
	Accounts     []Account    `yaml:"accounts" json:"accounts"`
	Bot          Bot          `yaml:"bot" json:"bot"`
	Catalog      Catalog      `yaml:"catalog" json:"catalog"`
	Queue        Queue        `yaml:"queue" json:"queue"`
	Conversation Conversation `yaml:"conversation" json:"conversation"`
	Officers     []Officer    `yaml:"officers" json:"officers"`
	Broadcast    Broadcast    `yaml:"broadcast" json:"broadcast"`
	Posters      Posters      `yaml:"posters" json:"posters"`
	Log          Log          `yaml:"log" json:"log"`
	Metrics      Metrics      `yaml:"metrics" json:"metrics"`
	Emulator     Emulator     `yaml:"emulator" json:"emulator"`
	Security     Security     `yaml:"security" json:"security"`

	// Demo is true for the zero-config demo (Demo()): generated accounts, a fake Zalo API
	// in process. It is never set from a file.
	Demo bool `yaml:"-" json:"demo"`
	// Source names where the config came from ("demo", a file path), for the startup log.
	Source string `yaml:"-" json:"source"`
	// Warnings are what Load accepted but an operator should fix: a secret file readable
	// by others, a short bearer token. Each names the field and the file or officer, never
	// a secret. Log them at start-up; with security.strict they are refused instead.
	Warnings []string `yaml:"-" json:"-"`
}

// InMemory reports whether state and queue live in process memory (no Redis URL): demo
// mode or a single-instance trial. Events in memory are lost on restart.
func (c *Config) InMemory() bool { return c.Redis.URL == "" }

// DemoAddr is the demo's listen address: loopback only, because the demo serves the
// emulator and generated secrets to whoever reaches it. OABOT_HTTP_ADDR or --addr (e.g.
// ":8080") opens it to the network on purpose.
const DemoAddr = "127.0.0.1:8080"

// HTTP is the listening side.
type HTTP struct {
	// Addr is the listen address, e.g. ":8080" (the demo's is DemoAddr). Env
	// OABOT_HTTP_ADDR, flag --addr.
	Addr string `yaml:"addr" json:"addr"`
	// PublicBaseURL is how citizens and Zalo reach the service (QR landing pages, OAuth
	// callback), e.g. https://bot.example.vn. Env OABOT_PUBLIC_BASE_URL.
	PublicBaseURL   string        `yaml:"public_base_url" json:"public_base_url"`
	ReadTimeout     time.Duration `yaml:"read_timeout" json:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout" json:"write_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" json:"shutdown_timeout"`
}

// Redis is the shared store. An empty URL means in-memory mode.
type Redis struct {
	// URL is redis://[user:pass@]host:port/db or rediss://…; env OABOT_REDIS_URL. A password
	// in the URL is better given through url_env / url_file.
	URL string `yaml:"url" json:"-"`
	// URLEnv / URLFile name where to read the URL when it holds a password.
	URLEnv  string `yaml:"url_env" json:"url_env,omitempty"`
	URLFile string `yaml:"url_file" json:"url_file,omitempty"`
	// KeyPrefix starts every key (default "oabot:").
	KeyPrefix string `yaml:"key_prefix" json:"key_prefix"`
}

// Zalo holds the API endpoints (overridable for tests and the demo fake).
type Zalo struct {
	APIBase   string `yaml:"api_base" json:"api_base"`
	OAuthBase string `yaml:"oauth_base" json:"oauth_base"`
}

// Account is one Zalo Official Account served by this instance. Several accounts may
// share one Zalo App (same app_id).
type Account struct {
	// ID is the slug used in URLs (/webhook/{id}) and logs, e.g. "ca-q12".
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// OAID is the Zalo OA id (a string: ids exceed 2^53).
	OAID  string `yaml:"oa_id" json:"oa_id"`
	AppID string `yaml:"app_id" json:"app_id"`

	OASecretKeyEnv   string `yaml:"oa_secret_key_env" json:"oa_secret_key_env,omitempty"`
	OASecretKeyFile  string `yaml:"oa_secret_key_file" json:"oa_secret_key_file,omitempty"`
	AppSecretKeyEnv  string `yaml:"app_secret_key_env" json:"app_secret_key_env,omitempty"`
	AppSecretKeyFile string `yaml:"app_secret_key_file" json:"app_secret_key_file,omitempty"`
	RefreshTokenEnv  string `yaml:"refresh_token_env" json:"refresh_token_env,omitempty"`
	RefreshTokenFile string `yaml:"refresh_token_file" json:"refresh_token_file,omitempty"`
	AccessTokenEnv   string `yaml:"access_token_env" json:"access_token_env,omitempty"`
	AccessTokenFile  string `yaml:"access_token_file" json:"access_token_file,omitempty"`

	// Resolved secrets (filled by Load; never printed).
	OASecretKey  Secret `yaml:"-" json:"oa_secret_key"`
	AppSecretKey Secret `yaml:"-" json:"app_secret_key"`
	RefreshToken Secret `yaml:"-" json:"refresh_token"`
	AccessToken  Secret `yaml:"-" json:"access_token"`

	// Welcome is the greeting on follow / chat-now (empty → the built-in text).
	Welcome string `yaml:"welcome" json:"welcome,omitempty"`
	// QuickTopics are the buttons of the main menu (empty → built-in topics).
	QuickTopics []QuickTopic `yaml:"quick_topics" json:"quick_topics,omitempty"`
	// Offices are the office locations ("nearest office", addresses on cards).
	Offices []Office `yaml:"offices" json:"offices,omitempty"`
	// Hours is the office-hours text.
	Hours string `yaml:"hours" json:"hours,omitempty"`
	// Notice is a temporary announcement appended to replies between Start and End.
	Notice Notice `yaml:"notice" json:"notice"`
	// Signature closes replies (e.g. the office name and hotline).
	Signature string `yaml:"signature" json:"signature,omitempty"`
	QR        QR     `yaml:"qr" json:"qr"`
	// Verified tells whether the OA is verified (needed for article broadcasts).
	Verified bool `yaml:"verified" json:"verified"`
	// ArticleMonthlyCap is how many article broadcasts a month the OA's package allows
	// (zalo-oa.md §5.2: Basic 1, Trial/Advanced 4, Premium 6). 0 means the Basic package's
	// DefaultArticleMonthlyCap; only verified OAs broadcast articles. See ArticleCap.
	ArticleMonthlyCap int `yaml:"article_monthly_cap" json:"article_monthly_cap,omitempty"`
	// Disabled keeps the account configured but not served (its events are not processed).
	Disabled bool `yaml:"disabled" json:"disabled"`
	// Scope is which procedures this office handles (empty: every procedure). Searches
	// answer within it; a message about another office's procedure gets a referral.
	Scope Scope `yaml:"scope" json:"scope,omitzero"`
}

// Scope selects procedures (procedures.Scope): by code, field (lĩnh vực), agency (a
// part of its name) — any of them — then, when levels is set, only those levels (cấp
// thực hiện); exclude_codes always wins. Names compare without diacritics or case.
type Scope struct {
	Codes        []string `yaml:"codes" json:"codes,omitempty"`
	Fields       []string `yaml:"fields" json:"fields,omitempty"`
	Agencies     []string `yaml:"agencies" json:"agencies,omitempty"`
	Levels       []string `yaml:"levels" json:"levels,omitempty"`
	ExcludeCodes []string `yaml:"exclude_codes" json:"exclude_codes,omitempty"`
}

// Article broadcast caps a month by OA package (zalo-oa.md §5.2).
const (
	// DefaultArticleMonthlyCap is the Basic package's cap, the lowest, used when a verified
	// account does not say its package.
	DefaultArticleMonthlyCap = 1
	// MaxArticleMonthlyCap is the Premium package's cap, the highest.
	MaxArticleMonthlyCap = 6
)

// ArticleCap is the account's monthly article broadcast cap: 0 when it is not verified,
// ArticleMonthlyCap when set, else DefaultArticleMonthlyCap.
func (a Account) ArticleCap() int {
	switch {
	case !a.Verified:
		return 0
	case a.ArticleMonthlyCap > 0:
		return a.ArticleMonthlyCap
	default:
		return DefaultArticleMonthlyCap
	}
}

// QuickTopic is one menu button: Title shown, Payload sent back as text when tapped.
type QuickTopic struct {
	Title   string `yaml:"title" json:"title"`
	Payload string `yaml:"payload" json:"payload"`
}

// Office is one place where citizens can go.
type Office struct {
	Name    string  `yaml:"name" json:"name"`
	Address string  `yaml:"address" json:"address"`
	Lat     float64 `yaml:"lat" json:"lat"`
	Lng     float64 `yaml:"lng" json:"lng"`
	Hours   string  `yaml:"hours" json:"hours,omitempty"`
	Phone   string  `yaml:"phone" json:"phone,omitempty"`
}

// Notice is a time-boxed announcement. A zero Start or End leaves that side open.
type Notice struct {
	Text  string    `yaml:"text" json:"text,omitempty"`
	Start time.Time `yaml:"start" json:"start,omitempty"`
	End   time.Time `yaml:"end" json:"end,omitempty"`
}

// Active reports whether the notice is shown at t.
func (n Notice) Active(t time.Time) bool {
	if n.Text == "" {
		return false
	}
	return (n.Start.IsZero() || !t.Before(n.Start)) && (n.End.IsZero() || t.Before(n.End))
}

// QR modes: what a printed QR code opens.
const (
	QRModeLanding = "landing" // our HTTPS landing page, which links into the OA chat
	QRModeMiniApp = "miniapp" // a Zalo Mini App (needs MiniAppID)
	QRModeOA      = "oa"      // the OA profile / chat directly
)

// QR chooses what the account's QR codes open.
type QR struct {
	Mode      string `yaml:"mode" json:"mode"`
	MiniAppID string `yaml:"mini_app_id" json:"mini_app_id,omitempty"`
}

// Bot tunes the conversation.
type Bot struct {
	// TakeoverQuiet is how long the bot stays silent after an officer writes to a citizen.
	TakeoverQuiet time.Duration `yaml:"takeover_quiet" json:"takeover_quiet"`
	// RateLimitPerMinute caps replies to one citizen per minute.
	RateLimitPerMinute int `yaml:"rate_limit_per_minute" json:"rate_limit_per_minute"`
	// NudgeInterval spaces the "I only read text" nudges.
	NudgeInterval time.Duration `yaml:"nudge_interval" json:"nudge_interval"`
}

// Catalog locates the procedure catalogue; an empty Path means the built-in one.
type Catalog struct {
	Path string `yaml:"path" json:"path"`
	// Portal is a crawl of the national portal (JSON lines, gzip or plain, as `oabot
	// procedures import --dvc` reads): when set, the console lists each record's
	// contradictions with it, and a record with an open one cannot be marked verified.
	Portal string `yaml:"portal" json:"portal"`
}

// Queue tunes the webhook queue and its workers.
type Queue struct {
	// Partitions is the number of streams; one conversation always maps to one partition,
	// and one consumer owns a partition at a time, which keeps its events in order.
	Partitions int `yaml:"partitions" json:"partitions"`
	// Workers caps the jobs one instance runs at once.
	Workers int `yaml:"workers" json:"workers"`
	// ClaimIdle is how long an entry stays pending with a dead consumer before another
	// claims it.
	ClaimIdle time.Duration `yaml:"claim_idle" json:"claim_idle"`
	// LeaseTTL is how long a partition lease lives without renewal (a dead instance's
	// partitions move after it).
	LeaseTTL time.Duration `yaml:"lease_ttl" json:"lease_ttl"`
	// MaxDeliveries is how many times a job is tried before the dead-letter stream.
	// Transient failures (Zalo down, token repair, network) do not count: they are retried
	// with backoff until the event is older than MaxEventAge.
	MaxDeliveries int `yaml:"max_deliveries" json:"max_deliveries"`
	// RetryBackoff is the first wait after a transient failure; it doubles up to
	// RetryBackoffMax.
	RetryBackoff    time.Duration `yaml:"retry_backoff" json:"retry_backoff"`
	RetryBackoffMax time.Duration `yaml:"retry_backoff_max" json:"retry_backoff_max"`
	// JobTimeout bounds one handler call.
	JobTimeout time.Duration `yaml:"job_timeout" json:"job_timeout"`
	// StreamMaxLen caps each partition stream (approximate trim); far above any backlog.
	StreamMaxLen int64 `yaml:"stream_max_len" json:"stream_max_len"`
	// DedupeTTL is how long an event key is remembered (Zalo retries for ≈2 h).
	DedupeTTL time.Duration `yaml:"dedupe_ttl" json:"dedupe_ttl"`
	// MaxEventAge: older events are acknowledged and dropped (beyond Zalo's retry window).
	MaxEventAge time.Duration `yaml:"max_event_age" json:"max_event_age"`
	// EnqueueTimeout bounds the atomic dedupe+enqueue step; Zalo waits ≈2 s for the answer.
	EnqueueTimeout time.Duration `yaml:"enqueue_timeout" json:"enqueue_timeout"`
	// IngestFirst makes workers wait (at most 200 ms per job) while the webhook has a
	// request in flight (queue.Ingest): when a replica is saturated, answering Zalo within its ≈2 s
	// comes before answering citizens a moment sooner; the events wait in the queue
	// (default true).
	IngestFirst bool `yaml:"ingest_first" json:"ingest_first"`
	// MemorySize is the in-memory queue capacity (demo mode); when full the webhook answers
	// 503 and Zalo retries, so a burst slows down instead of exhausting memory.
	MemorySize int `yaml:"memory_size" json:"memory_size"`
}

// Conversation tunes the conversation store.
type Conversation struct {
	// TTL is how long an idle conversation is remembered (default 30 days).
	TTL time.Duration `yaml:"ttl" json:"ttl"`
	// WriteJSON stores conversations in the JSON that releases before the compact encoding
	// read: set it while a rolling upgrade runs old and new replicas side by side, then
	// remove it (deploy/runbook.md, "Upgrading"). This release reads both.
	WriteJSON bool `yaml:"write_json" json:"write_json,omitempty"`
}

// Officer roles, in increasing power.
const (
	RoleViewer      = "viewer"
	RoleEditor      = "editor"
	RoleBroadcaster = "broadcaster"
	RoleAdmin       = "admin"
)

// Officer is a person allowed into the admin API. Their bearer token is given as its
// SHA-256 (token_sha256, hex) or as the token itself through token_env / token_file.
type Officer struct {
	Name        string `yaml:"name" json:"name"`
	TokenSHA256 string `yaml:"token_sha256" json:"token_sha256,omitempty"`
	TokenEnv    string `yaml:"token_env" json:"token_env,omitempty"`
	TokenFile   string `yaml:"token_file" json:"token_file,omitempty"`
	Role        string `yaml:"role" json:"role"`
	// Accounts lists account ids this officer may act on; ["*"] means all.
	Accounts []string `yaml:"accounts" json:"accounts"`

	// TokenHash is the SHA-256 of the token (from token_sha256 or computed from the
	// resolved token), filled by Load.
	TokenHash [32]byte `yaml:"-" json:"-"`
}

// AllAccounts reports whether the officer may act on every account.
func (o Officer) AllAccounts() bool {
	for _, a := range o.Accounts {
		if a == "*" {
			return true
		}
	}
	return false
}

// MayAct reports whether the officer may act on the account with this id.
func (o Officer) MayAct(accountID string) bool {
	for _, a := range o.Accounts {
		if a == "*" || a == accountID {
			return true
		}
	}
	return false
}

// Broadcast tunes announcement delivery.
type Broadcast struct {
	RatePerSecond float64 `yaml:"rate_per_second" json:"rate_per_second"`
}

// Posters configures the printable QR posters.
type Posters struct {
	// TokenEnv / TokenFile name the token that protects poster generation.
	TokenEnv  string `yaml:"token_env" json:"token_env,omitempty"`
	TokenFile string `yaml:"token_file" json:"token_file,omitempty"`
	Token     Secret `yaml:"-" json:"token"`
	// Font is a TTF file with Vietnamese glyphs (empty → looked up on the system).
	Font string `yaml:"font" json:"font,omitempty"`
}

// Log configures zap.
type Log struct {
	Level  string `yaml:"level" json:"level"`   // debug, info, warn, error
	Format string `yaml:"format" json:"format"` // json or console
}

// Metrics configures /metrics.
type Metrics struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Addr, when set, serves /metrics on its own listener (e.g. "127.0.0.1:9090", reached
	// by Prometheus but not by the public) instead of the main port. Empty serves it on
	// http.addr. Ignored when Enabled is false. Env OABOT_METRICS_ADDR.
	Addr string `yaml:"addr" json:"addr,omitempty"`
	// TokenEnv / TokenFile name a bearer token that /metrics then requires
	// (Authorization: Bearer …), on whichever address it is served.
	TokenEnv  string `yaml:"token_env" json:"token_env,omitempty"`
	TokenFile string `yaml:"token_file" json:"token_file,omitempty"`
	Token     Secret `yaml:"-" json:"token"`
}

// Emulator configures the browser chat emulator (talks to the in-process fake Zalo API).
type Emulator struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
}

// Security hardens what Load accepts.
type Security struct {
	// Strict refuses, instead of warning about, weak secrets: a secret file readable by
	// group or others, a bearer token shorter than MinTokenLength. Set it in production.
	// Env OABOT_STRICT_SECRETS (1/true, 0/false).
	Strict bool `yaml:"strict" json:"strict"`
}

// Account returns the account with this slug.
func (c *Config) Account(id string) (*Account, bool) {
	for i := range c.Accounts {
		if c.Accounts[i].ID == id {
			return &c.Accounts[i], true
		}
	}
	return nil, false
}
