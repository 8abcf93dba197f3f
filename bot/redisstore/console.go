package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ConsoleStore keeps the officer console's state (bot/console's Store: sessions, officers,
// invites, throttles) as bytes with a TTL under "<prefix>console:". The console owns the
// encoding and hashes every secret before it becomes a key, so this file knows nothing of
// sessions. Each call touches one key (Del deletes key by key), so Redis Cluster works
// without hash tags.
type ConsoleStore struct {
	rdb  redis.UniversalClient
	keys Keyspace
}

// NewConsoleStore returns the console's store under prefix (default "oabot:"). It does no
// I/O.
func NewConsoleStore(rdb redis.UniversalClient, prefix string) (*ConsoleStore, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: console store needs a client")
	}
	return &ConsoleStore{rdb: rdb, keys: keyspace(prefix)}, nil
}

func (s *ConsoleStore) key(k string) string { return s.keys.Key("console", k) }

// Get returns a value; ok is false when there is none.
func (s *ConsoleStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, s.key(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("console get: %w", err)
	}
	return b, true, nil
}

// Set stores a value; ttl 0 keeps it for good.
func (s *ConsoleStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.key(key), value, ttl).Err(); err != nil {
		return fmt.Errorf("console set: %w", err)
	}
	return nil
}

// Take returns a value and deletes it in one step (GETDEL, Redis 6.2+).
func (s *ConsoleStore) Take(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := s.rdb.GetDel(ctx, s.key(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("console take: %w", err)
	}
	return b, true, nil
}

// Del deletes keys, one command each in one pipeline (keys of one officer may sit in
// different Cluster slots).
func (s *ConsoleStore) Del(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, s.key(k))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("console del: %w", err)
	}
	return nil
}

// addMemberScript adds a member and sets the set's expiry (ARGV[2] ms; 0 removes it) in
// one step, so a set never outlives what it indexes.
var addMemberScript = redis.NewScript(`
redis.call('SADD', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('PERSIST', KEYS[1])
end
return 1`)

// AddMember adds member to a set and makes the set expire ttl from now (0: never).
func (s *ConsoleStore) AddMember(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := addMemberScript.Run(ctx, s.rdb, []string{s.key(key)}, member, ttl.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("console add member: %w", err)
	}
	return nil
}

// Members lists a set.
func (s *ConsoleStore) Members(ctx context.Context, key string) ([]string, error) {
	m, err := s.rdb.SMembers(ctx, s.key(key)).Result()
	if err != nil {
		return nil, fmt.Errorf("console members: %w", err)
	}
	return m, nil
}

// RemoveMember removes a member from a set.
func (s *ConsoleStore) RemoveMember(ctx context.Context, key, member string) error {
	if err := s.rdb.SRem(ctx, s.key(key), member).Err(); err != nil {
		return fmt.Errorf("console remove member: %w", err)
	}
	return nil
}

// incrScript counts and gives a counter without expiry (a new one) its window, in one
// step: a counter can never be left without a TTL, which would lock a name out for good.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n`)

// Incr adds one to a counter; a new counter expires ttl from now (a fixed window).
func (s *ConsoleStore) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	n, err := incrScript.Run(ctx, s.rdb, []string{s.key(key)}, max(ttl.Milliseconds(), 1)).Int64()
	if err != nil {
		return 0, fmt.Errorf("console incr: %w", err)
	}
	return n, nil
}
