package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

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
	runtime  map[string]bool // ids of accounts that came from Redis at start
	live     liveAccounts    // the account registry and the queue's handler (accounts_live.go)
	mu       sync.RWMutex    // guards service.clients once serving
}

// initOps creates the metrics and plugs them into the observation seams. Call it before
// the stores are opened (the queue takes the job observer).
func (s *service) initOps() {
	s.ops.m = metrics.New()
	s.ops.runtime = map[string]bool{}
	s.webhookObs = webhookObservers{s.webhookObs, httpapi.MetricsObserver(s.ops.m)}
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
	switch {
	case dead:
		result = metrics.ResultDead
	case isTransient(err):
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

// zaloHTTPClient wraps the Zalo client's HTTP client (nil = default) with the metrics
// RoundTripper, which labels every call by endpoint and Zalo error code.
func (s *service) zaloHTTPClient(base *http.Client) *http.Client {
	c := &http.Client{Timeout: zalo.DefaultHTTPTimeout}
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

// loadRuntimeAccounts merges the accounts added through the admin API (Redis) into the
// config, after the file accounts (a file account with the same id or OA wins). Later
// changes are applied by the account registry (accounts_live.go) within a few seconds.
// Secrets missing in the record come from a file account of the same app.
func (s *service) loadRuntimeAccounts(ctx context.Context) error {
	if s.rdb == nil || s.cfg.Demo {
		return nil
	}
	acc, err := redisstore.NewAccounts(s.rdb, s.cfg.Redis.KeyPrefix)
	if err != nil {
		return err
	}
	s.ops.accounts = acc
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	list, err := acc.List(ctx)
	if err != nil {
		return fmt.Errorf("runtime accounts: %w", err)
	}
	for _, ra := range list {
		a, err := runtimeToConfig(s.cfg.Accounts, ra)
		if err != nil {
			s.log.Error("runtime account skipped", zap.String("account", ra.ID), zap.Error(err))
			continue
		}
		s.cfg.Accounts = append(s.cfg.Accounts, a)
		s.ops.runtime[a.ID] = true
		s.log.Info("runtime account loaded", zap.String("account", a.ID), zap.Bool("disabled", a.Disabled))
	}
	return nil
}

func runtimeToConfig(file []config.Account, ra redisstore.RuntimeAccount) (config.Account, error) {
	a := config.Account{ID: ra.ID, Name: ra.Name, OAID: ra.OAID, AppID: ra.AppID, Disabled: ra.Disabled,
		OASecretKey: config.NewSecret(ra.OASecretKey), AppSecretKey: config.NewSecret(ra.AppSecretKey)}
	for _, f := range file {
		switch {
		case f.ID == ra.ID:
			return a, errors.New("an account of the config file has this id")
		case f.OAID == ra.OAID:
			return a, fmt.Errorf("account %s of the config file has this oa_id", f.ID)
		case f.AppID == ra.AppID:
			if a.OASecretKey.IsZero() {
				a.OASecretKey = f.OASecretKey
			}
			if a.AppSecretKey.IsZero() {
				a.AppSecretKey = f.AppSecretKey
			}
		}
	}
	if a.OASecretKey.IsZero() || a.AppSecretKey.IsZero() {
		return a, errors.New("no OA secret key or app secret key (give them, or add a file account of the same app)")
	}
	if a.QR.Mode == "" {
		a.QR.Mode = config.QRModeLanding
	}
	return a, nil
}

// mountOps adds /metrics (when metrics.enabled), the queue figures of the scrape, and
// (with Redis) OA onboarding: /oauth/zalo/* and /admin/v1/oa/*.
func (s *service) mountOps(api *httpapi.Server) error {
	if s.cfg.Metrics.Enabled {
		api.Mount(httpapi.NewMetricsRoutes(s.ops.m))
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
	routes, err := httpapi.NewOAuthRoutes(httpapi.OAuthOptions{
		PublicBaseURL: base, OAuthBase: s.cfg.Zalo.OAuthBase, HTTPClient: s.zaloHTTPClient(nil),
		Accounts: dir, States: oauthStates{s.ops.accounts}, Tokens: s.tokens, TokenPairs: s.tokens,
		Runtime: dir, RefreshErrors: dir, Admin: adminAuth(s.cfg.Officers),
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

// redisQueue finds the Redis queue under serve's wrappers.
func (s *service) redisQueue() (*redisstore.Queue, bool) {
	q := s.queue
	for {
		switch v := q.(type) {
		case *redisstore.Queue:
			return v, true
		case campaignQueue:
			q = v.Queue
		default:
			return nil, false
		}
	}
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

// accountDirectory merges the file accounts with the runtime accounts in Redis for OA
// onboarding (httpapi.OAuthDirectory, RuntimeAccounts, RefreshErrorSource).
type accountDirectory struct{ s *service }

func (d *accountDirectory) OAuthAccounts(ctx context.Context) ([]httpapi.OAuthAccount, error) {
	byID := map[string]httpapi.OAuthAccount{}
	for _, a := range d.s.cfg.Accounts {
		if !d.s.ops.runtime[a.ID] {
			byID[a.ID] = httpapi.OAuthAccount{ID: a.ID, Name: a.Name, OAID: a.OAID, AppID: a.AppID,
				AppSecret: a.AppSecretKey.Value(), Disabled: a.Disabled}
		}
	}
	list, err := d.s.ops.accounts.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, ra := range list {
		if _, file := byID[ra.ID]; file {
			continue
		}
		a, _ := runtimeToConfig(d.fileAccounts(), ra)
		byID[ra.ID] = httpapi.OAuthAccount{ID: ra.ID, Name: ra.Name, OAID: ra.OAID, AppID: ra.AppID,
			AppSecret: a.AppSecretKey.Value(), Disabled: ra.Disabled, Runtime: true}
	}
	out := make([]httpapi.OAuthAccount, 0, len(byID))
	for _, a := range byID {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (d *accountDirectory) fileAccounts() []config.Account { return d.s.fileAccounts() }

func (d *accountDirectory) OAuthAccount(ctx context.Context, id string) (httpapi.OAuthAccount, bool, error) {
	all, err := d.OAuthAccounts(ctx)
	if err != nil {
		return httpapi.OAuthAccount{}, false, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, true, nil
		}
	}
	return httpapi.OAuthAccount{}, false, nil
}

func (d *accountDirectory) PutRuntimeAccount(ctx context.Context, in httpapi.RuntimeAccountInput, by string) error {
	ra := redisstore.RuntimeAccount{ID: in.ID, Name: in.Name, OAID: in.OAID, AppID: in.AppID,
		OASecretKey: in.OASecretKey, AppSecretKey: in.AppSecretKey, UpdatedBy: by}
	if old, err := d.s.ops.accounts.Get(ctx, in.ID); err == nil {
		ra.Disabled = old.Disabled
		if ra.OASecretKey == "" {
			ra.OASecretKey = old.OASecretKey
		}
		if ra.AppSecretKey == "" {
			ra.AppSecretKey = old.AppSecretKey
		}
	}
	if _, err := runtimeToConfig(d.fileAccounts(), ra); err != nil {
		return &httpapi.InvalidAccountError{Reason: err.Error()}
	}
	if _, err := d.s.ops.accounts.Put(ctx, ra); err != nil {
		return err
	}
	d.s.applyAccounts(ctx) // this replica at once; the others at their next refresh
	return nil
}

func (d *accountDirectory) SetRuntimeAccountDisabled(ctx context.Context, id string, disabled bool, by string) (bool, error) {
	_, err := d.s.ops.accounts.SetDisabled(ctx, id, disabled, by)
	if errors.Is(err, redisstore.ErrAccountNotFound) {
		return false, nil
	}
	if err == nil {
		d.s.applyAccounts(ctx)
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
