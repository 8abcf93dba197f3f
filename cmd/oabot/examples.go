package main

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/procedures"
)

// examplesRefreshEvery is how often a replica looks for examples taught on another one.
const examplesRefreshEvery = 2 * time.Second

// loadExamples builds the labelled examples the search uses: the seed ones shipped with
// the program and those officers taught (Redis; memory in demo).
func (s *service) loadExamples(ctx context.Context) error {
	seed, err := procedures.SeedExamples()
	if err != nil {
		return err
	}
	var store examples.Store = inmem.NewExamples()
	if s.rdb != nil {
		if store, err = redisstore.NewExamples(s.rdb, s.cfg.Redis.KeyPrefix); err != nil {
			return err
		}
	}
	lib, err := examples.NewLibrary(ctx, examples.LibraryOptions{Store: store, Index: s.catalog.Index, Seed: seed, Logger: s.log})
	if err != nil {
		return fmt.Errorf("examples: %w", err)
	}
	s.examples = lib
	s.log.Info("examples loaded", zap.Int("indexed", lib.For("").Len()), zap.Int("stale", len(lib.Stale())))
	return nil
}
