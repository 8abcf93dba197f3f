package redisstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
)

func TestTokenStoreLoadSave(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, _ := NewTokenStore(rdb, prefix)
	ctx := context.Background()
	if _, err := s.Load(ctx, "oa1"); !errors.Is(err, zalo.ErrNoToken) {
		t.Fatalf("Load empty: err = %v, want ErrNoToken", err)
	}
	want := zalo.TokenPair{AccessToken: "a", RefreshToken: "r", ExpiresAt: time.Unix(1700000000, 0).UTC(),
		IssuedAt: time.Unix(1699990000, 0).UTC()}
	if err := s.Save(ctx, "oa1", want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "oa1")
	if err != nil || got.AccessToken != "a" || got.RefreshToken != "r" || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("Load = %v, %v", got, err)
	}
	if _, err := s.Load(ctx, "oa2"); !errors.Is(err, zalo.ErrNoToken) {
		t.Errorf("pairs leak across OAs: err = %v", err)
	}
}

func TestTokenStoreLock(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s1, _ := NewTokenStore(rdb, prefix)
	s2, _ := NewTokenStore(rdb, prefix) // another replica
	ctx := context.Background()

	// Mutual exclusion across stores.
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := s.Lock(ctx, "oa1", 5*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			if n > maxInside.Load() {
				maxInside.Store(n)
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			if err := unlock(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Errorf("%d holders at once, want 1", maxInside.Load())
	}

	// Waiting honours ctx; the lock expires by itself.
	unlock, err := s1.Lock(ctx, "oa1", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := s2.Lock(short, "oa1", time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock on held lock: err = %v, want deadline exceeded", err)
	}
	unlock2, err := s2.Lock(ctx, "oa1", 5*time.Second) // after expiry
	if err != nil {
		t.Fatal(err)
	}
	// The first holder's late unlock must not free the second holder's lock.
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(ctx, s2.lockKey("oa1")).Val(); n != 1 {
		t.Error("stale unlock deleted another holder's lock")
	}
	if err := unlock2(ctx); err != nil || rdb.Exists(ctx, s2.lockKey("oa1")).Val() != 0 {
		t.Errorf("unlock: %v", err)
	}
	// Other OAs are not blocked.
	other, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	u, err := s1.Lock(other, "oa-other", time.Second)
	if err != nil {
		t.Errorf("lock of another OA blocked: %v", err)
	} else {
		_ = u(ctx)
	}
}
