package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
)

// Attachments caches uploaded Zalo attachment ids (bot.AttachmentCache) under
// "att:<key>" with a TTL below Zalo's 7-day validity, shared by every instance so an
// image is uploaded once.
type Attachments struct {
	rdb  redis.UniversalClient
	keys Keyspace
}

var _ bot.AttachmentCache = (*Attachments)(nil)

// NewAttachments returns the cache on rdb. It does no I/O.
func NewAttachments(rdb redis.UniversalClient, prefix string) (*Attachments, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &Attachments{rdb: rdb, keys: keyspace(prefix)}, nil
}

// Attachment returns the cached id, or "" when absent.
func (a *Attachments) Attachment(ctx context.Context, key string) (string, error) {
	id, err := a.rdb.Get(ctx, a.keys.Key("att", key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read attachment id: %w", err)
	}
	return id, nil
}

// SetAttachment caches id for ttl.
func (a *Attachments) SetAttachment(ctx context.Context, key, id string, ttl time.Duration) error {
	if err := a.rdb.Set(ctx, a.keys.Key("att", key), id, ttl).Err(); err != nil {
		return fmt.Errorf("cache attachment id: %w", err)
	}
	return nil
}

// DeleteAttachment forgets key.
func (a *Attachments) DeleteAttachment(ctx context.Context, key string) error {
	if err := a.rdb.Del(ctx, a.keys.Key("att", key)).Err(); err != nil {
		return fmt.Errorf("forget attachment id: %w", err)
	}
	return nil
}
