package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// catalogRefreshEvery is how often a replica looks for a catalogue version published on
// another one.
const catalogRefreshEvery = 2 * time.Second

// loadVersions serves the officers' published catalogue versions over the loaded
// catalogue (the seed): from Redis, or memory in the demo.
func (s *service) loadVersions(ctx context.Context) error {
	var store catalog.Store = inmem.NewCatalog()
	if s.rdb != nil {
		var err error
		if store, err = redisstore.NewCatalog(s.rdb, s.cfg.Redis.KeyPrefix); err != nil {
			return err
		}
	}
	if p := s.cfg.Catalog.Portal; p != "" {
		recs, err := readPortal(p)
		if err != nil {
			return fmt.Errorf("catalog.portal %s: %w", p, err)
		}
		// Indexed by code once: the record page checks one record per view.
		if s.portal, err = procedures.NewCatalog(recs); err != nil {
			return fmt.Errorf("catalog.portal %s: %w", p, err)
		}
		s.log.Info("portal records loaded for checks", zap.Int("procedures", s.portal.Len()))
	}
	lib, err := catalog.NewLibrary(ctx, catalog.Options{Store: store, Holder: s.catalog, Logger: s.log, Verify: s.openContradictions})
	if err != nil {
		return fmt.Errorf("catalogue versions: %w", err)
	}
	s.versions = lib
	if lib.Head() > 0 {
		s.log.Info("catalogue version served", zap.Int64("version", lib.Head()), zap.Int("procedures", lib.Catalog().Len()))
	}
	return nil
}

// contradictions compares r with the portal record of the same code (catalog.portal);
// nil without a portal file.
func (s *service) contradictions(r *procedures.Record) []procedures.Contradiction {
	if s.portal == nil {
		return nil
	}
	if p, ok := s.portal.ByCode(r.Code); ok && p.Code == r.Code {
		return procedures.CheckRecord(r, p)
	}
	return nil
}

// openContradictions says why r may not be marked verified: its blocking contradictions.
func (s *service) openContradictions(r *procedures.Record) []string {
	var out []string
	for _, c := range s.contradictions(r) {
		if procedures.BlocksVerification(c) {
			out = append(out, c.Field+": "+c.Message)
		}
	}
	return out
}

// catalogueSource adapts the versioned catalogue, the accounts' scopes and the
// conversation's card rendering to the console's catalogue pages.
type catalogueSource struct{ s *service }

var (
	_ console.CatalogueSource = catalogueSource{}
	_ console.PortalSource    = catalogueSource{}
)

func (c catalogueSource) Library() *catalog.Library { return c.s.versions }

func (c catalogueSource) InScope(account string, r *procedures.Record) bool {
	return c.s.accountScope(account).Contains(r)
}

func (c catalogueSource) Audit(ctx context.Context, by console.Officer, action, account, target string, err error) {
	result := "ok"
	var ve *procedures.ValidationError
	var ce *catalog.ConflictError
	if errors.As(err, &ve) || errors.As(err, &ce) || errors.Is(err, catalog.ErrNoChanges) {
		result = "refused"
	}
	auditConsole(ctx, c.s.audit, c.s.log.Named("console"), by, action, account, target, result, err)
}

// Portal is the crawl of catalog.portal (nil when none), for the refresh page.
func (c catalogueSource) Portal() []*procedures.Record {
	if c.s.portal == nil {
		return nil
	}
	return c.s.portal.All()
}

func (c catalogueSource) Contradictions(r *procedures.Record) []procedures.Contradiction {
	return c.s.contradictions(r)
}

func (c catalogueSource) Preview(account string, r *procedures.Record) (string, []string, error) {
	conv := c.s.ops.live.cur.Load()
	if conv == nil {
		return "", nil, fmt.Errorf("no conversation to render the card")
	}
	m, err := conv.PreviewCard(account, r)
	if err != nil {
		return "", nil, err
	}
	text, titles := previewOf(m)
	return text, titles, nil
}

// previewOf is a message as the console previews it: its text and its buttons' titles.
func previewOf(m zalo.Message) (string, []string) {
	titles := make([]string, len(m.Buttons))
	for i, b := range m.Buttons {
		titles[i] = b.Title
	}
	return m.Text, titles
}
