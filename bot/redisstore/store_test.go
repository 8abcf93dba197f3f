package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func TestStoreGetUpdate(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, _ := NewStore(rdb, StoreOptions{Prefix: prefix, TTL: time.Hour})
	ctx := context.Background()
	if _, err := s.Get(ctx, "oa", "u"); !errors.Is(err, bot.ErrNoConversation) {
		t.Fatalf("Get on empty: err = %v, want ErrNoConversation", err)
	}
	got, err := s.Update(ctx, "oa", "u", func(c *bot.Conversation) error {
		c.Current = "1.004222"
		c.LastList = []string{"a", "b"}
		return nil
	})
	if err != nil || got.Current != "1.004222" {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	back, err := s.Get(ctx, "oa", "u")
	if err != nil || back.Current != "1.004222" || len(back.LastList) != 2 {
		t.Fatalf("Get = %+v, %v", back, err)
	}
	if ttl := rdb.TTL(ctx, s.key("oa", "u")).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want about 1h", ttl)
	}
	boom := errors.New("boom")
	if _, err := s.Update(ctx, "oa", "u", func(c *bot.Conversation) error { c.Current = "x"; return boom }); !errors.Is(err, boom) {
		t.Errorf("Update with fn error: err = %v, want boom", err)
	}
	if back, _ := s.Get(ctx, "oa", "u"); back.Current != "1.004222" {
		t.Errorf("fn error still stored: Current = %q", back.Current)
	}
	if _, err := s.Get(ctx, "oa-other", "u"); !errors.Is(err, bot.ErrNoConversation) {
		t.Errorf("conversations leak across OAs: %v", err)
	}
}

func TestStoreConcurrentUpdates(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, _ := NewStore(rdb, StoreOptions{Prefix: prefix})
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := s.Update(ctx, "oa", "u", func(c *bot.Conversation) error { c.Page++; return nil }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if c, _ := s.Get(ctx, "oa", "u"); c.Page != 50 {
		t.Errorf("Page = %d after 50 concurrent increments, want 50 (lost update)", c.Page)
	}
}

// BenchmarkConversationBytes reports Redis memory per stored conversation (MEMORY USAGE)
// for a typical conversation: a 5-item list, a current procedure, timestamps.
func BenchmarkConversationBytes(b *testing.B) {
	rdb, prefix := redistest.New(b)
	s, _ := NewStore(rdb, StoreOptions{Prefix: prefix})
	ctx := context.Background()
	now := time.Now()
	var total int64
	for i := 0; b.Loop(); i++ {
		oa, user := "1234567890123456789", fmt.Sprintf("24684588352961%05d", i)
		_, err := s.Update(ctx, oa, user, func(c *bot.Conversation) error {
			c.LastList = []string{"1.004222", "1.001612", "2.000986", "1.010022", "1.003166"}
			c.ListQuery = "cap lai can cuoc"
			c.Current = "1.004222"
			c.LastInteractionAt = now
			c.Follower, c.FollowerKnown = true, true
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		n, err := rdb.MemoryUsage(ctx, s.key(oa, user)).Result()
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/float64(b.N), "redis-bytes/conv")
}
