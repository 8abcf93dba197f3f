package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

// accountsRefreshEvery is how often a replica re-reads the runtime accounts (Redis).
const accountsRefreshEvery = accounts.RefreshEvery

// newAccounts builds the account registry (bot/accounts): the config file's accounts,
// plus (with Redis, outside the demo) the runtime accounts every replica shares, each with
// one token source and its Zalo clients. In the demo every account talks to the in-process
// fake Zalo API with its configured token.
func (s *service) newAccounts(ctx context.Context) error {
	o := accounts.Options{File: s.cfg.Accounts, Logger: s.log.Named("accounts")}
	if s.cfg.Demo {
		s.fake = zalotest.New()
		for _, a := range s.cfg.Accounts {
			s.fake.AddOA(a.OAID, a.AccessToken.Value())
			s.fake.SetOAName(a.OAID, a.Name)
		}
		o.ClientOptions = []zalo.Option{zalo.WithAPIBase(zalotest.BaseURL), zalo.WithHTTPClient(s.zaloHTTPClient(s.fake.HTTPClient()))}
		o.Tokens = staticTokens
	} else {
		o.ClientOptions = []zalo.Option{zalo.WithAPIBase(s.cfg.Zalo.APIBase), zalo.WithHTTPClient(s.zaloHTTPClient(nil))}
		o.Tokens = s.tokenProvider
	}
	if s.rdb != nil && !s.cfg.Demo {
		store, err := redisstore.NewAccounts(s.rdb, s.cfg.Redis.KeyPrefix)
		if err != nil {
			return err
		}
		s.ops.accounts, o.Store = store, store
	}
	// Offices' own settings (console): shared in Redis, in memory otherwise.
	o.Settings = accounts.NewMemorySettings()
	if s.rdb != nil {
		settings, err := redisstore.NewAccountSettings(s.rdb, s.cfg.Redis.KeyPrefix)
		if err != nil {
			return err
		}
		o.Settings = settings
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	reg, err := accounts.New(ctx, o)
	if err != nil {
		return err
	}
	s.accounts = reg
	return nil
}

// liveAccounts is what the registry's snapshots are applied to (applyAccounts): the
// conversation (per-account settings), the QR, landing and poster routes, and campaigns.
// It is also the pipeline's conversation stage.
type liveAccounts struct {
	deps conversationDeps // to rebuild the conversation
	cur  atomic.Pointer[bot.Bot]
	qrs  atomic.Pointer[map[string]qr.Account]
	kit  atomic.Pointer[campaignKit] // nil without campaigns
}

var _ queue.Handler = (*liveAccounts)(nil)

// HandleJob hands job to the conversation of the current accounts.
func (l *liveAccounts) HandleJob(ctx context.Context, job queue.Job) error {
	return l.cur.Load().HandleJob(ctx, job)
}

// applyAccounts applies a snapshot, in the order that keeps events safe: the conversation
// first, then the webhook (which accepts events only for accounts the conversation knows),
// then QR routes and campaigns. A part that cannot apply keeps its previous accounts and
// says so in the log.
func (s *service) applyAccounts(snap *accounts.Snapshot) {
	l := &s.ops.live
	cfg := s.cfg
	cfg.Accounts = snap.Configs()
	if conv, err := newConversation(cfg, l.deps); err != nil {
		s.log.Error("accounts: conversation not rebuilt", zap.Error(err))
	} else {
		l.cur.Store(conv)
	}
	if s.api != nil {
		if err := s.api.SetAccounts(webhookAccounts(snap)); err != nil {
			s.log.Error("accounts: webhook not updated", zap.Error(err))
		}
	}
	qrs := qrAccountMap(s.cfg.HTTP.PublicBaseURL, cfg.Accounts, s.log)
	l.qrs.Store(&qrs)
	if k := l.kit.Load(); k != nil {
		k.sync(snap)
	}
}

// messenger returns the Zalo client of an account slug.
func (s *service) messenger(account string) (bot.Messenger, bool) {
	a, ok := s.accounts.Snapshot().ByID(account)
	if !ok || a.Disabled || a.Client == nil {
		return nil, false
	}
	return s.ops.health.messenger(account, a.Client), true
}

// accountError turns the registry's refusals into the admin API's: a conflict is a 409,
// anything else it refuses a 400.
func accountError(err error) error {
	var ce *accounts.ConflictError
	var ie *accounts.InvalidError
	switch {
	case errors.As(err, &ce):
		return &httpapi.InvalidAccountError{Reason: ce.Error(), Conflict: true}
	case errors.As(err, &ie):
		return &httpapi.InvalidAccountError{Reason: ie.Reason}
	}
	return fmt.Errorf("runtime account: %w", err)
}
