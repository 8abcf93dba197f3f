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

// TestCampaignLeases checks the recipient state machine on its own: a claim whose lease
// expires before the send goes back to the queue; one that expired while "sending" becomes
// unknown and is never handed out again; only the holder may record an outcome.
func TestCampaignLeases(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, err := NewCampaignStore(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := broadcast.Campaign{ID: "c1", CreatedAt: time.Now(), Spec: broadcast.Spec{Accounts: []string{"a"}}}
	rs := []broadcast.Recipient{{Account: "a", UserID: "1"}, {Account: "a", UserID: "2"}, {Account: "a", UserID: "3", Skip: broadcast.ReasonOutsideWindow}}
	if ok, err := s.CreateCampaign(ctx, c, rs, broadcast.StatusRunning, time.Time{}); !ok || err != nil {
		t.Fatalf("CreateCampaign = %v, %v", ok, err)
	}
	if ok, _ := s.CreateCampaign(ctx, c, rs, broadcast.StatusRunning, time.Time{}); ok {
		t.Fatal("second CreateCampaign created again")
	}
	lease := 100 * time.Millisecond
	claims, err := s.Claim(ctx, "c1", "w1", 10, lease)
	if err != nil || len(claims) != 2 {
		t.Fatalf("Claim = %v, %v; want 2", claims, err)
	}
	r1, r2 := claims[0].Recipient, claims[1].Recipient
	if res, _ := s.Begin(ctx, "c1", "w1", r1, 0, lease); res != broadcast.Begun {
		t.Fatalf("Begin = %v", res)
	}
	if res, _ := s.Begin(ctx, "c1", "w2", r2, 0, lease); res != broadcast.Lost {
		t.Fatalf("Begin by a non-holder = %v, want Lost", res)
	}
	time.Sleep(2 * lease)
	requeued, unknown, err := s.Reclaim(ctx, "c1")
	if err != nil || requeued != 1 || unknown != 1 {
		t.Fatalf("Reclaim = %d requeued, %d unknown, %v; want 1, 1", requeued, unknown, err)
	}
	again, _ := s.Claim(ctx, "c1", "w2", 10, time.Minute)
	if len(again) != 1 || again[0].Recipient != r2 {
		t.Fatalf("re-claim = %v, want only %v (the one never begun)", again, r2)
	}
	if err := s.Finish(ctx, "c1", "w2", r1, 0, true, "m1"); err == nil {
		t.Error("Finish by a worker that never sent succeeded")
	}
	// The original worker learns Zalo's answer after all: unknown becomes sent.
	if err := s.Finish(ctx, "c1", "w1", r1, 0, true, "m1"); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Begin(ctx, "c1", "w2", r2, 0, time.Minute); res != broadcast.Begun {
		t.Fatal("Begin after re-claim")
	}
	if err := s.Settle(ctx, "c1", "w2", r2, broadcast.Result{State: "failed", Code: -227, Reason: broadcast.ReasonRecipientGone}); err != nil {
		t.Fatal(err)
	}
	_, p, err := s.Campaign(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != broadcast.StatusDone || p.Sent != 1 || p.Failed != 1 || p.Skipped != 1 || p.Unknown != 0 {
		t.Errorf("progress = %+v", p)
	}
	if ttl := rdb.PTTL(ctx, s.ck("c1", "state")).Val(); ttl <= 0 {
		t.Errorf("finished campaign state TTL = %v, want about 90 days", ttl)
	}
	got := map[string]broadcast.Result{}
	if err := s.Results(ctx, "c1", func(r broadcast.Result) error { got[r.UserID] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if got["1"].State != "sent" || len(got["1"].MessageIDs) != 1 || got["2"].Code != -227 || got["3"].Reason != broadcast.ReasonOutsideWindow {
		t.Errorf("results = %+v", got)
	}
}

func TestRateLimiterPaces(t *testing.T) {
	rdb, prefix := redistest.New(t)
	l, err := NewRateLimiter(rdb, prefix, 50, 1)
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
	// Another key has a bucket of its own.
	start = time.Now()
	if err := l.Wait(ctx, "oa2"); err != nil || time.Since(start) > 50*time.Millisecond {
		t.Errorf("first wait on another key took %v, %v", time.Since(start), err)
	}
}

func TestCampaignRenew(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, _ := NewCampaignStore(rdb, prefix)
	ctx := context.Background()
	c := broadcast.Campaign{ID: "c2", CreatedAt: time.Now()}
	rs := []broadcast.Recipient{{Account: "a", UserID: "1"}, {Account: "a", UserID: "2"}}
	if _, err := s.CreateCampaign(ctx, c, rs, broadcast.StatusRunning, time.Time{}); err != nil {
		t.Fatal(err)
	}
	claims, _ := s.Claim(ctx, "c2", "w1", 10, 50*time.Millisecond)
	if len(claims) != 2 {
		t.Fatalf("claimed %d", len(claims))
	}
	// w2 holds nothing: its renewal must not keep w1's claims alive.
	if err := s.Renew(ctx, "c2", "w2", rs, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Renew(ctx, "c2", "w1", rs[:1], time.Minute); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	requeued, unknown, err := s.Reclaim(ctx, "c2")
	if err != nil || requeued != 1 || unknown != 0 {
		t.Fatalf("Reclaim = %d, %d, %v; want only the unrenewed claim back", requeued, unknown, err)
	}
}
