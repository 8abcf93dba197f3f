package zalo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Default hosts (zalo-oa.md §0: current SDKs use openapi.zalo.me; OAuth on oauth.zaloapp.com).
const (
	DefaultAPIBase   = "https://openapi.zalo.me"
	DefaultOAuthBase = "https://oauth.zaloapp.com"
)

// TokenProvider gives a Client the OA access token. *TokenSource implements it with refresh
// and a shared store; StaticToken is a fixed token (tests, API-Explorer tokens).
type TokenProvider interface {
	// AccessToken returns the token to send in the access_token header.
	AccessToken(ctx context.Context) (string, error)
	// RefreshAfterReject is called once after Zalo rejected token with -216/-220
	// (zalo-oa.md §4: refresh once, retry once). It returns the token to retry with.
	RefreshAfterReject(ctx context.Context, token string) (string, error)
}

// StaticToken is a TokenProvider with a fixed access token that cannot be refreshed.
type StaticToken string

// AccessToken returns the token.
func (s StaticToken) AccessToken(context.Context) (string, error) {
	if s == "" {
		return "", errors.New("zalo: no access token configured")
	}
	return string(s), nil
}

// RefreshAfterReject fails: a static token cannot be refreshed.
func (s StaticToken) RefreshAfterReject(context.Context, string) (string, error) {
	return "", errors.New("zalo: static access token rejected and cannot be refreshed")
}

// RetryPolicy bounds retries of retryable failures (ErrRetryable: -32, -200, 5xx, network;
// zalo-oa.md §2.6, §5.3). Delays grow exponentially from BaseDelay up to MaxDelay with full
// jitter; the context ends waiting at once.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	BaseDelay   time.Duration
	MaxDelay    time.Duration
}

// DefaultRetryPolicy is 3 attempts, 300 ms base, 3 s cap [I].
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, BaseDelay: 300 * time.Millisecond, MaxDelay: 3 * time.Second}
}

// delay returns the full-jitter wait before retry number n (1-based).
func (p RetryPolicy) delay(n int) time.Duration {
	d := p.BaseDelay << min(n-1, 20)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// Client calls the Zalo OA API for one OA (zalo-oa.md §0). It is safe for concurrent use.
// The constructor does no I/O.
type Client struct {
	apiBase            string
	hc                 *http.Client
	tokens             TokenProvider
	retry              RetryPolicy
	limits             Limits
	buttonTemplateType string
	targetAsArray      bool
	appSecret          string // for appsecret_proof; empty = not sent
}

// Option configures a Client.
type Option func(*Client) error

// NewClient returns a client. A token provider is required (WithTokenSource or
// WithAccessToken).
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{
		apiBase: DefaultAPIBase,
		hc:      &http.Client{Timeout: DefaultHTTPTimeout},
		retry:   DefaultRetryPolicy(),
		limits:  DefaultLimits(),
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, fmt.Errorf("zalo client: %w", err)
		}
	}
	if c.tokens == nil {
		return nil, errors.New("zalo client: no token provider (WithTokenSource or WithAccessToken)")
	}
	return c, nil
}

// WithAPIBase sets the API base URL (default DefaultAPIBase), e.g. a zalotest server.
func WithAPIBase(base string) Option {
	return func(c *Client) error {
		b, err := cleanBase(base)
		c.apiBase = b
		return err
	}
}

func cleanBase(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("bad base URL %q", base)
	}
	return strings.TrimRight(base, "/"), nil
}

// WithHTTPClient sets the HTTP client (default: 10 s timeout, DefaultHTTPTimeout).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("nil http client")
		}
		c.hc = hc
		return nil
	}
}

// WithTimeout sets the timeout of the default HTTP client.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return errors.New("timeout must be positive")
		}
		c.hc = &http.Client{Timeout: d, Transport: c.hc.Transport}
		return nil
	}
}

// WithTokenSource sets the access-token provider, normally a *TokenSource.
func WithTokenSource(tp TokenProvider) Option {
	return func(c *Client) error {
		if tp == nil {
			return errors.New("nil token provider")
		}
		c.tokens = tp
		return nil
	}
}

// WithAccessToken uses a fixed access token (StaticToken).
func WithAccessToken(token string) Option {
	return func(c *Client) error {
		if token == "" {
			return errors.New("empty access token")
		}
		c.tokens = StaticToken(token)
		return nil
	}
}

// WithRetry sets the retry policy (default DefaultRetryPolicy).
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 1 || p.BaseDelay < 0 || p.MaxDelay < 0 {
			return errors.New("bad retry policy")
		}
		c.retry = p
		return nil
	}
}

// WithLimits replaces the message limits checked before sending (default DefaultLimits),
// for when a live OA shows other values (zalo-oa.md §2.5 [?]).
func WithLimits(l Limits) Option {
	return func(c *Client) error {
		if l.MaxTextRunes <= 0 || l.MaxButtons < 0 || l.MaxButtonTitleRunes <= 0 || l.MaxButtonPayloadRunes <= 0 {
			return errors.New("bad limits")
		}
		c.limits = l
		return nil
	}
}

// WithButtonTemplateType adds payload.template_type to text-with-buttons messages. Zalo's
// partner eSMS sends none (the default); one compilation shows "button" (zalo-oa.md §2.3 [?]).
func WithButtonTemplateType(t string) Option {
	return func(c *Client) error { c.buttonTemplateType = t; return nil }
}

// WithBroadcastTargetArrays makes Broadcast send target codes as JSON arrays ([S] SPEC)
// instead of comma-separated strings ([D] NET-SDK, the default) (zalo-oa.md §5.2 [?]).
func WithBroadcastTargetArrays() Option {
	return func(c *Client) error { c.targetAsArray = true; return nil }
}

// WithAppSecretProof sends the appsecret_proof header, hex(HMAC-SHA256(key=app secret,
// msg=access token)), on every API call. Zalo requires it only when the app enables it in
// its settings; otherwise it is optional (zalo-oa.md §4, [D] PHP-SDK setUseAppSecretProof;
// a wrong proof gives -242).
func WithAppSecretProof(appSecret string) Option {
	return func(c *Client) error {
		if appSecret == "" {
			return errors.New("empty app secret for appsecret_proof")
		}
		c.appSecret = appSecret
		return nil
	}
}

// Limits returns the limits the client validates against.
func (c *Client) Limits() Limits { return c.limits }
