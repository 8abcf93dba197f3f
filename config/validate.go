package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ValidationError lists every problem found in a configuration, each starting with the
// field path (accounts[2].oa_secret_key_env: …).
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid config:\n  " + strings.Join(e.Problems, "\n  ")
}

// Validate checks a loaded configuration and reports all problems at once.
func (c *Config) Validate() error { return c.validate(nil) }

var (
	slugRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	digitsRE = regexp.MustCompile(`^[0-9]{1,30}$`)
)

func (c *Config) validate(problems []string) error {
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	positive := func(path string, d time.Duration) {
		if d <= 0 {
			add("%s: must be a positive duration such as 30s or 5m", path)
		}
	}

	if c.HTTP.Addr == "" {
		add("http.addr: required (e.g. \":8080\")")
	}
	if u := c.HTTP.PublicBaseURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			add("http.public_base_url: %q is not an http(s) URL", u)
		}
	}
	positive("http.read_timeout", c.HTTP.ReadTimeout)
	positive("http.write_timeout", c.HTTP.WriteTimeout)
	positive("http.shutdown_timeout", c.HTTP.ShutdownTimeout)
	if u := c.Redis.URL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "redis" && pu.Scheme != "rediss" && pu.Scheme != "unix") {
			add("redis.url: not a redis://, rediss:// or unix:// URL")
		}
	}
	if c.Redis.KeyPrefix == "" {
		add("redis.key_prefix: required (default \"oabot:\")")
	}
	for _, z := range []struct{ path, v string }{{"zalo.api_base", c.Zalo.APIBase}, {"zalo.oauth_base", c.Zalo.OAuthBase}} {
		if pu, err := url.Parse(z.v); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			add("%s: %q is not an http(s) URL", z.path, z.v)
		}
	}

	problems = c.validateAccounts(problems)

	if c.Bot.RateLimitPerMinute < 0 {
		add("bot.rate_limit_per_minute: must not be negative")
	}
	positive("bot.takeover_quiet", c.Bot.TakeoverQuiet)
	positive("bot.nudge_interval", c.Bot.NudgeInterval)

	q := c.Queue
	if q.Partitions < 1 || q.Partitions > 1024 {
		add("queue.partitions: %d is outside 1..1024", q.Partitions)
	}
	if q.Workers < 1 {
		add("queue.workers: must be at least 1")
	}
	if q.MaxDeliveries < 1 {
		add("queue.max_deliveries: must be at least 1")
	}
	if q.StreamMaxLen < 1000 {
		add("queue.stream_max_len: %d is too small (at least 1000; it must stay far above any backlog)", q.StreamMaxLen)
	}
	if q.MemorySize < 1 {
		add("queue.memory_size: must be at least 1")
	}
	positive("queue.claim_idle", q.ClaimIdle)
	positive("queue.lease_ttl", q.LeaseTTL)
	positive("queue.job_timeout", q.JobTimeout)
	positive("queue.dedupe_ttl", q.DedupeTTL)
	positive("queue.max_event_age", q.MaxEventAge)
	positive("queue.enqueue_timeout", q.EnqueueTimeout)
	positive("queue.retry_backoff", q.RetryBackoff)
	if q.RetryBackoffMax < q.RetryBackoff {
		add("queue.retry_backoff_max: %v is below queue.retry_backoff %v", q.RetryBackoffMax, q.RetryBackoff)
	}
	if q.EnqueueTimeout >= 2*time.Second {
		add("queue.enqueue_timeout: %v leaves no room in Zalo's 2 s answer window (use 1s or less)", q.EnqueueTimeout)
	}
	if q.DedupeTTL > 0 && q.MaxEventAge > q.DedupeTTL {
		add("queue.max_event_age: %v exceeds queue.dedupe_ttl %v, so an old retry could be processed twice", q.MaxEventAge, q.DedupeTTL)
	}
	positive("conversation.ttl", c.Conversation.TTL)

	problems = c.validateOfficers(problems)

	if c.Broadcast.RatePerSecond <= 0 {
		add("broadcast.rate_per_second: must be positive")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		add("log.format: %q is not json or console", c.Log.Format)
	}
	if a := c.Metrics.Addr; a != "" {
		if !validAddr(a) {
			add("metrics.addr: %q is not host:port with a numeric port (e.g. \"127.0.0.1:9090\")", a)
		} else if sameListener(c.HTTP.Addr, a) {
			add("metrics.addr: %q takes http.addr's port %q; leave it empty to serve /metrics on the main port", a, c.HTTP.Addr)
		}
	}
	if len(problems) > 0 {
		return &ValidationError{Problems: problems}
	}
	return nil
}

// validAddr reports whether a is a listen address host:port (host may be empty) with a
// numeric port.
func validAddr(a string) bool {
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// sameListener reports whether listening on a and on b would take the same port: same
// port (not 0, which picks a free one) on the same host or with either on every interface.
func sameListener(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || wildcard(ha) || wildcard(hb)
}

func (c *Config) validateAccounts(problems []string) []string {
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(c.Accounts) == 0 {
		add("accounts: at least one account is required")
	}
	ids, oaIDs := map[string]int{}, map[string]int{}
	for i, a := range c.Accounts {
		p := fmt.Sprintf("accounts[%d].", i)
		if !slugRE.MatchString(a.ID) {
			add("%sid: %q must be a slug of lowercase letters, digits and '-'", p, a.ID)
		} else if j, dup := ids[a.ID]; dup {
			add("%sid: %q already used by accounts[%d]", p, a.ID, j)
		} else {
			ids[a.ID] = i
		}
		if a.Name == "" {
			add("%sname: required", p)
		}
		if !digitsRE.MatchString(a.OAID) {
			add("%soa_id: %q must be the numeric OA id, quoted as a string", p, a.OAID)
		} else if j, dup := oaIDs[a.OAID]; dup {
			add("%soa_id: already used by accounts[%d]", p, j)
		} else {
			oaIDs[a.OAID] = i
		}
		if !digitsRE.MatchString(a.AppID) {
			add("%sapp_id: %q must be the numeric Zalo App id, quoted as a string", p, a.AppID)
		}
		if a.OASecretKey.IsZero() && a.OASecretKeyEnv == "" && a.OASecretKeyFile == "" {
			add("%soa_secret_key_env: required (or oa_secret_key_file): the webhook signature key", p)
		}
		switch a.QR.Mode {
		case QRModeLanding, QRModeOA:
		case QRModeMiniApp:
			if a.QR.MiniAppID == "" {
				add("%sqr.mini_app_id: required when qr.mode is miniapp", p)
			}
		default:
			add("%sqr.mode: %q is not landing, miniapp or oa", p, a.QR.Mode)
		}
		for name, list := range map[string][]string{"codes": a.Scope.Codes, "fields": a.Scope.Fields,
			"agencies": a.Scope.Agencies, "levels": a.Scope.Levels, "exclude_codes": a.Scope.ExcludeCodes} {
			for j, v := range list {
				if strings.TrimSpace(v) == "" || len(v) > 300 {
					add("%sscope.%s[%d]: empty or longer than 300 bytes", p, name, j)
				}
			}
		}
		if len(a.Scope.Codes)+len(a.Scope.Fields)+len(a.Scope.Agencies) == 0 && len(a.Scope.Levels) > 0 {
			add("%sscope.levels: needs codes, fields or agencies to choose from", p)
		}
		problems = append(problems, ValidateSettings(p, a.Settings())...)
		switch {
		case a.ArticleMonthlyCap < 0 || a.ArticleMonthlyCap > MaxArticleMonthlyCap:
			add("%sarticle_monthly_cap: %d is not between 1 and %d (Basic 1, Advanced 4, Premium 6)", p, a.ArticleMonthlyCap, MaxArticleMonthlyCap)
		case a.ArticleMonthlyCap > 0 && !a.Verified:
			add("%sarticle_monthly_cap: only verified OAs broadcast articles (set verified: true)", p)
		}
	}
	return problems
}

func (c *Config) validateOfficers(problems []string) []string {
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for i, o := range c.Officers {
		p := fmt.Sprintf("officers[%d].", i)
		if o.Name == "" {
			add("%sname: required", p)
		}
		refs := 0
		for _, s := range []string{o.TokenSHA256, o.TokenEnv, o.TokenFile} {
			if s != "" {
				refs++
			}
		}
		if refs != 1 {
			add("%stoken_sha256: give exactly one of token_sha256, token_env, token_file", p)
		}
		switch o.Role {
		case RoleViewer, RoleEditor, RoleBroadcaster, RoleAdmin:
		default:
			add("%srole: %q is not viewer, editor, broadcaster or admin", p, o.Role)
		}
		if len(o.Accounts) == 0 {
			add("%saccounts: list account ids, or [\"*\"] for all", p)
		}
		for j, id := range o.Accounts {
			if id == "*" {
				continue
			}
			if _, ok := c.Account(id); !ok {
				add("%saccounts[%d]: no account with id %q", p, j, id)
			}
		}
	}
	return problems
}
