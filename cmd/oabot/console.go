package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/procedures"
)

// consoleDemoLinkTTL is how long the demo's printed sign-in link stays valid (once).
const consoleDemoLinkTTL = 24 * time.Hour

var (
	_ console.Store = (*redisstore.ConsoleStore)(nil)
	_ console.Store = (*inmem.ConsoleStore)(nil)
)

// mountConsole serves the officers' console at /console/ (bot/console): sessions and
// console officers in Redis (in memory without it), the accounts of the registry's
// snapshot of the moment, the config file's officers authoritative for role and accounts.
// The demo adds its officer, an admin of every demo account, and a one-time sign-in link
// that printDemo shows.
func (s *service) mountConsole() error {
	store, err := s.consoleStore()
	if err != nil {
		return err
	}
	file, err := consoleFileOfficers(s.cfg.Officers)
	if err != nil {
		return err
	}
	demoOfficer := s.cfg.Demo && !hasOfficer(file, demoOfficerName)
	if demoOfficer {
		file = append(file, console.FileOfficer{Name: demoOfficerName, Role: console.RoleAdmin, Accounts: []string{console.AllAccounts}})
	}
	base := s.cfg.HTTP.PublicBaseURL
	var figures console.FiguresSource
	if st := s.ops.live.deps.Stats; st != nil {
		un, _ := st.(bot.UnansweredStore)
		figures = &figuresSource{stats: st, unanswered: un, scans: s.scans, catalog: s.catalog.Catalog} // console_figures.go
	}
	h, err := console.New(console.Options{Store: store, Accounts: s.consoleAccounts, FileOfficers: file, Figures: figures,
		Sections: s.consoleSections(), PublicBaseURL: base, Secure: strings.HasPrefix(base, "https://"),
		TrustedOrigins: originOf(base), Logger: s.log.Named("console")})
	if err != nil {
		return err
	}
	s.api.HandlePrefix(console.DefaultPrefix, h)
	if demoOfficer {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tok, err := h.Officers().SignInLink(ctx, demoOfficerName, consoleDemoLinkTTL)
		if err != nil {
			return fmt.Errorf("console: demo sign-in link: %w", err)
		}
		s.consoleLink = console.DefaultPrefix + "/login/" + tok
	}
	return nil
}

// consoleSections are the console's pages beyond Tổng quan (bot/console Section), one line
// each with the data sources it reads; entries of the navigation that no section fills
// stay hidden.
func (s *service) consoleSections() []console.Section {
	var sections []console.Section
	if st, ok := s.ops.live.deps.Stats.(bot.UnansweredStore); ok {
		sections = append(sections, &console.Questions{Source: &questionsSource{stats: st, index: s.catalog.Index,
			examples: s.examples, audit: s.audit, log: s.log.Named("console"), scope: s.accountScope}}) // console_questions.go
	}
	if live := s.ops.live.qrs.Load(); live != nil && s.cfg.HTTP.PublicBaseURL != "" {
		sections = append(sections, &console.Posters{Source: &posterSource{ // console_posters.go
			account: func(id string) (qr.Account, bool) { a, ok := (*s.ops.live.qrs.Load())[id]; return a, ok },
			catalog: s.catalog.Catalog, version: s.versions.Label, base: s.cfg.HTTP.PublicBaseURL, font: s.cfg.Posters.Font}})
	}
	sections = append(sections, &console.Catalogue{Source: catalogueSource{s}}) // catalog.go
	sections = append(sections, &console.Settings{Source: settingsSource{s}})   // console_settings.go
	sections = append(sections, s.consoleAnnouncements()...)                    // console_announcements.go
	sections = append(sections, &console.Health{Source: healthSource{s}})       // console_health.go
	return sections
}

func (s *service) consoleStore() (console.Store, error) {
	if s.rdb == nil {
		return inmem.NewConsoleStore(nil), nil
	}
	return redisstore.NewConsoleStore(s.rdb, s.cfg.Redis.KeyPrefix)
}

// consoleAccounts lists the accounts served now, for the console's switcher and scopes.
func (s *service) consoleAccounts() []console.Account {
	enabled := s.accounts.Snapshot().Enabled()
	out := make([]console.Account, 0, len(enabled))
	for _, a := range enabled {
		name := a.Name
		if name == "" {
			name = a.ID
		}
		out = append(out, console.Account{ID: a.ID, Name: name})
	}
	return out
}

// consoleFileOfficers are the config file's officers as the console knows them: a name, a
// role and accounts (the token is the admin API's business).
func consoleFileOfficers(officers []config.Officer) ([]console.FileOfficer, error) {
	out := make([]console.FileOfficer, 0, len(officers))
	for _, o := range officers {
		role, err := console.ParseRole(o.Role)
		if err != nil {
			return nil, fmt.Errorf("officer %s: %w", o.Name, err)
		}
		out = append(out, console.FileOfficer{Name: o.Name, Role: role, Accounts: o.Accounts})
	}
	return out, nil
}

func hasOfficer(file []console.FileOfficer, name string) bool {
	for _, f := range file {
		if f.Name == name {
			return true
		}
	}
	return false
}

// originOf is the origin (scheme://host[:port]) of the public base URL, accepted for the
// console's forms besides the request's own host (a proxy may rewrite Host).
func originOf(base string) []string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil
	}
	return []string{u.Scheme + "://" + u.Host}
}

// accountScope is the scope of an account served now (the zero Scope: every procedure).
func (s *service) accountScope(id string) procedures.Scope {
	if a, ok := s.accounts.Snapshot().ByID(id); ok {
		return scopeOf(a.Account)
	}
	return procedures.Scope{}
}
