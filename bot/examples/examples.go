// Package examples keeps the labelled examples officers teach the bot ("this message
// means procedure X", or "not our business") — per account or shared — and serves every
// replica the example index the bot searches with, rebuilt within seconds of a change
// anywhere.
package examples

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/refresh"
	"github.com/oabot/oabot/procedures"
)

// Store keeps the examples people added (the seed examples ship with the program and are
// not stored). redisstore.Examples and inmem.Examples implement it; examplestest checks
// both against one contract.
type Store interface {
	// Put stores e (its ID set by the caller). An example of the same account with the
	// same query (procedures.Example.Key) is replaced: its ID is returned as replaced.
	Put(ctx context.Context, e procedures.Example) (replaced string, err error)
	// List returns every stored example, oldest first.
	List(ctx context.Context) ([]procedures.Example, error)
	// Delete removes the example id of account; ErrNotFound when it has no such example.
	Delete(ctx context.Context, account, id string) error
	// Version changes whenever the stored examples change.
	Version(ctx context.Context) (int64, error)
}

// Errors of Store and Library.
var (
	ErrNotFound = errors.New("examples: no such example")
	ErrFull     = errors.New("examples: the example store is full")
	ErrInvalid  = errors.New("examples: invalid example")
)

// MaxStored bounds the stored examples of a deployment: beyond it Put answers ErrFull.
const MaxStored = 50000

// NewID returns a new example id ("ex" and 16 hex digits).
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "ex" + hex.EncodeToString(b[:])
}

// Library is the live set of examples: the seed examples and the stored ones, indexed
// over the current catalogue. Refresh (or Run) picks up changes made on any replica and
// catalogue reloads; a search that meets a reload first rebuilds itself.
type Library struct {
	store Store
	index func() *procedures.Index
	seed  []procedures.Example
	log   *zap.Logger
	now   func() time.Time

	mu  sync.Mutex               // serialises rebuilds
	cur atomic.Pointer[snapshot] // never nil after NewLibrary
}

// snapshot is one immutable state: the stored examples as of a store version, indexed
// over one catalogue index.
type snapshot struct {
	version int64
	stored  []procedures.Example
	ix      *procedures.Index
	x       *procedures.Examples
}

// LibraryOptions configure a Library.
type LibraryOptions struct {
	Store Store
	// Index returns the current catalogue index (procedures.Holder.Index).
	Index func() *procedures.Index
	// Seed are the shipped examples (procedures.SeedExamples), shared by every account.
	Seed   []procedures.Example
	Logger *zap.Logger
	Now    func() time.Time
}

// NewLibrary loads the stored examples and indexes them with the seed ones. A store that
// cannot be read is an error: starting without what officers taught would undo it.
func NewLibrary(ctx context.Context, o LibraryOptions) (*Library, error) {
	if o.Store == nil || o.Index == nil {
		return nil, errors.New("examples: a store and an index are required")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Library{store: o.Store, index: o.Index, seed: o.Seed, log: o.Logger.Named("examples"), now: o.Now}
	if err := l.Refresh(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// For returns the examples account sees, indexed over the current catalogue.
func (l *Library) For(account string) procedures.AccountExamples {
	cur := l.cur.Load()
	if ix := l.index(); cur.ix != ix {
		cur = l.rebuild(cur.version, cur.stored, ix)
	}
	return cur.x.For(account)
}

// Stale lists the examples whose procedure is no longer in the catalogue (left out of
// the search), for the console and the logs.
func (l *Library) Stale() []procedures.Example {
	return slices.Clone(l.cur.Load().x.Stale)
}

// rebuild indexes the seed and stored examples over ix and publishes the result, unless
// another caller already published that version over that index.
func (l *Library) rebuild(version int64, stored []procedures.Example, ix *procedures.Index) *snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur := l.cur.Load(); cur != nil && cur.ix == ix && cur.version == version {
		return cur
	}
	all := make([]procedures.Example, 0, len(l.seed)+len(stored))
	all = append(append(all, l.seed...), stored...)
	s := &snapshot{version: version, stored: stored, ix: ix, x: ix.NewExamples(all)}
	if n := len(s.x.Stale); n > 0 {
		l.log.Warn("examples whose procedure left the catalogue are not used", zap.Int("count", n))
	}
	l.cur.Store(s)
	return s
}

// Refresh re-reads the store when its version changed, and rebuilds the index when the
// examples or the catalogue changed.
func (l *Library) Refresh(ctx context.Context) error {
	v, err := l.store.Version(ctx)
	if err != nil {
		return fmt.Errorf("examples: version: %w", err)
	}
	ix := l.index()
	cur := l.cur.Load()
	switch {
	case cur != nil && cur.version == v && cur.ix == ix:
		return nil
	case cur != nil && cur.version == v:
		l.rebuild(v, cur.stored, ix) // a catalogue reload: the stored examples are unchanged
		return nil
	}
	stored, err := l.store.List(ctx)
	if err != nil {
		return fmt.Errorf("examples: list: %w", err)
	}
	l.rebuild(v, stored, ix)
	return nil
}

// Run refreshes every interval until ctx ends; a failed refresh keeps the current index
// and is logged (rate-limited by the caller's logger).
func (l *Library) Run(ctx context.Context, every time.Duration) {
	refresh.Every(ctx, every, l.Refresh, func(err error) {
		l.log.Warn("examples refresh failed; serving the last ones", zap.Error(err))
	})
}

// Add validates e against the current catalogue, stores it with a new id and the time,
// and makes it live here at once (other replicas within their refresh interval). It
// returns the stored example and the id of the one it replaced, if any.
func (l *Library) Add(ctx context.Context, e procedures.Example) (procedures.Example, string, error) {
	e.Query = strings.TrimSpace(e.Query)
	e.Code = strings.TrimSpace(e.Code)
	if err := procedures.ValidateExample(l.index().Catalog(), e); err != nil {
		return procedures.Example{}, "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	e.ID, e.At = NewID(), l.now().UTC()
	replaced, err := l.store.Put(ctx, e)
	if err != nil {
		return procedures.Example{}, "", err
	}
	if err := l.Refresh(ctx); err != nil {
		l.log.Warn("example stored; index refresh failed", zap.Error(err))
	}
	return e, replaced, nil
}

// Delete removes account's example id and makes that live here at once.
func (l *Library) Delete(ctx context.Context, account, id string) error {
	if err := l.store.Delete(ctx, account, id); err != nil {
		return err
	}
	if err := l.Refresh(ctx); err != nil {
		l.log.Warn("example deleted; index refresh failed", zap.Error(err))
	}
	return nil
}

// List returns account's own examples (added by its officers), newest first.
func (l *Library) List(ctx context.Context, account string) ([]procedures.Example, error) {
	all, err := l.store.List(ctx)
	if err != nil {
		return nil, err
	}
	out := []procedures.Example{}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Account == account {
			out = append(out, all[i])
		}
	}
	return out, nil
}
