package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/zalo"
)

// healthSource is the console's "Tình trạng kết nối OA" (console.Health) on the token
// store and its refresh records (shared through Redis), this replica's healthTracker
// (events, sends, failures: per replica), the follower registry (shared) and OA
// onboarding (httpapi.OAuthRoutes.Consent, when it runs: Redis and a public base URL).
type healthSource struct{ s *service }

var _ console.HealthSource = healthSource{}

func (h healthSource) Health(ctx context.Context, accs []console.Account, now time.Time) ([]console.AccountHealth, error) {
	s := h.s
	var refresh map[string]redisstore.TokenHealth
	if s.ops.accounts != nil {
		var err error
		if refresh, err = s.ops.accounts.TokenHealth(ctx); err != nil {
			refresh = nil // the token's own status shows the store is unreachable
		}
	}
	snap := s.accounts.Snapshot()
	out := make([]console.AccountHealth, 0, len(accs))
	for _, acc := range accs {
		row := console.AccountHealth{Account: acc, Since: s.ops.health.since}
		a, ok := snap.ByID(acc.ID)
		if !ok {
			continue
		}
		f := s.ops.health.figures(acc.ID)
		row.LastEvent, row.LastSend = f.lastEvent, f.lastSend
		for class, c := range f.errs {
			row.Errors = append(row.Errors, console.SendErrors{Class: class, Count: c.count, Last: c.last})
		}
		// The demo and accounts without an app secret use their configured token as is
		// (staticTokens, tokenProvider): there is no pair to read.
		if s.cfg.Demo || a.AppSecretKey.IsZero() {
			row.Token = console.TokenHealth{Kind: console.TokenFixed}
		} else {
			row.Token = h.token(ctx, a.OAID, f, refresh, acc.ID)
		}
		if s.followers != nil {
			if c, err := s.followers.Counts(ctx, a.OAID, now); err == nil {
				row.Followers, row.FollowersKnown, row.FollowersSynced = int64(c.Followers), true, c.LastSyncAt
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// token reads the stored pair and the last refresh failure: the shared record when Redis
// keeps one, else what this replica saw.
func (h healthSource) token(ctx context.Context, oaID string, f trackedFigures, refresh map[string]redisstore.TokenHealth, account string) console.TokenHealth {
	pair, err := h.s.tokens.Load(ctx, oaID)
	switch {
	case errors.Is(err, zalo.ErrNoToken):
		return console.TokenHealth{Kind: console.TokenMissing}
	case err != nil:
		return console.TokenHealth{Kind: console.TokenUnreadable}
	}
	t := console.TokenHealth{Kind: console.TokenRefreshing, ExpiresAt: pair.ExpiresAt, LastRefresh: pair.IssuedAt}
	if r, ok := refresh[account]; ok {
		t.RefreshShared = true
		if r.LastRefresh.After(t.LastRefresh) {
			t.LastRefresh = r.LastRefresh
		}
		t.RefreshError, t.RefreshErrorAt, t.Failures = r.LastError, r.LastErrorAt, r.Failures
		return t
	}
	t.RefreshShared = refresh != nil
	if f.refreshErr != "" {
		t.RefreshError, t.RefreshErrorAt, t.Failures = f.refreshErr, f.refreshAt, f.refreshFailures
	}
	return t
}

func (h healthSource) ConsentOrigin() string {
	if h.s.ops.oauth == nil {
		return ""
	}
	return h.s.ops.oauth.ConsentOrigin()
}

func (h healthSource) Connect(ctx context.Context, account, officer string) (string, error) {
	if h.s.ops.oauth == nil {
		return "", errors.New("oa onboarding is off")
	}
	u, err := h.s.ops.oauth.Consent(ctx, account, officer)
	if errors.Is(err, httpapi.ErrAccountNotReady) || errors.Is(err, httpapi.ErrUnknownAccount) {
		return "", fmt.Errorf("%w: %w", console.ErrConnectNotReady, err)
	}
	return u, err
}
