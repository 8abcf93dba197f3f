package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/broadcast"
)

// AuditLog appends admin changes to the Redis stream "audit" (capped, approximately, at
// maxLen entries) and reads them back newest first.
type AuditLog struct {
	rdb    redis.UniversalClient
	key    string
	maxLen int64
}

// NewAuditLog returns an audit log under prefix; maxLen ≤ 0 means 1,000,000 entries.
func NewAuditLog(rdb redis.UniversalClient, prefix string, maxLen int64) (*AuditLog, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	if maxLen <= 0 {
		maxLen = 1_000_000
	}
	return &AuditLog{rdb: rdb, key: keyspace(prefix).Key("audit"), maxLen: maxLen}, nil
}

// Record appends e.
func (a *AuditLog) Record(ctx context.Context, e broadcast.AuditEntry) error {
	err := a.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: a.key, MaxLen: a.maxLen, Approx: true,
		Values: []any{
			"at", e.At.UnixMilli(), "officer", e.Officer, "role", e.Role, "action", e.Action,
			"account", e.Account, "target", e.Target, "remote", e.Remote, "result", e.Result,
		},
	}).Err()
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Recent returns up to n entries, newest first.
func (a *AuditLog) Recent(ctx context.Context, n int64) ([]broadcast.AuditEntry, error) {
	msgs, err := a.rdb.XRevRangeN(ctx, a.key, "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	out := make([]broadcast.AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		str := func(k string) string { s, _ := m.Values[k].(string); return s }
		ms, _ := strconv.ParseInt(str("at"), 10, 64)
		out = append(out, broadcast.AuditEntry{
			ID: m.ID, At: time.UnixMilli(ms), Officer: str("officer"), Role: str("role"),
			Action: str("action"), Account: str("account"), Target: str("target"),
			Remote: str("remote"), Result: str("result"),
		})
	}
	return out, nil
}
