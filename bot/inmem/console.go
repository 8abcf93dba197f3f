package inmem

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// ConsoleStore keeps the officer console's state (bot/console's Store) in memory: values,
// sets and counters with a time to live. Demo mode only: lost on restart, one process.
type ConsoleStore struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*consoleEntry
	writes  int
}

// consoleEntry is a value (counters are values too) or a set.
type consoleEntry struct {
	value   []byte
	set     map[string]struct{}
	expires time.Time // zero: never
}

// sweepEvery: every so many writes, expired entries are dropped (anonymous sessions of
// visitors who never came back would pile up otherwise).
const sweepEvery = 1000

// NewConsoleStore returns an empty store; now defaults to time.Now (tests pass a clock).
func NewConsoleStore(now func() time.Time) *ConsoleStore {
	if now == nil {
		now = time.Now
	}
	return &ConsoleStore{now: now, entries: map[string]*consoleEntry{}}
}

// live returns the entry at key unless it expired (then it is removed). Call with mu held.
func (s *ConsoleStore) live(key string) *consoleEntry {
	e, ok := s.entries[key]
	if !ok {
		return nil
	}
	if !e.expires.IsZero() && !s.now().Before(e.expires) {
		delete(s.entries, key)
		return nil
	}
	return e
}

func (s *ConsoleStore) expiry(ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return s.now().Add(ttl)
}

// wrote counts a write and sometimes sweeps. Call with mu held.
func (s *ConsoleStore) wrote() {
	s.writes++
	if s.writes%sweepEvery != 0 {
		return
	}
	now := s.now()
	for k, e := range s.entries {
		if !e.expires.IsZero() && !now.Before(e.expires) {
			delete(s.entries, k)
		}
	}
}

// Get returns a value.
func (s *ConsoleStore) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key)
	if e == nil || e.set != nil {
		return nil, false, nil
	}
	return append([]byte(nil), e.value...), true, nil
}

// Set stores a value; ttl 0 keeps it for good.
func (s *ConsoleStore) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[key] = &consoleEntry{value: append([]byte(nil), value...), expires: s.expiry(ttl)}
	s.wrote()
	return nil
}

// Take returns a value and deletes it.
func (s *ConsoleStore) Take(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key)
	if e == nil || e.set != nil {
		return nil, false, nil
	}
	delete(s.entries, key)
	return e.value, true, nil
}

// Del deletes keys.
func (s *ConsoleStore) Del(_ context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.entries, k)
	}
	return nil
}

// AddMember adds to a set and sets its expiry ttl from now (0: never).
func (s *ConsoleStore) AddMember(_ context.Context, key, member string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key)
	if e == nil || e.set == nil {
		e = &consoleEntry{set: map[string]struct{}{}}
		s.entries[key] = e
	}
	e.set[member] = struct{}{}
	e.expires = s.expiry(ttl)
	s.wrote()
	return nil
}

// Members lists a set.
func (s *ConsoleStore) Members(_ context.Context, key string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key)
	if e == nil {
		return nil, nil
	}
	out := make([]string, 0, len(e.set))
	for m := range e.set {
		out = append(out, m)
	}
	return out, nil
}

// RemoveMember removes from a set; an emptied set is gone, as in Redis.
func (s *ConsoleStore) RemoveMember(_ context.Context, key, member string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.live(key); e != nil && e.set != nil {
		delete(e.set, member)
		if len(e.set) == 0 {
			delete(s.entries, key)
		}
	}
	return nil
}

// Incr counts; a new counter expires ttl from now.
func (s *ConsoleStore) Incr(_ context.Context, key string, ttl time.Duration) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key)
	var n int64
	if e != nil && e.set == nil {
		n, _ = strconv.ParseInt(string(e.value), 10, 64)
	}
	n++
	if e == nil || e.set != nil {
		e = &consoleEntry{expires: s.expiry(ttl)}
		s.entries[key] = e
	} else if e.expires.IsZero() {
		e.expires = s.expiry(ttl)
	}
	e.value = []byte(strconv.FormatInt(n, 10))
	s.wrote()
	return n, nil
}
