package inmem

import (
	"context"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/broadcast/storetest"
)

// The in-memory campaign store and follower registry pass the same behavioural contract as
// the Redis ones (bot/redisstore/broadcast_test.go runs it on a real Redis).
func TestCampaignStoreContract(t *testing.T) {
	storetest.CampaignStore(t, func(*testing.T) broadcast.Store { return NewCampaignStore() })
}

func TestFollowerRegistryContract(t *testing.T) {
	storetest.Followers(t, func(*testing.T) storetest.Registry { return NewFollowerRegistry() })
}

// TestPlansAreDropped: expired plans do not accumulate in memory.
func TestPlansAreDropped(t *testing.T) {
	s := NewCampaignStore()
	now := time.Now()
	s.now = func() time.Time { return now }
	ctx := context.Background()
	for _, id := range []string{"p1", "p2"} {
		if err := s.SavePlan(ctx, broadcast.Plan{ID: id}, nil, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Minute)
	if err := s.SavePlan(ctx, broadcast.Plan{ID: "p3"}, nil, time.Minute); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	n := len(s.plans)
	s.mu.Unlock()
	if n != 1 {
		t.Errorf("%d plans kept, want only the live one", n)
	}
}

func TestRateLimiterPaces(t *testing.T) {
	l, err := NewRateLimiter(50, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	for range 26 {
		if err := l.Wait(ctx, "oa1"); err != nil {
			t.Fatal(err)
		}
	}
	// 26 sends at 50/s: the first is free, 25 intervals of 20 ms follow.
	if d := time.Since(start); d < 480*time.Millisecond || d > 900*time.Millisecond {
		t.Errorf("26 waits took %v, want about 500ms", d)
	}
	start = time.Now()
	if err := l.Wait(ctx, "oa2"); err != nil || time.Since(start) > 50*time.Millisecond {
		t.Errorf("first wait on another key took %v, %v", time.Since(start), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Wait(cctx, "oa1"); err == nil {
		t.Error("Wait with a cancelled context returned nil")
	}
}

func TestAuditLogNewestFirstAndCapped(t *testing.T) {
	a := NewAuditLog(3)
	ctx := context.Background()
	for _, action := range []string{"a1", "a2", "a3", "a4"} {
		if err := a.Record(ctx, broadcast.AuditEntry{At: time.Now(), Officer: "o", Action: action, Result: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.Recent(ctx, 10)
	if err != nil || len(got) != 3 || got[0].Action != "a4" || got[2].Action != "a2" || got[0].ID == "" || got[0].ID == got[1].ID {
		t.Fatalf("Recent = %+v, %v", got, err)
	}
	if got, _ := a.Recent(ctx, 1); len(got) != 1 || got[0].Action != "a4" {
		t.Errorf("Recent(1) = %+v", got)
	}
}
