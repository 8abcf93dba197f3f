package inmem

import (
	"context"
	"sync"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/procedures"
)

// Examples keeps labelled examples in memory (demo mode), like redisstore.Examples.
type Examples struct {
	mu      sync.Mutex
	list    []procedures.Example // oldest first
	version int64
}

var _ examples.Store = (*Examples)(nil)

// NewExamples returns an empty example store.
func NewExamples() *Examples { return &Examples{} }

// Put stores e, replacing the account's example with the same query.
func (s *Examples) Put(_ context.Context, e procedures.Example) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := e.Key()
	replaced := ""
	for i, o := range s.list {
		if o.Key() == key {
			replaced = o.ID
			s.list = append(s.list[:i], s.list[i+1:]...)
			break
		}
	}
	if replaced == "" && len(s.list) >= examples.MaxStored {
		return "", examples.ErrFull
	}
	s.list = append(s.list, e)
	s.version++
	return replaced, nil
}

// List returns every example, oldest first.
func (s *Examples) List(context.Context) ([]procedures.Example, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]procedures.Example(nil), s.list...), nil
}

// Delete removes account's example id.
func (s *Examples) Delete(_ context.Context, account, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range s.list {
		if o.ID == id && o.Account == account {
			s.list = append(s.list[:i], s.list[i+1:]...)
			s.version++
			return nil
		}
	}
	return examples.ErrNotFound
}

// Version changes with every change.
func (s *Examples) Version(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version, nil
}
