package inmem

import (
	"context"
	"sync"

	"github.com/oabot/oabot/bot/catalog"
)

// Catalog keeps catalogue versions in memory (demo mode), like redisstore.Catalog.
type Catalog struct {
	mu        sync.Mutex
	versions  []catalog.Version // versions[i].N == i+1
	changedIn map[string]int64
}

var _ catalog.Store = (*Catalog)(nil)

// NewCatalog returns an empty version store: the seed is served as is.
func NewCatalog() *Catalog { return &Catalog{changedIn: map[string]int64{}} }

// Publish stores v as the next version unless a version after base changed one of its keys.
func (s *Catalog) Publish(_ context.Context, base int64, v catalog.Version) (catalog.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	head := int64(len(s.versions))
	if base < 0 || base > head {
		return catalog.Version{}, &catalog.ConflictError{Version: head}
	}
	for _, c := range v.Changes {
		if n := s.changedIn[c.Key()]; n > base {
			return catalog.Version{}, &catalog.ConflictError{Code: c.Key(), Version: n}
		}
	}
	v.N, v.Base = head+1, base
	v.Changes = append([]catalog.Change(nil), v.Changes...)
	s.versions = append(s.versions, v)
	for _, c := range v.Changes {
		s.changedIn[c.Key()] = v.N
	}
	return v, nil
}

// Head is the newest version's number.
func (s *Catalog) Head(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.versions)), nil
}

// Since returns the versions after after, oldest first.
func (s *Catalog) Since(_ context.Context, after int64) ([]catalog.Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if after < 0 {
		after = 0
	}
	if after >= int64(len(s.versions)) {
		return nil, nil
	}
	return append([]catalog.Version(nil), s.versions[after:]...), nil
}
