package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/procedures"
)

// Examples keeps the labelled examples officers add, for every replica. Four keys share
// the hash tag {ex}: "{ex}:all" (id → JSON), "{ex}:order" (id by insertion number),
// "{ex}:byq" (account and normalised query → id, so one query is one example) and
// "{ex}:ver" (the change counter, which also numbers insertions).
type Examples struct {
	rdb  redis.UniversalClient
	keys Keyspace
}

var _ examples.Store = (*Examples)(nil)

// NewExamples returns the example store on rdb under prefix (default "oabot:").
func NewExamples(rdb redis.UniversalClient, prefix string) (*Examples, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &Examples{rdb: rdb, keys: keyspace(prefix)}, nil
}

func (s *Examples) k() []string {
	return []string{s.keys.Key("{ex}", "all"), s.keys.Key("{ex}", "order"), s.keys.Key("{ex}", "byq"), s.keys.Key("{ex}", "ver")}
}

// putExampleScript stores one example. KEYS: all, order, byq, ver. ARGV[1]: id, ARGV[2]:
// JSON, ARGV[3]: dedupe key, ARGV[4]: the cap. Returns {0, replaced id or ""} or {1} when
// full.
var putExampleScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[3], ARGV[3])
if old then
  redis.call('HDEL', KEYS[1], old)
  redis.call('ZREM', KEYS[2], old)
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  return {1}
end
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
return {0, old or ''}
`)

// Put stores e, replacing the account's example with the same query.
func (s *Examples) Put(ctx context.Context, e procedures.Example) (string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("redisstore: encode example: %w", err)
	}
	res, err := putExampleScript.Run(ctx, s.rdb, s.k(), e.ID, b, e.Key(), examples.MaxStored).Slice()
	if err != nil {
		return "", fmt.Errorf("redisstore: put example: %w", err)
	}
	if st, _ := res[0].(int64); st == 1 {
		return "", examples.ErrFull
	}
	old, _ := res[1].(string)
	return old, nil
}

// List returns every example, oldest first. A value that does not decode is skipped
// (and cannot be deleted through the API; it is reported by the error count below).
func (s *Examples) List(ctx context.Context) ([]procedures.Example, error) {
	k := s.k()
	ids, err := s.rdb.ZRange(ctx, k[1], 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list examples: %w", err)
	}
	out := make([]procedures.Example, 0, len(ids))
	const batch = 1000
	for start := 0; start < len(ids); start += batch {
		vals, err := s.rdb.HMGet(ctx, k[0], ids[start:min(start+batch, len(ids))]...).Result()
		if err != nil {
			return nil, fmt.Errorf("redisstore: list examples: %w", err)
		}
		for _, v := range vals {
			str, ok := v.(string)
			if !ok {
				continue // deleted between the two reads
			}
			var e procedures.Example
			if json.Unmarshal([]byte(str), &e) == nil {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// deleteExampleScript removes one example. KEYS: all, order, byq, ver. ARGV[1]: id,
// ARGV[2]: its dedupe key. Returns 1, or 0 when it is gone.
var deleteExampleScript = redis.NewScript(`
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[2]) end
redis.call('INCR', KEYS[4])
return 1
`)

// Delete removes account's example id.
func (s *Examples) Delete(ctx context.Context, account, id string) error {
	k := s.k()
	v, err := s.rdb.HGet(ctx, k[0], id).Result()
	if errors.Is(err, redis.Nil) {
		return examples.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("redisstore: delete example: %w", err)
	}
	var e procedures.Example
	if err := json.Unmarshal([]byte(v), &e); err != nil || e.Account != account {
		return examples.ErrNotFound
	}
	n, err := deleteExampleScript.Run(ctx, s.rdb, k, id, e.Key()).Int()
	if err != nil {
		return fmt.Errorf("redisstore: delete example: %w", err)
	}
	if n == 0 {
		return examples.ErrNotFound
	}
	return nil
}

// Version is the change counter.
func (s *Examples) Version(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.k()[3]).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redisstore: examples version: %w", err)
	}
	return v, nil
}
