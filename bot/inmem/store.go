package inmem

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/oabot/oabot/bot"
)

// Store keeps conversations in memory with a TTL. Updates are serialised by one mutex.
type Store struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	convs map[[2]string]entry
	ops   int
}

type entry struct {
	data    []byte // JSON, so callers never share slices with the store
	expires time.Time
}

var _ bot.StateStore = (*Store)(nil)

// NewStore returns an empty store; ttl ≤ 0 means 30 days.
func NewStore(ttl time.Duration) *Store {
	if ttl <= 0 {
		ttl = 30 * 24 * time.Hour
	}
	return &Store{ttl: ttl, now: time.Now, convs: map[[2]string]entry{}}
}

// Get returns the stored conversation or bot.ErrNoConversation.
func (s *Store) Get(_ context.Context, oaID, userID string) (bot.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.get(oaID, userID)
}

func (s *Store) get(oaID, userID string) (bot.Conversation, error) {
	e, ok := s.convs[[2]string{oaID, userID}]
	if !ok || !s.now().Before(e.expires) {
		return bot.Conversation{}, bot.ErrNoConversation
	}
	var c bot.Conversation
	if err := json.Unmarshal(e.data, &c); err != nil {
		return bot.Conversation{}, fmt.Errorf("decode conversation: %w", err)
	}
	return c, nil
}

// Update loads (zero when absent), calls fn and stores the result with the TTL. If fn
// fails nothing is stored.
func (s *Store) Update(_ context.Context, oaID, userID string, fn func(*bot.Conversation) error) (bot.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.get(oaID, userID)
	if err != nil && err != bot.ErrNoConversation {
		return bot.Conversation{}, err
	}
	if err := fn(&c); err != nil {
		return bot.Conversation{}, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return bot.Conversation{}, fmt.Errorf("encode conversation: %w", err)
	}
	now := s.now()
	s.convs[[2]string{oaID, userID}] = entry{data: b, expires: now.Add(s.ttl)}
	if s.ops++; s.ops%1024 == 0 {
		for k, e := range s.convs {
			if !now.Before(e.expires) {
				delete(s.convs, k)
			}
		}
	}
	return c, nil
}

// Len returns the number of stored (possibly expired) conversations.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.convs)
}
