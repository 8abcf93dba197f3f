package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/config"
)

// settingsSource adapts the account registry (offices' own settings) and the
// conversation (the welcome as citizens get it) to the console's settings page.
type settingsSource struct{ s *service }

var _ console.SettingsSource = settingsSource{}

func (p settingsSource) Settings(ctx context.Context, account string) (config.Settings, int64, config.Settings, error) {
	return p.s.accounts.Settings(ctx, account)
}

func (p settingsSource) Save(ctx context.Context, account string, st config.Settings, base int64, by console.Officer) (int64, error) {
	rec, err := p.s.accounts.PutSettings(ctx, account, st, base, by.Name)
	p.audit(ctx, by, "settings.save", account, fmt.Sprintf("v%d", rec.Version), err)
	return rec.Version, err
}

func (p settingsSource) Reset(ctx context.Context, account string, base int64, by console.Officer) error {
	err := p.s.accounts.ResetSettings(ctx, account, base)
	p.audit(ctx, by, "settings.reset", account, fmt.Sprintf("from v%d", base), err)
	return err
}

func (p settingsSource) audit(ctx context.Context, by console.Officer, action, account, target string, err error) {
	result := "ok"
	var ce *accounts.SettingsConflictError
	if errors.As(err, &ce) || errors.Is(err, accounts.ErrInvalidSettings) {
		result = "refused"
	}
	auditConsole(ctx, p.s.audit, p.s.log.Named("console"), by, action, account, target, result, err)
}

// Preview renders the welcome with st as the account's conversation would send it.
func (p settingsSource) Preview(account string, st config.Settings) (string, []string, error) {
	a, ok := p.s.accounts.Snapshot().ByID(account)
	conv := p.s.ops.live.cur.Load()
	if !ok || conv == nil {
		return "", nil, fmt.Errorf("settings preview: no account %q", account)
	}
	m, err := conv.PreviewWelcome(botAccount(p.s.cfg.Bot, a.Account.WithSettings(st)))
	if err != nil {
		return "", nil, err
	}
	text, titles := previewOf(m)
	return text, titles, nil
}
