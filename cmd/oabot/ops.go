package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/metrics"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/zalo"
)

// ops is serve's production kit (issue 9): Prometheus metrics and OA onboarding (OAuth
// v4 with PKCE, runtime accounts, token health). serve.go calls initOps, loadRuntimeAccounts,
// zaloHTTPClient, tokenRefreshed and mountOps.
type ops struct {
	m        *metrics.Metrics
	accounts *redisstore.Accounts // nil in memory mode
	oauth    *httpapi.OAuthRoutes
	live     liveAccounts   // what the account snapshots apply to (accounts_live.go)
	health   *healthTracker // per-replica events, sends and refreshes for the console (oa_health.go)
}

// initOps creates the metrics and plugs them into the observation seams. Call it before
// the stores are opened (the queue takes the job observer).
func (s *service) initOps() {
	s.ops.m = metrics.New()
	s.ops.health = newHealthTracker(time.Now)
	s.webhookObs = webhookObservers{s.webhookObs, httpapi.MetricsObserver(s.ops.m), s.ops.health}
	s.jobObs = jobMetrics{m: s.ops.m, maxDeliveries: s.cfg.Queue.MaxDeliveries, next: s.jobObs}
}

// webhookObservers tells several observers (the in-memory counters and Prometheus).
type webhookObservers []httpapi.Observer

func (o webhookObservers) WebhookHandled(account string, outcome httpapi.Outcome, took time.Duration) {
	for _, x := range o {
		if x != nil {
			x.WebhookHandled(account, outcome, took)
		}
	}
}

// jobMetrics records every job delivery (queue.Observer → bot/metrics).
type jobMetrics struct {
	m             *metrics.Metrics
	maxDeliveries int
	next          queue.Observer
}

func (j jobMetrics) JobDone(job queue.Job, err error, dead bool, took time.Duration) {
	result := metrics.ResultOK
	_, transient := queue.IsTransient(err)
	switch {
	case dead:
		result = metrics.ResultDead
	case transient:
		result = metrics.ResultTransient
	case err != nil:
		result = metrics.ResultRetry
	}
	wait := time.Duration(-1)
	if !job.ReceivedAt.IsZero() {
		wait = time.Since(job.ReceivedAt) - took
	}
	j.m.Job(job.EventName, result, wait, took)
	if j.next != nil {
		j.next.JobDone(job, err, dead, took)
	}
}

// zaloTransport carries every call to Zalo's APIs. Go's default transport keeps only 2 idle
// connections per host: after each wave of replies (workers send in bursts) it closed all
// but two, and the next wave opened new TCP and TLS connections to openapi.zalo.me again
// (TestZaloTransportReusesConnections: 139 connections for 10 waves of 16 replies). It
// keeps enough for every worker of a replica.
var zaloTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return t
}()

// zaloHTTPClient wraps the Zalo client's HTTP client (nil = default) with the metrics
// RoundTripper, which labels every call by endpoint and Zalo error code.
func (s *service) zaloHTTPClient(base *http.Client) *http.Client {
	c := &http.Client{Timeout: zalo.DefaultHTTPTimeout, Transport: zaloTransport}
	if base != nil {
		cp := *base
		c = &cp
	}
	c.Transport = s.ops.m.RoundTripper(c.Transport)
	return c
}

// tokenRefreshed is the TokenSource's OnRefresh: metrics and the token-health view.
func (s *service) tokenRefreshed(account, oaID string, err error) {
	s.ops.m.TokenRefresh(account, err)
	s.ops.health.refreshed(account, err)
	if s.ops.accounts == nil {
		return
	}
	// OnRefresh must not block the caller: record in the background, bounded.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		var exp time.Time
		if err == nil {
			if p, lerr := s.tokens.Load(ctx, oaID); lerr == nil {
				exp = p.ExpiresAt
			}
		}
		if rerr := s.ops.accounts.RecordTokenRefresh(ctx, account, exp, err); rerr != nil {
			s.log.Warn("record token refresh", zap.String("account", account), zap.Error(rerr))
		}
	}()
}

// mountOps adds /metrics (when metrics.enabled and not on its own metrics.addr), the queue figures of the scrape, and
// (with Redis) OA onboarding: /oauth/zalo/* and /admin/v1/oa/*.
func (s *service) mountOps() error {
	api := s.api
	if s.cfg.Metrics.Enabled && s.cfg.Metrics.Addr == "" {
		// On the main port (metrics.addr empty): keep it off the public proxy, or set a token.
		api.Mount(httpapi.NewMetricsRoutes(s.metricsHandler()))
	}
	s.ops.m.SetReadiness(s.ready)
	if rq, ok := s.redisQueue(); ok {
		s.ops.m.SetQueueStats(func(ctx context.Context) ([]metrics.PartitionStats, error) {
			st, err := rq.Stats(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]metrics.PartitionStats, len(st))
			for i, p := range st {
				out[i] = metrics.PartitionStats{Partition: redisstore.PartitionLabel(p.Partition), Length: p.Length, Lag: p.Lag,
					Pending: p.Pending, Parked: p.Parked}
			}
			return out, nil
		})
	}
	if s.ops.accounts == nil {
		return nil
	}
	base := s.cfg.HTTP.PublicBaseURL
	if base == "" {
		s.log.Warn("http.public_base_url is empty: OA onboarding (/oauth/zalo) is off")
		return nil
	}
	dir := &accountDirectory{s: s}
	// Onboarding changes go to the admin API's audit log (GET /admin/v1/audit), which the
	// campaign kit opened (mountCampaigns runs first); without campaigns there is none.
	var audit httpapi.Auditor
	if k := s.ops.live.kit.Load(); k != nil {
		audit = k.audit
	}
	routes, err := httpapi.NewOAuthRoutes(httpapi.OAuthOptions{
		PublicBaseURL: base, OAuthBase: s.cfg.Zalo.OAuthBase, APIBase: s.cfg.Zalo.APIBase, HTTPClient: s.zaloHTTPClient(nil),
		Accounts: dir, States: oauthStates{s.ops.accounts}, Tokens: s.tokens, TokenPairs: s.tokens,
		Runtime: dir, RefreshErrors: dir, Admin: adminAuth(s.cfg.Officers), Audit: audit,
		OnExchange: func(_ context.Context, account, oaID, officer string, _ zalo.TokenPair, err error) {
			s.tokenRefreshed(account, oaID, err)
			s.log.Info("oauth code exchange", zap.String("account", account), zap.String("oa_id", oaID),
				zap.String("officer", officer), zap.Bool("ok", err == nil))
		},
		Logger: s.log.Named("oauth"),
	})
	if err != nil {
		return err
	}
	s.ops.oauth = routes
	api.Mount(routes)
	s.ops.m.SetTokenHealth(func(ctx context.Context) ([]metrics.TokenHealth, error) {
		rows, err := routes.TokenHealth(ctx, time.Now())
		if err != nil {
			return nil, err
		}
		out := make([]metrics.TokenHealth, 0, len(rows))
		for _, r := range rows {
			h := metrics.TokenHealth{Account: r.Account, LastError: r.LastError}
			if r.ExpiresAt != nil {
				h.ExpiresAt = *r.ExpiresAt
			}
			if r.LastRefresh != nil {
				h.LastRefresh = *r.LastRefresh
			}
			out = append(out, h)
		}
		return out, nil
	})
	return nil
}

// redisQueue returns the Redis queue (nil in memory mode).
func (s *service) redisQueue() (*redisstore.Queue, bool) {
	rq, ok := s.queue.(*redisstore.Queue)
	return rq, ok
}

// adminAuth checks an officer bearer token with role admin for an account ("" = all), the
// same rule as the admin API (token SHA-256, constant-time, accounts scope).
func adminAuth(officers []config.Officer) httpapi.AdminAuth {
	return func(r *http.Request, account string) (string, bool) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			return "", false
		}
		sum := sha256.Sum256([]byte(token))
		var found *config.Officer
		for i := range officers {
			if subtle.ConstantTimeCompare(sum[:], officers[i].TokenHash[:]) == 1 {
				found = &officers[i]
			}
		}
		if found == nil || found.Role != config.RoleAdmin {
			return "", false
		}
		if slices.Contains(found.Accounts, "*") || (account != "" && slices.Contains(found.Accounts, account)) {
			return found.Name, true
		}
		return "", false
	}
}

// oauthStates adapts redisstore.Accounts to httpapi.OAuthStates.
type oauthStates struct{ a *redisstore.Accounts }

func (o oauthStates) SaveState(ctx context.Context, state, account, verifier, by string, ttl time.Duration) error {
	return o.a.SaveOAuthState(ctx, state, redisstore.OAuthState{Account: account, Verifier: verifier, By: by}, ttl)
}

func (o oauthStates) TakeState(ctx context.Context, state string) (string, string, string, bool, error) {
	st, err := o.a.TakeOAuthState(ctx, state)
	if errors.Is(err, redisstore.ErrStateNotFound) {
		return "", "", "", false, nil
	}
	if err != nil {
		return "", "", "", false, err
	}
	return st.Account, st.Verifier, st.By, true, nil
}

// accountDirectory is the account registry as OA onboarding sees it
// (httpapi.OAuthDirectory, RuntimeAccounts, RefreshErrorSource).
type accountDirectory struct{ s *service }

func (d *accountDirectory) OAuthAccounts(context.Context) ([]httpapi.OAuthAccount, error) {
	all := d.s.accounts.Snapshot().All()
	out := make([]httpapi.OAuthAccount, 0, len(all))
	for _, a := range all {
		out = append(out, oauthAccount(a))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (d *accountDirectory) OAuthAccount(ctx context.Context, id string) (httpapi.OAuthAccount, bool, error) {
	if a, ok := d.s.accounts.Snapshot().ByID(id); ok {
		return oauthAccount(a), true, nil
	}
	return httpapi.OAuthAccount{}, false, nil
}

// PutRuntimeAccount stores and applies a runtime account (this replica at once, the others
// at their next refresh); a conflicting id or oa_id is a 409.
func (d *accountDirectory) PutRuntimeAccount(ctx context.Context, in httpapi.RuntimeAccountInput, by string) error {
	_, err := d.s.accounts.Put(ctx, accounts.Record{ID: in.ID, Name: in.Name, OAID: in.OAID, AppID: in.AppID,
		OASecretKey: in.OASecretKey, AppSecretKey: in.AppSecretKey, UpdatedBy: by})
	if err != nil {
		return accountError(err)
	}
	return nil
}

func (d *accountDirectory) SetRuntimeAccountDisabled(ctx context.Context, id string, disabled bool, by string) (bool, error) {
	_, err := d.s.accounts.SetDisabled(ctx, id, disabled, by)
	if errors.Is(err, accounts.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (d *accountDirectory) RefreshErrors(ctx context.Context) (map[string]httpapi.RefreshError, error) {
	h, err := d.s.ops.accounts.TokenHealth(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]httpapi.RefreshError{}
	for id, t := range h {
		if t.LastError != "" {
			out[id] = httpapi.RefreshError{Message: t.LastError, At: t.LastErrorAt, Failures: t.Failures}
		}
	}
	return out, nil
}

// readyDetails adds token health to /readyz: the number of accounts per token status
// (ok, expiring, expired, failing, missing, unknown). It never makes the replica unready.
func (s *service) readyDetails(ctx context.Context) map[string]any {
	if s.ops.oauth == nil {
		return nil
	}
	rows, err := s.ops.oauth.TokenHealth(ctx, time.Now())
	if err != nil {
		return map[string]any{"tokens": "unknown"}
	}
	counts := map[string]int{}
	for _, r := range rows {
		if !r.Disabled {
			counts[r.Status]++
		}
	}
	return map[string]any{"tokens": counts}
}
