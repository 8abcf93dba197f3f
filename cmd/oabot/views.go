package main

import (
	"strings"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/procedures"
)

// The views of an account: each package that serves accounts declares the little it needs
// (bot.Account, qr.Account, httpapi.Account, …) and never imports config; these functions,
// the only ones that translate, fill them from the config or from the account registry's
// snapshot (bot/accounts).

// webhookAccounts are the served accounts as the webhook checks them (signature key by OA).
func webhookAccounts(snap *accounts.Snapshot) []httpapi.Account {
	var out []httpapi.Account
	for _, a := range snap.Enabled() {
		out = append(out, httpapi.Account{ID: a.ID, OAID: a.OAID, OASecretKey: a.OASecretKey.Value()})
	}
	return out
}

// botAccounts copies the conversation settings of every enabled account.
func botAccounts(cfg config.Config) ([]bot.Account, error) {
	var out []bot.Account
	for _, a := range cfg.Accounts {
		if a.Disabled {
			continue
		}
		out = append(out, botAccount(cfg.Bot, a))
	}
	return out, nil
}

// botAccount copies one account's conversation settings (b: the bot's shared ones).
func botAccount(b config.Bot, a config.Account) bot.Account {
	ba := bot.Account{
		ID: a.ID, OAID: a.OAID, Name: a.Name,
		QuietTime: b.TakeoverQuiet, RateLimit: b.RateLimitPerMinute,
		NudgeInterval: b.NudgeInterval,
		Notice:        bot.Notice{Text: a.Notice.Text, Start: a.Notice.Start, End: a.Notice.End},
		Texts:         map[string]string{},
		Scope:         scopeOf(a),
	}
	if strings.TrimSpace(a.Welcome) != "" {
		ba.Texts["welcome"] = a.Welcome
	}
	if strings.TrimSpace(a.Signature) != "" {
		ba.Texts["signature"] = a.Signature
	}
	for _, q := range a.QuickTopics {
		ba.QuickTopics = append(ba.QuickTopics, bot.QuickTopic{Title: q.Title, Payload: q.Payload})
	}
	for _, o := range a.Offices {
		bo := bot.Office{Name: o.Name, Address: o.Address, Phone: o.Phone, Lat: o.Lat, Lng: o.Lng}
		hours := o.Hours
		if hours == "" {
			hours = a.Hours
		}
		// Hours written as "T2-T6 07:30-11:30 13:30-17:00; T7 07:30-11:30" let the bot
		// answer "hôm nay có làm việc không"; free text is shown as written.
		if parsed, err := bot.ParseHours(hours); err == nil && len(parsed) > 0 {
			bo.Hours = parsed
		} else {
			bo.HoursText = hours
		}
		if bo.Name == "" {
			bo.Name = a.Name
		}
		ba.Offices = append(ba.Offices, bo)
	}
	if len(ba.Offices) == 0 && strings.TrimSpace(a.Hours) != "" {
		// No office list: the account itself, with its hours.
		bo := bot.Office{Name: a.Name, HoursText: a.Hours}
		if parsed, err := bot.ParseHours(a.Hours); err == nil && len(parsed) > 0 {
			bo.Hours, bo.HoursText = parsed, ""
		}
		ba.Offices = append(ba.Offices, bo)
	}
	return ba
}

// qrAccount copies what QR codes, posters and landing pages need from a config account.
func qrAccount(a config.Account) qr.Account {
	q := qr.Account{Slug: a.ID, OAID: a.OAID, Name: a.Name, Mode: qr.Mode(a.QR.Mode), MiniAppID: a.QR.MiniAppID, Hours: a.Hours,
		Scope: scopeOf(a)}
	for _, o := range a.Offices {
		q.Offices = append(q.Offices, qr.Office{Name: o.Name, Address: o.Address, Hours: o.Hours, Phone: o.Phone, Lat: o.Lat, Lng: o.Lng})
	}
	return q
}

// qrAccounts converts every enabled account (for httpapi.QROptions).
func qrAccounts(cfg config.Config) []qr.Account {
	var out []qr.Account
	for _, a := range cfg.Accounts {
		if !a.Disabled {
			out = append(out, qrAccount(a))
		}
	}
	return out
}

// qrAccountMap converts every enabled account by slug, leaving out (with a warning) one
// whose QR target cannot be built (for QROptions.Lookup).
func qrAccountMap(base string, accts []config.Account, log *zap.Logger) map[string]qr.Account {
	m := make(map[string]qr.Account, len(accts))
	if base == "" {
		return m // the QR routes are not mounted
	}
	for _, a := range accts {
		if a.Disabled {
			continue
		}
		q := qrAccount(a)
		if _, err := qr.Target(base, q, "1", ""); err != nil {
			log.Warn("account left out of the qr routes", zap.String("account", a.ID), zap.Error(err))
			continue
		}
		m[q.Slug] = q
	}
	return m
}

// oauthAccount is an account as OA onboarding sees it.
func oauthAccount(a *accounts.Account) httpapi.OAuthAccount {
	return httpapi.OAuthAccount{ID: a.ID, Name: a.Name, OAID: a.OAID, AppID: a.AppID,
		AppSecret: a.AppSecretKey.Value(), Disabled: a.Disabled, Runtime: a.Runtime}
}

// campaignAccount is an account's campaign settings, sending with its campaign client.
func campaignAccount(a *accounts.Account) broadcast.Account {
	z := broadcast.ZaloAdapter{Client: a.Campaign}
	acct := broadcast.Account{ID: a.ID, OAID: a.OAID, Verified: a.Verified, Sender: z}
	if a.Verified {
		// accounts[].article_monthly_cap, the Basic package's 1 when unset (zalo-oa.md §5.2).
		acct.Article, acct.ArticleMonthlyCap = z, a.ArticleCap()
	}
	return acct
}

// scopeOf is an account's scope (config accounts[].scope) as procedures selects with it.
func scopeOf(a config.Account) procedures.Scope {
	return procedures.Scope{Codes: a.Scope.Codes, Fields: a.Scope.Fields, Agencies: a.Scope.Agencies,
		Levels: a.Scope.Levels, ExcludeCodes: a.Scope.ExcludeCodes}
}
