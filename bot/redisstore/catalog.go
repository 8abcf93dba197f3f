package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/catalog"
)

// Catalog keeps the catalogue versions for every replica. Three keys share the hash tag
// {cat}: "{cat}:head" (the newest version's number), "{cat}:v" (number → version JSON) and
// "{cat}:mod" (change key → the version that last changed it, for the conflict check).
type Catalog struct {
	rdb  redis.UniversalClient
	keys Keyspace
}

var _ catalog.Store = (*Catalog)(nil)

// NewCatalog returns the version store on rdb under prefix (default "oabot:").
func NewCatalog(rdb redis.UniversalClient, prefix string) (*Catalog, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &Catalog{rdb: rdb, keys: keyspace(prefix)}, nil
}

func (s *Catalog) k() []string {
	return []string{s.keys.Key("{cat}", "head"), s.keys.Key("{cat}", "v"), s.keys.Key("{cat}", "mod")}
}

// publishCatalogScript stores the next version in one step, so two replicas publishing at
// once can neither share a number nor miss each other's change to a record. KEYS: head,
// v, mod. ARGV[1]: base, ARGV[2]: the version JSON, ARGV[3…]: its change keys. Returns {0, n},
// {1, code, n} when version n changed code after base, or {2, head} for a base from the
// future.
var publishCatalogScript = redis.NewScript(`
local base = tonumber(ARGV[1])
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
if base > head then return {2, head} end
for i = 3, #ARGV do
  local m = redis.call('HGET', KEYS[3], ARGV[i])
  if m and tonumber(m) > base then return {1, ARGV[i], tonumber(m)} end
end
local n = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], n, ARGV[2])
for i = 3, #ARGV do redis.call('HSET', KEYS[3], ARGV[i], n) end
return {0, n}
`)

// Publish stores v as the next version unless a version after base changed one of its codes.
func (s *Catalog) Publish(ctx context.Context, base int64, v catalog.Version) (catalog.Version, error) {
	v.N, v.Base = 0, base // the number is the hash field, set by the script
	b, err := json.Marshal(v)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("redisstore: encode catalogue version: %w", err)
	}
	if len(b) > catalog.MaxVersionBytes {
		return catalog.Version{}, fmt.Errorf("%w: %d bytes", catalog.ErrTooLarge, len(b))
	}
	args := make([]any, 0, 2+len(v.Changes))
	args = append(args, base, b)
	for _, c := range v.Changes {
		args = append(args, c.Key())
	}
	res, err := publishCatalogScript.Run(ctx, s.rdb, s.k(), args...).Slice()
	if err != nil {
		return catalog.Version{}, fmt.Errorf("redisstore: publish catalogue version: %w", err)
	}
	switch res[0].(int64) {
	case 0:
		v.N = res[1].(int64)
		return v, nil
	case 1:
		return catalog.Version{}, &catalog.ConflictError{Code: res[1].(string), Version: res[2].(int64)}
	}
	return catalog.Version{}, &catalog.ConflictError{Version: res[1].(int64)}
}

// Head is the newest version's number.
func (s *Catalog) Head(ctx context.Context) (int64, error) {
	n, err := s.rdb.Get(ctx, s.k()[0]).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redisstore: catalogue head: %w", err)
	}
	return n, nil
}

// Since returns the versions after after, oldest first.
func (s *Catalog) Since(ctx context.Context, after int64) ([]catalog.Version, error) {
	head, err := s.Head(ctx)
	if err != nil || head <= after {
		return nil, err
	}
	after = max(after, 0)
	fields := make([]string, 0, head-after)
	for n := after + 1; n <= head; n++ {
		fields = append(fields, strconv.FormatInt(n, 10))
	}
	vals, err := s.rdb.HMGet(ctx, s.k()[1], fields...).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: read catalogue versions: %w", err)
	}
	out := make([]catalog.Version, 0, len(vals))
	for i, raw := range vals {
		str, ok := raw.(string)
		if !ok {
			// INCR and HSET run in one script, so a number without a version is damage.
			return nil, fmt.Errorf("redisstore: catalogue version %s is missing", fields[i])
		}
		var v catalog.Version
		if err := json.Unmarshal([]byte(str), &v); err != nil {
			return nil, fmt.Errorf("redisstore: catalogue version %s: %w", fields[i], err)
		}
		v.N = after + 1 + int64(i)
		out = append(out, v)
	}
	return out, nil
}
