package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// PartitionStat holds one partition's queue figures (for /metrics).
type PartitionStat struct {
	Partition int
	// Length is XLEN of the partition stream (handled entries stay until trimmed).
	Length int64
	// Lag is the number of entries not yet delivered to the consumer group (Redis ≥ 7).
	Lag int64
	// Pending is the number of entries delivered but not acknowledged.
	Pending int64
	// Parked is the number of events waiting in park lists (queue_park.go).
	Parked int64
}

// Stats reads every partition's length, lag, pending and parked counts in one pipeline.
// A partition whose stream or group does not exist yet reports zeros.
func (q *Queue) Stats(ctx context.Context) ([]PartitionStat, error) {
	pipe := q.rdb.Pipeline()
	lens := make([]*redis.IntCmd, q.opts.Partitions)
	groups := make([]*redis.XInfoGroupsCmd, q.opts.Partitions)
	parked := make([]*redis.StringCmd, q.opts.Partitions)
	for p := range lens {
		lens[p] = pipe.XLen(ctx, q.streamKey(p))
		groups[p] = pipe.XInfoGroups(ctx, q.streamKey(p))
		parked[p] = pipe.Get(ctx, q.parkedCountKey(p))
	}
	// XINFO on a missing stream is an error per command; only a transport error fails all.
	if _, err := pipe.Exec(ctx); err != nil && !isRedisReplyError(err) && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("queue stats: %w", err)
	}
	out := make([]PartitionStat, q.opts.Partitions)
	for p := range out {
		out[p].Partition = p
		out[p].Length = lens[p].Val()
		n, _ := strconv.ParseInt(parked[p].Val(), 10, 64)
		out[p].Parked = max(n, 0)
		for _, g := range groups[p].Val() {
			if g.Name == consumerGroup {
				out[p].Pending = g.Pending
				out[p].Lag = max(g.Lag, 0)
			}
		}
	}
	return out, nil
}

// PartitionLabel formats a partition number for a metrics label.
func PartitionLabel(p int) string { return strconv.Itoa(p) }

func isRedisReplyError(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}
