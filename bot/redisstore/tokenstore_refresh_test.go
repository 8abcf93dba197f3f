package redisstore_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

// TestTokenRefreshAcrossReplicas is issue 2's cross-replica test: two token sources (two
// replicas, each with its own Redis connection and TokenStore) share one Redis; 20
// concurrent API calls meet an expired or revoked access token; exactly one refresh request
// reaches the (fake) OAuth server, and the rotated refresh token is what is stored.
func TestTokenRefreshAcrossReplicas(t *testing.T) {
	for _, mode := range []string{"expired by time", "revoked (-216)"} {
		t.Run(mode, func(t *testing.T) {
			const app, secret, oa = "app-1", "app-secret", "oa-1"
			rdb, prefix := redistest.New(t)
			rdb2 := redis.NewClient(rdb.Options()) // second replica's own connection pool
			t.Cleanup(func() { rdb2.Close() })

			srv := zalotest.New()
			srv.AddApp(app, secret)
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			ctx := context.Background()

			old := srv.IssuePair(app, oa)
			seed := old
			if mode == "expired by time" {
				seed.ExpiresAt = time.Now().Add(-time.Minute)
			}
			store1, _ := redisstore.NewTokenStore(rdb, prefix)
			store2, _ := redisstore.NewTokenStore(rdb2, prefix)
			if err := store1.Save(ctx, oa, seed); err != nil {
				t.Fatal(err)
			}
			if mode == "revoked (-216)" {
				srv.ExpireTokens(oa)
			}
			var clients []*zalo.Client
			for _, st := range []zalo.TokenStore{store1, store2} {
				src, err := zalo.NewTokenSource(zalo.TokenSourceConfig{
					OAID: oa, Store: st,
					OAuth: &zalo.OAuth{Base: ts.URL, AppID: app, AppSecret: secret},
				})
				if err != nil {
					t.Fatal(err)
				}
				c, err := zalo.NewClient(zalo.WithAPIBase(ts.URL), zalo.WithTokenSource(src))
				if err != nil {
					t.Fatal(err)
				}
				clients = append(clients, c)
			}

			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := clients[i%2].SendText(ctx, "user-1", "xin chào")
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("send: %v", err)
				}
			}
			if n := srv.RefreshCount(oa); n != 1 {
				t.Errorf("refresh requests reaching OAuth = %d, want exactly 1", n)
			}
			if n := len(srv.Sent()); n != 20 {
				t.Errorf("accepted sends = %d, want 20", n)
			}
			stored, err := store2.Load(ctx, oa)
			if err != nil {
				t.Fatal(err)
			}
			if stored.RefreshToken == old.RefreshToken || stored.AccessToken == old.AccessToken {
				t.Fatal("stored pair was not rotated")
			}
			// The stored refresh token is the live one: Zalo (the fake) accepts it once, and
			// rejects the spent old one.
			o := &zalo.OAuth{Base: ts.URL, AppID: app, AppSecret: secret}
			if _, err := o.Refresh(ctx, old.RefreshToken); err == nil {
				t.Error("old refresh token still accepted")
			}
			if _, err := o.Refresh(ctx, stored.RefreshToken); err != nil {
				t.Errorf("stored refresh token refused: %v", err)
			}
		})
	}
}
