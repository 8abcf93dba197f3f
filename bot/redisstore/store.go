package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
)

// Store keeps conversations as JSON strings with a TTL, one key per (oa_id, user_id).
type Store struct {
	rdb  redis.UniversalClient
	keys Keyspace
	ttl  time.Duration
}

var _ bot.StateStore = (*Store)(nil)

// StoreOptions configures a Store.
type StoreOptions struct {
	// Prefix starts every key (default "oabot:").
	Prefix string
	// TTL is how long an idle conversation is kept (default 30 days); every Update
	// renews it.
	TTL time.Duration
}

// maxUpdateRetries bounds optimistic retries when the same conversation is updated
// concurrently (rare: one partition owner handles a conversation at a time).
const maxUpdateRetries = 50

// NewStore returns a conversation store on rdb. It does no I/O.
func NewStore(rdb redis.UniversalClient, opts StoreOptions) (*Store, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	if opts.TTL <= 0 {
		opts.TTL = 30 * 24 * time.Hour
	}
	return &Store{rdb: rdb, keys: keyspace(opts.Prefix), ttl: opts.TTL}, nil
}

func (s *Store) key(oaID, userID string) string { return s.keys.Key("conv", oaID, userID) }

// Get returns the stored conversation or bot.ErrNoConversation.
func (s *Store) Get(ctx context.Context, oaID, userID string) (bot.Conversation, error) {
	return s.get(ctx, s.rdb, s.key(oaID, userID))
}

func (s *Store) get(ctx context.Context, c redis.Cmdable, key string) (bot.Conversation, error) {
	b, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return bot.Conversation{}, bot.ErrNoConversation
	}
	if err != nil {
		return bot.Conversation{}, fmt.Errorf("load conversation: %w", err)
	}
	var conv bot.Conversation
	if err := json.Unmarshal(b, &conv); err != nil {
		return bot.Conversation{}, fmt.Errorf("decode conversation: %w", err)
	}
	return conv, nil
}

// Update loads the conversation (zero value when absent), calls fn and stores the result
// with the TTL, under WATCH/MULTI: a concurrent change makes it reload and call fn again.
// If fn returns an error nothing is stored and the error is returned as is.
func (s *Store) Update(ctx context.Context, oaID, userID string, fn func(*bot.Conversation) error) (bot.Conversation, error) {
	key := s.key(oaID, userID)
	var out bot.Conversation
	txf := func(tx *redis.Tx) error {
		conv, err := s.get(ctx, tx, key)
		if err != nil && !errors.Is(err, bot.ErrNoConversation) {
			return err
		}
		if err := fn(&conv); err != nil {
			return errFn{err}
		}
		b, err := json.Marshal(conv)
		if err != nil {
			return fmt.Errorf("encode conversation: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, b, s.ttl)
			return nil
		})
		out = conv
		return err
	}
	for i := range maxUpdateRetries {
		err := s.rdb.Watch(ctx, txf, key)
		if errors.Is(err, redis.TxFailedErr) {
			// Someone else wrote the key between GET and EXEC: wait a little (jittered, so
			// contenders spread out) and reload.
			select {
			case <-ctx.Done():
				return bot.Conversation{}, fmt.Errorf("store conversation: %w", ctx.Err())
			case <-time.After(time.Duration(rand.Int64N(int64(time.Millisecond) << min(i, 5)))):
			}
			continue
		}
		var fe errFn
		if errors.As(err, &fe) {
			return bot.Conversation{}, fe.err
		}
		if err != nil {
			return bot.Conversation{}, fmt.Errorf("store conversation: %w", err)
		}
		return out, nil
	}
	return bot.Conversation{}, errors.New("store conversation: too much contention")
}

// errFn carries fn's own error through Watch unchanged.
type errFn struct{ err error }

func (e errFn) Error() string { return e.err.Error() }
func (e errFn) Unwrap() error { return e.err }
