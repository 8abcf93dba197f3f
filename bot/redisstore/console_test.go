package redisstore

import (
	"slices"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/console/consoletest"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

var _ console.Store = (*ConsoleStore)(nil)

func TestConsoleStoreContract(t *testing.T) {
	consoletest.Store(t, func(t *testing.T) console.Store {
		rdb, prefix := redistest.New(t)
		s, err := NewConsoleStore(rdb, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// The console's keys live under "<prefix>console:", and nothing else is written.
func TestConsoleStoreKeys(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, err := NewConsoleStore(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := s.Set(ctx, "sess:abc", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incr(ctx, "throttle:ip:x", time.Minute); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	want := []string{prefix + "console:sess:abc", prefix + "console:throttle:ip:x"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	if ttl := rdb.PTTL(ctx, prefix+"console:throttle:ip:x").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("counter TTL = %v, want (0, 1m]", ttl)
	}
}
