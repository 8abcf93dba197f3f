package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
)

// Stats keeps the per-account conversation counters (bot.Stats). Per account, all keys
// share the hash tag {account} so one MULTI updates them together:
//
//	stats:{a}:views      sorted set, procedure code → views
//	stats:{a}:unmatched  sorted set, masked query → times asked (capped, see MaxUnmatched)
//	stats:{a}:unmatched:last   sorted set, masked query → when last asked (capped)
//	stats:{a}:unmatched:typed  hash, masked query → as last typed (dropped whole past the cap)
//	stats:{a}:unmatched:hint   hash, masked query → the citizen's pick (dropped whole past the cap)
//	stats:{a}:follow     hash, "follows" / "unfollows"
//	stats:{a}:msgs       hash, Vietnam day (YYYY-MM-DD) → citizen messages
type Stats struct {
	rdb          redis.UniversalClient
	keys         Keyspace
	maxUnmatched int64
	batch        *batcher // Record's writes, shared with other workers' in flight
}

var _ bot.Stats = (*Stats)(nil)

// StatsOptions configures Stats.
type StatsOptions struct {
	// Prefix starts every key (default "oabot:").
	Prefix string
	// MaxUnmatched caps the distinct unmatched queries kept per account (default 2000);
	// past it the least asked are dropped, so free text cannot grow the set without bound.
	MaxUnmatched int
}

// NewStats returns counters on rdb. It does no I/O.
func NewStats(rdb redis.UniversalClient, opts StatsOptions) (*Stats, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	if opts.MaxUnmatched <= 0 {
		opts.MaxUnmatched = 2000
	}
	return &Stats{rdb: rdb, keys: keyspace(opts.Prefix), maxUnmatched: int64(opts.MaxUnmatched), batch: workBatcher(rdb)}, nil
}

func (s *Stats) key(account, what string) string {
	return s.keys.Key("stats", "{"+account+"}", what)
}

// dropPastCapScript deletes the hash KEYS[1] when it holds more than ARGV[1] fields.
var dropPastCapScript = redis.NewScript(`
if redis.call('HLEN', KEYS[1]) > tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 0`)

// Record adds d to the account's counters in one transaction.
func (s *Stats) Record(ctx context.Context, account string, d bot.StatsDelta, at time.Time) error {
	if d.Empty() {
		return nil
	}
	if account == "" {
		return errors.New("redisstore: record stats: empty account")
	}
	err := s.batch.do(ctx, func(p redis.Pipeliner) {
		for _, code := range d.Views {
			p.ZIncrBy(ctx, s.key(account, "views"), 1, code)
		}
		if d.Unmatched != "" {
			k := s.key(account, "unmatched")
			p.ZIncrBy(ctx, k, 1, d.Unmatched)
			// Keep the MaxUnmatched most asked: ranks count from the least asked.
			p.ZRemRangeByRank(ctx, k, 0, -(s.maxUnmatched + 1))
			// When each was last asked (seconds), for the newest-first list; the oldest go.
			kl := s.key(account, "unmatched:last")
			p.ZAdd(ctx, kl, redis.Z{Score: float64(at.Unix()), Member: d.Unmatched})
			p.ZRemRangeByRank(ctx, kl, 0, -(s.maxUnmatched + 1))
			if d.UnmatchedTyped != "" {
				// As typed, for reading; bounded as the hints are.
				kt := s.key(account, "unmatched:typed")
				p.HSet(ctx, kt, d.Unmatched, d.UnmatchedTyped)
				dropPastCapScript.Eval(ctx, p, []string{kt}, s.maxUnmatched)
			}
		}
		if c := d.Chosen; c != nil && c.Query != "" && c.Code != "" {
			// The citizen's pick after "không phải"; the hash is bounded by dropping it
			// whole past the cap (hints are a convenience, the questions stay).
			kh := s.key(account, "unmatched:hint")
			p.HSet(ctx, kh, c.Query, c.Code)
			dropPastCapScript.Eval(ctx, p, []string{kh}, s.maxUnmatched)
		}
		if d.Follows != 0 {
			p.HIncrBy(ctx, s.key(account, "follow"), "follows", int64(d.Follows))
		}
		if d.Unfollows != 0 {
			p.HIncrBy(ctx, s.key(account, "follow"), "unfollows", int64(d.Unfollows))
		}
		if d.Referrals != 0 {
			p.HIncrBy(ctx, s.key(account, "follow"), "referrals", int64(d.Referrals)) // the account's counters hash
		}
		if d.Messages != 0 {
			p.HIncrBy(ctx, s.key(account, "msgs"), bot.StatsDay(at), int64(d.Messages))
		}
	})
	if err != nil {
		return fmt.Errorf("record stats: %w", err)
	}
	return nil
}

// Summary reads the account's counters: top procedures and unmatched queries, follows,
// unfollows and messages per day for the last q.Days days (zero days included).
func (s *Stats) Summary(ctx context.Context, account string, q bot.StatsQuery) (bot.StatsSummary, error) {
	q = q.Normalized()
	days := bot.StatsDays(q)
	var views, unmatched *redis.ZSliceCmd
	var follow *redis.MapStringStringCmd
	var msgs *redis.SliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		views = p.ZRevRangeWithScores(ctx, s.key(account, "views"), 0, int64(q.Top-1))
		unmatched = p.ZRevRangeWithScores(ctx, s.key(account, "unmatched"), 0, int64(q.Top-1))
		follow = p.HGetAll(ctx, s.key(account, "follow"))
		msgs = p.HMGet(ctx, s.key(account, "msgs"), days...)
		return nil
	})
	if err != nil {
		return bot.StatsSummary{}, fmt.Errorf("read stats: %w", err)
	}
	out := bot.StatsSummary{Views: counts(views.Val()), Unmatched: counts(unmatched.Val())}
	if len(out.Unmatched) > 0 {
		keys := make([]string, len(out.Unmatched))
		for i, c := range out.Unmatched {
			keys[i] = c.Key
		}
		typed, err := s.rdb.HMGet(ctx, s.key(account, "unmatched:typed"), keys...).Result()
		if err != nil {
			return bot.StatsSummary{}, fmt.Errorf("read stats: %w", err)
		}
		for i, v := range typed {
			out.Unmatched[i].Typed, _ = v.(string)
		}
	}
	f := follow.Val()
	out.Follows, _ = strconv.ParseInt(f["follows"], 10, 64)
	out.Unfollows, _ = strconv.ParseInt(f["unfollows"], 10, 64)
	out.Referrals, _ = strconv.ParseInt(f["referrals"], 10, 64)
	for i, v := range msgs.Val() {
		var n int64
		if str, ok := v.(string); ok {
			n, _ = strconv.ParseInt(str, 10, 64)
		}
		out.Messages = append(out.Messages, bot.DayCount{Day: days[i], Count: n})
	}
	return out, nil
}

func counts(zs []redis.Z) []bot.Count {
	out := make([]bot.Count, 0, len(zs))
	for _, z := range zs {
		m, _ := z.Member.(string)
		out = append(out, bot.Count{Key: m, Count: int64(z.Score)})
	}
	return out
}

var _ bot.UnansweredStore = (*Stats)(nil)

// Unanswered lists the account's n most recently asked unanswered questions with how often
// each was asked.
func (s *Stats) Unanswered(ctx context.Context, account string, n int) ([]bot.Unanswered, error) {
	zs, err := s.rdb.ZRevRangeWithScores(ctx, s.key(account, "unmatched:last"), 0, int64(max(1, n)-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("read unanswered: %w", err)
	}
	out := make([]bot.Unanswered, 0, len(zs))
	if len(zs) == 0 {
		return out, nil
	}
	members := make([]string, len(zs))
	for i, z := range zs {
		members[i], _ = z.Member.(string)
	}
	var counts *redis.FloatSliceCmd
	var hints, typed *redis.SliceCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		counts = p.ZMScore(ctx, s.key(account, "unmatched"), members...)
		hints = p.HMGet(ctx, s.key(account, "unmatched:hint"), members...)
		typed = p.HMGet(ctx, s.key(account, "unmatched:typed"), members...)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read unanswered: %w", err)
	}
	for i, z := range zs {
		hint, _ := hints.Val()[i].(string)
		as, _ := typed.Val()[i].(string)
		out = append(out, bot.Unanswered{Text: members[i], Typed: as, Count: max(1, int64(counts.Val()[i])), Last: time.Unix(int64(z.Score), 0).UTC(), Chosen: hint})
	}
	return out, nil
}

// DropUnanswered forgets questions an officer has dealt with.
func (s *Stats) DropUnanswered(ctx context.Context, account string, texts ...string) error {
	if len(texts) == 0 {
		return nil
	}
	members := make([]any, len(texts))
	for i, t := range texts {
		members[i] = t
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.key(account, "unmatched"), members...)
		p.ZRem(ctx, s.key(account, "unmatched:last"), members...)
		p.HDel(ctx, s.key(account, "unmatched:hint"), texts...)
		p.HDel(ctx, s.key(account, "unmatched:typed"), texts...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop unanswered: %w", err)
	}
	return nil
}

// CountUnanswered is how many unanswered questions the account has.
func (s *Stats) CountUnanswered(ctx context.Context, account string) (int64, error) {
	n, err := s.rdb.ZCard(ctx, s.key(account, "unmatched:last")).Result()
	if err != nil {
		return 0, fmt.Errorf("count unanswered: %w", err)
	}
	return n, nil
}
