package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/broadcast/storetest"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

// The shared behavioural contract (bot/broadcast/storetest), on a real Redis; bot/inmem runs
// the same one on its in-memory store and registry.
func TestCampaignStoreContract(t *testing.T) {
	storetest.CampaignStore(t, func(t *testing.T) broadcast.Store {
		rdb, prefix := redistest.New(t)
		s, err := NewCampaignStore(rdb, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestFollowerRegistryContract(t *testing.T) {
	storetest.Followers(t, func(t *testing.T) storetest.Registry {
		rdb, prefix := redistest.New(t)
		f, err := NewFollowerRegistry(rdb, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}

// A finished campaign's state stays about 90 days for its report, then Redis drops it (the
// recipient state machine itself is checked by the shared contract above).
func TestCampaignFinishedStateExpires(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, err := NewCampaignStore(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := broadcast.Campaign{ID: "c1", CreatedAt: time.Now(), Spec: broadcast.Spec{Accounts: []string{"a"}}}
	rs := []broadcast.Recipient{{Account: "a", UserID: "1"}}
	if ok, err := s.CreateCampaign(ctx, c, rs, broadcast.StatusRunning, time.Time{}); !ok || err != nil {
		t.Fatalf("CreateCampaign = %v, %v", ok, err)
	}
	if ttl := rdb.PTTL(ctx, s.ck("c1", "state")).Val(); ttl > 0 {
		t.Errorf("running campaign state TTL = %v, want none", ttl)
	}
	claims, err := s.Claim(ctx, "c1", "w1", 10, time.Minute)
	if err != nil || len(claims) != 1 {
		t.Fatalf("Claim = %v, %v", claims, err)
	}
	if res, _ := s.Begin(ctx, "c1", "w1", claims[0].Recipient, 0, time.Minute); res != broadcast.Begun {
		t.Fatalf("Begin = %v", res)
	}
	if err := s.Finish(ctx, "c1", "w1", claims[0].Recipient, 0, true, "m1"); err != nil {
		t.Fatal(err)
	}
	if _, p, err := s.Campaign(ctx, "c1"); err != nil || p.Status != broadcast.StatusDone {
		t.Fatalf("Campaign = %+v, %v; want done", p, err)
	}
	if ttl := rdb.PTTL(ctx, s.ck("c1", "state")).Val(); ttl < 80*24*time.Hour || ttl > 91*24*time.Hour {
		t.Errorf("finished campaign state TTL = %v, want about 90 days", ttl)
	}
}

func TestRateLimiterContract(t *testing.T) {
	storetest.Limiter(t, func(t *testing.T, perSecond float64, burst int) broadcast.Limiter {
		rdb, prefix := redistest.New(t)
		l, err := NewRateLimiter(rdb, prefix, perSecond, burst)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}
