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

func TestRateLimiterContract(t *testing.T) {
	storetest.Limiter(t, func(t *testing.T, perSecond float64, burst int) broadcast.Limiter {
		l, err := NewRateLimiter(perSecond, burst)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
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
