package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/zalo"
)

// accountsRefreshEvery is how often a replica re-reads the runtime accounts (Redis), so
// an account added or disabled through the admin API applies on every replica within
// about this long without a restart (at once on the replica that took the admin call).
const accountsRefreshEvery = 5 * time.Second

// liveAccounts is the account registry: the file accounts merged with the runtime
// accounts stored in Redis (bot/redisstore/accounts.go), applied to the webhook (secret
// by OA id), the conversation (per-account settings) and the Zalo clients (one per
// account, created when an account appears or its secrets change). The file stays
// authoritative: a runtime record with the id or oa_id of a file account is ignored
// (runtimeToConfig), so it can never replace a file account's secret.
//
// It is also the queue's handler: it hands each job to the conversation built for the
// current set of accounts.
type liveAccounts struct {
	mu   sync.Mutex        // serialises refreshes
	sig  string            // fingerprint of the applied set
	each map[string]string // account id → fingerprint, for the runtime accounts' clients
	deps conversationDeps  // to rebuild the conversation
	cur  atomic.Pointer[bot.Bot]
	qrs  atomic.Pointer[map[string]qr.Account] // the QR, landing and poster routes' accounts
	kit  atomic.Pointer[campaignKit]           // campaigns (mountCampaigns); nil without
}

var _ queue.Handler = (*liveAccounts)(nil)

// HandleJob hands job to the conversation of the current accounts.
func (l *liveAccounts) HandleJob(ctx context.Context, job queue.Job) error {
	return l.cur.Load().HandleJob(ctx, job)
}

// fileAccounts returns the accounts of the config file (without the runtime accounts
// merged at start).
func (s *service) fileAccounts() []config.Account {
	var out []config.Account
	for _, a := range s.cfg.Accounts {
		if !s.ops.runtime[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// watchAccounts refreshes the accounts every accountsRefreshEvery until ctx ends.
func (s *service) watchAccounts(ctx context.Context) {
	if s.ops.accounts == nil {
		return
	}
	t := time.NewTicker(accountsRefreshEvery)
	defer t.Stop()
	for {
		s.applyAccounts(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// applyAccounts refreshes now, logging a failure (the previous set stays in force).
func (s *service) applyAccounts(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.refreshAccounts(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("runtime accounts not refreshed", zap.Error(err))
	}
}

// refreshAccounts reads the runtime accounts and applies the merged set when it changed.
func (s *service) refreshAccounts(ctx context.Context) error {
	if s.ops.accounts == nil || s.api == nil {
		return nil
	}
	l := &s.ops.live
	l.mu.Lock()
	defer l.mu.Unlock()
	list, err := s.ops.accounts.List(ctx)
	if err != nil {
		return fmt.Errorf("runtime accounts: %w", err)
	}
	file := s.fileAccounts()
	merged := append([]config.Account(nil), file...)
	for _, ra := range list {
		a, err := runtimeToConfig(file, ra)
		if err != nil {
			continue // reported at start and refused by the admin API
		}
		merged = append(merged, a)
	}
	each := make(map[string]string, len(merged))
	h := sha256.New()
	for _, a := range merged {
		f := accountFingerprint(a)
		each[a.ID] = f
		h.Write([]byte(f))
	}
	sig := hex.EncodeToString(h.Sum(nil))
	if sig == l.sig {
		return nil
	}
	// 1. Zalo clients of new or changed runtime accounts (file accounts keep theirs).
	fileIDs := map[string]bool{}
	for _, a := range file {
		fileIDs[a.ID] = true
	}
	for _, a := range merged {
		if a.Disabled || fileIDs[a.ID] || (l.each[a.ID] == each[a.ID] && s.hasClient(a.ID)) {
			continue
		}
		c, err := s.runtimeClient(ctx, a)
		if err != nil {
			s.log.Error("runtime account: no zalo client", zap.String("account", a.ID), zap.Error(err))
			continue
		}
		s.ops.mu.Lock()
		s.clients[a.ID] = c
		s.ops.mu.Unlock()
	}
	// 2. The conversation, before the webhook accepts events for a new account.
	cfg := s.cfg
	cfg.Accounts = merged
	conv, err := newConversation(cfg, l.deps)
	if err != nil {
		return fmt.Errorf("rebuild conversation: %w", err)
	}
	l.cur.Store(conv)
	// 3. The webhook.
	var hooks []httpapi.Account
	for _, a := range merged {
		if !a.Disabled {
			hooks = append(hooks, httpapi.Account{ID: a.ID, OAID: a.OAID, OASecretKey: a.OASecretKey.Value()})
		}
	}
	if err := s.api.SetAccounts(hooks); err != nil {
		return fmt.Errorf("webhook accounts: %w", err)
	}
	// 4. The QR, landing and poster routes, and campaigns (settings and Zalo client).
	qrs := qrAccountMap(s.cfg.HTTP.PublicBaseURL, merged, s.log)
	l.qrs.Store(&qrs)
	if k := l.kit.Load(); k != nil {
		k.sync(ctx, merged)
	}
	if l.sig != "" {
		s.log.Info("accounts applied", zap.Int("accounts", len(merged)), zap.Int("webhook_accounts", len(hooks)))
	}
	l.sig, l.each = sig, each
	return nil
}

// accountFingerprint changes when anything the registry applies changes (secrets are
// hashed, never kept in clear).
func accountFingerprint(a config.Account) string {
	sum := sha256.Sum256([]byte(a.OASecretKey.Value() + "\x00" + a.AppSecretKey.Value()))
	return fmt.Sprintf("%s|%s|%s|%s|%t|%x;", a.ID, a.OAID, a.AppID, a.Name, a.Disabled, sum[:8])
}

func (s *service) hasClient(id string) bool {
	s.ops.mu.RLock()
	defer s.ops.mu.RUnlock()
	_, ok := s.clients[id]
	return ok
}

// runtimeClient builds the Zalo client of a runtime account: tokens from the shared
// token store (written by the OAuth onboarding), refreshed with the app secret.
func (s *service) runtimeClient(ctx context.Context, a config.Account) (*zalo.Client, error) {
	tp, err := s.tokenProvider(ctx, a)
	if err != nil {
		return nil, err
	}
	return zalo.NewClient(zalo.WithAPIBase(s.cfg.Zalo.APIBase), zalo.WithHTTPClient(s.zaloHTTPClient(nil)),
		zalo.WithTokenSource(tp))
}
