package main

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/procedures"
)

// conversationDeps are the concrete pieces serve has already built that the citizen
// conversation needs.
type conversationDeps struct {
	Logger      *zap.Logger
	Clock       func() time.Time // nil: time.Now
	State       bot.StateStore
	Stats       bot.Stats
	Attachments bot.AttachmentCache
	Catalog     *procedures.Holder
	// ObserveSearch is told each search's confidence and duration (metrics); may be nil.
	ObserveSearch func(confidence string, took time.Duration)
	// Examples gives the labelled examples an account's searches use (examples.Library.For);
	// nil: none.
	Examples func(account string) procedures.AccountExamples
	// Messenger returns the Zalo client of an account slug.
	Messenger func(account string) (bot.Messenger, bool)
	// Local applies an account's own address and fees (catalog.Library.Local); nil: none.
	Local func(account string, r *procedures.Record) *procedures.Record
}

// newConversation builds the citizen conversation (the queue's handler) from the
// configuration: config values are copied into bot.Account here, because bot never
// imports config.
func newConversation(cfg config.Config, d conversationDeps) (*bot.Bot, error) {
	accounts, err := botAccounts(cfg)
	if err != nil {
		return nil, err
	}
	if d.Catalog == nil {
		return nil, fmt.Errorf("conversation: no catalogue")
	}
	return bot.New(bot.Deps{
		Logger: d.Logger, Clock: d.Clock, State: d.State, Stats: d.Stats,
		Catalog:  bot.HolderCatalog(d.Catalog),
		Search:   bot.IndexSearcher(d.Catalog.Index, d.Examples, d.ObserveSearch),
		Accounts: accounts, Messenger: d.Messenger,
		QR:          newQRImages(cfg),
		Attachments: d.Attachments, Local: d.Local,
	})
}

// catalogHolder loads the configured catalogue (the built-in one when catalog.path is empty).
func catalogHolder(ctx context.Context, cfg config.Config) (*procedures.Holder, error) {
	load := procedures.Builtin
	if p := cfg.Catalog.Path; p != "" {
		load = func() (*procedures.Catalog, error) { return procedures.LoadContext(ctx, p) }
	}
	h, err := procedures.NewHolder(load, procedures.Options{})
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return h, nil
}

// newCardBot builds a conversation that only renders cards (CardMessages) for the CLI's
// campaigns: the configured catalogue and wording, no Zalo client, state kept in memory.
func newCardBot(cfg config.Config) (*bot.Bot, error) {
	h, err := catalogHolder(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	return newConversation(cfg, conversationDeps{State: inmem.NewStore(0), Stats: inmem.NewStats(0), Catalog: h,
		Messenger: func(string) (bot.Messenger, bool) { return nil, false }})
}

// qrImages draws the "Mã QR" image of a procedure with bot/qr: the same target URL as the
// account's posters (landing page, Mini App or OA link).
type qrImages struct {
	base     string
	accounts map[string]qr.Account
}

func newQRImages(cfg config.Config) *qrImages {
	q := &qrImages{base: cfg.HTTP.PublicBaseURL, accounts: map[string]qr.Account{}}
	for _, a := range cfg.Accounts {
		q.accounts[a.ID] = qr.Account{Slug: a.ID, OAID: a.OAID, Name: a.Name,
			Mode: qr.Mode(a.QR.Mode), MiniAppID: a.QR.MiniAppID}
	}
	return q
}

// PNG returns the QR image for (account, code); src "zalo" marks scans of codes sent in chat.
func (q *qrImages) PNG(_ context.Context, account, code string) ([]byte, error) {
	a, ok := q.accounts[account]
	if !ok {
		return nil, fmt.Errorf("qr: unknown account %q", account)
	}
	target, err := qr.Target(q.base, a, code, "zalo")
	if err != nil {
		return nil, fmt.Errorf("qr target: %w", err)
	}
	return qr.PNG(target, qr.Options{Size: 512})
}
