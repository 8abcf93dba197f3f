package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/zalo"
)

// TokenStore keeps each OA's Zalo token pair in Redis and provides the cross-replica
// refresh lock (zalo.TokenStore). Pairs are stored without expiry: the refresh token
// outlives the access token, and a lost pair means re-authorising the OA.
type TokenStore struct {
	rdb  redis.UniversalClient
	keys Keyspace
	// poll is the wait between attempts to take a held lock.
	poll time.Duration
}

var _ zalo.TokenStore = (*TokenStore)(nil)

// NewTokenStore returns a token store under prefix (default "oabot:"). It does no I/O.
func NewTokenStore(rdb redis.UniversalClient, prefix string) (*TokenStore, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &TokenStore{rdb: rdb, keys: keyspace(prefix), poll: 50 * time.Millisecond}, nil
}

// The pair and its lock share the hash tag {token:<oa>}.
func (s *TokenStore) pairKey(oaID string) string { return s.keys.Key("{token:"+oaID+"}", "pair") }
func (s *TokenStore) lockKey(oaID string) string { return s.keys.Key("{token:"+oaID+"}", "lock") }

// Load returns the stored pair, or an error wrapping zalo.ErrNoToken.
func (s *TokenStore) Load(ctx context.Context, oaID string) (zalo.TokenPair, error) {
	b, err := s.rdb.Get(ctx, s.pairKey(oaID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return zalo.TokenPair{}, fmt.Errorf("load token pair: %w", zalo.ErrNoToken)
	}
	if err != nil {
		return zalo.TokenPair{}, fmt.Errorf("load token pair: %w", err)
	}
	var p zalo.TokenPair
	if err := json.Unmarshal(b, &p); err != nil {
		return zalo.TokenPair{}, fmt.Errorf("decode token pair: %w", err)
	}
	return p, nil
}

// Save replaces the pair of oaID. It returns once Redis acknowledged the write.
func (s *TokenStore) Save(ctx context.Context, oaID string, pair zalo.TokenPair) error {
	b, err := json.Marshal(pair)
	if err != nil {
		return fmt.Errorf("encode token pair: %w", err)
	}
	if err := s.rdb.Set(ctx, s.pairKey(oaID), b, 0).Err(); err != nil {
		return fmt.Errorf("save token pair: %w", err)
	}
	return nil
}

// unlockScript deletes the lock only if it still holds this caller's owner token.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Lock takes oaID's refresh lock (SET NX PX with a random owner token), polling until it
// is free or ctx ends. The lock expires after ttl. unlock deletes it only while this
// caller still owns it.
func (s *TokenStore) Lock(ctx context.Context, oaID string, ttl time.Duration) (func(context.Context) error, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	owner := hex.EncodeToString(b)
	key := s.lockKey(oaID)
	for {
		ok, err := s.rdb.SetNX(ctx, key, owner, ttl).Result()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("take token lock: %w", err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(s.poll):
		}
	}
	unlock := func(ctx context.Context) error {
		if err := unlockScript.Run(ctx, s.rdb, []string{key}, owner).Err(); err != nil {
			return fmt.Errorf("release token lock: %w", err)
		}
		return nil
	}
	return unlock, nil
}
